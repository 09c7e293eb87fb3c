"""Export the receipts attached to bank transactions into a cloud folder, as Qonto's own
integration does, once a day, without ever writing the same file twice.

The service reads from a `ReceiptSource` (Qonto) and writes to a `ReceiptSink` (Dropbox);
the integrator adapts the real clients to these two Protocols. Every attachment becomes a
row: its intent (path and content hash) is committed before the write, its outcome after,
so a crash in between is recognised on the next run by the file already sitting at the
path with the same hash. Folders are tracked by id: one the user renames is followed, one
the user deletes is respected until `reset()`. Failures stay on their row and are retried
by the next run; an auth failure (`NeedsReconnect`) stops the run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from liasse.connectors.dropbox.content_hash import content_hash
from liasse.domain.errors import NeedsReconnect, RejectedData, StepFailure
from liasse.domain.transactions import BankTransaction
from liasse.store.receipts_repo import (
    ExportSettings,
    ExportState,
    PlannedFile,
    ReceiptIdentity,
    ReceiptRecord,
    ReceiptsRepoScope,
    WrittenFile,
)
from liasse.sync import receipts_plan as plan
from liasse.sync.pipeline import utc_now

__all__ = [
    "Attachment",
    "BankAccountInfo",
    "ExportReport",
    "ExportSettings",
    "ReceiptExporter",
    "ReceiptSink",
    "ReceiptSource",
    "RemoteFile",
]

MESSAGES = {
    "not_configured": "The receipts export is not set up for this connection.",
    "no_free_name": "No free file name for this receipt in {folder}.",
    "bad_mode": "Filing mode must be one of {modes}, not {mode!r}.",
    "listing_failed": "Could not list the transactions of account {account}: {error}",
    "folder_failed": "Could not create the folder of account {account}: {error}",
}


# --- the two plug points ---------------------------------------------------------------------


@dataclass(frozen=True)
class BankAccountInfo:
    id: str
    name: str
    iban: str
    currency: str


@dataclass(frozen=True)
class Attachment:
    file_name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class RemoteFile:
    id: str
    rev: str
    content_hash: str


@runtime_checkable
class ReceiptSource(Protocol):
    """The bank side (Qonto). Errors are raised as `liasse.domain.errors.StepFailure`s."""

    def bank_accounts(self) -> Sequence[BankAccountInfo]: ...

    def transactions_with_attachments(self, bank_account_id: str, since: datetime
                                      ) -> Iterable[BankTransaction]:
        """Transactions booked at or after `since` that have at least one attachment."""
        ...

    def download_attachment(self, attachment_id: str) -> Attachment: ...


@runtime_checkable
class ReceiptSink(Protocol):
    """The cloud folder (Dropbox). Paths compare case-insensitively, as Dropbox's do."""

    def folder_id(self, path: str) -> str | None:
        """The id of the folder at `path`, None if there is none."""
        ...

    def path_of_folder(self, folder_id: str) -> str | None:
        """Where the folder is now (it may have been renamed); None once deleted."""
        ...

    def create_folder(self, path: str) -> str:
        """Create the folder (and its parents) and return its id."""
        ...

    def file_at(self, path: str) -> RemoteFile | None: ...

    def write(self, path: str, content: bytes) -> RemoteFile:
        """Upload a new file (mode add, no autorename): a file already there is an error."""
        ...


# --- the report ------------------------------------------------------------------------------


class Outcome(enum.Enum):
    EXPORTED = "exported"
    RE_EXPORTED = "re_exported"
    SKIPPED_EXISTING = "skipped_existing"
    SKIPPED_DELETED_FOLDER = "skipped_deleted_folder"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass
class ExportReport:
    """What one run did. `exported + re_exported` is the number of files written."""

    exported: int = 0
    re_exported: int = 0
    skipped_existing: int = 0  # found already written with the same content: recorded only
    skipped_deleted_folder: int = 0
    unchanged: int = 0
    failed: int = 0
    folders_created: int = 0
    disabled: bool = False
    stopped: str | None = None  # why the run stopped early (an auth failure)
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        name = outcome.value
        setattr(self, name, getattr(self, name) + 1)


def no_ledger_account(transaction_id: str) -> str | None:
    return None


# --- the service -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ports:
    """What a run works with, handed from the service to each run."""

    repos: ReceiptsRepoScope
    source: ReceiptSource
    sink: ReceiptSink
    clock: Callable[[], datetime]
    account_lookup: Callable[[str], str | None]


