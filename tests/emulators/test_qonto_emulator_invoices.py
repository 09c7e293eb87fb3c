"""Qonto emulator: supplier invoices (bulk upload, idempotency, limits, listing, states)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import anyio
import httpx
import pytest

from contract.openapi import FakeClock, validated_client
from liasse.emulators.qonto import EmulatorConfig, FaultPlan, create_app, empty_state
from liasse.emulators.qonto.state import QontoState

KEY = {"Authorization": "atelier:s3cret"}
PDF = b"%PDF-1.7 invoice body\n%%EOF"
FILE = "supplier_invoices[][file]"
IDEM = "supplier_invoices[][idempotency_key]"


class World:
    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.clock = FakeClock(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
        self.state: QontoState = empty_state()
        self.state.api_keys = {"atelier": "s3cret"}
        self.faults = FaultPlan()
        app = create_app(self.state, clock=self.clock, faults=self.faults,
                         config=config or EmulatorConfig())
        self.client, self.transport = validated_client(app, check_requests=False)

    def bulk(self, items: list[tuple[str, str, bytes]], meta: dict | None = None
             ) -> httpx.Response:
        files: list[tuple[str, tuple[str | None, bytes, str | None]]] = []
        for name, key, content in items:
            files.append((FILE, (name, content, "application/pdf")))
            files.append((IDEM, (None, key.encode(), None)))
        data = {"meta": json.dumps(meta)} if meta is not None else None
        return self.client.post("/v2/supplier_invoices/bulk", headers=KEY, files=files,
                                data=data)


@pytest.fixture
def world() -> World:
    built = World()
    yield built
    assert built.transport.violations == []


def test_bulk_creates_to_review_invoices_keeping_file_and_meta(world: World) -> None:
    answer = world.bulk([("a.pdf", "key-a", PDF), ("b.pdf", "key-b", PDF + b"b")],
                        meta={"integration_type": "liasse", "connector": "liasse"})
    body = answer.json()
    assert answer.status_code == 200 and body["errors"] == []
    assert [i["file_name"] for i in body["supplier_invoices"]] == ["a.pdf", "b.pdf"]
    first = body["supplier_invoices"][0]
    assert first["status"] == "to_review" and "total_amount" not in first
    assert first["meta"]["integration_type"] == "liasse"
    shown = world.client.get(f"/v2/attachments/{first['attachment_id']}", headers=KEY).json()
    assert world.client.get(shown["attachment"]["url"]).content == PDF


def test_same_key_within_30_minutes_replays_and_later_creates_anew(world: World) -> None:
    first = world.bulk([("a.pdf", "key-a", PDF)]).json()["supplier_invoices"][0]
    world.clock.advance(minutes=29)
    again = world.bulk([("a.pdf", "key-a", PDF)]).json()["supplier_invoices"][0]
    assert again["id"] == first["id"] and len(world.state.supplier_invoices) == 1
    world.clock.advance(minutes=2)
    later = world.bulk([("a.pdf", "key-a", PDF)]).json()["supplier_invoices"][0]
    assert later["id"] != first["id"]  # Qonto only promises 30 minutes


def test_per_item_errors_point_at_their_key_and_spare_the_others(world: World) -> None:
    world.faults.rejected_file_names.add("bad.pdf")
    body = world.bulk([("good.pdf", "k1", PDF), ("bad.pdf", "k2", PDF),
                       ("notes.txt", "k3", b"plain text")]).json()
    assert [i["file_name"] for i in body["supplier_invoices"]] == ["good.pdf"]
    pointers = [e["source"]["pointer"] for e in body["errors"]]
    assert pointers == ["/supplier_invoices/idempotency_key/k2/file",
                        "/supplier_invoices/idempotency_key/k3/file"]


def test_oversized_file_is_an_item_error_and_oversized_request_a_400() -> None:
    world = World(EmulatorConfig(max_file_bytes=100, max_request_bytes=2000))
    body = world.bulk([("big.pdf", "k1", PDF + b"x" * 200), ("ok.pdf", "k2", PDF)]).json()
    assert len(body["supplier_invoices"]) == 1 and body["errors"][0]["code"] == "invalid"
    too_large = world.bulk([("a.pdf", "k3", PDF + b"x" * 3000)])
    assert too_large.status_code == 400
    assert too_large.json()["errors"][0]["detail"] == "Request is too large"
    assert world.transport.violations == []


def test_whole_request_400s(world: World) -> None:
    many = world.bulk([(f"{i}.pdf", f"k{i}", PDF) for i in range(21)])
    assert many.status_code == 400 and many.json()["errors"][0]["code"] == "limit_reached"
    no_key = world.client.post("/v2/supplier_invoices/bulk", headers=KEY,
                               files=[(FILE, ("a.pdf", PDF, "application/pdf"))])
    assert no_key.json()["errors"][0]["detail"] == "Idempotency key is required"
    no_file = world.client.post("/v2/supplier_invoices/bulk", headers=KEY,
                                files=[(IDEM, (None, b"k1", None))])
    assert no_file.json()["errors"][0]["detail"] == "File is required"
    assert world.state.supplier_invoices == {}


def test_listing_filters_pages_and_sorts(world: World) -> None:
    world.bulk([("a.pdf", "k1", PDF), ("b.pdf", "k2", PDF + b"2")])
    world.clock.advance(hours=1)
    world.bulk([("c.pdf", "k3", PDF + b"3")])
    listed = world.client.get("/v2/supplier_invoices", headers=KEY,
                              params={"per_page": 2, "sort_by": "file_name:asc"}).json()
    assert [i["file_name"] for i in listed["supplier_invoices"]] == ["a.pdf", "b.pdf"]
    assert listed["meta"]["next_page"] == 2 and listed["meta"]["total_count"] == 3
    recent = world.client.get("/v2/supplier_invoices", headers=KEY, params={
        "per_page": 10, "filter[created_at_from]": "2026-11-21T09:30:00Z"}).json()
    assert [i["file_name"] for i in recent["supplier_invoices"]] == ["c.pdf"]
    default = world.client.get("/v2/supplier_invoices", headers=KEY).json()
    assert len(default["supplier_invoices"]) == 1  # Qonto's documented default page size
    future = world.client.get("/v2/supplier_invoices", headers=KEY,
                              params={"filter[created_at_from]": "2030-01-01T00:00:00Z"})
    assert future.status_code == 400
    assert future.json()["errors"][0]["code"] == "invalid_datetime_range"
    bad = world.client.get("/v2/supplier_invoices", headers=KEY,
                           params={"filter[created_at_to]": "not a time"})
    assert bad.json()["errors"][0]["source"]["parameter"] == "filter[created_at_to]"


def test_state_rules_for_paid_unpaid_and_rejected(world: World) -> None:
    created = world.bulk([("a.pdf", "k1", PDF)]).json()["supplier_invoices"][0]
    path = f"/v2/supplier_invoices/{created['id']}"
    assert world.client.post(f"{path}/mark_as_paid", headers=KEY).json()[
        "supplier_invoice"]["status"] == "paid"
    refused = world.client.post(f"{path}/reject", headers=KEY)
    assert refused.status_code == 422
    assert world.client.post(f"{path}/unmark_as_paid", headers=KEY).json()[
        "supplier_invoice"]["status"] == "to_review"
    assert world.client.post(f"{path}/reject", headers=KEY).json()[
        "supplier_invoice"]["status"] == "rejected"
    assert world.client.post(f"{path}/mark_as_paid", headers=KEY).status_code == 422
    assert world.client.get(f"{path}x", headers=KEY).status_code == 404
    filtered = world.client.get("/v2/supplier_invoices", headers=KEY,
                                params={"filter[status]": "rejected", "per_page": 5}).json()
    assert [i["id"] for i in filtered["supplier_invoices"]] == [created["id"]]


def test_ocr_fills_amounts_from_the_meta_hint_after_the_delay() -> None:
    world = World(EmulatorConfig(ocr_delay=timedelta(seconds=30)))
    facts = {"total_amount": {"value": "105.60", "currency": "EUR"},
             "invoice_number": "PM-48213", "supplier_name": "Papeterie Martin"}
    meta = {"integration_type": "liasse", "liasse": {"items": {"k1": {"facts": facts}}}}
    created = world.bulk([("pm.pdf", "k1", PDF)], meta=meta).json()["supplier_invoices"][0]
    assert "total_amount" not in created
    world.clock.advance(seconds=31)
    shown = world.client.get(f"/v2/supplier_invoices/{created['id']}", headers=KEY).json()
    assert shown["supplier_invoice"]["total_amount"] == {"value": "105.60", "currency": "EUR"}
    assert world.transport.violations == []


def test_validation_catches_an_answer_outside_the_file(world: World) -> None:
    """The harness must bite: a supplier invoice without its required fields is refused."""
    created = world.bulk([("a.pdf", "k1", PDF)]).json()["supplier_invoices"][0]
    world.state.supplier_invoices[created["id"]].status = "lost"
    with pytest.raises(AssertionError, match="supplier_invoices"):
        world.client.get("/v2/supplier_invoices", headers=KEY, params={"per_page": 5})
    world.transport.violations.clear()


def test_an_upload_abandoned_mid_body_changes_nothing_and_raises_nothing() -> None:
    """A worker SIGKILLed mid-upload: the emulator answers 499 and keeps no invoice,
    instead of an ASGI traceback."""
    world = World()
    app = create_app(world.state, clock=world.clock, faults=world.faults,
                     config=EmulatorConfig())
    boundary = "b0undary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{FILE}\"; "
            f"filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    messages = [{"type": "http.request", "body": head + PDF[:10], "more_body": True},
                {"type": "http.disconnect"}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v2/supplier_invoices/bulk",
             "raw_path": b"/v2/supplier_invoices/bulk", "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80),
             "headers": [(b"authorization", KEY["Authorization"].encode()),
                         (b"content-type",
                          f"multipart/form-data; boundary={boundary}".encode())]}
    anyio.run(app, scope, receive, send)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    listed = world.client.get("/v2/supplier_invoices", headers=KEY).json()
    assert listed["supplier_invoices"] == []
