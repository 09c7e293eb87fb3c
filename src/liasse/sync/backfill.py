"""The first sync's backfill: a Dropbox folder's history, from a chosen date, in the background.

A Dropbox connection whose config has `backfill_from` (an ISO date) does not make its
first window list the whole folder. Instead:

1. the normal windows get the folder's *latest* cursor (`anchor_live_cursor`), so they
   only see files that arrive from now on and a new file is never stuck behind history;
2. a `BackfillJob` lists the folder from scratch, keeps the files modified on or after
   `backfill_from`, and records them as `discovered` source files, one page (or chunk)
   per transaction with the listing cursor, so a crash resumes where it stopped;
3. the normal windows fetch, extract and post those rows like any other.

The job records a chunk only when the fetch queue has room (fewer than `batch` files
waiting), so a window never has more than about two chunks of history ahead of a new
file. A file both listed by the backfill and seen by a window is recorded once: rows are
keyed by (connection, ref, version). `BackfillRunner` runs a job on a thread for
`liasse run`; `run_pending_backfills` runs them in the foreground for `liasse backfill`;
`backfill_progress` is what the status page shows.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, Literal, Protocol

from liasse.connectors.dropbox import errors as dropbox_errors
from liasse.domain import errors as sync_errors
from liasse.domain.ports import ChangePage, DocumentSource, SourceEntry
from liasse.store.backfill_repo import (
    CONFIG_BATCH,
    BackfillState,
    BackfillStore,
    PageDone,
)
from liasse.store.repo import WorkspaceRepo
from liasse.sync.instant import ErrorBackoff
from liasse.sync.pipeline import utc_now

if TYPE_CHECKING:
    from liasse.app.services import Services

log = logging.getLogger("liasse.backfill")

DEFAULT_BATCH = 100
POLL_SECONDS = 2.0
StepOutcome = Literal["recorded", "waiting", "done"]
MESSAGES = {
    "anchor_failed": "backfill of %s: could not take the folder's latest cursor (%s)",
    "failed": "backfill of %s failed (%s); next try in %.0f s",
    "stopped": "backfill of %s stopped: the connection needs reconnecting (%s)",
    "finished": "backfill of %s finished: %d files recorded",
    "line_listing": "Backfill of {name} since {since}: {listed} files listed, {kept} kept, "
                    "{recorded} recorded so far",
    "line_pending": "Backfill of {name} since {since}: waiting to start",
    "line_done": "Backfill of {name} since {since}: done, {recorded} files recorded",
}


# --- what to keep ---------------------------------------------------------------------------


def keeps(entry: SourceEntry, since: date) -> bool:
    """A file (not a deletion) last modified on or after the start date (UTC)."""
    if entry.deleted:
        return False
    modified = entry.modified_at
    if modified.tzinfo is None:
        modified = modified.replace(tzinfo=UTC)
    return modified >= datetime.combine(since, time.min, UTC)


def needs_backfill(kind: str, status: str, config: dict[str, Any]) -> bool:
    state = BackfillState.from_config(config)
    return kind == "dropbox" and status == "active" and state is not None and not state.done


# --- the job --------------------------------------------------------------------------------


@dataclass
class BackfillJob:
    """Lists one connection's history and records it chunk by chunk (`step`)."""

    store: BackfillStore
    source: DocumentSource
    batch: int = DEFAULT_BATCH
    clock: Callable[[], datetime] = utc_now
    _pages: Iterator[ChangePage] | None = None
    _chunks: deque[tuple[tuple[SourceEntry, ...], PageDone | None]] = field(
        default_factory=deque)
    _relist_seen: bool = False

    def step(self) -> StepOutcome:
        """Record the next chunk if the fetch queue has room; `done` once all is recorded."""
        state = self.store.load()
        if state is None or state.done:
            return "done"
        if self._pages is None:
            state = self.store.start(self.clock())
            self._pages = iter(self.source.changes(state.cursor))
        if not self._chunks and not self._next_page(state.since):
            finished = self.store.finish(self.clock())
            log.info(MESSAGES["finished"], self.store.connection_id, finished.recorded)
            return "done"
        entries, closing = self._chunks[0]
        if entries and self.store.files_waiting(4 * self.batch) >= self.batch:
            return "waiting"
        self.store.record(entries, closing)
        self._chunks.popleft()
        return "recorded"

    def run(self, stop: threading.Event, poll_seconds: float = POLL_SECONDS) -> None:
        """Step until done or stopped, pausing while the fetch queue is full."""
        while not stop.is_set():
            outcome = self.step()
            if outcome == "done":
                return
            if outcome == "waiting":
                stop.wait(poll_seconds)

    def forget_listing(self) -> None:
        """After a failure: the next step resumes from the last committed cursor."""
        self._pages = None
        self._chunks.clear()

    def _next_page(self, since: date) -> bool:
        assert self._pages is not None
        page = next(self._pages, None)
        if page is None:
            return False
        kept = tuple(entry for entry in page.entries if keeps(entry, since))
        restarted = page.relisted and not self._relist_seen
        self._relist_seen = self._relist_seen or page.relisted
        closing = PageDone(page.cursor, listed=sum(not e.deleted for e in page.entries),
                           kept=len(kept), restarted=restarted)
        chunks = [kept[start:start + self.batch] for start in range(0, len(kept), self.batch)]
        chunks = chunks or [()]
        for index, chunk in enumerate(chunks):
            self._chunks.append((chunk, closing if index == len(chunks) - 1 else None))
        return True


