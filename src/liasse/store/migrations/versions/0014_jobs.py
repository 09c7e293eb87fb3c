"""jobs: procrastinate's queue (PostgreSQL only; SQLite runs every job in its one process)

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 04:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from procrastinate.schema import SchemaManager

    # procrastinate ships its schema as one SQL script (tables, types, functions, triggers);
    # it is sent as is through the driver, so its `%` and `:` reach PostgreSQL untouched.
    # A later procrastinate release that changes the schema gets its own migration, made
    # from the files procrastinate ships in `procrastinate/sql/migrations`.
    raw = bind.connection.driver_connection
    assert raw is not None
    raw.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    raw = bind.connection.driver_connection
    assert raw is not None
    for table in ("procrastinate_events", "procrastinate_periodic_defers",
                  "procrastinate_jobs", "procrastinate_workers"):
        raw.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    functions = raw.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
        "AND p.proname LIKE 'procrastinate%'").fetchall()
    for (signature,) in functions:
        raw.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    types = raw.execute(
        "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%' "
        "AND t.typtype IN ('e', 'c')").fetchall()
    for (name,) in types:
        raw.execute(f"DROP TYPE IF EXISTS {name} CASCADE")
