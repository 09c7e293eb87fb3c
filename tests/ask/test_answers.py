"""Answers come from the database, in the question's language, each linking to its records."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from webworld import World, filled_world, invoice_file, make_world

from liasse.app.ask.answers import Paths, ask, best_supplier
from liasse.app.settings import Settings
from liasse.domain.matching.model import MatchDecision
from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.match_repo import MatchRepo
from liasse.store.web_repo import WebRepo

TODAY = date(2026, 11, 10)


def answer(world: World, question: str) -> tuple[str, list[str], list[str]]:
    with world.services.repo(WebRepo) as repo:
        result = ask(question, repo, Paths("/w/default"),
                     TODAY)
    return result.headline, [link.href for link in result.links], list(result.details)


def test_every_supported_question_gets_an_answer_with_links(settings: Settings) -> None:
    world = filled_world(settings)
    try:
        sure, unsure = world.document_id("sure.pdf"), world.document_id("unsure.pdf")
        headline, links, _ = answer(world, "summarise this month")
        assert headline == "Summary of this month: 1 accepted invoices, 120.00 EUR."
        assert any("supplier=Orange+Business" in link for link in links)
        headline, links, _ = answer(world, "what needs attention?")
        assert headline == "1 things need attention." and links == ["/w/default/review"]
        headline, links, _ = answer(world, "find unmatched records")
        assert "1 posted invoices" in headline and f"/w/default/documents/{sure}" in links
        headline, links, _ = answer(world, "combien avons-nous dépensé avec orange cette année ?")
        assert headline == ("Dépensé avec Orange Business cette année, par date de facture : "
                            "120,00 EUR (1 factures).")
        headline, links, _ = answer(world, "show invoices due next week")
        assert headline == "3 invoices due next week, 288.30 EUR."  # all due on 2026-11-20
        assert f"/w/default/documents/{unsure}" in links
        headline, links, _ = answer(world, "show invoices due this week")
        assert headline == "No invoice is due this week."
        headline, _, _ = answer(world, "factures à échéance ce mois")
        assert headline == "3 factures à échéance ce mois-ci, 288,30 EUR."
        headline, _, _ = answer(world, "how much did we spend with Nobody Known this year")
        assert "No supplier called “Nobody Known” found" in headline
    finally:
        world.services.close()


def test_supplier_names_are_matched_leniently() -> None:
    known = ["Cowork Rivoli", "Orange Business", "Électricité de France"]
    assert best_supplier("cowork", known) == "Cowork Rivoli"
    assert best_supplier("electricite de france", known) == "Électricité de France"
    assert best_supplier("zzz", known) is None


def _paid_world(settings: Settings) -> World:
    """A Cowork invoice dated in October and paid on 5 November; an Orange one from 2025."""
    world = make_world(settings)
    invoice_file(world.inbox, "october.pdf", 0.95, issue_date="2026-10-14", due_date="2026-11-13",
                 total_amount="300.00")
    invoice_file(world.inbox, "old.pdf", 0.95, supplier_name="Orange Business",
                 issue_date="2025-06-02", due_date="2025-07-02", total_amount="80.00")
    world.run_window()
    paid = datetime(2026, 11, 5, 9, tzinfo=UTC)
    debit = BankTransaction(
        id="tx-cowork", bank_account_id="acc", side="debit", status="completed",
        amount=Money(30000, "EUR"), local_amount=Money(30000, "EUR"), operation_type="transfer",
        counterparty_name="COWORK RIVOLI", label="COWORK RIVOLI", reference="",
        counterparty_iban=None,        settled_at=paid, emitted_at=paid, updated_at=paid)
    decision = MatchDecision("tx-cowork", (world.document_id("october.pdf"),), "payment", 0.95,
                             "auto", ())
    with world.services.repo(ConnectionRepo) as repo:
        connection = repo.add_connection("qonto", "Qonto", {})
        repo.session.flush()
        BankRepo(repo.session, repo.workspace_id).upsert_transactions(connection.id, [debit])
        MatchRepo(repo.session, repo.workspace_id).record(decision, "linked")
    return world


def test_spend_by_month_answers_by_invoice_date_and_by_payment_date(settings: Settings) -> None:
    world = _paid_world(settings)
    try:
        october = world.document_id("october.pdf")
        headline, links, details = answer(world, "combien ai-je dépensé en octobre ?")
        assert headline == ("Dépensé en octobre 2026, par date de facture : 300,00 EUR "
                            "(1 factures).")
        assert details[:2] == [
            "Par date de paiement (débit bancaire en octobre 2026) : 0,00 EUR "
            "(0 factures payées).",
            "La date de facture est la date d'émission imprimée sur la facture ; la date de "
            "paiement est celle du débit bancaire rapproché."]
        assert f"/w/default/documents/{october}" in links
        assert "/w/default/documents?issued_from=2026-10-01&issued_to=2026-10-31" in links
        headline, links, details = answer(world, "How much did we pay in November?")
        assert headline == "Paid in November 2026, by payment date: 300.00 EUR (1 invoices)."
        assert details[0] == "By invoice date (issued in November 2026): 0.00 EUR (0 invoices)."
        assert f"/w/default/documents?ids={october}" in links
        _, _, details = answer(world, "spend by month this year")
        assert "October 2026: 300.00 EUR (1)" in details
        headline, _, _ = answer(world, "résume octobre")
        assert headline == "Bilan d'octobre 2026 : 1 factures acceptées, 300,00 EUR."
    finally:
        world.services.close()


def test_a_supplier_with_nothing_in_the_period_says_where_its_invoices_are(
        settings: Settings) -> None:
    world = _paid_world(settings)
    try:
        headline, _, details = answer(world, "how much did we spend with Orange this year?")
        assert headline == ("Spent with Orange Business this year, by invoice date: 0.00 EUR "
                            "(0 invoices).")
        assert ("Orange Business has 1 accepted invoices dated outside this period, from "
                "2025-06-02 to 2025-06-02.") in details
        headline, _, _ = answer(world, "combien avons-nous dépensé avec Orange en 2025 ?")
        assert headline == ("Dépensé avec Orange Business en 2025, par date de facture : "
                            "80,00 EUR (1 factures).")
    finally:
        world.services.close()
