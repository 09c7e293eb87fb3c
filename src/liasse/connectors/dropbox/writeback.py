"""Write-back: the processed PDF filed into the connected Dropbox folder, never twice.

The file is named by `domain.filing.processed_path` and stamped by `sync.writeback`.
`DropboxWriter.write` is safe to repeat: if the same bytes are already at the path (a
retry after a crash), it returns that file instead of writing again. The source file is
never touched: the writer only ever adds new files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from liasse.connectors.dropbox.client import DropboxClient
from liasse.connectors.dropbox.content_hash import content_hash
from liasse.connectors.dropbox.errors import PathConflict, PathNotFound, WriteBackConflict
from liasse.connectors.dropbox.models import FileMetadata, Metadata
from liasse.domain.filing import sanitise_name

MESSAGES = {
    "taken": "{path}: a different file is already there, and at {fallback} too",
}


@dataclass(frozen=True)
class DropboxWriter:
    client: DropboxClient

    def write(self, path: str, data: bytes, idempotency_key: str) -> FileMetadata:
        """Add `data` at `path`; repeat-safe. If another file holds the path, use a
        fallback name derived from `idempotency_key`, so a retry finds it again too."""
        digest = content_hash(data)
        written = self._write_once(path, data, digest)
        if written is not None:
            return written
        fallback = with_key_suffix(path, idempotency_key)
        written = self._write_once(fallback, data, digest)
        if written is not None:
            return written
        raise WriteBackConflict(MESSAGES["taken"].format(path=path, fallback=fallback))

    def _write_once(self, path: str, data: bytes, digest: str) -> FileMetadata | None:
        """The file now at `path` with our bytes, or None if something else is there."""
        occupant = self._occupant(path)
        if occupant is None:
            try:
                return self.client.upload(path, data, content_hash=digest, mode="add",
                                          strict_conflict=True)
            except PathConflict:
                occupant = self._occupant(path)  # someone (an earlier try?) got there first
        if isinstance(occupant, FileMetadata) and occupant.content_hash == digest:
            return occupant
        return None

    def _occupant(self, path: str) -> Metadata | None:
        try:
            return self.client.get_metadata(path)
        except PathNotFound:
            return None


def with_key_suffix(path: str, idempotency_key: str) -> str:
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".") if "." in name[1:] else (name, "", "")
    tag = re.sub(r"[^0-9A-Za-z]", "", idempotency_key)[:8] or "copy"
    return f"{folder}/{sanitise_name(f'{stem} [{tag}]{dot}{suffix}')}"
