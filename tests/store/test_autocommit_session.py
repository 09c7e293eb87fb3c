"""Version checks run without a transaction (no BEGIN/COMMIT round trips), and the pooled
connection they used is an ordinary transactional one again afterwards."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text

from liasse.store import repo as store_repo
from liasse.store.db import autocommit_session, make_session_factory
from liasse.store.tables import Workspace


def _in_transaction(session: object) -> bool:
    driver = session.connection().connection.driver_connection  # type: ignore[attr-defined]
    return str(driver.info.transaction_status.name) != "IDLE"  # psycopg: the server's status


def test_a_version_check_opens_no_transaction(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("sqlite3 never opens a transaction for a SELECT alone")
    sessions = make_session_factory(engine)
    with autocommit_session(sessions) as session:
        session.execute(text("SELECT 1"))
        assert not _in_transaction(session)
    with sessions.begin() as session:
        session.execute(text("SELECT 1"))
        assert _in_transaction(session)  # the same pooled connection, transactional again


def test_the_connection_rolls_back_again_after_a_version_check(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    for _ in range(3):  # whichever pooled connection comes next
        with autocommit_session(sessions) as session:
            session.scalar(select(func.count()).select_from(Workspace))
    with pytest.raises(RuntimeError), sessions.begin() as session:
        store_repo.create_workspace(session, "acme", "Acme")
        session.flush()
        raise RuntimeError("rolled back")
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
