"""Connecting Dropbox and Qonto from the web app: the OAuth round trips against the
emulators served on loopback, reconnect (with the blocked documents retried), the Qonto
API-key form, disconnect, and the refusals (wrong or missing state, a viewer)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.types import ASGIApp
from webworld import TEST_CONFIG, World, csrf_of, invoice_file, login, make_world

from liasse.app.settings import load_settings
from liasse.app.wiring.secrets import SecretJsonStore, secret_name
from liasse.connectors.qonto.auth import ApiKeyCredentials, OAuthCredentials, credentials_from_json
from liasse.domain.states import State, transition
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.dropbox.state import EmulatorConfig as DropboxConfig
from liasse.emulators.dropbox.tree import WriteMode
from liasse.emulators.qonto.app import create_app as create_qonto_app
from liasse.emulators.qonto.state import EmulatorConfig as QontoConfig
from liasse.emulators.qonto.state import OAuthClient, empty_state
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.tables import Connection
from liasse.web.app import create_app

PUBLIC_URL = "http://testserver"
WEB_CONFIG = TEST_CONFIG.model_copy(update={"public_url": PUBLIC_URL})
QONTO_CLIENT_ID, QONTO_CLIENT_SECRET = "liasse-test", "client-secret-0123456789"
QONTO_LOGIN, QONTO_SECRET = "emulated-organization-sas", "the-secret-key"


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """An ASGI app on a free loopback port for as long as the block lasts."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "emulator did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Setup:
    world: World
    owner: TestClient
    dropbox: DropboxState
    dropbox_url: str
    qonto_url: str

    def client(self) -> TestClient:
        return TestClient(create_app(self.world.services, WEB_CONFIG))

    def csrf(self, client: TestClient | None = None) -> str:
        return csrf_of((client or self.owner).get("/w/default/status").text)

    def connection(self, name: str) -> Connection | None:
        found: Connection | None = self.world.repo_call(
            lambda r: r.connection_by_name(name), ConnectionRepo)
        return found

    def secret(self, name: str, kind: str) -> dict[str, Any] | None:
        connection = self.connection(name)
        assert connection is not None
        workspace_id = self.world.repo_call(lambda r: r.workspace_id)
        return SecretJsonStore(self.world.services.sessions, workspace_id,
                               self.world.services.keyring(),
                               secret_name(kind, connection.id)).load_json()


@pytest.fixture
def setup(clean_environment: Path, tmp_path: Path) -> Iterator[Setup]:
    dropbox = DropboxState(DropboxConfig(auto_approve=True))
    dropbox.tree.create_folder("/Invoices")  # the folder the flows connect
    qonto_state = empty_state()
    qonto_state.api_keys = {QONTO_LOGIN: QONTO_SECRET}
    qonto_state.oauth_clients[QONTO_CLIENT_ID] = OAuthClient(
        QONTO_CLIENT_ID, QONTO_CLIENT_SECRET, [f"{PUBLIC_URL}/oauth/qonto/callback"])
    qonto_app = create_qonto_app(qonto_state, config=QontoConfig(oauth_auto_approve=True))
    with running_emulator(dropbox) as dropbox_url, serving(qonto_app) as qonto_url:
        settings = load_settings(
            inbox={"settle_seconds": 0}, dropbox={"base_url": dropbox_url},
            qonto={"mode": "off", "base_url": qonto_url,
                   "oauth": {"client_id": QONTO_CLIENT_ID, "client_secret": QONTO_CLIENT_SECRET,
                             "authorize_url": f"{qonto_url}/oauth2/auth",
                             "token_url": f"{qonto_url}/oauth2/token"}})
        world = make_world(settings)
        world.add_user("owner@example.com", "owner")
        world.add_user("viewer@example.com", "viewer")
        owner = TestClient(create_app(world.services, WEB_CONFIG))
        assert login(owner, "owner@example.com").status_code in (200, 303)
        yield Setup(world, owner, dropbox, dropbox_url, qonto_url)
        world.services.close()


