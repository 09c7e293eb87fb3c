"""A new supplier's company identifiers are written in one statement: when another
supplier already holds one of them, none of the new row's keys (nor the row) is left."""

from __future__ import annotations

from sqlalchemy import Engine, select

from liasse.domain.suppliers import Supplier
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import SupplierKey, SupplierRow

# Valid SIRENs (Luhn): the keys sort as A < B < C.
A, B, C = "443061841", "552081317", "732829320"


def test_a_supplier_sharing_one_identifier_is_the_known_one(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        repo = SupplierRepo(session, workspace_id)
        known = repo.add(Supplier("", "Known SAS", sirens=(B,)))
        # A and C would go in, B is held: the known supplier comes back, A and C do not stay.
        again = repo.add(Supplier("", "Known", sirens=(A, B, C)))
        fresh = repo.add(Supplier("", "Fresh SAS", sirens=(A, C)))
    with sessions.begin() as session:
        rows = set(session.scalars(select(SupplierRow.id)).all())
        keys = dict(session.execute(select(SupplierKey.key, SupplierKey.supplier_id)).all())
    assert again.id == known.id
    assert rows == {known.id, fresh.id}
    assert keys == {A: fresh.id, B: known.id, C: fresh.id}
