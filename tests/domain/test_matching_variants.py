"""What the matcher learnt from its misses on varied ledgers (issue 14): double charges
decided by the booking dates, never by transaction ids; bank labels with processors, masked
cards, days and postcodes; numbers glued to a word or after "N°"; batches that list their
numbers or are pulled by the creditor's direct debit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from liasse.domain.documents import DocumentFacts
from liasse.domain.matching.engine import MatchConfig, match_transactions
from liasse.domain.matching.model import MatchDecision, counterparty_key
from liasse.domain.matching.references import number_keys, text_keys
from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction

ISSUED = date(2026, 3, 2)
DUE = ISSUED + timedelta(days=30)
IBAN = "FR7630006000011234567890189"


def debit(tx_id: str, minor: int, day: date, name: str, *, iban: str | None = None,
          reference: str = "", op: str = "transfer") -> BankTransaction:
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    return BankTransaction(
        id=tx_id, bank_account_id="main", side="debit", status="completed",
        amount=Money(minor, "EUR"), local_amount=Money(minor, "EUR"), operation_type=op,
        counterparty_name=name, label=name, reference=reference, counterparty_iban=iban,
        settled_at=moment, emitted_at=moment, updated_at=moment)


def invoice(doc_id: str, minor: int, issued: date = ISSUED, *, number: str | None = None,
            name: str = "Atelier Granit 12 SAS", iban: str | None = IBAN) -> DocumentFacts:
    return DocumentFacts(
        id=doc_id, sha256=doc_id, document_type="invoice", supplier_name=name,
        supplier_vat_id="FR40303265045", supplier_iban=iban, customer_name=None,
        invoice_number=number or f"AG-2026-{doc_id}", issue_date=issued,
        due_date=issued + timedelta(days=30), total=Money(minor, "EUR"),
        payment_reference=None, file=f"Inbox/{doc_id}.pdf")


def of_kind(decisions: list[MatchDecision], kind: str) -> list[MatchDecision]:
    return [decision for decision in decisions if decision.kind == kind]


# --- double charges: the later debit is the alert ---------------------------------------------


@pytest.mark.parametrize(("earlier_id", "later_id"), [("tx-a", "tx-b"), ("tx-b", "tx-a"),
                                                      ("ffff", "0000"), ("0000", "ffff")])
@pytest.mark.parametrize("op", ["transfer", "direct_debit", "card"])
def test_the_later_of_two_identical_debits_is_the_alert_whatever_the_ids(
        earlier_id: str, later_id: str, op: str) -> None:
    # The later debit falls on the due date, so its date score is the better one.
    document = invoice("d1", 48_000, number="AG-2026-0042")
    iban = IBAN if op == "transfer" else None
    lines = [debit(later_id, 48_000, DUE, "ATELIER GRANIT 12", iban=iban,
                   reference="FACT AG-2026-0042", op=op),
             debit(earlier_id, 48_000, DUE - timedelta(days=3), "ATELIER GRANIT 12", iban=iban,
                   reference="FACT AG-2026-0042", op=op)]
    decisions = match_transactions([document], lines, MatchConfig())
    [payment], [alert] = of_kind(decisions, "payment"), of_kind(decisions, "double_charge")
    assert (payment.transaction_id, payment.document_ids) == (earlier_id, ("d1",))
    assert (alert.transaction_id, alert.document_ids) == (later_id, ("d1",))
    assert alert.band == "review" and "3 day(s) after" in " ".join(alert.reasons)


def test_two_identical_debits_for_two_invoices_are_two_payments() -> None:
    documents = [invoice("d1", 48_000, number="AG-2026-0042"),
                 invoice("d2", 48_000, ISSUED + timedelta(days=1), number="AG-2026-0043")]
    lines = [debit("tx-2", 48_000, DUE + timedelta(days=1), "ATELIER GRANIT 12", iban=IBAN),
             debit("tx-1", 48_000, DUE, "ATELIER GRANIT 12", iban=IBAN)]
    decisions = match_transactions(documents, lines, MatchConfig())
    assert not of_kind(decisions, "double_charge")
    assert {d.transaction_id for d in of_kind(decisions, "payment")} == {"tx-1", "tx-2"}


# --- label variants and numbers that lost their separators -------------------------------------


@pytest.mark.parametrize(("label", "key"), [
    ("CARTE X2297 21/08 HERMINE IMPRIMERIE 31", "HERMINE IMPRIMERIE 31"),
    ("PAYPAL *TERRA LOGISTIQUE 2", "TERRA LOGISTIQUE 2"),
    ("CB*4905 COMPAGNIE DU NORD", "COMPAGNIE DU NORD"),
    ("SEPA DD JARDIN INFORMATIQUE 17 75011 PARIS", "JARDIN INFORMATIQUE 17 PARIS"),
    ("SUMUP *Horizon*Transports*0 13/03", "HORIZON TRANSPORTS 0"),
    ("GARAGE 12", "GARAGE 12"),
])
def test_bank_labels_are_read_for_the_name_they_carry(label: str, key: str) -> None:
    assert counterparty_key(label) == key


@pytest.mark.parametrize(("bank_text", "number"), [
    ("FACTURE N°TE22202625476", "TE22/2026/25476"),
    ("FACT2026-8475", "2026/8475"),
    ("REF:inv-000123", "INV-000123"),
    ("PAIEMENT FACTURE AG.2026.00042 MERCI", "AG-2026-00042"),
])
def test_numbers_glued_to_a_word_or_after_n_are_found(bank_text: str, number: str) -> None:
    assert number_keys(number) & text_keys(bank_text)


def test_a_card_label_with_a_day_and_a_postcode_links_automatically() -> None:
    document = invoice("d1", 343_029, iban=None, name="Hermine Imprimerie 31")
    line = debit("t1", 343_029, ISSUED, "CARTE X2297 02/03 HERMINE IMPRIMERIE 31 75011 PARIS",
                 op="card")
    [payment] = match_transactions([document], [line], MatchConfig())
    assert (payment.transaction_id, payment.band) == ("t1", "auto")


# --- batched payments ------------------------------------------------------------------------


def _six_invoices() -> list[DocumentFacts]:
    amounts = (120_050, 98_000, 45_525, 310_000, 7_990, 66_600)
    return [invoice(f"d{index}", minor, ISSUED + timedelta(days=index),
                    number=f"AG/2026/{index:04d}") for index, minor in enumerate(amounts)]


def test_a_batch_listing_its_numbers_links_however_many_they_are() -> None:
    documents = _six_invoices()
    total = sum(d.total.minor for d in documents if d.total)
    reference = " ".join(f"AG2026{index:04d}" for index in range(6))
    line = debit("t1", total, DUE + timedelta(days=10), "VIR SEPA ATELIER GRANIT", iban=IBAN,
                 reference=reference)
    [batch] = match_transactions(documents, [line], MatchConfig())
    assert batch.band == "auto" and sorted(batch.document_ids) == [f"d{i}" for i in range(6)]
    assert "numbers found in the bank text" in " ".join(batch.reasons)


def test_a_creditors_direct_debit_for_one_combination_links_without_iban() -> None:
    documents = _six_invoices()[:3]
    total = sum(d.total.minor for d in documents if d.total)
    line = debit("t1", total, DUE + timedelta(days=5), "PRLV SEPA ATELIER GRANIT 12",
                 op="direct_debit")
    [batch] = match_transactions(documents, [line], MatchConfig())
    assert batch.band == "auto" and sorted(batch.document_ids) == ["d0", "d1", "d2"]
    card = debit("t1", total, DUE + timedelta(days=5), "CB ATELIER GRANIT 12", op="card")
    [by_card] = match_transactions(documents, [card], MatchConfig())
    assert by_card.band == "review"  # a card payment of that sum may be another purchase


def test_a_batch_listing_its_numbers_needs_no_name_nor_iban() -> None:
    documents = _six_invoices()[:3]
    total = sum(d.total.minor for d in documents if d.total)
    line = debit("t1", total, DUE + timedelta(days=5), "PRLV ATELIER GRA", op="direct_debit",
                 reference="AG-2026-0 ag2026 0001 AG/2026/0002")
    [batch] = match_transactions(documents, [line], MatchConfig())
    assert batch.band == "auto" and sorted(batch.document_ids) == ["d0", "d1", "d2"]
    short = debit("t1", total - 1, DUE + timedelta(days=5), "PRLV ATELIER GRA",
                  op="direct_debit", reference="AG-2026-0 ag2026 0001 AG/2026/0002")
    assert all(d.band == "review" for d in match_transactions(documents, [short], MatchConfig()))


def test_a_label_cut_before_the_shop_number_is_not_sure_of_the_supplier() -> None:
    # "BUREAU FOURNITURES" may be any of the chain's shops: the card line waits for review.
    document = invoice("d1", 254_350, iban=None, name="Bureau Fournitures 365 EURL")
    line = debit("t1", 254_350, ISSUED + timedelta(days=2), "BUREAU FOURNITURES", op="card")
    [payment] = match_transactions([document], [line], MatchConfig())
    assert payment.band == "review"
    named = debit("t1", 254_350, ISSUED + timedelta(days=2), "CB BUREAU FOURNITURES 365",
                  op="card")
    [sure] = match_transactions([document], [named], MatchConfig())
    assert sure.band == "auto"
