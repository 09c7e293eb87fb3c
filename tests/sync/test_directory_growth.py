"""The enricher's cached directory takes in the suppliers another writer created by
reading only those; any other change (a rename, a merge, a rule) reads it all again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from liasse.domain.ports import WorkspaceContext
from liasse.domain.suppliers import Supplier
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.suppliers_repo import SupplierRepo
from liasse.sync.enrichment import StoreEnricher

A, B, C = "443061841", "552081317", "732829320"


def test_suppliers_created_elsewhere_are_added_without_reading_the_others(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
        alpha = SupplierRepo(session, workspace_id).add(Supplier("", "Alpha SAS", sirens=(A,)))
    context = WorkspaceContext(workspace_id, ("Acme",), (), Decimal("0.5"), Decimal("0.8"))
    enricher = StoreEnricher(sessions)
    first = enricher._knowledge(context).directory
    full_reads: list[int] = []
    read_all = SupplierRepo.suppliers
    monkeypatch.setattr(SupplierRepo, "suppliers",
                        lambda self: full_reads.append(1) or read_all(self))
    with sessions.begin() as session:  # another worker meets two new sellers
        repo = SupplierRepo(session, workspace_id)
        beta = repo.add(Supplier("", "Beta SAS", sirens=(B,)))
        gamma = repo.add(Supplier("", "Gamma SARL", sirens=(C,)))
    second = enricher._knowledge(context).directory
    assert full_reads == []
    assert [s.id for s in second.by_company_key(B)] == [beta.id]
    assert [s.id for s in second.by_company_key(C)] == [gamma.id]
    assert [s.id for s in second.by_company_key(A)] == [alpha.id]
    assert first.by_company_key(B) == []  # the directory a document had is left as it was
    with sessions.begin() as session:  # a person renames one: everything is read again
        SupplierRepo(session, workspace_id).rename(alpha.id, "Alpha Conseil")
    third = enricher._knowledge(context).directory
    assert full_reads == [1]
    assert third.by_company_key(A)[0].legal_name == "Alpha Conseil"
    assert {s.id for s in (*third.by_company_key(B), *third.by_company_key(C))} == {
        beta.id, gamma.id}
