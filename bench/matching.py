"""Matching benchmark: a seeded synthetic ledger with known truth, scored per band.

    uv run python bench/matching.py --scale small     # 600 documents × 12,000 lines
    uv run python bench/matching.py --scale full      # 10,000 documents × 200,000 lines

Planted: plain payments (transfer with IBAN, card, direct debit), FX card payments,
batched payments (transfer or direct debit, numbers listed or not), partial payments,
bank-fee gaps, credit notes refunded or netted, monthly bills of one amount, copies of
invoices, double charges (a second debit a few days after the payment, a re-issued
invoice), payment confirmations, sales invoices paid by wire (RF or mangled number),
unpaid invoices, and distractors — including lines of the very same amount and known
suppliers' other purchases.

Made to vary, not to suit the matcher: bank and document ids are random (nothing may
depend on their order); suppliers number their invoices in six styles; the bank text
around a number varies ("FACT", "N°", "REF:", glued to a word, inside a sentence) and the
number loses its separators, its zeros or its case; bank labels carry scheme and
processor prefixes ("CB", "CARTE X1234", "PRLV SEPA", "PAYPAL *"), dates, towns, legal
forms and cuts. Prints precision and recall per band, recall per scenario, wrong
auto-links, double charges (the later debit must be the alert, the earlier the payment),
duplicates caught, time and peak memory (peak RSS of the whole process).
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from liasse.domain.documents import DocumentFacts, KnownDocument
from liasse.domain.matching.engine import MatchConfig, match_transactions
from liasse.domain.matching.fx import FxRates
from liasse.domain.matching.model import MatchDecision
from liasse.domain.matching.references import make_rf
from liasse.domain.money import Money
from liasse.domain.suppliers import OwnCompany
from liasse.domain.transactions import BankTransaction
from liasse.enrich.duplicates import DuplicateIndex

SCALES = {"small": (600, 12_000), "full": (10_000, 200_000)}
START = date(2026, 1, 1)
WORDS = ("Atelier", "Bureau", "Compagnie", "Delta", "Etoile", "Forge", "Garage", "Horizon",
         "Iris", "Jardin", "Kappa", "Lumiere", "Maison", "Nord", "Orion", "Phare", "Quartz",
         "Rivage", "Sud", "Terra", "Union", "Vallee", "Wagon", "Zenith", "Alpha", "Boreal",
         "Cedre", "Dune", "Emeraude", "Falaise", "Granit", "Hermine")
FORMS = ("SAS", "SARL", "SA", "EURL", "", "GmbH", "Ltd")
TRADES = ("Conseil", "Logistique", "Informatique", "Imprimerie", "Nettoyage", "Transports",
          "Telecom", "Energie", "Services", "Fournitures", "Studio", "Avocats")
OWN = OwnCompany(names=("Atelier Liasse SAS",), vat_ids=("FR85637129263",))
FX = {"USD": Decimal("0.92"), "GBP": Decimal("1.17")}


# How suppliers number invoices: {p} prefix, {y} year, {n} sequence.
NUMBER_STYLES = ("{p}-{y}-{n:05d}", "{p}{y}{n:04d}", "{y}/{n:04d}", "INV-{n:06d}",
                 "F{y}-{n:03d}", "{p}/{y}/{n}")
# What the bank text puts around a number ({} is the number as the bank kept it).
REFERENCE_TEXTS = ("FACT {}", "FACTURE N°{}", "REF:{}", "INV {}", "PAIEMENT FACTURE {} MERCI",
                   "{}", "FACT{}", "Facture {}")
CARD_PREFIXES = ("", "", "CB ", "CARTE ", "CB*{card} ", "CARTE X{card} {date} ", "PAYPAL *",
                 "SUMUP *", "SQ *")
DEBIT_PREFIXES = ("", "PRLV SEPA ", "PRLV ", "PRELEVEMENT ", "SEPA DD ")
TRANSFER_PREFIXES = ("", "", "VIR SEPA ", "VIR INST ", "VIREMENT ")
SUFFIXES = ("", "", "", " PARIS", " FR", " {date}", " 75011 PARIS", " LYON")


@dataclass
class Supplier:
    name: str
    bank_name: str
    iban: str
    vat: str
    prefix: str
    number_style: str = NUMBER_STYLES[0]


@dataclass(frozen=True)
class DoubleCharge:
    """`document` was asked for twice: `alert` is the line (or the document) to flag."""

    document: str
    payment: str  # the debit that pays it (the earlier one)
    later_debit: str | None  # the second debit, None when an invoice was re-issued


@dataclass
class Truth:
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (transaction, document)
    scenario: dict[tuple[str, str], str] = field(default_factory=dict)
    by_design_review: set[tuple[str, str]] = field(default_factory=set)
    double_charges: list[DoubleCharge] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # copy ids


class Ledger:
    """Builds documents, transactions and the truth, all from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.documents: list[DocumentFacts] = []
        self.transactions: list[BankTransaction] = []
        self.truth = Truth()
        self.scenario = "payment"  # what is being planted, for recall per scenario

    # --- primitives ---------------------------------------------------------------------
    def supplier(self, index: int) -> Supplier:
        rng = self.rng
        base = f"{rng.choice(WORDS)} {rng.choice(TRADES)} {index}"
        form = rng.choice(FORMS)
        name = f"{base} {form}".strip()
        bank_name = base.upper() if rng.random() < 0.7 else base
        iban = "FR76" + "".join(str(rng.randrange(10)) for _ in range(23))
        vat = f"FR{rng.randrange(10, 99)}{rng.randrange(100_000_000, 999_999_999)}"
        return Supplier(name, bank_name, iban, vat, f"{base[:2].upper()}{index}",
                        rng.choice(NUMBER_STYLES))

    def random_id(self) -> str:
        """A bank-like UUID: the order of ids says nothing about the order of events."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_doc_id(self) -> str:
        return f"doc-{self.random_id()}"

    def number(self, supplier: Supplier, issued: date) -> str:
        return supplier.number_style.format(p=supplier.prefix, y=issued.year,
                                            n=self.rng.randrange(1, 99999))

    def document(self, supplier: Supplier, minor: int, issued: date, *,
                 doc_type: str = "invoice", currency: str = "EUR", number: str | None = None,
                 reference: str | None = None, customer: str | None = None) -> DocumentFacts:
        number = number or self.number(supplier, issued)
        total = Money(-minor if doc_type == "credit_note" else minor, currency)
        facts = DocumentFacts(
            id=self.new_doc_id(), sha256="", document_type=doc_type,  # type: ignore[arg-type]
            supplier_name=supplier.name, supplier_vat_id=supplier.vat,
            supplier_iban=supplier.iban if self.rng.random() < 0.8 else None,
            customer_name=customer, invoice_number=number, issue_date=issued,
            due_date=issued + timedelta(days=30), total=total, payment_reference=reference,
            file=f"Sales documents/{number.replace('/', '-')}.pdf" if customer
            else f"Inbox/{number.replace('/', '-')}.pdf")
        self.documents.append(facts)
        return facts

    def line(self, side: str, minor: int, booked: date, name: str, *, iban: str | None = None,
             reference: str = "", local: Money | None = None, op: str = "transfer"
             ) -> BankTransaction:
        moment = datetime(booked.year, booked.month, booked.day, 12, tzinfo=UTC)
        amount = Money(minor, "EUR")
        tx = BankTransaction(
            id=self.random_id(), bank_account_id="main", side=side,  # type: ignore[arg-type]
            status="completed", amount=amount, local_amount=local or amount, operation_type=op,
            counterparty_name=name, label=name, reference=reference, counterparty_iban=iban,
            settled_at=moment, emitted_at=moment, updated_at=moment)
        self.transactions.append(tx)
        return tx

    def amount(self) -> int:
        return self.rng.randrange(1_000, 500_000)

    def day(self) -> date:
        return START + timedelta(days=self.rng.randrange(330))

    def bank_label(self, name: str, op: str, booked: date) -> str:
        """How a bank prints a counterparty: scheme or processor first, then a date, a town,
        a legal form, the case changed, punctuation, or the whole cut short."""
        rng = self.rng
        prefixes = {"card": CARD_PREFIXES, "direct_debit": DEBIT_PREFIXES}.get(
            op, TRANSFER_PREFIXES)
        fill = {"card": f"{rng.randrange(10_000):04d}", "date": booked.strftime("%d/%m")}
        label = name.upper() if rng.random() < 0.5 else name
        if rng.random() < 0.15:
            label += rng.choice((" SAS", " SARL", " S.A.S.", " SA"))
        if rng.random() < 0.1:
            label = label.replace(" ", rng.choice(("-", ".", "*")))
        label = rng.choice(prefixes).format(**fill) + label + rng.choice(SUFFIXES).format(**fill)
        if rng.random() < 0.2:
            label = label[:rng.choice((18, 22, 26))]
        return label

    def abbreviate(self, number: str) -> str:
        """What a bank keeps of an invoice number: separators lost, zeros trimmed, spaced,
        lower case."""
        style = self.rng.randrange(6)
        if style == 0:
            return number
        if style == 1:
            return re.sub(r"[-/]", "", number)
        if style == 2:
            return "-".join(part.lstrip("0") or "0" for part in re.split(r"[-/]", number))
        if style == 3:
            return re.sub(r"[-/]", " ", number)
        if style == 4:
            return number.lower()
        return re.sub(r"[-/]", ".", number)

    def reference_text(self, number: str) -> str:
        return self.rng.choice(REFERENCE_TEXTS).format(self.abbreviate(number))

    def pay(self, doc: DocumentFacts, supplier: Supplier, *, minor: int | None = None,
            delay: int | None = None, reference: bool | None = None,
            by_design_review: bool = False) -> BankTransaction:
        assert doc.due_date and doc.issue_date and doc.total and doc.invoice_number
        method = self.rng.random()
        # a card is charged when one buys; a transfer or direct debit when the bill falls due
        anchor = doc.issue_date if 0.6 <= method < 0.8 else doc.due_date
        booked = anchor + timedelta(days=self.rng.randrange(-5, 6) if delay is None else delay)
        with_reference = self.rng.random() < 0.55 if reference is None else reference
        text = self.reference_text(doc.invoice_number) if with_reference else ""
        if method < 0.6:  # transfer: the IBAN is on the line
            op, iban = "transfer", supplier.iban
        else:  # card or direct debit: only the name, as the bank prints it
            op, iban = ("card" if method < 0.8 else "direct_debit"), None
        tx = self.line("debit", minor or abs(doc.total.minor), booked,
                       self.bank_label(supplier.bank_name, op, booked), iban=iban,
                       reference=text, op=op)
        self.link(tx, doc, by_design_review)
        return tx

    def link(self, tx: BankTransaction, doc: DocumentFacts, by_design_review: bool = False) -> None:
        self.truth.pairs.add((tx.id, doc.id))
        self.truth.scenario[(tx.id, doc.id)] = self.scenario
        if by_design_review:
            self.truth.by_design_review.add((tx.id, doc.id))


def build(documents_wanted: int, transactions_wanted: int, seed: int) -> Ledger:
    ledger = Ledger(seed)
    suppliers = [ledger.supplier(index) for index in range(max(40, documents_wanted // 25))]
    while len(ledger.documents) < documents_wanted:
        scenario = ledger.rng.random()
        supplier = ledger.rng.choice(suppliers)
        _plant(ledger, scenario, supplier, suppliers)
    _distractors(ledger, suppliers, transactions_wanted)
    ledger.rng.shuffle(ledger.transactions)
    return ledger


SCENARIOS = (  # cumulative share of documents planted → scenario
    (0.55, "payment"), (0.60, "fx card"), (0.65, "batch"), (0.67, "partial"),
    (0.69, "fee gap"), (0.72, "credit note"), (0.77, "monthly"), (0.79, "copy"),
    (0.81, "double charge"), (0.84, "confirmation"), (0.90, "sale"), (1.0, "unpaid"),
)


def _plant(ledger: Ledger, scenario: float, supplier: Supplier, suppliers: list[Supplier]) -> None:
    rng = ledger.rng
    ledger.scenario = next(name for share, name in SCENARIOS if scenario < share)
    if ledger.scenario == "payment":
        doc = ledger.document(supplier, ledger.amount(), ledger.day())
        ledger.pay(doc, supplier)
        if rng.random() < 0.1:  # a same-amount line from someone else, close in time
            other = rng.choice([s for s in suppliers if s is not supplier])
            assert doc.due_date and doc.total
            booked = doc.due_date + timedelta(days=rng.randrange(-3, 4))
            ledger.line("debit", doc.total.minor, booked,
                        ledger.bank_label(other.bank_name, "card", booked), op="card")
    elif ledger.scenario == "fee gap":
        doc = ledger.document(supplier, ledger.amount(), ledger.day())
        assert doc.total
        ledger.pay(doc, supplier, minor=doc.total.minor + rng.randrange(100, 500),
                   by_design_review=True)
    elif ledger.scenario == "unpaid":
        ledger.document(supplier, ledger.amount(), ledger.day())
    else:
        PLANTERS[ledger.scenario](ledger, supplier)


def _fx_card(ledger: Ledger, supplier: Supplier) -> None:
    currency = ledger.rng.choice(("USD", "GBP"))
    doc = ledger.document(supplier, ledger.amount(), ledger.day(), currency=currency)
    assert doc.total and doc.issue_date
    local = Money(doc.total.minor, currency)
    tolerant = ledger.rng.random() < 0.2
    if tolerant:  # the card's amount differs by a rounding or a tip
        local = Money(doc.total.minor + max(1, doc.total.minor // 200), currency)
    eur = int(Decimal(local.minor) * FX[currency] * Decimal("1.01"))
    tx = ledger.line("debit", eur, doc.issue_date + timedelta(days=ledger.rng.randrange(0, 3)),
                     supplier.bank_name, local=local, op="card")
    ledger.link(tx, doc, by_design_review=tolerant)


def _batch(ledger: Ledger, supplier: Supplier) -> None:
    """One debit for 2–5 invoices: a transfer (IBAN) or a direct debit (name only), listing
    the numbers or not, a month or two after the first invoice."""
    rng = ledger.rng
    issued = ledger.day()
    docs = [ledger.document(supplier, ledger.amount(), issued + timedelta(days=offset))
            for offset in sorted(rng.sample(range(25), rng.randrange(2, 6)))]
    if rng.random() < 0.3:
        docs.append(ledger.document(supplier, rng.randrange(500, 5000), issued,
                                    doc_type="credit_note"))
    total = sum(doc.total.minor for doc in docs if doc.total)
    booked = issued + timedelta(days=rng.randrange(25, 60))
    numbers = [doc.invoice_number for doc in docs if doc.invoice_number]
    listed = rng.random() < 0.4
    reference = (" ".join(ledger.abbreviate(number) for number in numbers) if listed
                 else rng.choice(("VIREMENT GROUPE", "REGLEMENT FACTURES", "RELEVE MENSUEL", "")))
    if rng.random() < 0.7:
        tx = ledger.line("debit", total, booked,
                         ledger.bank_label(supplier.bank_name, "transfer", booked),
                         iban=supplier.iban, reference=reference)
    else:
        tx = ledger.line("debit", total, booked,
                         ledger.bank_label(supplier.bank_name, "direct_debit", booked),
                         reference=reference, op="direct_debit")
    for doc in docs:
        ledger.link(tx, doc)


def _partial(ledger: Ledger, supplier: Supplier) -> None:
    doc = ledger.document(supplier, ledger.rng.randrange(100_000, 500_000), ledger.day())
    assert doc.total and doc.due_date and doc.invoice_number
    first = doc.total.minor * ledger.rng.randrange(30, 70) // 100
    for part, offset in ((first, 0), (doc.total.minor - first, 30)):
        booked = doc.due_date + timedelta(days=offset)
        tx = ledger.line("debit", part, booked,
                         ledger.bank_label(supplier.bank_name, "transfer", booked),
                         iban=supplier.iban, reference=f"ACOMPTE {doc.invoice_number}")
        ledger.link(tx, doc, by_design_review=True)


def _credit_note(ledger: Ledger, supplier: Supplier) -> None:
    doc = ledger.document(supplier, ledger.rng.randrange(1_000, 50_000), ledger.day(),
                          doc_type="credit_note")
    assert doc.total and doc.issue_date and doc.invoice_number
    booked = doc.issue_date + timedelta(days=10)
    tx = ledger.line("credit", -doc.total.minor, booked,
                     ledger.bank_label(supplier.bank_name, "transfer", booked), iban=supplier.iban,
                     reference=f"AVOIR {doc.invoice_number}")
    ledger.link(tx, doc)


def _monthly(ledger: Ledger, supplier: Supplier) -> None:
    minor = ledger.rng.randrange(1_000, 20_000)
    start = START + timedelta(days=ledger.rng.randrange(60))
    for month in range(ledger.rng.randrange(3, 7)):
        doc = ledger.document(supplier, minor, start + timedelta(days=30 * month))
        ledger.pay(doc, supplier, delay=0, reference=False)


def _copy(ledger: Ledger, supplier: Supplier) -> None:
    doc = ledger.document(supplier, ledger.amount(), ledger.day())
    ledger.pay(doc, supplier)
    assert doc.total and doc.issue_date
    copy = ledger.document(supplier, doc.total.minor, doc.issue_date, number=doc.invoice_number)
    ledger.truth.duplicates.append(copy.id)


def _double_charge(ledger: Ledger, supplier: Supplier) -> None:
    doc = ledger.document(supplier, ledger.amount(), ledger.day())
    first = ledger.pay(doc, supplier, reference=True)
    if ledger.rng.random() < 0.5:  # the bank or the supplier charged twice
        second = ledger.line("debit", first.amount.minor,
                             first.booked_at.date() + timedelta(days=ledger.rng.randrange(1, 4)),
                             first.counterparty_name, iban=first.counterparty_iban,
                             reference=first.reference, op=first.operation_type)
        ledger.truth.double_charges.append(DoubleCharge(doc.id, first.id, second.id))
    else:  # the same invoice re-issued under a new number, asking to be paid again
        assert doc.total and doc.issue_date
        again = ledger.document(supplier, doc.total.minor,
                                doc.issue_date + timedelta(days=ledger.rng.randrange(1, 4)))
        ledger.truth.double_charges.append(DoubleCharge(again.id, first.id, None))


def _confirmation(ledger: Ledger, supplier: Supplier) -> None:
    doc = ledger.document(supplier, ledger.amount(), ledger.day())
    tx = ledger.pay(doc, supplier, reference=True)
    assert doc.total
    confirmation = ledger.document(supplier, doc.total.minor,
                                   tx.booked_at.date() - timedelta(days=1),
                                   doc_type="payment_confirmation",
                                   number=f"CONF-{doc.invoice_number}")
    ledger.link(tx, confirmation)


def _sale(ledger: Ledger, customer: Supplier) -> None:
    own = Supplier("Atelier Liasse SAS", "", "", "FR85637129263", "AL")
    with_rf = ledger.rng.random() < 0.4
    number = f"AL-2026-{ledger.rng.randrange(1, 9999):04d}"
    reference = make_rf(number) if with_rf else None
    doc = ledger.document(own, ledger.amount(), ledger.day(), number=number,
                          reference=reference, customer=customer.name)
    assert doc.total and doc.due_date
    text = (f"{reference[:4]} {reference[4:8]} {reference[8:]}" if reference
            else ledger.abbreviate(number).replace("-", ""))
    booked = doc.due_date + timedelta(days=ledger.rng.randrange(-5, 10))
    tx = ledger.line("credit", doc.total.minor, booked,
                     ledger.bank_label(customer.bank_name, "transfer", booked), iban=customer.iban,
                     reference=text, op="income")
    ledger.link(tx, doc)


PLANTERS = {"fx card": _fx_card, "batch": _batch, "partial": _partial,
            "credit note": _credit_note, "monthly": _monthly, "copy": _copy,
            "double charge": _double_charge, "confirmation": _confirmation, "sale": _sale}


def _distractors(ledger: Ledger, suppliers: list[Supplier], wanted: int) -> None:
    rng = ledger.rng
    merchants = [f"{rng.choice(WORDS).upper()} {rng.choice(TRADES).upper()} {index}"
                 for index in range(5_000)]
    amounts = [abs(doc.total.minor) for doc in ledger.documents if doc.total]
    while len(ledger.transactions) < wanted:
        roll, day = rng.random(), ledger.day()
        if roll < 0.05:  # the same amount as some invoice, somebody else, any time
            ledger.line("debit", rng.choice(amounts), day,
                        ledger.bank_label(rng.choice(merchants), "card", day), op="card")
        elif roll < 0.07:  # a known supplier, another amount (other purchases)
            supplier = rng.choice(suppliers)
            op = "card" if rng.random() < 0.8 else "direct_debit"  # or a bill never received
            ledger.line("debit", ledger.amount(), day,
                        ledger.bank_label(supplier.bank_name, op, day), op=op)
        elif roll < 0.15:
            ledger.line("credit", ledger.amount(), day, rng.choice(merchants), op="income",
                        reference=f"REF {rng.randrange(10**6)}")
        else:
            op = rng.choice(("card", "transfer", "direct_debit"))
            ledger.line("debit", ledger.amount(), day,
                        ledger.bank_label(rng.choice(merchants), op, day), op=op)


@dataclass(frozen=True)
class Results:
    bands: dict[str, tuple[int, int]]  # band → (right links, links)
    truth: int
    wrong_auto: int
    auto_share: float
    auto_share_eligible: float
    found_share: float
    double_charges: tuple[int, int]  # caught, planted
    double_charge_alerts: int
    # second debits: alert on the later debit and the earlier one linked as the payment
    later_debit: tuple[int, int]
    by_scenario: dict[str, tuple[int, int, int]]  # → (linked automatically, found, true links)
    duplicates: tuple[int, int]  # caught by the matcher, planted
    duplicates_enrich: tuple[int, float]  # caught by the enrich step's index, its seconds


def duplicates_before_posting(ledger: Ledger) -> tuple[int, float]:
    """The enrich step's checks, documents arriving one by one: copies caught, seconds."""
    started = time.perf_counter()
    index = DuplicateIndex()
    flagged: set[str] = set()
    for doc in ledger.documents:
        known = KnownDocument(doc.id, "", doc.supplier_vat_id, doc.invoice_number, doc.total,
                              doc.issue_date)
        if any(finding.certain for finding in index.find(known)):
            flagged.add(doc.id)
        index.add(known)
    seconds = time.perf_counter() - started
    return sum(1 for copy in ledger.truth.duplicates if copy in flagged), seconds