def through_provider(start: httpx.Response, provider_url: str, provider: str) -> str:
    """Follow the start's redirect to the (auto-approving) authorize page; the callback URL."""
    assert start.status_code == 303, start.text
    authorize = start.headers["location"]
    assert authorize.startswith(provider_url)
    answer = httpx.get(authorize, follow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303, 307), answer.text
    callback = answer.headers["location"]
    assert callback.startswith(f"{PUBLIC_URL}/oauth/{provider}/callback?")
    return callback


def connect_dropbox(setup: Setup, **form: str) -> httpx.Response:
    start = setup.owner.post("/w/default/connections/dropbox/start",
                             data={"csrf": setup.csrf(), "folder": "Invoices", **form},
                             follow_redirects=False)
    callback = through_provider(start, setup.dropbox_url, "dropbox")
    done: httpx.Response = setup.owner.get(callback, follow_redirects=False)
    return done


def put_invoice(setup: Setup, tmp_path: Path, name: str, confidence: float) -> None:
    data = invoice_file(tmp_path, name, confidence).read_bytes()
    setup.dropbox.tree.upload(f"/Invoices/{name}", data, WriteMode("add"))


# --- Dropbox ------------------------------------------------------------------------------


def test_dropbox_flow_stores_the_tokens_and_a_window_lists_the_folder(
        setup: Setup, tmp_path: Path) -> None:
    put_invoice(setup, tmp_path, "dbx-1.pdf", 0.7)
    done = connect_dropbox(setup, write_back="on")
    assert done.status_code == 303
    assert done.headers["location"] == "/w/default/status?msg=connected"
    connection = setup.connection("dropbox")
    assert connection is not None and connection.status == "active"
    assert connection.config["folder"] == "/Invoices" and connection.config["write_back"]
    tokens = setup.secret("dropbox", "dropbox")
    assert tokens is not None and tokens["refresh_token"]
    assert "files.content.write" in tokens["scopes"]  # asked because write-back is on
    # Encrypted at rest: the token never appears in the database in clear.
    with setup.world.services.engine.connect() as raw:
        dump = "\n".join(str(row) for row in raw.exec_driver_sql("SELECT * FROM secrets"))
    assert tokens["access_token"] not in dump

    setup.world.run_window()
    assert setup.world.state_of("dbx-1.pdf") == "in_review"
    trail = setup.world.repo_call(lambda r: [e.actor for e in r.audit_trail(connection.id)])
    assert "user:owner@example.com" in trail


@pytest.mark.parametrize(("language", "words"), [
    ("en", "There is no folder /Missing in this Dropbox"),
    ("fr", "Il n&#39;y a pas de dossier /Missing dans ce Dropbox")])
def test_a_folder_that_does_not_exist_is_refused_and_nothing_is_stored(
        setup: Setup, language: str, words: str) -> None:
    setup.owner.headers["Accept-Language"] = language
    done = connect_dropbox(setup, folder="Missing")
    assert done.status_code == 400
    assert words in done.text
    assert setup.connection("dropbox") is None


def test_a_wrong_or_missing_state_is_refused_and_nothing_is_stored(setup: Setup) -> None:
    start = setup.owner.post("/w/default/connections/dropbox/start",
                             data={"csrf": setup.csrf(), "folder": "/Invoices"},
                             follow_redirects=False)
    callback = through_provider(start, setup.dropbox_url, "dropbox")
    code = httpx.URL(callback).params["code"]
    wrong = setup.owner.get(f"/oauth/dropbox/callback?code={code}&state=forged")
    assert wrong.status_code == 400 and "unknown or expired" in wrong.text
    missing = setup.owner.get(f"/oauth/dropbox/callback?code={code}")
    assert missing.status_code == 400
    assert setup.connection("dropbox") is None
    # The flow is single-use: after a refusal even the right callback is refused.
    assert setup.owner.get(callback).status_code == 400
    assert setup.connection("dropbox") is None


def test_a_callback_from_another_browser_is_refused(setup: Setup) -> None:
    start = setup.owner.post("/w/default/connections/dropbox/start",
                             data={"csrf": setup.csrf(), "folder": "/Invoices"},
                             follow_redirects=False)
    callback = through_provider(start, setup.dropbox_url, "dropbox")
    other = setup.client()  # another owner session, without the flow's cookie
    login(other, "owner@example.com")
    assert other.get(callback).status_code == 400
    assert setup.connection("dropbox") is None


