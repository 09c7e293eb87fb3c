"""Connecting outside systems from the browser: the OAuth round trips to Dropbox and Qonto,
reconnect and disconnect buttons, and the Qonto API-key form. Owners only.

A flow is: POST `/w/<slug>/connections/<provider>/start` → the provider's authorize page →
GET `/oauth/<provider>/callback?code&state`. What the callback needs (the random `state`,
the PKCE verifier, the workspace, the form's choices, who started it) travels in a signed,
HttpOnly cookie that only `/oauth/<provider>/` receives and that lives ten minutes. The
callback refuses a missing or different `state` before anything is exchanged or stored,
and the flow is single-use: the cookie is cleared whatever the outcome, and the state is
recorded as used, so a replayed callback (the same cookie and URL again) is refused.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from liasse.app import connections
from liasse.connectors.dropbox.check import FolderCheckFailed
from liasse.connectors.dropbox.errors import DropboxError
from liasse.connectors.dropbox.oauth import AuthorizationRequest
from liasse.connectors.qonto.errors import QontoError
from liasse.store import web_repo
from liasse.store.tables import utcnow
from liasse.web.deps import LoggedIn, OwnerDep, StateDep, Viewer, logged_in, web_state
from liasse.web.i18n import MESSAGES
from liasse.web.security import token_hash
from liasse.web.views import flash_url, language, render, see_other

router = APIRouter()

PROVIDERS = ("dropbox", "qonto")
FLOW_MAX_AGE_SECONDS = 600
FLOW_COOKIE = "liasse_oauth_{provider}"


@dataclass(frozen=True)
class PendingFlow:
    """One OAuth round trip in progress: everything the callback must check and use."""

    provider: str
    state: str
    slug: str
    user_id: str
    name: str
    reconnect: bool = False
    code_verifier: str = ""
    folder: str = ""
    recursive: bool = True
    write_back: bool = False
    instant: bool = False

    def dropbox_target(self) -> connections.DropboxTarget:
        return connections.DropboxTarget(name=self.name, folder=self.folder,
                                         recursive=self.recursive, write_back=self.write_back,
                                         instant=self.instant)


class FlowCookies:
    """Signs pending flows into cookies; `create_app` keeps one, keyed by the session secret."""

    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="liasse-oauth-flow")

    def dumps(self, flow: PendingFlow) -> str:
        return self._serializer.dumps(asdict(flow))

    def loads(self, cookie: str | None, provider: str) -> PendingFlow | None:
        if not cookie:
            return None
        try:
            raw: Any = self._serializer.loads(cookie, max_age=FLOW_MAX_AGE_SECONDS)
        except BadSignature:  # also an expired one
            return None
        names = {field.name for field in fields(PendingFlow)}
        if not isinstance(raw, dict) or set(raw) != names or raw["provider"] != provider:
            return None
        return PendingFlow(**raw)


def _cookies(request: Request) -> FlowCookies:
    cookies: FlowCookies = request.app.state.oauth_flows
    return cookies


def _callback_url(state: StateDep, provider: str) -> str:
    return f"{state.config.public_url.rstrip('/')}/oauth/{provider}/callback"


def _text(request: Request, key: str) -> str:
    return MESSAGES[language(request)][key]


def _is_loopback(url: str) -> bool:
    """An API on loopback is an emulator (never throttled); the real ones never are."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _to_provider(request: Request, flow: PendingFlow, authorize_url: str) -> RedirectResponse:
    response = RedirectResponse(authorize_url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE.format(provider=flow.provider), _cookies(request).dumps(flow),
        max_age=FLOW_MAX_AGE_SECONDS, httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path=f"/oauth/{flow.provider}/",
    )
    return response


def _refused(request: Request, who: Viewer | None, key: str, detail: str = "",
             status_code: int = 400) -> HTMLResponse:
    message = _text(request, key) + (f" ({detail})" if detail else "")
    return render(request, "error.html", who, status_code=status_code, code=status_code,
                  detail=message)


# --- starting a flow ------------------------------------------------------------------------


def dropbox_folder(raw: str) -> str:
    """A Dropbox path as the API wants it: "" for the root, else starting with one slash."""
    folder = raw.strip().strip("/")
    return f"/{folder}" if folder else ""


