"""The OpenAPI harness itself: it loads Qonto's file, accepts the documented divergences,
and bites on anything else (a validator that cannot fail proves nothing)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract.openapi import (
    SpecValidatingTransport,
    SpecViolation,
    qonto_openapi,
    require_spec,
    spec_dict,
)

KEY = {"Authorization": "org:secret"}
GOOD_TRANSACTION: dict[str, Any] = {
    "id": "7b7a5ed6-3903-4782-889d-b4f64bd7bef9", "transaction_id": "t-1", "amount": 10.5,
    "amount_cents": 1050, "local_amount": 10.5, "local_amount_cents": 1050, "side": "debit",
    "operation_type": "card", "currency": "EUR", "local_currency": "EUR", "label": "Shop",
    "settled_at": None, "emitted_at": "2026-01-01T10:00:00.000Z",
    "updated_at": "2026-01-01T10:00:00.000Z", "status": "pending", "attachment_ids": [],
}


@pytest.fixture(autouse=True)
def _spec() -> None:
    require_spec()


def client_answering(status: int, body: Any = None, *, content: bytes | None = None,
                     check_requests: bool = True) -> tuple[httpx.Client, SpecValidatingTransport]:
    def handler(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content,
                                  headers={"content-type": "text/plain"})
        return httpx.Response(status, json=body)

    transport = SpecValidatingTransport(httpx.MockTransport(handler),
                                        check_requests=check_requests)
    return httpx.Client(transport=transport, base_url="https://thirdparty.qonto.com"), transport


def test_the_file_loads_once_with_its_patches() -> None:
    assert qonto_openapi() is qonto_openapi()
    paths = spec_dict()["paths"]
    assert "/v2/transactions/{id}/attachments/{attachment_id}" in paths
    assert "/v2/supplier_invoices/{id}/mark_as_paid" in paths


def test_a_valid_transaction_list_passes() -> None:
    client, transport = client_answering(200, {
        "transactions": [GOOD_TRANSACTION],
        "meta": {"current_page": 1, "next_page": None, "prev_page": None, "total_pages": 1,
                 "total_count": 1, "per_page": 100}})
    client.get("/v2/transactions", params={"bank_account_id": "a"}, headers=KEY)
    assert transport.checked_responses == 1 and transport.violations == []


def test_a_wrongly_typed_field_is_a_violation() -> None:
    client, transport = client_answering(200, {
        "transactions": [{**GOOD_TRANSACTION, "amount_cents": "1050"}], "meta": {}})
    with pytest.raises(SpecViolation, match=r"amount_cents|1050"):
        client.get("/v2/transactions", params={"bank_account_id": "a"}, headers=KEY)
    assert len(transport.violations) == 1


def test_a_request_outside_the_file_is_a_violation() -> None:
    client, _ = client_answering(200, {"transactions": [], "meta": {}})
    with pytest.raises(SpecViolation, match="side"):
        client.get("/v2/transactions", params={"bank_account_id": "a", "side": "both"},
                   headers=KEY)


def test_a_bulk_file_without_its_key_is_a_violation() -> None:
    client, _ = client_answering(200, {"supplier_invoices": [], "errors": []})
    with pytest.raises(SpecViolation, match="1 files for 0"):
        client.post("/v2/supplier_invoices/bulk", headers=KEY, files=[
            ("supplier_invoices[][file]", ("a.pdf", b"%PDF", "application/pdf"))])


def test_unknown_route_is_a_violation() -> None:
    client, _ = client_answering(200, {})
    with pytest.raises(SpecViolation):
        client.get("/v2/invented", headers=KEY)


@pytest.mark.parametrize(("status", "body"), [
    (429, {"errors": [{"code": "too_many_requests", "detail": "slow down"}]}),
    (503, {"errors": [{"code": "internal_server_error", "detail": "oops"}]}),
    (401, {"errors": [{"code": "unauthorized", "detail": "no"}]}),
])
def test_undocumented_error_statuses_are_held_to_qonto_error_shape(
        status: int, body: dict[str, Any]) -> None:
    files = [("supplier_invoices[][file]", ("a.pdf", b"%PDF", "application/pdf")),
             ("supplier_invoices[][idempotency_key]", (None, b"k", None))]
    client, transport = client_answering(status, body)
    client.post("/v2/supplier_invoices/bulk", headers=KEY, files=files)
    assert transport.violations == []
    bad, _ = client_answering(status, {"error": "not qonto's shape"})
    with pytest.raises(SpecViolation):
        bad.post("/v2/supplier_invoices/bulk", headers=KEY, files=files)


def test_documented_divergences_are_accepted() -> None:
    # per-item error `source` as a list (the file's example) and the `rejected` status
    client, transport = client_answering(200, {
        "supplier_invoices": [{
            "id": "4d5418bb-bd0d-4df4-865c-c07afab8bb48",
            "organization_id": "4d5418bb-bd0d-4df4-865c-c07afab8bb48", "status": "rejected",
            "source_type": "manual_upload",
            "attachment_id": "4d5418bb-bd0d-4df4-865c-c07afab8bb48", "file_name": "a.pdf",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}],
        "errors": [{"code": "invalid", "detail": "x",
                    "source": [{"pointer": "/supplier_invoices/idempotency_key/k/file"}]}]})
    client.post("/v2/supplier_invoices/bulk", headers=KEY, files=[
        ("supplier_invoices[][file]", ("a.pdf", b"%PDF", "application/pdf")),
        ("supplier_invoices[][idempotency_key]", (None, b"k", None))])
    # an unknown transaction: a text body of one space
    blank, _ = client_answering(404, content=b" ")
    blank.get("/v2/transactions/nope", headers=KEY)
    assert transport.violations == []
