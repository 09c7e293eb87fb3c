"""A plain folder on disk as a document source (the embedded default inbox).

liasse only reads here: it never modifies, moves or deletes the user's files. A file is
reported once it has stopped changing for `settle_seconds`, so a document still being
copied is not picked up half-written. Each report carries the file's version (mtime and
size); the sync layer records each version once, so listing everything on every poll is
safe and a re-saved or changed file shows up as a new version.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from liasse.sync.ports import ChangePage, SourceEntry

ACCEPTED_SUFFIXES = frozenset({".pdf", ".xml", ".jpg", ".jpeg", ".png"})
PAGE_SIZE = 500


def is_candidate(name: str) -> bool:
    """Accepted types only; hidden, temporary and office lock files are ignored."""
    if name.startswith((".", "~$", ".~lock")) or name.endswith((".tmp", ".part", ".crdownload")):
        return False
    return Path(name).suffix.lower() in ACCEPTED_SUFFIXES


class SourceFileVanished(FileNotFoundError):
    """The file was listed but is gone (moved or deleted by the user) before it was read."""


class LocalFolderSource:
    kind = "localfolder"

    def __init__(
        self,
        root: Path,
        *,
        settle_seconds: float = 2.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.settle_seconds = settle_seconds
        self._clock = clock

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        """All settled files, in pages; the cursor is the scan time (informational)."""
        scan_time = self._clock()
        entries = list(self._settled_entries(scan_time))
        cursor_value = f"scan:{scan_time:.3f}"
        if not entries:
            yield ChangePage((), cursor_value)
            return
        for start in range(0, len(entries), PAGE_SIZE):
            yield ChangePage(tuple(entries[start:start + PAGE_SIZE]), cursor_value)

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        path = self.root / entry.ref
        try:
            with path.open("rb") as source:
                shutil.copyfileobj(source, sink)
        except FileNotFoundError as exc:
            raise SourceFileVanished(f"{entry.path} vanished before it could be read") from exc

    def _settled_entries(self, now: float) -> Iterator[SourceEntry]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or not is_candidate(path.name):
                continue
            if any(part.startswith(".") for part in path.relative_to(self.root).parts):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # vanished between listing and stat: the next poll decides
            if now - stat.st_mtime < self.settle_seconds:
                continue
            relative = path.relative_to(self.root).as_posix()
            yield SourceEntry(
                ref=relative,
                path=relative,
                version=f"{stat.st_mtime_ns}-{stat.st_size}",
                size=stat.st_size,
                modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
            )
