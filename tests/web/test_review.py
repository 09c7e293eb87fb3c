"""The review queue: fields beside the file, edits with audit, decisions, bulk, post now."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webworld import World, csrf_of, invoice_file


def test_the_queue_opens_on_the_least_sure_document_with_low_fields_highlighted(
        world: World, owner: TestClient) -> None:
    page = owner.get("/w/default/review")
    unsure = world.document_id("unsure.pdf")
    assert str(page.url).endswith(f"/w/default/review/{unsure}")
    assert f'href="/w/default/documents/{unsure}/file"' in page.text
    assert '<tr class="low" data-field="total_amount">' in page.text
    assert '<tr class="sure" data-field="supplier_name">' not in page.text  # 70 %: all low
    assert "data-next=" in page.text and "/static/liasse.js" in page.text


def test_the_file_is_served_inline_with_its_type(world: World, owner: TestClient) -> None:
    response = owner.get(f"/w/default/documents/{world.document_id('unsure.pdf')}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF")


def test_correct_a_field_then_approve_then_post_now(world: World, owner: TestClient) -> None:
    document_id = world.document_id("unsure.pdf")
    page = owner.get(f"/w/default/review/{document_id}")
    saved = owner.post(f"/w/default/documents/{document_id}/fields", data={
        "csrf": csrf_of(page.text), "f_total_amount": "132,50", "f_supplier_name": "Cowork Rivoli",
        "back": f"/w/default/review/{document_id}"})
    assert saved.status_code == 200 and "Fields saved." in saved.text
    record = owner.get(f"/w/default/documents/{document_id}").text
    assert "132.50 EUR" in record
    assert "total_amount: 120.00 → 132.50" in record
    assert "corrected by user:owner@example.com" in record

    approved = owner.post(f"/w/default/documents/{document_id}/approve",
                          data={"csrf": csrf_of(page.text), "back": "/w/default/review"})
    assert approved.status_code == 200
    assert world.state_of("unsure.pdf") == "approved"
    owner.post("/w/default/post-now", data={"csrf": csrf_of(page.text)})
    assert world.state_of("unsure.pdf") == "posted"
    assert "unsure.pdf" in world.bank.posted_files
    record = owner.get(f"/w/default/documents/{document_id}").text
    assert 'id="qonto-id"' in record and "si-" in record


def test_an_invalid_correction_is_refused_with_the_reason(world: World, owner: TestClient
                                                          ) -> None:
    document_id = world.document_id("unsure.pdf")
    page = owner.get(f"/w/default/review/{document_id}")
    refused = owner.post(f"/w/default/documents/{document_id}/fields",
                         data={"csrf": csrf_of(page.text), "f_issue_date": "3rd of May"})
    assert refused.status_code == 400
    assert "expected a date as YYYY-MM-DD" in refused.text


def test_reject_needs_a_reason_and_records_it(world: World, owner: TestClient) -> None:
    document_id = world.document_id("second.pdf")
    csrf = csrf_of(owner.get("/w/default/review").text)
    assert owner.post(f"/w/default/documents/{document_id}/reject",
                      data={"csrf": csrf}).status_code == 400
    owner.post(f"/w/default/documents/{document_id}/reject",
               data={"csrf": csrf, "reason": "a quote, not an invoice"})
    assert world.state_of("second.pdf") == "refused"
    assert "a quote, not an invoice" in owner.get(f"/w/default/documents/{document_id}").text


def test_bulk_approve_approves_the_selection(world: World, owner: TestClient) -> None:
    ids = [world.document_id("unsure.pdf"), world.document_id("second.pdf")]
    page = owner.get("/w/default/review")
    done = owner.post("/w/default/review/bulk-approve",
                      data={"csrf": csrf_of(page.text), "ids": ids})
    assert done.status_code == 200
    assert {world.state_of("unsure.pdf"), world.state_of("second.pdf")} == {"approved"}
    assert "Nothing to review" in owner.get("/w/default/review").text


def test_bulk_approve_lists_what_it_could_not_approve(world: World, owner: TestClient) -> None:
    posted = world.document_id("sure.pdf")
    page = owner.get("/w/default/review")
    done = owner.post("/w/default/review/bulk-approve",
                      data={"csrf": csrf_of(page.text),
                            "ids": [world.document_id("unsure.pdf"), posted]})
    assert "cannot go from posted to approved" in done.text
    assert world.state_of("unsure.pdf") == "approved"


def test_a_decision_moves_on_to_the_next_document(world: World, owner: TestClient) -> None:
    invoice_file(world.inbox, "third.pdf", 0.8)
    world.run_window()
    first = owner.get("/w/default/review")
    current = str(first.url).rsplit("/", 1)[-1]
    after = owner.post(f"/w/default/documents/{current}/approve",
                       data={"csrf": csrf_of(first.text),
                             "back": f"/w/default/review/{world.document_id('second.pdf')}"})
    assert str(after.url).split("?")[0].endswith(world.document_id("second.pdf"))
    assert "Approved: it will be posted" in after.text
