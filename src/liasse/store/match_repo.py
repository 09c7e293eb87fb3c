"""Matching decisions as stored: recorded once each, and the links they made."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from liasse.domain.matching.model import MatchDecision
from liasse.store.tables import MatchRow


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
        rows = self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id)
            .order_by(MatchRow.created_at)
        ).all()
        return [row for row in rows if document_id in row.document_ids]

    def proposed(self, limit: int = 200) -> list[MatchRow]:
        return list(self.session.scalars(
            select(MatchRow).where(MatchRow.workspace_id == self.workspace_id,
                                   MatchRow.status == "proposed")
            .order_by(MatchRow.created_at.desc()).limit(limit)
        ).all())
