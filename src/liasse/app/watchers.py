"""The instant watchers of a running `liasse run`, kept in step with the connections.

`InstantWatchers.refresh()` runs at every scheduler tick: it reads the active Dropbox
connections in instant mode from the database and starts a watcher for each new one, stops
the watcher of a connection that was disconnected, paused or put back to regular windows,
and replaces the watcher of one whose folder or options changed. So `liasse connect`,
`liasse disconnect` and `--instant` take effect without restarting the service.

A watcher that ended by itself (its token was refused) is started again only after
`RESTART_AFTER`, so a connection that keeps failing is not hammered.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from liasse.app.services import Services
from liasse.app.wiring import wiring_for
from liasse.store import repo as store_repo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.views import ConnectionConfig
from liasse.sync.instant import InstantWatcher, start_watcher

log = logging.getLogger("liasse.instant")

RESTART_AFTER = 60.0  # seconds between two starts of a watcher that keeps ending
# Keys of a connection's config that record what it did, not what the user chose: a
# change there (a backfill's progress) is no reason to replace the watcher.
RUN_STATE_KEYS = ("backfill",)


@dataclass(frozen=True)
class WatchTarget:
    slug: str
    connection_id: str
    fingerprint: str  # the user's choices: a new one means a new watcher


@dataclass
class _Watch:
    target: WatchTarget
    stop: threading.Event
    thread: threading.Thread


def fingerprint(config: ConnectionConfig) -> str:
    choices = {key: value for key, value in config.raw.items() if key not in RUN_STATE_KEYS}
    return json.dumps(choices, sort_keys=True, default=str)


def instant_targets(services: Services) -> dict[str, WatchTarget]:
    """Active connections in instant mode (of a kind that can be watched), in every
    workspace, by connection id."""
    with services.sessions.begin() as session:
        return {
            connection.id: WatchTarget(workspace.slug, connection.id,
                                       fingerprint(connection.read_config()))
            for workspace in store_repo.list_all_workspaces(session)
            for connection in ConnectionRepo(session, workspace.id).list_connections()
            if wiring_for(connection.kind).longpoll is not None
            and connection.status == "active" and connection.read_config().instant
        }


class InstantWatchers:
    """One watcher thread per instant connection; `window(slug, connection_id)` runs the
    short window a change asks for."""

    def __init__(self, services: Services, window: Callable[[str, str], object],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._services = services
        self._window = window
        self._clock = clock
        self._watches: dict[str, _Watch] = {}
        self._tried: dict[str, float] = {}  # when a watcher was last started, by connection

    def refresh(self) -> None:
        wanted = instant_targets(self._services)
        for connection_id, watch in list(self._watches.items()):
            if wanted.get(connection_id) != watch.target:
                self._end(connection_id, "stopped" if connection_id not in wanted
                          else "replaced")
        for connection_id, target in wanted.items():
            if self._may_start(connection_id):
                self._start(target)

    def _may_start(self, connection_id: str) -> bool:
        """Not watched yet, or its watcher ended (or failed to start) a while ago."""
        watch = self._watches.get(connection_id)
        if watch is not None and watch.thread.is_alive():
            return False
        tried = self._tried.get(connection_id)
        return tried is None or self._clock() - tried >= RESTART_AFTER

    def stop_all(self) -> None:
        for connection_id in list(self._watches):
            self._end(connection_id, "stopped")

    def watching(self) -> set[str]:
        """The connections whose watcher runs now."""
        return {cid for cid, watch in self._watches.items() if watch.thread.is_alive()}

    def _start(self, target: WatchTarget) -> None:
        stop = threading.Event()
        self._tried[target.connection_id] = self._clock()

        def window() -> object:
            return self._window(target.slug, target.connection_id)

        try:
            watcher = watcher_for(self._services, target.slug, target.connection_id, stop,
                                  window)
        except Exception:  # a connection deleted meanwhile: the next refresh sees it
            log.exception("instant mode: could not watch connection %s", target.connection_id)
            return
        thread = start_watcher(watcher, f"instant-{target.connection_id[:8]}")
        self._watches[target.connection_id] = _Watch(target, stop, thread)
        log.info("instant mode: watching connection %s", target.connection_id)

    def _end(self, connection_id: str, how: str) -> None:
        # The longpoll in flight returns within its timeout; no window runs after it.
        self._watches.pop(connection_id).stop.set()
        self._tried.pop(connection_id, None)  # connected again later: watched at once
        log.info("instant mode: %s watching connection %s", how, connection_id)


def watcher_for(services: Services, slug: str, connection_id: str, stop: threading.Event,
                on_changes: Callable[[], object]) -> InstantWatcher:
    """A watcher on one connection, waiting on the cursor its windows commit."""
    with services.repo(ConnectionRepo, slug) as repo:
        connection, workspace_id = repo.get_connection(connection_id), repo.workspace_id
    longpoll = wiring_for(connection.kind).longpoll
    if longpoll is None:
        raise ValueError(f"{connection.kind} connections cannot be watched")
    source, inner_cursor = longpoll(services, workspace_id, connection)

    def committed() -> str | None:
        with services.repo(ConnectionRepo, slug) as repo:
            return inner_cursor(repo.get_connection(connection_id).cursor)

    return InstantWatcher(source, on_changes, stop, committed_cursor=committed)
