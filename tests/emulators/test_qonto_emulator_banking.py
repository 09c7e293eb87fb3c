"""Qonto emulator: organization, transactions and attachments, every answer held to the file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from contract.openapi import FakeClock, SpecValidatingTransport, validated_client
from liasse.domain.money import Money
from liasse.emulators.qonto import EmulatorConfig, create_app, demo_state, empty_state
from liasse.emulators.qonto.state import BankAccount, QontoState, Transaction
from liasse.samples.demo import DEMO_COMPANY, DEMO_INVOICES

KEY = {"Authorization": "atelier:s3cret"}
START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PDF = b"%PDF-1.4 fake invoice\n%%EOF"


def _transaction(index: int, when: datetime, **overrides: object) -> Transaction:
    values: dict[str, object] = {
        "id": f"00000000-0000-4000-8000-{index:012d}", "transaction_id": f"tx-{index}",
        "bank_account_id": "acc-main", "amount_cents": 1000 + index, "currency": "EUR",
        "local_amount_cents": 1000 + index, "local_currency": "EUR", "side": "debit",
        "operation_type": "card", "status": "completed", "label": f"Shop {index}",
        "reference": None, "emitted_at": when, "updated_at": when + timedelta(minutes=5),
        "settled_at": when}
    values.update(overrides)
    return Transaction(**values)  # type: ignore[arg-type]


def small_state() -> QontoState:
    state = empty_state("Atelier Test SAS")
    state.api_keys = {"atelier": "s3cret"}
    state.organization.bank_accounts.append(BankAccount(
        id="acc-main", slug="atelier-1", iban=DEMO_COMPANY.iban, bic="QNTOFRP1XXX",
        currency="EUR", name="Main", main=True, balance_cents=123456))
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(1, 8):
        state.transactions[f"00000000-0000-4000-8000-{index:012d}"] = _transaction(
            index, base + timedelta(days=index))
    state.transactions["00000000-0000-4000-8000-000000000050"] = _transaction(
        50, base + timedelta(days=9), status="pending", settled_at=None)
    state.transactions["00000000-0000-4000-8000-000000000060"] = _transaction(
        60, base + timedelta(days=10), side="credit", operation_type="income",
        counterparty_iban="FR7630004000031234567890143", reference="FACTURE F-12")
    return state


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def served(clock: FakeClock) -> Iterator[tuple[httpx.Client, SpecValidatingTransport, QontoState]]:
    state = small_state()
    app = create_app(state, clock=clock)
    client, transport = validated_client(app, check_requests=False)
    with client:
        yield client, transport, state
    assert transport.violations == []


def test_organization_lists_bank_accounts_in_qonto_shape(served: tuple) -> None:
    client, transport, _ = served
    body = client.get("/v2/organization", headers=KEY).json()
    account = body["organization"]["bank_accounts"][0]
    assert (account["iban"], account["balance_cents"], account["main"]) == (
        DEMO_COMPANY.iban, 123456, True)
    assert transport.checked_responses == 1


def test_transactions_need_an_account_and_default_to_completed(served: tuple) -> None:
    client, _, _ = served
    missing = client.get("/v2/transactions", headers=KEY)
    assert missing.status_code == 422 and missing.json()["errors"][0]["code"] == "missing"
    listed = client.get("/v2/transactions", params={"bank_account_id": "acc-main"},
                        headers=KEY).json()
    assert {t["status"] for t in listed["transactions"]} == {"completed"}
    assert listed["meta"]["total_count"] == 8
    by_iban = client.get("/v2/transactions", params={"iban": DEMO_COMPANY.iban},
                         headers=KEY).json()
    assert by_iban["meta"]["total_count"] == 8


def test_transaction_filters_combine(served: tuple) -> None:
    client, _, _ = served
    params: list[tuple[str, str]] = [("bank_account_id", "acc-main"), ("status[]", "pending"),
                                     ("status[]", "completed"), ("side", "debit"),
                                     ("settled_at_from", "2026-01-03T12:00:00.000Z")]
    body = client.get("/v2/transactions", params=params, headers=KEY).json()
    # pending has no settled_at, so a settled_at range leaves it out (QONTO.md)
    assert [t["transaction_id"] for t in body["transactions"]] == [
        "tx-7", "tx-6", "tx-5", "tx-4", "tx-3"]
    updated = client.get("/v2/transactions", params=[
        ("bank_account_id", "acc-main"), ("status[]", "pending"),
        ("updated_at_from", "2026-01-10T00:00:00Z"), ("sort_by", "updated_at:asc")],
        headers=KEY).json()
    assert [t["transaction_id"] for t in updated["transactions"]] == ["tx-50"]
    credit = client.get("/v2/transactions", params=[
        ("bank_account_id", "acc-main"), ("operation_type[]", "income"),
        ("includes[]", "attachments")], headers=KEY).json()["transactions"]
    assert credit[0]["income"]["counterparty_account_number"].startswith("FR76")
    assert credit[0]["attachments"] == []


def test_paging_with_page_and_current_page_alias(served: tuple) -> None:
    client, _, _ = served
    seen: list[str] = []
    page: int | None = 1
    while page is not None:
        body = client.get("/v2/transactions", params={
            "bank_account_id": "acc-main", "per_page": 3, "current_page": page},
            headers=KEY).json()
        seen += [t["id"] for t in body["transactions"]]
        page = body["meta"]["next_page"]
    assert len(seen) == len(set(seen)) == 8
    assert body["meta"]["total_pages"] == 3 and body["meta"]["prev_page"] == 2


@pytest.mark.parametrize(("params", "code"), [
    ({"per_page": "101"}, "per_page_invalid"),
    ({"sort_by": "amount:desc"}, "sort_invalid"),
    ({"settled_at_from": "yesterday"}, "date_invalid"),
    ({"status[]": "lost"}, "status_invalid"),
])
def test_bad_transaction_queries_are_400_with_message(served: tuple, params: dict[str, str],
                                                      code: str) -> None:
    client, _, _ = served
    answer = client.get("/v2/transactions", params={"bank_account_id": "acc-main", **params},
                        headers=KEY)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == code
    assert "message" in answer.json()["errors"][0]


def test_unknown_transaction_is_a_404_with_a_blank_text_body(served: tuple) -> None:
    client, _, _ = served
    answer = client.get("/v2/transactions/nope", headers=KEY)
    assert answer.status_code == 404 and answer.text.strip() == ""


def test_attachment_upload_is_idempotent_and_served_by_an_expiring_url(
        served: tuple, clock: FakeClock) -> None:
    client, _, state = served
    tx = "00000000-0000-4000-8000-000000000001"
    key = "4668aec5-4e9c-4a41-b6d1-fc3c13c70dd5"
    for _ in range(2):
        answer = client.post(f"/v2/transactions/{tx}/attachments",
                             headers={**KEY, "X-Qonto-Idempotency-Key": key},
                             files={"file": ("receipt.pdf", PDF, "application/pdf")})
        assert answer.status_code == 200
    assert len(state.transactions[tx].attachment_ids) == 1
    listed = client.get(f"/v2/transactions/{tx}/attachments", headers=KEY).json()
    url = listed["attachments"][0]["url"]
    assert listed["attachments"][0]["file_size"] == str(len(PDF))
    assert client.get(url).content == PDF
    clock.advance(minutes=31)
    assert client.get(url).status_code == 403
    with_attachments = client.get("/v2/transactions", params={
        "bank_account_id": "acc-main", "with_attachments": "true"}, headers=KEY).json()
    assert [t["id"] for t in with_attachments["transactions"]] == [tx]


def test_attachment_rules_type_count_and_deletion(served: tuple) -> None:
    client, _, state = served
    tx = "00000000-0000-4000-8000-000000000002"
    wrong = client.post(f"/v2/transactions/{tx}/attachments", headers=KEY,
                        files={"file": ("notes.txt", b"hello", "text/plain")})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["code"] == "invalid_file_type"
    missing = client.post(f"/v2/transactions/{tx}/attachments", headers=KEY,
                          data={"other": "x"}, files={"nothing": ("a", b"", "text/plain")})
    assert missing.json()["errors"][0]["code"] == "missing_file"
    for index in range(5):
        client.post(f"/v2/transactions/{tx}/attachments", headers=KEY,
                    files={"file": (f"r{index}.pdf", PDF + bytes([index]), "application/pdf")})
    sixth = client.post(f"/v2/transactions/{tx}/attachments", headers=KEY,
                        files={"file": ("r6.pdf", PDF, "application/pdf")})
    assert sixth.status_code == 400
    first = state.transactions[tx].attachment_ids[0]
    assert client.delete(f"/v2/transactions/{tx}/attachments/{first}",
                         headers=KEY).status_code == 200
    assert len(state.transactions[tx].attachment_ids) == 4
    assert client.delete(f"/v2/transactions/{tx}/attachments", headers=KEY).status_code == 200
    assert state.transactions[tx].attachment_ids == []


def test_attachments_processed_in_the_background_appear_later(clock: FakeClock) -> None:
    state = small_state()
    config = EmulatorConfig(attachment_processing_delay=timedelta(seconds=5))
    client, transport = validated_client(create_app(state, clock=clock, config=config),
                                         check_requests=False)
    tx = "00000000-0000-4000-8000-000000000003"
    client.post(f"/v2/transactions/{tx}/attachments", headers=KEY,
                files={"file": ("r.png", b"\x89PNG\r\n", "image/png")})
    assert client.get(f"/v2/transactions/{tx}", headers=KEY).json()[
        "transaction"]["attachment_ids"] == []
    clock.advance(seconds=6)
    assert len(client.get(f"/v2/transactions/{tx}", headers=KEY).json()[
        "transaction"]["attachment_ids"]) == 1
    assert transport.violations == []


def test_standalone_attachment_upload_and_show(served: tuple) -> None:
    client, _, _ = served
    created = client.post("/v2/attachments", headers=KEY,
                          files={"file": ("scan.jpg", b"\xff\xd8\xff\xe0jpeg", "image/jpeg")})
    attachment_id = created.json()["attachment"]["id"]
    shown = client.get(f"/v2/attachments/{attachment_id}", headers=KEY).json()["attachment"]
    assert shown["file_content_type"] == "image/jpeg"
    assert client.get(f"/v2/attachments/{attachment_id}x", headers=KEY).status_code == 404


def test_demo_seed_pays_every_demo_invoice_from_the_main_account() -> None:
    state = demo_state()
    main = state.organization.bank_accounts[0]
    assert (state.organization.legal_name, main.iban) == (DEMO_COMPANY.name, DEMO_COMPANY.iban)
    assert len(state.organization.bank_accounts) == 2
    for invoice in DEMO_INVOICES:
        matches = [t for t in state.transactions.values()
                   if t.reference == invoice.payment_reference and t.side == "debit"]
        assert len(matches) == 1
        paid = matches[0]
        assert paid.label == invoice.supplier.name
        assert paid.counterparty_iban == invoice.supplier.iban
        assert paid.settled_at is not None and paid.settled_at.date() == invoice.paid_on
        assert Money(paid.amount_cents, paid.currency) == Money.parse(invoice.total_amount)
    kinds = {(t.operation_type, t.local_currency, t.status) for t in state.transactions.values()}
    assert {("card", "USD", "completed"), ("card", "GBP", "completed"),
            ("direct_debit", "EUR", "completed"), ("income", "EUR", "completed"),
            ("qonto_fee", "EUR", "completed"), ("card", "EUR", "pending")} <= kinds
    assert demo_state().transactions.keys() == state.transactions.keys()  # deterministic


def test_demo_seed_answers_validate_against_the_file(clock: FakeClock) -> None:
    state = demo_state()
    state.api_keys = {"atelier": "s3cret"}
    client, transport = validated_client(create_app(state, clock=clock), check_requests=False)
    account = state.organization.bank_accounts[0].id
    body = client.get("/v2/transactions", params=[
        ("bank_account_id", account), ("status[]", "completed"), ("status[]", "pending"),
        ("status[]", "declined"), ("per_page", "100"), ("includes[]", "vat_details"),
        ("includes[]", "labels"), ("includes[]", "attachments")], headers=KEY).json()
    assert body["meta"]["total_count"] > 150 and transport.violations == []


def test_a_demo_sandbox_is_seeded_as_of_its_day_with_receipts(tmp_path: Path) -> None:
    """A new sandbox pays the invoices of the demo's day, has no line later than the moment
    it is seeded, and carries a few till receipts whose totals are the card payments'."""
    from pypdf import PdfReader

    from liasse.emulators.qonto.persistence import StateStore
    from liasse.emulators.qonto.seed import DEMO_RECEIPTS
    from liasse.emulators.qonto.serve import prepare_state
    from liasse.samples.demo import demo_invoices

    day = date(2026, 12, 3)
    store = StateStore(tmp_path)
    state, _ = prepare_state(store, "demo", None, day)
    seeded_at = datetime.now(UTC)
    assert max(t.updated_at for t in state.transactions.values()) <= seeded_at
    references = {t.reference for t in state.transactions.values() if t.side == "debit"}
    assert {invoice.payment_reference for invoice in demo_invoices(day)} <= references
    receipted = [t for t in state.transactions.values() if t.attachment_ids]
    assert len(receipted) == len(state.attachments) == DEMO_RECEIPTS
    for transaction in receipted:
        assert (transaction.operation_type, transaction.side) == ("card", "debit")
        attachment = state.attachments[transaction.attachment_ids[0]]
        text = PdfReader(io.BytesIO(store.files.get(attachment.sha256))).pages[0].extract_text()
        euros, cents = divmod(transaction.amount_cents, 100)
        assert transaction.label in text and f"{euros},{cents:02d}" in text.replace(" ", "")
    reloaded, _ = prepare_state(StateStore(tmp_path), "demo", None, date(2027, 1, 5))
    assert reloaded.attachments.keys() == state.attachments.keys()  # a saved sandbox stays
