"""Every row of one workspace, to export it or erase it (GDPR), and the originals past the
retention period. The tables are found from the schema (any table with a `workspace_id`),
so a table added later is exported and erased without anyone remembering to list it.

`privacy_events` is the exception: it records exports and erasures outside the erased
data, so it is never erased with the workspace it names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from liasse.store.schema import metadata
from liasse.store.tables import Document, Workspace
from liasse.store.tables_web import PrivacyEvent

KEPT_AFTER_ERASURE = frozenset({"privacy_events"})
# Secrets stay secret in an export: they are keys to outside accounts, not personal data.
NOT_EXPORTED = frozenset({"secrets", "data_keys"}) | KEPT_AFTER_ERASURE


def workspace_tables() -> list[Table]:
    """The tables holding a workspace's rows, parents before children."""
    return [table for table in metadata.sorted_tables
            if "workspace_id" in table.columns and table.name not in KEPT_AFTER_ERASURE]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None  # only key material is binary, and it is never exported
    return value


def export_rows(session: Session, workspace_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every exported table's rows of the workspace, as JSON-ready dicts."""
    exported: dict[str, list[dict[str, Any]]] = {}
    for table in workspace_tables():
        if table.name in NOT_EXPORTED:
            continue
        rows = session.execute(select(table).where(table.c.workspace_id == workspace_id))
        exported[table.name] = [{key: _plain(value) for key, value in row._mapping.items()}
                                for row in rows]
    return exported


def document_files(session: Session, workspace_id: str) -> Sequence[tuple[str, str, str]]:
    """(document id, sha256, file name) of every document of the workspace."""
    rows = session.execute(
        select(Document.id, Document.sha256, Document.file_name)
        .where(Document.workspace_id == workspace_id).order_by(Document.created_at))
    return [(row[0], row[1], row[2]) for row in rows]


def hashes_used_elsewhere(session: Session, workspace_id: str, hashes: set[str]) -> set[str]:
    """Which of `hashes` another workspace's documents also hold (blobs are shared)."""
    if not hashes:
        return set()
    return set(session.scalars(
        select(Document.sha256).where(Document.workspace_id != workspace_id,
                                      Document.sha256.in_(hashes))))


def erase_rows(session: Session, workspace_id: str) -> dict[str, int]:
    """Delete every row of the workspace, the workspace and its data key included."""
    counts: dict[str, int] = {}
    for table in reversed(workspace_tables()):  # children before parents
        result = session.execute(delete(table).where(table.c.workspace_id == workspace_id))
        counts[table.name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    session.execute(delete(Workspace).where(Workspace.id == workspace_id))
    return counts


def record_privacy_event(session: Session, *, slug: str, workspace_id: str, action: str,
                         actor: str, details: dict[str, Any], at: datetime) -> None:
    session.add(PrivacyEvent(workspace_slug=slug, workspace_id=workspace_id, action=action,
                             actor=actor, details=json.dumps(details, sort_keys=True), at=at))


def privacy_events(session: Session, slug: str) -> Sequence[PrivacyEvent]:
    return session.scalars(select(PrivacyEvent).where(PrivacyEvent.workspace_slug == slug)
                           .order_by(PrivacyEvent.at)).all()


def originals_received_before(session: Session, cutoff: datetime
                              ) -> Sequence[tuple[str, str, str]]:
    """(workspace id, document id, sha256) of documents that arrived before `cutoff`."""
    rows = session.execute(select(Document.workspace_id, Document.id, Document.sha256)
                           .where(Document.created_at < cutoff))
    return [(row[0], row[1], row[2]) for row in rows]


def hashes_still_kept(session: Session, hashes: set[str], cutoff: datetime) -> set[str]:
    """Which of `hashes` a document received on or after `cutoff` still needs."""
    if not hashes:
        return set()
    return set(session.scalars(select(Document.sha256).where(
        Document.sha256.in_(hashes), Document.created_at >= cutoff)))
