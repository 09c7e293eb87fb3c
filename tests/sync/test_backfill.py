"""The first-sync backfill against the Dropbox emulator on loopback.

The emulator's clock is set back while the old files are uploaded, so their
`server_modified` dates are in the past: 20 before the backfill date, 30 after it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from liasse.app import backfill as backfill_app
from liasse.app import connections
from liasse.app.pipelines import build_pipeline
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.endpoints import DropboxEndpoints
from liasse.connectors.dropbox.oauth import StaticToken
from liasse.connectors.dropbox.source import DropboxSource
from liasse.domain.ports import ChangePage, SourceEntry
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.store.backfill_repo import BackfillState, BackfillStore, PageDone
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.sync import backfill
from liasse.sync.window import run_window

TOKEN = "backfill-token"
SINCE = date(2024, 1, 1)
BEFORE = datetime(2023, 6, 1, tzinfo=UTC).timestamp()
AFTER = datetime(2024, 3, 1, tzinfo=UTC).timestamp()
OLD_KEPT, OLD_SKIPPED = 30, 20


class Clock:
    def __init__(self) -> None:
        self.now: float | None = None

    def __call__(self) -> float:
        return self.now if self.now is not None else datetime.now(UTC).timestamp()


@pytest.fixture
def emulator() -> Iterator[tuple[DropboxState, str]]:
    clock = Clock()
    state = DropboxState(token=TOKEN, clock=clock)
    state.create_folder("/Invoices")
    for index in range(OLD_KEPT + OLD_SKIPPED):
        clock.now = AFTER if index % 5 < 3 else BEFORE  # 3 in 5 kept: 30 of 50
        state.put_file(f"/Invoices/{index // 10}/old-{index}.pdf", f"%PDF-1.4 {index}".encode())
    clock.now = None
    with running_emulator(state) as base_url:
        yield state, base_url


@pytest.fixture
def services(emulator: tuple[DropboxState, str], clean_environment: Path) -> Iterator[Services]:
    settings = load_settings(qonto={"mode": "off"}, dropbox={"base_url": emulator[1]})
    initialise(settings)
    services = open_services(settings)
    target = connections.DropboxTarget("dropbox", "/Invoices", backfill_from=SINCE)
    connections.connect_dropbox_with_token(services, target, TOKEN)
    yield services
    services.close()


def only_target(services: Services) -> backfill_app.BackfillTarget:
    targets = backfill_app.pending_backfills(services)
    assert len(targets) == 1
    return targets[0]


def source_paths(services: Services) -> list[str]:
    with services.repo(SourceFileRepo) as repo:
        return sorted(row.path for row in repo.list_source_files(limit=1000))


def run_windows_until_done(services: Services, job: backfill.BackfillJob) -> None:
    for _ in range(200):
        outcome = job.step()
        if outcome == "done":
            return
        if outcome == "waiting":
            run_window(build_pipeline(services))
    raise AssertionError("the backfill did not finish")


def loopback_source(base_url: str, page_limit: int) -> DropboxSource:
    client = DropboxClient(httpx.Client(), StaticToken(TOKEN),
                           endpoints=DropboxEndpoints.single(base_url))
    return DropboxSource(client, "/Invoices", page_limit=page_limit)


def test_new_files_are_not_stuck_behind_the_backfill(
        services: Services, emulator: tuple[DropboxState, str]) -> None:
    state, _ = emulator
    target = only_target(services)
    assert backfill_app.anchor_target(services, target)
    first = run_window(build_pipeline(services)).as_dict()
    assert first["discovered"] == 0  # no history in the first window
    job = backfill_app.job_for(services, target)
    job.batch = 10
    assert job.step() == "recorded"
    state.put_file("/Invoices/new.pdf", b"%PDF-1.4 new upload")
    assert job.step() == "waiting"  # ten history files wait for a window
    second = run_window(build_pipeline(services)).as_dict()
    assert second["discovered"] == 1  # the new upload, in the very next window
    assert "/Invoices/new.pdf" in source_paths(services)
    assert not job.store.load().done  # type: ignore[union-attr]
    run_windows_until_done(services, job)
    paths = source_paths(services)
    assert len(paths) == OLD_KEPT + 1 and len(set(paths)) == len(paths)
    assert all(int(path.rsplit("-", 1)[1].removesuffix(".pdf")) % 5 < 3
               for path in paths if "old-" in path)
    done = job.store.load()
    assert done is not None and done.done
    assert (done.listed, done.kept, done.recorded) == (50, 30, 30)
    assert backfill_app.pending_backfills(services) == []


class CrashingStore(BackfillStore):
    """Dies (before committing) on its `crash_at`-th recording, like a killed process."""

    def __init__(self, inner: BackfillStore, crash_at: int) -> None:
        super().__init__(inner._sessions, inner._workspace_id, inner.connection_id)
        self.calls = 0
        self.crash_at = crash_at

    def record(self, entries: Sequence[SourceEntry], page: PageDone | None) -> BackfillState:
        self.calls += 1
        if self.calls == self.crash_at:
            raise RuntimeError("killed mid-page")
        return super().record(entries, page)


def test_a_crash_mid_way_resumes_without_duplicates(
        services: Services, emulator: tuple[DropboxState, str]) -> None:
    _, base_url = emulator
    target = only_target(services)
    backfill_app.anchor_target(services, target)
    store = backfill_app.store_for(services, target)
    crashing = backfill.BackfillJob(CrashingStore(store, crash_at=6),
                                    loopback_source(base_url, page_limit=7), batch=2)
    with pytest.raises(RuntimeError):
        run_windows_until_done(services, crashing)
    halfway = store.load()
    assert halfway is not None and halfway.status == "listing" and halfway.cursor
    assert 0 < halfway.recorded < OLD_KEPT
    resumed = backfill.BackfillJob(store, loopback_source(base_url, page_limit=7), batch=2)
    run_windows_until_done(services, resumed)
    paths = source_paths(services)
    assert len(paths) == len(set(paths)) == OLD_KEPT
    done = store.load()
    assert done is not None and (done.listed, done.kept, done.recorded) == (50, 30, 30)


def test_progress_lines_follow_the_backfill(
        services: Services, emulator: tuple[DropboxState, str]) -> None:
    def progress() -> backfill.BackfillProgress:
        with services.repo(ConnectionRepo) as repo:
            (found,) = backfill.backfill_progress(repo)
        return found

    assert progress().status == "pending"
    assert "waiting to start" in progress().line()
    target = only_target(services)
    job = backfill_app.job_for(services, target)
    job.batch = 100
    assert job.step() == "recorded"
    assert (progress().status, progress().recorded) == ("listing", 30)
    assert job.step() == "done"
    final = progress()
    assert final.done and final.as_dict()["recorded"] == 30
    assert final.line() == "Backfill of dropbox since 2024-01-01: done, 30 files recorded"


def test_the_runner_thread_backfills_while_windows_run(
        services: Services, emulator: tuple[DropboxState, str]) -> None:
    state, _ = emulator
    stop = threading.Event()
    threads = backfill_app.start_backfills(services, stop)
    assert len(threads) == 1
    state.put_file("/Invoices/live.pdf", b"%PDF-1.4 live")
    try:
        for _ in range(100):
            run_window(build_pipeline(services))
            if not backfill_app.pending_backfills(services):
                break
            stop.wait(0.05)
        threads[0].join(timeout=10)
    finally:
        stop.set()
    assert not threads[0].is_alive()
    paths = source_paths(services)
    assert "/Invoices/live.pdf" in paths and len(paths) == len(set(paths)) == OLD_KEPT + 1


def test_only_files_from_the_start_date_are_kept() -> None:
    def entry(when: datetime, deleted: bool = False) -> SourceEntry:
        return SourceEntry("id", "/a.pdf", "1", 1, when, deleted=deleted)

    assert backfill.keeps(entry(datetime(2024, 1, 1, tzinfo=UTC)), SINCE)
    assert not backfill.keeps(entry(datetime(2023, 12, 31, 23, 59, tzinfo=UTC)), SINCE)
    assert backfill.keeps(entry(datetime(2024, 1, 1)), SINCE)  # naive: read as UTC
    assert not backfill.keeps(entry(datetime(2024, 5, 1, tzinfo=UTC), deleted=True), SINCE)


def test_a_relisting_counts_from_zero_again() -> None:
    page = ChangePage((), "cursor")
    assert page.relisted is False
    state = BackfillState(since=SINCE, status="listing", cursor="old", listed=40, kept=20)
    restarted = BackfillStore._past_page(state, PageDone("new", listed=7, kept=3,
                                                         restarted=True))
    assert (restarted.listed, restarted.kept, restarted.cursor) == (7, 3, "new")
    carried = BackfillStore._past_page(state, PageDone("new", listed=7, kept=3))
    assert (carried.listed, carried.kept) == (47, 23)


def test_the_backfill_command_runs_pending_backfills_to_the_end(
        services: Services, emulator: tuple[DropboxState, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from liasse.cli import backfill as backfill_cli

    monkeypatch.setenv("LIASSE_QONTO__MODE", "off")
    monkeypatch.setenv("LIASSE_DROPBOX__BASE_URL", emulator[1])
    app = typer.Typer()
    backfill_cli.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `backfill` a sub-command
    result = CliRunner().invoke(app, ["backfill", "--json"])
    assert result.exit_code == 0, result.output
    (final,) = json.loads(result.output)
    assert (final["status"], final["listed"], final["recorded"]) == ("done", 50, 30)
    with services.repo(SourceFileRepo) as repo:
        waiting = repo.count_source_files_by_status().get("discovered", 0)
    assert waiting == 0 and len(source_paths(services)) == OLD_KEPT
    again = CliRunner().invoke(app, ["backfill"])
    assert "No backfill pending" in again.output
