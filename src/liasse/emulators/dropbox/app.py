"""The Dropbox emulator as one ASGI app: API, content and notify routes, OAuth, admin.

Every route is `POST /2/<route>` on one port; the host name (api/content/notify) does not
matter, so the official SDK works once its `https://*.dropboxapi.com` URLs are rewritten
to this server. Per call: injected fault, authentication and scope, argument (JSON body
or `Dropbox-API-Arg` header), handler; answers follow the wire format in `wire.py`.
Admin routes under `/_admin/` (no auth: loopback only) let e2e runs inject faults.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from liasse.emulators.dropbox.oauth import oauth_routes
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.dropbox.tokens import AuthFailure
from liasse.emulators.dropbox.tree import WriteMode
from liasse.emulators.dropbox.wire import (
    BadInput,
    JsonObject,
    RouteError,
    body_json,
    error_summary,
    header_json,
    parse_timestamp,
    tagged,
)
from liasse.emulators.faults import FaultRule, FaultRuleError

JSON = "application/json"
RPC_CONTENT_TYPES = ("application/json", "text/plain; charset=dropbox-cors-hack")
UPLOAD_CONTENT_TYPES = ("application/octet-stream", "text/plain; charset=dropbox-cors-hack")
DEFAULT_RETRY_AFTER = 1  # seconds, for an injected rate limit that names no wait


@dataclass(frozen=True)
class Call:
    route: str
    state: DropboxState
    arg: JsonObject
    body: bytes


Handler = Callable[[Call], Awaitable[Response]]


@dataclass(frozen=True)
class RouteSpec:
    style: str  # "rpc" | "upload" | "download"
    scope: str | None
    needs_auth: bool
    handler: Handler


# --- responses ----------------------------------------------------------------------


def request_id() -> str:
    return secrets.token_hex(16)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    merged = {"X-Dropbox-Request-Id": request_id(), **(headers or {})}
    return Response(body_json(value), status_code=status, media_type=JSON, headers=merged)


def text_response(message: str, status: int) -> Response:
    return Response(message, status_code=status, media_type="text/plain",
                    headers={"X-Dropbox-Request-Id": request_id()})


def auth_error_response(error: JsonObject) -> Response:
    return json_response({"error_summary": error_summary(error), "error": error}, 401)


def rate_limited_response(retry_after: int, reason: str = "too_many_requests") -> Response:
    error = {"reason": tagged(reason), "retry_after": retry_after}
    return json_response({"error_summary": f"{reason}/..", "error": error}, 429,
                         {"Retry-After": str(retry_after)})


# --- argument parsing ---------------------------------------------------------------


def bad_arg(route: str, message: str) -> BadInput:
    return BadInput(f"Error in call to API function \"{route}\": request body: {message}")


def get_str(call: Call, name: str, default: str | None = None) -> str:
    value = call.arg.get(name, default)
    if not isinstance(value, str):
        raise bad_arg(call.route, f"{name}: expected string, got {type(value).__name__}"
                      if name in call.arg else f"missing required field '{name}'")
    return value


def get_bool(call: Call, name: str, default: bool = False) -> bool:
    value = call.arg.get(name, default)
    if not isinstance(value, bool):
        raise bad_arg(call.route, f"{name}: expected boolean")
    return value


def get_int(call: Call, name: str, default: int, low: int, high: int) -> int:
    value = call.arg.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad_arg(call.route, f"{name}: expected an integer between {low} and {high}")
    return value


def get_write_mode(call: Call) -> WriteMode:
    value = call.arg.get("mode", "add")
    tag = value.get(".tag") if isinstance(value, dict) else value
    if tag in ("add", "overwrite"):
        return WriteMode(tag)
    if tag == "update" and isinstance(value, dict) and isinstance(value.get("update"), str):
        return WriteMode("update", value["update"])
    raise bad_arg(call.route, f"mode: unknown write mode {value!r}")


# --- route handlers -----------------------------------------------------------------


def list_result(page: Any) -> JsonObject:
    return {"entries": page.entries, "cursor": page.cursor, "has_more": page.has_more}


async def list_folder(call: Call) -> Response:
    limit = get_int(call, "limit", 2000, 1, 2000)
    page = call.state.tree.list_folder(get_str(call, "path"), get_bool(call, "recursive"),
                                       get_bool(call, "include_deleted"), limit)
    return json_response(list_result(page))


async def list_folder_continue(call: Call) -> Response:
    return json_response(list_result(call.state.tree.list_continue(get_str(call, "cursor"))))


async def get_latest_cursor(call: Call) -> Response:
    cursor = call.state.tree.latest_cursor(get_str(call, "path"), get_bool(call, "recursive"),
                                           get_bool(call, "include_deleted"))
    return json_response({"cursor": cursor})


async def longpoll(call: Call) -> Response:
    timeout = get_int(call, "timeout", 30, 30, 480)
    config = call.state.config
    wait = min(timeout, config.longpoll_max_wait) if config.longpoll_max_wait else timeout
    changes = await anyio.to_thread.run_sync(
        call.state.tree.wait_for_change, get_str(call, "cursor"), wait, abandon_on_cancel=True
    )
    result: JsonObject = {"changes": changes}
    if config.longpoll_backoff is not None:
        result["backoff"] = config.longpoll_backoff
    return json_response(result)


async def download(call: Call) -> Response:
    metadata, data = call.state.tree.download(get_str(call, "path"))
    headers = {"Dropbox-API-Result": header_json(metadata), "X-Dropbox-Request-Id": request_id()}
    return Response(data, media_type="application/octet-stream", headers=headers)


async def upload(call: Call) -> Response:
    client_modified = call.arg.get("client_modified")
    expected_hash = call.arg.get("content_hash")
    metadata = call.state.tree.upload(
        get_str(call, "path"),
        call.body,
        get_write_mode(call),
        autorename=get_bool(call, "autorename"),
        strict_conflict=get_bool(call, "strict_conflict"),
        client_modified=parse_timestamp(client_modified) if client_modified else None,
        expected_hash=expected_hash if isinstance(expected_hash, str) else None,
    )
    return json_response(metadata)


async def create_folder(call: Call) -> Response:
    metadata = call.state.tree.create_folder(get_str(call, "path"), get_bool(call, "autorename"))
    return json_response({"metadata": metadata})


async def get_metadata(call: Call) -> Response:
    return json_response(call.state.tree.get_metadata(get_str(call, "path"),
                                                      get_bool(call, "include_deleted")))


async def move(call: Call) -> Response:
    metadata = call.state.tree.move(get_str(call, "from_path"), get_str(call, "to_path"),
                                    get_bool(call, "autorename"))
    return json_response({"metadata": metadata})


async def delete(call: Call) -> Response:
    return json_response({"metadata": call.state.tree.delete(get_str(call, "path"))})


async def revoke(call: Call) -> Response:
    return json_response(None)  # the revocation itself happens in `authenticate`


READ_META, READ_CONTENT, WRITE = "files.metadata.read", "files.content.read", "files.content.write"
ROUTES: dict[str, RouteSpec] = {
    "files/list_folder": RouteSpec("rpc", READ_META, True, list_folder),
    "files/list_folder/continue": RouteSpec("rpc", READ_META, True, list_folder_continue),
    "files/list_folder/get_latest_cursor": RouteSpec("rpc", READ_META, True, get_latest_cursor),
    "files/list_folder/longpoll": RouteSpec("rpc", None, False, longpoll),
    "files/download": RouteSpec("download", READ_CONTENT, True, download),
    "files/upload": RouteSpec("upload", WRITE, True, upload),
    "files/create_folder_v2": RouteSpec("rpc", WRITE, True, create_folder),
    "files/get_metadata": RouteSpec("rpc", READ_META, True, get_metadata),
    "files/move_v2": RouteSpec("rpc", WRITE, True, move),
    "files/delete_v2": RouteSpec("rpc", WRITE, True, delete),
    "auth/token/revoke": RouteSpec("rpc", None, True, revoke),
}


# --- the dispatcher -----------------------------------------------------------------


def bearer_token(request: Request, route: str) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise BadInput(f"Error in call to API function \"{route}\": Must provide HTTP header "
                       "\"Authorization\" or URL parameter \"authorization\".")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadInput(f"Error in call to API function \"{route}\": Invalid authorization "
                       "value in HTTP header \"Authorization\": expected "
                       "\"Bearer <oauth2-access-token>\".")
    return token.strip()


def authenticate(request: Request, route: str, spec: RouteSpec, state: DropboxState) -> None:
    if not spec.needs_auth:
        return
    token = bearer_token(request, route)
    with state.lock:
        state.tokens.check(token, spec.scope)
        if route == "auth/token/revoke":
            state.tokens.revoke(token)


async def read_arg(request: Request, route: str, spec: RouteSpec) -> tuple[JsonObject, bytes]:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if spec.style == "rpc":
        is_json = content_type.split(";")[0].strip() == JSON
        if body and not is_json and content_type not in RPC_CONTENT_TYPES:
            raise bad_content_type(route, content_type, RPC_CONTENT_TYPES)
        return decode_arg(route, body.decode("utf-8") if body else "null"), b""
    if spec.style == "upload" and content_type not in UPLOAD_CONTENT_TYPES:
        raise bad_content_type(route, content_type, UPLOAD_CONTENT_TYPES)
    header = request.headers.get("dropbox-api-arg") or request.query_params.get("arg")
    if header is None:
        raise BadInput(f"Error in call to API function \"{route}\": Must provide HTTP header "
                       "\"Dropbox-API-Arg\" or URL parameter \"arg\".")
    return decode_arg(route, header), body


def bad_content_type(route: str, got: str, expected: tuple[str, ...]) -> BadInput:
    choices = ", ".join(f'"{value}"' for value in expected)
    return BadInput(f"Error in call to API function \"{route}\": Bad HTTP \"Content-Type\" "
                    f"header: \"{got}\".  Expecting one of {choices}.")


def decode_arg(route: str, text: str) -> JsonObject:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BadInput(f"Error in call to API function \"{route}\": request body: "
                       "could not decode input as JSON") from exc
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadInput(f"Error in call to API function \"{route}\": request body: expected object")
    return value


async def apply_fault(rule: FaultRule, request: Request, state: DropboxState) -> Response | None:
    """A response standing in for the real one, or None to go on after the fault's effect."""
    if rule.kind == "delay":
        await asyncio.sleep(rule.seconds)
        return None
    if rule.kind == "rate_limit":
        wait = DEFAULT_RETRY_AFTER if rule.retry_after is None else rule.retry_after
        return rate_limited_response(wait)
    if rule.kind == "server_error":
        return text_response("Internal server error (injected fault)", rule.status)
    if rule.kind == "reset_cursor":
        error = tagged("reset")
        return json_response({"error_summary": error_summary(error), "error": error}, 409)
    token = request.headers.get("authorization", "").partition(" ")[2].strip()
    with state.lock:
        state.tokens.expire(token)  # "expire_token": this caller's token is now stale
    return None


