"""`--seed demo`: Atelier Liasse SAS with two accounts and a year of believable bank lines.

Deterministic from a seed: card payments (some in USD and GBP with their local amounts),
SEPA transfers to suppliers with references, direct debits, Qonto fees, incoming customer
wires with free-text references, a few pending card payments at the end, one declined, and
one debit per demo invoice (`demo_invoices(anchor)`) so that `make run` finds each invoice
paid, and a till receipt attached to a few recent card payments (`attach_demo_receipts`) so
that the receipts export has something to file.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from stdnum import iban as iban_numbers

from liasse.domain.money import Money
from liasse.emulators.persistence import FileStore
from liasse.emulators.qonto.state import (
    Attachment,
    BankAccount,
    Organization,
    QontoState,
    Transaction,
)
from liasse.samples.demo import DEMO_COMPANY, REFERENCE_DAY, DemoInvoice, demo_invoices
from liasse.samples.inbox import render_card_receipt

DEMO_ANCHOR = REFERENCE_DAY  # the last day of the demo year in tests; a demo passes its own
DEMO_SEED = 20261121
OPENING_BALANCE_CENTS = 2_500_000
QONTO_BIC = "QNTOFRP1XXX"

CARD_MERCHANTS_EUR = (("SNCF Connect", "transport", 4500, 14000),
                      ("Le Bistrot des Archives", "restaurant_and_bar", 1800, 9500),
                      ("Monoprix Archives", "food_and_grocery", 600, 4200),
                      ("Amazon EU", "office_supply", 1500, 18000),
                      ("Total Energies", "gas_station", 4000, 9000))
# (merchant, currency, local amount range in minor units, rate as EUR per unit)
CARD_MERCHANTS_FOREIGN = (("GitHub Inc.", "USD", 2100, 2100, Decimal("0.92")),
                          ("Notion Labs", "USD", 1000, 2000, Decimal("0.92")),
                          ("The Economist", "GBP", 1500, 1500, Decimal("1.17")),
                          ("Figma UK Ltd", "GBP", 1200, 4500, Decimal("1.17")))
DIRECT_DEBITS = (("URSSAF Ile-de-France", "tax", 98000, "URSSAF {month}"),
                 ("EDF Entreprises", "utility", 8500, "EDF CONTRAT 4471 {month}"),
                 ("Hiscox Assurances", "insurance", 4200, "HSX-PRO-22871 {month}"))
SUPPLIER_TRANSFERS = (("Expert Compta Marais", "legal_and_accounting", 54000,
                       "HONO {month}", ("30004", "00003", "12345678901")),
                      ("Studio Graphique Lune", "marketing", 120000, "FACT SGL-{month}",
                       ("30006", "00001", "12345678901")))
CUSTOMERS = (("Maison Berthe SARL", ("10107", "00101", "12345678901"),
              "Reglement facture {number} merci"),
             ("Galerie Orsay Conseil", ("30003", "03540", "98765432109"),
              "VIR {number} / acompte projet"),
             ("Hotel du Parc Lyon", ("10096", "00050", "12345678901"), "FACTURE {number}"))
# Card merchants whose till receipt the demo user photographed: (address, what was bought).
RECEIPT_MERCHANTS = {"Le Bistrot des Archives": (("17 rue des Archives", "75004 Paris"),
                                                 "Déjeuner"),
                     "Monoprix Archives": (("52 rue des Archives", "75004 Paris"),
                                           "Fournitures"),
                     "Total Energies": (("Station Bercy", "75012 Paris"), "Carburant")}
DEMO_RECEIPTS = 4


@dataclass
class _Builder:
    rng: random.Random
    anchor: date
    main: BankAccount
    savings: BankAccount
    transactions: dict[str, Transaction]
    not_after: datetime | None = None  # no line may be newer than the moment of seeding

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, account: BankAccount, day: date, *, amount_cents: int, side: str,
            operation_type: str, label: str, category: str, reference: str | None = None,
            local: Money | None = None, iban: str | None = None, status: str = "completed",
            settle_days: int = 0, vat_rate: str | None = None) -> Transaction:
        emitted = datetime.combine(day, time(8 + self.rng.randrange(11), self.rng.randrange(60),
                                             self.rng.randrange(60)), UTC)
        settled = emitted + timedelta(days=settle_days, minutes=self.rng.randrange(1, 90))
        last = settled if status == "completed" else emitted
        if self.not_after is not None and last + timedelta(seconds=2) > self.not_after:
            # A line "later today" would be left out of a sync up to now: move it earlier.
            early = last + timedelta(seconds=2) - self.not_after
            emitted, settled = emitted - early, settled - early
        vat = None if vat_rate is None else _vat_part(amount_cents, vat_rate)
        transaction = Transaction(
            id=self.uid(), transaction_id=f"{account.slug}-transaction-{len(self.transactions)}",
            bank_account_id=account.id, amount_cents=amount_cents, currency="EUR",
            local_amount_cents=local.minor if local else amount_cents,
            local_currency=local.currency if local else "EUR", side=side,
            operation_type=operation_type, status=status, label=label, reference=reference,
            emitted_at=emitted, settled_at=settled if status == "completed" else None,
            updated_at=(settled if status == "completed" else emitted) + timedelta(seconds=2),
            category=category, vat_amount_cents=vat, vat_rate=vat_rate,
            card_last_digits="4242" if operation_type == "card" else None,
            counterparty_iban=iban, counterparty_bic=QONTO_BIC if iban else None,
            attachment_required=side == "debit",
        )
        self.transactions[transaction.id] = transaction
        return transaction


def _vat_part(total_cents: int, rate: str) -> int:
    rate_value = Decimal(rate)
    return int((Decimal(total_cents) * rate_value / (100 + rate_value)).quantize(Decimal(1)))


def _valid_iban(bank: str, branch: str, account: str) -> str:
    """A French IBAN with a correct RIB key and mod-97 check digits (fictitious account)."""
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    return f"FR{iban_numbers.calc_check_digits('FR00' + bban)}{bban}"


def demo_state(*, anchor: date = DEMO_ANCHOR, seed: int = DEMO_SEED,
               not_after: datetime | None = None) -> QontoState:
    """The demo organization with a year of transactions ending on `anchor`, none of them
    updated after `not_after` (the moment a running sandbox is seeded)."""
    rng = random.Random(seed)
    main = BankAccount(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                       slug="atelier-liasse-sas-bank-account-1", iban=DEMO_COMPANY.iban,
                       bic=QONTO_BIC, currency="EUR", name="Compte principal", main=True,
                       balance_cents=0)
    savings = BankAccount(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                          slug="atelier-liasse-sas-bank-account-2",
                          iban=_valid_iban("16958", "00001", "38274619023"), bic=QONTO_BIC,
                          currency="EUR", name="Réserve", main=False, balance_cents=0)
    builder = _Builder(rng, anchor, main, savings, {}, not_after)
    _year_of_lines(builder)
    for invoice in demo_invoices(anchor):
        if invoice.paid_on <= anchor:
            _pay_demo_invoice(builder, invoice)
    _final_days(builder)
    for account in (main, savings):
        account.balance_cents = _balance(builder, account)
        account.updated_at = datetime.combine(anchor, time(23, 0), UTC)
    organization = Organization(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), slug="atelier-liasse-sas",
        legal_name=DEMO_COMPANY.name, legal_number=DEMO_COMPANY.siren + "00017",
        legal_address=" ".join(DEMO_COMPANY.address).upper(), bank_accounts=[main, savings])
    return QontoState(organization=organization, transactions=builder.transactions)


def _year_of_lines(b: _Builder) -> None:
    start = b.anchor - timedelta(days=364)
    for offset in range(365):
        day = start + timedelta(days=offset)
        if day.weekday() < 5 and b.rng.random() < 0.45:
            _card_payment(b, day)
        if day.day == 1:
            b.add(b.main, day, amount_cents=2900 + 580, side="debit", operation_type="qonto_fee",
                  label="Qonto", category="fees", vat_rate="20")
        if day.day == 5:
            _monthly_debits(b, day)
        if day.day in (12, 26) and b.rng.random() < 0.8:
            _customer_wire(b, day)
        if day.day == 28:
            b.add(b.main, day, amount_cents=50000, side="debit", operation_type="transfer",
                  label="Atelier Liasse SAS - Réserve", category="treasury_and_interco",
                  reference="EPARGNE MENSUELLE", iban=b.savings.iban)
            b.add(b.savings, day, amount_cents=50000, side="credit", operation_type="income",
                  label="Atelier Liasse SAS", category="treasury_and_interco",
                  reference="EPARGNE MENSUELLE", iban=b.main.iban)


def _card_payment(b: _Builder, day: date) -> None:
    if b.rng.random() < 0.2:
        name, currency, low, high, rate = b.rng.choice(CARD_MERCHANTS_FOREIGN)
        local = Money(b.rng.randint(low, high), currency)
        euros = int((Decimal(local.minor) * rate).quantize(Decimal(1)))
        b.add(b.main, day, amount_cents=euros, side="debit", operation_type="card", label=name,
              category="online_service", local=local, settle_days=b.rng.randint(1, 2))
        return
    name, category, low, high = b.rng.choice(CARD_MERCHANTS_EUR)
    b.add(b.main, day, amount_cents=b.rng.randint(low, high), side="debit",
          operation_type="card", label=name, category=category,
          settle_days=b.rng.randint(0, 2), vat_rate="20" if b.rng.random() < 0.5 else None)


def _monthly_debits(b: _Builder, day: date) -> None:
    month = day.strftime("%m/%Y")
    for name, category, cents, reference in DIRECT_DEBITS:
        b.add(b.main, day, amount_cents=cents + b.rng.randint(0, cents // 10), side="debit",
              operation_type="direct_debit", label=name, category=category,
              reference=reference.format(month=month), iban=_valid_iban("30004", "00817",
                                                                        f"{cents:011d}"))
    for name, category, cents, reference, iban in SUPPLIER_TRANSFERS:
        if b.rng.random() < 0.7:
            b.add(b.main, day + timedelta(days=b.rng.randint(0, 3)), amount_cents=cents,
                  side="debit", operation_type="transfer", label=name, category=category,
                  reference=reference.format(month=day.strftime("%Y-%m")),
                  iban=_valid_iban(*iban),
                  vat_rate="20")


def _customer_wire(b: _Builder, day: date) -> None:
    name, iban, reference = b.rng.choice(CUSTOMERS)
    number = f"F{day.year}-{b.rng.randint(1, 250):03d}"
    b.add(b.main, day, amount_cents=b.rng.randint(80_000, 900_000), side="credit",
          operation_type="income", label=name, category="sales",
          reference=reference.format(number=number), iban=_valid_iban(*iban))


def _pay_demo_invoice(b: _Builder, invoice: DemoInvoice) -> None:
    total = Money.parse(invoice.total_amount, invoice.currency)
    b.add(b.main, invoice.paid_on, amount_cents=total.minor, side="debit",
          operation_type="transfer", label=invoice.supplier.name, category="other_expense",
          reference=invoice.payment_reference, iban=invoice.supplier.iban)


def _final_days(b: _Builder) -> None:
    """Card payments still pending on the anchor day, and one declined."""
    for name, category, low, high in CARD_MERCHANTS_EUR[:2]:
        b.add(b.main, b.anchor, amount_cents=b.rng.randint(low, high), side="debit",
              operation_type="card", label=name, category=category, status="pending")
    b.add(b.main, b.anchor - timedelta(days=3), amount_cents=189_900, side="debit",
          operation_type="card", label="Apple Store Opera", category="it_and_electronics",
          status="declined")


def _balance(b: _Builder, account: BankAccount) -> int:
    opening = OPENING_BALANCE_CENTS if account.main else 0
    return opening + sum(
        t.amount_cents if t.side == "credit" else -t.amount_cents
        for t in b.transactions.values()
        if t.bank_account_id == account.id and t.status == "completed")


def attach_demo_receipts(state: QontoState, files: FileStore, count: int = DEMO_RECEIPTS
                         ) -> list[Transaction]:
    """Attach a till receipt to the last `count` receipted-merchant card payments, as the
    user would from Qonto's app; the files go to the emulator's file store. Returns them."""
    candidates = sorted((t for t in state.transactions.values()
                         if t.status == "completed" and t.operation_type == "card"
                         and t.currency == "EUR" and t.label in RECEIPT_MERCHANTS
                         and not t.attachment_ids),
                        key=lambda t: (t.emitted_at, t.id), reverse=True)
    attached: list[Transaction] = []
    for transaction in candidates:
        if len(attached) == count:
            break
        content = _receipt_for(transaction, len(attached))
        if content is None:
            continue
        day = transaction.settled_at or transaction.emitted_at
        attachment = Attachment(
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-receipt/{transaction.id}")),
            created_at=day, file_name=f"ticket-{day:%Y%m%d}-{len(attached) + 1}.pdf",
            content_type="application/pdf", size=len(content), sha256=files.put(content),
            visible_from=day)
        state.attachments[attachment.id] = attachment
        transaction.attachment_ids.append(attachment.id)
        attached.append(transaction)
    return attached


def _receipt_for(transaction: Transaction, position: int) -> bytes | None:
    address, item = RECEIPT_MERCHANTS[transaction.label]
    day = transaction.emitted_at.date()
    if day.day % 2:  # the till receipt layout prints cash tendered on odd days: not a card
        return None
    return render_card_receipt(transaction.label, address, item, day,
                               f"{day:%m%d}-{position + 1:03d}", transaction.amount_cents)
