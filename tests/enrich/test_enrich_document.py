"""`enrich_document` end to end, and the pipeline port it is plugged in through."""

from __future__ import annotations

from decimal import Decimal

from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.ports import Enricher, WorkspaceContext
from liasse.domain.routing import Thresholds
from liasse.domain.suppliers import OwnCompany, Supplier, SupplierRule
from liasse.enrich import DirectoryEnricher, WorkspaceKnowledge, enrich_document
from liasse.enrich.directory import InMemoryDirectory
from liasse.enrich.duplicates import DuplicateIndex
from liasse.samples.demo import DEMO_COMPANY, PAPETERIE

OWN = OwnCompany(names=(DEMO_COMPANY.name,), vat_ids=(DEMO_COMPANY.vat_id,))
PAPETERIE_RECORD = Supplier("pap", PAPETERIE.name, vat_ids=(PAPETERIE.vat_id,),
                            ibans=(PAPETERIE.iban,), default_account="6064")


def extraction(sha: str = "h1", confidence: float = 0.98, **overrides: str) -> ExtractionResult:
    values = {"supplier_name": PAPETERIE.name, "supplier_vat_id": PAPETERIE.vat_id,
              "supplier_iban": PAPETERIE.iban, "invoice_number": "PM-48213",
              "issue_date": "2026-10-08", "currency": "EUR", "net_amount": "88.00",
              "tax_amount": "17.60", "total_amount": "105.60", **overrides}
    return ExtractionResult("Inbox/pm.pdf", sha, "einvoice", None, "invoice",
                            {name: ExtractedField(value, confidence, "seen")
                             for name, value in values.items()}, confidence)


def knowledge(**changes: object) -> WorkspaceKnowledge:
    base: dict[str, object] = {"directory": InMemoryDirectory([PAPETERIE_RECORD]),
                               "own_company": OWN}
    base.update(changes)
    return WorkspaceKnowledge(**base)  # type: ignore[arg-type]


def test_sure_invoice_of_a_known_supplier_is_approved() -> None:
    result = enrich_document(extraction(), "d1", knowledge())
    assert result.supplier.supplier == PAPETERIE_RECORD
    assert result.account.account == "6064" and result.account.source == "supplier_rule"
    assert result.routing.route == "approved" and result.routing.may_post
    assert any("VAT id" in reason for reason in result.routing.reasons)


def test_uncertain_fields_go_to_review_and_a_rule_can_hold_a_supplier() -> None:
    assert enrich_document(extraction(confidence=0.6), "d1", knowledge()).routing.route \
        in ("review", "refused")
    held = Supplier("pap", PAPETERIE.name, vat_ids=(PAPETERIE.vat_id,),
                    rule=SupplierRule(always_review=True))
    result = enrich_document(extraction(), "d1",
                             knowledge(directory=InMemoryDirectory([held])))
    assert result.routing.route == "review"


def test_forwarded_copy_of_a_posted_invoice_is_blocked() -> None:
    first = enrich_document(extraction(), "d1", knowledge())
    index = DuplicateIndex([first.known_document])
    copy = enrich_document(extraction(sha="h2", invoice_number="PM 48213"), "d2",
                           knowledge(duplicates=index))
    assert copy.duplicates[0].kind == "business_key"
    assert copy.routing.route == "refused" and not copy.routing.may_post


def test_a_sales_document_of_the_workspace_is_not_a_supplier_invoice() -> None:
    result = enrich_document(extraction(supplier_name=DEMO_COMPANY.name,
                                        supplier_vat_id=DEMO_COMPANY.vat_id), "s1", knowledge())
    assert result.supplier.outcome == "own_company"
    assert result.routing.route == "review" and not result.routing.may_post


def test_directory_enricher_fits_the_pipeline_port() -> None:
    enricher = DirectoryEnricher(lambda context: knowledge(
        thresholds=Thresholds(float(context.review_from), float(context.approve_from))))
    assert isinstance(enricher, Enricher)
    context = WorkspaceContext("ws", (DEMO_COMPANY.name,), (DEMO_COMPANY.vat_id,),
                               Decimal("0.55"), Decimal("0.85"))
    enrichment = enricher.enrich(extraction(), context)
    assert enrichment.route == "approved" and enrichment.ledger_account == "6064"
    assert enrichment.supplier_name == PAPETERIE.name
    assert isinstance(enrichment.confidence, Decimal)
