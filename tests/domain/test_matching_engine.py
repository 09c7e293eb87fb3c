"""The matcher's rules, each with its reasons checked, on small hand-made ledgers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from liasse.domain.documents import DocumentFacts
from liasse.domain.matching.engine import MatchConfig, match_transactions
from liasse.domain.matching.fx import FxRates
from liasse.domain.matching.model import MatchDecision
from liasse.domain.matching.references import make_rf
from liasse.domain.money import Money
from liasse.domain.suppliers import OwnCompany
from liasse.domain.transactions import BankTransaction, from_qonto
from liasse.samples.demo import CABINET, COWORK, DEMO_COMPANY, PAPETERIE, TELECOM, DemoSupplier

OWN = OwnCompany(names=(DEMO_COMPANY.name,), vat_ids=(DEMO_COMPANY.vat_id,))
CONFIG = MatchConfig(own_company=OWN, fx_rates=FxRates("EUR", {"USD": Decimal("0.92")}))


def tx(tx_id: str, amount: str, day: date, name: str, *, side: str = "debit",
       iban: str | None = None, reference: str = "", op: str = "transfer",
       local: str | None = None, local_currency: str | None = None) -> BankTransaction:
    raw: dict[str, Any] = {
        "id": tx_id, "amount_cents": Money.parse(amount).minor, "currency": "EUR",
        "side": side, "operation_type": op, "status": "completed", "label": name,
        "clean_counterparty_name": name, "reference": reference,
        "settled_at": f"{day.isoformat()}T10:00:00.000Z",
        "emitted_at": f"{day.isoformat()}T09:00:00.000Z"}
    if iban:
        raw["transfer"] = {"counterparty_account_number": iban}
    if local and local_currency:
        raw["local_amount_cents"] = Money.parse(local, local_currency).minor
        raw["local_currency"] = local_currency
    return from_qonto(raw)


def doc(doc_id: str, total: str, issued: date, supplier: DemoSupplier = PAPETERIE, *,
        number: str | None = None, kind: str = "invoice", currency: str = "EUR",
        with_iban: bool = True, reference: str | None = None, customer: str | None = None,
        file: str = "") -> DocumentFacts:
    amount = Money.parse(total, currency)
    if kind == "credit_note":
        amount = -amount
    issuer = DEMO_COMPANY.name if customer else supplier.name
    return DocumentFacts(
        id=doc_id, sha256=doc_id, document_type=kind,  # type: ignore[arg-type]
        supplier_name=issuer,
        supplier_vat_id=DEMO_COMPANY.vat_id if customer else supplier.vat_id,
        supplier_iban=supplier.iban if with_iban and not customer else None,
        customer_name=customer, invoice_number=number or f"N-{doc_id}",
        issue_date=issued, due_date=issued + timedelta(days=30), total=amount,
        payment_reference=reference, file=file or f"Inbox/{doc_id}.pdf")


def only(decisions: list[MatchDecision], kind: str | None = None) -> MatchDecision:
    chosen = [d for d in decisions if kind is None or d.kind == kind]
    assert len(chosen) == 1, decisions
    return chosen[0]


def text(decision: MatchDecision) -> str:
    return " | ".join(decision.reasons)


D = date(2026, 10, 8)
DUE = D + timedelta(days=30)


def test_exact_amount_with_reference_and_iban_links_automatically() -> None:
    documents = [doc("d1", "105.60", D, number="PM-48213")]
    lines = [tx("t1", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban,
                reference="FACT PM48213")]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert (decision.kind, decision.band, decision.document_ids) == ("payment", "auto", ("d1",))
    assert "exact amount 105.60 EUR" in text(decision)
    assert "PM48213" in text(decision) and PAPETERIE.iban in text(decision)
    assert decision.score > 0.9


def test_same_amount_from_an_unknown_counterparty_is_never_linked_alone() -> None:
    documents = [doc("d1", "105.60", D, with_iban=False)]
    lines = [tx("t1", "105.60", DUE, "SOMEONE ELSE", op="card")]
    decisions = match_transactions(documents, lines, CONFIG)
    assert all(d.band == "review" for d in decisions)
    if decisions:
        assert "no reference, IBAN or counterparty name" in text(decisions[0])


def test_same_amount_distractors_of_the_same_supplier_go_to_review_ranked() -> None:
    # A week apart: too far for a double charge, too close for the dates to decide.
    documents = [doc("d1", "105.60", D, with_iban=False)]
    lines = [tx("t1", "105.60", DUE, "Papeterie Martin", op="direct_debit"),
             tx("t2", "105.60", DUE + timedelta(days=7), "Papeterie Martin", op="direct_debit")]
    decisions = match_transactions(documents, lines, CONFIG)
    payment = only(decisions, "payment")
    assert payment.band == "review"
    assert "nothing clearly separates it" in text(payment)
    assert "other candidates: transaction" in text(payment)


def test_reference_breaks_a_tie_between_two_same_amount_debits() -> None:
    documents = [doc("d1", "105.60", D, number="PM-48213"),
                 doc("d2", "105.60", D + timedelta(days=1), number="PM-48214")]
    lines = [tx("t1", "105.60", DUE, "Papeterie Martin", reference="PM 48214"),
             tx("t2", "105.60", DUE, "Papeterie Martin", reference="PM-48213")]
    decisions = {d.transaction_id: d for d in match_transactions(documents, lines, CONFIG)}
    assert decisions["t1"].document_ids == ("d2",) and decisions["t1"].band == "auto"
    assert decisions["t2"].document_ids == ("d1",) and decisions["t2"].band == "auto"


def test_monthly_bills_of_one_amount_link_by_date() -> None:
    documents = [doc(f"m{month}", "59.99", date(2026, month, 1), TELECOM, with_iban=False)
                 for month in (3, 4, 5)]
    lines = [tx(f"t{month}", "59.99", date(2026, month, 31) if month != 4 else date(2026, 5, 1),
                "FIBRE OUEST TELECOM", op="direct_debit") for month in (3, 4, 5)]
    decisions = match_transactions(documents, lines, CONFIG)
    pairs = {(d.transaction_id, d.document_ids) for d in decisions if d.band == "auto"}
    assert pairs == {("t3", ("m3",)), ("t4", ("m4",)), ("t5", ("m5",))}


def test_amount_gap_within_the_fee_cap_is_review_with_the_fee_named() -> None:
    documents = [doc("d1", "1080.00", D, CABINET, number="2026-311")]
    lines = [tx("t1", "1082.50", DUE, "CABINET DURAND", iban=CABINET.iban,
                reference="FACT 2026-311")]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.band == "review"
    assert "2.50 EUR above 1080.00 EUR" in text(decision)
    assert "bank-fee cap" in text(decision)


def test_amount_beyond_the_fee_cap_is_no_payment() -> None:
    documents = [doc("d1", "1080.00", D, CABINET, with_iban=False)]
    lines = [tx("t1", "1090.00", DUE, "Somebody", op="card")]
    assert match_transactions(documents, lines, CONFIG) == []


def test_one_debit_paying_several_invoices_and_a_credit_note() -> None:
    documents = [doc("a", "1500.00", D, COWORK), doc("b", "300.00", D + timedelta(days=3), COWORK),
                 doc("c", "120.00", D + timedelta(days=4), COWORK, kind="credit_note"),
                 doc("x", "999.00", D, COWORK)]
    lines = [tx("t1", "1680.00", DUE + timedelta(days=5), "COWORK RIVOLI", iban=COWORK.iban)]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert set(decision.document_ids) == {"a", "b", "c"}
    assert decision.band == "auto" and decision.kind == "payment"
    assert "pays 3 documents" in text(decision) and COWORK.iban in text(decision)


def test_ambiguous_batch_goes_to_review() -> None:
    documents = [doc("a", "100.00", D, COWORK), doc("b", "200.00", D, COWORK),
                 doc("c", "150.00", D, COWORK), doc("e", "150.00", D, COWORK)]
    lines = [tx("t1", "300.00", DUE, "COWORK RIVOLI", iban=COWORK.iban)]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.band == "review"
    assert "another combination" in text(decision)


def test_invoice_paid_in_two_debits_is_never_automatic() -> None:
    documents = [doc("d1", "1000.00", D, CABINET, number="2026-400")]
    lines = [tx("t1", "400.00", DUE, "CABINET DURAND AVOCATS", iban=CABINET.iban),
             tx("t2", "600.00", DUE + timedelta(days=30), "CABINET DURAND AVOCATS",
                iban=CABINET.iban)]
    decisions = match_transactions(documents, lines, CONFIG)
    assert {d.transaction_id for d in decisions} == {"t1", "t2"}
    assert all(d.band == "review" and d.document_ids == ("d1",) for d in decisions)
    assert "together these debits pay it in full" in text(decisions[0])


def test_single_referenced_part_payment_names_the_residual() -> None:
    documents = [doc("d1", "1000.00", D, CABINET, number="2026-400")]
    lines = [tx("t1", "400.00", DUE, "CABINET DURAND AVOCATS", reference="ACOMPTE 2026-400")]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.band == "review"
    assert "600.00 EUR still open" in text(decision)
    assert "never linked automatically" in text(decision)


def test_credit_note_refund_is_a_credit() -> None:
    documents = [doc("cn", "45.00", D, PAPETERIE, kind="credit_note", number="AV-12")]
    lines = [tx("t1", "45.00", D + timedelta(days=5), "PAPETERIE MARTIN", side="credit",
                iban=PAPETERIE.iban, reference="AVOIR AV-12")]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert (decision.kind, decision.band) == ("credit", "auto")


def test_card_payment_in_foreign_currency_compares_the_local_amount() -> None:
    documents = [doc("us", "120.00", D, TELECOM, currency="USD", with_iban=False)]
    lines = [tx("t1", "110.35", D, "FIBRE OUEST TELECOM", op="card", local="120.00",
                local_currency="USD")]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.band == "auto"
    assert decision.converted == Money.parse("110.35", "EUR")
    assert "120.00 USD in the original currency" in text(decision)
    assert "converted it to 110.35 EUR" in text(decision)


def test_card_local_amount_within_tolerance_is_review() -> None:
    documents = [doc("us", "120.00", D, TELECOM, currency="USD", with_iban=False)]
    lines = [tx("t1", "111.00", D, "FIBRE OUEST TELECOM", op="card", local="121.00",
                local_currency="USD")]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.band == "review" and "within" in text(decision)


def test_payment_confirmation_matches_the_next_debit_without_using_it_up() -> None:
    documents = [doc("inv", "59.99", D, TELECOM, number="FO-1"),
                 doc("conf", "59.99", DUE - timedelta(days=1), TELECOM, kind="payment_confirmation",
                     number="CONF-FO-1")]
    lines = [tx("t0", "59.99", DUE - timedelta(days=40), "FIBRE OUEST TELECOM",
                op="direct_debit"),
             tx("t1", "59.99", DUE, "FIBRE OUEST TELECOM", iban=TELECOM.iban,
                op="direct_debit")]
    decisions = match_transactions(documents, lines, CONFIG)
    confirmation = only(decisions, "confirmation")
    assert confirmation.transaction_id == "t1" and confirmation.document_ids == ("conf",)
    assert confirmation.band == "auto" and "attached" in text(confirmation)
    assert only(decisions, "payment").transaction_id == "t1"


def test_second_debit_for_a_paid_invoice_is_a_double_charge() -> None:
    documents = [doc("d1", "105.60", D, number="PM-48213")]
    lines = [tx("t1", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban,
                reference="PM-48213"),
             tx("t2", "105.60", DUE + timedelta(days=2), "PAPETERIE MARTIN",
                iban=PAPETERIE.iban, reference="PM-48213")]
    decisions = match_transactions(documents, lines, CONFIG)
    alert = only(decisions, "double_charge")
    assert alert.transaction_id == "t2" and alert.document_ids == ("d1",)
    assert alert.band == "review" and "second debit of 105.60 EUR" in text(alert)
    payment = only(decisions, "payment")
    assert (payment.transaction_id, payment.band) == ("t1", "auto")
    assert "the earlier of two identical debits: transaction t2" in text(payment)


def test_document_asking_again_to_be_paid_is_flagged_with_the_original_debit() -> None:
    documents = [doc("new", "105.60", D + timedelta(days=2), number="PM-50001"),
                 doc("old", "105.60", D, number="PM-48213")]
    lines = [tx("t1", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban,
                reference="PM-48213")]
    decisions = match_transactions(documents, lines, CONFIG, settled={"old": ["t1"]})
    alert = only(decisions, "double_charge")
    assert alert.transaction_id == "t1" and alert.document_ids == ("new", "old")
    assert "already settled" in text(alert) and "t1" in text(alert)


def test_copy_of_a_paid_invoice_is_a_duplicate() -> None:
    documents = [doc("orig", "1080.00", D, CABINET, number="2026-311"),
                 doc("copy", "1080.00", D, CABINET, number="2026 311")]
    lines = [tx("t1", "1080.00", DUE, "CABINET DURAND", iban=CABINET.iban)]
    decisions = match_transactions(documents, lines, CONFIG)
    assert only(decisions, "payment").document_ids == ("orig",)
    duplicate = only(decisions, "duplicate")
    assert duplicate.document_ids == ("copy", "orig") and duplicate.transaction_id == "t1"
    assert "never to be posted" in text(duplicate)


@pytest.mark.parametrize("bank_reference", ["F20260042", "F2026-42", "F 2026 0042",
                                            "VIR F-2026-0042 MERCI"])
def test_inbound_wire_with_a_mangled_number_lands_on_the_sales_invoice(
        bank_reference: str) -> None:
    documents = [doc("sale", "2400.00", D, number="F-2026-0042", customer="Client Alpha SAS"),
                 doc("other", "2400.00", D, number="F-2026-0043", customer="Client Beta")]
    lines = [tx("t1", "2400.00", DUE, "CLIENT ALPHA", side="credit", op="income",
                reference=bank_reference)]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.document_ids == ("sale",) and decision.kind == "credit"
    assert decision.band == "auto"


def test_inbound_wire_with_an_rf_reference() -> None:
    rf = make_rf("F20260042")
    spaced = " ".join(rf[index:index + 4] for index in range(0, len(rf), 4))
    documents = [doc("sale", "2400.00", D, number="F-2026-0042", reference=rf,
                     customer="Client Alpha SAS"),
                 doc("other", "2400.00", D, number="F-2026-0099", customer="Client Alpha SAS")]
    lines = [tx("t1", "2400.00", DUE, "CLIENT ALPHA", side="credit", op="income",
                reference=spaced)]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.document_ids == ("sale",) and decision.band == "auto"
    assert "RF reference" in text(decision) and rf in text(decision)


def test_sales_documents_by_folder_and_the_own_company_never_pays_itself() -> None:
    sale = doc("s", "500.00", D, number="F-2026-0100", customer="Client Gamma",
               file="Sales documents/2026/F-2026-0100.pdf")
    lines = [tx("t1", "500.00", DUE, "DEMO", side="debit", iban=DEMO_COMPANY.iban)]
    config = MatchConfig(own_company=OwnCompany(), sales_folders=("Sales documents",))
    assert match_transactions([sale], lines, config) == []  # a receivable is not paid by a debit


def test_settled_lines_and_declined_lines_are_left_alone() -> None:
    documents = [doc("d1", "105.60", D, number="PM-48213")]
    raw_declined = tx("t9", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban,
                      reference="PM-48213")
    declined = BankTransaction(**{**raw_declined.__dict__, "status": "declined"})
    assert match_transactions(documents, [declined], CONFIG) == []
    paid = tx("t1", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban)
    assert match_transactions(documents, [paid], CONFIG, settled={"d1": ["t1"]}) == []


def test_json_shape() -> None:
    decision = MatchDecision("t", ("a", "b"), "payment", 0.912345, "auto", ("why",))
    assert decision.to_json() == {"transaction_id": "t", "document_ids": ["a", "b"],
                                  "kind": "payment", "score": 0.9123, "band": "auto",
                                  "reasons": ["why"]}


def test_review_decisions_carry_the_ranked_candidates() -> None:
    documents = [doc("d1", "105.60", D, with_iban=False)]
    lines = [tx("t1", "105.60", DUE, "Papeterie Martin", op="direct_debit"),
             tx("t2", "105.60", DUE + timedelta(days=7), "Papeterie Martin", op="direct_debit")]
    payment = only(match_transactions(documents, lines, CONFIG), "payment")
    assert payment.band == "review"
    assert [candidate[0] for candidate in payment.candidates] == ["t2"]
    assert "candidates" not in payment.to_json()  # the JSON contract stays as documented


def test_already_paid_is_caught_even_when_the_new_copy_lacks_the_vat_id() -> None:
    old = doc("old", "105.60", D, number="PM-48213")
    new = DocumentFacts(**{**doc("new", "105.60", D, number="PM-48213 bis").__dict__,
                           "supplier_vat_id": None})
    lines = [tx("t1", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban)]
    decisions = match_transactions([new, old], lines, CONFIG, settled={"old": ["t1"]})
    alert = only(decisions, "double_charge")
    assert alert.document_ids == ("new", "old")


def test_a_role_can_be_forced_and_a_sales_part_payment_waits_in_review() -> None:
    sale = doc("s", "2400.00", D, number="F-2026-0042", customer="Client Alpha SAS")
    lines = [tx("t1", "1000.00", DUE, "CLIENT ALPHA", side="credit", op="income",
                reference="ACOMPTE F-2026-0042")]
    decision = only(match_transactions([sale], lines, CONFIG))
    assert decision.kind == "credit" and decision.band == "review"
    assert "1400.00 EUR still open" in text(decision)
    as_payable = match_transactions([sale], lines, CONFIG, roles={"s": "ignored"})
    assert as_payable == []


def test_candidates_come_from_the_indexes_only() -> None:
    from liasse.domain.matching.index import TransactionIndex
    from liasse.domain.matching.model import PreparedTransaction

    lines = [tx(f"n{i}", f"{100 + i}.00", D + timedelta(days=i % 200), f"SHOP {i}", op="card")
             for i in range(2000)]
    lines.append(tx("hit", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban))
    index = TransactionIndex([PreparedTransaction(line, i) for i, line in enumerate(lines)])
    first, last = D.toordinal() - 10, DUE.toordinal() + 120
    same = list(index.same_amount("debit", "EUR", 10560, first, last))
    assert [item.tx.id for item in same] == ["hit"]
    party = index.same_counterparty([PAPETERIE.iban], "PAPETERIE MARTIN", first, last)
    assert [item.tx.id for item in party] == ["hit"]
    assert list(index.same_amount("debit", "EUR", 10560, first, DUE.toordinal() - 1)) == []


def test_a_line_naming_a_paid_invoice_is_not_given_to_a_neighbour() -> None:
    documents = [doc("paid", "105.60", D, number="PM-48213"),
                 doc("other", "107.00", D, number="PM-48999")]
    lines = [tx("t1", "105.60", DUE, "PAPETERIE MARTIN", iban=PAPETERIE.iban,
                reference="PM-48213"),
             tx("t2", "105.60", DUE + timedelta(days=2), "PAPETERIE MARTIN",
                iban=PAPETERIE.iban, reference="PM-48213")]
    decisions = match_transactions(documents, lines, CONFIG)
    assert all("other" not in d.document_ids for d in decisions)
    assert only(decisions, "double_charge").document_ids == ("paid",)


def test_confirmation_with_two_fitting_debits_waits_in_review() -> None:
    documents = [doc("conf", "59.99", DUE - timedelta(days=1), TELECOM, with_iban=False,
                     kind="payment_confirmation", number="CONF-FO-9")]
    lines = [tx("t1", "59.99", DUE, "FIBRE OUEST TELECOM", op="direct_debit"),
             tx("t2", "59.99", DUE + timedelta(days=1), "FIBRE OUEST TELECOM",
                op="direct_debit")]
    confirmation = only(match_transactions(documents, lines, CONFIG), "confirmation")
    assert confirmation.band == "review" and confirmation.transaction_id == "t1"
    assert "other debits fit too: t2" in text(confirmation)


def test_transfer_in_euros_for_a_dollar_invoice_uses_the_rate_table() -> None:
    documents = [doc("us", "120.00", D, TELECOM, currency="USD")]
    lines = [tx("t1", "110.60", DUE, "FIBRE OUEST TELECOM", iban=TELECOM.iban)]
    decision = only(match_transactions(documents, lines, CONFIG))
    assert decision.band == "review"  # a rate table is never exact
    assert "about 110.40 EUR at the configured rate" in text(decision)
    assert decision.converted == Money.parse("110.60", "EUR")