class ReceiptExporter:
    """Configure, run, reset and disconnect the receipts export of one workspace.

    `repos` opens one committed transaction per call (`receipts_repo_scope(...)`): the
    service commits between side effects, which a single long session could not do.
    `account_lookup` gives the ledger account of a transaction id for `by_account` filing.
    """

    def __init__(self, repos: ReceiptsRepoScope, source: ReceiptSource, sink: ReceiptSink,
                 clock: Callable[[], datetime] = utc_now,
                 account_lookup: Callable[[str], str | None] = no_ledger_account) -> None:
        self._repos = repos
        self._clock = clock
        self._ports = _Ports(repos, source, sink, clock, account_lookup)

    def configure(self, connection_id: str, settings: ExportSettings) -> ExportState:
        """Save (and enable) the export; the first run exports from `settings.start_date`."""
        settings = validated_settings(settings)
        with self._repos() as repo:
            return repo.save_settings(connection_id, settings)

    def state(self, connection_id: str) -> ExportState | None:
        with self._repos() as repo:
            return repo.export_state(connection_id)

    def receipts(self, connection_id: str) -> Sequence[ReceiptRecord]:
        """Every receipt row of the current generation, for status pages and tests."""
        state = self._require_state(connection_id)
        with self._repos() as repo:
            return repo.receipts(state.id, state.generation)

    def disconnect(self, connection_id: str) -> None:
        """Stop exporting; files already exported stay where they are."""
        with self._repos() as repo:
            repo.set_enabled(connection_id, False)

    def reset(self, connection_id: str) -> int:
        """Start a new generation: deleted folders are recreated and everything is exported
        again (files still in place are recognised by hash, not written twice)."""
        with self._repos() as repo:
            return repo.next_generation(connection_id)

    def run(self, connection_id: str) -> ExportReport:
        """One export run; does nothing if the export is disconnected or not set up."""
        state = self.state(connection_id)
        report = ExportReport()
        if state is None or not state.enabled:
            report.disabled = True
            return report
        export_run = _ExportRun(self._ports, state, report)
        try:
            export_run.export_all_accounts()
        except NeedsReconnect as exc:
            report.stopped = str(exc)
        self._record_run(state, report)
        return report

    def _record_run(self, state: ExportState, report: ExportReport) -> None:
        now = self._clock()
        settings = state.settings
        error = report.stopped or ("; ".join(report.errors) if report.errors else None)
        with self._repos() as repo:
            repo.record_run(state.connection_id, now,
                            plan.next_run_after(now, settings.schedule_time, settings.timezone),
                            error)

    def _require_state(self, connection_id: str) -> ExportState:
        state = self.state(connection_id)
        if state is None:
            raise LookupError(MESSAGES["not_configured"])
        return state


def validated_settings(settings: ExportSettings) -> ExportSettings:
    """Refuse a bad mode, time or zone before saving; normalise the root path."""
    if settings.filing_mode not in plan.FILING_MODES:
        raise ValueError(MESSAGES["bad_mode"].format(modes=", ".join(plan.FILING_MODES),
                                                     mode=settings.filing_mode))
    plan.parse_schedule_time(settings.schedule_time)
    plan.parse_timezone(settings.timezone)
    return ExportSettings(
        start_date=settings.start_date, filing_mode=settings.filing_mode,
        schedule_time=settings.schedule_time.strip(), timezone=settings.timezone,
        root_path=plan.normalise_root_path(settings.root_path),
    )


@dataclass(frozen=True)
class _Receipt:
    """One attachment to export, with everything known about it before any I/O."""

    transaction: BankTransaction
    account: BankAccountInfo
    identity: ReceiptIdentity


class _DeletedFolder(Exception):
    """The folder the receipt belongs in was deleted by the user: respect it."""