def evaluate(ledger: Ledger, decisions: list[MatchDecision]) -> Results:
    predicted: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for decision in decisions:
        if decision.kind in ("payment", "credit", "confirmation"):
            predicted[decision.band].update((decision.transaction_id, doc)
                                            for doc in decision.document_ids)
    truth = ledger.truth.pairs
    alerts = [d for d in decisions if d.kind == "double_charge"]
    found = predicted["auto"] | predicted["review"]
    caught = sum(1 for planted in ledger.truth.double_charges if _alerted(planted, alerts))
    second_debits = [planted for planted in ledger.truth.double_charges if planted.later_debit]
    on_later = sum(1 for planted in second_debits if _alerted(planted, alerts)
                   and (planted.payment, planted.document) in found
                   and (planted.later_debit, planted.document) not in found)
    duplicate_ids = {doc for d in decisions if d.kind == "duplicate" for doc in d.document_ids}
    eligible = truth - ledger.truth.by_design_review
    return Results(
        bands={band: (len(pairs & truth), len(pairs)) for band, pairs in predicted.items()},
        truth=len(truth),
        wrong_auto=len(predicted["auto"] - truth),
        auto_share=len(predicted["auto"] & truth) / max(1, len(truth)),
        auto_share_eligible=len(predicted["auto"] & eligible) / max(1, len(eligible)),
        found_share=len((predicted["auto"] | predicted["review"]) & truth) / max(1, len(truth)),
        double_charges=(caught, len(ledger.truth.double_charges)),
        double_charge_alerts=len(alerts),
        later_debit=(on_later, len(second_debits)),
        by_scenario=_by_scenario(ledger, predicted["auto"], found),
        duplicates=(sum(1 for copy in ledger.truth.duplicates if copy in duplicate_ids),
                    len(ledger.truth.duplicates)),
        duplicates_enrich=duplicates_before_posting(ledger),
    )


