"""Qonto client credentials: API key header, OAuth code exchange, refresh before expiry under
a lock with a re-check of the stored token, rotation, and refusals → NeedsReconnect."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from contract.openapi import FakeClock, validated_client
from liasse.connectors.qonto import (
    ApiKeyCredentials,
    InMemoryCredentialStore,
    NeedsReconnect,
    OAuthApp,
    OAuthAuth,
    OAuthCredentials,
    QontoClient,
    authenticator_for,
    authorization_url,
    connect_api_key,
    exchange_code,
)
from liasse.connectors.qonto.auth import credentials_from_json, credentials_to_json
from liasse.emulators.qonto import EmulatorConfig, create_app, empty_state
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.state import OAuthClient

REDIRECT = "http://127.0.0.1:8000/connect/qonto/callback"
APP = OAuthApp("liasse", "liasse-secret", REDIRECT, authorize_url="https://emu/oauth2/auth",
               token_url="https://emu/oauth2/token")


class Connected:
    """An emulator with liasse registered, and the tokens of an approved connection."""

    def __init__(self, access_ttl: timedelta = timedelta(hours=1)) -> None:
        self.clock = FakeClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
        self.state = empty_state()
        self.state.oauth_clients["liasse"] = OAuthClient("liasse", "liasse-secret", [REDIRECT])
        config = EmulatorConfig(oauth_auto_approve=True, access_token_ttl=access_ttl)
        self.app = create_app(self.state, clock=self.clock, config=config)
        self.http, self.transport = validated_client(self.app, check_requests=True,
                                                     base_url="https://emu")
        consent = self.http.get(authorization_url(APP, state="csrf-1"))
        query = parse_qs(urlsplit(consent.headers["location"]).query)
        assert query["state"] == ["csrf-1"]
        self.store = InMemoryCredentialStore(
            exchange_code(self.http, APP, query["code"][0], clock=self.clock))

    def client(self) -> QontoClient:
        auth = authenticator_for(self.store, self.http, APP, clock=self.clock)
        return QontoClient(self.http, auth, base_url="https://emu")


def test_authorization_url_carries_scopes_and_state() -> None:
    query = parse_qs(urlsplit(authorization_url(APP, "s-42")).query)
    assert query["response_type"] == ["code"] and query["state"] == ["s-42"]
    assert "offline_access" in query["scope"][0].split()


def test_code_exchange_gives_tokens_that_call_the_api() -> None:
    connected = Connected()
    credentials = connected.store.load()
    assert isinstance(credentials, OAuthCredentials) and credentials.refresh_token
    assert credentials.expires_at == connected.clock() + timedelta(hours=1)
    assert connected.client().organization().id == connected.state.organization.id
    assert connected.transport.violations == []


def test_refreshes_before_expiry_and_saves_the_rotated_tokens() -> None:
    connected = Connected(access_ttl=timedelta(minutes=5))
    before = connected.store.load()
    client = connected.client()
    connected.clock.advance(minutes=4, seconds=30)  # inside the 60-second margin
    client.organization()
    after = connected.store.load()
    assert isinstance(before, OAuthCredentials) and isinstance(after, OAuthCredentials)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token and connected.store.saves == 1


def test_a_worker_that_finds_fresh_tokens_in_the_store_does_not_refresh_again() -> None:
    connected = Connected(access_ttl=timedelta(minutes=5))
    connected.clock.advance(minutes=4, seconds=30)
    lock = threading.Lock()
    workers = [OAuthAuth(connected.http, APP, connected.store, clock=connected.clock, lock=lock)
               for _ in range(2)]
    headers = [worker.header() for worker in workers]
    assert headers[0] == headers[1] and connected.store.saves == 1


def test_expired_refresh_token_means_reconnect_and_no_more_calls() -> None:
    connected = Connected(access_ttl=timedelta(minutes=5))
    client = connected.client()
    credentials = connected.store.load()
    assert isinstance(credentials, OAuthCredentials)
    connected.state.refresh_tokens.clear()  # revoked at Qonto
    connected.clock.advance(minutes=10)
    with pytest.raises(NeedsReconnect, match="reconnect"):
        client.organization()
    sent = client.requests_sent
    with pytest.raises(NeedsReconnect):
        client.organization()
    assert client.requests_sent == sent


def test_a_401_on_a_live_token_renews_once_then_gives_up() -> None:
    connected = Connected()
    client = connected.client()
    connected.state.access_tokens.clear()  # Qonto forgot the access token early
    assert client.organization().id  # renewed with the refresh token, then succeeded
    connected.state.access_tokens.clear()
    connected.state.refresh_tokens.clear()
    with pytest.raises(NeedsReconnect):
        client.organization()


def test_missing_scope_is_a_403_and_needs_reconnect() -> None:
    connected = Connected()
    credentials = connected.store.load()
    assert isinstance(credentials, OAuthCredentials)
    for token in connected.state.access_tokens.values():
        token.scopes = ["organization.read"]
    client = connected.client()
    assert client.organization().id
    with pytest.raises(NeedsReconnect, match=r"supplier_invoice\.read"):
        list(client.list_supplier_invoices())


def test_sandbox_staging_token_is_sent_and_the_login_page_is_an_auth_problem() -> None:
    state = empty_state()
    state.api_keys = {"org": "key"}
    app = create_app(state, config=EmulatorConfig(staging_token="stg"))
    http = httpx.Client(transport=sync_transport(app))
    store = InMemoryCredentialStore(ApiKeyCredentials("org", "key"))
    auth = authenticator_for(store, http, None)
    good = QontoClient(http, auth, base_url="https://sandbox", staging_token="stg")
    assert good.organization().id
    missing = QontoClient(http, auth, base_url="https://sandbox")
    with pytest.raises(NeedsReconnect, match="Staging-Token"):
        missing.organization()


def test_credentials_round_trip_as_json_for_the_secret_store() -> None:
    for credentials in (ApiKeyCredentials("org", "secret"),
                        OAuthCredentials("a", "r", datetime(2026, 1, 1, tzinfo=UTC), ("x",))):
        assert credentials_from_json(credentials_to_json(credentials)) == credentials


def test_connecting_with_an_api_key_checks_it_before_keeping_it() -> None:
    state = empty_state()
    state.api_keys = {"org": "key"}
    http, transport = validated_client(create_app(state), check_requests=True)
    store = InMemoryCredentialStore()
    with pytest.raises(NeedsReconnect):
        connect_api_key(http, ApiKeyCredentials("org", "wrong"), store)
    assert store.load() is None
    organization = connect_api_key(http, ApiKeyCredentials("org", "key"), store)
    assert organization.id == state.organization.id
    assert store.load() == ApiKeyCredentials("org", "key") and transport.violations == []


def test_no_credentials_is_needs_reconnect() -> None:
    with pytest.raises(NeedsReconnect, match="liasse connect qonto"):
        authenticator_for(InMemoryCredentialStore(), httpx.Client(), APP)
