"""Matching decisions as stored: recorded once each, the links they made, what people decided.

Status moves are `proposed → linked | dismissed` (a person confirms or dismisses); the
audit of those moves is the caller's job (`liasse.app.actions`), in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from liasse.domain.matching.model import MatchDecision
from liasse.store.repo import NotFound
from liasse.store.tables import MatchRow

STATUSES = ("linked", "proposed", "dismissed")
PAYMENT_KINDS = ("payment", "credit")


def fingerprint(decision: MatchDecision) -> str:
    key = "|".join((decision.transaction_id, decision.kind, *sorted(decision.document_ids)))
    return hashlib.sha256(key.encode()).hexdigest()


class MatchRepo:
    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def record(self, decision: MatchDecision, status: str) -> tuple[MatchRow, bool]:
        """Store a decision once; a second identical decision returns the first."""
        key = fingerprint(decision)
        existing = self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id,
                                   MatchRow.fingerprint == key)
        ).first()
        if existing is not None:
            return existing, False
        row = MatchRow(workspace_id=self.workspace_id, fingerprint=key,
                       transaction_id=decision.transaction_id,
                       document_ids=list(decision.document_ids), kind=decision.kind,
                       score=decision.score, band=decision.band, status=status,
                       reasons=list(decision.reasons))
        self.session.add(row)
        self.session.flush()
        return row, True

    def settled(self) -> dict[str, list[str]]:
        """Document id → the transaction ids linked to it (the matcher's `settled`)."""
        links: dict[str, list[str]] = defaultdict(list)
        rows = self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id,
                                   MatchRow.status == "linked",
                                   MatchRow.kind.in_(("payment", "credit")))
        ).all()
        for row in rows:
            for document_id in row.document_ids:
                links[document_id].append(row.transaction_id)
        return dict(links)

    def for_document(self, document_id: str) -> list[MatchRow]:
        # The JSON list is searched as text first (ids are hex, nothing to escape), then
        # checked exactly: a page load reads the few rows naming the document, not them all.
        rows = self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id,
                                   cast(MatchRow.document_ids, String).contains(document_id))
            .order_by(MatchRow.created_at, MatchRow.id)
        ).all()
        return [row for row in rows if document_id in row.document_ids]

    def for_transaction(self, transaction_id: str) -> list[MatchRow]:
        return list(self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id,
                                   MatchRow.transaction_id == transaction_id)
            .order_by(MatchRow.created_at, MatchRow.id)
        ).all())

    def get(self, match_id: str) -> MatchRow:
        row = self.session.get(MatchRow, match_id)
        if row is None or row.workspace_id != self.workspace_id:
            raise NotFound(f"match {match_id}")
        return row

    def set_status(self, match_id: str, status: str) -> str:
        """Set the match's status; returns the status it had before."""
        if status not in STATUSES:
            raise ValueError(f"unknown match status {status!r}: one of {', '.join(STATUSES)}")
        row = self.get(match_id)
        before = row.status
        row.status = status
        self.session.flush()
        return before

    def proposed(self, limit: int = 200) -> list[MatchRow]:
        return list(self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id,
                                   MatchRow.status == "proposed")
            .order_by(MatchRow.created_at.desc()).limit(limit)
        ).all())
