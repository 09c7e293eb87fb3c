"""supplier memories: what a workspace learned from corrections, per supplier

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import liasse.store.tables

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supplier_memories",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("supplier_id", sa.String(length=32), nullable=False),
        sa.Column("knowledge", sa.JSON(), nullable=False),
        sa.Column("ledger_account", sa.String(length=16), nullable=True),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("not_invoice", sa.Integer(), nullable=False),
        sa.Column("created_at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"],
                                name=op.f("fk_supplier_memories_supplier_id_suppliers")),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_supplier_memories_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_memories")),
        sa.UniqueConstraint("workspace_id", "supplier_id",
                            name=op.f("uq_supplier_memories_workspace_id")),
    )
    with op.batch_alter_table("supplier_memories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_memories_supplier_id"), ["supplier_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_supplier_memories_workspace_id"), ["workspace_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("supplier_memories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_memories_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_supplier_memories_supplier_id"))
    op.drop_table("supplier_memories")
