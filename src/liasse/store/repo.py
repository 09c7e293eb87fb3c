"""Repositories: every query liasse makes, and the only place that builds them.

Each repository is bound to one workspace and one aggregate at construction
(`ConnectionRepo` with its leases, `SourceFileRepo`, `DocumentRepo` with the audit trail,
`OutboxRepo`, `SecretRepo`, and the bank, supplier, web… ones); none of their methods takes
a workspace or can reach another workspace's rows (`tests/store/test_isolation.py` walks
every public method to prove it). The few cross-workspace functions (creating and
listing workspaces, key rotation) live here at module level and say so in their names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from liasse.store.tables import (
    AuditEvent,
    Connection,
    DataKey,
    Document,
    OutboxItem,
    Secret,
    SourceFile,
    Workspace,
)

_Row = TypeVar("_Row", Connection, SourceFile, Document, OutboxItem, AuditEvent, Secret)


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



class BoundRepo:
    """The common part of the per-aggregate repositories: a session and one workspace."""

    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def _one(self, model: type[_Row], row_id: str) -> _Row:
        row = self.session.get(model, row_id)
        if row is None or row.workspace_id != self.workspace_id:
            raise NotFound(f"{model.__tablename__} {row_id}")
        return row