def test_a_viewer_cannot_start_reconnect_or_disconnect(setup: Setup) -> None:
    viewer = setup.client()
    login(viewer, "viewer@example.com")
    csrf = setup.csrf(viewer)
    for path in ("/w/default/connections/dropbox/start", "/w/default/connections/qonto/start",
                 "/w/default/connections/inbox/reconnect",
                 "/w/default/connections/inbox/disconnect"):
        answer = viewer.post(path, data={"csrf": csrf}, follow_redirects=False)
        assert answer.status_code == 403, path
    answer = viewer.post("/w/default/connections/qonto/api-key",
                         data={"csrf": csrf, "api_key": f"{QONTO_LOGIN}:{QONTO_SECRET}"})
    assert answer.status_code == 403
    assert setup.connection("qonto") is None


def test_starting_needs_the_csrf_token(setup: Setup) -> None:
    answer = setup.owner.post("/w/default/connections/dropbox/start",
                              data={"folder": "/Invoices"}, follow_redirects=False)
    assert answer.status_code == 403


def block_on_auth(setup: Setup, file_name: str) -> str:
    """The document waits for its connection (as when write-back met a revoked token)."""
    document_id = setup.world.document_id(file_name)

    def block(repo: Any) -> None:
        document = repo.get_document(document_id)
        document.resume_state = document.state
        repo.apply_transition(document, transition(State(document.state),
                                                   State.BLOCKED_ON_AUTH, actor="step:test",
                                                   reason="token revoked"), {})

    setup.world.repo_call(block)
    return document_id


def test_reconnect_makes_the_connection_active_and_retries_its_blocked_documents(
        setup: Setup, tmp_path: Path) -> None:
    put_invoice(setup, tmp_path, "sure.pdf", 0.95)
    connect_dropbox(setup)
    setup.world.run_window()
    assert setup.world.state_of("sure.pdf") == "posted"
    connection = setup.connection("dropbox")
    assert connection is not None
    cursor = connection.cursor
    block_on_auth(setup, "sure.pdf")
    setup.world.repo_call(lambda r: r.set_connection_status(connection.id, "needs_reconnect",
                                                            "token revoked"), ConnectionRepo)
    page = setup.owner.get("/w/default/status").text
    assert "/w/default/connections/dropbox/reconnect" in page

    start = setup.owner.post("/w/default/connections/dropbox/reconnect",
                             data={"csrf": csrf_of(page)}, follow_redirects=False)
    callback = through_provider(start, setup.dropbox_url, "dropbox")
    done = setup.owner.get(callback, follow_redirects=False)
    assert done.headers["location"] == "/w/default/status?msg=reconnected"
    after = setup.connection("dropbox")
    assert after is not None and after.status == "active" and after.last_error is None
    assert after.id == connection.id and after.config == connection.config
    assert after.cursor == cursor  # nothing is listed again
    assert setup.world.state_of("sure.pdf") == "posted"
    page = setup.owner.get("/w/default/status").text
    assert "/connections/dropbox/reconnect" not in page


