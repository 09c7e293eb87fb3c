"""The development corpus: seeded supplier documents with their ground truth, made on demand.

`generate(count, seed)` yields the same bytes for the same arguments, so tests and the
benchmark share one corpus without committing binaries. Document *i* depends only on
(seed, i): a shorter run is a prefix of a longer one. Layouts rotate, so any 20
consecutive documents cover every layout.

Ground truth conventions (the `extract/model.py` FIELD_NAMES, as strings or None):
- None where the page does not show the value; non-financial documents ("other") are all None.
- Identifiers compact; a deliberately mistyped identifier keeps its printed (invalid) value
  and is listed in `invalid_fields`; abstaining (None) on it is acceptable too.
- `supplier_siren` is the printed SIREN, or the first nine digits of a printed SIRET.
- `due_date` is the printed due date, or the one the printed terms imply ("30 jours fin
  de mois": the last day of the month 30 days after the issue date).
- Amounts keep the sign printed: credit notes that print a minus have negative truth.
- Payment confirmations: `total_amount` is the amount paid, `issue_date` the payment
  date and `invoice_number` the invoice the payment settles.
- `supplier_domain` comes from the website, else from a non-webmail e-mail address.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pypdfium2 as pdfium

from liasse.domain import identifiers
from liasse.domain.extraction import FIELD_NAMES
from liasse.samples import formats, parties
from liasse.samples.layouts import LAYOUTS, Layout
from liasse.samples.scan import ScanSettings, scan_document
from liasse.samples.spec import DocumentSpec, Line, Party, Style

SCANNED_SHARE = 0.18
INVALID_ID_SHARE = 0.1
FONTS = ("Helvetica", "Times-Roman", "Courier")

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "fr": ("Prestation de conseil", "Maintenance informatique", "Ramettes papier A4",
           "Location de matériel", "Développement logiciel", "Frais de déplacement",
           "Cartouches d'encre", "Abonnement mensuel", "Formation sur site", "Transport",
           "Nettoyage des locaux", "Impression de brochures", "Hébergement web",
           "Café et fournitures", "Réparation véhicule", "Audit comptable"),
    "en": ("Consulting services", "Software licence", "Cloud hosting", "Office supplies",
           "Design work", "Support plan", "Travel expenses", "Training session",
           "Data analysis", "Monthly subscription"),
    "de": ("Beratungsleistung", "Softwarelizenz", "Büromaterial", "Wartungsvertrag",
           "Druckerpatronen", "Schulung vor Ort", "Versandkosten", "Montagearbeiten",
           "Monatliche Gebühr"),
}


@dataclass(frozen=True)
class CorpusDocument:
    name: str
    data: bytes
    suffix: str  # ".pdf", ".png" or ".jpg"
    truth: dict[str, str | None]
    document_type: str
    layout: str
    scanned: bool
    held_out: bool
    language: str = "fr"
    pages: int = 1
    invalid_fields: tuple[str, ...] = ()


def generate(count: int = 400, seed: int = 0, *, scans: bool = True) -> Iterator[CorpusDocument]:
    """The first `count` documents of corpus `seed`; `scans=False` skips the (slow) scans."""
    customers = customer_pool(seed)
    for index in range(count):
        yield build_document(index, seed, customers, scans=scans)


def customer_pool(seed: int) -> tuple[Party, ...]:
    """The few buyer companies the corpus bills: a workspace sees the same customers again."""
    rng = random.Random(f"liasse-corpus-customers:{seed}")
    return tuple(parties.customer_company(rng) for _ in range(5))


def layout_for(index: int) -> Layout:
    return LAYOUTS[index % len(LAYOUTS)]


def build_spec(index: int, seed: int, customers: tuple[Party, ...] | None = None) -> DocumentSpec:
    """The spec of document `index`: every choice comes from a generator seeded by (seed, index)."""
    rng = random.Random(f"liasse-corpus:{seed}:{index}")
    layout = layout_for(index)
    spec = draw_spec(layout, rng, customers or customer_pool(seed))
    return with_invalid_identifier(spec, rng) if rng.random() < INVALID_ID_SHARE else spec


def build_document(index: int, seed: int, customers: tuple[Party, ...] | None = None, *,
                   scans: bool = True) -> CorpusDocument:
    rng = random.Random(f"liasse-corpus-scan:{seed}:{index}")
    layout = layout_for(index)
    spec = build_spec(index, seed, customers)
    pdf = layout.draw(spec)
    pages = page_count(pdf)
    truth = truth_of(spec)
    scanned = scans and rng.random() < SCANNED_SHARE
    suffix, data = ".pdf", pdf
    if scanned:
        suffix = ".pdf" if pages > 1 else rng.choice((".png", ".jpg", ".pdf"))
        data = scan_document(pdf, suffix, ScanSettings.draw(rng), seed * 100_000 + index)
    return CorpusDocument(
        name=f"{index:04d}_{layout.name}{'_scan' if scanned else ''}{suffix}", data=data,
        suffix=suffix, truth=truth, document_type=layout.document_type, layout=layout.name,
        scanned=scanned, held_out=layout.held_out, language=spec.style.language, pages=pages,
        invalid_fields=invalid_fields(truth))


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def draw_style(layout: Layout, rng: random.Random) -> Style:
    language = rng.choice(layout.profile.languages)
    return Style(
        language=language,
        number_style=rng.choice(formats.NUMBER_STYLES_BY_LANGUAGE[language]),
        date_style=rng.choice(formats.DATE_STYLES_BY_LANGUAGE[language]),
        currency_style=rng.choice(formats.CURRENCY_STYLES),
        font="Courier" if layout.document_type == "receipt" else rng.choice(FONTS),
        label_variant=rng.randrange(12),
        spaced_ids=rng.random() < 0.5,
    )


def draw_supplier(kind: str, rng: random.Random) -> Party:
    if kind == "de":
        return parties.german_company(rng)
    if kind in ("gb", "us"):
        return parties.english_company(rng, kind.upper())
    if kind == "fr_small":
        # A sole trader shows its SIRET (not the SIREN) and, under the VAT franchise, no VAT id.
        company = parties.french_company(rng, small=True)
        return replace(company, siren=None, vat_id=None)
    return parties.french_company(rng)


def draw_lines(layout: Layout, language: str, rng: random.Random) -> tuple[Line, ...]:
    profile = layout.profile
    lines = []
    for _ in range(rng.randint(*profile.line_count)):
        hours = rng.random() < 0.2
        quantity = Decimal(rng.choice((1, 2, 3, 5, 8, 12))) if not hours else Decimal(
            rng.choice(("0.5", "1.5", "2.25", "7.5")))
        discount = Decimal(rng.choice((5, 10, 15))) if (
            profile.line_discounts and rng.random() < 0.5) else Decimal(0)
        lines.append(Line(description=rng.choice(DESCRIPTIONS[language]), quantity=quantity,
                          unit_price=draw_price(profile.price_cents, rng),
                          vat_rate=rng.choice(profile.rates), discount_percent=discount))
    return tuple(lines)


def draw_price(bounds: tuple[int, int], rng: random.Random) -> Decimal:
    """A unit price: mostly small amounts, sometimes large ones, like real purchases."""
    low, high = bounds
    ceiling = rng.choice((min(high, 10_000), min(high, 60_000), high))
    return Decimal(rng.randint(low, max(low, ceiling))) / 100


def draw_number(layout: Layout, issue: date, rng: random.Random) -> str:
    sequence = rng.randint(1, 99_999)
    if layout.document_type == "receipt":
        return f"{rng.randint(1, 9):03d}-{sequence:05d}"
    if layout.document_type == "credit_note":
        return rng.choice((f"AV-{issue.year}-{sequence:04d}", f"GS{issue.year}{sequence:05d}",
                           f"CN-{sequence:05d}"))
    return rng.choice((f"F{issue.year}-{sequence:05d}", f"FA-{sequence}",
                       f"{issue.year}-{sequence % 1000:03d}", f"INV-{sequence:06d}",
                       f"RE-{issue.year}-{sequence:04d}",
                       f"{issue.year}{issue.month:02d}{sequence:04d}"))


def draw_due(layout: Layout, issue: date,
             rng: random.Random) -> tuple[date | None, bool, str | None]:
    """(due date, printed?, terms key) for an invoice; other documents have no due date."""
    if layout.document_type != "invoice":
        return None, False, None
    mode = rng.choice(("printed", "printed", "terms", "both", "none"))
    if mode == "none":
        return None, False, None
    terms = rng.choice(("net30", "net45", "eom30"))
    due = due_from_terms(issue, terms)
    if mode == "printed":
        return issue + timedelta(days=rng.choice((10, 15, 30, 45, 60))), True, None
    return due, mode == "both", terms


def due_from_terms(issue: date, terms: str) -> date:
    if terms == "eom30":
        later = issue + timedelta(days=30)
        return date(later.year, later.month, calendar.monthrange(later.year, later.month)[1])
    return issue + timedelta(days=45 if terms == "net45" else 30)


def draw_payment_reference(number: str, rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.55:
        return None
    if roll < 0.75:
        return number
    if roll < 0.9:
        return f"CLI{rng.randint(1000, 9999)}-{number.replace('-', '')}"
    return f"RF{rng.randint(10, 99)}{rng.randint(10**9, 10**10 - 1)}"


def draw_spec(layout: Layout, rng: random.Random, customers: tuple[Party, ...]) -> DocumentSpec:
    profile = layout.profile
    style = draw_style(layout, rng)
    customer = rng.choice(customers)
    if rng.random() < 0.5:
        customer = replace(customer, vat_id=None)
    issue = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
    number = draw_number(layout, issue, rng)
    due, due_printed, terms = draw_due(layout, issue, rng)
    lines = draw_lines(layout, style.language, rng)
    single_rate = len({line.vat_rate for line in lines}) == 1
    financial = layout.document_type in ("invoice", "credit_note")
    return DocumentSpec(
        document_type=layout.document_type, style=style,
        supplier=draw_supplier(profile.supplier, rng), customer=customer, number=number,
        issue_date=issue, due_date=due, due_date_printed=due_printed, terms=terms,
        currency=rng.choice(profile.currencies), lines=lines,
        global_discount_percent=Decimal(rng.choice((0, 3, 5, 10)))
        if profile.global_discount and single_rate else Decimal(0),
        payment_reference=draw_payment_reference(number, rng)
        if financial or layout.document_type == "payment_confirmation" else None,
        negative=profile.negative and rng.random() < 0.7,
        related_number=draw_number(LAYOUTS[0], issue, rng)
        if layout.document_type in ("credit_note", "payment_confirmation") else None,
        vat_exemption=profile.exemption,
    )


ID_FIELDS = {"siren": "supplier_siren", "siret": "supplier_siret", "vat_id": "supplier_vat_id",
             "iban": "supplier_iban"}


def with_invalid_identifier(spec: DocumentSpec, rng: random.Random) -> DocumentSpec:
    """Mistype one printed supplier identifier so that its checksum fails."""
    present = [name for name in ID_FIELDS if getattr(spec.supplier, name)]
    if not present or spec.document_type == "other":
        return spec
    name = rng.choice(present)
    value = str(getattr(spec.supplier, name))
    while is_valid_identifier(ID_FIELDS[name], value):
        value = parties.corrupt_digit(value, rng)
    changes: dict[str, Any] = {name: value}
    return replace(spec, supplier=replace(spec.supplier, **changes))


def is_valid_identifier(field_name: str, value: str) -> bool:
    checks = {"supplier_siren": identifiers.is_valid_siren,
              "supplier_siret": identifiers.is_valid_siret,
              "supplier_vat_id": identifiers.is_valid_vat,
              "customer_vat_id": identifiers.is_valid_vat,
              "supplier_iban": identifiers.is_valid_iban}
    return checks[field_name](value)


def invalid_fields(truth: dict[str, str | None]) -> tuple[str, ...]:
    names = ("supplier_siren", "supplier_siret", "supplier_vat_id", "supplier_iban",
             "customer_vat_id")
    return tuple(name for name in names
                 if truth[name] is not None and not is_valid_identifier(name, str(truth[name])))


def amount(value: Decimal) -> str:
    return f"{value:.2f}"


def truth_of(spec: DocumentSpec) -> dict[str, str | None]:
    """The ground truth, field by field, of what `spec` prints (see the module docstring)."""
    truth: dict[str, str | None] = dict.fromkeys(FIELD_NAMES)
    if spec.document_type == "other":
        return truth
    supplier = spec.supplier
    truth.update(
        supplier_name=supplier.name, supplier_vat_id=supplier.vat_id,
        supplier_siren=supplier.siren or (supplier.siret[:9] if supplier.siret else None),
        supplier_siret=supplier.siret, supplier_iban=supplier.iban,
        supplier_domain=parties.supplier_domain(supplier), currency=spec.currency,
        customer_name=spec.customer.name, customer_vat_id=spec.customer.vat_id,
        invoice_number=spec.number, issue_date=spec.issue_date.isoformat(),
        due_date=spec.due_date.isoformat() if spec.due_date else None,
        net_amount=amount(spec.signed(spec.net_amount)),
        tax_amount=amount(spec.signed(spec.tax_amount)),
        total_amount=amount(spec.signed(spec.total_amount)),
        payment_reference=spec.payment_reference,
    )
    if spec.document_type == "receipt":  # a till receipt shows no customer, bank or web site
        truth.update(customer_name=None, customer_vat_id=None, payment_reference=None,
                     supplier_iban=None, supplier_domain=None)
    if spec.document_type == "payment_confirmation":
        truth.update(invoice_number=spec.related_number, net_amount=None, tax_amount=None,
                     customer_vat_id=None)
    return truth
