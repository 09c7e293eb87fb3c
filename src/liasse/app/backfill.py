"""Running the first sync's backfills (`sync.backfill`): on threads of `liasse run`, or in
the foreground for `liasse backfill`, through the same source the windows use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from liasse.app.lock import service_is_running
from liasse.app.pipelines import build_pipeline
from liasse.app.sandbox import embedded_qonto, stop_sandbox
from liasse.app.scheduler import WindowScheduler
from liasse.app.services import Services, opened_services
from liasse.app.settings import Settings
from liasse.app.wiring import wiring_for
from liasse.domain.errors import NeedsReconnect
from liasse.store import repo as store_repo
from liasse.store.backfill_repo import CONFIG_BATCH, BackfillStore
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.views import ConnectionConfig
from liasse.sync.backfill import (
    DEFAULT_BATCH,
    MESSAGES,
    POLL_SECONDS,
    BackfillJob,
    BackfillProgress,
    anchor_live_cursor,
    backfill_progress,
    needs_backfill,
)
from liasse.sync.instant import ErrorBackoff

__all__ = ["BackfillProgress", "BackfillTarget", "backfill_now", "backfill_progress",
           "pending_backfills", "run_pending_backfills", "start_backfills"]
log = logging.getLogger("liasse.backfill")


@dataclass(frozen=True)
class BackfillTarget:
    slug: str
    workspace_id: str
    connection_id: str
    name: str
    kind: str
    config: ConnectionConfig


def pending_backfills(services: Services) -> list[BackfillTarget]:
    """Every connection, in every workspace, whose backfill is still to do."""
    with services.sessions.begin() as session:
        return [
            BackfillTarget(workspace.slug, workspace.id, connection.id, connection.name,
                           connection.kind, connection.read_config())
            for workspace in store_repo.list_all_workspaces(session)
            for connection in ConnectionRepo(session, workspace.id).list_connections()
            if wiring_for(connection.kind).latest_cursor is not None
            and needs_backfill(connection.status, dict(connection.config))
        ]


def store_for(services: Services, target: BackfillTarget) -> BackfillStore:
    return BackfillStore(services.sessions, target.workspace_id, target.connection_id)


def job_for(services: Services, target: BackfillTarget) -> BackfillJob:
    """A job listing through the same source the windows use (firm folders, skipped
    write-back folder and error translation included)."""
    pipeline = build_pipeline(services, target.slug, connection_ids={target.connection_id})
    batch = target.config.integer(CONFIG_BATCH, DEFAULT_BATCH)
    return BackfillJob(store_for(services, target), pipeline.sources[target.connection_id],
                       batch=batch)


def latest_cursor_for(services: Services, target: BackfillTarget) -> Callable[[], str]:
    """The folder's latest cursor, in the form the connection's windows store it."""
    latest = wiring_for(target.kind).latest_cursor
    assert latest is not None  # pending_backfills keeps only the kinds that have one
    with services.repo(ConnectionRepo, target.slug) as repo:
        connection = repo.get_connection(target.connection_id)
    return latest(services, target.workspace_id, connection)


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
            except NeedsReconnect as exc:
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
    stop = stop or threading.Event()
    scheduler = WindowScheduler(services)
    for target in pending_backfills(services):
        anchor_live_cursor(store_for(services, target), latest_cursor_for(services, target))
        job = job_for(services, target)

        def process(target: BackfillTarget = target) -> bool:
            """One window of the connection; False if another process holds its lease."""
            interval = scheduler.interval(target.kind, target.config)
            return scheduler.run_connection(target.slug, target.connection_id,
                                            interval) is not None

        _drive(job, process, lambda: on_progress(_progress(services)), stop)
        while not stop.is_set() and job.store.files_waiting(1) and process():
            on_progress(_progress(services))  # the last chunks
    return _progress(services)


def backfill_now(settings: Settings,
                 on_progress: Callable[[Sequence[BackfillProgress]], None]
                 ) -> list[BackfillProgress] | None:
    """`liasse backfill`: every pending backfill in the foreground, None when there is
    none. While `liasse run` runs, its built-in sandbox already serves the bank."""
    with opened_services(settings) as services:
        if not pending_backfills(services):
            return None
        sandbox = None if service_is_running(settings) else embedded_qonto(services)
        try:
            return run_pending_backfills(services, on_progress)
        finally:
            stop_sandbox(sandbox)


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
    with services.repo(ConnectionRepo) as repo:
        return backfill_progress(repo)
