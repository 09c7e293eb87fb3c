"""Accounts and safety: login, throttling, cookies, CSRF on every POST, roles, isolation."""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from webworld import PASSWORD, TEST_CONFIG, World, csrf_of, login

from liasse.web.app import create_app
from liasse.web.routes import ROUTERS
from liasse.web.security import SESSION_COOKIE


def test_pages_need_a_login_and_come_back_after_it(client: TestClient) -> None:
    page = client.get("/w/default/review/abc", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/w/default/review/abc"
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_wrong_password_is_refused_with_the_same_message_as_an_unknown_email(
        client: TestClient) -> None:
    wrong = login(client, "owner@example.com", "not the password")
    unknown = login(client, "nobody@example.com", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong e-mail or password." in wrong.text and "Wrong e-mail or password." in unknown.text


def test_login_is_throttled_after_repeated_failures(client: TestClient) -> None:
    for _ in range(3):
        assert login(client, "owner@example.com", "guess").status_code == 401
    throttled = login(client, "owner@example.com", PASSWORD)  # even the right password waits
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "1"
    assert "Too many failed attempts" in throttled.text


def test_login_redirects_only_within_the_site(client: TestClient) -> None:
    page = client.get("/login?next=//evil.example/x")
    response = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD,
                                           "csrf": csrf_of(page.text),
                                           "next": "//evil.example/x"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_session_cookie_is_httponly_lax_and_secure_over_https(world: World) -> None:
    plain = TestClient(create_app(world.services, TEST_CONFIG.model_copy(
        update={"secure_cookies": None})))
    cookie = plain.get("/login").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    https = TestClient(create_app(world.services, TEST_CONFIG.model_copy(
        update={"secure_cookies": None})), base_url="https://testserver")
    cookie = https.get("/login").headers["set-cookie"]
    assert cookie.startswith(SESSION_COOKIE) and "Secure" in cookie


def test_a_new_session_starts_at_login(client: TestClient) -> None:
    before = csrf_of(client.get("/login").text)
    login(client, "owner@example.com")
    after = csrf_of(client.get("/w/default/dashboard").text)
    assert before != after


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(world: World,
                                                                owner: TestClient) -> None:
    document_id = world.document_id("unsure.pdf")
    posts = [route.path for router in ROUTERS for route in router.routes
             if isinstance(route, APIRoute) and "POST" in route.methods]
    assert len(posts) >= 10
    for path in posts:
        url = path.replace("{slug}", "default").replace("{document_id}", document_id) \
                  .replace("{item_id}", "x")
        assert owner.post(url, data={"reason": "x"}).status_code == 403, url
        assert owner.post(url, data={"csrf": "forged", "reason": "x"}).status_code == 403, url
    assert world.state_of("unsure.pdf") == "in_review"


def test_a_user_sees_only_their_workspaces(world: World, client: TestClient) -> None:
    other_id = world.add_workspace("other")
    world.add_user("outsider@example.com", "owner", workspace="other")
    document_id = world.document_id("unsure.pdf")
    login(client, "outsider@example.com")
    assert client.get("/", follow_redirects=False).headers["location"] == "/w/other/dashboard"
    for path in ("/w/default/dashboard", "/w/default/review", f"/w/default/documents/{document_id}",
                 f"/w/default/documents/{document_id}/file", "/w/default/status",
                 "/w/default/api/status", "/w/nope/dashboard", "/switch?to=default"):
        assert client.get(path).status_code == 404, path
    # Their own workspace's URLs do not reach the other workspace's records either.
    assert client.get(f"/w/other/documents/{document_id}").status_code == 404
    assert client.get(f"/w/other/review/{document_id}").status_code == 404
    page = client.get("/w/other/dashboard")
    assert other_id and "Default" not in page.text
    refused = client.post(f"/w/other/documents/{document_id}/approve",
                          data={"csrf": csrf_of(page.text)})
    assert refused.status_code == 404
    assert world.state_of("unsure.pdf") == "in_review"


def test_roles_limit_what_a_user_may_do(world: World, client: TestClient) -> None:
    world.add_user("viewer@example.com", "viewer")
    world.add_user("reviewer@example.com", "reviewer")
    document_id = world.document_id("unsure.pdf")
    login(client, "viewer@example.com")
    page = client.get(f"/w/default/review/{document_id}")
    assert 'id="approve-form"' not in page.text
    assert client.post(f"/w/default/documents/{document_id}/approve",
                       data={"csrf": csrf_of(page.text)}).status_code == 403
    assert client.get("/w/default/settings").status_code == 403
    login(client, "reviewer@example.com")
    page = client.get(f"/w/default/review/{document_id}")
    assert client.post("/w/default/post-now", data={"csrf": csrf_of(page.text)}
                       ).status_code == 403
    assert client.post(f"/w/default/documents/{document_id}/approve",
                       data={"csrf": csrf_of(page.text)}).status_code == 200
    assert world.state_of("unsure.pdf") == "approved"


def test_logout_ends_the_session(owner: TestClient) -> None:
    page = owner.get("/w/default/dashboard")
    owner.post("/logout", data={"csrf": csrf_of(page.text)})
    assert owner.get("/w/default/dashboard", follow_redirects=False).status_code == 303


def test_the_workspace_switcher_goes_to_a_workspace_of_the_user(world: World,
                                                                owner: TestClient) -> None:
    world.add_workspace("client-b")
    world.add_user("owner@example.com", "accountant", workspace="client-b")
    page = owner.get("/w/default/dashboard")
    assert 'value="client-b"' in page.text
    switched = owner.get("/switch?to=client-b", follow_redirects=False)
    assert switched.headers["location"] == "/w/client-b/dashboard"
    assert owner.get("/w/client-b/dashboard").status_code == 200
