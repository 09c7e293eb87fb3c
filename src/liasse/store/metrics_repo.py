"""Installation-wide totals for `/metrics`: counts only, never a workspace's name or a
document's, so an unauthenticated scrape learns nothing about whose books these are."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liasse.store.tables import Document, OutboxItem


def documents_by_state(session: Session) -> dict[str, int]:
    """Documents per state, over every workspace."""
    rows = session.execute(select(Document.state, func.count()).group_by(Document.state))
    return {str(state): int(count) for state, count in rows}


def outbox_by_status(session: Session) -> dict[str, int]:
    """Posting intents per status (pending, parked, done), over every workspace."""
    rows = session.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status))
    return {str(status): int(count) for status, count in rows}
