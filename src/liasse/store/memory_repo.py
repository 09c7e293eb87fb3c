"""The workspace's supplier memories, and the account classifier its workers share, from
the store (bound to one workspace).

It hands out `extract.memory.SupplierMemory` objects, never rows; what to learn from a
confirmation is `liasse.app.learning`'s decision, kept out of here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Select,
    String,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liasse.extract.memory import SupplierMemory
from liasse.store.tables import SupplierRow, utcnow
from liasse.store.tables_memory import AccountModelRow, SupplierMemoryRow


@dataclass(frozen=True)
class SharedModel:
    """What the shared account classifier was fitted on (its bytes are read apart)."""

    postings: int
    history_version: tuple[int, datetime | None]
    fitted_at: datetime


class MemoryRepo:
    def __init__(self, session: Session, workspace_id: str) -> None:
        self.session = session
        self.workspace_id = workspace_id

    def memories(self) -> list[SupplierMemory]:
        """Every supplier's memory, with the supplier's current name."""
        rows = self.session.execute(
            select(SupplierMemoryRow, SupplierRow.legal_name)
            .join(SupplierRow, SupplierRow.id == SupplierMemoryRow.supplier_id)
            .where(SupplierMemoryRow.workspace_id == self.workspace_id,
                   SupplierRow.workspace_id == self.workspace_id,
                   SupplierRow.merged_into.is_(None))
            .order_by(SupplierRow.legal_name, SupplierMemoryRow.id)).all()
        return [_to_memory(row, name) for row, name in rows]

    def memories_version(self) -> tuple[object, ...]:
        """Changes whenever a memory is saved, forgotten or added (`save` sets `updated_at`)
        or a supplier changes (its name goes with its memory; merges move memories): a
        cached `memories()` read at the same version is still right. One row, one query."""
        row = self.session.execute(_MEMORIES_VERSION,
                                   {"workspace_id": self.workspace_id}).one()
        return tuple(row)

    def memory_of(self, supplier_id: str) -> SupplierMemory | None:
        found = self.session.execute(
            select(SupplierMemoryRow, SupplierRow.legal_name)
            .join(SupplierRow, SupplierRow.id == SupplierMemoryRow.supplier_id)
            .where(SupplierMemoryRow.workspace_id == self.workspace_id,
                   SupplierMemoryRow.supplier_id == supplier_id)).first()
        return _to_memory(found[0], found[1]) if found is not None else None

    def save(self, memory: SupplierMemory) -> None:
        """Write one supplier's memory whole (created on its first confirmation)."""
        owner = self.session.get(SupplierRow, memory.supplier_id)
        if owner is None or owner.workspace_id != self.workspace_id:
            raise LookupError(f"no supplier {memory.supplier_id} in this workspace")
        row = self._row(memory.supplier_id)
        if row is None:
            row = SupplierMemoryRow(workspace_id=self.workspace_id,
                                    supplier_id=memory.supplier_id)
            self.session.add(row)
        row.knowledge = memory.to_json()
        row.ledger_account = memory.ledger_account
        row.confirmations, row.not_invoice = memory.confirmations, memory.not_invoice
        row.updated_at = utcnow()
        self.session.flush()

    def forget(self, supplier_id: str) -> bool:
        """Drop what was learned about this supplier; False if nothing was."""
        result = self.session.execute(delete(SupplierMemoryRow).where(
            SupplierMemoryRow.workspace_id == self.workspace_id,
            SupplierMemoryRow.supplier_id == supplier_id))
        self.session.flush()
        return bool(getattr(result, "rowcount", 0))

    def move(self, from_id: str, to_id: str) -> None:
        """A supplier folded into another: its memory goes along unless the other has one."""
        if self._row(to_id) is not None:
            self.forget(from_id)
            return
        self.session.execute(update(SupplierMemoryRow).where(
            SupplierMemoryRow.workspace_id == self.workspace_id,
            SupplierMemoryRow.supplier_id == from_id).values(supplier_id=to_id))
        self.session.flush()

    def shared_model(self) -> SharedModel | None:
        """The shared account classifier's facts, without its bytes (a check is cheap)."""
        row = self.session.execute(select(
            AccountModelRow.postings, AccountModelRow.history_count,
            AccountModelRow.history_latest, AccountModelRow.fitted_at).where(
            AccountModelRow.workspace_id == self.workspace_id)).first()
        if row is None:
            return None
        return SharedModel(int(row.postings), (int(row.history_count), row.history_latest),
                           row.fitted_at)

    def take_model_fit(self, *, wait: bool) -> bool:
        """The turn to fit the workspace's classifier, held until the transaction ends: on
        PostgreSQL an advisory lock (`wait`: until the worker fitting it now is done), so
        two workers whose models came due together do not both fit one. SQLite has one
        process: always its turn."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        key = {"workspace": self.workspace_id}
        if wait:
            self.session.execute(text("SELECT pg_advisory_xact_lock("
                                      "hashtext('liasse:account-model:' || :workspace))"), key)
            return True
        return bool(self.session.execute(text(
            "SELECT pg_try_advisory_xact_lock(hashtext('liasse:account-model:' || :workspace))"),
            key).scalar())

    def shared_model_bytes(self) -> bytes | None:
        return self.session.scalar(select(AccountModelRow.model).where(
            AccountModelRow.workspace_id == self.workspace_id))

    def share_model(self, facts: SharedModel, model: bytes) -> None:
        """Keep this classifier for the other workers, unless the one kept was fitted on a
        longer history; two workers sharing at once: the first one's stays."""
        row = self.session.get(AccountModelRow, self.workspace_id)
        if row is not None and row.postings > facts.postings:
            return
        values = {"postings": facts.postings, "history_count": facts.history_version[0],
                  "history_latest": facts.history_version[1], "fitted_at": facts.fitted_at,
                  "model": model}
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            self.session.flush()
            return
        try:
            with self.session.begin_nested():
                self.session.add(AccountModelRow(workspace_id=self.workspace_id, **values))
        except IntegrityError:
            pass  # another worker shared its own a moment ago: as good as this one

    def _row(self, supplier_id: str) -> SupplierMemoryRow | None:
        return self.session.scalars(select(SupplierMemoryRow).where(
            SupplierMemoryRow.workspace_id == self.workspace_id,
            SupplierMemoryRow.supplier_id == supplier_id)).first()


def _to_memory(row: SupplierMemoryRow, name: str) -> SupplierMemory:
    return SupplierMemory.from_json(row.supplier_id, name, row.knowledge or {},
                                    ledger_account=row.ledger_account,
                                    confirmations=row.confirmations,
                                    not_invoice=row.not_invoice)


def _memories_version() -> Select[Any]:
    workspace_id: BindParameter[str] = bindparam("workspace_id", type_=String())
    suppliers = (select(func.count(), func.coalesce(func.sum(SupplierRow.revision), 0))
                 .where(SupplierRow.workspace_id == workspace_id).subquery())
    return (select(func.count(SupplierMemoryRow.id), func.max(SupplierMemoryRow.updated_at),
                   *suppliers.c)
            .select_from(suppliers)
            .outerjoin(SupplierMemoryRow, SupplierMemoryRow.workspace_id == workspace_id)
            .group_by(*suppliers.c))


# Built once: the extractor checks it before every document.
_MEMORIES_VERSION = _memories_version()
