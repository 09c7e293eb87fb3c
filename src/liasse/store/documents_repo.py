"""Documents, their checked state moves and claims, and the audit trail they write."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from liasse.domain.states import State, Transition
from liasse.store.repo import BoundRepo, NotFound, StaleState
from liasse.store.tables import AuditEvent, Document, new_id, utcnow


class DocumentRepo(BoundRepo):
    """One workspace's documents and audit events."""

    def document_by_sha256(self, sha256: str) -> Document | None:
        return self.session.scalars(
            select(Document).where(
                Document.workspace_id == self.workspace_id, Document.sha256 == sha256
            )
        ).first()

    def documents_by_sha256(self, sha256s: Sequence[str]) -> dict[str, Document]:
        """`document_by_sha256` for many contents in one statement, by content."""
        return {document.sha256: document for document in self.session.scalars(
            select(Document).where(Document.workspace_id == self.workspace_id,
                                   Document.sha256.in_(list(sha256s))))}

    def create_document(
        self, *, sha256: str, size: int, file_name: str, media_type: str, actor: str,
        source_kind: str | None = None, flush: bool = True,
    ) -> Document:
        """A new fetched document with its audit event; `flush=False` leaves both to the
        next flush (a fetched chunk's documents then go in one INSERT)."""
        document = Document(
            id=new_id(),
            workspace_id=self.workspace_id,
            sha256=sha256,
            size=size,
            file_name=file_name,
            media_type=media_type,
            state=State.FETCHED.value,
            state_reason="content stored",
            source_kind=source_kind,
        )
        self.session.add(document)
        if flush:
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

    def claim_documents(self, document_ids: Sequence[str], states: Iterable[State], owner: str,
                        now: datetime, until: datetime) -> list[Document]:
        """Claim, in one statement, those of the documents that are in one of `states`
        and free (or already `owner`'s), each for the step its state starts; the claimed
        documents, in the order of `document_ids`."""
        claimed = set(self.session.scalars(
            update(Document)
            .where(
                Document.workspace_id == self.workspace_id,
                Document.id.in_(list(document_ids)),
                Document.state.in_([state.value for state in states]),
                or_(Document.claim_until.is_(None), Document.claim_until < now,
                    Document.claim_owner == owner),
            )
            .values(claim_owner=owner, claim_until=until)
            .returning(Document.id)
            .execution_options(synchronize_session=False)
        ).all())
        if not claimed:
            return []
        rows = {document.id: document for document in self.session.scalars(
            select(Document).where(Document.workspace_id == self.workspace_id,
                                   Document.id.in_(claimed)))}
        return [rows[document_id] for document_id in dict.fromkeys(document_ids)
                if document_id in rows]

    def apply_transition(
        self, document: Document, move: Transition, details: dict[str, Any] | None = None,
        *, audit: bool = True,
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
        if audit:
            self.add_audit(
                "document", document.id, actor=move.actor, before=move.before.value,
                after=move.after.value, reason=move.reason, details=details or {},
            )

    def documents_by_ids(self, document_ids: Sequence[str]) -> dict[str, Document]:
        """The documents by id, in one statement (those erased are missing)."""
        return {document.id: document for document in self.session.scalars(
            select(Document).where(Document.workspace_id == self.workspace_id,
                                   Document.id.in_(list(document_ids))))}

    def documents_for_update(self, document_ids: Sequence[str]) -> dict[str, Document]:
        """The documents by id, their rows locked until the transaction ends (PostgreSQL:
        no other writer moves them meanwhile, so a state read here still holds at commit;
        SQLite has a single writer and no row locks)."""
        return {document.id: document for document in self.session.scalars(
            select(Document).where(Document.workspace_id == self.workspace_id,
                                   Document.id.in_(list(document_ids)))
            .with_for_update())}

    def apply_transitions(self, document: Document,
                          moves: Sequence[tuple[Transition, dict[str, Any]]]) -> None:
        """Several checked moves in a row (each one's end the next one's start) written as
        one conditional UPDATE from the first start to the last end, with an audit event
        for each move, as `apply_transition` one after the other would write them: the
        steps between are never seen outside this transaction."""
        first, last = _checked_moves(moves)
        self.apply_transition(document, replace(last, before=first.before), None,
                              audit=False)
        for move, details in moves:
            self.add_audit("document", document.id, actor=move.actor, before=move.before.value,
                           after=move.after.value, reason=move.reason, details=details)

    def apply_transitions_to_many(
            self, items: Sequence[tuple[Document, Sequence[tuple[Transition, dict[str, Any]]]]]
    ) -> None:
        """`apply_transitions` for several documents, written in three statements whatever
        their number (their own changes, the conditional moves sent as one batch, their
        audit events) instead of three a document; `StaleState` if any of them moved (the
        caller's transaction then writes none of them)."""
        if not self.session.get_bind().dialect.supports_sane_multi_rowcount:
            for document, moves in items:
                self.apply_transitions(document, moves)
            return
        now, rows = utcnow(), []
        for document, moves in items:
            first, last = _checked_moves(moves)
            if document.workspace_id != self.workspace_id:
                raise NotFound(f"document {document.id}")
            if document.state != first.before.value:
                raise StaleState(f"document {document.id} is {document.state}, "
                                 f"not {first.before.value}")
            rows.append({"b_id": document.id, "b_before": first.before.value,
                         "b_after": last.after.value, "b_reason": last.reason})
        self.session.flush()  # the steps' own changes to the rows go first
        result = self.session.connection().execute(
            update(Document)
            .where(Document.workspace_id == self.workspace_id,
                   Document.id == bindparam("b_id"), Document.state == bindparam("b_before"))
            .values(state=bindparam("b_after"), state_reason=bindparam("b_reason"),
                    updated_at=now, claim_owner=None, claim_until=None), rows)
        if result.rowcount != len(rows):
            raise StaleState("a document moved meanwhile")
        for (document, moves), row in zip(items, rows, strict=True):
            for name, value in (("state", row["b_after"]), ("state_reason", row["b_reason"]),
                                ("updated_at", now), ("claim_owner", None),
                                ("claim_until", None)):
                set_committed_value(document, name, value)
            for move, details in moves:
                self.add_audit("document", document.id, actor=move.actor,
                               before=move.before.value, after=move.after.value,
                               reason=move.reason, details=details)

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


def _checked_moves(moves: Sequence[tuple[Transition, dict[str, Any]]]
                   ) -> tuple[Transition, Transition]:
    """The first and the last of moves that follow each other (each one's end the next
    one's start)."""
    for (before, _), (after, _) in itertools.pairwise(moves):
        if before.after is not after.before:
            raise ValueError(f"{before.after.value} is not {after.before.value}")
    return moves[0][0], moves[-1][0]
