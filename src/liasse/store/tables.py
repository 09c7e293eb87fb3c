"""The relational schema. Every row belongs to a workspace (the tenant), from the start.

Times are stored as UTC; `UtcDateTime` gives back aware datetimes on SQLite too.
Changing this file means adding an Alembic migration under `migrations/versions/`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

from liasse.domain.extraction import ExtractionResult
from liasse.store.views import (
    ConnectionConfig,
    OutboxPayload,
    PayloadT,
    outbox_payload,
    payload_as,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON}


# --- the columns most tables share ---------------------------------------------------------


def id_column() -> MappedColumn[str]:
    """The usual primary key: a random hex id liasse makes itself."""
    return mapped_column(String(32), primary_key=True, default=new_id)


def workspace_column(*, indexed: bool = True, primary_key: bool = False) -> MappedColumn[str]:
    """The workspace a row belongs to (the tenant). `indexed=False` where a composite index
    starting with `workspace_id` serves the look-ups already; a primary key needs none."""
    # None (not False) when there is no index of its own: SQLAlchemy's "not said".
    index = True if indexed and not primary_key else None
    return mapped_column(ForeignKey("workspaces.id"), index=index, primary_key=primary_key)


def now_column(*, index: bool = False) -> MappedColumn[datetime]:
    """A time set to now (UTC) when the row is inserted (`created_at`, `updated_at`...)."""
    return mapped_column(default=utcnow, index=True if index else None)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = id_column()
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The workspace's own company: its names and identifiers are never a supplier.
    own_company: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Per-workspace choices that override the service's defaults (routing thresholds...).
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = now_column()


class Connection(Base):
    """A link to an outside system (local folder, Dropbox, Qonto) and its sync state."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(32), default="active")
    cursor: Mapped[str | None] = mapped_column(Text, default=None)
    last_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    # A window holds the lease; a crashed holder's lease expires and another process resumes.
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = now_column()

    def read_config(self) -> ConnectionConfig:
        """The config, typed; a copy, so writing goes through `config` as before."""
        return ConnectionConfig.of(self.config)


class SourceFile(Base):
    """One version of one file seen in a source; a changed file is a new row."""

    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("connection_id", "ref", "version"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    ref: Mapped[str] = mapped_column(String(1024))
    path: Mapped[str] = mapped_column(String(2048))
    version: Mapped[str] = mapped_column(String(256))
    size: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[datetime]
    content_hash: Mapped[str | None] = mapped_column(String(128), default=None)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set once fetched: the document this file's content belongs to.
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id"), default=None, index=True
    )
    # True when another file with the same content was seen first.
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(32), default="discovered")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    seen_at: Mapped[datetime] = now_column()


