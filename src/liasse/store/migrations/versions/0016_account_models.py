"""account models: the account classifier a worker fitted, shared with the others

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 02:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import liasse.store.tables

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_models",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.Column("history_count", sa.Integer(), nullable=False),
        sa.Column("history_latest", liasse.store.tables.UtcDateTime(timezone=True),
                  nullable=True),
        sa.Column("fitted_at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_account_models_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_account_models")),
    )


def downgrade() -> None:
    op.drop_table("account_models")
