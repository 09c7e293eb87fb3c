"""Keeping an emulator's state across restarts: one JSON document plus a folder of files.

Every write is atomic: a temporary file in the same folder, flushed to disk, then renamed
over the old one, so a killed emulator leaves either the previous state or the new one,
never half of it. Files (Dropbox blobs, Qonto uploads) are stored once by their digest, in
memory or in a folder. Each emulator says what its state document holds
(`dropbox/persistence.py`, `qonto/persistence.py`); this module only keeps it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import types
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")
Digest = Callable[[bytes], str]


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class FileStore(Protocol):
    """Where file bytes live, addressed by their digest (sha256 unless said otherwise)."""

    def put(self, content: bytes) -> str: ...

    def get(self, digest: str) -> bytes: ...

    def has(self, digest: str) -> bool: ...


class MemoryFileStore:
    def __init__(self, digest: Digest = sha256_hex) -> None:
        self._digest = digest
        self._files: dict[str, bytes] = {}

    def put(self, content: bytes) -> str:
        digest = self._digest(content)
        self._files[digest] = content
        return digest

    def get(self, digest: str) -> bytes:
        return self._files[digest]

    def has(self, digest: str) -> bool:
        return digest in self._files


class DirectoryFileStore:
    """One file per digest under `root`, written once (the same bytes are never rewritten)."""

    def __init__(self, root: Path, digest: Digest = sha256_hex) -> None:
        self._root = root
        self._digest = digest

    def put(self, content: bytes) -> str:
        digest = self._digest(content)
        if not self.has(digest):
            write_atomically(self._root / digest, content)
        return digest

    def get(self, digest: str) -> bytes:
        return (self._root / digest).read_bytes()

    def has(self, digest: str) -> bool:
        return (self._root / digest).exists()


class DataFolder:
    """An emulator's data folder: its state document `state_file` and its files folder."""

    def __init__(self, root: Path, state_file: str, files_dir: str,
                 digest: Digest = sha256_hex) -> None:
        self.root = root
        self.state_path = root / state_file
        self.files = DirectoryFileStore(root / files_dir, digest)

    def load(self) -> Any | None:
        """The saved document, or None when nothing was saved yet."""
        if not self.state_path.exists():
            return None
        return json.loads(self.state_path.read_text(encoding="utf-8"))

    def save(self, document: Any) -> None:
        payload = json.dumps(document, ensure_ascii=False, sort_keys=True)
        write_atomically(self.state_path, payload.encode("utf-8"))


# --- dataclasses to JSON and back -------------------------------------------------------------


def encode(value: Any) -> Any:
    """Dataclasses, datetimes and timedeltas to JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(kind: type[T], raw: Any) -> T:
    """`encode`'s inverse, led by `kind`'s type hints (unknown keys are dropped)."""
    return cast(T, _decode_as(kind, raw))


def _decode_as(hint: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decode_as(inner[0], raw)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_decode_as(item, value) for value in raw]
    if origin is dict:
        _, item = typing.get_args(hint)
        return {key: _decode_as(item, value) for key, value in raw.items()}
    if hint is datetime:
        return datetime.fromisoformat(raw)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{name: _decode_as(hints[name], value) for name, value in raw.items()
                       if name in hints})
    return raw