def _alerted(planted: DoubleCharge, alerts: list[MatchDecision]) -> bool:
    """The alert names the document and the debit to check: the later one when there are two,
    the one that already paid it when the invoice came again."""
    line = planted.later_debit or planted.payment
    return any(alert.transaction_id == line and planted.document in alert.document_ids
               for alert in alerts)


def _by_scenario(ledger: Ledger, auto: set[tuple[str, str]], found: set[tuple[str, str]]
                 ) -> dict[str, tuple[int, int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for pair, scenario in ledger.truth.scenario.items():
        counts[scenario][0] += pair in auto
        counts[scenario][1] += pair in found
        counts[scenario][2] += 1
    return {name: (a, f, t) for name, (a, f, t) in sorted(counts.items())}


def report(scale: str, ledger: Ledger, results: Results, seconds: float,
           build_seconds: float) -> None:
    truth = results.truth
    print(f"scale {scale}: {len(ledger.documents)} documents × {len(ledger.transactions)} "
          f"transactions, {truth} true links")
    print("| band | precision | recall | links |")
    print("|---|---|---|---|")
    for band in ("auto", "review"):
        right, total = results.bands.get(band, (0, 0))
        print(f"| {band} | {right / max(1, total):.1%} | {right / max(1, truth):.1%} | {total} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| wrong auto-links | {results.wrong_auto} |")
    print(f"| true links linked automatically | {results.auto_share:.1%} "
          f"({results.auto_share_eligible:.1%} of those not review by design) |")
    print(f"| true links found (auto or review) | {results.found_share:.1%} |")
    print(f"| double charges caught | {results.double_charges[0]}/{results.double_charges[1]} "
          f"({results.double_charge_alerts} alerts) |")
    print(f"| second debits: the later flagged, the earlier linked as the payment | "
          f"{results.later_debit[0]}/{results.later_debit[1]} |")
    planted = results.duplicates[1]
    print(f"| duplicates caught before posting (enrich) | {results.duplicates_enrich[0]}/"
          f"{planted} in {results.duplicates_enrich[1]:.2f} s |")
    print(f"| duplicates reported against a bank line (matcher) | {results.duplicates[0]}/"
          f"{planted} (needs the original's payment found) |")
    print(f"| matching time | {seconds:.2f} s (building the ledger {build_seconds:.2f} s) |")
    print(f"| peak memory (process RSS) | {peak:.0f} MiB |")
    print()
    print("| scenario | true links | linked automatically | found (auto or review) |")
    print("|---|---|---|---|")
    for name, (auto, found, planted) in results.by_scenario.items():
        print(f"| {name} | {planted} | {auto / max(1, planted):.1%} | "
              f"{found / max(1, planted):.1%} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    documents, transactions = SCALES[args.scale]
    started = time.perf_counter()
    ledger = build(documents, transactions, args.seed)
    built = time.perf_counter() - started
    config = MatchConfig(fx_rates=FxRates("EUR", FX), own_company=OWN)
    started = time.perf_counter()
    decisions = match_transactions(ledger.documents, ledger.transactions, config)
    seconds = time.perf_counter() - started
    report(args.scale, ledger, evaluate(ledger, decisions), seconds, built)
    return 0


if __name__ == "__main__":
    sys.exit(main())
