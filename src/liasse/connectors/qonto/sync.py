"""Keeping liasse's copy of a bank account's transactions up to date, without losing any.

Each poll asks for everything *updated* in a window [cursor − overlap, poll start], all
statuses, oldest change first, and upserts by transaction id. Filtering on `updated_at`
sees new lines, late settlements (pending → completed) and edits alike; filtering on
`settled_at` would miss pending ones. The overlap absorbs clock skew and late indexing at
Qonto, and the window has no notion of calendar years, so nothing at a year boundary can
fall between two polls. If a line changes while the poll pages through the window it
leaves the window (its `updated_at` moves past the upper bound), the total count drops,
and the poll starts over so that no line slips between two pages.

The sink commits rows first and the cursor after: a crash in between only re-reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from liasse.connectors.qonto.client import QontoClient
from liasse.domain.ports import SyncReport, TransactionSink
from liasse.domain.transactions import BankTransaction

ALL_STATUSES = ("pending", "completed", "declined")
DEFAULT_OVERLAP = timedelta(hours=1)
MAX_RESTARTS = 3


class InMemoryTransactionSink:
    def __init__(self) -> None:
        self.transactions: dict[str, BankTransaction] = {}
        self.cursors: dict[str, datetime] = {}

    def upsert(self, transactions: Sequence[BankTransaction]) -> None:
        for transaction in transactions:
            self.transactions[transaction.id] = transaction

    def load_cursor(self, bank_account_id: str) -> datetime | None:
        return self.cursors.get(bank_account_id)

    def save_cursor(self, bank_account_id: str, cursor: datetime) -> None:
        self.cursors[bank_account_id] = cursor

    def by_status(self, status: str) -> list[BankTransaction]:
        return [t for t in self.transactions.values() if t.status == status]


class TransactionSync:
    """Polls one bank account into a sink."""

    def __init__(self, client: QontoClient, bank_account_id: str, sink: TransactionSink, *,
                 clock: Callable[[], datetime], overlap: timedelta = DEFAULT_OVERLAP,
                 initial_since: datetime | None = None) -> None:
        self._client = client
        self._account = bank_account_id
        self._sink = sink
        self._clock = clock
        self._overlap = overlap
        self._initial_since = initial_since

    def poll(self) -> SyncReport:
        cursor = self._sink.load_cursor(self._account)
        since = cursor - self._overlap if cursor is not None else self._initial_since
        until = self._clock()
        restarts = 0
        while True:
            seen, complete = self._read_window(since, until)
            if complete or restarts >= MAX_RESTARTS:
                break
            restarts += 1
        # After MAX_RESTARTS the cursor still only moves to `until - overlap` next time,
        # and lines updated during the poll carry an `updated_at` after `until`.
        self._sink.save_cursor(self._account, until)
        return SyncReport(len(seen), *_count_statuses(seen), cursor=until, restarts=restarts)

    def _read_window(self, since: datetime | None,
                     until: datetime) -> tuple[dict[str, BankTransaction], bool]:
        seen: dict[str, BankTransaction] = {}
        first_total: int | None = None
        last_total = 0
        for page in self._client.transaction_pages(
                self._account, updated_since=since, updated_until=until, status=ALL_STATUSES,
                sort_by="updated_at:asc"):
            self._sink.upsert(page.transactions)
            seen.update((t.id, t) for t in page.transactions)
            first_total = page.total_count if first_total is None else first_total
            last_total = page.total_count
        return seen, first_total in (None, last_total) and len(seen) >= last_total


def _count_statuses(seen: dict[str, BankTransaction]) -> tuple[int, int, int]:
    statuses = [t.status for t in seen.values()]
    return statuses.count("pending"), statuses.count("completed"), statuses.count("declined")
