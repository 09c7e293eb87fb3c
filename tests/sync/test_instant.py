"""Instant mode: a longpoll on the Dropbox emulator (loopback) triggers a window within
seconds; errors pause with a growing backoff; an auth failure stops the watcher."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from liasse.app import connections
from liasse.app.pipelines import build_pipeline
from liasse.app.services import open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.app.watchers import watcher_for
from liasse.app.wiring.dropbox import TranslatingLongpoll
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.errors import CursorReset, NeedsReconnect
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.source import DropboxSource
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.sync.instant import InstantWatcher, start_watcher
from liasse.sync.window import run_window

TOKEN = "instant-token"
PICKUP_SECONDS = 3.0


@pytest.fixture
def emulator() -> Iterator[tuple[DropboxState, str]]:
    state = DropboxState(token=TOKEN)
    state.create_folder("/Invoices")
    with running_emulator(state) as base_url:
        yield state, base_url


class StopAfter(threading.Event):
    """A stop event that records each pause and stops the loop after `limit` of them."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.pauses: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.pauses.append(timeout or 0.0)
        if len(self.pauses) >= self.limit:
            self.set()
        return self.is_set()


class ScriptedSource:
    def __init__(self, *outcomes: bool | Exception) -> None:
        self.outcomes = list(outcomes)
        self.polls = 0

    def latest_cursor(self) -> str:
        return "cursor"

    def wait_for_changes(self, cursor: str, timeout: int = 30) -> bool:
        self.polls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else RuntimeError("network down")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_an_upload_triggers_a_window_within_seconds(emulator: tuple[DropboxState, str]
                                                    ) -> None:
    state, base_url = emulator
    client = DropboxClient(httpx.Client(), StaticToken(TOKEN),
                           endpoints=DropboxEndpoints.single(base_url))
    ran, stop = threading.Event(), threading.Event()
    watcher = InstantWatcher(DropboxSource(client, "/Invoices"), ran.set, stop)
    thread = start_watcher(watcher, "instant-test")
    time.sleep(0.2)  # let the first longpoll start
    uploaded = time.monotonic()
    state.put_file("/Invoices/a.pdf", b"%PDF-1.4 a")
    assert ran.wait(PICKUP_SECONDS)
    assert time.monotonic() - uploaded < PICKUP_SECONDS
    stop.set()
    state.put_file("/Invoices/b.pdf", b"%PDF-1.4 b")  # wakes the longpoll in flight
    thread.join(5)
    assert not thread.is_alive()
    assert watcher.windows in (1, 2)


def test_errors_pause_longer_each_time_and_never_spin() -> None:
    stop = StopAfter(limit=5)
    source = ScriptedSource()
    InstantWatcher(source, lambda: None, stop).run()
    assert stop.pauses == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert source.polls == 5


def test_a_success_resets_the_backoff() -> None:
    stop = StopAfter(limit=3)
    source = ScriptedSource(RuntimeError("down"), RuntimeError("down"), False)
    InstantWatcher(source, lambda: None, stop).run()
    assert stop.pauses == [1.0, 2.0, 1.0]


def test_an_auth_failure_stops_the_watcher() -> None:
    windows: list[int] = []
    source = ScriptedSource(True, NeedsReconnect("token revoked"))
    # Dropbox's refusal, through the wiring's one translation, stops the watcher.
    watcher = InstantWatcher(TranslatingLongpoll(source), lambda: windows.append(1),
                             threading.Event())
    watcher.run()  # returns by itself
    assert (windows, source.polls) == ([1], 2)


def test_a_dead_cursor_runs_a_window_that_lists_again() -> None:
    windows: list[int] = []
    stop = threading.Event()
    source = ScriptedSource(CursorReset("files/list_folder/longpoll", {".tag": "reset"},
                                        ("reset",)))

    def window() -> None:
        windows.append(1)
        stop.set()

    InstantWatcher(TranslatingLongpoll(source), window, stop).run()
    assert windows == [1]


def test_instant_mode_on_a_connection_feeds_its_workspace(
        emulator: tuple[DropboxState, str], clean_environment: Path) -> None:
    state, base_url = emulator
    settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": base_url})
    initialise(settings)
    services = open_services(settings)
    connection_id = connections.connect_dropbox_with_token(
        services, connections.DropboxTarget("dropbox", "/Invoices"), TOKEN)
    with services.repo(ConnectionRepo) as repo:
        connection = repo.get_connection(connection_id)
        connection.config = {**connection.config, "mode": "instant"}
        assert connection.read_config().instant
    run_window(build_pipeline(services, connection_ids={connection_id}))  # commits a cursor
    picked, stop = threading.Event(), threading.Event()

    def window() -> None:
        run_window(build_pipeline(services, connection_ids={connection_id}))
        picked.set()

    watcher = watcher_for(services, "default", connection_id, stop, window)
    thread = start_watcher(watcher, "instant-connection")
    time.sleep(0.2)
    state.put_file("/Invoices/a.pdf", b"%PDF-1.4 a")
    assert picked.wait(PICKUP_SECONDS)
    with services.repo(SourceFileRepo) as repo:
        assert [row.path for row in repo.list_source_files()] == ["/Invoices/a.pdf"]
    stop.set()
    state.put_file("/Invoices/b.pdf", b"%PDF-1.4 b")
    thread.join(5)
    services.close()
