"""The Qonto emulator as an ASGI app: every route runs through the same gate.

The gate, in Qonto's order: rate limit (per client address) → sandbox staging token →
injected fault → authentication (API key or bearer token, 401) → OAuth scope (403) →
the route handler. Tests mount the app in-process (`inprocess.sync_transport`), the demo
and e2e runs serve it with uvicorn (`serve.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from liasse.emulators.qonto import banking, invoices, oauth_routes
from liasse.emulators.qonto.auth import Caller, authenticate
from liasse.emulators.qonto.context import Clock, Emulator, json_response
from liasse.emulators.qonto.faults import FaultPlan, FaultRule, FaultRuleError
from liasse.emulators.qonto.persistence import StateStore
from liasse.emulators.qonto.state import EmulatorConfig, OAuthClient, QontoState
from liasse.emulators.qonto.wire import MESSAGES, error_body

Handler = Callable[[Request, Emulator, Caller], Awaitable[Response]]

READ = "organization.read"
ATTACH = "attachment.write"
INVOICE_READ = "supplier_invoice.read"
INVOICE_WRITE = "supplier_invoice.write"

# (method, path, scope, handler); the path doubles as the fault-injection route name.
API_ROUTES: tuple[tuple[str, str, str, Handler], ...] = (
    ("GET", "/v2/organization", READ, banking.get_organization),
    ("GET", "/v2/transactions", READ, banking.list_transactions),
    ("GET", "/v2/transactions/{id}", READ, banking.get_transaction),
    ("GET", "/v2/transactions/{id}/attachments", READ, banking.list_transaction_attachments),
    ("POST", "/v2/transactions/{id}/attachments", ATTACH,
     banking.upload_transaction_attachment),
    ("DELETE", "/v2/transactions/{id}/attachments", ATTACH,
     banking.delete_transaction_attachments),
    ("DELETE", "/v2/transactions/{id}/attachments/{attachment_id}", ATTACH,
     banking.delete_transaction_attachment),
    ("POST", "/v2/attachments", ATTACH, banking.upload_attachment),
    ("GET", "/v2/attachments/{id}", READ, banking.get_attachment),
    ("POST", "/v2/supplier_invoices/bulk", INVOICE_WRITE, invoices.bulk_create),
    ("GET", "/v2/supplier_invoices", INVOICE_READ, invoices.list_invoices),
    ("GET", "/v2/supplier_invoices/{id}", INVOICE_READ, invoices.get_invoice),
    ("POST", "/v2/supplier_invoices/{id}/mark_as_paid", INVOICE_WRITE, invoices.mark_as_paid),
    ("POST", "/v2/supplier_invoices/{id}/unmark_as_paid", INVOICE_WRITE,
     invoices.unmark_as_paid),
    ("POST", "/v2/supplier_invoices/{id}/reject", INVOICE_WRITE, invoices.reject),
)


# What a server logs for a request its client abandoned (nginx's 499).
CLIENT_CLOSED_REQUEST = 499


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(state: QontoState, *, config: EmulatorConfig | None = None,
               clock: Clock = utc_now, faults: FaultPlan | None = None,
               store: StateStore | None = None) -> Starlette:
    """An ASGI app serving `state`; `app.state.emulator` gives tests the live `Emulator`."""
    emulator = Emulator(state=state, config=config or EmulatorConfig(), clock=clock,
                        faults=faults or FaultPlan(), store=store or StateStore(None))
    routes = [Route(path, _gated(method, path, scope, handler), methods=[method])
              for method, path, scope, handler in API_ROUTES]
    routes += [
        Route("/oauth2/auth", oauth_routes.authorize, methods=["GET", "POST"]),
        Route("/oauth2/token", oauth_routes.token, methods=["POST"]),
        Route("/_files/{id}", banking.download_file, methods=["GET"]),
        Route("/_emulator/faults", _set_faults, methods=["POST", "DELETE"]),
        Route("/_emulator/oauth_clients", _register_client, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.emulator = emulator
    return app


def _gated(method: str, path: str, scope: str, handler: Handler) -> Callable[
        [Request], Awaitable[Response]]:
    route_name = f"{method} {path}"

    async def endpoint(request: Request) -> Response:
        emu: Emulator = request.app.state.emulator
        refusal = _refuse_early(emu, request)
        if refusal is not None:
            return refusal
        fault = emu.faults.take(route_name)
        if fault is not None and fault.kind != "delay_after":
            faulty = await _apply_fault(fault)
            if faulty is not None:
                return faulty
        caller = authenticate(emu.state, request.headers.get("authorization"), emu.now())
        if caller is None:
            return json_response(error_body("unauthorized", MESSAGES["unauthorized"]), 401)
        if scope not in caller.scopes:
            return json_response(error_body(
                "forbidden", MESSAGES["missing_scope"].format(scope=scope)), 403)
        try:
            response = await handler(request, emu, caller)
        except ClientDisconnect:
            # The caller went away while sending its body (a worker killed mid-upload):
            # the handler read nothing and did nothing, and nobody waits for the answer.
            # A client's doing, not a server error: no traceback in the log.
            return Response(status_code=CLIENT_CLOSED_REQUEST)
        if fault is not None and fault.kind == "delay_after":
            await anyio.sleep(fault.seconds)  # done, but the answer comes too late
        return response

    return endpoint


def _refuse_early(emu: Emulator, request: Request) -> Response | None:
    client = request.client.host if request.client else "local"
    if not emu.limiter.allow(client, emu.now()):
        return json_response(error_body("too_many_requests", MESSAGES["rate_limited"]), 429)
    staging = emu.config.staging_token
    if staging is not None and request.headers.get("x-qonto-staging-token") != staging:
        # The real sandbox answers a login page, not JSON, when this header is missing.
        return HTMLResponse(MESSAGES["staging_login"])
    return None


async def _apply_fault(fault: FaultRule) -> Response | None:
    if fault.kind == "delay_before":
        await anyio.sleep(fault.seconds)
        return None
    if fault.kind == "unauthorized":
        return json_response(error_body("unauthorized", MESSAGES["invalid_credentials"]), 401)
    if fault.kind == "rate_limited":
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
        return json_response(error_body("too_many_requests", MESSAGES["rate_limited"]), 429,
                             headers)
    return json_response(error_body("internal_server_error", MESSAGES["server_error"]),
                         fault.status)


async def _set_faults(request: Request) -> Response:
    """Loopback control for e2e runs: POST {"rules": [...], "rejected_file_names": [...]}."""
    emu: Emulator = request.app.state.emulator
    emu.faults.clear()
    if request.method == "DELETE":
        return json_response({"rules": 0})
    body: dict[str, Any] = await request.json()
    try:
        for rule in body.get("rules", []):
            emu.faults.add(emu.faults.parse(rule))
    except FaultRuleError as error:
        return json_response(error_body("invalid", str(error)), 400)
    emu.faults.rejected_file_names.update(body.get("rejected_file_names", []))
    return json_response({"rules": len(emu.faults.rules())})


async def _register_client(request: Request) -> Response:
    emu: Emulator = request.app.state.emulator
    body: dict[str, Any] = await request.json()
    client = OAuthClient(str(body["client_id"]), str(body["client_secret"]),
                         [str(uri) for uri in body.get("redirect_uris", [])])
    emu.state.oauth_clients[client.client_id] = client
    emu.save()
    return json_response({"client_id": client.client_id})
