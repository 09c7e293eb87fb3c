"""Qonto emulator: API keys, OAuth 2.0, scopes, rate limits, faults, staging, persistence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from contract.openapi import FakeClock, validated_client
from liasse.emulators.qonto import EmulatorConfig, FaultPlan, FaultRule, create_app, empty_state
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.persistence import StateStore
from liasse.emulators.qonto.serve import LOCAL_CLIENT_ID, prepare_state
from liasse.emulators.qonto.state import OAuthClient, QontoState

KEY = {"Authorization": "atelier:s3cret"}
REDIRECT = "http://127.0.0.1:8765/connect/qonto/callback"


def make_state() -> QontoState:
    state = empty_state()
    state.api_keys = {"atelier": "s3cret"}
    state.oauth_clients["app"] = OAuthClient("app", "app-secret", [REDIRECT])
    return state


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))


def oauth_tokens(client: httpx.Client, scopes: str) -> dict[str, str]:
    answer = client.get("/oauth2/auth", params={
        "client_id": "app", "redirect_uri": REDIRECT, "response_type": "code",
        "scope": scopes, "state": "xyz"})
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["xyz"]
    token = client.post("/oauth2/token", data={
        "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT,
        "client_id": "app", "client_secret": "app-secret"})
    assert token.status_code == 200, token.text
    body: dict[str, str] = token.json()
    return body


def test_api_key_is_login_colon_secret_and_anything_else_is_401(clock: FakeClock) -> None:
    client, transport = validated_client(create_app(make_state(), clock=clock),
                                         check_requests=False)
    assert client.get("/v2/organization", headers=KEY).status_code == 200
    for header in ({}, {"Authorization": "atelier:wrong"}, {"Authorization": "Bearer nope"}):
        answer = client.get("/v2/organization", headers=header)
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["code"] == "unauthorized"
    assert transport.violations == []


def test_oauth_code_flow_scopes_and_expiry(clock: FakeClock) -> None:
    config = EmulatorConfig(oauth_auto_approve=True, access_token_ttl=timedelta(minutes=5))
    client, transport = validated_client(create_app(make_state(), clock=clock, config=config),
                                         check_requests=False)
    tokens = oauth_tokens(client, "organization.read offline_access")
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert tokens["expires_in"] == 300 and "refresh_token" in tokens
    assert client.get("/v2/organization", headers=bearer).status_code == 200
    denied = client.get("/v2/supplier_invoices", headers=bearer)
    assert denied.status_code == 403 and "supplier_invoice.read" in denied.json()[
        "errors"][0]["detail"]
    clock.advance(minutes=6)
    assert client.get("/v2/organization", headers=bearer).status_code == 401
    no_offline = oauth_tokens(client, "organization.read")
    assert "refresh_token" not in no_offline
    assert transport.violations == []


def test_refresh_rotates_with_a_60_second_grace(clock: FakeClock) -> None:
    config = EmulatorConfig(oauth_auto_approve=True)
    client = httpx.Client(transport=sync_transport(create_app(make_state(), clock=clock,
                                                              config=config)),
                          base_url="https://emulator")
    first = oauth_tokens(client, "organization.read offline_access")["refresh_token"]
    form = {"grant_type": "refresh_token", "client_id": "app", "client_secret": "app-secret"}
    second = client.post("/oauth2/token", data={**form, "refresh_token": first}).json()
    assert second["refresh_token"] != first
    clock.advance(seconds=59)
    racing = client.post("/oauth2/token", data={**form, "refresh_token": first})
    assert racing.status_code == 200  # a second worker refreshing at once still succeeds
    clock.advance(seconds=2)
    late = client.post("/oauth2/token", data={**form, "refresh_token": first})
    assert late.status_code == 400 and late.json()["error"] == "invalid_grant"
    wrong_secret = client.post("/oauth2/token", data={
        **form, "client_secret": "nope", "refresh_token": second["refresh_token"]})
    assert wrong_secret.status_code == 401


def test_consent_page_then_approval_redirects_with_a_code(clock: FakeClock) -> None:
    client = httpx.Client(transport=sync_transport(create_app(make_state(), clock=clock)),
                          base_url="https://emulator")
    params = {"client_id": "app", "redirect_uri": REDIRECT, "response_type": "code",
              "scope": "organization.read", "state": "s1"}
    page = client.get("/oauth2/auth", params=params)
    assert page.status_code == 200 and "Approve" in page.text
    approved = client.post("/oauth2/auth", data={**params, "decision": "approve"})
    assert "code=" in approved.headers["location"]
    denied = client.post("/oauth2/auth", data={**params, "decision": "deny"})
    assert "error=access_denied" in denied.headers["location"]
    stranger = client.get("/oauth2/auth", params={**params, "redirect_uri": "https://evil"})
    assert stranger.status_code == 400


def test_rate_limit_answers_429_then_recovers(clock: FakeClock) -> None:
    config = EmulatorConfig(rate_limit_short=(3, timedelta(seconds=10)))
    client, transport = validated_client(create_app(make_state(), clock=clock, config=config),
                                         check_requests=False)
    codes = [client.get("/v2/organization", headers=KEY).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    clock.advance(seconds=11)
    assert client.get("/v2/organization", headers=KEY).status_code == 200
    assert transport.violations == []


def test_default_rate_limit_is_1000_per_10_seconds(clock: FakeClock) -> None:
    assert EmulatorConfig().rate_limit_short == (1000, timedelta(seconds=10))
    emulator = create_app(make_state(), clock=clock).state.emulator
    allowed = sum(emulator.limiter.allow("10.0.0.1", clock()) for _ in range(1001))
    assert allowed == 1000


def test_faults_per_route_then_normal_service(clock: FakeClock) -> None:
    faults = FaultPlan()
    client, transport = validated_client(create_app(make_state(), clock=clock, faults=faults),
                                         check_requests=False)
    faults.add(FaultRule("GET /v2/organization", "server_error", times=2, status=502))
    faults.add(FaultRule("GET /v2/organization", "rate_limited", retry_after=3))
    faults.add(FaultRule("*", "unauthorized"))
    codes = [client.get("/v2/organization", headers=KEY) for _ in range(5)]
    assert [c.status_code for c in codes] == [502, 502, 429, 401, 200]
    assert codes[2].headers["Retry-After"] == "3"
    assert transport.violations == []


def test_delay_faults_turn_into_client_timeouts(clock: FakeClock) -> None:
    faults = FaultPlan()
    state = make_state()
    client, _ = validated_client(create_app(state, clock=clock, faults=faults),
                                 check_requests=False, timeout=0.05)
    faults.add(FaultRule("POST /v2/attachments", "delay_after", seconds=0.5))
    with pytest.raises(httpx.ReadTimeout):
        client.post("/v2/attachments", headers=KEY,
                    files={"file": ("a.pdf", b"%PDF-1.4", "application/pdf")})
    assert len(state.attachments) == 1  # done on Qonto's side, the answer was lost
    faults.add(FaultRule("POST /v2/attachments", "delay_before", seconds=0.5))
    with pytest.raises(httpx.ReadTimeout):
        client.post("/v2/attachments", headers=KEY,
                    files={"file": ("b.pdf", b"%PDF-1.4 b", "application/pdf")})
    assert len(state.attachments) == 1  # cancelled before any work


def test_fault_control_route_for_loopback_runs(clock: FakeClock) -> None:
    client = httpx.Client(transport=sync_transport(create_app(make_state(), clock=clock)),
                          base_url="https://emulator")
    set_rules = client.post("/_emulator/faults", json={
        "rules": [{"route": "GET /v2/organization", "kind": "server_error", "status": 500}],
        "rejected_file_names": ["x.pdf"]})
    assert set_rules.json() == {"rules": 1}
    assert client.get("/v2/organization", headers=KEY).status_code == 500
    assert client.post("/_emulator/faults", json={"rules": [{"kind": "nope"}]}).status_code == 400
    # A Dropbox-only kind, or a malformed number, is a 400 too.
    assert client.post("/_emulator/faults", json={"rules": [{"kind": "reset_cursor"}]}
                       ).status_code == 400
    assert client.post("/_emulator/faults", json={"rules": [
        {"kind": "server_error", "status": "often"}]}).status_code == 400


def test_sandbox_without_staging_token_answers_a_login_page(clock: FakeClock) -> None:
    config = EmulatorConfig(staging_token="stg-123")
    # The HTML login page is by nature outside the API file: plain transport here.
    client = httpx.Client(transport=sync_transport(create_app(make_state(), clock=clock,
                                                              config=config)),
                          base_url="https://emulator")
    page = client.get("/v2/organization", headers=KEY)
    assert page.headers["content-type"].startswith("text/html")
    ok = client.get("/v2/organization", headers={**KEY, "X-Qonto-Staging-Token": "stg-123"})
    assert ok.json()["organization"]["slug"]


def test_state_survives_a_restart_through_the_data_folder(tmp_path: Path,
                                                          clock: FakeClock) -> None:
    store = StateStore(tmp_path)
    state, key = prepare_state(store, "demo", None)
    assert key.startswith("atelier-liasse-sas:") and LOCAL_CLIENT_ID in state.oauth_clients
    login, _, secret = key.partition(":")
    client = httpx.Client(transport=sync_transport(create_app(state, clock=clock, store=store)),
                          base_url="https://emulator")
    created = client.post("/v2/attachments", headers={"Authorization": key},
                          files={"file": ("a.pdf", b"%PDF-1.4 kept", "application/pdf")})
    attachment_id = created.json()["attachment"]["id"]
    reloaded, same_key = prepare_state(StateStore(tmp_path), "demo", None)
    assert same_key == key and reloaded.api_keys == {login: secret}
    assert reloaded.attachments[attachment_id].size == len(b"%PDF-1.4 kept")
    assert len(reloaded.transactions) == len(state.transactions)
    assert StateStore(tmp_path).files.get(reloaded.attachments[attachment_id].sha256) == (
        b"%PDF-1.4 kept")
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind
