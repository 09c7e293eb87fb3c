"""Creating people and giving them a role in a workspace (used by the CLI and `make run`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from liasse.app.services import NoWorkspace, Services
from liasse.store import repo as store_repo
from liasse.store import web_repo
from liasse.store.tables_web import ROLES
from liasse.web.security import hash_password, verify_password


@dataclass(frozen=True)
class UserAdded:
    email: str
    role: str
    workspace: str
    created: bool  # False: the user existed; the role was set and the password replaced


def add_user(services: Services, email: str, password: str, *, role: str,
             workspace: str | None = None, hasher: PasswordHasher | None = None) -> UserAdded:
    """Create (or update) the user and set their role in `workspace` (default: the configured)."""
    slug = workspace or services.settings.workspace
    password_hash = hash_password(password, hasher)
    with services.sessions.begin() as session:
        found = store_repo.find_workspace_by_slug(session, slug)
        if found is None:
            raise NoWorkspace(f"workspace {slug!r} does not exist: run `liasse init`")
        user = web_repo.find_user_by_email(session, email)
        created = user is None
        if user is None:
            user = web_repo.create_user(session, email, password_hash)
        elif _password_changed(user.password_hash, password, hasher) \
                or _role_lowered(session, user.id, found.id, role):
            # Whoever held the old password or the higher role is logged out everywhere.
            web_repo.end_sessions_of_user(session, user.id)
        user.password_hash = password_hash
        web_repo.set_membership(session, user.id, found.id, role)
        return UserAdded(user.email, role, slug, created)


def _password_changed(old_hash: str, password: str, hasher: PasswordHasher | None) -> bool:
    return not verify_password(hasher or PasswordHasher(), old_hash, password)


def _role_lowered(session: Session, user_id: str, workspace_id: str, role: str) -> bool:
    for access in web_repo.workspaces_of_user(session, user_id):
        if access.workspace_id == workspace_id:
            return ROLES.index(role) < ROLES.index(access.role)
    return False


def remove_user(services: Services, email: str, *, workspace: str | None = None) -> bool:
    """Take the user's role in `workspace` away and end their sessions; False if they had none."""
    slug = workspace or services.settings.workspace
    with services.sessions.begin() as session:
        found = store_repo.find_workspace_by_slug(session, slug)
        if found is None:
            raise NoWorkspace(f"workspace {slug!r} does not exist: run `liasse init`")
        user = web_repo.find_user_by_email(session, email)
        if user is None or not web_repo.remove_membership(session, user.id, found.id):
            return False
        web_repo.end_sessions_of_user(session, user.id)
        return True


def set_password(services: Services, email: str, password: str, *,
                 hasher: PasswordHasher | None = None) -> bool:
    """Replace a user's password (stored hashed); False when no such user exists."""
    if not password:
        raise ValueError("the password is empty")
    password_hash = hash_password(password, hasher)
    with services.sessions.begin() as session:
        user = web_repo.find_user_by_email(session, email)
        if user is None:
            return False
        user.password_hash = password_hash
        web_repo.end_sessions_of_user(session, user.id)  # a new password ends old sessions
        return True


def ensure_user(services: Services, email: str, *, role: str,
                hasher: PasswordHasher | None = None) -> str | None:
    """Create the user with a new password, returned to be shown once; None when the user
    already exists (their password stays as it is)."""
    with services.sessions.begin() as session:
        if web_repo.find_user_by_email(session, email) is not None:
            return None
    password = new_password()
    add_user(services, email, password, role=role, hasher=hasher)
    return password


def new_password() -> str:
    """A password to print once for a demo owner (`make run`)."""
    return secrets.token_urlsafe(12)
