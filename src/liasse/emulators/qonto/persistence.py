"""Keeping the emulator's state across restarts: one JSON file plus a folder of uploaded files.

Writes are atomic (temporary file, fsync, rename) so a killed emulator never leaves half a
state behind. Uploaded files are stored once by content hash, in memory or in `DIR/files/`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import types
import typing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from liasse.emulators.qonto.state import QontoState

STATE_FILE = "qonto-state.json"
FILES_DIR = "files"

T = TypeVar("T")


class FileStore(Protocol):
    """Where uploaded file bytes live, addressed by their sha256."""

    def put(self, content: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...


class MemoryFileStore:
    def __init__(self) -> None:
        self._files: dict[str, bytes] = {}

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        self._files[digest] = content
        return digest

    def get(self, sha256: str) -> bytes:
        return self._files[sha256]


class DirectoryFileStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def put(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self._root / digest
        if not target.exists():
            atomic_write(target, content)
        return digest

    def get(self, sha256: str) -> bytes:
        return (self._root / sha256).read_bytes()


def atomic_write(target: Path, content: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class StateStore:
    """Saves and loads a `QontoState` in a data folder (None: memory only, saving is a no-op)."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self.files: FileStore = (
            DirectoryFileStore(data_dir / FILES_DIR) if data_dir else MemoryFileStore()
        )

    def load(self) -> QontoState | None:
        if self.data_dir is None or not (self.data_dir / STATE_FILE).exists():
            return None
        raw = json.loads((self.data_dir / STATE_FILE).read_text(encoding="utf-8"))
        return decode(QontoState, raw)

    def save(self, state: QontoState) -> None:
        if self.data_dir is None:
            return
        payload = json.dumps(encode(state), ensure_ascii=False, sort_keys=True)
        atomic_write(self.data_dir / STATE_FILE, payload.encode("utf-8"))


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