class Document(Base):
    """A unique content (by SHA-256) within a workspace, and where it is in its lifecycle."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("workspace_id", "sha256"),
        Index("ix_documents_workspace_state", "workspace_id", "state"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column(indexed=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(512))
    media_type: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(32))
    # For a waiting document: the state whose step it resumes.
    resume_state: Mapped[str | None] = mapped_column(String(32), default=None)
    state_reason: Mapped[str] = mapped_column(Text, default="")
    document_type: Mapped[str | None] = mapped_column(String(32), default=None)
    # What the folder it came from says it is (a firm's "Receipts" or "Sales documents").
    source_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    extraction: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # The document's text as read (text layer or OCR), for full-text search and accounts.
    text: Mapped[str | None] = mapped_column(Text, default=None)
    confidence: Mapped[float | None] = mapped_column(Float, default=None)
    route_reasons: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    supplier_name: Mapped[str | None] = mapped_column(String(300), default=None)
    invoice_number: Mapped[str | None] = mapped_column(String(128), default=None)
    total_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    # The total in the account's currency when the document is in another one, and where
    # that figure came from: "bank" (the matched line) or "rate" (the configured table).
    converted_minor: Mapped[int | None] = mapped_column(BigInteger, default=None)
    converted_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    converted_source: Mapped[str | None] = mapped_column(String(8), default=None)
    issue_date: Mapped[str | None] = mapped_column(String(10), default=None)
    qonto_invoice_id: Mapped[str | None] = mapped_column(String(64), default=None)
    supplier_id: Mapped[str | None] = mapped_column(
        ForeignKey("suppliers.id"), default=None, index=True
    )
    ledger_account: Mapped[str | None] = mapped_column(String(16), default=None)
    # The document this one copies (same file, same source, same business key).
    duplicate_of: Mapped[str | None] = mapped_column(String(32), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    # Who is working on the document's current step, until when (a window or a worker
    # claims it before the work; a crashed claimant's claim runs out).
    claim_owner: Mapped[str | None] = mapped_column(String(200), default=None)
    claim_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()

    def read_extraction(self) -> ExtractionResult | None:
        """The stored extraction, typed; None before the extract step (or once erased)."""
        return ExtractionResult.from_json(self.extraction) if self.extraction else None


class SupplierRow(Base):
    """A known supplier of one workspace (`domain.suppliers.Supplier` as stored)."""

    __tablename__ = "suppliers"

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    legal_name: Mapped[str] = mapped_column(String(300))
    name_variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    vat_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    sirens: Mapped[list[str]] = mapped_column(JSON, default=list)
    sirets: Mapped[list[str]] = mapped_column(JSON, default=list)
    ibans: Mapped[list[str]] = mapped_column(JSON, default=list)
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_account: Mapped[str | None] = mapped_column(String(16), default=None)
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set when merged into another supplier: kept so old links still resolve.
    merged_into: Mapped[str | None] = mapped_column(String(32), default=None)
    # Goes up by one at every UPDATE of the row: the enricher re-reads the directory
    # only when the workspace's count of rows or sum of revisions moved.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1",
                                          onupdate=literal_column("revision") + 1)
    created_at: Mapped[datetime] = now_column()


class SupplierKey(Base):
    """One company identifier (VAT id, SIREN, SIRET, compacted) belongs to one supplier:
    two windows that meet a new seller at once create it once."""

    __tablename__ = "supplier_keys"

    workspace_id: Mapped[str] = workspace_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id"), index=True)


class MatchRow(Base):
    """A matching decision between a bank line and documents, with its reasons.

    `band` is what the matcher said (auto or review); `status` what became of it:
    `linked` (applied), `proposed` (waiting for a person), `dismissed` (a person said no).
    """

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("workspace_id", "fingerprint"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    fingerprint: Mapped[str] = mapped_column(String(64))
    transaction_id: Mapped[str] = mapped_column(String(64), index=True)
    document_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = now_column()


class AuditEvent(Base):
    """Who or what changed a record, when, why, from which state to which."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "workspace_id", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = workspace_column(indexed=False)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = now_column()
    before: Mapped[str | None] = mapped_column(String(32), default=None)
    after: Mapped[str | None] = mapped_column(String(32), default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class OutboxItem(Base):
    """An outside side effect, recorded before it is attempted (the outbox pattern)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_outbox_workspace_status", "workspace_id", "status"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column(indexed=False)
    kind: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    document_id: Mapped[str | None] = mapped_column(ForeignKey("documents.id"), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # While an attempt is in flight, `next_attempt_at` is the end of its lease and
    # `claim_owner` who holds it (it alone may take the item again before the lease ends).
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    claim_owner: Mapped[str | None] = mapped_column(String(200), default=None)
    remote_id: Mapped[str | None] = mapped_column(String(128), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = now_column()
    done_at: Mapped[datetime | None] = mapped_column(default=None)

    def read_payload(self) -> OutboxPayload:
        """The payload, typed by the item's kind."""
        return outbox_payload(self.kind, self.payload)

    def read_payload_as(self, kind: type[PayloadT]) -> PayloadT:
        """The payload of an item known to be of one kind (the caller listed that kind)."""
        return payload_as(self.read_payload(), kind)


class DataKey(Base):
    """A workspace's data key, wrapped (AES-256-GCM) by the master key `master_key_id`."""

    __tablename__ = "data_keys"

    workspace_id: Mapped[str] = workspace_column(primary_key=True)
    master_key_id: Mapped[str] = mapped_column(String(16))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = now_column()
    rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class Secret(Base):
    """An OAuth token or API key, encrypted with its workspace's data key."""

    __tablename__ = "secrets"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    name: Mapped[str] = mapped_column(String(200))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = now_column()
