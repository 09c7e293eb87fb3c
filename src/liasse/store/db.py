"""Engines and sessions: SQLite in WAL mode with a busy timeout, or PostgreSQL by URL."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled PostgreSQL connection idle at least this long is pinged before it is handed
# out (a database restarted meanwhile left it dead). One in use a moment ago is not: a
# ping at every checkout was a round trip for every transaction a worker runs.
PING_AFTER_IDLE_SECONDS = 1.0
_CHECKED_IN_AT = "liasse_checked_in_at"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout on each connection."""
    if url.startswith("sqlite"):
        _ensure_sqlite_parent(url)
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, echo=echo)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info[_CHECKED_IN_AT] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """`pool_pre_ping`, for connections that sat idle: a dead one (the database restarted)
    makes the pool drop every connection older than now and hand out a new one."""
    checked_in = record.info.get(_CHECKED_IN_AT)
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_SECONDS:
        return  # new, or used a moment ago
    try:
        # In autocommit: no BEGIN, and no transaction left open that would keep the
        # session from choosing its own (`autocommit_session`).
        dbapi_connection.autocommit = True
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        finally:
            dbapi_connection.autocommit = False
    except Exception as error:  # any driver error on a trivial statement: a dead link
        raise exc.InvalidatePoolError(str(error)) from error


def _ensure_sqlite_parent(url: str) -> None:
    """The folder, and the database file created 0600: SQLite gives its WAL and SHM files
    the database's mode, so this keeps all three from other local users."""
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def autocommit_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose statements each stand alone, without BEGIN and COMMIT: for the
    version checks made before each document, where a transaction's two round trips
    cost more than the read. Each statement sees what was committed when it started, so
    a version read here, then the content it stands for, gives content at least as new
    as the version (a cache keyed on it reads again at worst once more). Not for writes."""
    with sessions() as session:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


def ping(engine: Engine) -> None:
    """Raise if the database cannot be reached (`liasse doctor`)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def insert_unless_present(session: Session, table: Any, values: dict[str, Any],
                          unique: list[str]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the `unique` columns; True if the row went in.

    A unique constraint decides between two writers racing for the same row, on SQLite
    and PostgreSQL alike, without the failed transaction a plain INSERT would leave.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    core = table.__table__
    statement = (insert(core).values(**values).on_conflict_do_nothing(index_elements=unique)
                 .returning(*(core.c[name] for name in unique)))
    # RETURNING, not rowcount: drivers report -1 or 1 for a skipped row in some modes.
    return session.execute(statement).first() is not None


def insert_many_unless_present(session: Session, table: Any, rows: list[dict[str, Any]],
                               unique: list[str]) -> set[tuple[Any, ...]]:
    """`insert_unless_present` for many rows in one statement: the `unique` values of the
    rows that went in (the others were there already, or written meanwhile by another)."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    core = table.__table__
    # The rows as parameters of one statement (SQLAlchemy sends them as one multi-row
    # INSERT, "insertmanyvalues"), not inlined in it: an inlined statement is new SQL for
    # every call, compiled again each time (a supplier's keys cost more to compile than
    # to insert).
    statement = (insert(core).on_conflict_do_nothing(index_elements=unique)
                 .returning(*(core.c[name] for name in unique)))
    return {tuple(row) for row in session.execute(statement, rows)}
