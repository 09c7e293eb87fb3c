"""Instant mode: a Dropbox connection watched by longpoll, a short window per change.

For connections whose config says `mode: "instant"`. The watcher waits on Dropbox's
longpoll (which honours the `backoff` Dropbox asks for) and, when the folder changed,
calls `on_changes` — the caller runs a short window for that connection, with the usual
end-of-batch semantics. The longpoll waits on the cursor the last window committed when
one is given, so a change that lands while a window runs is never missed. Errors never
make it spin: each failure doubles the pause (capped), a success resets it; an auth
failure stops the watcher, as the connection then needs a person to reconnect it.
Stopping (`stop.set()`) takes effect at once during a pause, and after the longpoll in
flight (at most `timeout` seconds) otherwise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from liasse.domain.errors import CursorExpired, NeedsReconnect

log = logging.getLogger("liasse.instant")

LONGPOLL_TIMEOUT_SECONDS = 30
MESSAGES = {
    "failed": "instant mode: %s failed (%s); next try in %.0f s",
    "stopped": "instant mode stopped: the connection needs reconnecting (%s)",
}


class LongpollSource(Protocol):
    """What instant mode needs from a source (Dropbox's, translated by the wiring: its
    failures are the pipeline's, a dead cursor is `CursorExpired`)."""

    def latest_cursor(self) -> str: ...

    def wait_for_changes(self, cursor: str, timeout: int = 30) -> bool: ...


@dataclass
class ErrorBackoff:
    """Pauses after consecutive failures: doubling from `first` up to `longest`."""

    first: float = 1.0
    longest: float = 300.0
    failures: int = 0

    def next_pause(self) -> float:
        self.failures += 1
        return float(min(self.first * 2.0 ** (self.failures - 1), self.longest))

    def reset(self) -> None:
        self.failures = 0


@dataclass
class InstantWatcher:
    """Runs `on_changes` whenever the watched folder changes, until `stop` is set."""

    source: LongpollSource
    on_changes: Callable[[], object]
    stop: threading.Event
    # The cursor the last window committed (None: start from now with `latest_cursor`).
    committed_cursor: Callable[[], str | None] | None = None
    timeout: int = LONGPOLL_TIMEOUT_SECONDS
    backoff: ErrorBackoff = field(default_factory=ErrorBackoff)
    windows: int = 0
    _cursor: str | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except NeedsReconnect as exc:
                log.warning(MESSAGES["stopped"], exc)
                return
            except Exception as exc:  # the loop must survive anything a poll throws
                pause = self.backoff.next_pause()
                log.warning(MESSAGES["failed"], "a poll", exc, pause)
                self._cursor = None  # a dead cursor is not waited on again
                self.stop.wait(pause)
            else:
                self.backoff.reset()

    def poll_once(self) -> None:
        """One longpoll; one window when it reports changes (or the cursor died)."""
        cursor = self._cursor or self._starting_cursor()
        self._cursor = cursor
        try:
            changed = self.source.wait_for_changes(cursor, self.timeout)
        except CursorExpired:
            changed = True  # the window lists again and commits a fresh cursor
        if changed and not self.stop.is_set():
            self._cursor = None
            self.on_changes()
            self.windows += 1
            self._cursor = self._after_window_cursor()

    def _starting_cursor(self) -> str:
        committed = self.committed_cursor() if self.committed_cursor else None
        return committed or self.source.latest_cursor()

    def _after_window_cursor(self) -> str:
        if self.committed_cursor is not None:
            committed = self.committed_cursor()
            if committed:
                return committed
        # Without a committed cursor, waiting from now may delay (never lose) a change
        # that lands during the window: the next regular window lists it.
        return self.source.latest_cursor()


def start_watcher(watcher: InstantWatcher, name: str) -> threading.Thread:
    """Run the watcher on a daemon thread (the process does not wait for a longpoll)."""
    thread = threading.Thread(target=watcher.run, name=name, daemon=True)
    thread.start()
    return thread
