"""Content-addressed document storage: one file per SHA-256, written atomically, never twice."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class BlobStoreError(OSError):
    """A blob could not be written or read; the message says what to do."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was already stored


# Documents are private: only liasse's own user may list or read the store.
PRIVATE_DIRECTORY = 0o700


class BlobStore:
    """Blobs under `root/ab/cd/<sha256>`; a temp file in `root/tmp` is renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put_bytes(self, data: bytes) -> StoredBlob:
        import io

        return self.put_stream(io.BytesIO(data))

    def put_stream(self, source: BinaryIO) -> StoredBlob:
        """Copy `source` in, hashing as it goes; identical content is kept once."""
        tmp_dir = self.root / "tmp"
        self.root.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY)
        tmp_dir.mkdir(exist_ok=True, mode=PRIVATE_DIRECTORY)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="incoming-")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self._place(tmp_path, digest.hexdigest(), size)
        except OSError as exc:
            raise _explain(exc) from exc
        finally:
            tmp_path.unlink(missing_ok=True)

    def _place(self, tmp_path: Path, sha256: str, size: int) -> StoredBlob:
        final = self.path(sha256)
        if final.is_file():
            return StoredBlob(sha256, size, created=False)
        for directory in (final.parent.parent, final.parent):  # each level private
            directory.mkdir(exist_ok=True, mode=PRIVATE_DIRECTORY)
        tmp_path.chmod(0o600)
        tmp_path.replace(final)
        return StoredBlob(sha256, size, created=True)

    def read_bytes(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise BlobStoreError(f"blob {sha256} is missing from {self.root}") from exc

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def delete(self, sha256: str) -> bool:
        """Remove a blob (an erased workspace, an expired original); False if it was gone."""
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True


def _explain(exc: OSError) -> BlobStoreError:
    if exc.errno == errno.ENOSPC:
        return BlobStoreError("the disk holding the blob store is full: free space and retry")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return BlobStoreError(f"no permission to write the blob store: {exc.filename}")
    return BlobStoreError(f"could not store the document: {exc}")
