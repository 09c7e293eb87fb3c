"""The store-backed enricher in the pipeline: suppliers remembered, copies never posted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from liasse.app.pipelines import CascadeExtractor
from liasse.app.settings import load_settings
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import InvoiceToPost, PostResult
from liasse.domain.states import State
from liasse.domain.suppliers import Posting, Supplier
from liasse.enrich.classifier import AccountClassifier
from liasse.extract.memory import SupplierMemory
from liasse.samples.demo import COWORK, DEMO_COMPANY
from liasse.store.documents_repo import DocumentRepo
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import utcnow
from liasse.sync.enrichment import ClassifierCache, SharedClassifiers, StoreEnricher
from liasse.sync.pipeline import Pipeline
from liasse.sync.window import run_window
from scripted import PipelineFactory, inbox_of, invoice_file

COWORK_FIELDS = {"supplier_name": COWORK.name, "supplier_vat_id": COWORK.vat_id,
                 "supplier_siren": COWORK.siren, "supplier_iban": COWORK.iban,
                 "net_amount": "1000.00", "tax_amount": "200.00", "total_amount": "1200.00",
                 "customer_name": DEMO_COMPANY.name}


class Bank:
    def __init__(self) -> None:
        self.posted: list[str] = []

    def post(self, invoices: list[InvoiceToPost]) -> list[PostResult]:
        self.posted += [invoice.file_name for invoice in invoices]
        return [PostResult(invoice.document_id, f"si-{invoice.file_name}")
                for invoice in invoices]


@pytest.fixture
def pipeline(inbox_pipeline: PipelineFactory) -> Pipeline:
    built = inbox_pipeline(Bank(), own_names=(DEMO_COMPANY.name,),
                           own_identifiers=(DEMO_COMPANY.vat_id, DEMO_COMPANY.siren))
    return replace(built, enricher=StoreEnricher(built.sessions))


def window(pipeline: Pipeline) -> dict[str, int]:
    # Each window gets a fresh enricher, as build_pipeline gives each window.
    fresh = replace(pipeline, enricher=StoreEnricher(pipeline.sessions))
    return run_window(fresh).as_dict()


def documents(pipeline: Pipeline) -> dict[str, Any]:
    with pipeline.sessions.begin() as session:
        return {d.file_name: (d.state, d.supplier_id, d.duplicate_of)
                for d in DocumentRepo(session, pipeline.workspace_id).list_documents()}


def test_a_supplier_with_identifiers_is_created_once_and_recognised(pipeline: Pipeline) -> None:
    inbox = inbox_of(pipeline)
    invoice_file(inbox, "one.pdf", 0.97, invoice_number="CR-2026-0101", **COWORK_FIELDS)
    window(pipeline)
    invoice_file(inbox, "two.pdf", 0.97, invoice_number="CR-2026-0102", **COWORK_FIELDS)
    window(pipeline)
    with pipeline.sessions.begin() as session:
        suppliers = SupplierRepo(session, pipeline.workspace_id).suppliers()
    assert [s.legal_name for s in suppliers] == [COWORK.name]
    seen = documents(pipeline)
    assert seen["one.pdf"][1] == seen["two.pdf"][1] == suppliers[0].id


def test_the_own_company_is_never_a_supplier(pipeline: Pipeline) -> None:
    fields = {**COWORK_FIELDS, "supplier_name": DEMO_COMPANY.name,
              "supplier_vat_id": DEMO_COMPANY.vat_id, "supplier_siren": DEMO_COMPANY.siren,
              "supplier_iban": DEMO_COMPANY.iban}
    invoice_file(inbox_of(pipeline), "sales.pdf", 0.97, invoice_number="S-1", **fields)
    window(pipeline)
    with pipeline.sessions.begin() as session:
        assert SupplierRepo(session, pipeline.workspace_id).suppliers() == []
    assert documents(pipeline)["sales.pdf"][0] != "posted"


def test_a_forwarded_copy_of_a_posted_invoice_never_reaches_the_bank(pipeline: Pipeline
                                                                     ) -> None:
    invoice_file(inbox_of(pipeline), "original.pdf", 0.97, invoice_number="CR-2026-0119",
                 **COWORK_FIELDS)
    window(pipeline)
    assert documents(pipeline)["original.pdf"][0] == "posted"
    # The same invoice forwarded by e-mail: other bytes, same supplier, number and total.
    invoice_file(inbox_of(pipeline), "Fwd original.pdf", 0.99, invoice_number="CR-2026-0119",
                 note="forwarded", **COWORK_FIELDS)
    window(pipeline)
    state, _, duplicate_of = documents(pipeline)["Fwd original.pdf"]
    assert state in {"in_review", "refused"}
    assert duplicate_of is not None
    assert pipeline.poster is not None
    assert pipeline.poster.posted == ["original.pdf"]  # type: ignore[attr-defined]


def test_the_posting_history_is_read_again_once_it_changed(pipeline: Pipeline) -> None:
    """One enricher serves many documents (a window, a worker's jobs): a document posted
    meanwhile joins the history the next suggestion learns from."""
    with pipeline.sessions.begin() as session:
        supplier = SupplierRepo(session, pipeline.workspace_id).add(Supplier(
            id="", legal_name=COWORK.name, vat_ids=(COWORK.vat_id,), sirens=(COWORK.siren,)))
    enricher = StoreEnricher(pipeline.sessions)
    extraction = ExtractionResult(
        file="next.pdf", sha256="e" * 64, layer="text", einvoice=None, document_type="invoice",
        fields={name: ExtractedField(value, 0.97, "scripted")
                for name, value in COWORK_FIELDS.items()}, confidence=0.97)

    def post_one(index: int) -> None:
        with pipeline.sessions.begin() as session:
            document = DocumentRepo(session, pipeline.workspace_id).create_document(
                sha256=f"{index:064d}", size=1, file_name=f"past-{index}.pdf",
                media_type="application/pdf", actor="test")
            document.state, document.supplier_id = State.POSTED, supplier.id
            document.ledger_account, document.updated_at = "6226", utcnow()

    for index in range(2):
        post_one(index)
    assert enricher.enrich(extraction, pipeline.context).ledger_account != "6226"
    post_one(2)  # three of three past documents went to 6226: the history says so now
    enriched = enricher.enrich(extraction, pipeline.context)
    assert enriched.ledger_account == "6226"
    assert any("3 of 3 past documents" in reason for reason in enriched.reasons)


def _postings(count: int) -> list[Posting]:
    accounts = ("6226", "6132", "6061")
    return [Posting(f"supplier-{index % 5}", f"facture {index} prestation {accounts[index % 3]}",
                    accounts[index % 3]) for index in range(count)]


def test_a_fitted_classifier_is_kept_until_the_history_grew_by_half() -> None:
    """A worker rebuilds its enrichers every half minute: the fitted model outlives them,
    and is fitted again once the history grew enough to teach it something new."""
    cache = ClassifierCache(growth=1.5, max_age=3600)
    assert cache.classifier("ws", (9, None), _postings(9)) is None  # too little history
    first = cache.classifier("ws", (10, None), _postings(10))
    assert first is not None
    assert cache.classifier("ws", (10, None), _postings(10)) is first
    assert cache.classifier("ws", (14, None), _postings(14)) is first  # grew by less than half
    grown = cache.classifier("ws", (15, None), _postings(15))
    assert grown is not None and grown is not first
    assert cache.classifier("other", (15, None), _postings(15)) is not grown  # per workspace


def test_a_classifier_older_than_its_age_limit_is_fitted_again_once_the_history_changed(
        ) -> None:
    cache = ClassifierCache(growth=10, max_age=0)
    first = cache.classifier("ws", (12, None), _postings(12))
    assert cache.classifier("ws", (12, None), _postings(12)) is first  # nothing changed
    corrected = utcnow()  # a person moved one posting to another account
    assert cache.classifier("ws", (12, corrected), _postings(12)) is not first


def test_workers_share_a_fitted_classifier_instead_of_each_fitting_it(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each worker process fitted its own classifier on the same history; now one fits it,
    the others load it from the store while it is not due to be fitted again, and one due
    is fitted again by whichever worker gets there and shared in turn."""
    fits: list[int] = []
    train = AccountClassifier.train

    def counted(postings: list[Posting]) -> AccountClassifier | None:
        fits.append(len(postings))
        return train(postings)

    monkeypatch.setattr(AccountClassifier, "train", staticmethod(counted))
    shared = SharedClassifiers(pipeline.sessions)
    one, two = ClassifierCache(shared=shared), ClassifierCache(shared=shared)
    workspace = pipeline.workspace_id
    fitted = one.classifier(workspace, (12, None), _postings(12))
    loaded = two.classifier(workspace, (12, None), _postings(12))
    assert fits == [12] and fitted is not None and loaded is not None
    for posting in _postings(12):
        assert loaded.top(posting.text, posting.supplier_id) == fitted.top(
            posting.text, posting.supplier_id)
    late = ClassifierCache(shared=shared)  # a worker started later, history grew a little
    assert late.classifier(workspace, (16, None), _postings(16)) is not None
    assert fits == [12]
    assert two.classifier(workspace, (18, None), _postings(18)) is not None  # grew by half
    assert fits == [12, 18]
    assert one.classifier(workspace, (18, None), _postings(18)) is not None
    assert fits == [12, 18]


def test_a_worker_goes_on_with_its_classifier_while_another_fits_the_next(
        pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers whose models came due together fitted one each; the one that does not
    get the turn keeps its model (fitted on a slightly shorter history) for now."""

    class AnotherFits(SharedClassifiers):
        @contextmanager
        def fitting(self, workspace_id: str, *, wait: bool) -> Iterator[MemoryRepo | None]:
            yield None

    cache = ClassifierCache(shared=SharedClassifiers(pipeline.sessions))
    first = cache.classifier(pipeline.workspace_id, (12, None), _postings(12))
    assert first is not None
    monkeypatch.setattr(cache, "_shared", AnotherFits(pipeline.sessions))
    monkeypatch.setattr(AccountClassifier, "train", staticmethod(_no_fit))
    assert cache.classifier(pipeline.workspace_id, (18, None), _postings(18)) is first
    # Nor is the store asked again before each document meanwhile.
    monkeypatch.setattr(AnotherFits, "facts", _no_fit)
    assert cache.classifier(pipeline.workspace_id, (19, None), _postings(19)) is first


def _no_fit(*_: object) -> AccountClassifier | None:
    raise AssertionError("another worker fits this one")


def test_the_extractor_reads_the_memories_again_only_once_they_changed(
        pipeline: Pipeline) -> None:
    """Each document checks one version row; a confirmation, a rename or a forgotten
    memory reaches the next document all the same."""
    with pipeline.sessions.begin() as session:
        supplier = SupplierRepo(session, pipeline.workspace_id).add(Supplier(
            id="", legal_name=COWORK.name, vat_ids=(COWORK.vat_id,)))
    extractor = CascadeExtractor(load_settings(), pipeline.sessions)

    def memories() -> tuple[SupplierMemory, ...]:
        return extractor._memories(pipeline.workspace_id)

    def save(confirmations: int) -> None:
        with pipeline.sessions.begin() as session:
            MemoryRepo(session, pipeline.workspace_id).save(SupplierMemory(
                supplier.id, COWORK.name, confirmations=confirmations))

    assert memories() == ()
    save(1)
    first = memories()
    assert [memory.confirmations for memory in first] == [1]
    assert memories() is first  # nothing changed: the same memories, not read again
    save(2)
    assert [memory.confirmations for memory in memories()] == [2]
    with pipeline.sessions.begin() as session:
        SupplierRepo(session, pipeline.workspace_id).rename(supplier.id, "Cowork Renamed")
    assert [memory.supplier_name for memory in memories()] == ["Cowork Renamed"]
    with pipeline.sessions.begin() as session:
        MemoryRepo(session, pipeline.workspace_id).forget(supplier.id)
    assert memories() == ()
