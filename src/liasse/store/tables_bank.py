"""The bank's side in the store: a workspace's bank accounts and their transactions.

`BankAccountRow` is one account of one bank connection (Qonto), with the sync cursor of
that account kept on its own row so the cursor and the transactions it covers commit
together. `BankTransactionRow` is liasse's copy of one bank line, unique by the bank's id
within a workspace; its status (pending, declined, completed) is a column of its own so
the matcher reads settled lines only. Money is in integer minor units, never a float.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from liasse.store.tables import Base, id_column, now_column, workspace_column


class BankAccountRow(Base):
    """One bank account seen through a connection, and where its transaction sync stands."""

    __tablename__ = "bank_accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "remote_id"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    remote_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    iban: Mapped[str] = mapped_column(String(34))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # The upper bound of the last completed poll; the next poll starts an overlap before it.
    cursor: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = now_column()
    updated_at: Mapped[datetime] = now_column()


class BankTransactionRow(Base):
    """One bank line as last seen at the bank (an edit or a settlement replaces it)."""

    __tablename__ = "bank_transactions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "remote_id"),
        # Matching looks up candidates by amount in cents and by date, never by scanning.
        Index("ix_bank_transactions_workspace_amount", "workspace_id", "amount_minor"),
        Index("ix_bank_transactions_workspace_settled", "workspace_id", "settled_at"),
        Index("ix_bank_transactions_workspace_account_status", "workspace_id",
              "bank_account_remote_id", "status"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column(indexed=False)
    connection_id: Mapped[str] = mapped_column(ForeignKey("connections.id"), index=True)
    remote_id: Mapped[str] = mapped_column(String(64))
    bank_account_remote_id: Mapped[str] = mapped_column(String(64))
    # pending · declined · completed
    status: Mapped[str] = mapped_column(String(16))
    # debit · credit; amounts are positive, the side says the direction
    side: Mapped[str] = mapped_column(String(8))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    local_amount_minor: Mapped[int] = mapped_column(BigInteger)
    local_currency: Mapped[str] = mapped_column(String(3))
    counterparty_name: Mapped[str] = mapped_column(String(300), default="")
    label: Mapped[str] = mapped_column(String(300), default="")
    reference: Mapped[str] = mapped_column(Text, default="")
    counterparty_iban: Mapped[str | None] = mapped_column(String(34), default=None)
    operation_type: Mapped[str] = mapped_column(String(32), default="")
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
    emitted_at: Mapped[datetime]
    # The bank's own last-change time (what the sync window filters on).
    updated_at: Mapped[datetime]
    attachment_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept beside the JSON list: "has a receipt" is then one portable comparison.
    attachment_count: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    # The bank's JSON object when the caller had it; kept for audit and re-mapping.
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Set by the matcher once the line is linked to its documents; None means unmatched.
    matched_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = now_column()
    synced_at: Mapped[datetime] = now_column()
