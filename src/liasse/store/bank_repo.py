"""Every query on a workspace's bank accounts and transactions, and nothing else.

`BankRepo` is bound to one workspace at construction, like the others: none of its
methods takes a workspace or can reach another workspace's rows (proved method by method
in `tests/store/test_bank_isolation.py`). Bank accounts and transactions are addressed by
the bank's own ids (`remote_id`); reads give back `domain.transactions.BankTransaction`s,
so the matcher never sees a row. The repository flushes; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction, Side, TransactionStatus
from liasse.store.repo import NotFound
from liasse.store.tables import Connection, utcnow
from liasse.store.tables_bank import BankAccountRow, BankTransactionRow

# Kept under every backend's limit on bound parameters.
_LOOKUP_CHUNK = 500
SETTLED: tuple[TransactionStatus, ...] = ("completed",)
_SIDES: dict[str, Side] = {"debit": "debit", "credit": "credit"}
_STATUSES: dict[str, TransactionStatus] = {
    "pending": "pending", "declined": "declined", "completed": "completed"}


@dataclass(frozen=True)
class BankAccountRecord:
    """A bank account as the store knows it; `id` is the bank's id."""

    id: str
    connection_id: str
    name: str
    iban: str
    currency: str
    status: str
    cursor: datetime | None


@dataclass(frozen=True)
class AccountUpsert:
    record: BankAccountRecord
    created: bool


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int
    unchanged: int  # already stored with the same or a later `updated_at`


