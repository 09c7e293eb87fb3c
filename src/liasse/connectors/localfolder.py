"""A plain folder on disk as a document source (the embedded default inbox).

liasse only reads here: it never modifies, moves or deletes the user's files. A file is
reported once it has stopped changing for `settle_seconds`, so a document still being
copied is not picked up half-written. Each report carries the file's version (mtime and
size); the sync layer records each version once, so listing everything on every poll is
safe and a re-saved or changed file shows up as a new version.

Only regular files inside the folder are read. Anyone who can write to the inbox could
otherwise plant a link to the master key or the database and download it as a
"document", so the walk never follows a link, and `fetch` opens each path component
relative to the folder with O_NOFOLLOW and checks what it opened with fstat: a link, FIFO,
device, socket or directory loop is reported as refused with the reason, never read.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from liasse.domain.ports import ChangePage, SourceEntry, SourceFileRefused

ACCEPTED_SUFFIXES = frozenset({".pdf", ".xml", ".jpg", ".jpeg", ".png"})
PAGE_SIZE = 500
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
_OPEN_DIRECTORY = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
REFUSALS = {
    "link": "a symbolic link: liasse reads only regular files inside the folder",
    "directory_link": "a symbolic link to a directory: liasse does not follow links",
    "loop": "a directory seen twice (a loop): liasse reads it once",
    "fifo": "a named pipe (FIFO), not a regular file",
    "device": "a device file, not a regular file",
    "socket": "a socket, not a regular file",
    "other": "not a regular file",
    "outside": "a path that leaves the folder",
}


def is_candidate(name: str) -> bool:
    """Accepted types only; hidden, temporary and office lock files are ignored."""
    if name.startswith((".", "~$", ".~lock")) or name.endswith((".tmp", ".part", ".crdownload")):
        return False
    return Path(name).suffix.lower() in ACCEPTED_SUFFIXES


class SourceFileVanished(FileNotFoundError):
    """The file was listed but is gone (moved or deleted by the user) before it was read."""


def refusal_of(status: os.stat_result) -> str | None:
    """Why an entry (its lstat) is not read, or None for a regular file."""
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return REFUSALS["link"]
    if stat.S_ISFIFO(mode):
        return REFUSALS["fifo"]
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return REFUSALS["device"]
    if stat.S_ISSOCK(mode):
        return REFUSALS["socket"]
    return REFUSALS["other"]


def open_inside(root: Path, relative: str) -> int:
    """A read descriptor on the regular file `relative` under `root`, following no link.

    Each directory is opened relative to the previous one, so a component swapped for a
    link between listing and reading fails with ELOOP instead of leaving the folder.
    """
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise SourceFileRefused(REFUSALS["outside"])
    directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            inner = _open_at(part, _OPEN_DIRECTORY, directory, "directory_link")
            os.close(directory)
            directory = inner
        descriptor = _open_at(parts[-1], _OPEN_FILE, directory, "link")
    finally:
        os.close(directory)
    reason = refusal_of(os.fstat(descriptor))
    if reason is not None:
        os.close(descriptor)
        raise SourceFileRefused(reason)
    return descriptor


def _open_at(name: str, flags: int, directory: int, link_reason: str) -> int:
    try:
        return os.open(name, flags, dir_fd=directory)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise SourceFileRefused(REFUSALS[link_reason]) from exc
        raise


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
        try:
            descriptor = open_inside(self.root, entry.ref)
        except FileNotFoundError as exc:
            raise SourceFileVanished(f"{entry.path} vanished before it could be read") from exc
        with os.fdopen(descriptor, "rb") as source:
            shutil.copyfileobj(source, sink)

    def _settled_entries(self, now: float) -> Iterator[SourceEntry]:
        if not self.root.is_dir():
            return
        for path, status, reason in sorted(self._walk(), key=lambda found: found[0]):
            if now - status.st_mtime < self.settle_seconds:
                continue
            relative = path.relative_to(self.root).as_posix()
            yield SourceEntry(
                ref=relative,
                path=relative,
                version=f"{status.st_mtime_ns}-{status.st_size}",
                size=status.st_size if reason is None else 0,
                modified_at=datetime.fromtimestamp(status.st_mtime, UTC),
                refused=reason,
            )

    def _walk(self) -> Iterator[tuple[Path, os.stat_result, str | None]]:
        """Every visible entry worth reporting, with its lstat and why it is refused."""
        top = self.root.stat()
        seen_directories = {(top.st_dev, top.st_ino)}
        pending = [self.root]
        while pending:
            directory = pending.pop()
            try:
                listing = list(os.scandir(directory))
            except (FileNotFoundError, NotADirectoryError, PermissionError):
                continue  # vanished or unreadable: the next poll decides
            for item in listing:
                if item.name.startswith("."):
                    continue
                try:
                    status = item.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                path = Path(item.path)
                if stat.S_ISDIR(status.st_mode):
                    if (status.st_dev, status.st_ino) in seen_directories:
                        yield path, status, REFUSALS["loop"]
                    else:
                        seen_directories.add((status.st_dev, status.st_ino))
                        pending.append(path)
                elif _is_directory_link(path, status):
                    yield path, status, REFUSALS["directory_link"]
                elif is_candidate(item.name):
                    yield path, status, refusal_of(status)


def _is_directory_link(path: Path, status: os.stat_result) -> bool:
    """A link whose target is a directory (stat only: nothing behind it is read)."""
    return stat.S_ISLNK(status.st_mode) and path.is_dir()
