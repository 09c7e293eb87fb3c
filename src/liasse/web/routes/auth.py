"""Logging in and out, the landing redirect, and the workspace switcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liasse.store.tables import utcnow
from liasse.web.deps import LoggedIn, StateDep, logged_in, session_of
from liasse.web.security import LoginThrottled, authenticate, close_session, open_session
from liasse.web.views import render, see_other

router = APIRouter()


def _safe_next(next_path: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://...` (open redirect)."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_model=None)
def login(request: Request, state: StateDep, email: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "/",
          ) -> Response:
    try:
        with state.services.sessions.begin() as session:
            now = utcnow()
            user = authenticate(session, state.hasher, state.policy, email=email,
                                password=password, address=_client_address(request), now=now)
            # A new session (and CSRF token): nothing from before the login is carried over.
            opened = open_session(session, user.id, state.lifetimes, now) if user else None
    except LoginThrottled as throttled:
        page = render(request, "login.html", next=_safe_next(next), error="login_throttled",
                      status_code=429)
        page.headers["Retry-After"] = str(throttled.retry_after)
        return page
    if opened is None:
        return render(request, "login.html", next=_safe_next(next), error="login_failed",
                      status_code=401)
    request.state.session = opened
    return see_other(_safe_next(next))


@router.post("/logout")
def logout(request: Request, state: StateDep) -> RedirectResponse:
    with state.services.sessions.begin() as session:
        request.state.session = close_session(session, session_of(request))
    return see_other("/login")


@router.get("/")
def landing(who: Annotated[LoggedIn, Depends(logged_in)]) -> RedirectResponse:
    if not who.workspaces:
        raise HTTPException(403, "you do not belong to any workspace yet: ask an owner")
    return see_other(f"/w/{who.workspaces[0].slug}/dashboard")


@router.get("/switch")
def switch(who: Annotated[LoggedIn, Depends(logged_in)], to: str) -> RedirectResponse:
    if not any(access.slug == to for access in who.workspaces):
        raise HTTPException(404)
    return see_other(f"/w/{to}/dashboard")


@router.get("/healthz")
def health(request: Request) -> dict[str, str]:
    session_of(request).changed = False  # probes need no cookie
    return {"status": "ok"}
