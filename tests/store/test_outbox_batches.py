"""The outbox's batch statements: intents recorded once per key in the order given, and
a batch claim that takes only the items nobody else holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.outbox_repo import OutboxRepo

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=10)


def _workspace(engine: Engine) -> str:
    with make_session_factory(engine).begin() as session:
        return store_repo.create_workspace(session, "acme", "Acme").id


def test_many_intents_are_recorded_once_each_and_go_in_their_order(engine: Engine) -> None:
    workspace_id = _workspace(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        repo = OutboxRepo(session, workspace_id)
        repo.enqueue_outbox("post", "b", {"n": 0})
        created = repo.enqueue_outbox_many("post", [("c", {"n": 1}, None), ("b", {"n": 2}, None),
                                                    ("a", {"n": 3}, None)])
    with sessions.begin() as session:
        ready = OutboxRepo(session, workspace_id).outbox_ready(NOW + timedelta(days=1))
        assert created == {"a", "c"}
        assert [(item.idempotency_key, item.payload) for item in ready] == [
            ("b", {"n": 0}), ("c", {"n": 1}), ("a", {"n": 3})]


def test_a_batch_claim_takes_only_the_items_nobody_else_holds(engine: Engine) -> None:
    workspace_id = _workspace(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        repo = OutboxRepo(session, workspace_id)
        ids = [repo.enqueue_outbox("post", key, {})[0].id for key in ("a", "b", "c")]
        assert repo.claim_outbox_item(ids[1], NOW, owner="another", until=LEASE)
    with sessions.begin() as session:
        repo = OutboxRepo(session, workspace_id)
        assert repo.claim_outbox_items([*ids, "gone"], NOW, owner="me", until=LEASE) == {
            ids[0], ids[2]}
        assert repo.claim_outbox_items(ids, NOW, owner="third", until=LEASE) == set()
        # Its own claim is its own (a retried job takes it back); a lapsed lease is free.
        assert repo.claim_outbox_items(ids, NOW, owner="me", until=LEASE) == {ids[0], ids[2]}
        later = LEASE + timedelta(seconds=1)
        assert repo.claim_outbox_items(ids, later, owner="third", until=later) == set(ids)
        assert [repo.get_outbox_item(i).attempts for i in ids] == [3, 2, 3]
