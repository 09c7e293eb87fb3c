"""Bank matches in the web app: candidates and alerts with reasons, confirm and dismiss
(audited, state moves, bank line marked), duplicates linked, unmatched records and Ask."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from webworld import World, csrf_of

from liasse.domain.matching.model import MatchDecision
from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.match_repo import MatchRepo

BOOKED = datetime(2026, 11, 5, 9, 30, tzinfo=UTC)


def debit(transaction_id: str, minor: int, name: str) -> BankTransaction:
    return BankTransaction(
        id=transaction_id, bank_account_id="acc-1", side="debit", status="completed",
        amount=Money(minor, "EUR"), local_amount=Money(minor, "EUR"), operation_type="transfer",
        counterparty_name=name, label=f"{name} invoice", reference="", counterparty_iban=None,
        settled_at=BOOKED, emitted_at=BOOKED, updated_at=BOOKED)


def add_debits(world: World, *debits: BankTransaction) -> None:
    with world.services.repo(ConnectionRepo) as repo:
        connection = repo.add_connection("qonto", "Qonto test", {})
        repo.session.flush()
        BankRepo(repo.session, repo.workspace_id).upsert_transactions(connection.id, debits)


def propose(world: World, transaction_id: str, files: list[str], kind: str = "payment",
            score: float = 0.72, reasons: tuple[str, ...] = ("exact amount 120.00 EUR",)) -> str:
    decision = MatchDecision(transaction_id, tuple(world.document_id(f) for f in files),
                             kind, score, "review", reasons)  # type: ignore[arg-type]
    with world.services.repo(MatchRepo) as repo:
        row, _ = repo.record(decision, "proposed")
        return row.id


def match_status(world: World, match_id: str) -> str:
    with world.services.repo(MatchRepo) as repo:
        return repo.get(match_id).status


def unmatched_ids(world: World) -> list[str]:
    with world.services.repo(BankRepo) as repo:
        return [t.id for t in repo.unmatched_debits()]


def test_confirming_a_payment_links_it_and_dismisses_the_competitor(world: World,
                                                                    owner: TestClient) -> None:
    add_debits(world, debit("tx-orange", 12000, "ORANGE BUSINESS"))
    chosen = propose(world, "tx-orange", ["sure.pdf"],
                     reasons=("exact amount 120.00 EUR", "name ORANGE BUSINESS 100%"))
    rival = propose(world, "tx-orange", ["unsure.pdf"], score=0.55)
    sure = world.document_id("sure.pdf")
    record = owner.get(f"/w/default/documents/{sure}").text
    assert "name ORANGE BUSINESS 100%" in record and "72%" in record and "tx-orange" in record
    assert "ORANGE BUSINESS invoice" in record and "120.00 EUR" in record

    linked = owner.post(f"/w/default/matches/{chosen}/confirm",
                        data={"csrf": csrf_of(record), "back": f"/w/default/documents/{sure}"})
    assert linked.status_code == 200 and "Bank line linked." in linked.text
    assert world.state_of("sure.pdf") == "matched"
    assert (match_status(world, chosen), match_status(world, rival)) == ("linked", "dismissed")
    assert unmatched_ids(world) == []
    assert '<dd id="qonto-transaction"><code>tx-orange</code>' in linked.text
    assert "payment confirmed by a person (72%)" in linked.text
    unsure = owner.get(f"/w/default/documents/{world.document_id('unsure.pdf')}").text
    assert "bank line linked to another document" in unsure
    again = owner.post(f"/w/default/matches/{chosen}/confirm", data={"csrf": csrf_of(record)})
    assert again.status_code == 400 and "already linked" in again.text


def test_a_payment_of_an_unposted_invoice_cannot_be_linked_but_can_be_dismissed(
        world: World, owner: TestClient) -> None:
    add_debits(world, debit("tx-cowork", 12000, "COWORK RIVOLI"))
    match_id = propose(world, "tx-cowork", ["unsure.pdf"])
    document_id = world.document_id("unsure.pdf")
    page = owner.get(f"/w/default/review/{document_id}").text
    assert f'data-match="{match_id}"' in page and "COWORK RIVOLI" in page
    refused = owner.post(f"/w/default/matches/{match_id}/confirm", data={"csrf": csrf_of(page)})
    assert refused.status_code == 400 and "post it before linking" in refused.text
    assert match_status(world, match_id) == "proposed"
    dismissed = owner.post(f"/w/default/matches/{match_id}/dismiss", data={
        "csrf": csrf_of(page), "reason": "rent, not this invoice",
        "back": f"/w/default/review/{document_id}"})
    assert "Match dismissed." in dismissed.text
    assert match_status(world, match_id) == "dismissed"
    assert "rent, not this invoice" in owner.get(f"/w/default/documents/{document_id}").text
    assert unmatched_ids(world) == ["tx-cowork"]  # the line is still unexplained


def test_alerts_are_shown_and_only_dismissed(world: World, owner: TestClient) -> None:
    add_debits(world, debit("tx-double", 12000, "ORANGE BUSINESS"))
    alert = propose(world, "tx-double", ["sure.pdf"], kind="double_charge", score=0.9,
                    reasons=("already settled by tx-first on 2026-11-01",))
    record = owner.get(f"/w/default/documents/{world.document_id('sure.pdf')}").text
    assert "double-charge alert" in record and "already settled by tx-first" in record
    refused = owner.post(f"/w/default/matches/{alert}/confirm", data={"csrf": csrf_of(record)})
    assert refused.status_code == 400 and "cannot be linked" in refused.text
    assert world.state_of("sure.pdf") == "posted"


def test_matches_need_a_reviewer_and_stay_in_their_workspace(world: World, client: TestClient,
                                                             owner: TestClient) -> None:
    add_debits(world, debit("tx-orange", 12000, "ORANGE BUSINESS"))
    match_id = propose(world, "tx-orange", ["sure.pdf"])
    other = world.add_workspace("other")
    world.add_user("owner@example.com", "owner", workspace="other")
    assert other
    page = owner.get("/w/other/dashboard").text
    foreign = owner.post(f"/w/other/matches/{match_id}/confirm", data={"csrf": csrf_of(page)})
    assert foreign.status_code == 400 and "no such match" in foreign.text
    assert match_status(world, match_id) == "proposed"


def test_a_duplicate_links_to_its_original(world: World, owner: TestClient) -> None:
    copy, original = world.document_id("second.pdf"), world.document_id("sure.pdf")
    with world.services.repo(DocumentRepo) as repo:
        repo.get_document(copy).duplicate_of = original
    for url in (f"/w/default/review/{copy}", f"/w/default/documents/{copy}"):
        page = owner.get(url).text
        banner = page[page.index('id="duplicate-of"'):]
        assert f'href="/w/default/documents/{original}">sure.pdf</a>' in banner[:400]


def test_dashboard_and_ask_show_unmatched_debits_and_spend_by_account(
        world: World, owner: TestClient) -> None:
    add_debits(world, debit("tx-a", 4830, "BOULANGERIE LEMOINE"), debit("tx-b", 990, "SNCF"))
    with world.services.repo(DocumentRepo) as repo:
        repo.get_document(world.document_id("sure.pdf")).ledger_account = "626"
    page = owner.get("/w/default/dashboard").text
    assert '<strong id="unmatched-debits">2</strong>' in page and "58.20 EUR" in page
    by_account = page[page.index('id="spend-by-account"'):]
    assert "626 Postage and telecommunications" in by_account and "120.00 EUR" in by_account
    answer = owner.get("/w/default/ask", params={"q": "find unmatched records"}).text
    assert "2 bank debits are not explained by a document yet, 1 posted invoices" in answer
    assert "Debit 2026-11-05 — SNCF — 9.90 EUR" in answer
    assert 'href="/w/default/unmatched"' in answer
    unmatched = owner.get("/w/default/unmatched").text
    assert "tx-a" in unmatched and "BOULANGERIE LEMOINE" in unmatched and "48.30 EUR" in unmatched
    assert f'/w/default/documents/{world.document_id("sure.pdf")}' in unmatched
