"""The demo world shared by `make run`, the Qonto sandbox seed and the tests.

The demo company buys from a handful of suppliers; each demo invoice has a debit in the
Qonto sandbox that pays it, so a newcomer sees documents arrive, post and match. All
identifiers carry valid checksums (SIREN Luhn, FR VAT key, IBAN mod 97) and are fictitious.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from liasse.domain.suppliers import Supplier


@dataclass(frozen=True)
class DemoCompany:
    name: str
    siren: str
    vat_id: str
    iban: str
    address: tuple[str, ...]


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    siren: str
    vat_id: str
    iban: str
    domain: str
    address: tuple[str, ...]
    ledger_account: str
    # A French company prints its share capital on every invoice (Code de commerce,
    # R123-238); it is one of the seller's marks the reader looks for.
    capital: str


@dataclass(frozen=True)
class DemoLine:
    description: str
    quantity: int
    unit_price: str  # decimal string, net of VAT
    vat_rate: str  # percent as a decimal string, "20" or "5.5"


@dataclass(frozen=True)
class DemoInvoice:
    supplier: DemoSupplier
    number: str
    issue_date: date
    due_date: date
    lines: tuple[DemoLine, ...]
    net_amount: str
    tax_amount: str
    total_amount: str
    currency: str
    paid_on: date  # the day the sandbox debit settles
    payment_reference: str


DEMO_COMPANY = DemoCompany(
    name="Atelier Liasse SAS",
    siren="637129263",
    vat_id="FR85637129263",
    iban="FR5430004031948757491186200",
    address=("12 rue des Archives", "75004 Paris", "France"),
)

COWORK = DemoSupplier(
    name="Cowork Rivoli SARL", siren="194127726", vat_id="FR40194127726",
    iban="FR3830004052760189555979700", domain="cowork-rivoli.fr",
    address=("88 rue de Rivoli", "75001 Paris"), ledger_account="6132", capital="8 000 €",
)
PAPETERIE = DemoSupplier(
    name="Papeterie Martin", siren="429712417", vat_id="FR85429712417",
    iban="FR7030004011471049746507500", domain="papeterie-martin.fr",
    address=("4 place Bellecour", "69002 Lyon"), ledger_account="6064", capital="15 000 €",
)
CABINET = DemoSupplier(
    name="Cabinet Durand Avocats", siren="714193570", vat_id="FR05714193570",
    iban="FR8330004029170342366712700", domain="durand-avocats.fr",
    address=("21 cours de l'Intendance", "33000 Bordeaux"), ledger_account="6226",
    capital="50 000 €",
)
TELECOM = DemoSupplier(
    name="Fibre Ouest Télécom SA", siren="392593240", vat_id="FR09392593240",
    iban="FR5230004068426846563212200", domain="fibre-ouest.fr",
    address=("3 allée des Tanneurs", "44000 Nantes"), ledger_account="626", capital="120 000 €",
)

DEMO_SUPPLIERS: tuple[DemoSupplier, ...] = (COWORK, PAPETERIE, CABINET, TELECOM)

# The day the tests and the docs seed the demo on; a running demo uses the day it was seeded.
REFERENCE_DAY = date(2026, 11, 21)
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre")


def demo_invoices(day: date) -> tuple[DemoInvoice, ...]:
    """The demo invoices as seeded on `day`: issued in `day`'s month on or before it, paid
    by `day` at the latest, so the dashboard's "this month" shows them and the sandbox
    already holds their debits. The same day always gives the same invoices."""
    year, month = day.year, day.month
    printed_month = f"{FRENCH_MONTHS[month - 1]} {year}"
    issued = [day.replace(day=1) + timedelta(days=(day.day - 1) * k // 3) for k in range(4)]

    def paid(issue: date, after_days: int) -> date:
        return min(issue + timedelta(days=after_days), day)

    return (
        DemoInvoice(COWORK, f"CR-{year}-0117", issued[0], issued[0] + timedelta(days=14),
                    (DemoLine(f"Bureau privatif 4 postes - {printed_month}", 1, "1250.00",
                              "20"),),
                    "1250.00", "250.00", "1500.00", "EUR", paid(issued[0], 13),
                    f"CR-{year}-0117"),
        DemoInvoice(PAPETERIE, "PM-48213", issued[1], issued[1] + timedelta(days=30),
                    (DemoLine("Ramettes papier A4 80 g", 10, "4.90", "20"),
                     DemoLine("Classeurs à levier", 12, "3.25", "20")),
                    "88.00", "17.60", "105.60", "EUR", paid(issued[1], 28), "PM-48213"),
        DemoInvoice(CABINET, f"{year}-311", issued[2], issued[2] + timedelta(days=30),
                    (DemoLine("Honoraires - revue des statuts", 1, "900.00", "20"),),
                    "900.00", "180.00", "1080.00", "EUR", paid(issued[2], 29),
                    f"FACT {year}-311"),
        DemoInvoice(TELECOM, f"FO-{year}-{month:02d}-5521", issued[3],
                    issued[3] + timedelta(days=15),
                    (DemoLine(f"Abonnement fibre pro - {printed_month}", 1, "49.99", "20"),),
                    "49.99", "10.00", "59.99", "EUR", paid(issued[3], 15),
                    f"FO{year}{month:02d}5521"),
    )


# The demo as seeded on REFERENCE_DAY (tests, docs); never the running demo's invoices.
DEMO_INVOICES: tuple[DemoInvoice, ...] = demo_invoices(REFERENCE_DAY)


def demo_directory() -> list[Supplier]:
    """The demo company's suppliers as its directory knows them after a first month."""
    return [Supplier(id="", legal_name=supplier.name, sirens=(supplier.siren,),
                     vat_ids=(supplier.vat_id,), ibans=(supplier.iban,),
                     domains=(supplier.domain,), default_account=supplier.ledger_account)
            for supplier in DEMO_SUPPLIERS]
