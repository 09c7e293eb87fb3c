"""End to end on loopback: PDFs uploaded to the Dropbox emulator are picked up by liasse."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dropbox
import pytest
import requests

from liasse.app import connections
from liasse.app.pipelines import build_pipeline
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.faults import FaultRule
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.sync.window import run_window

TOKEN = "e2e-token"


@pytest.fixture
def emulator() -> Iterator[tuple[DropboxState, str]]:
    state = DropboxState(token=TOKEN)
    state.create_folder("/Invoices")
    with running_emulator(state) as base_url:
        yield state, base_url


@pytest.fixture
def services(emulator: tuple[DropboxState, str], clean_environment: Path) -> Iterator[Services]:
    settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": emulator[1]})
    initialise(settings)
    services = open_services(settings)
    connections.connect_dropbox_with_token(
        services, connections.DropboxTarget("dropbox", "/Invoices"), TOKEN)
    yield services
    services.close()


def sdk_upload(base_url: str, path: str, data: bytes) -> None:
    """Upload the way a user's Dropbox client would: through the official SDK."""
    session = requests.Session()
    original = session.request

    def to_emulator(method: str, url: str, *args: object, **kwargs: object) -> object:
        for host in ("https://api.dropboxapi.com", "https://content.dropboxapi.com"):
            url = url.replace(host, base_url)
        return original(method, url, *args, **kwargs)  # type: ignore[arg-type]

    session.request = to_emulator  # type: ignore[method-assign,assignment]
    client = dropbox.Dropbox(oauth2_access_token=TOKEN, session=session)
    client.files_upload(data, path)


def dropbox_files(services: Services) -> dict[str, str]:
    with services.repo(SourceFileRepo) as repo:
        return {row.path: row.status for row in repo.list_source_files()}


def test_uploaded_pdfs_are_picked_up_once(services: Services,
                                          emulator: tuple[DropboxState, str]) -> None:
    _, base_url = emulator
    sdk_upload(base_url, "/Invoices/a.pdf", b"%PDF-1.4 first")
    sdk_upload(base_url, "/Invoices/sub/b.pdf", b"%PDF-1.4 second")
    sdk_upload(base_url, "/Invoices/notes.txt", b"ignored")
    first = run_window(build_pipeline(services)).as_dict()
    assert first["discovered"] == 2
    assert dropbox_files(services) == {"/Invoices/a.pdf": "fetched",
                                       "/Invoices/sub/b.pdf": "fetched"}
    sdk_upload(base_url, "/Invoices/c.pdf", b"%PDF-1.4 third")
    second = run_window(build_pipeline(services)).as_dict()
    assert (second["discovered"], second["duplicates"]) == (1, 0)  # the cursor moved on


def test_a_cursor_reset_lists_again_without_processing_twice(
        services: Services, emulator: tuple[DropboxState, str]) -> None:
    state, base_url = emulator
    sdk_upload(base_url, "/Invoices/a.pdf", b"%PDF-1.4 first")
    run_window(build_pipeline(services))
    state.faults.add(FaultRule(route="files/list_folder/continue", kind="reset_cursor", times=1))
    sdk_upload(base_url, "/Invoices/b.pdf", b"%PDF-1.4 second")
    counts = run_window(build_pipeline(services)).as_dict()
    assert (counts["discovered"], counts["duplicates"]) == (1, 1)
    with services.repo(DocumentRepo) as repo:
        assert sum(repo.count_documents_by_state().values()) == 2


def test_a_revoked_token_marks_the_connection_and_stops_calling(
        services: Services, emulator: tuple[DropboxState, str]) -> None:
    state, _ = emulator
    state.tokens.revoke(TOKEN)
    run_window(build_pipeline(services))
    with services.repo(ConnectionRepo) as repo:
        connection = repo.connection_by_name("dropbox")
        assert connection is not None and connection.status == "needs_reconnect"
    assert "dropbox" not in json.dumps(
        [s.kind for s in build_pipeline(services).sources.values()])


def test_instant_mode_picks_a_file_up_within_seconds(services: Services,
                                                     emulator: tuple[DropboxState, str]) -> None:
    from liasse.app.runner import SchedulerThread
    from liasse.app.scheduler import WindowScheduler

    _, base_url = emulator
    connections.connect_dropbox_with_token(
        services, connections.DropboxTarget("dropbox", "/Invoices", instant=True), TOKEN)
    with services.repo(ConnectionRepo) as repo:
        connection = repo.connection_by_name("dropbox")
        assert connection is not None
        connection_id = connection.id
    # A regular window now: the next one is a quarter of an hour away.
    WindowScheduler(services).run_connection("default", connection_id,
                                             timedelta(minutes=15))
    thread = SchedulerThread(services)
    thread.start()
    try:
        time.sleep(0.5)
        sdk_upload(base_url, "/Invoices/instant.pdf", b"%PDF-1.4 now")
        deadline = time.monotonic() + 20
        while "/Invoices/instant.pdf" not in dropbox_files(services):
            assert time.monotonic() < deadline, "instant mode did not pick the file up"
            time.sleep(0.2)
    finally:
        thread.stop()
