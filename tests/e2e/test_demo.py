"""What `make run` shows a newcomer: the demo inbox read, routed and posted to the sandbox."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liasse.app.settings import load_settings
from liasse.app.setup import demo_day
from liasse.cli import app
from liasse.emulators.qonto.persistence import StateStore
from liasse.samples.demo import DemoInvoice, demo_invoices
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def seeded_invoices() -> tuple[DemoInvoice, ...]:
    """The invoices `init --demo` wrote: dated from the day it recorded (today)."""
    return demo_invoices(demo_day(load_settings(), date.today()))


def approve_what_waits_for_review() -> int:
    """What a person does in the review queue: approve every document waiting there."""
    from liasse.app.actions import approve, user_actor
    from liasse.app.services import opened_services

    with opened_services() as services, services.repo(DocumentRepo) as repo:
        waiting = [d.id for d in repo.list_documents() if d.state == "in_review"]
        for document_id in waiting:
            approve(repo, document_id, actor=user_actor("demo@liasse.local"))
    return len(waiting)


def read_and_approve_the_demo() -> dict[str, int]:
    """One window, the review queue approved, then one window that posts what was approved.

    The counts are those of the first window, with `posted` over both: liasse posts on its
    own only what it is sure of, and a person approves the rest.
    """
    first = json.loads(invoke("sync", "--once", "--json"))
    approved_by_hand = approve_what_waits_for_review()
    second = json.loads(invoke("sync", "--once", "--json"))
    first["posted"] += second["posted"]
    first["approved"] += approved_by_hand
    return first


def test_the_demo_invoices_reach_the_sandbox_once(clean_environment: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    invoke("init", "--demo")
    first = read_and_approve_the_demo()
    assert first["discovered"] == len(seeded_invoices())
    assert first["posted"] == first["approved"] == len(seeded_invoices())
    assert first["refused"] == 0
    second = json.loads(invoke("sync", "--once", "--json"))
    assert second["posted"] == 0
    assert second["duplicates"] == len(seeded_invoices())
    state = StateStore(clean_environment / "qonto-sandbox").load()
    assert state is not None
    assert len(state.supplier_invoices) == first["posted"]
    numbers = {invoice.number for invoice in seeded_invoices()}
    posted_files = {invoice.file_name for invoice in state.supplier_invoices.values()}
    assert all(any(number in name for number in numbers) for name in posted_files)


def test_the_posted_demo_invoices_are_matched_to_the_sandbox_debits(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    invoke("init", "--demo")
    posted = read_and_approve_the_demo()["posted"]
    invoke("sync", "--once", "--json")  # the bank window matches what the last one posted
    status = json.loads(invoke("status", "--json"))
    assert posted and status["documents_by_state"].get("matched", 0) == posted
    audit = [line["reason"] for line in status["recent"] if line["state"] == "matched"]
    assert audit and all("payment" in reason for reason in audit)
    invoke("sync", "--once", "--json")  # matching again decides nothing new
    again = json.loads(invoke("status", "--json"))
    assert again["documents_by_state"] == status["documents_by_state"]


def test_an_approved_copy_of_a_paid_invoice_is_held_before_posting(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A person approved a second request for an invoice the bank already paid: liasse
    holds it back in review with the debit, and Qonto never sees it."""
    from liasse.app.services import open_services
    from liasse.domain.states import State, transition

    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    invoke("init", "--demo")
    posted = read_and_approve_the_demo()["posted"]
    invoke("sync", "--once", "--json")  # the bank window matches what the last one posted
    services = open_services(load_settings())
    try:
        with services.repo(DocumentRepo) as repo:
            paid = next(d for d in repo.list_documents() if d.state == "matched")
            copy = repo.create_document(sha256="c" * 64, size=1, file_name="relance.pdf",
                                        media_type="application/pdf", actor="test")
            for column in ("extraction", "document_type", "confidence", "supplier_name",
                           "supplier_id", "invoice_number", "total_minor", "currency",
                           "issue_date", "ledger_account"):
                setattr(copy, column, getattr(paid, column))
            for before, after in ((State.FETCHED, State.EXTRACTED),
                                  (State.EXTRACTED, State.ENRICHED),
                                  (State.ENRICHED, State.IN_REVIEW),
                                  (State.IN_REVIEW, State.APPROVED)):
                repo.apply_transition(copy, transition(before, after, actor="user:test",
                                                       reason="approved by a person"))
            copy_id = copy.id
    finally:
        services.close()
    counts = json.loads(invoke("sync", "--once", "--json"))
    assert counts["posted"] == 0
    status = json.loads(invoke("status", "--json"))
    held = next(line for line in status["recent"] if line["id"] == copy_id)
    assert held["state"] == "in_review"
    assert "already paid" in held["reason"]
    state = StateStore(clean_environment / "qonto-sandbox").load()
    assert state is not None and len(state.supplier_invoices) == posted


def test_matched_when_the_bank_window_runs_before_the_documents(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`liasse run` may sync the bank before the inbox: the sure payment seen while the
    invoices were only approved must still link them once they are posted."""
    from liasse.app.pipelines import build_pipeline, run_bank_window
    from liasse.app.sandbox import SANDBOX_CONNECTION, start_embedded_qonto
    from liasse.app.services import open_services
    from liasse.app.setup import initialise
    from liasse.sync.window import run_window

    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    settings = load_settings()
    initialise(settings, demo=True)
    services = open_services(settings)
    sandbox = start_embedded_qonto(services, lambda line: None)
    try:
        with services.repo(ConnectionRepo) as repo:
            bank = repo.connection_by_name(SANDBOX_CONNECTION)
            assert bank is not None
            bank_id = bank.id
        run_bank_window(services, "default", bank_id)
        posted = run_window(build_pipeline(services)).posted
        approve_what_waits_for_review()
        posted += run_window(build_pipeline(services)).posted
        run_bank_window(services, "default", bank_id)
        # Whichever window links them (the next inbox window matches before it posts, the
        # bank window after), every posted invoice ends matched to its debit.
        with services.repo(DocumentRepo) as repo:
            states = [document.state for document in repo.list_documents()]
        assert posted == len(seeded_invoices())
        assert states == ["matched"] * posted
    finally:
        sandbox.stop()
        services.close()


def test_demo_invoices_get_their_ledger_account_and_searchable_text(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from liasse.app.services import opened_services
    from liasse.store.web_repo import DocumentQuery, WebRepo

    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    invoke("init", "--demo")
    invoke("sync", "--once", "--json")
    expected = {invoice.number: invoice.supplier.ledger_account for invoice in seeded_invoices()}
    with opened_services() as services, services.repo(DocumentRepo) as repo:
        accounts = {d.invoice_number: d.ledger_account for d in repo.list_documents()}
        # A word that only the invoice's lines carry (not a field): full-text search finds it.
        found = WebRepo(repo.session, repo.workspace_id).search_documents(
            DocumentQuery(text="Ramettes"))
    assert accounts == expected
    assert [d.file_name for d in found.rows] == ["papeterie-martin_PM-48213.pdf"]
