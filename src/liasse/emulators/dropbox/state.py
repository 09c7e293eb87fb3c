"""One emulated Dropbox account: its files, its OAuth grants, its faults and its settings.

Tests build a `DropboxState` directly, seed it with `put_file`/`create_folder`, inject
faults through `state.faults`, and mount `create_app(state)`; the served emulator builds
the same object from the command line, with `data_dir` to survive restarts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from liasse.emulators.dropbox.persistence import StateFiles
from liasse.emulators.dropbox.tokens import ALL_SCOPES, TokenRegistry
from liasse.emulators.dropbox.tree import FileTree, WriteMode
from liasse.emulators.dropbox.wire import JsonObject
from liasse.emulators.faults import FaultInjector

# The faults `app.apply_fault` knows how to play.
DROPBOX_FAULT_KINDS: frozenset[str] = frozenset(
    {"rate_limit", "server_error", "delay", "reset_cursor", "expire_token"}
)


@dataclass(frozen=True)
class EmulatorConfig:
    """`longpoll_max_wait` caps how long a longpoll blocks (tests: a second, not 30)."""

    access_token_lifetime: int = 14_400
    auto_approve: bool = False
    longpoll_max_wait: float | None = None
    longpoll_backoff: int | None = None


class DropboxState:
    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        data_dir: Path | None = None,
        token: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or EmulatorConfig()
        self.faults = FaultInjector(DROPBOX_FAULT_KINDS)
        self.lock = threading.RLock()
        self._files = StateFiles(data_dir) if data_dir is not None else None
        self._loading = True
        self.tree = FileTree(clock=clock, on_change=self.persist, lock=self.lock)
        self.tokens = TokenRegistry(
            clock=clock,
            access_token_lifetime=self.config.access_token_lifetime,
            on_change=self.persist,
        )
        self._load()
        if token is not None:
            self.tokens.add_long_lived(token)
        self._loading = False

    def _load(self) -> None:
        if self._files is None:
            return
        loaded = self._files.load()
        if loaded is not None:
            tree, tokens, blobs = loaded
            self.tree.restore(tree, blobs)
            self.tokens.restore(tokens)

    def persist(self) -> None:
        if self._files is None or self._loading:
            return
        with self.lock:
            self._files.save(self.tree.snapshot(), self.tokens.snapshot(), self.tree.blobs)

    # --- conveniences for tests and the demo seed ------------------------------------

    def put_file(self, path: str, data: bytes, *, overwrite: bool = True) -> JsonObject:
        """Play a user (or the desktop app) dropping a file into the Dropbox."""
        mode = WriteMode("overwrite" if overwrite else "add")
        return self.tree.upload(path, data, mode)

    def create_folder(self, path: str) -> JsonObject:
        return self.tree.create_folder(path)

    def issue_tokens(self, app_key: str = "liasse-test",
                     scopes: frozenset[str] = ALL_SCOPES) -> JsonObject:
        """A token response as `oauth2/token` would give it, without the browser dance."""
        with self.lock:
            return self.tokens.issue(app_key, sorted(scopes))
