"""server-side web sessions, used OAuth states, privacy events

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import liasse.store.tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_web_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "used_oauth_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_used_oauth_states")),
    )
    with op.batch_alter_table("used_oauth_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_used_oauth_states_used_at"), ["used_at"],
                              unique=False)
    op.create_table(
        "privacy_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_slug", sa.String(length=100), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("at", liasse.store.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_events")),
    )


def downgrade() -> None:
    op.drop_table("privacy_events")
    with op.batch_alter_table("used_oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_used_oauth_states_used_at"))
    op.drop_table("used_oauth_states")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
    op.drop_table("web_sessions")
