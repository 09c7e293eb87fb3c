"""worker processes: which `liasse worker` process each procrastinate worker belongs to

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 02:00:00

A `liasse worker` runs two procrastinate workers (the documents queue, and the windows and
posting beside it), each with its own row and heartbeat in `procrastinate_workers`, which
records nothing else: "live workers" counted two per process. This table names each one's
process; a worker's row goes with it (unregistered, or pruned as stalled). PostgreSQL
only, beside procrastinate's tables (hence their prefix: not described in `tables.py`).
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE procrastinate_worker_processes ("
        "worker_id bigint PRIMARY KEY REFERENCES procrastinate_workers(id) ON DELETE CASCADE, "
        "process text NOT NULL)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS procrastinate_worker_processes")
