"""What the Qonto emulator keeps across restarts: `qonto-state.json` plus the uploaded files.

Uploaded files are stored once by sha256, in memory or in `DIR/files/`;
`liasse.emulators.persistence` does the atomic writing and the JSON encoding.
"""

from __future__ import annotations

from pathlib import Path

from liasse.emulators.persistence import DataFolder, FileStore, MemoryFileStore, decode, encode
from liasse.emulators.qonto.state import QontoState

STATE_FILE = "qonto-state.json"
FILES_DIR = "files"


class StateStore:
    """Saves and loads a `QontoState` in a data folder (None: memory only, saving is a no-op)."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._folder = DataFolder(data_dir, STATE_FILE, FILES_DIR) if data_dir else None
        self.files: FileStore = self._folder.files if self._folder else MemoryFileStore()

    def load(self) -> QontoState | None:
        raw = self._folder.load() if self._folder else None
        return None if raw is None else decode(QontoState, raw)

    def save(self, state: QontoState) -> None:
        if self._folder is not None:
            self._folder.save(encode(state))