class BankRepo:
    """All reads and writes of one workspace's bank accounts and transactions."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    # --- accounts ------------------------------------------------------------------------

    def upsert_account(self, connection_id: str, remote_id: str, *, name: str, iban: str,
                       currency: str, status: str = "active") -> AccountUpsert:
        """Insert or refresh an account; its cursor is never touched here."""
        self._require_connection(connection_id)
        row = self._account_row(remote_id)
        created = row is None
        if row is None:
            row = BankAccountRow(workspace_id=self.workspace_id, connection_id=connection_id,
                                 remote_id=remote_id)
            self.session.add(row)
        row.name, row.iban, row.currency, row.status = name, iban, currency, status
        row.updated_at = utcnow()
        self.session.flush()
        return AccountUpsert(_account(row), created)

    def accounts(self, connection_id: str | None = None) -> list[BankAccountRecord]:
        query = select(BankAccountRow).where(BankAccountRow.workspace_id == self.workspace_id)
        if connection_id is not None:
            query = query.where(BankAccountRow.connection_id == connection_id)
        return [_account(row) for row in self.session.scalars(
            query.order_by(BankAccountRow.created_at, BankAccountRow.remote_id))]

    def account(self, remote_id: str) -> BankAccountRecord:
        return _account(self._require_account(remote_id))

    def mark_accounts_missing(self, connection_id: str, present: Collection[str]) -> int:
        """Accounts of the connection the bank no longer lists: kept, marked `missing`."""
        result = self.session.execute(
            update(BankAccountRow)
            .where(BankAccountRow.workspace_id == self.workspace_id,
                   BankAccountRow.connection_id == connection_id,
                   BankAccountRow.remote_id.not_in(list(present)),
                   BankAccountRow.status != "missing")
            .values(status="missing", updated_at=utcnow()))
        return int(getattr(result, "rowcount", 0) or 0)

    def load_cursor(self, bank_account_id: str) -> datetime | None:
        return self._require_account(bank_account_id).cursor

    def save_cursor(self, bank_account_id: str, cursor: datetime) -> None:
        row = self._require_account(bank_account_id)
        row.cursor = cursor
        row.updated_at = utcnow()
        self.session.flush()

    # --- transactions: writes ------------------------------------------------------------

    def upsert_transactions(self, connection_id: str, transactions: Sequence[BankTransaction],
                            raw: Mapping[str, dict[str, Any]] | None = None) -> UpsertCounts:
        """Insert or replace by the bank's id; an older copy never overwrites a newer one."""
        self._require_connection(connection_id)
        latest = _latest_by_id(transactions)
        existing = self._transaction_rows(list(latest))
        inserted = updated = unchanged = 0
        for remote_id, transaction in latest.items():
            row = existing.get(remote_id)
            if row is not None and row.updated_at > transaction.updated_at:
                unchanged += 1
                continue
            if row is None:
                row = BankTransactionRow(workspace_id=self.workspace_id, remote_id=remote_id)
                self.session.add(row)
                inserted += 1
            else:
                updated += 1
            _fill(row, connection_id, transaction, (raw or {}).get(remote_id))
        self.session.flush()
        return UpsertCounts(inserted, updated, unchanged)

    def mark_matched(self, remote_ids: Collection[str], at: datetime | None) -> int:
        """Set (or clear, with None) the matched time of these lines."""
        result = self.session.execute(
            update(BankTransactionRow)
            .where(BankTransactionRow.workspace_id == self.workspace_id,
                   BankTransactionRow.remote_id.in_(list(remote_ids)))
            .values(matched_at=at))
        return int(getattr(result, "rowcount", 0) or 0)

    # --- transactions: reads -------------------------------------------------------------

    def transaction(self, remote_id: str) -> BankTransaction:
        row = self._transaction_rows([remote_id]).get(remote_id)
        if row is None:
            raise NotFound(f"bank transaction {remote_id}")
        return _transaction(row)

    def transactions(self, *, bank_account_id: str | None = None,
                     statuses: Collection[TransactionStatus] | None = None
                     ) -> list[BankTransaction]:
        """Every stored line, oldest booking first (status pages, tests, exports)."""
        conditions: list[ColumnElement[bool]] = []
        if bank_account_id is not None:
            conditions.append(BankTransactionRow.bank_account_remote_id == bank_account_id)
        if statuses is not None:
            conditions.append(BankTransactionRow.status.in_(list(statuses)))
        return self._select(conditions)

    def count_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(BankTransactionRow.status, func.count())
            .where(BankTransactionRow.workspace_id == self.workspace_id)
            .group_by(BankTransactionRow.status))
        return {status: int(count) for status, count in rows}

    def transactions_by_amount(self, low_minor: int, high_minor: int, *, since: datetime,
                               until: datetime, side: Side | None = "debit",
                               statuses: Collection[TransactionStatus] = SETTLED
                               ) -> list[BankTransaction]:
        """Candidates for a document: amount (account currency, minor units, both bounds
        included) in range and booked in [since, until]. Uses the amount index."""
        conditions = [BankTransactionRow.amount_minor.between(low_minor, high_minor),
                      BankTransactionRow.status.in_(list(statuses)),
                      _booked_between(since, until)]
        if side is not None:
            conditions.append(BankTransactionRow.side == side)
        return self._select(conditions)

    def transactions_booked_between(self, since: datetime, until: datetime, *,
                                    side: Side | None = None,
                                    statuses: Collection[TransactionStatus] = SETTLED
                                    ) -> list[BankTransaction]:
        """Every line booked in [since, until], e.g. a window of days for matching."""
        conditions = [BankTransactionRow.status.in_(list(statuses)),
                      _booked_between(since, until)]
        if side is not None:
            conditions.append(BankTransactionRow.side == side)
        return self._select(conditions)

    def unmatched_debits(self, *, since: datetime | None = None) -> list[BankTransaction]:
        """Settled money going out that no document explains yet."""
        conditions = [BankTransactionRow.side == "debit",
                      BankTransactionRow.status == "completed",
                      BankTransactionRow.matched_at.is_(None)]
        if since is not None:
            conditions.append(_booked_since(since))
        return self._select(conditions)

    def transactions_with_attachments(self, bank_account_id: str, since: datetime
                                      ) -> list[BankTransaction]:
        """Lines of the account with at least one receipt, booked at or after `since`
        (pending ones included: a receipt can be attached before settlement)."""
        return self._select([BankTransactionRow.bank_account_remote_id == bank_account_id,
                             BankTransactionRow.attachment_count > 0,
                             BankTransactionRow.status != "declined",
                             _booked_since(since)])

    # --- helpers -------------------------------------------------------------------------

    def _select(self, conditions: Sequence[ColumnElement[bool]]) -> list[BankTransaction]:
        query = (select(BankTransactionRow)
                 .where(BankTransactionRow.workspace_id == self.workspace_id, *conditions)
                 .order_by(func.coalesce(BankTransactionRow.settled_at,
                                         BankTransactionRow.emitted_at),
                           BankTransactionRow.remote_id))
        return [_transaction(row) for row in self.session.scalars(query)]

    def _transaction_rows(self, remote_ids: Sequence[str]) -> dict[str, BankTransactionRow]:
        found: dict[str, BankTransactionRow] = {}
        for start in range(0, len(remote_ids), _LOOKUP_CHUNK):
            chunk = remote_ids[start:start + _LOOKUP_CHUNK]
            found.update((row.remote_id, row) for row in self.session.scalars(
                select(BankTransactionRow).where(
                    BankTransactionRow.workspace_id == self.workspace_id,
                    BankTransactionRow.remote_id.in_(chunk))))
        return found

    def _account_row(self, remote_id: str) -> BankAccountRow | None:
        return self.session.scalars(select(BankAccountRow).where(
            BankAccountRow.workspace_id == self.workspace_id,
            BankAccountRow.remote_id == remote_id)).first()

    def _require_account(self, remote_id: str) -> BankAccountRow:
        row = self._account_row(remote_id)
        if row is None:
            raise NotFound(f"bank account {remote_id}")
        return row

    def _require_connection(self, connection_id: str) -> None:
        found = self.session.scalars(select(Connection.id).where(
            Connection.workspace_id == self.workspace_id,
            Connection.id == connection_id)).first()
        if found is None:
            raise NotFound(f"connection {connection_id}")