class LatestCursorSource(Protocol):
    def latest_cursor(self) -> str: ...


def anchor_live_cursor(store: BackfillStore, latest_cursor: Callable[[], str],
                       clock: Callable[[], datetime] = utc_now) -> bool:
    """Give the normal windows a cursor from now on, unless they already have one."""
    if store.live_cursor() is not None:
        return False
    return store.anchor_cursor(latest_cursor(), clock())


# --- progress for the status page and the terminal ------------------------------------------


@dataclass(frozen=True)
class BackfillProgress:
    connection_id: str
    name: str
    since: date
    status: str
    listed: int
    kept: int
    recorded: int
    started_at: str | None
    finished_at: str | None

    @property
    def done(self) -> bool:
        return self.status == "done"

    def line(self) -> str:
        """One line for the status page."""
        key = {"done": "line_done", "pending": "line_pending"}.get(self.status, "line_listing")
        return MESSAGES[key].format(name=self.name, since=self.since.isoformat(),
                                    listed=self.listed, kept=self.kept, recorded=self.recorded)

    def as_dict(self) -> dict[str, Any]:
        return {"connection": self.name, "since": self.since.isoformat(),
                "status": self.status, "listed": self.listed, "kept": self.kept,
                "recorded": self.recorded, "started_at": self.started_at,
                "finished_at": self.finished_at}


def backfill_progress(repo: WorkspaceRepo) -> list[BackfillProgress]:
    """Every Dropbox connection of the workspace that has (or had) a backfill."""
    found = []
    for connection in repo.list_connections():
        state = BackfillState.from_config(dict(connection.config))
        if connection.kind != "dropbox" or state is None:
            continue
        found.append(BackfillProgress(
            connection.id, connection.name, state.since, state.status, state.listed,
            state.kept, state.recorded, state.started_at, state.finished_at))
    return found


# --- wiring on the services -----------------------------------------------------------------


@dataclass(frozen=True)
class BackfillTarget:
    slug: str
    workspace_id: str
    connection_id: str
    name: str
    config: dict[str, Any]


def pending_backfills(services: Services) -> list[BackfillTarget]:
    from liasse.store import repo as store_repo

    with services.sessions.begin() as session:
        return [
            BackfillTarget(workspace.slug, workspace.id, connection.id, connection.name,
                           dict(connection.config))
            for workspace in store_repo.list_all_workspaces(session)
            for connection in WorkspaceRepo(session, workspace.id).list_connections()
            if needs_backfill(connection.kind, connection.status, dict(connection.config))
        ]


def store_for(services: Services, target: BackfillTarget) -> BackfillStore:
    return BackfillStore(services.sessions, target.workspace_id, target.connection_id)


def job_for(services: Services, target: BackfillTarget) -> BackfillJob:
    """A job listing through the same source the windows use (firm folders, skipped
    write-back folder and error translation included)."""
    from liasse.app.services import build_pipeline

    pipeline = build_pipeline(services, target.slug, connection_ids={target.connection_id})
    batch = int(target.config.get(CONFIG_BATCH, DEFAULT_BATCH))
    return BackfillJob(store_for(services, target), pipeline.sources[target.connection_id],
                       batch=batch)


