"""What the slip tests share: a workspace taught one OCR'd slip as a reviewer would."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.app import learning
from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page
from liasse.extract.memory import SupplierMemory
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo


def taught_slip(engine: Engine, pages: list[Page], total: str, *,
                date: str | None = None) -> tuple[SupplierMemory, ...]:
    """The memories left by confirming the slip's shop and total (and its date)."""
    sets = {"supplier_name": "KEDAI MAJU SDN BHD", "total_amount": total}
    if date is not None:
        sets["issue_date"] = date
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, pages,
                             read_document(pages, layer="ocr").fields, sets)
        return tuple(memories.memories())
