"""Alembic environment: runs on the connection `liasse.store.migrate` hands it."""

from __future__ import annotations

from alembic import context

from liasse.store.migrate import owned_by_liasse
from liasse.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by a bare `alembic` call
    raise RuntimeError("run migrations through liasse.store.migrate.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=owned_by_liasse,
)
with context.begin_transaction():
    context.run_migrations()
