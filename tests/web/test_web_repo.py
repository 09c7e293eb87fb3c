"""WebRepo never reaches another workspace's rows: every public method is probed, both backends."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from liasse.domain.matching.model import MatchDecision
from liasse.domain.money import Money
from liasse.domain.ports import SourceEntry
from liasse.domain.states import State
from liasse.domain.transactions import BankTransaction
from liasse.store import repo as store_repo
from liasse.store import web_repo
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.match_repo import MatchRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.web_repo import DocumentQuery, WebRepo

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def seed(session: Any, slug: str) -> str:
    workspace = store_repo.create_workspace(session, slug, slug.title())
    repo = DocumentRepo(session, workspace.id)
    connections = ConnectionRepo(session, workspace.id)
    outbox = OutboxRepo(repo.session, repo.workspace_id)
    files = SourceFileRepo(repo.session, repo.workspace_id)
    connection = connections.add_connection("localfolder", "inbox", {})
    files.record_source_file(connection.id, SourceEntry("a", "a.pdf", "1", 1, NOW))
    connections.set_connection_status(connection.id, "needs_reconnect", "x")
    for state in (State.IN_REVIEW, State.PARKED, State.POSTED):
        document = repo.create_document(sha256=f"{slug}{state.value}".ljust(64, "0")[:64],
                                        size=1, file_name=f"{slug}.pdf", media_type="x",
                                        actor="t")
        document.state, document.supplier_name = state.value, f"Supplier {slug}"
        document.total_minor, document.issue_date, document.currency = 100, "2026-11-02", "EUR"
        item, _ = outbox.enqueue_outbox("k", f"key-{slug}-{state.value}", {}, document.id)
        item.status = "parked"
    _seed_a_paid_document(session, workspace.id, connection.id, document.id)
    repo.add_audit("document", "x", actor="step:route", after="approved", reason="")
    user = web_repo.create_user(session, f"{slug}@example.com", "hash")
    web_repo.set_membership(session, user.id, workspace.id, "owner")
    WebRepo(session, workspace.id).add_notification_once(f"n-{slug}", kind="parked", subject=slug,
                                                         body="", link="")
    session.flush()
    return workspace.id


def _seed_a_paid_document(session: Any, workspace_id: str, connection_id: str,
                          document_id: str) -> None:
    """The same bank id in both workspaces, each linked to its own document."""
    debit = BankTransaction(
        id="tx-1", bank_account_id="acc", side="debit", status="completed",
        amount=Money(100, "EUR"), local_amount=Money(100, "EUR"), operation_type="transfer",
        counterparty_name="x", label="x", reference="", counterparty_iban=None,
        settled_at=NOW, emitted_at=NOW, updated_at=NOW)
    BankRepo(session, workspace_id).upsert_transactions(connection_id, [debit])
    decision = MatchDecision("tx-1", (document_id,), "payment", 1.0, "auto", ())
    MatchRepo(session, workspace_id).record(decision, "linked")


def owned(rows: Any, workspace_id: str) -> None:
    for row in rows:
        assert getattr(row, "workspace_id", workspace_id) == workspace_id


def probes(a: WebRepo, a_id: str) -> dict[str, Callable[[], None]]:
    b_words = "Supplier b"
    return {
        "search_documents": lambda: owned(a.search_documents(DocumentQuery()).rows, a_id),
        "review_queue": lambda: owned(a.review_queue(), a_id),
        "count_in_review": lambda: _equal(a.count_in_review(), 1),
        "documents_in": lambda: owned(a.documents_in(list(State)), a_id),
        "waiting_documents": lambda: owned(a.waiting_documents(), a_id),
        "supplier_names": lambda: _equal(a.supplier_names(), ["Supplier a"]),
        "parked_outbox": lambda: owned(a.parked_outbox(), a_id),
        "pending_outbox_count": lambda: _equal(a.pending_outbox_count(), 0),
        "connection_health": lambda: owned([h.connection for h in a.connection_health()], a_id),
        "counts_by_state": lambda: _equal(sum(a.counts_by_state().values()), 3),
        "route_counts": lambda: _equal(a.route_counts().approved, 1),
        "spend_by_supplier": lambda: _equal(
            [x.label for x in a.spend_by_supplier("2026-01-01", "2026-12-31")], ["Supplier a"]),
        "spend_by_account": lambda: _equal(  # the seed sets no account: one "" line
            [(x.label, x.documents) for x in a.spend_by_account("2026-01-01", "2026-12-31")],
            [("", x.documents) for x in a.spend_by_supplier("2026-01-01", "2026-12-31")]),
        "documents_spent": lambda: owned(a.documents_spent("2026-01-01", "2026-12-31",
                                                           b_words), a_id),
        "documents_paid": lambda: owned([document for document, _ in
                                         a.documents_paid("2026-01-01", "2026-12-31")], a_id),
        "members": lambda: _equal([u.email for u, _ in a.members()], ["a@example.com"]),
        "owner_emails": lambda: _equal(a.owner_emails(), ["a@example.com"]),
        "add_notification_once": lambda: _equal(a.add_notification_once(
            "n-b", kind="k", subject="s", body="", link="") is not None, True),
        "notifications": lambda: owned(a.notifications(), a_id),
        "unread_notifications": lambda: _equal(a.unread_notifications(), 2),  # its own two
        "mark_notifications_read": lambda: a.mark_notifications_read(NOW),
        "mark_emailed": lambda: a.mark_emailed(["x"]),
    }


def _equal(got: Any, expected: Any) -> None:
    assert got == expected


def test_every_web_repo_method_stays_in_its_workspace(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        a_id, b_id = seed(session, "a"), seed(session, "b")
    public = {name for name, _ in inspect.getmembers(WebRepo, inspect.isfunction)
              if not name.startswith("_")}
    with sessions.begin() as session:
        calls = probes(WebRepo(session, a_id), a_id)
        assert public == set(calls), "probe every public method"
        for call in calls.values():
            call()
    with sessions.begin() as session:
        b = WebRepo(session, b_id)
        assert b.unread_notifications() == 1  # A marking its own as read left B's alone
        assert len(b.notifications()) == 1


def test_memberships_decide_which_workspaces_a_user_sees(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        seed(session, "a")
        b_id = seed(session, "b")
        user = web_repo.find_user_by_email(session, " A@Example.com ")
        assert user is not None
        assert [w.slug for w in web_repo.workspaces_of_user(session, user.id)] == ["a"]
        assert web_repo.access_by_slug(session, user.id, "b") is None
        web_repo.set_membership(session, user.id, b_id, "viewer")
        assert web_repo.access_by_slug(session, user.id, "b").role == "viewer"  # type: ignore[union-attr]
        web_repo.set_membership(session, user.id, b_id, "reviewer")
        assert web_repo.access_by_slug(session, user.id, "b").role == "reviewer"  # type: ignore[union-attr]


def test_search_reads_text_in_the_extraction_and_escapes_wildcards(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        a_id = seed(session, "a")
        seed(session, "b")
        repo = DocumentRepo(session, a_id)
        document = repo.documents_in_states([State.IN_REVIEW])[0]
        document.extraction = {"fields": {"customer_name": {"value": "Crème 100%_brûlée"}}}
        session.flush()
        web = WebRepo(session, a_id)
        assert [d.id for d in web.search_documents(DocumentQuery(text="crème 100%_")).rows] \
            == [document.id]
        assert web.search_documents(DocumentQuery(text="100%%")).total == 0
        assert web.search_documents(DocumentQuery(text="supplier b")).total == 0
        page = web.search_documents(DocumentQuery(sort="total", descending=False, per_page=2))
        assert (page.total, len(page.rows), page.pages) == (3, 2, 2)
