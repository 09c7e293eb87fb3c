"""The receipts export's queries, bound to one workspace like the others.

Methods hand back frozen snapshots (`ExportState`, `FolderRecord`, `ReceiptRecord`), not
ORM rows, so the export service can hold them across the short transactions it commits
between side effects. No method takes a workspace or can reach another workspace's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from liasse.store.repo import NotFound
from liasse.store.tables import Connection, utcnow
from liasse.store.tables_receipts import ExportedReceipt, ReceiptExport, ReceiptFolder


@dataclass(frozen=True)
class ExportSettings:
    """What the user picks for an export; validated by the service before it is saved."""

    start_date: date
    filing_mode: str = "by_date"
    schedule_time: str = "23:30"
    timezone: str = "Europe/Paris"
    root_path: str = "/Qonto"


@dataclass(frozen=True)
class ExportState:
    id: str
    workspace_id: str
    connection_id: str
    settings: ExportSettings
    enabled: bool
    generation: int
    last_run_at: datetime | None
    next_run_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class FolderRecord:
    id: str
    key: str
    path: str
    folder_id: str
    deleted: bool


@dataclass(frozen=True)
class ReceiptRecord:
    id: str
    generation: int
    attachment_id: str
    transaction_id: str
    bank_account_id: str
    idempotency_key: str
    status: str
    folder_key: str | None
    file_name: str | None
    path: str | None
    content_hash: str | None
    file_id: str | None
    rev: str | None
    error: str | None
    attempts: int
    exported_at: datetime | None


@dataclass(frozen=True)
class ReceiptIdentity:
    """Which attachment a receipt row is about, in which generation of which export."""

    export_id: str
    generation: int
    attachment_id: str
    transaction_id: str
    bank_account_id: str
    idempotency_key: str


@dataclass(frozen=True)
class PlannedFile:
    folder_key: str
    file_name: str
    path: str
    content_hash: str


@dataclass(frozen=True)
class WrittenFile:
    path: str
    file_id: str
    rev: str
    content_hash: str


def _state(row: ReceiptExport) -> ExportState:
    settings = ExportSettings(
        start_date=row.start_date, filing_mode=row.filing_mode,
        schedule_time=row.schedule_time, timezone=row.timezone, root_path=row.root_path,
    )
    return ExportState(
        id=row.id, workspace_id=row.workspace_id, connection_id=row.connection_id,
        settings=settings, enabled=row.enabled,
        generation=row.generation, last_run_at=row.last_run_at, next_run_at=row.next_run_at,
        last_error=row.last_error,
    )


def _folder(row: ReceiptFolder) -> FolderRecord:
    return FolderRecord(id=row.id, key=row.key, path=row.path, folder_id=row.folder_id,
                        deleted=row.deleted)


def _receipt(row: ExportedReceipt) -> ReceiptRecord:
    return ReceiptRecord(
        id=row.id, generation=row.generation, attachment_id=row.attachment_id,
        transaction_id=row.transaction_id, bank_account_id=row.bank_account_id,
        idempotency_key=row.idempotency_key, status=row.status, folder_key=row.folder_key,
        file_name=row.file_name, path=row.path, content_hash=row.content_hash,
        file_id=row.file_id, rev=row.rev, error=row.error, attempts=row.attempts,
        exported_at=row.exported_at,
    )


class ReceiptsRepo:
    """All reads and writes of one workspace's receipts-export rows."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    # --- export settings and state ---------------------------------------------------------

    def export_state(self, connection_id: str) -> ExportState | None:
        row = self._export_row(connection_id)
        return None if row is None else _state(row)

    def save_settings(self, connection_id: str, settings: ExportSettings, *,
                      planned_run_at: datetime | None = None) -> ExportState:
        """Create the export (enabled) or update its settings and enable it again; a run
        already planned moves to `planned_run_at` (the new schedule's) when given."""
        row = self._export_row(connection_id)
        if row is None:
            self._require_connection(connection_id)
            row = ReceiptExport(workspace_id=self.workspace_id, connection_id=connection_id,
                                start_date=settings.start_date)
            self.session.add(row)
        row.start_date = settings.start_date
        row.filing_mode = settings.filing_mode
        row.schedule_time = settings.schedule_time
        row.timezone = settings.timezone
        row.root_path = settings.root_path
        if planned_run_at is not None and row.next_run_at is not None:
            row.next_run_at = planned_run_at
        row.enabled = True
        row.updated_at = utcnow()
        self.session.flush()
        return _state(row)

    def set_enabled(self, connection_id: str, enabled: bool) -> None:
        row = self._require_export(connection_id)
        row.enabled = enabled
        row.updated_at = utcnow()

    def next_generation(self, connection_id: str) -> int:
        row = self._require_export(connection_id)
        row.generation += 1
        row.updated_at = utcnow()
        return row.generation

    def record_run(self, connection_id: str, at: datetime, next_run_at: datetime,
                   error: str | None) -> None:
        row = self._require_export(connection_id)
        row.last_run_at = at
        row.next_run_at = next_run_at
        row.last_error = error

    def exports_due(self, now: datetime) -> Sequence[ExportState]:
        """Enabled exports that never ran or whose next run time has come."""
        rows = self.session.scalars(
            select(ReceiptExport).where(
                ReceiptExport.workspace_id == self.workspace_id,
                ReceiptExport.enabled.is_(True),
                or_(ReceiptExport.next_run_at.is_(None), ReceiptExport.next_run_at <= now),
            ).order_by(ReceiptExport.created_at)
        ).all()
        return [_state(row) for row in rows]

    # --- folders ---------------------------------------------------------------------------

    def folder(self, export_id: str, generation: int, key: str) -> FolderRecord | None:
        row = self._folder_row(export_id, generation, key)
        return None if row is None else _folder(row)

    def record_folder(self, export_id: str, generation: int, key: str, path: str,
                      folder_id: str, bank_account_id: str | None = None) -> FolderRecord:
        row = ReceiptFolder(workspace_id=self.workspace_id, export_id=export_id,
                            generation=generation, key=key, path=path, folder_id=folder_id,
                            bank_account_id=bank_account_id)
        self.session.add(row)
        self.session.flush()
        return _folder(row)

    def mark_folder_deleted(self, folder_record_id: str) -> None:
        row = self.session.scalars(select(ReceiptFolder).where(
            ReceiptFolder.workspace_id == self.workspace_id, ReceiptFolder.id == folder_record_id,
        )).first()
        if row is None:
            raise NotFound(f"receipt folder {folder_record_id}")
        row.deleted = True

    # --- exported receipts -----------------------------------------------------------------

    def receipt(self, export_id: str, generation: int, attachment_id: str
                ) -> ReceiptRecord | None:
        row = self._receipt_row(export_id, generation, attachment_id)
        return None if row is None else _receipt(row)

    def receipts(self, export_id: str, generation: int | None = None
                 ) -> Sequence[ReceiptRecord]:
        query = select(ExportedReceipt).where(
            ExportedReceipt.workspace_id == self.workspace_id,
            ExportedReceipt.export_id == export_id,
        )
        if generation is not None:
            query = query.where(ExportedReceipt.generation == generation)
        rows = self.session.scalars(query.order_by(ExportedReceipt.created_at,
                                                   ExportedReceipt.attachment_id)).all()
        return [_receipt(row) for row in rows]

    def file_names_in_folder(self, export_id: str, generation: int, folder_key: str,
                             except_attachment_id: str) -> set[str]:
        """Names other receipts of this generation hold in a folder, case-folded."""
        names = self.session.scalars(select(ExportedReceipt.file_name).where(
            ExportedReceipt.workspace_id == self.workspace_id,
            ExportedReceipt.export_id == export_id,
            ExportedReceipt.generation == generation,
            ExportedReceipt.folder_key == folder_key,
            ExportedReceipt.attachment_id != except_attachment_id,
            ExportedReceipt.file_name.is_not(None),
        )).all()
        return {name.casefold() for name in names if name}

    def record_intent(self, identity: ReceiptIdentity, planned: PlannedFile) -> ReceiptRecord:
        """Before writing: the row says where the file goes and what its hash will be."""
        row = self._receipt_for(identity)
        row.status = "pending"
        row.folder_key = planned.folder_key
        row.file_name = planned.file_name
        row.path = planned.path
        row.content_hash = planned.content_hash
        row.attempts += 1
        row.updated_at = utcnow()
        self.session.flush()
        return _receipt(row)

    def record_exported(self, identity: ReceiptIdentity, written: WrittenFile,
                        at: datetime) -> ReceiptRecord:
        row = self._receipt_for(identity)
        row.status = "exported"
        row.path = written.path
        row.file_id = written.file_id
        row.rev = written.rev
        row.content_hash = written.content_hash
        row.error = None
        row.exported_at = at
        row.updated_at = utcnow()
        self.session.flush()
        return _receipt(row)

    def record_path(self, identity: ReceiptIdentity, path: str) -> None:
        """The user renamed a folder above the file: remember where the file now is."""
        self._receipt_for(identity).path = path

    def record_failure(self, identity: ReceiptIdentity, error: str) -> ReceiptRecord:
        row = self._receipt_for(identity)
        row.status = "failed"
        row.error = error
        row.attempts += 1
        row.updated_at = utcnow()
        self.session.flush()
        return _receipt(row)

    def record_folder_deleted(self, identity: ReceiptIdentity) -> None:
        row = self._receipt_for(identity)
        if row.status != "exported":  # an exported file stays recorded as exported
            row.status = "folder_deleted"
            row.updated_at = utcnow()
        self.session.flush()

    # --- helpers ---------------------------------------------------------------------------

    def _export_row(self, connection_id: str) -> ReceiptExport | None:
        return self.session.scalars(select(ReceiptExport).where(
            ReceiptExport.workspace_id == self.workspace_id,
            ReceiptExport.connection_id == connection_id,
        )).first()

    def _require_export(self, connection_id: str) -> ReceiptExport:
        row = self._export_row(connection_id)
        if row is None:
            raise NotFound(f"receipts export of connection {connection_id}")
        return row

    def _require_connection(self, connection_id: str) -> None:
        found = self.session.scalars(select(Connection.id).where(
            Connection.workspace_id == self.workspace_id, Connection.id == connection_id,
        )).first()
        if found is None:
            raise NotFound(f"connection {connection_id}")

    def _folder_row(self, export_id: str, generation: int, key: str) -> ReceiptFolder | None:
        return self.session.scalars(select(ReceiptFolder).where(
            ReceiptFolder.workspace_id == self.workspace_id,
            ReceiptFolder.export_id == export_id,
            ReceiptFolder.generation == generation,
            ReceiptFolder.key == key,
        )).first()

    def _receipt_row(self, export_id: str, generation: int, attachment_id: str
                     ) -> ExportedReceipt | None:
        return self.session.scalars(select(ExportedReceipt).where(
            ExportedReceipt.workspace_id == self.workspace_id,
            ExportedReceipt.export_id == export_id,
            ExportedReceipt.generation == generation,
            ExportedReceipt.attachment_id == attachment_id,
        )).first()

    def _receipt_for(self, identity: ReceiptIdentity) -> ExportedReceipt:
        row = self._receipt_row(identity.export_id, identity.generation, identity.attachment_id)
        if row is not None:
            return row
        self._require_export_id(identity.export_id)
        row = ExportedReceipt(
            workspace_id=self.workspace_id, export_id=identity.export_id,
            generation=identity.generation, attachment_id=identity.attachment_id,
            transaction_id=identity.transaction_id, bank_account_id=identity.bank_account_id,
            idempotency_key=identity.idempotency_key, status="pending", attempts=0,
        )
        self.session.add(row)
        return row

    def _require_export_id(self, export_id: str) -> None:
        found = self.session.scalars(select(ReceiptExport.id).where(
            ReceiptExport.workspace_id == self.workspace_id, ReceiptExport.id == export_id,
        )).first()
        if found is None:
            raise NotFound(f"receipts export {export_id}")


ReceiptsRepoScope = Callable[[], AbstractContextManager[ReceiptsRepo]]


@contextmanager
def _receipts_repo_in_transaction(sessions: sessionmaker[Session], workspace_id: str
                                  ) -> Iterator[ReceiptsRepo]:
    with sessions.begin() as session:
        yield ReceiptsRepo(session, workspace_id)


def receipts_repo_scope(sessions: sessionmaker[Session], workspace_id: str) -> ReceiptsRepoScope:
    """A factory of one-transaction repositories: each `with scope() as repo:` commits."""
    return partial(_receipts_repo_in_transaction, sessions, workspace_id)
