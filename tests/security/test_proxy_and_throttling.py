"""Attack 3 and 8: a forged X-Forwarded-For must not dodge throttling, and failed logins
slow the guesser down without letting a stranger lock the real user out."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from webworld import FAST_HASHER, PASSWORD, TEST_CONFIG, World, login

from liasse.app.settings import WebConfig
from liasse.store.tables_web import LoginAttempt
from liasse.web.app import create_app
from liasse.web.security import LoginPolicy, LoginThrottled, authenticate

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


@contextmanager
def served(world: World, config: WebConfig) -> Iterator[str]:
    """The app on a real loopback socket, with the proxy options `liasse run` passes."""
    server = uvicorn.Server(uvicorn.Config(create_app(world.services, config), host="127.0.0.1",
                                           port=0, log_level="warning",
                                           **config.uvicorn_proxy_options()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def recorded_addresses(world: World) -> set[str]:
    with world.services.sessions.begin() as session:
        return {row.address for row in session.query(LoginAttempt).all()}


@pytest.mark.parametrize(("trusted", "expected"), [((), "127.0.0.1"),
                                                   (("127.0.0.1",), "203.0.113.7")])
def test_forwarded_headers_are_believed_only_from_configured_proxies(
        world: World, trusted: tuple[str, ...], expected: str) -> None:
    world.add_user("owner@example.com", "owner")
    config = TEST_CONFIG.model_copy(update={"trusted_proxies": trusted})
    with served(world, config) as url, httpx.Client(base_url=url) as client:
        client.headers["X-Forwarded-For"] = "203.0.113.7"
        assert login(client, "owner@example.com", "wrong guess").status_code == 401
    assert recorded_addresses(world) == {expected}


def test_the_default_trusts_no_proxy() -> None:
    assert WebConfig().trusted_proxies == ()
    assert WebConfig().uvicorn_proxy_options()["proxy_headers"] is False


def try_login(world: World, password: str, at: datetime, address: str = "198.51.100.1",
              email: str = "owner@example.com") -> str | int:
    """"in" or "wrong" for a right or wrong password, or the seconds to wait when throttled."""
    policy = LoginPolicy.from_config(TEST_CONFIG)
    try:
        with world.services.sessions.begin() as session:
            user = authenticate(session, FAST_HASHER, policy, email=email, password=password,
                                address=address, now=at)
        return "in" if user is not None else "wrong"
    except LoginThrottled as throttled:
        return throttled.retry_after


def test_failed_logins_wait_longer_and_longer(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    at = T0
    for _ in range(3):
        assert try_login(world, "guess", at) == "wrong"
    waits = []
    for _ in range(4):
        wait = try_login(world, "guess", at)
        assert isinstance(wait, int)
        waits.append(wait)
        at += timedelta(seconds=wait)
        assert try_login(world, "guess", at) == "wrong"  # allowed once the wait is over
    assert waits == [1, 2, 4, 8]
    assert try_login(world, PASSWORD, at + timedelta(seconds=16)) == "in"


def test_a_stranger_cannot_lock_the_real_user_out(world: World) -> None:
    world.add_user("owner@example.com", "owner")
    at = T0
    for _ in range(8):  # the attacker's address waits longer and longer...
        wait = try_login(world, "guess", at, address="203.0.113.66")
        if isinstance(wait, int):
            at += timedelta(seconds=wait)
            assert try_login(world, "guess", at, address="203.0.113.66") == "wrong"
    assert try_login(world, "guess", at, address="203.0.113.66") == 32
    # ...while the owner, from their own address, logs in at once.
    assert try_login(world, PASSWORD, at, address="198.51.100.1") == "in"


def test_one_address_trying_many_accounts_is_slowed(world: World) -> None:
    for number in range(20):
        assert try_login(world, "guess", T0, email=f"user{number}@example.com") == "wrong"
    assert try_login(world, "guess", T0, email="someone-else@example.com") == 1
