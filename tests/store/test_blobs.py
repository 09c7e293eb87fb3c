from __future__ import annotations

import errno
import hashlib
import io
from pathlib import Path

import pytest

from liasse.store.blobs import BlobStore, BlobStoreError


def test_content_is_stored_once_under_its_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    first = store.put_bytes(b"%PDF-1.7 hello")
    second = store.put_bytes(b"%PDF-1.7 hello")
    assert first.sha256 == hashlib.sha256(b"%PDF-1.7 hello").hexdigest()
    assert (first.created, second.created) == (True, False)
    assert store.read_bytes(first.sha256) == b"%PDF-1.7 hello"
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files == [store.path(first.sha256)]  # no temp file left behind, no copy


def test_large_stream_is_hashed_incrementally(tmp_path: Path) -> None:
    data = bytes(range(256)) * 20_000
    stored = BlobStore(tmp_path).put_stream(io.BytesIO(data))
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()


class FullDisk(io.BytesIO):
    """A stream whose copy fails the way a full disk makes writes fail."""

    def read(self, size: int | None = -1) -> bytes:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_gives_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobStoreError, match=r"disk .* is full"):
        store.put_stream(FullDisk())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_missing_blob_and_bad_hash_are_reported(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobStoreError, match="missing"):
        store.read_bytes("0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        store.path("../../etc/passwd")
