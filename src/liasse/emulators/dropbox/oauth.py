"""The emulator's OAuth 2.0 pages: the authorize page and the token endpoint.

`GET /oauth2/authorize` shows an "Allow" form (or approves at once when the emulator runs
with auto-approve) and then redirects to `redirect_uri` with `code` and `state`, or, with
no redirect URI, shows the code for the user to paste, as Dropbox's no-redirect flow does.
`POST /oauth2/token` exchanges a code (checking the PKCE verifier) or a refresh token.
"""

from __future__ import annotations

import base64
import html
import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from liasse.emulators.dropbox.tokens import OAuthFailure

if TYPE_CHECKING:
    from liasse.emulators.dropbox.state import DropboxState

AUTHORIZE_PARAMS = (
    "response_type", "client_id", "redirect_uri", "state", "token_access_type",
    "code_challenge", "code_challenge_method", "scope",
)
CODE_PAGE = """<!doctype html><html><head><title>Dropbox emulator</title></head><body>
<h1>Access granted</h1><p>Enter this code into the app:</p>
<code id="authorization-code">{code}</code></body></html>"""
ALLOW_PAGE = """<!doctype html><html><head><title>Dropbox emulator</title></head><body>
<h1>{client} would like to access the files in your Dropbox</h1>
<p>Permissions: {scopes}</p>
<form method="post" action="/oauth2/authorize">{hidden}
<button name="decision" value="allow" id="allow">Allow</button>
<button name="decision" value="deny" id="deny">Cancel</button></form></body></html>"""


def oauth_json(value: object, status: int = 200) -> Response:
    return Response(json.dumps(value), status_code=status, media_type="application/json")


def oauth_error(failure: OAuthFailure) -> Response:
    return oauth_json({"error": failure.error, "error_description": failure.description}, 400)


def authorize_params(pairs: dict[str, str]) -> dict[str, str]:
    params = {name: pairs[name] for name in AUTHORIZE_PARAMS if pairs.get(name)}
    if params.get("response_type") != "code":
        raise OAuthFailure("unsupported_response_type", "response_type must be 'code'")
    if "client_id" not in params:
        raise OAuthFailure("invalid_request", "client_id is required")
    method = params.get("code_challenge_method", "plain")
    if "code_challenge" in params and method not in ("S256", "plain"):
        raise OAuthFailure("invalid_request", "code_challenge_method must be S256 or plain")
    return params


def grant_code(state: DropboxState, params: dict[str, str]) -> Response:
    scope = params.get("scope")
    with state.lock:
        code = state.tokens.authorize(
            app_key=params["client_id"],
            scopes=scope.split() if scope else None,
            challenge=params.get("code_challenge"),
            challenge_method=params.get("code_challenge_method", "plain"),
            redirect_uri=params.get("redirect_uri"),
            offline=params.get("token_access_type") == "offline",
        )
    return answer(params, {"code": code})


def answer(params: dict[str, str], result: dict[str, str]) -> Response:
    redirect_uri = params.get("redirect_uri")
    if redirect_uri is None:
        if "code" not in result:
            return HTMLResponse("<h1>Access denied</h1>", 403)
        return HTMLResponse(CODE_PAGE.format(code=html.escape(result["code"])))
    if "state" in params:
        result = {**result, "state": params["state"]}
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(result), status_code=302)


def allow_page(params: dict[str, str]) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in params.items()
    )
    return HTMLResponse(ALLOW_PAGE.format(
        client=html.escape(params["client_id"]),
        scopes=html.escape(params.get("scope", "all of this app's permissions")),
        hidden=hidden,
    ))


def client_credentials(request: Request, form: dict[str, str]) -> str:
    """The app key, from the form or from HTTP Basic (app key and secret)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        decoded = base64.b64decode(header[6:]).decode("utf-8", "replace")
        return decoded.partition(":")[0]
    client_id = form.get("client_id")
    if not client_id:
        raise OAuthFailure("invalid_client", "client_id is required")
    return client_id


def oauth_routes(state: DropboxState) -> list[Route]:
    async def authorize_get(request: Request) -> Response:
        try:
            params = authorize_params(dict(request.query_params))
        except OAuthFailure as failure:
            return HTMLResponse(f"<h1>Invalid request</h1><p>{html.escape(str(failure))}</p>", 400)
        if state.config.auto_approve:
            return grant_code(state, params)
        return allow_page(params)

    async def authorize_post(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8")))
        try:
            params = authorize_params(form)
        except OAuthFailure as failure:
            return HTMLResponse(f"<h1>Invalid request</h1><p>{html.escape(str(failure))}</p>", 400)
        if form.get("decision") != "allow":
            return answer(params, {"error": "access_denied"})
        return grant_code(state, params)

    async def token(request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8")))
        try:
            app_key = client_credentials(request, form)
            with state.lock:
                return oauth_json(exchange(state, form, app_key))
        except OAuthFailure as failure:
            return oauth_error(failure)

    return [
        Route("/oauth2/authorize", authorize_get, methods=["GET"]),
        Route("/oauth2/authorize", authorize_post, methods=["POST"]),
        Route("/oauth2/token", token, methods=["POST"]),
    ]


def exchange(state: DropboxState, form: dict[str, str], app_key: str) -> dict[str, object]:
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        return state.tokens.redeem(form.get("code", ""), app_key, form.get("code_verifier"),
                                   form.get("redirect_uri"))
    if grant_type == "refresh_token":
        scope = form.get("scope")
        return state.tokens.refresh_access(form.get("refresh_token", ""), app_key,
                                           scope.split() if scope else None)
    raise OAuthFailure("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")
