"""What a generated document says, before it is drawn: parties, lines, totals and print style.

The corpus draws every document from one `DocumentSpec`, and derives its ground truth from
the same spec, so that the truth can never disagree with what the page shows. Amounts are
`Decimal` rounded to the cent (money is never a float).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Language = Literal["fr", "en", "de"]
CorpusDocumentType = Literal["invoice", "credit_note", "receipt", "payment_confirmation", "other"]

CENT = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """Round half up to the cent, as invoices print it."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Party:
    """A company as printed on a document; None means the document does not show it."""

    name: str
    address: tuple[str, ...]
    country: str
    siren: str | None = None
    siret: str | None = None
    vat_id: str | None = None
    iban: str | None = None
    bic: str | None = None
    email: str | None = None
    website: str | None = None
    phone: str | None = None
    capital: str | None = None
    rcs_city: str | None = None


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal  # percent: 20, 5.5, 0
    discount_percent: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        gross = self.quantity * self.unit_price
        return to_cents(gross * (Decimal(100) - self.discount_percent) / Decimal(100))


@dataclass(frozen=True)
class Style:
    """How the page prints numbers, dates, identifiers and labels."""

    language: Language
    number_style: str  # a key of formats.NUMBER_STYLES
    date_style: str  # a key of formats.DATE_STYLES
    currency_style: str  # a key of formats.CURRENCY_STYLES
    font: str  # a standard PDF font family: Helvetica, Times-Roman, Courier
    label_variant: int  # picks one synonym per label
    spaced_ids: bool  # "194 127 726" rather than "194127726"


@dataclass(frozen=True)
class DocumentSpec:
    """Everything a layout needs to draw one document."""

    document_type: CorpusDocumentType
    style: Style
    supplier: Party
    customer: Party
    number: str
    issue_date: date
    due_date: date | None  # the due date the document states, printed or implied by terms
    due_date_printed: bool  # False when only payment terms state it
    terms: str | None  # key of formats.TERMS, or None
    currency: str
    lines: tuple[Line, ...]
    global_discount_percent: Decimal = Decimal(0)
    payment_reference: str | None = None
    negative: bool = False  # a credit note printing its amounts with a minus sign
    related_number: str | None = None  # the invoice a credit note or payment refers to
    vat_exemption: str | None = None  # key of formats.EXEMPTIONS when no VAT is charged
    invalid_fields: tuple[str, ...] = field(default=())

    @property
    def lines_net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal(0))

    @property
    def discount_amount(self) -> Decimal:
        return to_cents(self.lines_net * self.global_discount_percent / Decimal(100))

    @property
    def net_amount(self) -> Decimal:
        return self.lines_net - self.discount_amount

    @property
    def tax_by_rate(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        """Rate → (base, tax). A global discount only ever comes with a single rate."""
        bases: dict[Decimal, Decimal] = {}
        for line in self.lines:
            bases[line.vat_rate] = bases.get(line.vat_rate, Decimal(0)) + line.net
        if self.global_discount_percent and len(bases) == 1:
            rate = next(iter(bases))
            bases[rate] = self.net_amount
        return {rate: (base, to_cents(base * rate / Decimal(100)))
                for rate, base in sorted(bases.items(), reverse=True)}

    @property
    def tax_amount(self) -> Decimal:
        return sum((tax for _, tax in self.tax_by_rate.values()), Decimal(0))

    @property
    def total_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    def signed(self, value: Decimal) -> Decimal:
        """The amount as the page prints it: negative on credit notes that print a minus."""
        return -value if self.negative and value else value
