"""The FastAPI application factory: sessions, CSRF, security headers, and the page routers."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from liasse.app.services import Services
from liasse.web.config import WebConfig
from liasse.web.deps import NotLoggedIn, WebState, check_csrf, check_parameters, session_of
from liasse.web.routes import ROUTERS, oauth
from liasse.web.security import (
    SESSION_COOKIE,
    LoginPolicy,
    SessionCodec,
    SessionData,
    SessionLifetimes,
    make_hasher,
)
from liasse.web.views import make_templates, render

STATIC = Path(__file__).with_name("static")
# Our own script and styles only; documents are framed from our own origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; object-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)


def create_app(services: Services, config: WebConfig | None = None, *,
               today: Callable[[], date] = date.today) -> FastAPI:
    """The web app over `services`; `today` is injectable so tests can fix the calendar."""
    config = config or WebConfig()
    secret = (config.session_secret.get_secret_value() if config.session_secret
              else secrets.token_urlsafe(32))
    app = FastAPI(title="liasse", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(check_parameters), Depends(check_csrf)])
    app.state.liasse = WebState(
        services=services, config=config,
        codec=SessionCodec(secret, config.session_max_age_seconds),
        hasher=make_hasher(config), policy=LoginPolicy.from_config(config),
        lifetimes=SessionLifetimes.from_config(config),
        templates=make_templates(), today=today,
    )
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.state.oauth_flows = oauth.FlowCookies(secret)  # pending OAuth flows, signed
    app.include_router(oauth.router)
    _install_session_middleware(app)
    _install_error_pages(app)
    return app


def _is_https(request: Request, config: WebConfig) -> bool:
    if config.secure_cookies is not None:
        return config.secure_cookies
    # Behind a trusted proxy uvicorn has already taken the scheme from X-Forwarded-Proto.
    return request.url.scheme == "https"


def _install_session_middleware(app: FastAPI) -> None:
    state: WebState = app.state.liasse

    @app.middleware("http")
    async def session_cookie(request: Request,
                             call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        loaded = state.codec.loads(request.cookies.get(SESSION_COOKIE))
        request.state.session = loaded or SessionData.fresh()
        response = await call_next(request)
        session = session_of(request)
        if session.changed:
            response.set_cookie(
                SESSION_COOKIE, state.codec.dumps(session), max_age=state.codec.max_age_seconds,
                httponly=True, samesite="lax", secure=_is_https(request, state.config), path="/",
            )
        _security_headers(request, response)
        return response


def _security_headers(request: Request, response: Response) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith("/static"):
        response.headers.setdefault("Cache-Control", "no-store")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def to_login(request: Request, exc: NotLoggedIn) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException) -> Response:
        if "/api/" in request.url.path:
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        page: HTMLResponse = render(request, "error.html", status_code=exc.status_code,
                                    code=exc.status_code, detail=exc.detail)
        return page
