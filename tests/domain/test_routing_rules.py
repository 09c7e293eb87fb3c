"""Confidence and routing: thresholds, supplier rules, duplicates, audited overrides."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liasse.domain.routing import (
    ConfidenceInputs,
    DocumentConfidence,
    DuplicateSignal,
    OverrideRefused,
    Thresholds,
    document_confidence,
    override,
    route_document,
)
from liasse.domain.suppliers import SupplierRule

SURE_FIELDS = {"supplier_name": 0.99, "invoice_number": 0.99, "issue_date": 0.99,
               "total_amount": 0.99, "currency": 0.99, "net_amount": 0.99, "tax_amount": 0.99}


def confidence(value: float) -> DocumentConfidence:
    return DocumentConfidence(value, ("because",))


def test_confidence_combines_fields_supplier_and_checks() -> None:
    sure = document_confidence(ConfidenceInputs(SURE_FIELDS, 0.99, arithmetic_holds=True))
    assert sure.value >= 0.95 and "net + VAT = total" in sure.reasons
    weak = document_confidence(ConfidenceInputs({**SURE_FIELDS, "total_amount": 0.4}, 0.5,
                                                arithmetic_holds=False))
    assert weak.value < sure.value
    assert "total amount uncertain (40%)" in weak.reasons and "net + VAT ≠ total" in weak.reasons
    missing = document_confidence(ConfidenceInputs({}, 0.0))
    assert missing.value < 0.55 and "invoice number not found" in missing.reasons


def test_a_receipt_needs_no_invoice_number_an_invoice_does() -> None:
    """A till receipt is attached to its debit by shop, date and total: no number to cap it."""
    unnumbered = {name: value for name, value in SURE_FIELDS.items() if name != "invoice_number"}
    receipt = document_confidence(ConfidenceInputs(unnumbered, 0.99, arithmetic_holds=True,
                                                   document_type="receipt"))
    invoice = document_confidence(ConfidenceInputs(unnumbered, 0.99, arithmetic_holds=True))
    assert receipt.value >= 0.85 > invoice.value
    assert not any("invoice number" in reason for reason in receipt.reasons)
    unsure_total = document_confidence(ConfidenceInputs(
        {**unnumbered, "total_amount": 0.6}, 0.99, arithmetic_holds=True,
        document_type="receipt"))
    assert unsure_total.value <= 0.6


def test_identifier_flags_and_duplicates_lower_the_confidence() -> None:
    base = document_confidence(ConfidenceInputs(SURE_FIELDS, 0.99, arithmetic_holds=True))
    flagged = document_confidence(ConfidenceInputs(SURE_FIELDS, 0.99, arithmetic_holds=True,
                                                   identifier_flags=("invalid VAT id X",)))
    assert flagged.value == pytest.approx(base.value - 0.15)
    assert "invalid VAT id X" in flagged.reasons
    near = DuplicateSignal("d0", certain=False, blocks_posting=False, reason="same amount")
    lowered = document_confidence(ConfidenceInputs(SURE_FIELDS, 0.99, arithmetic_holds=True,
                                                   duplicate=near))
    assert lowered.value < base.value and any("possible duplicate of d0" in r
                                              for r in lowered.reasons)


@pytest.mark.parametrize(("value", "route"), [(0.54, "refused"), (0.55, "review"),
                                              (0.84, "review"), (0.85, "approved")])
def test_default_thresholds(value: float, route: str) -> None:
    decision = route_document(confidence(value), Thresholds())
    assert decision.route == route
    assert "because" in decision.reasons
    if route == "refused":
        assert "below 55%" in decision.reasons[0]


def test_workspace_and_supplier_thresholds() -> None:
    strict = Thresholds(review_from=0.6, approve_from=0.95)
    assert route_document(confidence(0.9), strict).route == "review"
    assert route_document(confidence(0.58), strict).route == "refused"
    from_90 = SupplierRule(approve_from=0.90)
    assert route_document(confidence(0.88), Thresholds(), from_90).route == "review"
    assert route_document(confidence(0.91), Thresholds(), from_90).route == "approved"
    always = SupplierRule(always_review=True)
    held = route_document(confidence(0.99), Thresholds(), always)
    assert held.route == "review" and "always review" in held.reasons[0]
    with pytest.raises(ValueError):
        Thresholds(review_from=0.9, approve_from=0.5)


def test_certain_duplicate_is_refused_and_blocked() -> None:
    copy = DuplicateSignal("d0", certain=True, blocks_posting=True, reason="same file as d0")
    decision = route_document(confidence(0.99), Thresholds(), duplicate=copy)
    assert decision.route == "refused" and not decision.may_post
    assert "same file as d0" in decision.reasons[0]


def test_non_invoice_documents_wait_in_review() -> None:
    decision = route_document(confidence(0.99), Thresholds(), document_type="payment_confirmation")
    assert decision.route == "review" and "payment confirmation" in " ".join(decision.reasons)


def test_override_is_audited() -> None:
    decision = route_document(confidence(0.7), Thresholds())
    at = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    record = override(decision, "claire@atelier.fr", "approved", "checked against the PO", at=at)
    assert record.before.route == "review" and record.after.route == "approved"
    assert record.after.may_post and record.after.overridden_by == "claire@atelier.fr"
    assert record.after.reasons[0] == "approved by claire@atelier.fr: checked against the PO"
    assert record.audit_line() == ("2026-11-02T09:30:00+00:00 claire@atelier.fr: review → "
                                   "approved (checked against the PO)")


def test_override_needs_a_reason_and_never_posts_a_copy() -> None:
    decision = route_document(confidence(0.7), Thresholds())
    with pytest.raises(OverrideRefused, match="reason"):
        override(decision, "claire", "approved", "  ")
    with pytest.raises(OverrideRefused, match="person"):
        override(decision, "", "approved", "ok")
    copy = route_document(confidence(0.99), Thresholds(), duplicate=DuplicateSignal(
        "d0", certain=True, blocks_posting=True, reason="same file"))
    with pytest.raises(OverrideRefused, match="never be posted twice"):
        override(copy, "claire", "approved", "I insist")
    assert override(copy, "claire", "review", "let me look").after.route == "review"
