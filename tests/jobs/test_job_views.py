"""A job's views of the cached enricher and extraction engine check the store's versions
on the job's first document only, and still know what the job itself created; the next
job, and a window's enricher, see what others changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from liasse.app.pipelines import CascadeExtractor
from liasse.app.settings import load_settings
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import WorkspaceContext
from liasse.domain.states import State
from liasse.domain.suppliers import Supplier
from liasse.samples.demo import CABINET, COWORK, DEMO_COMPANY, PAPETERIE, DemoSupplier
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo
from liasse.sync import enrichment
from liasse.sync.enrichment import StoreEnricher


def invoice_of(seller: DemoSupplier, number: str) -> ExtractionResult:
    fields = {"supplier_name": seller.name, "supplier_vat_id": seller.vat_id,
              "supplier_siren": seller.siren, "supplier_iban": seller.iban,
              "invoice_number": number, "net_amount": "100.00", "tax_amount": "20.00",
              "total_amount": "120.00", "customer_name": DEMO_COMPANY.name}
    return ExtractionResult(
        file=f"{number}.pdf", sha256=number.ljust(64, "0"), layer="text", einvoice=None,
        document_type="invoice", confidence=0.97,
        fields={name: ExtractedField(value, 0.97, "scripted") for name, value in fields.items()})


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry each time an enricher asks the store for the knowledge's version."""
    seen: list[int] = []
    original = SupplierRepo.knowledge_version
    monkeypatch.setattr(SupplierRepo, "knowledge_version",
                        lambda self: seen.append(1) or original(self))
    return seen


def _workspace(engine: Engine) -> tuple[sessionmaker[Session], WorkspaceContext]:
    """A new workspace of the demo company, and what its enricher is told of it."""
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    return sessions, WorkspaceContext(workspace_id, (DEMO_COMPANY.name,),
                                      (DEMO_COMPANY.vat_id, DEMO_COMPANY.siren),
                                      Decimal("0.5"), Decimal("0.8"))


def test_a_job_checks_the_directory_once_and_creates_each_supplier_once(
        engine: Engine, checks: list[int]) -> None:
    sessions, context = _workspace(engine)
    workspace_id = context.workspace_id
    enricher = StoreEnricher(sessions)
    job = enricher.for_job()
    first = job.enrich(invoice_of(COWORK, "CR-1"), context, document_id="d1")
    second = job.enrich(invoice_of(COWORK, "CR-2"), context, document_id="d2")
    assert first.supplier_id is not None and second.supplier_id == first.supplier_id
    assert len(checks) == 1
    with sessions.begin() as session:  # another worker meets a seller meanwhile
        cabinet = SupplierRepo(session, workspace_id).add(Supplier(
            "", CABINET.name, vat_ids=(CABINET.vat_id,), sirens=(CABINET.siren,)))
    # This job did not look again, yet the seller is not created twice: its identifiers
    # are already held, so the existing row is the document's supplier.
    third = job.enrich(invoice_of(CABINET, "CB-1"), context, document_id="d3")
    assert third.supplier_id == cabinet.id
    with sessions.begin() as session:
        names = sorted(s.legal_name for s in SupplierRepo(session, workspace_id).suppliers())
    assert names == sorted([COWORK.name, CABINET.name])
    # The next job, and an enricher outside jobs, check before their documents.
    before = len(checks)
    enricher.for_job().enrich(invoice_of(CABINET, "CB-2"), context, document_id="d4")
    enricher.enrich(invoice_of(CABINET, "CB-3"), context, document_id="d5")
    enricher.enrich(invoice_of(CABINET, "CB-4"), context, document_id="d6")
    assert len(checks) - before == 3


def test_a_job_reads_the_memories_version_once(engine: Engine,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    versions: list[int] = []
    original = MemoryRepo.memories_version
    monkeypatch.setattr(MemoryRepo, "memories_version",
                        lambda self: versions.append(1) or original(self))
    engine_ = CascadeExtractor(load_settings(), sessions)
    job = engine_.for_job()
    assert job._memories(workspace_id) == job._memories(workspace_id) == ()
    assert len(versions) == 1
    engine_._memories(workspace_id)
    engine_._memories(workspace_id)
    engine_.for_job()._memories(workspace_id)
    assert len(versions) == 4


def test_a_jobs_history_is_read_again_only_after_a_while(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    context = WorkspaceContext(workspace_id, (DEMO_COMPANY.name,), (), Decimal("0.5"),
                               Decimal("0.8"))
    reads: list[int] = []
    original = SupplierRepo.postings
    monkeypatch.setattr(SupplierRepo, "postings", lambda self: reads.append(1) or original(self))
    enricher = StoreEnricher(sessions)

    def approve(number: str) -> None:  # a document joins the history
        with sessions.begin() as session:
            document = DocumentRepo(session, workspace_id).create_document(
                sha256=number.ljust(64, "0"), size=1, file_name=f"{number}.pdf",
                media_type="application/pdf", actor="test")
            document.state, document.ledger_account = State.APPROVED, "6064"

    enricher.for_job()._knowledge(context)
    approve("a1")
    assert len(enricher.for_job()._knowledge(context).history) == 0  # read a moment ago
    assert len(enricher._knowledge(context).history) == 1  # a window's enricher: at once
    approve("a2")
    monkeypatch.setattr(enrichment, "JOB_HISTORY_SECONDS", 0.0)
    assert len(enricher.for_job()._knowledge(context).history) == 2
    assert len(reads) == 3


def test_suppliers_created_here_and_elsewhere_are_read_without_the_others(
        engine: Engine, monkeypatch: pytest.MonkeyPatch, checks: list[int]) -> None:
    sessions, context = _workspace(engine)
    workspace_id = context.workspace_id
    enricher = StoreEnricher(sessions)
    job = enricher.for_job()
    cowork = job.enrich(invoice_of(COWORK, "CR-1"), context, document_id="d1")
    full_reads: list[int] = []
    read_all = SupplierRepo.suppliers
    monkeypatch.setattr(SupplierRepo, "suppliers",
                        lambda self: full_reads.append(1) or read_all(self))
    with sessions.begin() as session:  # another worker creates a seller meanwhile
        cabinet = SupplierRepo(session, workspace_id).add(Supplier(
            "", CABINET.name, vat_ids=(CABINET.vat_id,), sirens=(CABINET.siren,)))
    papeterie = job.enrich(invoice_of(PAPETERIE, "PA-1"), context, document_id="d2")
    again = job.enrich(invoice_of(PAPETERIE, "PA-2"), context, document_id="d3")
    assert papeterie.supplier_id is not None and again.supplier_id == papeterie.supplier_id
    assert len(checks) == 1  # the job still checked once, on its first document
    directory = enricher.for_job()._knowledge(context).directory
    assert full_reads == []  # the next job reads only the seller the other worker made
    for seller, supplier_id in ((COWORK, cowork.supplier_id), (CABINET, cabinet.id),
                                (PAPETERIE, papeterie.supplier_id)):
        assert [s.id for s in directory.by_company_key(seller.siren)] == [supplier_id]