def _start_dropbox(request: Request, state: StateDep, who: Viewer, target:
                   connections.DropboxTarget, *, reconnect: bool) -> RedirectResponse:
    flow_state = secrets.token_urlsafe(32)
    started = connections.start_dropbox_oauth(
        state.services, write_back=target.write_back,
        redirect_uri=_callback_url(state, "dropbox"), state=flow_state)
    flow = PendingFlow(provider="dropbox", state=flow_state, slug=who.workspace.slug,
                       user_id=who.user_id, name=target.name, reconnect=reconnect,
                       code_verifier=started.code_verifier, folder=target.folder,
                       recursive=target.recursive, write_back=target.write_back,
                       instant=target.instant)
    return _to_provider(request, flow, started.url)


def _start_qonto(request: Request, state: StateDep, who: Viewer, name: str, *,
                 reconnect: bool) -> Response:
    flow_state = secrets.token_urlsafe(32)
    try:
        url = connections.start_qonto_oauth(state.services.settings, state=flow_state,
                                            redirect_uri=_callback_url(state, "qonto"))
    except ValueError:
        return _refused(request, who, "oauth_qonto_not_configured")
    flow = PendingFlow(provider="qonto", state=flow_state, slug=who.workspace.slug,
                       user_id=who.user_id, name=name, reconnect=reconnect)
    return _to_provider(request, flow, url)


def _checkbox(value: str | None) -> bool:
    return value not in (None, "", "0", "off", "false")


@router.post("/w/{slug}/connections/dropbox/start")
def start_dropbox(request: Request, state: StateDep, who: OwnerDep,
                  folder: Annotated[str, Form()] = "",
                  name: Annotated[str, Form()] = "dropbox",
                  write_back: Annotated[str | None, Form()] = None,
                  instant: Annotated[str | None, Form()] = None) -> RedirectResponse:
    target = connections.DropboxTarget(name=name.strip() or "dropbox",
                                       folder=dropbox_folder(folder),
                                       write_back=_checkbox(write_back),
                                       instant=_checkbox(instant))
    return _start_dropbox(request, state, who, target, reconnect=False)


@router.post("/w/{slug}/connections/qonto/start", response_model=None)
def start_qonto(request: Request, state: StateDep, who: OwnerDep,
                name: Annotated[str, Form()] = "qonto") -> Response:
    return _start_qonto(request, state, who, name.strip() or "qonto", reconnect=False)


@router.post("/w/{slug}/connections/{name}/reconnect", response_model=None)
def reconnect(request: Request, state: StateDep, who: OwnerDep, name: str) -> Response:
    """The same flow for an existing connection: same name, same config."""
    try:
        kind, config = connections.connection_config(state.services, who.workspace.slug, name)
    except connections.NoSuchConnection:
        return _refused(request, who, "oauth_no_connection", status_code=404)
    if kind == "dropbox":
        target = connections.DropboxTarget.from_config(name, config)
        return _start_dropbox(request, state, who, target, reconnect=True)
    if kind == "qonto" and config.get("auth") == "oauth":
        return _start_qonto(request, state, who, name, reconnect=True)
    if kind == "qonto":  # an API key: the owner types a new one in the settings form
        return see_other(flash_url(f"{who.base}/settings?reconnect={name}", "enter_api_key")
                         + "#qonto-api-key")
    return _refused(request, who, "oauth_cannot_reconnect")


# --- the callbacks --------------------------------------------------------------------------


def _pending(request: Request, who: LoggedIn, provider: str) -> PendingFlow | None:
    """The flow this callback finishes, if the state matches and the same owner started it."""
    cookie = request.cookies.get(FLOW_COOKIE.format(provider=provider))
    flow = _cookies(request).loads(cookie, provider)
    given = request.query_params.get("state")
    if flow is None or not given or not secrets.compare_digest(flow.state, given):
        return None
    owner = any(access.slug == flow.slug and access.role == "owner"
                for access in who.workspaces)
    if not owner or flow.user_id != who.user_id:
        return None
    with web_state(request).services.sessions.begin() as session:
        first_use = web_repo.consume_oauth_state(session, token_hash(flow.state), utcnow(),
                                                 timedelta(seconds=FLOW_MAX_AGE_SECONDS))
    return flow if first_use else None


