"""A Dropbox folder as a `DocumentSource`: incremental listing by cursor, verified downloads.

`changes(cursor)` yields one `ChangePage` per Dropbox page, each with the cursor that
resumes right after it (an empty page too), so the sync layer can commit the cursor with
the rows the page produced. A dead cursor (`reset`) restarts the listing from scratch with
`relisted=True`: the sync layer recognises what it already has by id, rev and hash.
Deletions and renames come through as entries; this module never acts on them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import BinaryIO

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.content_hash import ContentHasher
from liasse.connectors.dropbox.errors import ContentHashMismatch, CursorReset
from liasse.connectors.dropbox.models import (
    DeletedMetadata,
    FileMetadata,
    ListFolderResult,
    Metadata,
)
from liasse.domain.ports import ChangePage, SourceEntry

ACCEPTED_SUFFIXES = frozenset({".pdf", ".xml", ".jpg", ".jpeg", ".png"})
TEMPORARY_PREFIXES = (".", "~$", ".~lock")
TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload")
DELETED_REF_PREFIX = "path:"


def is_ignored_name(name: str) -> bool:
    """Hidden files, office lock files and partial downloads are never documents."""
    lowered = name.lower()
    return name.startswith(TEMPORARY_PREFIXES) or lowered.endswith(TEMPORARY_SUFFIXES) \
        or lowered == "desktop.ini"


def is_candidate(name: str) -> bool:
    """PDF, XML, JPEG and PNG files that are not hidden or temporary."""
    return not is_ignored_name(name) and PurePosixPath(name).suffix.lower() in ACCEPTED_SUFFIXES


def deleted_ref(path_lower: str) -> str:
    """Dropbox says only *where* something was deleted: the ref of a deletion is its path."""
    return DELETED_REF_PREFIX + path_lower


class DropboxSource:
    kind = "dropbox"

    def __init__(self, client: DropboxClient, folder: str, *, recursive: bool = True,
                 page_limit: int | None = None, fetch_attempts: int = 2,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.folder = "" if folder in ("", "/") else folder.rstrip("/")
        self.recursive = recursive
        self.page_limit = page_limit
        self.fetch_attempts = fetch_attempts
        self._clock = clock
        self._sleep = sleep
        self._poll_not_before = 0.0

    # --- DocumentSource --------------------------------------------------------------

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        if cursor is None:
            yield from self._listing(relisted=False)
            return
        try:
            yield from self._pages(self.client.list_folder_continue(cursor), relisted=False)
        except CursorReset:
            yield from self._listing(relisted=True)

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        """Stream the file into `sink`, checking its content_hash; one retry on mismatch."""
        start = sink.tell()
        for _attempt in range(self.fetch_attempts):
            sink.seek(start)
            sink.truncate()
            expected, actual = self._download_into(entry.ref, sink)
            if expected is None or expected == actual:
                return
        raise ContentHashMismatch(
            f"{entry.path}: downloaded bytes hash to {actual}, Dropbox says {expected}"
        )

    # --- longpoll --------------------------------------------------------------------

    def latest_cursor(self) -> str:
        """A cursor that starts from now (nothing already in the folder is listed)."""
        return self.client.get_latest_cursor(self.folder, recursive=self.recursive)

    def wait_for_changes(self, cursor: str, timeout: int = 30) -> bool:
        """Block until the folder may have changed; honours Dropbox's `backoff`."""
        wait = self._poll_not_before - self._clock()
        if wait > 0:
            self._sleep(wait)
        result = self.client.longpoll(cursor, timeout)
        if result.backoff:
            self._poll_not_before = self._clock() + result.backoff
        return result.changes

    # --- internals -------------------------------------------------------------------

    def _listing(self, relisted: bool) -> Iterator[ChangePage]:
        first = self.client.list_folder(self.folder, recursive=self.recursive,
                                        limit=self.page_limit)
        yield from self._pages(first, relisted=relisted)

    def _pages(self, first: ListFolderResult, relisted: bool) -> Iterator[ChangePage]:
        result = first
        yield self._page(result, relisted)
        while result.has_more:
            try:
                result = self.client.list_folder_continue(result.cursor)
            except CursorReset:
                if relisted:
                    raise  # a fresh listing's own cursor died: let the caller retry later
                yield from self._listing(relisted=True)
                return
            yield self._page(result, relisted)

    def _page(self, result: ListFolderResult, relisted: bool) -> ChangePage:
        entries = tuple(
            entry for entry in (self._entry(m) for m in result.entries) if entry is not None
        )
        return ChangePage(entries, result.cursor, relisted)

    def _entry(self, metadata: Metadata) -> SourceEntry | None:
        if self._in_hidden_folder(metadata.path_lower):
            return None
        if isinstance(metadata, FileMetadata):
            if not is_candidate(metadata.name):
                return None
            return SourceEntry(
                ref=metadata.id, path=metadata.path_display, version=metadata.rev,
                size=metadata.size, modified_at=metadata.server_modified,
                content_hash=metadata.content_hash,
            )
        if isinstance(metadata, DeletedMetadata) and not is_ignored_name(metadata.name):
            # Kept whatever the extension: a deleted folder stands for everything inside it.
            return SourceEntry(
                ref=deleted_ref(metadata.path_lower), path=metadata.path_display, version="",
                size=0, modified_at=datetime.fromtimestamp(self._clock(), UTC), deleted=True,
            )
        return None  # folders are structure, not documents

    def _in_hidden_folder(self, path_lower: str) -> bool:
        relative = path_lower[len(self.folder):].strip("/").split("/")
        return any(part.startswith(".") for part in relative[:-1])

    def _download_into(self, ref: str, sink: BinaryIO) -> tuple[str | None, str]:
        hasher = ContentHasher()
        with self.client.download(ref) as (metadata, chunks):
            for chunk in chunks:
                hasher.update(chunk)
                sink.write(chunk)
        return metadata.content_hash, hasher.hexdigest()
