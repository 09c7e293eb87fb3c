"""Bring a Qonto connection's bank accounts and transactions into the store.

`sync_bank` reads the organization (so a new bank account is picked up on its own), upserts
the accounts, then polls each account with the connector's `TransactionSync` and its
overlap window. `StoreTransactionSink` is that sync's sink on `BankRepo`: each page of
transactions commits in its own transaction and the cursor commits after them, so a crash
in between only makes the next poll read those lines again.

Failures are translated at this boundary into `liasse.domain.errors`: a refused credential
(`NeedsReconnect`) stops the whole sync; a transient or rejected failure on one account is
recorded in the report and the other accounts are still polled. What each finished page
wrote stays written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from liasse.connectors.qonto import errors as qonto_errors
from liasse.connectors.qonto.client import QontoClient
from liasse.connectors.qonto.mapping import Organization
from liasse.connectors.qonto.sync import DEFAULT_OVERLAP, SyncReport, TransactionSync
from liasse.domain import errors as step_errors
from liasse.domain.transactions import BankTransaction
from liasse.store.bank_repo import BankRepo
from liasse.sync.pipeline import utc_now

MESSAGES = {
    "account_failed": "bank account {account}: {error}",
}


def to_step_failure(error: qonto_errors.QontoError,
                    connection_id: str | None = None) -> step_errors.StepFailure:
    """The pipeline's failure for a Qonto connector failure (raise it `from` the original)."""
    if isinstance(error, qonto_errors.NeedsReconnect):
        return step_errors.NeedsReconnect(str(error), connection_id)
    if isinstance(error, qonto_errors.Rejected):
        return step_errors.RejectedData(str(error))
    return step_errors.TransientFailure(str(error))


class StoreTransactionSink:
    """The connector's `TransactionSink` on the store: one commit per call."""

    def __init__(self, sessions: sessionmaker[Session], workspace_id: str,
                 connection_id: str) -> None:
        self._sessions = sessions
        self._workspace_id = workspace_id
        self._connection_id = connection_id
        self.inserted = 0
        self.updated = 0

    def upsert(self, transactions: Sequence[BankTransaction]) -> None:
        if not transactions:
            return
        with self._sessions.begin() as session:
            counts = BankRepo(session, self._workspace_id).upsert_transactions(
                self._connection_id, transactions)
        self.inserted += counts.inserted
        self.updated += counts.updated

    def load_cursor(self, bank_account_id: str) -> datetime | None:
        with self._sessions.begin() as session:
            return BankRepo(session, self._workspace_id).load_cursor(bank_account_id)

    def save_cursor(self, bank_account_id: str, cursor: datetime) -> None:
        with self._sessions.begin() as session:
            BankRepo(session, self._workspace_id).save_cursor(bank_account_id, cursor)


@dataclass(frozen=True)
class AccountSync:
    """What one account's poll did."""

    bank_account_id: str
    name: str
    report: SyncReport


@dataclass
class BankSyncReport:
    """What one `sync_bank` did; `failures` holds the accounts that could not be polled."""

    accounts: int = 0
    new_accounts: list[str] = field(default_factory=list)
    polled: list[AccountSync] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def seen(self) -> int:
        return sum(account.report.seen for account in self.polled)


@dataclass(frozen=True)
class BankSyncOptions:
    """How polls run: the overlap re-read each time, and where a first poll starts."""

    clock: Callable[[], datetime] = utc_now
    overlap: timedelta = DEFAULT_OVERLAP
    initial_since: datetime | None = None


def sync_bank(sessions: sessionmaker[Session], workspace_id: str, connection_id: str,
              client: QontoClient, options: BankSyncOptions | None = None) -> BankSyncReport:
    """Organization → accounts upserted → every account polled into the store."""
    options = options or BankSyncOptions()
    report = BankSyncReport()
    organization = _organization(client, connection_id)
    _store_accounts(sessions, workspace_id, connection_id, organization, report)
    sink = StoreTransactionSink(sessions, workspace_id, connection_id)
    for account in organization.bank_accounts:
        _poll_account(client, account.id, account.name, sink, options, connection_id, report)
    report.inserted, report.updated = sink.inserted, sink.updated
    return report


def _organization(client: QontoClient, connection_id: str) -> Organization:
    try:
        return client.organization()
    except qonto_errors.QontoError as exc:
        raise to_step_failure(exc, connection_id) from exc


def _store_accounts(sessions: sessionmaker[Session], workspace_id: str, connection_id: str,
                    organization: Organization, report: BankSyncReport) -> None:
    with sessions.begin() as session:
        repo = BankRepo(session, workspace_id)
        for account in organization.bank_accounts:
            upsert = repo.upsert_account(connection_id, account.id, name=account.name,
                                         iban=account.iban, currency=account.balance.currency,
                                         status=account.status)
            if upsert.created:
                report.new_accounts.append(account.id)
        repo.mark_accounts_missing(connection_id, [a.id for a in organization.bank_accounts])
    report.accounts = len(organization.bank_accounts)


def _poll_account(client: QontoClient, account_id: str, name: str, sink: StoreTransactionSink,
                  options: BankSyncOptions, connection_id: str,
                  report: BankSyncReport) -> None:
    poll = TransactionSync(client, account_id, sink, clock=options.clock,
                           overlap=options.overlap, initial_since=options.initial_since)
    try:
        report.polled.append(AccountSync(account_id, name, poll.poll()))
    except qonto_errors.NeedsReconnect as exc:
        raise to_step_failure(exc, connection_id) from exc
    except qonto_errors.QontoError as exc:
        report.failures.append(MESSAGES["account_failed"].format(account=name, error=exc))
