"""What a workspace learned: from its people's corrections, one row per supplier; from its
history, the account classifier its workers fitted last (one row per workspace).

The knowledge itself (anchors, label words, value shapes, trust counts) is the JSON form
of `extract.memory.SupplierMemory`: it is read and written whole, never queried inside.
The counters and the learned ledger account are columns, for the suppliers page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liasse.store.tables import Base, id_column, now_column, workspace_column


class SupplierMemoryRow(Base):
    __tablename__ = "supplier_memories"
    __table_args__ = (UniqueConstraint("workspace_id", "supplier_id"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    supplier_id: Mapped[str] = mapped_column(ForeignKey("suppliers.id"), index=True)
    knowledge: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ledger_account: Mapped[str | None] = mapped_column(String(16), default=None)
    confirmations: Mapped[int] = mapped_column(Integer, default=0)
    not_invoice: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class AccountModelRow(Base):
    """The account classifier a worker fitted on the workspace's history, for the others
    to load instead of fitting it again (`enrich.classifier.AccountClassifier.to_bytes`).
    `history_count` and `history_latest` are the history's version it was fitted on."""

    __tablename__ = "account_models"

    workspace_id: Mapped[str] = workspace_column(primary_key=True)
    postings: Mapped[int] = mapped_column(Integer)
    history_count: Mapped[int] = mapped_column(Integer)
    history_latest: Mapped[datetime | None] = mapped_column(default=None)
    fitted_at: Mapped[datetime] = now_column()
    model: Mapped[bytes] = mapped_column(LargeBinary)
