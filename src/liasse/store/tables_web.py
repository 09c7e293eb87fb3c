"""The web app's tables: people, their roles per workspace, login attempts, notifications.

Users are global (an accountant may serve many client workspaces); what they may see is
decided by `memberships`. Every workspace-owned row carries `workspace_id`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liasse.store.tables import Base, id_column, now_column, workspace_column

ROLES: tuple[str, ...] = ("viewer", "reviewer", "accountant", "owner")


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = now_column()
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class Membership(Base):
    """A user's role in one workspace: owner, accountant, reviewer or viewer."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = now_column()


class LoginAttempt(Base):
    """One try at logging in, kept to slow down password guessing (per e-mail and per IP)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = now_column()


class Notification(Base):
    """Something a workspace's owners should know; `key` makes each one arrive once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_notifications_workspace_read", "workspace_id", "read_at"),
    )

    id: Mapped[str] = id_column()
    workspace_id: Mapped[str] = workspace_column(indexed=False)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = now_column()
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A logged-in browser. The cookie carries a random token; only its SHA-256 is kept, so
    the table is no key to anyone's session. Deleting the row ends the session."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = now_column()
    last_seen_at: Mapped[datetime] = now_column()


class UsedOAuthState(Base):
    """An OAuth flow's `state` once its callback ran: a replayed callback is refused."""

    __tablename__ = "used_oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = now_column(index=True)


class PrivacyEvent(Base):
    """An export or erasure of a workspace, kept outside the workspace's own rows so that
    it survives the erasure it records (no foreign key: the workspace may be gone)."""

    __tablename__ = "privacy_events"

    id: Mapped[str] = id_column()
    workspace_slug: Mapped[str] = mapped_column(String(100))
    workspace_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(320))
    details: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = now_column()
