"""One workspace never sees another's bank rows: every public BankRepo method is probed.

Both workspaces hold an account and a transaction with the *same* bank ids (two workspaces
connected to one Qonto organization), so a query that forgot its workspace would show.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from liasse.domain.money import Money
from liasse.domain.transactions import BankTransaction
from liasse.store import repo as store_repo
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.repo import NotFound

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
EARLY = NOW - timedelta(days=30)
SHARED_ACCOUNT, SHARED_TX = "acc-shared", "tx-shared"


@dataclass
class Seeded:
    workspace_id: str
    connection_id: str
    own_account: str
    own_tx: str
    amount: int  # every line of this workspace has this amount


def line(remote_id: str, account: str, cents: int) -> BankTransaction:
    return BankTransaction(
        id=remote_id, bank_account_id=account, side="debit", status="completed",
        amount=Money(cents, "EUR"), local_amount=Money(cents, "EUR"), operation_type="card",
        counterparty_name="Shop", label="Shop", reference="", counterparty_iban=None,
        settled_at=NOW, emitted_at=NOW, updated_at=NOW, attachment_ids=("att-1",))


def seed(session: Session, slug: str, cents: int) -> Seeded:
    workspace = store_repo.create_workspace(session, slug, slug.title())
    connection = ConnectionRepo(session, workspace.id).add_connection("qonto", "bank", {})
    repo = BankRepo(session, workspace.id)
    own_account, own_tx = f"acc-only-{slug}", f"tx-only-{slug}"
    for account in (SHARED_ACCOUNT, own_account):
        repo.upsert_account(connection.id, account, name=slug, iban="FR76", currency="EUR")
        repo.save_cursor(account, NOW + timedelta(minutes=cents // 1000))
    repo.upsert_transactions(connection.id, [line(SHARED_TX, SHARED_ACCOUNT, cents),
                                             line(own_tx, own_account, cents)])
    return Seeded(workspace.id, connection.id, own_account, own_tx, cents)


def _own(transactions: list[BankTransaction], a: Seeded) -> None:
    assert transactions, "the probe must see the workspace's own lines"
    for transaction in transactions:
        assert transaction.id in (SHARED_TX, a.own_tx), f"{transaction.id} is another's"
        assert transaction.amount.minor == a.amount, f"{transaction.id} is another's copy"


def _not_found(call: Callable[[], Any]) -> None:
    with pytest.raises(NotFound):
        call()


def probes(repo: BankRepo, a: Seeded, b: Seeded) -> dict[str, Callable[[], None]]:
    """For each method: a call aimed at workspace B's data through workspace A's repo."""
    return {
        "upsert_account": lambda: _not_found(lambda: repo.upsert_account(
            b.connection_id, "acc-x", name="x", iban="", currency="EUR")),
        "accounts": lambda: _assert_accounts(repo, a),
        "account": lambda: _not_found(lambda: repo.account(b.own_account)),
        "mark_accounts_missing": lambda: _assert_equal(
            repo.mark_accounts_missing(b.connection_id, []), 0),
        "load_cursor": lambda: _assert_equal(repo.load_cursor(SHARED_ACCOUNT),
                                             NOW + timedelta(minutes=a.amount // 1000)),
        "save_cursor": lambda: _not_found(lambda: repo.save_cursor(b.own_account, NOW)),
        "upsert_transactions": lambda: _not_found(lambda: repo.upsert_transactions(
            b.connection_id, [line("tx-x", SHARED_ACCOUNT, 1)])),
        "mark_matched": lambda: _assert_equal(repo.mark_matched([b.own_tx], NOW), 0),
        "transaction": lambda: _assert_transaction(repo, a, b),
        "transactions": lambda: _own(repo.transactions(), a),
        "count_by_status": lambda: _assert_equal(repo.count_by_status(), {"completed": 2}),
        "transactions_by_amount": lambda: _own(repo.transactions_by_amount(
            0, 10**9, since=EARLY, until=NOW), a),
        "transactions_booked_between": lambda: _own(
            repo.transactions_booked_between(EARLY, NOW), a),
        "unmatched_debits": lambda: _own(repo.unmatched_debits(), a),
        "transactions_with_attachments": lambda: _own(
            repo.transactions_with_attachments(SHARED_ACCOUNT, EARLY), a),
    }


def _assert_transaction(repo: BankRepo, a: Seeded, b: Seeded) -> None:
    _not_found(lambda: repo.transaction(b.own_tx))
    _own([repo.transaction(SHARED_TX)], a)


def _assert_accounts(repo: BankRepo, a: Seeded) -> None:
    accounts = repo.accounts()
    assert {account.id for account in accounts} == {SHARED_ACCOUNT, a.own_account}
    assert {account.connection_id for account in accounts} == {a.connection_id}


def _assert_equal(value: Any, expected: Any) -> None:
    assert value == expected


def public_methods() -> set[str]:
    return {name for name, _ in inspect.getmembers(BankRepo, inspect.isfunction)
            if not name.startswith("_")}


def test_every_public_bank_method_has_an_isolation_probe(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        a = seed(session, "alpha", 1000)
        b = seed(session, "beta", 2000)
    with sessions.begin() as session:
        repo_a = BankRepo(session, a.workspace_id)
        table = probes(repo_a, a, b)
        assert set(table) == public_methods(), "a bank repository method has no probe"
        for name in sorted(table):
            savepoint = session.begin_nested()  # each probe sees the seeded state only
            try:
                table[name]()
            finally:
                savepoint.rollback()
    with sessions.begin() as session:
        repo_b = BankRepo(session, b.workspace_id)
        assert repo_b.transaction(SHARED_TX).amount.minor == 2000
        assert repo_b.account(b.own_account).status == "active"
        assert repo_b.load_cursor(b.own_account) == NOW + timedelta(minutes=2)
