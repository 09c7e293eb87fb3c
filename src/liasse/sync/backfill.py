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
keyed by (connection, ref, version). `backfill_progress` is what the status page shows;
`app.backfill` runs the jobs (on threads of `liasse run`, in the foreground for
`liasse backfill`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal, Protocol

from liasse.domain.ports import ChangePage, DocumentSource, SourceEntry
from liasse.store.backfill_repo import (
    BackfillState,
    BackfillStore,
    PageDone,
)
from liasse.store.connections_repo import ConnectionRepo
from liasse.sync.pipeline import utc_now

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


def needs_backfill(status: str, config: dict[str, Any]) -> bool:
    """An active connection whose config asks for a backfill not finished yet."""
    state = BackfillState.from_config(config)
    return status == "active" and state is not None and not state.done


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


def backfill_progress(repo: ConnectionRepo) -> list[BackfillProgress]:
    """Every connection of the workspace that has (or had) a backfill."""
    found = []
    for connection in repo.list_connections():
        state = BackfillState.from_config(dict(connection.config))
        if state is None:
            continue
        found.append(BackfillProgress(
            connection.id, connection.name, state.since, state.status, state.listed,
            state.kept, state.recorded, state.started_at, state.finished_at))
    return found
