"""A pooled PostgreSQL connection is pinged only after it sat idle: one that died meanwhile
(the database restarted, here its backend terminated) is replaced, not handed out."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, exc, text

from liasse.store import db
from liasse.store.db import autocommit_session, make_engine, make_session_factory


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(engine: Engine, pid: int) -> None:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_an_idle_connection_that_died_is_replaced(postgres_database: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    engine, killer = make_engine(postgres_database), make_engine(postgres_database)
    try:
        dead = _backend_pid(engine)
        _terminate(killer, dead)
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every checkout is "idle"
        assert _backend_pid(engine) != dead  # pinged, found dead, replaced
    finally:
        engine.dispose()
        killer.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_database: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    engine, killer = make_engine(postgres_database), make_engine(postgres_database)
    try:
        _terminate(killer, _backend_pid(engine))
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
        # No ping: the dead connection is handed out and its first statement fails (the
        # pool then drops it, and the next checkout works).
        with pytest.raises(exc.OperationalError):
            _backend_pid(engine)
        assert _backend_pid(engine) > 0
    finally:
        engine.dispose()
        killer.dispose()


def test_a_pinged_connection_is_left_outside_any_transaction(postgres_database: str,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """The ping opens no transaction: a version check may then run in autocommit, and an
    ordinary transaction still begins and rolls back as its own."""
    engine = make_engine(postgres_database)
    try:
        _backend_pid(engine)
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
        sessions = make_session_factory(engine)
        with autocommit_session(sessions) as session:
            assert session.execute(text("SELECT 1")).scalar_one() == 1
        with sessions.begin() as session:
            session.execute(text("SELECT 1"))
            raw = session.connection().connection.driver_connection
            assert raw is not None and raw.info.transaction_status.name == "INTRANS"
    finally:
        engine.dispose()
