"""The receipts export's tables: its settings and state, the folders it made, the files it wrote.

One `ReceiptExport` per workspace and connection holds what the user chose (start date,
filing mode, daily time) and where the export stands (enabled, generation, last run).
`ReceiptFolder` remembers each folder the export created by its Dropbox id, so a folder
the user deletes is noticed and respected; `ExportedReceipt` is one row per exported
attachment, keeping the link to its bank transaction. A reset bumps the generation: rows
of older generations stay as history, the new generation starts from nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liasse.store.tables import Base, id_column, now_column, workspace_column


class ReceiptExport(Base):
    """What the user chose for the export of one connection, and where it stands."""

    __tablename__ = "receipt_exports"
    __table_args__ = (UniqueConstraint("workspace_id", "connection_id"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"))
    start_date: Mapped[date]
    filing_mode: Mapped[str] = mapped_column(String(16), default="by_date")
    schedule_time: Mapped[str] = mapped_column(String(5), default="23:30")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    root_path: Mapped[str] = mapped_column(String(512), default="/Qonto")
    # False once the user disconnects: the service checks it before doing anything.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by a reset: everything is exported again, deleted folders are recreated.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    last_run_at: Mapped[datetime | None] = mapped_column(default=None)
    next_run_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class ReceiptFolder(Base):
    """A folder the export created (root, bank account, month or ledger account), by id."""

    __tablename__ = "receipt_folders"
    __table_args__ = (UniqueConstraint("export_id", "generation", "key"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    export_id: Mapped[str] = mapped_column(ForeignKey("receipt_exports.id"))
    generation: Mapped[int] = mapped_column(Integer)
    # "root", "account:<bank account id>", "group:<bank account id>:<month or ledger account>"
    key: Mapped[str] = mapped_column(String(400))
    bank_account_id: Mapped[str | None] = mapped_column(String(64), default=None)
    path: Mapped[str] = mapped_column(String(2048))
    folder_id: Mapped[str] = mapped_column(String(128))
    # Set when the user deleted it: not recreated until a reset.
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = now_column()


class ExportedReceipt(Base):
    """One attachment of one transaction and what became of it in the export."""

    __tablename__ = "exported_receipts"
    __table_args__ = (
        UniqueConstraint("export_id", "generation", "attachment_id"),
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_exported_receipts_workspace_status", "workspace_id", "status"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column(indexed=False)
    export_id: Mapped[str] = mapped_column(ForeignKey("receipt_exports.id"), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    attachment_id: Mapped[str] = mapped_column(String(64))
    transaction_id: Mapped[str] = mapped_column(String(64), index=True)
    bank_account_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    # pending (intent recorded, write may have happened) · exported · failed · folder_deleted
    status: Mapped[str] = mapped_column(String(16))
    folder_key: Mapped[str | None] = mapped_column(String(400), default=None)
    file_name: Mapped[str | None] = mapped_column(String(255), default=None)
    path: Mapped[str | None] = mapped_column(String(2048), default=None)
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    file_id: Mapped[str | None] = mapped_column(String(128), default=None)
    rev: Mapped[str | None] = mapped_column(String(128), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    exported_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()
