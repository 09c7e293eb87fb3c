"""The emulated OAuth 2.0 server: consent page, authorization codes, token endpoint."""

from __future__ import annotations

import base64
import html
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from liasse.emulators.qonto import auth
from liasse.emulators.qonto.auth import OAuthError
from liasse.emulators.qonto.context import Emulator
from liasse.emulators.qonto.state import OAuthClient

CONSENT_PAGE = """<!doctype html><html><head><title>Qonto emulator - authorize</title></head>
<body><h1>Allow {client} to access your Qonto account?</h1><p>Scopes: {scopes}</p>
<form method="post" action="/oauth2/auth">{hidden}
<button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button></form></body></html>"""


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def _redirect_allowed(client: OAuthClient, redirect_uri: str) -> bool:
    # An entry ending in "*" is a prefix: handy for loopback ports chosen at run time.
    return any(redirect_uri == allowed or (allowed.endswith("*")
                                           and redirect_uri.startswith(allowed[:-1]))
               for allowed in client.redirect_uris)


def _redirect(redirect_uri: str, **params: str) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


async def authorize(request: Request) -> Response:
    emu = _emulator(request)
    params = dict(await request.form()) if request.method == "POST" else dict(
        request.query_params)
    client = emu.state.oauth_clients.get(str(params.get("client_id", "")))
    redirect_uri = str(params.get("redirect_uri", ""))
    if client is None or not _redirect_allowed(client, redirect_uri):
        return HTMLResponse("<h1>Unknown client or redirect_uri</h1>", status_code=400)
    state = str(params.get("state", ""))
    scopes = str(params.get("scope", "")).split()
    if params.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=state)
    if not set(scopes) <= auth.ALL_SCOPES:
        return _redirect(redirect_uri, error="invalid_scope", state=state)
    if request.method == "GET" and not emu.config.oauth_auto_approve:
        hidden = "".join(f'<input type="hidden" name="{html.escape(str(k))}" '
                         f'value="{html.escape(str(v))}">' for k, v in params.items())
        return HTMLResponse(CONSENT_PAGE.format(client=html.escape(client.client_id),
                                                scopes=html.escape(" ".join(scopes)),
                                                hidden=hidden))
    if request.method == "POST" and params.get("decision") != "approve":
        return _redirect(redirect_uri, error="access_denied", state=state)
    code = auth.issue_code(emu.state, client, redirect_uri, scopes, emu.now())
    emu.save()
    return _redirect(redirect_uri, code=code, state=state)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode()
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret")


async def token(request: Request) -> Response:
    emu = _emulator(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        client = auth.check_client(emu.state, *_client_credentials(request, form))
        grant = form.get("grant_type")
        if grant == "authorization_code":
            body = auth.exchange_code(emu.state, emu.config, client, form.get("code", ""),
                                      form.get("redirect_uri", ""), emu.now())
        elif grant == "refresh_token":
            body = auth.refresh(emu.state, emu.config, client, form.get("refresh_token", ""),
                                emu.now())
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")
    except OAuthError as error:
        return JSONResponse({"error": error.error, "error_description": error.description},
                            status_code=error.status)
    auth.forget_expired(emu.state, emu.now())
    emu.save()
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
