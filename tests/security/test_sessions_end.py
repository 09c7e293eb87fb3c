"""Attack 4 and 8: a session ends when it should, server-side, and an OAuth callback works
once. Before, logout only replaced the cookie (the old one kept working for 12 h) and a
captured flow cookie could be replayed for 10 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer
from test_oauth import Setup, setup, through_provider  # noqa: F401 - `setup` is a fixture
from webworld import TEST_CONFIG, World, csrf_of, login

from liasse.app.accounts import add_user, remove_user
from liasse.store import web_repo
from liasse.web.app import create_app
from liasse.web.security import SESSION_COOKIE, SessionLifetimes, open_session, session_user

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
DASHBOARD = "/w/default/dashboard"


def logged_in_client(world: World) -> TestClient:
    client = TestClient(create_app(world.services, TEST_CONFIG))
    assert login(client, "owner@example.com").status_code in (200, 303)
    assert client.get(DASHBOARD, follow_redirects=False).status_code == 200
    return client


def replay(world: World, cookie: str) -> int:
    """The status a fresh browser gets for the dashboard with a copied session cookie."""
    thief = TestClient(create_app(world.services, TEST_CONFIG))
    thief.cookies.set(SESSION_COOKIE, cookie)
    return thief.get(DASHBOARD, follow_redirects=False).status_code


def test_logout_ends_the_session_for_a_copied_cookie(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    client = logged_in_client(world)
    stolen = client.cookies[SESSION_COOKIE]
    assert replay(world, stolen) == 200
    client.post("/logout", data={"csrf": csrf_of(client.get(DASHBOARD).text)})
    assert replay(world, stolen) == 303  # to the login page


def test_a_password_change_ends_every_session_of_the_user(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    laptop, phone = logged_in_client(world), logged_in_client(world)
    world.add_user("owner@example.com", "owner")  # the same password: nothing ends
    assert replay(world, laptop.cookies[SESSION_COOKIE]) == 200
    add_user(world.services, "owner@example.com", "a brand new password", role="owner")
    assert replay(world, laptop.cookies[SESSION_COOKIE]) == 303
    assert replay(world, phone.cookies[SESSION_COOKIE]) == 303


def test_removing_or_lowering_a_role_ends_the_sessions(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    client = logged_in_client(world)
    world.add_user("owner@example.com", "viewer")  # lowered
    assert replay(world, client.cookies[SESSION_COOKIE]) == 303
    client = logged_in_client(world)
    assert remove_user(world.services, "owner@example.com", workspace="default")
    assert replay(world, client.cookies[SESSION_COOKIE]) == 303
    assert not remove_user(world.services, "owner@example.com", workspace="default")


def test_sessions_have_an_idle_and_an_absolute_lifetime(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    lifetimes = SessionLifetimes(idle=timedelta(hours=2), absolute=timedelta(hours=12))
    with world.services.sessions.begin() as db:
        user = web_repo.find_user_by_email(db, "owner@example.com")
        assert user is not None
        idle = open_session(db, user.id, lifetimes, T0)
        busy = open_session(db, user.id, lifetimes, T0)
    with world.services.sessions.begin() as db:
        assert session_user(db, idle, lifetimes, T0 + timedelta(hours=1, minutes=59)) == user.id
        assert session_user(db, idle, lifetimes, T0 + timedelta(hours=4)) is None
    at = T0
    while at < T0 + timedelta(hours=12):  # used every hour: the idle limit never hits...
        with world.services.sessions.begin() as db:
            assert session_user(db, busy, lifetimes, at) == user.id
        at += timedelta(hours=1)
    with world.services.sessions.begin() as db:  # ...but the absolute one does
        assert session_user(db, busy, lifetimes, T0 + timedelta(hours=12, minutes=1)) is None


def test_the_database_holds_no_usable_session_token(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    client = logged_in_client(world)
    cookie = client.cookies[SESSION_COOKIE]
    with world.services.engine.connect() as raw:
        dump = " ".join(str(row) for row in raw.exec_driver_sql("SELECT * FROM web_sessions"))
    assert TEST_CONFIG.session_secret is not None
    token = URLSafeTimedSerializer(TEST_CONFIG.session_secret.get_secret_value(),
                                   salt="liasse-session").loads(cookie)["s"]
    assert len(dump) > 64 and token not in dump  # only its SHA-256 is kept


def test_an_oauth_callback_cannot_be_replayed(setup: Setup) -> None:  # noqa: F811
    start = setup.owner.post("/w/default/connections/dropbox/start",
                             data={"csrf": setup.csrf(), "folder": "/Invoices"},
                             follow_redirects=False)
    flow_cookie = start.cookies["liasse_oauth_dropbox"]
    callback = through_provider(start, setup.dropbox_url, "dropbox")
    assert setup.owner.get(callback, follow_redirects=False).status_code == 303
    # The attacker had copied the flow cookie and the callback URL: both sent again.
    setup.owner.cookies.set("liasse_oauth_dropbox", flow_cookie, path="/oauth/dropbox/")
    replayed = setup.owner.get(callback, follow_redirects=False)
    assert replayed.status_code == 400 and "unknown or expired" in replayed.text
