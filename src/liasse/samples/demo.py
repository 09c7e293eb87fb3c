"""The demo world shared by `make run`, the Qonto sandbox seed and the tests.

The demo company buys from a handful of suppliers; each demo invoice has a debit in the
Qonto sandbox that pays it, so a newcomer sees documents arrive, post and match. All
identifiers carry valid checksums (SIREN Luhn, FR VAT key, IBAN mod 97) and are fictitious.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    address=("88 rue de Rivoli", "75001 Paris"), ledger_account="6132",
)
PAPETERIE = DemoSupplier(
    name="Papeterie Martin", siren="429712417", vat_id="FR85429712417",
    iban="FR7030004011471049746507500", domain="papeterie-martin.fr",
    address=("4 place Bellecour", "69002 Lyon"), ledger_account="6064",
)
CABINET = DemoSupplier(
    name="Cabinet Durand Avocats", siren="714193570", vat_id="FR05714193570",
    iban="FR8330004029170342366712700", domain="durand-avocats.fr",
    address=("21 cours de l'Intendance", "33000 Bordeaux"), ledger_account="6226",
)
TELECOM = DemoSupplier(
    name="Fibre Ouest Télécom SA", siren="392593240", vat_id="FR09392593240",
    iban="FR5230004068426846563212200", domain="fibre-ouest.fr",
    address=("3 allée des Tanneurs", "44000 Nantes"), ledger_account="626",
)

DEMO_SUPPLIERS: tuple[DemoSupplier, ...] = (COWORK, PAPETERIE, CABINET, TELECOM)

DEMO_INVOICES: tuple[DemoInvoice, ...] = (
    DemoInvoice(COWORK, "CR-2026-0117", date(2026, 10, 1), date(2026, 10, 15),
                (DemoLine("Bureau privatif 4 postes - octobre 2026", 1, "1250.00", "20"),),
                "1250.00", "250.00", "1500.00", "EUR", date(2026, 10, 14), "CR-2026-0117"),
    DemoInvoice(PAPETERIE, "PM-48213", date(2026, 10, 8), date(2026, 11, 7),
                (DemoLine("Ramettes papier A4 80 g", 10, "4.90", "20"),
                 DemoLine("Classeurs à levier", 12, "3.25", "20")),
                "88.00", "17.60", "105.60", "EUR", date(2026, 11, 5), "PM-48213"),
    DemoInvoice(CABINET, "2026-311", date(2026, 10, 20), date(2026, 11, 19),
                (DemoLine("Honoraires - revue des statuts", 1, "900.00", "20"),),
                "900.00", "180.00", "1080.00", "EUR", date(2026, 11, 18), "FACT 2026-311"),
    DemoInvoice(TELECOM, "FO-2026-10-5521", date(2026, 10, 31), date(2026, 11, 15),
                (DemoLine("Abonnement fibre pro - novembre 2026", 1, "49.99", "20"),),
                "49.99", "10.00", "59.99", "EUR", date(2026, 11, 15), "FO2026105521"),
)


def demo_directory() -> list[Supplier]:
    """The demo company's suppliers as its directory knows them after a first month."""
    return [Supplier(id="", legal_name=supplier.name, sirens=(supplier.siren,),
                     vat_ids=(supplier.vat_id,), ibans=(supplier.iban,),
                     domains=(supplier.domain,), default_account=supplier.ledger_account)
            for supplier in DEMO_SUPPLIERS]
