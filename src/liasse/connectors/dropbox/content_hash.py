"""Dropbox's content_hash: SHA-256 over the concatenated SHA-256 digests of 4 MiB blocks.

Both the client (to verify downloads, to announce uploads) and the emulator (to compute
metadata) use this one implementation; the SDK contract tests check it against the
official SDK's own hasher.
"""

from __future__ import annotations

import hashlib

BLOCK_SIZE = 4 * 1024 * 1024


class ContentHasher:
    """Incremental content_hash, so a streamed download is hashed without buffering it."""

    def __init__(self) -> None:
        self._overall = hashlib.sha256()
        self._block = hashlib.sha256()
        self._block_filled = 0

    def update(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            room = BLOCK_SIZE - self._block_filled
            chunk, view = view[:room], view[room:]
            self._block.update(chunk)
            self._block_filled += len(chunk)
            if self._block_filled == BLOCK_SIZE:
                self._finish_block()

    def hexdigest(self) -> str:
        if self._block_filled:
            self._finish_block()
        return self._overall.hexdigest()

    def _finish_block(self) -> None:
        self._overall.update(self._block.digest())
        self._block = hashlib.sha256()
        self._block_filled = 0


def content_hash(data: bytes) -> str:
    """The content_hash of a whole byte string (empty input: sha256 of nothing)."""
    hasher = ContentHasher()
    hasher.update(data)
    return hasher.hexdigest()
