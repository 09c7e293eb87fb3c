"""DocumentFacts from an extraction: money, dates, signs, original and converted amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from liasse.domain.documents import facts_from_extraction
from liasse.domain.extraction import ExtractedField, ExtractionResult
from liasse.domain.matching.fx import FxRates
from liasse.domain.money import Money


def extraction(document_type: str = "invoice", **values: str) -> ExtractionResult:
    return ExtractionResult(file="Inbox/a.pdf", sha256="abc", layer="text", einvoice=None,
                            document_type=document_type,  # type: ignore[arg-type]
                            fields={name: ExtractedField(value, 0.9, "seen")
                                    for name, value in values.items()},
                            confidence=0.9)


def test_amounts_dates_and_confidences() -> None:
    facts = facts_from_extraction(extraction(
        supplier_name="Papeterie Martin", invoice_number="PM-1", issue_date="2026-10-08",
        due_date="2026-11-07", currency="EUR", net_amount="88.00", tax_amount="17.60",
        total_amount="105.60"), "d1")
    assert facts.total == Money(10560, "EUR") and facts.issue_date == date(2026, 10, 8)
    assert facts.arithmetic_holds() is True and facts.confidence("total_amount") == 0.9
    assert facts.converted_total == facts.total and facts.warnings == ()


def test_credit_note_is_negative() -> None:
    facts = facts_from_extraction(extraction("credit_note", total_amount="45.00",
                                             net_amount="37.50", tax_amount="7.50"), "c1")
    assert facts.total == Money(-4500, "EUR") and facts.is_credit_note
    assert facts.arithmetic_holds() is True


def test_foreign_currency_keeps_original_and_converted() -> None:
    rates = FxRates("EUR", {"USD": Decimal("0.92")})
    facts = facts_from_extraction(extraction(currency="USD", total_amount="120.00"), "u1", rates)
    assert facts.total == Money(12000, "USD")
    assert facts.converted_total == Money(11040, "EUR")
    unknown = facts_from_extraction(extraction(currency="CHF", total_amount="10.00"), "u2", rates)
    assert unknown.converted_total is None
    assert "no CHF→EUR rate configured" in unknown.warnings


def test_unreadable_values_become_warnings_not_guesses() -> None:
    facts = facts_from_extraction(extraction(total_amount="12,3,4", issue_date="08/10/2026"), "x")
    assert facts.total is None and facts.issue_date is None
    assert len(facts.warnings) == 2
    assert facts.arithmetic_holds() is None
