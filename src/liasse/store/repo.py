"""Repositories: every query liasse makes, and the only place that builds them.

`WorkspaceRepo` is bound to one workspace at construction; none of its methods takes a
workspace or can reach another workspace's rows (`tests/store/test_isolation.py` walks
every public method to prove it). The few cross-workspace functions (creating and
listing workspaces, key rotation) live at module level and say so in their names.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from liasse.domain.states import State, Transition
from liasse.store.tables import (
    AuditEvent,
    Connection,
    DataKey,
    Document,
    OutboxItem,
    Secret,
    SourceFile,
    Workspace,
    utcnow,
)
from liasse.sync.ports import SourceEntry

_Row = TypeVar("_Row", Connection, SourceFile, Document, OutboxItem)


class NotFound(LookupError):
    """The row does not exist in this workspace (it may exist in another: we don't say)."""


# --- cross-workspace administration -------------------------------------------------------


def create_workspace(
    session: Session, slug: str, name: str, own_company: dict[str, Any] | None = None
) -> Workspace:
    workspace = Workspace(slug=slug, name=name, own_company=own_company or {})
    session.add(workspace)
    session.flush()
    return workspace


def find_workspace_by_slug(session: Session, slug: str) -> Workspace | None:
    return session.scalars(select(Workspace).where(Workspace.slug == slug)).first()


def list_all_workspaces(session: Session) -> Sequence[Workspace]:
    return session.scalars(select(Workspace).order_by(Workspace.slug)).all()


def all_data_keys(session: Session) -> Sequence[DataKey]:
    """For master-key rotation only: every workspace's wrapped data key."""
    return session.scalars(select(DataKey)).all()


@dataclass(frozen=True)
class RecordedFile:
    row: SourceFile
    created: bool


def _initial_status(entry: SourceEntry) -> str:
    if entry.deleted:
        return "deleted"
    return "refused" if entry.refused else "discovered"


class WorkspaceRepo:
    """All reads and writes of one workspace's rows."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    # --- workspace ------------------------------------------------------------------------

    def workspace(self) -> Workspace:
        found = self.session.get(Workspace, self.workspace_id)
        if found is None:
            raise NotFound(f"workspace {self.workspace_id}")
        return found

    # --- connections ----------------------------------------------------------------------

    def add_connection(self, kind: str, name: str, config: dict[str, Any]) -> Connection:
        connection = Connection(
            workspace_id=self.workspace_id, kind=kind, name=name, config=config
        )
        self.session.add(connection)
        self.session.flush()
        return connection

    def get_connection(self, connection_id: str) -> Connection:
        return self._one(Connection, connection_id)

    def connection_by_name(self, name: str) -> Connection | None:
        return self.session.scalars(
            select(Connection).where(
                Connection.workspace_id == self.workspace_id, Connection.name == name
            )
        ).first()

    def list_connections(self) -> Sequence[Connection]:
        return self.session.scalars(
            select(Connection)
            .where(Connection.workspace_id == self.workspace_id)
            .order_by(Connection.created_at)
        ).all()

    def save_cursor(self, connection_id: str, cursor: str, at: datetime) -> None:
        connection = self.get_connection(connection_id)
        connection.cursor = cursor
        connection.last_sync_at = at

    def acquire_lease(self, connection_id: str, owner: str, now: datetime, until: datetime
                      ) -> bool:
        """Take the connection's window lease if free or expired; False if someone holds it."""
        result = self.session.execute(
            update(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.id == connection_id,
                or_(Connection.lease_until.is_(None), Connection.lease_until < now,
                    Connection.lease_owner == owner),
            )
            .values(lease_owner=owner, lease_until=until)
        )
        return bool(getattr(result, "rowcount", 0))

    def release_lease(self, connection_id: str, owner: str, next_sync_at: datetime) -> None:
        self.session.execute(
            update(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.id == connection_id,
                Connection.lease_owner == owner,
            )
            .values(lease_owner=None, lease_until=None, next_sync_at=next_sync_at)
        )

    def connections_due(self, now: datetime, owner: str) -> Sequence[Connection]:
        """Active connections whose next window is due and whose lease is free or ours
        (a restarted process takes back the lease its crashed predecessor held)."""
        return self.session.scalars(
            select(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.status == "active",
                or_(Connection.next_sync_at.is_(None), Connection.next_sync_at <= now,
                    Connection.lease_owner == owner),
                or_(Connection.lease_until.is_(None), Connection.lease_until < now,
                    Connection.lease_owner == owner),
            )
            .order_by(Connection.next_sync_at)
        ).all()

    def set_connection_status(self, connection_id: str, status: str, error: str | None) -> None:
        connection = self.get_connection(connection_id)
        connection.status = status
        connection.last_error = error

    # --- source files ---------------------------------------------------------------------

    def record_source_file(self, connection_id: str, entry: SourceEntry) -> RecordedFile:
        """Record one file version once: seeing it again returns the existing row."""
        self.get_connection(connection_id)  # refuses another workspace's connection
        existing = self.session.scalars(
            select(SourceFile).where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.connection_id == connection_id,
                SourceFile.ref == entry.ref,
                SourceFile.version == entry.version,
            )
        ).first()
        if existing is not None:
            if existing.path != entry.path:  # renamed or moved: same file, same version
                existing.path = entry.path
            return RecordedFile(existing, created=False)
        row = SourceFile(
            workspace_id=self.workspace_id,
            connection_id=connection_id,
            ref=entry.ref,
            path=entry.path,
            version=entry.version,
            size=entry.size,
            modified_at=entry.modified_at,
            content_hash=entry.content_hash,
            deleted=entry.deleted,
            status=_initial_status(entry),
            error=entry.refused,
        )
        self.session.add(row)
        self.session.flush()
        return RecordedFile(row, created=True)

    def get_source_file(self, source_file_id: str) -> SourceFile:
        return self._one(SourceFile, source_file_id)

    def source_files_to_fetch(self, limit: int = 500) -> Sequence[SourceFile]:
        return self.session.scalars(
            select(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.status.in_(("discovered", "fetch_failed")),
            )
            .order_by(SourceFile.seen_at)
            .limit(limit)
        ).all()

    def source_files_of_document(self, document_id: str) -> Sequence[SourceFile]:
        return self.session.scalars(
            select(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.document_id == document_id,
            )
            .order_by(SourceFile.seen_at)
        ).all()

    def list_source_files(self, limit: int = 200, offset: int = 0) -> Sequence[SourceFile]:
        return self.session.scalars(
            select(SourceFile)
            .where(SourceFile.workspace_id == self.workspace_id)
            .order_by(SourceFile.seen_at.desc())
            .limit(limit)
            .offset(offset)
        ).all()

    def count_source_files_by_status(self) -> dict[str, int]:
        rows = self.session.execute(
            select(SourceFile.status, func.count())
            .where(SourceFile.workspace_id == self.workspace_id)
            .group_by(SourceFile.status)
        ).all()
        return {str(key): int(count) for key, count in rows}

    # --- documents ------------------------------------------------------------------------

    def document_by_sha256(self, sha256: str) -> Document | None:
        return self.session.scalars(
            select(Document).where(
                Document.workspace_id == self.workspace_id, Document.sha256 == sha256
            )
        ).first()

    def create_document(
        self, *, sha256: str, size: int, file_name: str, media_type: str, actor: str
    ) -> Document:
        document = Document(
            workspace_id=self.workspace_id,
            sha256=sha256,
            size=size,
            file_name=file_name,
            media_type=media_type,
            state=State.FETCHED.value,
            state_reason="content stored",
        )
        self.session.add(document)
        self.session.flush()
        self.add_audit(
            "document", document.id, actor=actor, before=State.DISCOVERED.value,
            after=State.FETCHED.value, reason="content stored",
            details={"sha256": sha256, "file_name": file_name},
        )
        return document

    def get_document(self, document_id: str) -> Document:
        return self._one(Document, document_id)

    def documents_in_states(
        self, states: Iterable[State], limit: int = 500
    ) -> Sequence[Document]:
        return self.session.scalars(
            select(Document)
            .where(
                Document.workspace_id == self.workspace_id,
                Document.state.in_([state.value for state in states]),
            )
            .order_by(Document.created_at)
            .limit(limit)
        ).all()

    def documents_due_for_retry(self, now: datetime, limit: int = 500) -> Sequence[Document]:
        return self.session.scalars(
            select(Document)
            .where(
                Document.workspace_id == self.workspace_id,
                Document.state == State.RETRY_SCHEDULED.value,
                or_(Document.next_attempt_at.is_(None), Document.next_attempt_at <= now),
            )
            .order_by(Document.next_attempt_at)
            .limit(limit)
        ).all()

    def list_documents(
        self, *, limit: int = 100, offset: int = 0, state: str | None = None
    ) -> Sequence[Document]:
        query = select(Document).where(Document.workspace_id == self.workspace_id)
        if state:
            query = query.where(Document.state == state)
        return self.session.scalars(
            query.order_by(Document.updated_at.desc()).limit(limit).offset(offset)
        ).all()

    def count_documents_by_state(self) -> dict[str, int]:
        rows = self.session.execute(
            select(Document.state, func.count())
            .where(Document.workspace_id == self.workspace_id)
            .group_by(Document.state)
        ).all()
        return {str(key): int(count) for key, count in rows}

    def apply_transition(
        self, document: Document, move: Transition, details: dict[str, Any] | None = None
    ) -> None:
        """Write a checked transition and its audit event in the caller's transaction."""
        if document.workspace_id != self.workspace_id:
            raise NotFound(f"document {document.id}")
        if document.state != move.before.value:
            raise ValueError(
                f"document {document.id} is {document.state}, not {move.before.value}"
            )
        document.state = move.after.value
        document.state_reason = move.reason
        document.updated_at = utcnow()
        self.add_audit(
            "document", document.id, actor=move.actor, before=move.before.value,
            after=move.after.value, reason=move.reason, details=details or {},
        )

    # --- audit ----------------------------------------------------------------------------

    def add_audit(
        self,
        subject_type: str,
        subject_id: str,
        *,
        actor: str,
        reason: str,
        before: str | None = None,
        after: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        event = AuditEvent(
            workspace_id=self.workspace_id, subject_type=subject_type, subject_id=subject_id,
            actor=actor, before=before, after=after, reason=reason, details=details or {},
        )
        self.session.add(event)
        return event

    def audit_trail(self, subject_id: str) -> Sequence[AuditEvent]:
        return self.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.workspace_id == self.workspace_id,
                AuditEvent.subject_id == subject_id,
            )
            .order_by(AuditEvent.id)
        ).all()

    # --- outbox ---------------------------------------------------------------------------

    def enqueue_outbox(
        self, kind: str, idempotency_key: str, payload: dict[str, Any],
        document_id: str | None = None,
    ) -> tuple[OutboxItem, bool]:
        """Record an intent once per key; the second call returns the first intent."""
        existing = self.session.scalars(
            select(OutboxItem).where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.idempotency_key == idempotency_key,
            )
        ).first()
        if existing is not None:
            return existing, False
        item = OutboxItem(
            workspace_id=self.workspace_id, kind=kind, idempotency_key=idempotency_key,
            payload=payload, document_id=document_id,
        )
        self.session.add(item)
        self.session.flush()
        return item, True

    def outbox_item_by_key(self, idempotency_key: str) -> OutboxItem:
        item = self.session.scalars(
            select(OutboxItem).where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.idempotency_key == idempotency_key,
            )
        ).first()
        if item is None:
            raise NotFound(f"outbox item {idempotency_key}")
        return item

    def get_outbox_item(self, item_id: str) -> OutboxItem:
        return self._one(OutboxItem, item_id)

    def outbox_ready(self, now: datetime, kind: str | None = None, limit: int = 100
                     ) -> Sequence[OutboxItem]:
        query = select(OutboxItem).where(
            OutboxItem.workspace_id == self.workspace_id,
            OutboxItem.status == "pending",
            or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now),
        )
        if kind:
            query = query.where(OutboxItem.kind == kind)
        return self.session.scalars(query.order_by(OutboxItem.created_at).limit(limit)).all()

    def list_outbox(self, status: str | None = None, limit: int = 200) -> Sequence[OutboxItem]:
        query = select(OutboxItem).where(OutboxItem.workspace_id == self.workspace_id)
        if status:
            query = query.where(OutboxItem.status == status)
        return self.session.scalars(query.order_by(OutboxItem.created_at).limit(limit)).all()

    def claim_outbox_item(self, item_id: str, now: datetime) -> bool:
        """Count an attempt before the call, so a crash mid-call is visible as an attempt."""
        result = self.session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.id == item_id,
                OutboxItem.status == "pending",
            )
            .values(attempts=OutboxItem.attempts + 1, next_attempt_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    # --- secrets --------------------------------------------------------------------------

    def data_key(self) -> DataKey | None:
        return self.session.get(DataKey, self.workspace_id)

    def save_data_key(self, master_key_id: str, wrapped: bytes) -> DataKey:
        key = self.data_key()
        if key is None:
            key = DataKey(workspace_id=self.workspace_id, master_key_id=master_key_id,
                          wrapped=wrapped)
            self.session.add(key)
        else:
            key.master_key_id = master_key_id
            key.wrapped = wrapped
            key.rotated_at = utcnow()
        self.session.flush()
        return key

    def secret_ciphertext(self, name: str) -> bytes | None:
        secret = self._secret(name)
        return None if secret is None else secret.ciphertext

    def save_secret_ciphertext(self, name: str, ciphertext: bytes) -> None:
        secret = self._secret(name)
        if secret is None:
            self.session.add(
                Secret(workspace_id=self.workspace_id, name=name, ciphertext=ciphertext)
            )
        else:
            secret.ciphertext = ciphertext
            secret.updated_at = utcnow()
        self.session.flush()

    def secret_names(self) -> list[str]:
        return list(self.session.scalars(
            select(Secret.name).where(Secret.workspace_id == self.workspace_id)
            .order_by(Secret.name)))

    def delete_secret(self, name: str) -> bool:
        secret = self._secret(name)
        if secret is None:
            return False
        self.session.delete(secret)
        self.session.flush()
        return True

    def _secret(self, name: str) -> Secret | None:
        return self.session.scalars(
            select(Secret).where(Secret.workspace_id == self.workspace_id, Secret.name == name)
        ).first()

    # --- helpers --------------------------------------------------------------------------

    def _one(self, model: type[_Row], row_id: str) -> _Row:
        row = self.session.get(model, row_id)
        if row is None or row.workspace_id != self.workspace_id:
            raise NotFound(f"{model.__tablename__} {row_id}")
        return row
