"""When windows run: each connection on its own interval, one window at a time, crash-safe.

A window takes the connection's lease in the database before it starts and gives it back
with the time of the next window. A process that dies mid-window leaves a lease that
expires; a restarted process with the same owner id takes it back at once and resumes,
since every step only picks up what is still in its input state.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from liasse.app.pipelines import build_pipeline, run_bank_window
from liasse.app.services import Services
from liasse.app.wiring import wiring_for
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.views import ConnectionConfig
from liasse.sync.pipeline import utc_now
from liasse.sync.window import run_window

log = logging.getLogger("liasse.scheduler")

LEASE = timedelta(minutes=30)
# Outside APIs are polled at most four times an hour per connection.
MIN_REMOTE_INTERVAL = timedelta(minutes=15)


def default_owner() -> str:
    return f"liasse@{socket.gethostname()}"


@dataclass(frozen=True)
class WindowRun:
    workspace: str
    connection: str
    counts: dict[str, int]


class WindowScheduler:
    def __init__(self, services: Services, *, owner: str | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._services = services
        self._owner = owner or default_owner()
        self._clock = clock
        # The database lease keeps other processes out; this keeps this process's own
        # threads (the poll loop and instant watchers) from running one window twice.
        self._running: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def interval(self, kind: str, config: ConnectionConfig) -> timedelta:
        settings = self._services.settings
        if not wiring_for(kind).remote:  # a folder on this machine: polled, not throttled
            return timedelta(seconds=settings.inbox.poll_seconds)
        wanted = timedelta(minutes=config.window_minutes(settings.sync.window_minutes))
        if settings.sync.unthrottled or config.emulator:
            return wanted
        return max(wanted, MIN_REMOTE_INTERVAL)

    def run_due(self) -> list[WindowRun]:
        """Run a window for every connection that is due, in every workspace."""
        runs: list[WindowRun] = []
        for slug, connection_id, kind, config in self._due():
            counts = self.run_connection(slug, connection_id, self.interval(kind, config))
            if counts is not None:
                runs.append(WindowRun(slug, connection_id, counts))
        return runs

    def _due(self) -> list[tuple[str, str, str, ConnectionConfig]]:
        now = self._clock()
        with self._services.sessions.begin() as session:
            return [
                (workspace.slug, connection.id, connection.kind, connection.read_config())
                for workspace in store_repo.list_all_workspaces(session)
                for connection in ConnectionRepo(session, workspace.id).connections_due(
                    now, self._owner)
            ]

    def run_connection(self, slug: str, connection_id: str, interval: timedelta
                       ) -> dict[str, int] | None:
        """One window for one connection under its lease; None if another holds it."""
        with self._guard:
            mine = self._running.setdefault(connection_id, threading.Lock())
        if not mine.acquire(blocking=False):
            return None
        try:
            return self._leased_window(slug, connection_id, interval)
        finally:
            mine.release()

    def _leased_window(self, slug: str, connection_id: str, interval: timedelta
                       ) -> dict[str, int] | None:
        start = self._clock()
        with self._services.repo(ConnectionRepo, slug) as repo:
            if not repo.acquire_lease(connection_id, self._owner, start, start + LEASE):
                return None
            kind = repo.get_connection(connection_id).kind
        try:
            if wiring_for(kind).is_bank:
                return run_bank_window(self._services, slug, connection_id).as_dict()
            # A stable owner per connection: after a crash, the restarted process's window
            # takes back at once the documents and intents its predecessor had claimed.
            pipeline = build_pipeline(self._services, slug, connection_ids={connection_id},
                                      owner=f"{self._owner}/{connection_id}")
            return run_window(pipeline).as_dict()
        finally:
            with self._services.repo(ConnectionRepo, slug) as repo:
                repo.release_lease(connection_id, self._owner, start + interval)
