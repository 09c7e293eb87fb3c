"""The account classifier the workers share: one worker at a time fits a workspace's
(the others go on with theirs, or wait), and the kept one is the longest history's."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo, SharedModel

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def test_one_worker_at_a_time_fits_a_workspaces_classifier(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    with sessions.begin() as first:
        assert MemoryRepo(first, workspace_id).take_model_fit(wait=False)
        if engine.dialect.name == "postgresql":  # SQLite has one process: always its turn
            with sessions.begin() as second:
                assert not MemoryRepo(second, workspace_id).take_model_fit(wait=False)
    with sessions.begin() as second:  # the first one's turn ended with its transaction
        assert MemoryRepo(second, workspace_id).take_model_fit(wait=False)


def test_the_model_of_the_longest_history_is_kept(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace_id = store_repo.create_workspace(session, "acme", "Acme").id
    for postings, model in ((15, b"fifteen"), (12, b"twelve"), (20, b"twenty")):
        with sessions.begin() as session:
            MemoryRepo(session, workspace_id).share_model(
                SharedModel(postings, (postings, NOW), NOW), model)
    with sessions.begin() as session:
        repo = MemoryRepo(session, workspace_id)
        assert repo.shared_model() == SharedModel(20, (20, NOW), NOW)
        assert repo.shared_model_bytes() == b"twenty"
