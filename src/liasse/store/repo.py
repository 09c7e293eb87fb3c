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

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from liasse.domain.ports import SourceEntry
from liasse.domain.states import State, Transition
from liasse.store.db import insert_unless_present
from liasse.store.tables import (
    AuditEvent,
    Connection,
    DataKey,
    Document,
    OutboxItem,
    Secret,
    SourceFile,
    Workspace,
    new_id,
    utcnow,
)

_Row = TypeVar("_Row", Connection, SourceFile, Document, OutboxItem)


class NotFound(LookupError):
    """The row does not exist in this workspace (it may exist in another: we don't say)."""


class StaleState(ValueError):
    """The document is no longer in the state the move starts from: someone else moved it
    first (another window, a worker or a person). The caller's transaction must roll back."""


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

    def acquire_due_lease(self, connection_id: str, owner: str, now: datetime,
                          until: datetime) -> bool:
        """Take the lease only when the connection's next window is due too: whichever
        worker runs the window job, a connection gets no more windows than its interval
        allows (a lease of ours, from a job retried after its worker died, is taken back)."""
        result = self.session.execute(
            update(Connection)
            .where(
                Connection.workspace_id == self.workspace_id,
                Connection.id == connection_id,
                or_(Connection.lease_owner == owner,
                    and_(or_(Connection.lease_until.is_(None), Connection.lease_until < now),
                         or_(Connection.next_sync_at.is_(None),
                             Connection.next_sync_at <= now))),
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
        """Record one file version once: seeing it again returns the existing row.

        Two listings of one folder may record the same version at once (a backfill beside
        the window): the unique key decides, and the loser gets the winner's row."""
        self.get_connection(connection_id)  # refuses another workspace's connection
        existing = self._source_file_version(connection_id, entry)
        if existing is not None:
            if existing.path != entry.path:  # renamed or moved: same file, same version
                existing.path = entry.path
            return RecordedFile(existing, created=False)
        values = {
            "workspace_id": self.workspace_id, "connection_id": connection_id,
            "ref": entry.ref, "path": entry.path, "version": entry.version,
            "size": entry.size, "modified_at": entry.modified_at,
            "content_hash": entry.content_hash, "deleted": entry.deleted,
            "status": _initial_status(entry), "error": entry.refused,
        }
        created = insert_unless_present(self.session, SourceFile, values,
                                        ["connection_id", "ref", "version"])
        row = self._source_file_version(connection_id, entry)
        assert row is not None  # just written, by us or by the other listing
        return RecordedFile(row, created=created)

    def _source_file_version(self, connection_id: str, entry: SourceEntry
                             ) -> SourceFile | None:
        return self.session.scalars(
            select(SourceFile).where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.connection_id == connection_id,
                SourceFile.ref == entry.ref,
                SourceFile.version == entry.version,
            )
        ).first()

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

    def settle_fetched_file(self, source_file_id: str, document_id: str, *,
                            duplicate: bool) -> bool:
        """Attach a fetched file to its document, only if it still waits for a fetch;
        False when another window settled it first."""
        result = self.session.execute(
            update(SourceFile)
            .where(
                SourceFile.workspace_id == self.workspace_id,
                SourceFile.id == source_file_id,
                SourceFile.status.in_(("discovered", "fetch_failed")),
            )
            .values(document_id=document_id, duplicate=duplicate,
                    status="duplicate" if duplicate else "fetched")
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

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

    def find_document(self, document_id: str) -> Document | None:
        """The document, or None when this workspace has none by that id (erased)."""
        return self.session.scalars(select(Document).where(
            Document.workspace_id == self.workspace_id, Document.id == document_id)).first()

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

    def claim_document(self, document_id: str, state: State, owner: str, now: datetime,
                       until: datetime) -> bool:
        """Claim the document for the step that starts from `state`; False if it is no
        longer there or someone else's claim still runs (a claim of `owner` is its own)."""
        result = self.session.execute(
            update(Document)
            .where(
                Document.workspace_id == self.workspace_id,
                Document.id == document_id,
                Document.state == state.value,
                or_(Document.claim_until.is_(None), Document.claim_until < now,
                    Document.claim_owner == owner),
            )
            .values(claim_owner=owner, claim_until=until)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    def apply_transition(
        self, document: Document, move: Transition, details: dict[str, Any] | None = None
    ) -> None:
        """Write a checked transition and its audit event in the caller's transaction.

        The move is a conditional UPDATE (… WHERE state = the move's start), so of two
        writers moving the same document only the first succeeds; the second gets
        `StaleState`. A move ends the step: it releases the document's claim.
        """
        if document.workspace_id != self.workspace_id:
            raise NotFound(f"document {document.id}")
        if document.state != move.before.value:
            raise StaleState(
                f"document {document.id} is {document.state}, not {move.before.value}"
            )
        self.session.flush()  # the step's own changes to the row go first
        now = utcnow()
        result = self.session.execute(
            update(Document)
            .where(Document.workspace_id == self.workspace_id, Document.id == document.id,
                   Document.state == move.before.value)
            .values(state=move.after.value, state_reason=move.reason, updated_at=now,
                    claim_owner=None, claim_until=None)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            raise StaleState(f"document {document.id} is no longer {move.before.value}")
        for name, value in (("state", move.after.value), ("state_reason", move.reason),
                            ("updated_at", now), ("claim_owner", None), ("claim_until", None)):
            set_committed_value(document, name, value)
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
        """Record an intent once per key; the second call (even a concurrent one in another
        transaction) returns the first intent."""
        created = insert_unless_present(self.session, OutboxItem, {
            "id": new_id(), "workspace_id": self.workspace_id, "kind": kind,
            "idempotency_key": idempotency_key, "payload": payload,
            "document_id": document_id, "status": "pending", "attempts": 0,
            "created_at": utcnow(),
        }, unique=["workspace_id", "idempotency_key"])
        return self.outbox_item_by_key(idempotency_key), created

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

    def outbox_ready(self, now: datetime, kind: str | None = None, limit: int = 100, *,
                     owner: str | None = None) -> Sequence[OutboxItem]:
        """Pending items that are due: never tried, backoff elapsed, lease run out, or
        claimed by `owner` itself (a restarted process takes its own claims back)."""
        due = [OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now]
        if owner is not None:
            due.append(OutboxItem.claim_owner == owner)
        query = select(OutboxItem).where(
            OutboxItem.workspace_id == self.workspace_id,
            OutboxItem.status == "pending",
            or_(*due),
        )
        if kind:
            query = query.where(OutboxItem.kind == kind)
        return self.session.scalars(query.order_by(OutboxItem.created_at).limit(limit)).all()

    def list_outbox(self, status: str | None = None, limit: int = 200) -> Sequence[OutboxItem]:
        query = select(OutboxItem).where(OutboxItem.workspace_id == self.workspace_id)
        if status:
            query = query.where(OutboxItem.status == status)
        return self.session.scalars(query.order_by(OutboxItem.created_at).limit(limit)).all()

    def claim_outbox_item(self, item_id: str, now: datetime, *, owner: str,
                          until: datetime) -> bool:
        """Take a due item for one attempt, leased to `owner` until `until`: nobody else can
        take it before the lease runs out. The attempt is counted before the call, so a
        crash mid-call is visible as an attempt. False if someone else holds it or it is
        no longer pending."""
        result = self.session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.workspace_id == self.workspace_id,
                OutboxItem.id == item_id,
                OutboxItem.status == "pending",
                or_(OutboxItem.next_attempt_at.is_(None), OutboxItem.next_attempt_at <= now,
                    OutboxItem.claim_owner == owner),
            )
            .values(attempts=OutboxItem.attempts + 1, next_attempt_at=until,
                    claim_owner=owner)
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    def release_outbox_item(self, item_id: str, next_attempt_at: datetime | None) -> None:
        """End the attempt in flight: the item is due again at `next_attempt_at`."""
        item = self.get_outbox_item(item_id)
        item.claim_owner = None
        item.next_attempt_at = next_attempt_at

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
