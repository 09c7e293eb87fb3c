"""What every handler needs: the app's state, the session, who is asking and in which workspace.

A workspace is addressed by its slug in the URL (`/w/<slug>/...`). `viewer` answers 404
for a workspace the user does not belong to, exactly as for one that does not exist, so
URLs cannot be used to discover other workspaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from liasse.app.services import Services
from liasse.app.settings import WebConfig
from liasse.store import web_repo
from liasse.store.bank_repo import BankRepo
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.store.match_repo import MatchRepo
from liasse.store.memory_repo import MemoryRepo
from liasse.store.outbox_repo import OutboxRepo
from liasse.store.source_files_repo import SourceFileRepo
from liasse.store.suppliers_repo import SupplierRepo
from liasse.store.tables import utcnow
from liasse.store.tables_web import ROLES
from liasse.store.web_repo import WebRepo, WorkspaceAccess
from liasse.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    LoginPolicy,
    SessionCodec,
    SessionData,
    SessionLifetimes,
    csrf_matches,
    session_user,
)


@dataclass(frozen=True)
class WebState:
    services: Services
    config: WebConfig
    codec: SessionCodec
    hasher: PasswordHasher
    policy: LoginPolicy
    lifetimes: SessionLifetimes
    templates: Jinja2Templates
    today: Callable[[], date] = date.today


class NotLoggedIn(Exception):
    """Raised by dependencies; the app turns it into a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.liasse
    return state


def session_of(request: Request) -> SessionData:
    session: SessionData = request.state.session
    return session


# Longer values than this are no filter, id or code a page of liasse ever makes.
MAX_PARAMETER_CHARS = 2000
MAX_PARAMETERS = 50


def check_parameters(request: Request) -> None:
    """Every route's URL: a NUL (PostgreSQL refuses it in text), a huge value or a flood of
    parameters is a 400 before any handler or query sees it."""
    items = [*request.query_params.multi_items(),
             *((key, str(value)) for key, value in request.path_params.items())]
    if len(items) > MAX_PARAMETERS or any(
            "\x00" in key or "\x00" in value or len(value) > MAX_PARAMETER_CHARS
            for key, value in items):
        raise HTTPException(400, "the address has a malformed or oversized parameter")


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's CSRF token, in the form or in a header."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(session_of(request).csrf, given):
        raise HTTPException(403, "the form has expired: reload the page and try again")


@dataclass(frozen=True)
class Viewer:
    """The logged-in user, in the workspace of the URL, with their role there."""

    user_id: str
    email: str
    workspace: WorkspaceAccess
    workspaces: tuple[WorkspaceAccess, ...]
    unread: int

    @property
    def actor(self) -> str:
        return f"user:{self.email}"

    @property
    def base(self) -> str:
        return f"/w/{self.workspace.slug}"

    def can(self, role: str) -> bool:
        return ROLES.index(self.workspace.role) >= ROLES.index(role)


@dataclass(frozen=True)
class LoggedIn:
    user_id: str
    email: str
    workspaces: tuple[WorkspaceAccess, ...]


def logged_in(request: Request) -> LoggedIn:
    state = web_state(request)
    with state.services.sessions.begin() as session:
        user_id = session_user(session, session_of(request), state.lifetimes, utcnow())
        user = web_repo.get_user(session, user_id) if user_id is not None else None
        if user is not None and user.active:
            access = tuple(web_repo.workspaces_of_user(session, user.id))
            return LoggedIn(user.id, user.email, access)
    raise NotLoggedIn(request.url.path)


def viewer(request: Request, slug: str,
           who: Annotated[LoggedIn, Depends(logged_in)]) -> Viewer:
    for access in who.workspaces:
        if access.slug == slug:
            with web_state(request).services.sessions() as session:
                unread = WebRepo(session, access.workspace_id).unread_notifications()
            return Viewer(who.user_id, who.email, access, who.workspaces, unread)
    raise HTTPException(404)


def require(role: str) -> Callable[[Viewer], Viewer]:
    """A dependency that lets through users with at least `role` in the workspace."""
    if role not in ROLES:
        raise ValueError(role)

    def check(who: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        if not who.can(role):
            raise HTTPException(403, f"this needs the {role} role in this workspace")
        return who

    return check


ViewerDep = Annotated[Viewer, Depends(viewer)]
ReviewerDep = Annotated[Viewer, Depends(require("reviewer"))]
AccountantDep = Annotated[Viewer, Depends(require("accountant"))]
OwnerDep = Annotated[Viewer, Depends(require("owner"))]
StateDep = Annotated[WebState, Depends(web_state)]


@dataclass
class Repos:
    session: Session
    workspace_id: str
    web: WebRepo

    # The other repositories share the transaction; made when asked for.
    @property
    def documents(self) -> DocumentRepo:
        return DocumentRepo(self.session, self.workspace_id)

    @property
    def connections(self) -> ConnectionRepo:
        return ConnectionRepo(self.session, self.workspace_id)

    @property
    def files(self) -> SourceFileRepo:
        return SourceFileRepo(self.session, self.workspace_id)

    @property
    def outbox(self) -> OutboxRepo:
        return OutboxRepo(self.session, self.workspace_id)

    @property
    def suppliers(self) -> SupplierRepo:
        return SupplierRepo(self.session, self.workspace_id)

    @property
    def memories(self) -> MemoryRepo:
        return MemoryRepo(self.session, self.workspace_id)

    @property
    def matches(self) -> MatchRepo:
        return MatchRepo(self.session, self.workspace_id)

    @property
    def bank(self) -> BankRepo:
        return BankRepo(self.session, self.workspace_id)


@contextmanager
def repos(state: WebState, who: Viewer) -> Iterator[Repos]:
    """One transaction over the viewer's workspace, committed when the block ends."""
    with state.services.sessions.begin() as session:
        workspace_id = who.workspace.workspace_id
        yield Repos(session, workspace_id, WebRepo(session, workspace_id))
