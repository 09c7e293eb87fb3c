"""Dropbox emulator: wire format, path semantics, journal, OAuth, faults, persistence.

Requests go through `httpx.ASGITransport` (via the emulator's in-process sync client).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from liasse.connectors.dropbox.content_hash import content_hash
from liasse.emulators.dropbox import DropboxState, EmulatorConfig
from liasse.emulators.dropbox.inprocess import in_process_client
from liasse.emulators.faults import FaultRule

BASE = "http://dropbox.test"
TOKEN = "test-long-lived-token"


@pytest.fixture
def state() -> DropboxState:
    return DropboxState(EmulatorConfig(longpoll_max_wait=0.2), token=TOKEN)


@pytest.fixture
def http(state: DropboxState) -> Iterator[httpx.Client]:
    with in_process_client(state) as client:
        yield client


def rpc(http: httpx.Client, route: str, arg: Any, token: str = TOKEN) -> httpx.Response:
    return http.post(f"{BASE}/2/{route}", content=json.dumps(arg),
                     headers={"Authorization": f"Bearer {token}",
                              "Content-Type": "application/json"})


def upload(http: httpx.Client, arg: dict[str, Any], data: bytes) -> httpx.Response:
    return http.post(f"{BASE}/2/files/upload", content=data, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/octet-stream",
        "Dropbox-API-Arg": json.dumps(arg)})


def test_rpc_answers_exact_json_content_type_and_400_as_plain_text(http: httpx.Client) -> None:
    ok = rpc(http, "files/list_folder", {"path": ""})
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/json"
    bad = rpc(http, "files/list_folder", {"path": "/"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")
    assert "empty string" in bad.text
    no_auth = http.post(f"{BASE}/2/files/list_folder", json={"path": ""})
    assert no_auth.status_code == 400


def test_unknown_token_is_401_with_auth_error_union(http: httpx.Client) -> None:
    response = rpc(http, "files/list_folder", {"path": ""}, token="nope")
    assert response.status_code == 401
    assert response.json()["error"] == {".tag": "invalid_access_token"}
    assert response.json()["error_summary"].startswith("invalid_access_token/")


def test_download_result_header_is_ascii_and_paths_are_case_and_nfc_insensitive(
    http: httpx.Client, state: DropboxState
) -> None:
    nfd_name = unicodedata.normalize("NFD", "/Reçus/Été.pdf")
    created = state.put_file(nfd_name, b"%PDF body")
    response = http.post(f"{BASE}/2/files/download", headers={
        "Authorization": f"Bearer {TOKEN}",
        "Dropbox-API-Arg": json.dumps({"path": "/REÇUS/été.PDF"}, ensure_ascii=True)})
    assert response.status_code == 200 and response.content == b"%PDF body"
    header = response.headers["dropbox-api-result"]
    assert header.isascii() and "\\u" in header
    metadata = json.loads(header)
    assert metadata["id"] == created["id"]
    assert metadata["path_display"] == "/Reçus/Été.pdf"
    assert metadata["path_lower"] == "/reçus/été.pdf"
    assert metadata["content_hash"] == content_hash(b"%PDF body")


def test_upload_modes_conflicts_and_content_hash(http: httpx.Client) -> None:
    first = upload(http, {"path": "/a.pdf"}, b"one").json()
    same = upload(http, {"path": "/a.pdf", "mode": "add"}, b"one").json()
    assert same["rev"] == first["rev"]  # identical content: nothing written
    strict = upload(http, {"path": "/a.pdf", "mode": "add", "strict_conflict": True}, b"one")
    assert strict.status_code == 409
    assert strict.json()["error"]["reason"]["conflict"][".tag"] == "file"
    stale = upload(http, {"path": "/a.pdf", "mode": {".tag": "update", "update": "0" * 9}}, b"x")
    assert stale.status_code == 409
    newer = upload(http, {"path": "/a.pdf", "mode": {".tag": "update", "update": first["rev"]}},
                   b"two").json()
    assert newer["id"] == first["id"] and newer["rev"] != first["rev"]
    wrong = upload(http, {"path": "/b.pdf", "content_hash": content_hash(b"other")}, b"data")
    assert wrong.json()["error"] == {".tag": "content_hash_mismatch"}
    under_file = upload(http, {"path": "/a.pdf/inner.pdf"}, b"x")
    assert under_file.json()["error"]["reason"]["conflict"][".tag"] == "file_ancestor"


def test_journal_reports_moves_as_delete_plus_same_id_and_deleted_on_request(
    http: httpx.Client, state: DropboxState
) -> None:
    moved = state.put_file("/In/old.pdf", b"x")
    cursor = rpc(http, "files/list_folder/get_latest_cursor",
                 {"path": "/In", "recursive": True}).json()["cursor"]
    rpc(http, "files/move_v2", {"from_path": "/In/old.pdf", "to_path": "/In/sub/new.pdf"})
    changes = rpc(http, "files/list_folder/continue", {"cursor": cursor}).json()
    by_tag = {(e[".tag"], e["path_display"]): e for e in changes["entries"]}
    assert ("deleted", "/In/old.pdf") in by_tag
    assert by_tag[("file", "/In/sub/new.pdf")]["id"] == moved["id"]
    listed = rpc(http, "files/list_folder",
                 {"path": "/In", "recursive": True, "include_deleted": True}).json()
    assert {e[".tag"] for e in listed["entries"]} == {"deleted", "folder", "file"}


def test_longpoll_returns_false_without_change_and_reset_after_compaction(
    http: httpx.Client, state: DropboxState
) -> None:
    cursor = rpc(http, "files/list_folder/get_latest_cursor", {"path": ""}).json()["cursor"]
    poll = http.post(f"{BASE}/2/files/list_folder/longpoll",
                     json={"cursor": cursor, "timeout": 30})
    assert poll.json() == {"changes": False}
    state.put_file("/c.pdf", b"c")
    assert http.post(f"{BASE}/2/files/list_folder/longpoll",
                     json={"cursor": cursor, "timeout": 30}).json() == {"changes": True}
    state.tree.compact_journal()
    reset = rpc(http, "files/list_folder/continue", {"cursor": cursor})
    assert reset.status_code == 409 and reset.json()["error"] == {".tag": "reset"}


def test_faults_injected_through_the_admin_route(http: httpx.Client) -> None:
    http.post(f"{BASE}/_admin/faults",
              json={"route": "files/list_folder", "kind": "rate_limit", "retry_after": 4})
    http.post(f"{BASE}/_admin/faults",
              json={"route": "files/list_folder", "kind": "server_error", "status": 503})
    limited = rpc(http, "files/list_folder", {"path": ""})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "4"
    assert limited.json()["error"]["retry_after"] == 4
    assert rpc(http, "files/list_folder", {"path": ""}).status_code == 503
    assert rpc(http, "files/list_folder", {"path": ""}).status_code == 200
    assert http.post(f"{BASE}/_admin/faults", json={"kind": "explode"}).status_code == 400
    # A kind only the Qonto emulator plays is refused, not played as something else.
    assert http.post(f"{BASE}/_admin/faults", json={"kind": "unauthorized"}).status_code == 400


def test_scopes_are_enforced_per_route(http: httpx.Client, state: DropboxState) -> None:
    token = state.issue_tokens("app", frozenset({"files.metadata.read"}))["access_token"]
    assert rpc(http, "files/list_folder", {"path": ""}, token=token).status_code == 200
    denied = rpc(http, "files/create_folder_v2", {"path": "/x"}, token=token)
    assert denied.status_code == 401
    assert denied.json()["error"] == {".tag": "missing_scope",
                                      "required_scope": "files.content.write"}


def pkce_pair() -> tuple[str, str]:
    verifier = "v" * 64
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_oauth_allow_form_redirect_pkce_refresh_and_revoke(http: httpx.Client) -> None:
    verifier, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": "app", "redirect_uri": "http://cb/x",
              "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256",
              "token_access_type": "offline", "scope": "files.metadata.read"}
    page = http.get(f"{BASE}/oauth2/authorize", params=params)
    assert page.status_code == 200 and 'id="allow"' in page.text
    allowed = http.post(f"{BASE}/oauth2/authorize", data={**params, "decision": "allow"})
    assert allowed.status_code == 302
    query = parse_qs(urlsplit(allowed.headers["location"]).query)
    assert query["state"] == ["s1"]
    form = {"grant_type": "authorization_code", "code": query["code"][0], "client_id": "app",
            "redirect_uri": "http://cb/x"}
    wrong = http.post(f"{BASE}/oauth2/token", data={**form, "code_verifier": "w" * 64})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # The failed attempt burnt the code, as a real server would: authorize again.
    again = http.post(f"{BASE}/oauth2/authorize", data={**params, "decision": "allow"})
    form["code"] = parse_qs(urlsplit(again.headers["location"]).query)["code"][0]
    tokens = http.post(f"{BASE}/oauth2/token", data={**form, "code_verifier": verifier}).json()
    assert tokens["refresh_token"] and tokens["scope"] == "files.metadata.read"
    refreshed = http.post(f"{BASE}/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": "app"}).json()
    assert rpc(http, "files/list_folder", {"path": ""}, refreshed["access_token"]).is_success
    revoked = http.post(f"{BASE}/2/auth/token/revoke",
                        headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert revoked.status_code == 200
    assert rpc(http, "files/list_folder", {"path": ""}, tokens["access_token"]).status_code == 401
    dead = http.post(f"{BASE}/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": "app"})
    assert dead.json()["error"] == "invalid_grant"


def test_access_tokens_expire_after_the_configured_lifetime() -> None:
    now = [1_000_000.0]
    state = DropboxState(EmulatorConfig(access_token_lifetime=60), clock=lambda: now[0])
    token = state.issue_tokens()["access_token"]
    with in_process_client(state) as http:
        assert rpc(http, "files/list_folder", {"path": ""}, token).status_code == 200
        now[0] += 61
        expired = rpc(http, "files/list_folder", {"path": ""}, token)
    assert expired.json()["error"] == {".tag": "expired_access_token"}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    first = DropboxState(data_dir=tmp_path)
    tokens = first.issue_tokens()
    created = first.put_file("/Inbox/f.pdf", b"persisted bytes")
    cursor = first.tree.latest_cursor("/Inbox", recursive=True, include_deleted=False)
    again = DropboxState(data_dir=tmp_path)
    with in_process_client(again) as http:
        metadata = rpc(http, "files/get_metadata", {"path": "/inbox/F.pdf"},
                       tokens["access_token"]).json()
        assert metadata["id"] == created["id"] and metadata["rev"] == created["rev"]
        changes = rpc(http, "files/list_folder/continue", {"cursor": cursor},
                      tokens["access_token"]).json()
    assert changes["entries"] == []
    assert again.tree.download("/Inbox/f.pdf")[1] == b"persisted bytes"
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_fault_rules_are_consumed_in_order() -> None:
    state = DropboxState()
    state.faults.add(FaultRule("files/list_folder", "server_error", times=2, status=500))
    assert state.faults.take("files/download") is None
    assert [state.faults.take("files/list_folder") is not None for _ in range(3)] == [
        True, True, False]


def test_the_emulator_command_prints_its_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "liasse", "emulate", "dropbox", "--port", str(port),
         "--token", "t0k3n"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"Dropbox emulator on http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down, then re-raises the signal it caught: it ends by SIGTERM.
        assert process.wait(timeout=15) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
