"""Transaction sync through the emulator: upsert by id, overlap window, late settlements,
edits, year boundaries, pending apart from completed — requests and answers held to the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contract.openapi import FakeClock, validated_client
from liasse.connectors.qonto import (
    ApiKeyAuth,
    ApiKeyCredentials,
    InMemoryTransactionSink,
    QontoClient,
    TransactionSync,
)
from liasse.domain.money import Money
from liasse.emulators.qonto import create_app, demo_state, empty_state
from liasse.emulators.qonto.state import BankAccount, QontoState, Transaction
from liasse.samples.demo import DEMO_INVOICES

ACCOUNT = "acc-main"


class Bank:
    def __init__(self, state: QontoState, start: datetime) -> None:
        self.state = state
        self.state.api_keys = {"atelier": "s3cret"}
        self.clock = FakeClock(start)
        http, self.transport = validated_client(create_app(state, clock=self.clock),
                                                check_requests=True)
        self.client = QontoClient(http, ApiKeyAuth(ApiKeyCredentials("atelier", "s3cret")))
        self.sink = InMemoryTransactionSink()

    def sync(self, account: str = ACCOUNT) -> TransactionSync:
        return TransactionSync(self.client, account, self.sink, clock=self.clock,
                               overlap=timedelta(minutes=10))

    def add(self, number: int, when: datetime, **overrides: object) -> Transaction:
        values: dict[str, object] = {
            "id": f"00000000-0000-4000-8000-{number:012d}", "transaction_id": f"tx-{number}",
            "bank_account_id": ACCOUNT, "amount_cents": 1000 * number, "currency": "EUR",
            "local_amount_cents": 1000 * number, "local_currency": "EUR", "side": "debit",
            "operation_type": "card", "status": "completed", "label": f"Shop {number}",
            "reference": None, "emitted_at": when, "updated_at": when, "settled_at": when}
        values.update(overrides)
        transaction = Transaction(**values)  # type: ignore[arg-type]
        self.state.transactions[transaction.id] = transaction
        return transaction


def small_bank(start: datetime) -> Bank:
    state = empty_state()
    state.organization.bank_accounts.append(BankAccount(
        ACCOUNT, "a-1", "FR7616958000013827461902362", "QNTOFRP1XXX", "EUR", "Main", True, 0))
    return Bank(state, start)


@pytest.fixture
def bank() -> Bank:
    built = small_bank(datetime(2026, 12, 31, 23, 0, tzinfo=UTC))
    yield built
    assert built.transport.violations == []


def test_pending_then_settled_is_one_line_that_changes_status(bank: Bank) -> None:
    t0 = bank.clock()
    bank.add(1, t0 - timedelta(minutes=30), status="pending", settled_at=None)
    bank.add(2, t0 - timedelta(minutes=20))
    first = bank.sync().poll()
    assert (first.pending, first.completed) == (1, 1)
    assert [t.id for t in bank.sink.by_status("pending")] == [
        "00000000-0000-4000-8000-000000000001"]
    bank.clock.advance(hours=2)  # the card payment settles the next day, at Qonto
    settled = bank.state.transactions["00000000-0000-4000-8000-000000000001"]
    settled.status, settled.settled_at = "completed", bank.clock()
    settled.updated_at = bank.clock()
    second = bank.sync().poll()
    assert second.seen == 1 and bank.sink.by_status("pending") == []
    assert len(bank.sink.transactions) == 2


def test_year_boundary_and_edits_are_seen_and_upserted(bank: Bank) -> None:
    t0 = bank.clock()  # 2026-12-31 23:00 UTC
    bank.sync().poll()
    bank.add(3, datetime(2026, 12, 31, 23, 59, 59, 999000, tzinfo=UTC))
    bank.add(4, datetime(2027, 1, 1, 0, 0, tzinfo=UTC))
    bank.clock.current = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)
    report = bank.sync().poll()
    assert report.seen == 2 and report.cursor > t0
    edited = bank.state.transactions["00000000-0000-4000-8000-000000000003"]
    edited.note, edited.updated_at = "receipt lost", bank.clock()
    bank.clock.advance(minutes=5)
    bank.sync().poll()
    assert bank.sink.transactions[edited.id].note == "receipt lost"
    assert len(bank.sink.transactions) == 2


def test_overlap_catches_a_line_stamped_just_before_the_last_poll(bank: Bank) -> None:
    bank.sync().poll()
    cursor = bank.sink.cursors[ACCOUNT]
    # Qonto indexes this one late: visible only now, stamped 5 minutes before our cursor.
    bank.add(5, cursor - timedelta(minutes=5))
    bank.clock.advance(minutes=1)
    assert bank.sync().poll().seen == 1
    assert "00000000-0000-4000-8000-000000000005" in bank.sink.transactions


def test_a_line_changing_during_paging_restarts_the_window(bank: Bank) -> None:
    base = bank.clock() - timedelta(hours=5)
    for number in range(1, 251):
        bank.add(number, base + timedelta(seconds=number))
    pages_seen = 0
    original = bank.client.transaction_pages

    def pages_with_an_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal pages_seen
        for page in original(*args, **kwargs):
            pages_seen += 1
            if pages_seen == 1:  # an edit at Qonto while we read page 2 and 3
                moved = bank.state.transactions["00000000-0000-4000-8000-000000000001"]
                moved.updated_at = bank.clock() + timedelta(seconds=1)
            yield page

    bank.client.transaction_pages = pages_with_an_edit  # type: ignore[method-assign]
    report = bank.sync().poll()
    assert report.restarts == 1
    assert len(bank.sink.transactions) == 250  # none slipped between two pages


def test_demo_year_syncs_with_foreign_amounts_in_cents() -> None:
    state = demo_state()
    bank = Bank(state, datetime(2026, 11, 21, 23, 30, tzinfo=UTC))
    account = state.organization.bank_accounts[0]
    report = bank.sync(account.id).poll()
    assert report.seen == sum(1 for t in state.transactions.values()
                              if t.bank_account_id == account.id)
    assert report.pending == 2 and report.declined == 1
    usd = [t for t in bank.sink.transactions.values() if t.local_amount.currency == "USD"]
    assert usd and all(t.amount.currency == "EUR" and isinstance(t.amount.minor, int)
                       for t in usd)
    for invoice in DEMO_INVOICES:
        paid = [t for t in bank.sink.transactions.values()
                if t.reference == invoice.payment_reference]
        assert paid[0].amount == Money.parse(invoice.total_amount)
        assert paid[0].counterparty_iban == invoice.supplier.iban
    assert bank.transport.violations == []


def test_iter_transactions_filters_by_side_and_status(bank: Bank) -> None:
    t0 = bank.clock()
    bank.add(6, t0 - timedelta(hours=1), side="credit", operation_type="income")
    bank.add(7, t0 - timedelta(hours=1), status="pending", settled_at=None)
    credits = list(bank.client.iter_transactions(ACCOUNT, side="credit"))
    assert [t.side for t in credits] == ["credit"]
    completed_only = list(bank.client.iter_transactions(ACCOUNT))
    assert {t.status for t in completed_only} == {"completed"}
    one = bank.client.get_transaction("00000000-0000-4000-8000-000000000007")
    assert one.status == "pending" and one.settled_at is None
