"""No dead ends: a file liasse cannot read is never approvable, and an approved document
that cannot be posted ends parked with its reason and a retry, never silently approved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webworld import World, csrf_of

from liasse.app import actions
from liasse.app.services import build_pipeline
from liasse.sync.window import run_window

ACTOR = actions.user_actor("owner@example.com")


def _read_for_real(world: World) -> None:
    """The real extraction engine and enricher: what a user's `liasse run` does."""
    run_window(build_pipeline(world.services))


def typed_file(folder: Path, name: str, document_type: str, confidence: float) -> None:
    """A scripted document (see webworld.ScriptedExtractor) of the given type."""
    fields = {"supplier_name": "Cowork Rivoli", "invoice_number": name, "currency": "EUR",
              "issue_date": "2026-11-03", "total_amount": "42.00"}
    script = {"confidence": confidence, "type": document_type, "fields": fields}
    (folder / name).write_bytes(b"%PDF-1.4\n" + json.dumps(script).encode())


@pytest.fixture
def unreadable(world: World) -> dict[str, str]:
    (world.inbox / "notes.pdf").write_text("a text file renamed .pdf\n")
    (world.inbox / "empty.pdf").write_bytes(b"")
    _read_for_real(world)
    return {name: world.document_id(name) for name in ("notes.pdf", "empty.pdf")}


def test_an_unreadable_file_is_refused_with_the_real_reason_first(
        world: World, unreadable: dict[str, str]) -> None:
    for name, reason in (("notes.pdf", "not a PDF"), ("empty.pdf", "the file is empty")):
        document = world.repo_call(lambda repo, n=name: repo.get_document(unreadable[n]))
        assert document.state == "refused"
        assert document.route_reasons[0].startswith("liasse could not read this file: ")
        assert reason in document.route_reasons[0]


def test_an_unreadable_file_cannot_be_approved_nor_routed_to_approved(
        world: World, unreadable: dict[str, str]) -> None:
    document_id = unreadable["notes.pdf"]
    with pytest.raises(actions.ActionRefused, match="could not read this file"):
        world.repo_call(lambda repo: actions.approve(repo, document_id, actor=ACTOR))
    with pytest.raises(actions.ActionRefused, match="nothing to approve"):
        world.repo_call(lambda repo: actions.override_route(
            repo, document_id, "approved", actor=ACTOR, reason="I know it"))
    result = world.repo_call(lambda repo: actions.bulk_approve(repo, [document_id],
                                                               actor=ACTOR))
    assert "could not read" in result.refused[document_id]
    assert world.state_of("notes.pdf") == "refused"


def test_the_record_page_says_why_first_and_the_button_says_why_not(
        world: World, unreadable: dict[str, str], owner: TestClient) -> None:
    page = owner.get(f"/w/default/documents/{unreadable['notes.pdf']}").text
    banner = page.index('id="unreadable"')
    assert banner < page.index('id="record-state"')
    assert "liasse could not read this file: not a PDF" in page
    assert 'id="approve-blocked"' in page and "Cannot be approved" in page
    assert f'/documents/{unreadable["notes.pdf"]}/approve"' not in page
    assert '<option value="approved">' not in page
    assert "XML e-invoice" not in page  # the viewer no longer guesses an e-invoice
    assert "no pages to show" in page


def test_an_approved_document_that_is_not_an_invoice_is_parked_with_a_retry(
        world: World, owner: TestClient) -> None:
    typed_file(world.inbox, "statement.pdf", "other", 0.95)
    world.run_window()
    assert world.state_of("statement.pdf") == "in_review"  # routing already holds it
    document_id = world.document_id("statement.pdf")
    world.repo_call(lambda repo: actions.approve(repo, document_id, actor=ACTOR))
    counts = world.run_window()
    assert counts.parked == 1
    assert world.state_of("statement.pdf") == "parked"
    assert "statement.pdf" not in world.bank.posted_files
    document = world.repo_call(lambda repo: repo.get_document(document_id))
    assert document.last_error == ("not posted: this is not an invoice, and liasse posts "
                                   "invoices and credit notes only")
    record = owner.get(f"/w/default/documents/{document_id}").text
    assert document.last_error in record and 'id="retry"' in record
    assert 'id="record-plan">nothing: liasse posts invoices and credit notes only' in record
    retried = owner.post(f"/w/default/documents/{document_id}/retry",
                         data={"csrf": csrf_of(record)})
    assert retried.status_code == 200
    assert world.state_of("statement.pdf") == "approved"


def test_a_receipt_says_it_is_attached_not_posted(world: World, owner: TestClient) -> None:
    typed_file(world.inbox, "ticket.pdf", "receipt", 0.97)
    world.run_window()
    document_id = world.document_id("ticket.pdf")
    record = owner.get(f"/w/default/documents/{document_id}").text
    assert 'id="record-type">receipt' in record
    assert "attached to the bank line that paid it in Qonto, not posted" in record
    assert "ticket.pdf" not in world.bank.posted_files
    assert world.state_of("ticket.pdf") != "parked"  # it waits for its bank line
