"""Qonto client posting through the emulator: one supplier invoice per document, whatever
fails in between. Every request the client sends and every answer is held to the file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from contract.openapi import FakeClock, validated_client
from liasse.connectors.qonto import (
    ApiKeyAuth,
    ApiKeyCredentials,
    InvoiceFacts,
    InvoiceUpload,
    NeedsReconnect,
    QontoClient,
    Rejected,
    RetryPolicy,
    TransientFailure,
    idempotency_key,
)
from liasse.connectors.qonto.client import qonto_error_text
from liasse.connectors.qonto.poster import QontoInvoicePoster
from liasse.connectors.qonto.posting import MAX_FILE_BYTES, plan_batches
from liasse.domain import errors as step_errors
from liasse.domain.money import Money
from liasse.domain.ports import InvoiceToPost
from liasse.emulators.qonto import EmulatorConfig, FaultPlan, FaultRule, create_app, empty_state
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.state import QontoState, Transaction


def pdf(label: str) -> bytes:
    return f"%PDF-1.4\n% invoice {label}\n%%EOF".encode()


def upload(label: str, *, content: bytes | None = None) -> InvoiceUpload:
    body = content if content is not None else pdf(label)
    return InvoiceUpload(record_id=f"doc-{label}", idempotency_key=idempotency_key(
        "ws-1", f"sha-{label}"), file_name=f"{label}.pdf", content=body,
        facts=InvoiceFacts(invoice_number=f"N-{label}", supplier_name="Papeterie Martin",
                           total_amount=Money(10560, "EUR"), issue_date=date(2026, 10, 8)))


class Bank:
    """The emulator, a validated transport, and a client whose retries do not sleep."""

    def __init__(self, config: EmulatorConfig | None = None, timeout: float = 5.0) -> None:
        self.clock = FakeClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
        self.state: QontoState = empty_state()
        self.state.api_keys = {"atelier": "s3cret"}
        self.faults = FaultPlan()
        app = create_app(self.state, clock=self.clock, faults=self.faults,
                         config=config or EmulatorConfig())
        http, self.transport = validated_client(app, check_requests=True, timeout=timeout)
        self.waits: list[float] = []
        self.client = QontoClient(http, ApiKeyAuth(ApiKeyCredentials("atelier", "s3cret")),
                                  retry=RetryPolicy(sleep=self.waits.append, jitter=lambda: 1.0))

    def invoices_for(self, key: str) -> int:
        return sum(1 for i in self.state.supplier_invoices.values() if i.idempotency_key == key)


@pytest.fixture
def bank() -> Bank:
    built = Bank()
    yield built
    assert built.transport.violations == []


def test_posts_with_meta_and_reads_ids_per_item(bank: Bank) -> None:
    items = [upload("a"), upload("b")]
    results = bank.client.post_supplier_invoices(items)
    assert [r.ok for r in results] == [True, True]
    stored = bank.state.supplier_invoices[results[0].supplier_invoice_id or ""]
    assert stored.file_name == "a.pdf" and stored.status == "to_review"
    item_meta = stored.meta["liasse"]["items"][items[0].idempotency_key]
    assert item_meta["record_id"] == "doc-a"
    assert item_meta["facts"]["total_amount"] == {"value": "105.60", "currency": "EUR"}
    assert bank.client.requests_sent == 1 and bank.transport.checked_requests == 1


def test_server_errors_then_success_give_exactly_one_invoice(bank: Bank) -> None:
    bank.faults.add(FaultRule("POST /v2/supplier_invoices/bulk", "server_error", times=2))
    item = upload("a")
    results = bank.client.post_supplier_invoices([item])
    assert results[0].ok and bank.invoices_for(item.idempotency_key) == 1
    assert bank.waits == [0.5, 1.0]  # exponential: base 0.5 s, doubled


def test_lost_answers_after_the_work_was_done_replay_instead_of_duplicating() -> None:
    bank = Bank(timeout=0.05)
    bank.faults.add(FaultRule("POST /v2/supplier_invoices/bulk", "delay_after", times=2,
                              seconds=0.3))
    item = upload("a")
    results = bank.client.post_supplier_invoices([item])
    assert results[0].ok and bank.invoices_for(item.idempotency_key) == 1
    assert bank.client.requests_sent == 3
    assert bank.transport.violations == []


def test_crash_between_sending_and_recording_is_safe_to_resend(bank: Bank) -> None:
    item = upload("a")
    first = bank.client.post_supplier_invoices([item])  # ... and liasse dies before saving
    bank.clock.advance(minutes=20)
    again = bank.client.post_supplier_invoices([item])  # the outbox re-sends the intent
    assert again[0].supplier_invoice_id == first[0].supplier_invoice_id
    assert len(bank.state.supplier_invoices) == 1


def test_gives_up_with_a_transient_failure_after_the_retry_budget(bank: Bank) -> None:
    bank.faults.add(FaultRule("*", "server_error", times=None, status=503))
    with pytest.raises(TransientFailure):
        bank.client.post_supplier_invoices([upload("a")])
    assert bank.client.requests_sent == 5 and len(bank.waits) == 4
    assert max(bank.waits) <= RetryPolicy().max_delay


def test_rate_limited_calls_wait_and_retry(bank: Bank) -> None:
    bank.faults.add(FaultRule("GET /v2/organization", "rate_limited", retry_after=7))
    assert bank.client.organization().id
    assert bank.waits == [7.0]  # Retry-After honoured when Qonto sends one


def test_per_item_rejections_are_isolated(bank: Bank) -> None:
    bank.faults.rejected_file_names.add("b.pdf")
    items = [upload("a"), upload("b"), upload("c")]
    results = bank.client.post_supplier_invoices(items)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error_code == "invalid" and results[1].error_detail
    assert results[1].record_id == "doc-b"
    assert len(bank.state.supplier_invoices) == 2


def test_oversized_file_is_refused_without_being_sent(bank: Bank) -> None:
    big = upload("big", content=b"%PDF-1.4" + b"0" * MAX_FILE_BYTES)
    results = bank.client.post_supplier_invoices([big, upload("a")])
    assert results[0].error_code == "file_too_large" and results[1].ok
    assert bank.client.requests_sent == 1 and len(bank.state.supplier_invoices) == 1


def test_batches_hold_at_most_20_items_and_15_mb() -> None:
    many = [upload(str(i)) for i in range(45)]
    assert [len(b) for b in plan_batches(many)] == [20, 20, 5]
    heavy = [upload(str(i), content=b"%PDF" + b"1" * (4 * 1024 * 1024)) for i in range(5)]
    sizes = [sum(len(i.content) for i in batch) for batch in plan_batches(heavy)]
    assert all(size <= 15 * 1024 * 1024 for size in sizes) and len(sizes) == 2


def test_45_invoices_make_three_requests(bank: Bank) -> None:
    results = bank.client.post_supplier_invoices([upload(str(i)) for i in range(45)])
    assert all(r.ok for r in results) and bank.client.requests_sent == 3
    assert len({r.supplier_invoice_id for r in results}) == 45


def test_401_stops_every_further_call_for_the_connection(bank: Bank) -> None:
    bank.faults.add(FaultRule("*", "unauthorized"))
    with pytest.raises(NeedsReconnect):
        bank.client.organization()
    sent = bank.client.requests_sent
    for _ in range(3):
        with pytest.raises(NeedsReconnect):
            bank.client.post_supplier_invoices([upload("a")])
    assert bank.client.requests_sent == sent == 1  # never hammer with a refused key
    assert bank.state.supplier_invoices == {}


def test_a_bad_key_is_a_needs_reconnect(bank: Bank) -> None:
    http, _ = validated_client(create_app(bank.state, clock=bank.clock), check_requests=True)
    client = QontoClient(http, ApiKeyAuth(ApiKeyCredentials("atelier", "wrong")))
    with pytest.raises(NeedsReconnect, match="refused the credentials"):
        client.organization()


def test_whole_batch_refusal_is_retried_item_by_item(bank: Bank) -> None:
    """If Qonto refuses a batch as a whole, each item is tried alone to find the culprit."""
    original = bank.client._bulk_create
    calls: list[int] = []

    def refuse_batches(batch, meta):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        if len(batch) > 1:
            raise Rejected("Request is too large", status=400, code="bad_request")
        return original(batch, meta)

    bank.client._bulk_create = refuse_batches  # type: ignore[method-assign]
    results = bank.client.post_supplier_invoices([upload("a"), upload("b")])
    assert calls == [2, 1, 1] and all(r.ok for r in results)


def test_unattributable_answers_fall_back_to_one_item_per_request() -> None:
    answers: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = request.read()
        keys = [line for line in body.split(b"\r\n")
                if line.count(b"-") == 4 and len(line) == 36 and not line.startswith(b"--")]
        if len(keys) > 1:  # an answer with an error nobody can tie to an item
            answer = {"supplier_invoices": [], "errors": [{"code": "internal_server_error"}]}
        else:
            answer = {"supplier_invoices": [{"id": f"inv-{keys[0].decode()}",
                                             "file_name": "x.pdf"}], "errors": []}
        answers.append(answer)
        return httpx.Response(200, json=answer)

    client = QontoClient(httpx.Client(transport=httpx.MockTransport(handler)),
                         ApiKeyAuth(ApiKeyCredentials("a", "b")))
    items = [InvoiceUpload(f"d{i}", idempotency_key("w", str(i)), "x.pdf", pdf(str(i)))
             for i in range(2)]
    results = client.post_supplier_invoices(items)
    assert [r.supplier_invoice_id for r in results] == [
        f"inv-{items[0].idempotency_key}", f"inv-{items[1].idempotency_key}"]
    assert len(answers) == 3


@pytest.mark.parametrize(("status", "body", "expected"), [
    (400, {"errors": [{"code": "sort_invalid", "message": "Sort field is invalid"}]},
     ("sort_invalid", "Sort field is invalid")),
    (422, {"errors": [{"code": "missing", "detail": "bank_account_id or iban is missing"}]},
     ("missing", "bank_account_id or iban is missing")),
    (404, None, ("", "Not Found")),
])
def test_error_bodies_are_read_loosely(status: int, body: dict | None,
                                       expected: tuple[str, str]) -> None:
    response = httpx.Response(status, content=b" " if body is None else json.dumps(body).encode())
    assert qonto_error_text(response) == expected


def test_attachments_to_a_transaction_are_idempotent(bank: Bank) -> None:
    when = bank.clock()
    paid = Transaction("2751a41c-c17f-43f7-bd18-04efa6cd8e30", "tx-1", "acc", 1000, "EUR",
                       1000, "EUR", "debit", "transfer", "completed", "Cowork", "CR-1", when,
                       when, when)
    bank.state.transactions[paid.id] = paid
    key = idempotency_key("ws-1", "sha-receipt")
    for _ in range(2):
        bank.client.attach_to_transaction("2751a41c-c17f-43f7-bd18-04efa6cd8e30",
                                          "receipt.pdf", pdf("r"), key)
    assert len(bank.state.attachments) == 1
    with pytest.raises(Rejected):
        bank.client.attach_to_transaction("2751a41c-c17f-43f7-bd18-04efa6cd8e31",
                                          "receipt.pdf", pdf("r"), key)


def test_reading_invoices_back_maps_amounts_exactly() -> None:
    bank = Bank(EmulatorConfig(ocr_delay=timedelta(seconds=10)))
    created = bank.client.post_supplier_invoices([upload("a")])[0]
    fresh = bank.client.get_supplier_invoice(created.supplier_invoice_id or "")
    assert fresh.total_amount is None and fresh.status == "to_review"  # OCR not done yet
    bank.clock.advance(seconds=11)
    read = bank.client.get_supplier_invoice(created.supplier_invoice_id or "")
    assert read.total_amount == Money(10560, "EUR") and read.invoice_number == "N-a"
    listed = list(bank.client.list_supplier_invoices(status="to_review", per_page=1))
    assert [i.id for i in listed] == [created.supplier_invoice_id]
    assert bank.transport.violations == []


def test_pipeline_poster_translates_results_and_failures(bank: Bank) -> None:
    bank.faults.rejected_file_names.add("bad.pdf")
    poster = QontoInvoicePoster(bank.client, connection_id="conn-1")
    intents = [InvoiceToPost("doc-1", idempotency_key("ws", "h1"), "ok.pdf", pdf("1"),
                             {"total_amount": "59.99", "currency": "EUR"}),
               InvoiceToPost("doc-2", idempotency_key("ws", "h2"), "bad.pdf", pdf("2"), {})]
    results = poster.post(intents)
    assert results[0].remote_id and results[0].error is None
    assert results[1].remote_id is None and "invalid" in (results[1].error or "")
    bank.faults.add(FaultRule("*", "unauthorized"))
    with pytest.raises(step_errors.NeedsReconnect) as caught:
        poster.post(intents[:1])
    assert caught.value.connection_id == "conn-1"


def test_the_client_also_works_on_a_plain_transport(bank: Bank) -> None:
    plain = QontoClient(httpx.Client(transport=sync_transport(create_app(bank.state))),
                        ApiKeyAuth(ApiKeyCredentials("atelier", "s3cret")))
    assert plain.organization().id == bank.state.organization.id