def api_endpoint(state: DropboxState) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        route = request.path_params["route"].strip("/")
        spec = ROUTES.get(route)
        if spec is None:
            return text_response(f"Unknown API function: \"{route}\"", 404)
        fault = state.faults.take(route)
        if fault is not None:
            injected = await apply_fault(fault, request, state)
            if injected is not None:
                return injected
        try:
            authenticate(request, route, spec, state)
            arg, body = await read_arg(request, route, spec)
            return await spec.handler(Call(route, state, arg, body))
        except AuthFailure as failure:
            return auth_error_response(failure.error)
        except RouteError as error:
            return json_response(error.body(), 409)
        except BadInput as bad:
            return text_response(str(bad), 400)

    return endpoint


# --- admin (fault injection for served emulators) ------------------------------------


def admin_routes(state: DropboxState) -> list[Route]:
    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            state.faults.clear()
        elif request.method == "POST":
            try:
                state.faults.add(state.faults.parse(json.loads(await request.body())))
            except (ValueError, FaultRuleError) as exc:
                return text_response(str(exc), 400)
        return json_response([rule.as_dict() for rule in state.faults.rules()])

    async def compact(request: Request) -> Response:
        state.tree.compact_journal()
        return json_response(None)

    async def expire_tokens(request: Request) -> Response:
        with state.lock:
            state.tokens.expire_all()
        return json_response(None)

    return [
        Route("/_admin/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_admin/journal/compact", compact, methods=["POST"]),
        Route("/_admin/tokens/expire", expire_tokens, methods=["POST"]),
    ]


def create_app(state: DropboxState) -> Starlette:
    """The emulator for `state`, ready for `httpx`'s ASGI transport or for uvicorn."""
    routes = [
        Route("/2/{route:path}", api_endpoint(state), methods=["POST"]),
        *oauth_routes(state),
        *admin_routes(state),
    ]
    return Starlette(routes=routes)