def test_disconnect_stops_the_connection_and_forgets_its_tokens(setup: Setup) -> None:
    connect_dropbox(setup)
    stored = setup.secret("dropbox", "dropbox")
    assert stored is not None
    assert stored["access_token"] in setup.dropbox.tokens.access  # Dropbox knows the grant
    page = setup.owner.get("/w/default/settings").text
    assert "/w/default/connections/dropbox/disconnect" in page
    done = setup.owner.post("/w/default/connections/dropbox/disconnect",
                            data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert done.headers["location"] == "/w/default/settings?msg=disconnected"
    connection = setup.connection("dropbox")
    assert connection is not None and connection.status == "disconnected"
    assert setup.secret("dropbox", "dropbox") is None
    assert stored["access_token"] not in setup.dropbox.tokens.access  # and revoked it there
    assert "connections/dropbox/reconnect" in setup.owner.get("/w/default/settings").text


# --- Qonto --------------------------------------------------------------------------------


def test_qonto_oauth_flow_stores_the_tokens(setup: Setup) -> None:
    start = setup.owner.post("/w/default/connections/qonto/start",
                             data={"csrf": setup.csrf()}, follow_redirects=False)
    callback = through_provider(start, setup.qonto_url, "qonto")
    done = setup.owner.get(callback, follow_redirects=False)
    assert done.headers["location"] == "/w/default/status?msg=connected"
    connection = setup.connection("qonto")
    assert connection is not None and connection.status == "active"
    assert connection.config["auth"] == "oauth"
    assert connection.config["base_url"] == setup.qonto_url
    stored = setup.secret("qonto", "qonto")
    assert stored is not None
    credentials = credentials_from_json(stored["credentials"])
    assert isinstance(credentials, OAuthCredentials) and credentials.refresh_token
    assert "supplier_invoice.write" in credentials.scopes
    # The connection works: its window reads the bank with the OAuth tokens.
    from liasse.app.pipelines import run_bank_window

    report = run_bank_window(setup.world.services, "default", connection.id)
    after = setup.connection("qonto")
    assert report.failed == 0
    assert after is not None and (after.status, after.last_error) == ("active", None)


def test_qonto_wrong_state_is_refused(setup: Setup) -> None:
    start = setup.owner.post("/w/default/connections/qonto/start",
                             data={"csrf": setup.csrf()}, follow_redirects=False)
    callback = through_provider(start, setup.qonto_url, "qonto")
    code = httpx.URL(callback).params["code"]
    assert setup.owner.get(f"/oauth/qonto/callback?code={code}&state=x").status_code == 400
    assert setup.connection("qonto") is None


def test_qonto_api_key_form_checks_the_key_then_stores_it(setup: Setup) -> None:
    refused = setup.owner.post("/w/default/connections/qonto/api-key",
                               data={"csrf": setup.csrf(), "api_key": f"{QONTO_LOGIN}:wrong"})
    assert refused.status_code == 400 and "did not accept" in refused.text
    assert setup.connection("qonto") is None
    done = setup.owner.post("/w/default/connections/qonto/api-key",
                            data={"csrf": setup.csrf(),
                                  "api_key": f"{QONTO_LOGIN}:{QONTO_SECRET}"},
                            follow_redirects=False)
    assert done.headers["location"] == "/w/default/status?msg=connected"
    connection = setup.connection("qonto")
    assert connection is not None and connection.status == "active"
    stored = setup.secret("qonto", "qonto")
    assert stored is not None
    assert credentials_from_json(stored["credentials"]) == ApiKeyCredentials(
        QONTO_LOGIN, QONTO_SECRET)


def test_reconnecting_an_api_key_connection_asks_for_a_new_key_and_retries(
        setup: Setup, tmp_path: Path) -> None:
    setup.owner.post("/w/default/connections/qonto/api-key",
                     data={"csrf": setup.csrf(), "api_key": f"{QONTO_LOGIN}:{QONTO_SECRET}"})
    invoice_file(setup.world.inbox, "waiting.pdf", 0.95)
    setup.world.run_window()  # the recording bank posts it
    document_id = block_on_auth(setup, "waiting.pdf")
    connection = setup.connection("qonto")
    assert connection is not None
    setup.world.repo_call(lambda r: r.set_connection_status(connection.id, "needs_reconnect",
                                                            "401"), ConnectionRepo)
    asked = setup.owner.post("/w/default/connections/qonto/reconnect",
                             data={"csrf": setup.csrf()})
    assert 'id="qonto-api-key"' in asked.text and "Enter a new Qonto API key" in asked.text
    setup.owner.post("/w/default/connections/qonto/api-key",
                     data={"csrf": setup.csrf(), "api_key": f"{QONTO_LOGIN}:{QONTO_SECRET}"})
    after = setup.connection("qonto")
    assert after is not None and after.status == "active"
    assert setup.world.state_of("waiting.pdf") == "posted"
    trail = setup.world.repo_call(lambda r: [e.reason for e in r.audit_trail(document_id)])
    assert any(reason.startswith("retry requested") for reason in trail)


def test_french_labels_on_the_settings_page(setup: Setup) -> None:
    page = setup.owner.get("/w/default/settings", headers={"Accept-Language": "fr"}).text
    assert "Connecter un dossier Dropbox" in page and "Connecter Qonto" in page