def _finished(response: Response, provider: str) -> Response:
    response.delete_cookie(FLOW_COOKIE.format(provider=provider), path=f"/oauth/{provider}/")
    return response


def _after_connect(state: StateDep, flow: PendingFlow, connection_id: str, actor: str
                   ) -> RedirectResponse:
    connections.retry_blocked_documents(state.services, flow.slug, connection_id, actor=actor)
    message = "reconnected" if flow.reconnect else "connected"
    return see_other(flash_url(f"/w/{flow.slug}/status", message))


LoggedInDep = Annotated[LoggedIn, Depends(logged_in)]


@router.get("/oauth/dropbox/callback", response_model=None)
def dropbox_callback(request: Request, state: StateDep, who: LoggedInDep) -> Response:
    flow = _pending(request, who, "dropbox")
    if flow is None:
        return _finished(_refused(request, None, "oauth_bad_state"), "dropbox")
    code = request.query_params.get("code")
    if not code:
        error = request.query_params.get("error_description") or request.query_params.get(
            "error", "")
        return _finished(_refused(request, None, "oauth_denied", error), "dropbox")
    authorization = AuthorizationRequest(url="", code_verifier=flow.code_verifier,
                                         state=flow.state, scopes=(),
                                         redirect_uri=_callback_url(state, "dropbox"))
    actor = f"user:{who.email}"
    try:
        connection_id = connections.finish_dropbox_oauth_for(
            state.services, flow.slug, flow.dropbox_target(), authorization, code,
            actor=actor, reconnect=flow.reconnect)
    except FolderCheckFailed as exc:
        message = _text(request, f"dropbox_check_{exc.reason}").format(folder=exc.folder or "/")
        return _finished(render(request, "error.html", None, status_code=400, code=400,
                                detail=message), "dropbox")
    except DropboxError as exc:
        return _finished(_refused(request, None, "oauth_exchange_failed", str(exc)), "dropbox")
    return _finished(_after_connect(state, flow, connection_id, actor), "dropbox")


@router.get("/oauth/qonto/callback", response_model=None)
def qonto_callback(request: Request, state: StateDep, who: LoggedInDep) -> Response:
    flow = _pending(request, who, "qonto")
    if flow is None:
        return _finished(_refused(request, None, "oauth_bad_state"), "qonto")
    code = request.query_params.get("code")
    if not code:
        error = request.query_params.get("error_description") or request.query_params.get(
            "error", "")
        return _finished(_refused(request, None, "oauth_denied", error), "qonto")
    actor = f"user:{who.email}"
    base_url = state.services.settings.qonto.base_url
    try:
        connection_id = connections.finish_qonto_oauth_for(
            state.services, flow.slug, code, redirect_uri=_callback_url(state, "qonto"),
            name=flow.name, actor=actor, emulator=_is_loopback(base_url))
    except (QontoError, ValueError) as exc:
        return _finished(_refused(request, None, "oauth_exchange_failed", str(exc)), "qonto")
    return _finished(_after_connect(state, flow, connection_id, actor), "qonto")


# --- API key and disconnect -----------------------------------------------------------------


@router.post("/w/{slug}/connections/qonto/api-key", response_model=None)
def qonto_api_key(request: Request, state: StateDep, who: OwnerDep,
                  api_key: Annotated[str, Form()], name: Annotated[str, Form()] = "qonto"
                  ) -> Response:
    base_url = state.services.settings.qonto.base_url
    try:
        connection_id = connections.connect_qonto_api_key(
            state.services, api_key, base_url=base_url, name=name.strip() or "qonto",
            emulator=_is_loopback(base_url), slug=who.workspace.slug, actor=who.actor)
    except (QontoError, ValueError) as exc:
        return _refused(request, who, "api_key_refused", str(exc))
    connections.retry_blocked_documents(state.services, who.workspace.slug, connection_id,
                                        actor=who.actor)
    return see_other(flash_url(f"{who.base}/status", "connected"))


@router.post("/w/{slug}/connections/{name}/disconnect", response_model=None)
def disconnect(request: Request, state: StateDep, who: OwnerDep, name: str) -> Response:
    if not connections.disconnect(state.services, name, slug=who.workspace.slug,
                                  actor=who.actor):
        return _refused(request, who, "oauth_no_connection", status_code=404)
    return see_other(flash_url(f"{who.base}/settings", "disconnected"))
