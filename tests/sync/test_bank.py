"""Qonto transactions into the store: the demo year through the in-process emulator, on
SQLite and PostgreSQL (the `engine` fixture), polled again with an overlap window."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from contract.openapi import SERVER, FakeClock
from liasse.app.wiring.qonto import QontoBankFeed
from liasse.connectors.qonto import ApiKeyAuth, ApiKeyCredentials, QontoClient, RetryPolicy
from liasse.domain import errors as step_errors
from liasse.emulators.qonto import create_app, demo_state
from liasse.emulators.qonto.faults import FaultPlan, FaultRule
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.seed import DEMO_ANCHOR
from liasse.emulators.qonto.state import BankAccount, QontoState, Transaction
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.repo import create_workspace
from liasse.sync.bank import BankSyncOptions, BankSyncReport, sync_bank

OVERLAP = timedelta(minutes=10)
LOGIN, SECRET = "atelier", "s3cret"


@dataclass
class World:
    state: QontoState
    clock: FakeClock
    faults: FaultPlan
    sessions: sessionmaker[Session]
    workspace_id: str
    connection_id: str

    def feed(self, secret: str = SECRET) -> QontoBankFeed:
        return QontoBankFeed(self.client(secret), self.connection_id)

    def client(self, secret: str = SECRET) -> QontoClient:
        app = create_app(self.state, clock=self.clock, faults=self.faults)
        http = httpx.Client(transport=sync_transport(app), base_url=SERVER)
        return QontoClient(http, ApiKeyAuth(ApiKeyCredentials(LOGIN, secret)),
                           retry=RetryPolicy(max_attempts=2, sleep=lambda _: None))

    def sync(self) -> BankSyncReport:
        return sync_bank(self.sessions, self.workspace_id, self.connection_id, self.feed(),
                         BankSyncOptions(clock=self.clock, overlap=OVERLAP))

    def repo_counts(self) -> dict[str, int]:
        with self.sessions.begin() as session:
            return BankRepo(session, self.workspace_id).count_by_status()

    def stored(self, remote_id: str) -> object:
        with self.sessions.begin() as session:
            return BankRepo(session, self.workspace_id).transaction(remote_id)

    def touch(self, transaction: Transaction) -> None:
        """Qonto changed this line now."""
        transaction.updated_at = self.clock()


@pytest.fixture
def world(engine: Engine) -> World:
    state = demo_state()
    state.api_keys = {LOGIN: SECRET}
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace = create_workspace(session, "atelier", "Atelier Liasse")
        connection = ConnectionRepo(session, workspace.id).add_connection("qonto", "bank", {})
        ids = workspace.id, connection.id
    clock = FakeClock(datetime.combine(DEMO_ANCHOR, time(23, 30), UTC))
    return World(state, clock, FaultPlan(), sessions, *ids)


def test_the_demo_year_lands_in_the_store_with_statuses_kept_apart(world: World) -> None:
    report = world.sync()
    expected = Counter(t.status for t in world.state.transactions.values())
    assert report.ok and report.accounts == 2 and len(report.new_accounts) == 2
    assert report.inserted == len(world.state.transactions) == report.seen
    assert world.repo_counts() == dict(expected)
    assert expected["pending"] >= 2 and expected["declined"] == 1
    foreign = next(t for t in world.state.transactions.values() if t.local_currency == "USD")
    stored = world.stored(foreign.id)
    assert stored.local_amount.currency == "USD"  # type: ignore[attr-defined]
    assert stored.local_amount.minor == foreign.local_amount_cents  # type: ignore[attr-defined]
    assert stored.amount.minor == foreign.amount_cents  # type: ignore[attr-defined]
    with world.sessions.begin() as session:
        accounts = BankRepo(session, world.workspace_id).accounts(world.connection_id)
    assert {a.name for a in accounts} == {"Compte principal", "Réserve"}
    assert all(a.cursor == world.clock() for a in accounts)


def test_a_second_poll_re_sees_edits_inside_the_overlap_without_duplicates(
        world: World) -> None:
    world.sync()
    edited = next(t for t in world.state.transactions.values() if t.status == "completed")
    # Edited at Qonto five minutes *before* the last poll's upper bound: only the overlap
    # window can still see it (Qonto indexes late, clocks skew).
    edited.note = "Facture reçue par courrier"
    edited.updated_at = world.clock() - timedelta(minutes=5)
    world.clock.advance(minutes=15)
    report = world.sync()
    assert report.inserted == 0 and report.updated >= 1
    assert sum(world.repo_counts().values()) == len(world.state.transactions)
    assert world.stored(edited.id).note == "Facture reçue par courrier"  # type: ignore[attr-defined]


def test_a_pending_card_payment_that_settles_moves_to_completed(world: World) -> None:
    world.sync()
    before = world.repo_counts()
    pending = next(t for t in world.state.transactions.values() if t.status == "pending")
    world.clock.advance(hours=20)
    pending.status, pending.settled_at = "completed", world.clock()
    world.touch(pending)
    world.sync()
    after = world.repo_counts()
    assert after["pending"] == before["pending"] - 1
    assert after["completed"] == before["completed"] + 1
    with world.sessions.begin() as session:
        found = BankRepo(session, world.workspace_id).transactions_by_amount(
            pending.amount_cents, pending.amount_cents, since=world.clock() - timedelta(days=1),
            until=world.clock())
    assert [t.id for t in found] == [pending.id]
    assert found[0].status == "completed"


def test_a_new_bank_account_is_picked_up_on_the_next_sync(world: World) -> None:
    world.sync()
    world.clock.advance(hours=1)
    new = BankAccount("acc-new", "atelier-3", "FR7616958000013827461902362", "QNTOFRP1XXX",
                      "EUR", "Projets", False, 0)
    world.state.organization.bank_accounts.append(new)
    line = Transaction(
        id="00000000-0000-4000-8000-000000000077", transaction_id="atelier-3-transaction-1",
        bank_account_id=new.id, amount_cents=12_345, currency="EUR", local_amount_cents=12_345,
        local_currency="EUR", side="credit", operation_type="income", status="completed",
        label="Virement interne", reference=None, emitted_at=world.clock(),
        updated_at=world.clock(), settled_at=world.clock())
    world.state.transactions[line.id] = line
    report = world.sync()
    assert report.new_accounts == ["acc-new"] and report.inserted == 1
    with world.sessions.begin() as session:
        repo = BankRepo(session, world.workspace_id)
        assert [t.id for t in repo.transactions(bank_account_id="acc-new")] == [line.id]
        assert repo.account("acc-new").cursor == world.clock()


def test_refused_credentials_stop_the_sync_with_needs_reconnect(world: World) -> None:
    with pytest.raises(step_errors.NeedsReconnect) as raised:
        sync_bank(world.sessions, world.workspace_id, world.connection_id,
                  world.feed(secret="wrong"), BankSyncOptions(clock=world.clock))
    assert raised.value.connection_id == world.connection_id
    assert world.repo_counts() == {}


def test_a_failing_account_is_reported_and_the_others_still_sync(world: World) -> None:
    world.faults.add(FaultRule("GET /v2/transactions", "server_error", times=2, status=503))
    report = world.sync()  # the first account's poll gives up after two attempts
    assert not report.ok and len(report.failures) == 1
    assert len(report.polled) == 1
    savings = world.state.organization.bank_accounts[1].id
    assert report.polled[0].bank_account_id == savings
    with world.sessions.begin() as session:
        repo = BankRepo(session, world.workspace_id)
        main = world.state.organization.bank_accounts[0].id
        assert repo.account(main).cursor is None  # never advanced past unseen lines
    world.clock.advance(minutes=15)
    assert world.sync().ok
    assert sum(world.repo_counts().values()) == len(world.state.transactions)