def _booked_since(since: datetime) -> ColumnElement[bool]:
    # Written as an OR rather than COALESCE so the settled_at index stays usable.
    return or_(BankTransactionRow.settled_at >= since,
               and_(BankTransactionRow.settled_at.is_(None),
                    BankTransactionRow.emitted_at >= since))


def _booked_between(since: datetime, until: datetime) -> ColumnElement[bool]:
    return or_(BankTransactionRow.settled_at.between(since, until),
               and_(BankTransactionRow.settled_at.is_(None),
                    BankTransactionRow.emitted_at.between(since, until)))


def _latest_by_id(transactions: Sequence[BankTransaction]) -> dict[str, BankTransaction]:
    latest: dict[str, BankTransaction] = {}
    for transaction in transactions:
        known = latest.get(transaction.id)
        if known is None or transaction.updated_at >= known.updated_at:
            latest[transaction.id] = transaction
    return latest


def _fill(row: BankTransactionRow, connection_id: str, transaction: BankTransaction,
          raw: dict[str, Any] | None) -> None:
    row.connection_id = connection_id
    row.bank_account_remote_id = transaction.bank_account_id
    row.status = transaction.status
    row.side = transaction.side
    row.amount_minor = transaction.amount.minor
    row.currency = transaction.amount.currency
    row.local_amount_minor = transaction.local_amount.minor
    row.local_currency = transaction.local_amount.currency
    row.counterparty_name = transaction.counterparty_name
    row.label = transaction.label
    row.reference = transaction.reference
    row.counterparty_iban = transaction.counterparty_iban
    row.operation_type = transaction.operation_type
    row.settled_at = transaction.settled_at
    row.emitted_at = transaction.emitted_at
    row.updated_at = transaction.updated_at
    row.attachment_ids = list(transaction.attachment_ids)
    row.attachment_count = len(transaction.attachment_ids)
    row.note = transaction.note
    if raw is not None:
        row.raw = raw
    row.synced_at = utcnow()


def _account(row: BankAccountRow) -> BankAccountRecord:
    return BankAccountRecord(id=row.remote_id, connection_id=row.connection_id, name=row.name,
                             iban=row.iban, currency=row.currency, status=row.status,
                             cursor=row.cursor)


def _transaction(row: BankTransactionRow) -> BankTransaction:
    return BankTransaction(
        id=row.remote_id, bank_account_id=row.bank_account_remote_id, side=_SIDES[row.side],
        status=_STATUSES[row.status], amount=Money(row.amount_minor, row.currency),
        local_amount=Money(row.local_amount_minor, row.local_currency),
        operation_type=row.operation_type, counterparty_name=row.counterparty_name,
        label=row.label, reference=row.reference, counterparty_iban=row.counterparty_iban,
        settled_at=row.settled_at, emitted_at=row.emitted_at, updated_at=row.updated_at,
        attachment_ids=tuple(row.attachment_ids or ()), note=row.note,
    )