def latest_cursor_for(services: Services, target: BackfillTarget) -> Callable[[], str]:
    """The folder's latest cursor, in the form the connection's windows store it."""
    from liasse.app import adapters, adapters_writeback
    from liasse.connectors.dropbox.source import DropboxSource

    secret = adapters.SecretJsonStore(services.sessions, target.workspace_id,
                                      services.keyring(),
                                      adapters.dropbox_secret_name(target.connection_id))
    client = adapters.dropbox_client(services.settings, secret, target.connection_id,
                                     lambda reason: None)
    recursive = bool(target.config.get("recursive", True))
    folder_id = target.config.get("folder_id")

    def latest() -> str:
        if not folder_id:
            folder = str(target.config.get("folder", ""))
            return DropboxSource(client, folder, recursive=recursive).latest_cursor()
        path = adapters_writeback.FolderByIdSource(client, str(folder_id),
                                                   recursive=recursive).current_path()
        cursor = DropboxSource(client, path, recursive=recursive).latest_cursor()
        return adapters_writeback.wrap_cursor(path, cursor)

    return latest


def anchor_target(services: Services, target: BackfillTarget) -> bool:
    """Anchor one connection's live cursor; a failure is logged (the job retries it)."""
    try:
        return anchor_live_cursor(store_for(services, target),
                                  latest_cursor_for(services, target))
    except Exception as exc:  # the service starts anyway; the runner tries again
        log.warning(MESSAGES["anchor_failed"], target.name, exc)
        return False


class BackfillRunner:
    """Runs one connection's backfill on a thread of `liasse run`, surviving failures."""

    def __init__(self, services: Services, target: BackfillTarget, stop: threading.Event,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self._services = services
        self._target = target
        self._stop = stop
        self._poll_seconds = poll_seconds
        self._backoff = ErrorBackoff()

    def run(self) -> None:
        job: BackfillJob | None = None
        while not self._stop.is_set():
            try:
                anchor_live_cursor(store_for(self._services, self._target),
                                   latest_cursor_for(self._services, self._target))
                job = job or job_for(self._services, self._target)
                job.run(self._stop, self._poll_seconds)
                return
            except (dropbox_errors.NeedsReconnect, sync_errors.NeedsReconnect) as exc:
                log.warning(MESSAGES["stopped"], self._target.name, exc)
                return
            except Exception as exc:  # a failed page is listed again after a pause
                pause = self._backoff.next_pause()
                log.warning(MESSAGES["failed"], self._target.name, exc, pause)
                if job is not None:
                    job.forget_listing()
                self._stop.wait(pause)


def start_backfills(services: Services, stop: threading.Event) -> list[threading.Thread]:
    """Anchor every pending backfill's live cursor now (before the first window), then
    run each backfill on its own daemon thread."""
    threads = []
    for target in pending_backfills(services):
        anchor_target(services, target)
        runner = BackfillRunner(services, target, stop)
        thread = threading.Thread(target=runner.run, daemon=True,
                                  name=f"backfill-{target.connection_id[:8]}")
        thread.start()
        threads.append(thread)
    return threads


def run_pending_backfills(services: Services,
                          on_progress: Callable[[Sequence[BackfillProgress]], None],
                          stop: threading.Event | None = None) -> list[BackfillProgress]:
    """Foreground backfill (`liasse backfill`): list, record and process history now,
    running the connection's windows whenever the fetch queue is full, until done."""
    from liasse.app.scheduler import WindowScheduler

    stop = stop or threading.Event()
    scheduler = WindowScheduler(services)
    for target in pending_backfills(services):
        anchor_live_cursor(store_for(services, target), latest_cursor_for(services, target))
        job = job_for(services, target)

        def process(target: BackfillTarget = target) -> bool:
            """One window of the connection; False if another process holds its lease."""
            interval = scheduler.interval("dropbox", target.config)
            return scheduler.run_connection(target.slug, target.connection_id, interval,
                                            "dropbox") is not None

        _drive(job, process, lambda: on_progress(_progress(services)), stop)
        while not stop.is_set() and job.store.files_waiting(1) and process():
            on_progress(_progress(services))  # the last chunks
    return _progress(services)


def _drive(job: BackfillJob, process: Callable[[], bool], report: Callable[[], None],
           stop: threading.Event) -> None:
    while not stop.is_set():
        outcome = job.step()
        report()
        if outcome == "done":
            return
        if outcome == "waiting" and not process():
            stop.wait(POLL_SECONDS)  # `liasse run` holds the window: it processes them


def _progress(services: Services) -> list[BackfillProgress]:
    with services.workspace_repo() as repo:
        return backfill_progress(repo)