class _ExportRun:
    """The work of one run: folder resolution cached for the run, then each receipt."""

    def __init__(self, ports: _Ports, state: ExportState, report: ExportReport) -> None:
        self._repos = ports.repos
        self._source = ports.source
        self._sink = ports.sink
        self._clock = ports.clock
        self._account_lookup = ports.account_lookup
        self._state = state
        self._report = report
        self._zone = ZoneInfo(state.settings.timezone)
        self._folder_paths: dict[str, str | None] = {}
        self._folder_failures: dict[str, StepFailure] = {}
        self._account_names: dict[str, str] = {}

    # --- accounts and transactions ---------------------------------------------------------

    def export_all_accounts(self) -> None:
        accounts = list(self._source.bank_accounts())
        self._account_names = plan.account_folder_names(
            [(account.id, account.name, account.iban) for account in accounts])
        for account in accounts:
            if not self._still_enabled():
                self._report.disabled = True
                return
            self._export_account(account)

    def _still_enabled(self) -> bool:
        with self._repos() as repo:
            state = repo.export_state(self._state.connection_id)
        return state is not None and state.enabled and state.generation == self._state.generation

    def _export_account(self, account: BankAccountInfo) -> None:
        # Even an account without receipts gets its folder, so a new account shows up.
        try:
            self._account_folder(account)
        except _DeletedFolder:
            pass
        except NeedsReconnect:
            raise
        except StepFailure as exc:
            self._report.errors.append(
                MESSAGES["folder_failed"].format(account=account.name, error=exc))
        try:
            for transaction in self._transactions(account):
                self._export_transaction(account, transaction)
        except NeedsReconnect:
            raise
        except StepFailure as exc:
            self._report.errors.append(
                MESSAGES["listing_failed"].format(account=account.name, error=exc))

    def _transactions(self, account: BankAccountInfo) -> Iterable[BankTransaction]:
        start: date = self._state.settings.start_date
        since = datetime.combine(start, datetime.min.time(), tzinfo=self._zone)
        for transaction in self._source.transactions_with_attachments(account.id, since):
            # The source's filter is not trusted alone: the start date is a promise.
            if plan.receipt_day(transaction, self._zone) >= start:
                yield transaction

    def _export_transaction(self, account: BankAccountInfo,
                            transaction: BankTransaction) -> None:
        for attachment_id in transaction.attachment_ids:
            identity = ReceiptIdentity(
                export_id=self._state.id, generation=self._state.generation,
                attachment_id=attachment_id, transaction_id=transaction.id,
                bank_account_id=account.id,
                idempotency_key=plan.receipt_key(
                    self._state.workspace_id, self._state.connection_id, attachment_id,
                    self._state.generation),
            )
            self._report.count(self._export_receipt(_Receipt(transaction, account, identity)))

    # --- one receipt -----------------------------------------------------------------------

    def _export_receipt(self, receipt: _Receipt) -> Outcome:
        with self._repos() as repo:
            known = repo.receipt(self._state.id, self._state.generation,
                                 receipt.identity.attachment_id)
        try:
            return self._place(receipt, known)
        except _DeletedFolder:
            with self._repos() as repo:
                repo.record_folder_deleted(receipt.identity)
            return Outcome.SKIPPED_DELETED_FOLDER
        except NeedsReconnect:
            raise
        except StepFailure as exc:
            with self._repos() as repo:
                repo.record_failure(receipt.identity, str(exc) or type(exc).__name__)
            return Outcome.FAILED

    def _place(self, receipt: _Receipt, known: ReceiptRecord | None) -> Outcome:
        if known is not None and known.status == "exported" and known.folder_key:
            folder_path = self._known_group_folder(receipt.account, known.folder_key)
            assert known.file_name is not None
            path = plan.join_path(folder_path, known.file_name)
            if self._sink.file_at(path) is not None:
                if path != known.path:
                    with self._repos() as repo:
                        repo.record_path(receipt.identity, path)
                return Outcome.UNCHANGED
            # The user deleted the file (not its folder): export it again.
            return self._write(receipt, known, known.folder_key, folder_path, again=True)
        group = plan.group_folder_name(receipt.transaction, self._state.settings.filing_mode,
                                       self._zone, self._ledger_account(receipt))
        folder_key = plan.group_key(receipt.account.id, group)
        folder_path = self._group_folder(receipt.account, folder_key, group)
        return self._write(receipt, known, folder_key, folder_path, again=False)

    def _ledger_account(self, receipt: _Receipt) -> str | None:
        if self._state.settings.filing_mode != "by_account":
            return None
        return self._account_lookup(receipt.transaction.id)

    def _write(self, receipt: _Receipt, known: ReceiptRecord | None, folder_key: str,
               folder_path: str, *, again: bool) -> Outcome:
        attachment = self._source.download_attachment(receipt.identity.attachment_id)
        content = plan.link_to_transaction(attachment.content, attachment.content_type,
                                           receipt.transaction.id,
                                           receipt.identity.attachment_id)
        digest = content_hash(content)
        preferred = (known.file_name if known is not None and known.file_name else
                     plan.receipt_file_name(receipt.transaction, plan.file_extension(
                         attachment.file_name, attachment.content_type), self._zone))
        accepted = {digest} | ({known.content_hash} if known and known.content_hash else set())
        name, remote = self._free_name(receipt, folder_key, folder_path, preferred, accepted)
        path = plan.join_path(folder_path, name)
        with self._repos() as repo:
            repo.record_intent(receipt.identity, PlannedFile(folder_key, name, path, digest))
        outcome = Outcome.RE_EXPORTED if again else Outcome.EXPORTED
        if remote is None:
            remote = self._sink.write(path, content)
        else:
            outcome = Outcome.SKIPPED_EXISTING  # an earlier, interrupted run wrote it
        with self._repos() as repo:
            repo.record_exported(receipt.identity, WrittenFile(
                path=path, file_id=remote.id, rev=remote.rev, content_hash=remote.content_hash,
            ), self._clock())
        return outcome

    def _free_name(self, receipt: _Receipt, folder_key: str, folder_path: str,
                   preferred: str, accepted_hashes: set[str]
                   ) -> tuple[str, RemoteFile | None]:
        """The first candidate name that no other receipt holds and that is either free in
        the folder or already holds this very content (then it is not written again)."""
        with self._repos() as repo:
            taken = repo.file_names_in_folder(self._state.id, self._state.generation,
                                              folder_key, receipt.identity.attachment_id)
        for name in plan.name_candidates(preferred, receipt.identity.attachment_id):
            if name.casefold() in taken:
                continue
            remote = self._sink.file_at(plan.join_path(folder_path, name))
            if remote is None or remote.content_hash in accepted_hashes:
                return name, remote
        raise RejectedData(MESSAGES["no_free_name"].format(folder=folder_path))

    # --- folders ---------------------------------------------------------------------------

    def _root_folder(self) -> str:
        root = self._state.settings.root_path
        return self._folder(plan.ROOT_KEY, lambda: root, None)

    def _account_folder(self, account: BankAccountInfo) -> str:
        def wanted() -> str:
            return plan.join_path(self._root_folder(), self._account_names[account.id])
        return self._folder(plan.account_key(account.id), wanted, account.id)

    def _group_folder(self, account: BankAccountInfo, key: str, group: str) -> str:
        def wanted() -> str:
            return plan.join_path(self._account_folder(account), group)
        return self._folder(key, wanted, account.id)

    def _known_group_folder(self, account: BankAccountInfo, key: str) -> str:
        """The folder of an exported receipt; its name is remembered by the folder row."""
        def wanted() -> str:
            with self._repos() as repo:
                record = repo.folder(self._state.id, self._state.generation, key)
            group = record.path.rsplit("/", 1)[-1] if record else plan.UNASSIGNED
            return plan.join_path(self._account_folder(account), group)
        return self._folder(key, wanted, account.id)

    def _folder(self, key: str, wanted_path: Callable[[], str],
                bank_account_id: str | None) -> str:
        """The folder's current path, created if the export never made it; `_DeletedFolder`
        if the user deleted it. The answer (or the failure) holds for the whole run."""
        if key in self._folder_failures:
            raise self._folder_failures[key]
        if key not in self._folder_paths:
            try:
                self._folder_paths[key] = self._resolve_folder(key, wanted_path,
                                                               bank_account_id)
            except NeedsReconnect:
                raise
            except StepFailure as exc:
                self._folder_failures[key] = exc
                raise
        path = self._folder_paths[key]
        if path is None:
            raise _DeletedFolder(key)
        return path

    def _resolve_folder(self, key: str, wanted_path: Callable[[], str],
                        bank_account_id: str | None) -> str | None:
        with self._repos() as repo:
            known = repo.folder(self._state.id, self._state.generation, key)
        if known is not None:
            return self._follow_folder(known.id, known.folder_id, known.deleted)
        path = wanted_path()
        # A crash after create_folder but before recording it leaves the folder there.
        folder_id = self._sink.folder_id(path)
        if folder_id is None:
            folder_id = self._sink.create_folder(path)
            self._report.folders_created += 1
        with self._repos() as repo:
            repo.record_folder(self._state.id, self._state.generation, key, path, folder_id,
                               bank_account_id)
        return path

    def _follow_folder(self, record_id: str, folder_id: str, deleted: bool) -> str | None:
        if deleted:
            return None
        current = self._sink.path_of_folder(folder_id)
        if current is None:
            with self._repos() as repo:
                repo.mark_folder_deleted(record_id)
        return current

