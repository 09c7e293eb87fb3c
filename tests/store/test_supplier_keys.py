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


def test_a_new_supplier_is_given_back_as_the_store_reads_it(engine: Engine) -> None:
    """`add` writes with two Core statements and builds its answer itself: it must be the
    supplier a read gives back (tuples, an empty rule, a fresh id), at revision 1."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        repo = SupplierRepo(session, workspace_id)
        added = repo.add(Supplier("ignored", "Papeterie SAS", name_variants=("PAPETERIE",),
                                  vat_ids=("FR40443061841",), domains=("papeterie.fr",),
                                  default_account="606400"))
    with sessions.begin() as session:
        repo = SupplierRepo(session, workspace_id)
        assert repo.get(added.id) == added
        assert added.id != "ignored"
        assert session.get(SupplierRow, added.id).revision == 1  # type: ignore[union-attr]
        assert repo.directory_version() == (1, 1)
