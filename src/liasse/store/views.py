"""Typed reads of the JSON columns, built where the rows leave the store.

A connection's `config` and an outbox item's `payload` are JSON the store keeps as it was
written; callers above read them through these frozen views (`Connection.read_config()`,
`OutboxItem.read_payload()`) instead of reaching into dicts with string keys. Writes stay
dicts: the code that owns a shape (set-up, backfill progress, the outbox's producers)
writes it, and the views read what it wrote, with the defaults the old readers applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

# The outbox kinds, one payload shape each.
OUTBOX_QONTO_INVOICE = "qonto.supplier_invoice"
OUTBOX_QONTO_ATTACH = "qonto.attach"
OUTBOX_DROPBOX_WRITE = "dropbox.write"

INSTANT_MODE = "instant"


def _text(value: Any) -> str | None:
    """A stored string, or None for a key that is absent, null or empty."""
    return str(value) if value else None


@dataclass(frozen=True)
class ConnectionConfig:
    """A connection's choices (folder, mode, write-back…) and run state (backfill), read."""

    raw: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Mapping[str, Any] | None) -> ConnectionConfig:
        return cls(dict(config or {}))

    def as_dict(self) -> dict[str, Any]:
        """A copy, for the readers that walk every key (fingerprints, progress)."""
        return dict(self.raw)

    @property
    def path(self) -> str | None:
        """A local folder's directory on this machine."""
        return _text(self.raw.get("path"))

    @property
    def folder(self) -> str:
        """A cloud folder's path ("" for the root)."""
        return str(self.raw.get("folder", ""))

    @property
    def folder_id(self) -> str | None:
        """A cloud folder's stable id (firm mode follows a folder by id, not by path)."""
        return _text(self.raw.get("folder_id"))

    @property
    def recursive(self) -> bool:
        return bool(self.raw.get("recursive", True))

    @property
    def write_back(self) -> bool:
        return bool(self.raw.get("write_back", False))

    @property
    def write_back_after(self) -> str:
        return str(self.raw.get("write_back_after", "posted"))

    @property
    def write_back_pattern(self) -> str | None:
        return _text(self.raw.get("write_back_pattern"))

    @property
    def mode(self) -> str | None:
        return _text(self.raw.get("mode"))

    @property
    def instant(self) -> bool:
        return self.raw.get("mode") == INSTANT_MODE

    @property
    def document_kind(self) -> str | None:
        """What every file of the folder is (receipts, sales…), when the folder says so."""
        return _text(self.raw.get("document_kind"))

    @property
    def firm_root(self) -> bool:
        return bool(self.raw.get("firm_root"))

    @property
    def firm_connection_id(self) -> str | None:
        return _text(self.raw.get("firm_connection_id"))

    @property
    def backfill_from(self) -> str | None:
        return _text(self.raw.get("backfill_from"))

    @property
    def backfill(self) -> Mapping[str, Any] | None:
        """The backfill's progress, as `store.backfill_repo` wrote it."""
        stored = self.raw.get("backfill")
        return stored if isinstance(stored, Mapping) else None

    @property
    def emulator(self) -> bool:
        return bool(self.raw.get("emulator"))

    @property
    def base_url(self) -> str | None:
        return _text(self.raw.get("base_url"))

    @property
    def auth(self) -> str | None:
        return _text(self.raw.get("auth"))

    @property
    def staging_token(self) -> str | None:
        return _text(self.raw.get("staging_token"))

    def window_minutes(self, default: float) -> float:
        return float(self.raw.get("window_minutes", default))

    def integer(self, key: str, default: int) -> int:
        """A numeric setting of a use case's own (the backfill's batch size…)."""
        return int(self.raw.get(key, default))


@dataclass(frozen=True)
class InvoicePostPayload:
    """`qonto.supplier_invoice`: the file to post and the facts sent with it."""

    sha256: str
    file_name: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "file_name": self.file_name, "facts": dict(self.facts)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InvoicePostPayload:
        facts = data.get("facts")
        return cls(str(data.get("sha256", "")), str(data.get("file_name", "")),
                   dict(facts) if isinstance(facts, Mapping) else {})


@dataclass(frozen=True)
class AttachPayload:
    """`qonto.attach`: a receipt or confirmation to attach to the bank line it matched."""

    transaction_id: str
    sha256: str
    file_name: str
    match_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"transaction_id": self.transaction_id, "sha256": self.sha256,
                "file_name": self.file_name, "match_id": self.match_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AttachPayload:
        return cls(str(data.get("transaction_id", "")), str(data.get("sha256", "")),
                   str(data.get("file_name", "")), _text(data.get("match_id")))


@dataclass(frozen=True)
class WriteBackPayload:
    """`dropbox.write_back`: where the processed copy of a document goes."""

    connection_id: str
    path: str
    sha256: str
    file_name: None = None  # the path says where; the document says what

    def to_json(self) -> dict[str, Any]:
        return {"connection_id": self.connection_id, "path": self.path, "sha256": self.sha256}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WriteBackPayload:
        return cls(str(data.get("connection_id", "")), str(data.get("path", "")),
                   str(data.get("sha256", "")))


@dataclass(frozen=True)
class OtherPayload:
    """A payload of a kind these views do not know: read as it is."""

    raw: Mapping[str, Any]

    @property
    def file_name(self) -> str | None:
        return _text(self.raw.get("file_name"))

    def to_json(self) -> dict[str, Any]:
        return dict(self.raw)


OutboxPayload = InvoicePostPayload | AttachPayload | WriteBackPayload | OtherPayload


def outbox_payload(kind: str, data: Mapping[str, Any] | None) -> OutboxPayload:
    """The typed payload of an outbox item of `kind`."""
    raw = data or {}
    if kind == OUTBOX_QONTO_INVOICE:
        return InvoicePostPayload.from_json(raw)
    if kind == OUTBOX_QONTO_ATTACH:
        return AttachPayload.from_json(raw)
    if kind == OUTBOX_DROPBOX_WRITE:
        return WriteBackPayload.from_json(raw)
    return OtherPayload(dict(raw))


PayloadT = TypeVar("PayloadT", InvoicePostPayload, AttachPayload, WriteBackPayload)


def payload_as(payload: OutboxPayload, kind: type[PayloadT]) -> PayloadT:
    if not isinstance(payload, kind):
        raise TypeError(f"an outbox payload of another kind: {type(payload).__name__}")
    return payload
