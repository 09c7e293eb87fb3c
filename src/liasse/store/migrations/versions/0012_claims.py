"""claims: documents and outbox items claimed before work; one supplier per identifier;
supplier revisions

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import liasse.store.tables

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_owner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column(
            "claim_until", liasse.store.tables.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_owner", sa.String(length=200), nullable=True))
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1",
                                      nullable=False))
    op.create_table(
        "supplier_keys",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["suppliers.id"],
                                name=op.f("fk_supplier_keys_supplier_id_suppliers")),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"],
                                name=op.f("fk_supplier_keys_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("workspace_id", "key", name=op.f("pk_supplier_keys")),
    )
    with op.batch_alter_table("supplier_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_keys_supplier_id"), ["supplier_id"],
                              unique=False)
    _claim_existing_identifiers()


def _claim_existing_identifiers() -> None:
    """Existing suppliers' identifiers, the oldest supplier first (a seller created twice
    before this revision keeps both rows; the identifier goes to the first)."""
    from liasse.domain.suppliers import company_keys

    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, workspace_id, vat_ids, sirens, sirets FROM suppliers "
        "WHERE merged_into IS NULL ORDER BY created_at, id")).all()
    taken: set[tuple[str, str]] = set()
    keys = sa.table("supplier_keys", sa.column("workspace_id"), sa.column("key"),
                    sa.column("supplier_id"))
    for supplier_id, workspace_id, vat_ids, sirens, sirets in rows:
        for key in sorted(company_keys(_listed(vat_ids), _listed(sirens), _listed(sirets))):
            if (workspace_id, key) not in taken:
                taken.add((workspace_id, key))
                bind.execute(keys.insert().values(workspace_id=workspace_id, key=key,
                                                  supplier_id=supplier_id))


def _listed(value: object) -> list[str]:
    import json

    items = json.loads(value) if isinstance(value, str) else value
    return [str(item) for item in items] if isinstance(items, list) else []


def downgrade() -> None:
    with op.batch_alter_table("supplier_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_keys_supplier_id"))
    op.drop_table("supplier_keys")
    with op.batch_alter_table("suppliers", schema=None) as batch_op:
        batch_op.drop_column("revision")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claim_owner")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("claim_until")
        batch_op.drop_column("claim_owner")
