from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from liasse.store import migrate
from liasse.store.schema import metadata


def test_upgrade_reaches_head_and_is_repeatable(engine: Engine) -> None:
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.upgrade(engine)  # a second start changes nothing
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert {"workspaces", "documents", "outbox", "audit_events"} <= set(
        inspect(engine).get_table_names()
    )


def test_migrations_match_the_tables_module(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(
            connection, opts={"include_name": migrate.owned_by_liasse}), metadata)
    assert diff == [], f"tables.py and the migrations disagree: {diff}"


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert mode == "wal"
    assert timeout is not None and int(timeout) >= 5000
