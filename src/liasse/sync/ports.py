"""Plug points of the pipeline, as Protocols (each has a conformance test).

A `DocumentSource` is a folder liasse watches (local folder, Dropbox). The sync layer, not
the source, persists cursors: it commits each page's cursor with the rows that page
produced, so a crash never skips or double-counts a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True)
class SourceEntry:
    """A file (or a deletion) seen in a source.

    `ref` is stable across renames where the source allows it (a Dropbox id); `version`
    changes whenever the content may have changed (a Dropbox rev, an mtime+size).
    """

    ref: str
    path: str
    version: str
    size: int
    modified_at: datetime
    content_hash: str | None = None
    deleted: bool = False


@dataclass(frozen=True)
class ChangePage:
    """One page of changes and the cursor that resumes right after it.

    `relisted` is True when the source lost its cursor (Dropbox `reset`) and lists
    everything again: the sync layer recognises what it has already seen.
    """

    entries: tuple[SourceEntry, ...]
    cursor: str
    relisted: bool = False


@runtime_checkable
class DocumentSource(Protocol):
    kind: str

    def changes(self, cursor: str | None) -> Iterator[ChangePage]:
        """Pages of changes since `cursor` (None: everything), newest cursor last."""
        ...

    def fetch(self, entry: SourceEntry, sink: BinaryIO) -> None:
        """Stream the entry's content into `sink`; raise if it vanished or is unreadable."""
        ...
