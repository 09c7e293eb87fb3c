"""`DocumentFacts`: one extracted document as the enricher and the matcher read it.

Amounts become `Money` (credit notes negative), dates become `date`, and a document in a
foreign currency keeps its original total beside the total converted into the account's
currency (from a configured rate table; the matcher later prefers the bank's own figure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from liasse.domain.extraction import DocumentType, ExtractionResult
from liasse.domain.matching.fx import FxRates
from liasse.domain.money import Money, MoneyError

AMOUNT_FIELDS = ("net_amount", "tax_amount", "total_amount")


@dataclass(frozen=True)
class DocumentFacts:
    id: str
    sha256: str
    document_type: DocumentType
    supplier_name: str | None = None
    supplier_vat_id: str | None = None
    supplier_siren: str | None = None
    supplier_siret: str | None = None
    supplier_iban: str | None = None
    supplier_domain: str | None = None
    customer_name: str | None = None
    customer_vat_id: str | None = None
    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    total: Money | None = None  # signed: a credit note's total is negative
    net: Money | None = None
    tax: Money | None = None
    converted_total: Money | None = None  # in the account's currency; None if no rate known
    payment_reference: str | None = None
    file: str = ""
    confidences: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def currency(self) -> str | None:
        return self.total.currency if self.total else None

    @property
    def is_credit_note(self) -> bool:
        return self.document_type == "credit_note"

    def confidence(self, name: str) -> float:
        return self.confidences.get(name, 0.0)

    def arithmetic_holds(self) -> bool | None:
        """net + tax = total (signs aside); None when a figure is missing."""
        if self.net is None or self.tax is None or self.total is None:
            return None
        if len({self.net.currency, self.tax.currency, self.total.currency}) > 1:
            return False
        return abs(self.net.minor) + abs(self.tax.minor) == abs(self.total.minor)


def _parse_date(raw: str | None, name: str, warnings: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        warnings.append(f"{name} {raw!r} is not a date")
        return None


def _parse_amount(raw: str | None, currency: str, name: str, negative: bool,
                  warnings: list[str]) -> Money | None:
    if raw is None:
        return None
    try:
        amount = Money.parse(raw, currency)
    except MoneyError:
        warnings.append(f"{name} {raw!r} is not an amount")
        return None
    return Money(-abs(amount.minor), amount.currency) if negative else amount


def facts_from_extraction(extraction: ExtractionResult, document_id: str,
                          rates: FxRates | None = None) -> DocumentFacts:
    """Typed facts from an extraction; unreadable values become None with a warning."""
    rates = rates or FxRates()
    warnings: list[str] = []
    currency = (extraction.value("currency") or rates.account_currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        warnings.append(f"currency {currency!r} unknown, assumed {rates.account_currency}")
        currency = rates.account_currency
    negative = extraction.document_type == "credit_note"
    amounts = {name: _parse_amount(extraction.value(name), currency, name, negative, warnings)
               for name in AMOUNT_FIELDS}
    total = amounts["total_amount"]
    converted = rates.convert(total) if total else None
    if total and converted is None:
        warnings.append(f"no {currency}→{rates.account_currency} rate configured")
    return DocumentFacts(
        id=document_id,
        sha256=extraction.sha256,
        document_type=extraction.document_type,
        supplier_name=extraction.value("supplier_name"),
        supplier_vat_id=extraction.value("supplier_vat_id"),
        supplier_siren=extraction.value("supplier_siren"),
        supplier_siret=extraction.value("supplier_siret"),
        supplier_iban=extraction.value("supplier_iban"),
        supplier_domain=extraction.value("supplier_domain"),
        customer_name=extraction.value("customer_name"),
        customer_vat_id=extraction.value("customer_vat_id"),
        invoice_number=extraction.value("invoice_number"),
        issue_date=_parse_date(extraction.value("issue_date"), "issue_date", warnings),
        due_date=_parse_date(extraction.value("due_date"), "due_date", warnings),
        total=total,
        net=amounts["net_amount"],
        tax=amounts["tax_amount"],
        converted_total=converted,
        payment_reference=extraction.value("payment_reference"),
        file=extraction.file,
        confidences={name: item.confidence for name, item in extraction.fields.items()
                     if item.value is not None},
        warnings=tuple(warnings),
    )
