"""The store side of the security work on both backends (SQLite and PostgreSQL): server
sessions, single-use OAuth states, and a workspace's export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from liasse.store import privacy_repo, web_repo
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.documents_repo import DocumentRepo
from liasse.store.secrets_repo import SecretRepo
from liasse.store.tables import Workspace

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_sessions_expire_and_end(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        user = web_repo.create_user(session, "a@example.com", "hash")
        web_repo.start_web_session(session, "h1", user.id, T0)
        web_repo.start_web_session(session, "h2", user.id, T0)
        user_id = user.id
    with sessions.begin() as session:
        live = web_repo.live_web_session_user
        assert live(session, "h1", T0 + HOUR, idle=2 * HOUR, lifetime=12 * HOUR) == user_id
        assert live(session, "h1", T0 + 4 * HOUR, idle=2 * HOUR, lifetime=12 * HOUR) is None
        web_repo.end_web_session(session, "nope")
        assert web_repo.end_sessions_of_user(session, user_id) == 1  # h1 already expired


def test_an_oauth_state_is_used_once(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        assert web_repo.consume_oauth_state(session, "s", T0, timedelta(minutes=10))
        assert not web_repo.consume_oauth_state(session, "s", T0, timedelta(minutes=10))
    with sessions.begin() as session:  # forgotten once the flow could no longer finish
        assert web_repo.consume_oauth_state(session, "s", T0 + HOUR, timedelta(minutes=10))


def test_export_and_erase_touch_only_their_workspace(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        ids = {}
        for slug in ("a", "b"):
            repo = SecretRepo(session, store_repo.create_workspace(session, slug, slug).id)
            documents = DocumentRepo(session, repo.workspace_id)
            documents.create_document(sha256=f"{slug * 64}", size=1, file_name=f"{slug}.pdf",
                                      media_type="application/pdf", actor="test")
            repo.save_data_key("m", b"wrapped")
            repo.save_secret_ciphertext("token", b"cipher")
            ids[slug] = repo.workspace_id
    with sessions.begin() as session:
        exported = privacy_repo.export_rows(session, ids["a"])
        assert [row["file_name"] for row in exported["documents"]] == ["a.pdf"]
        assert "secrets" not in exported and exported["audit_events"]
        counts = privacy_repo.erase_rows(session, ids["a"])
        assert counts["documents"] == 1 and counts["secrets"] == 1 and counts["data_keys"] == 1
        privacy_repo.record_privacy_event(session, slug="a", workspace_id=ids["a"],
                                          action="erase", actor="test", details={}, at=T0)
    with sessions.begin() as session:
        assert session.get(Workspace, ids["a"]) is None
        assert privacy_repo.export_rows(session, ids["a"])["documents"] == []
        assert [row["file_name"] for row in
                privacy_repo.export_rows(session, ids["b"])["documents"]] == ["b.pdf"]
        assert [event.action for event in privacy_repo.privacy_events(session, "a")] == ["erase"]
