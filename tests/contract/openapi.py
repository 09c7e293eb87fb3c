"""Hold HTTP traffic to Qonto's own OpenAPI file (`shared/reference/qonto-openapi-v2.yml`).

`SpecValidatingTransport` wraps any httpx transport: every response (and, for client
tests, every request) on a Qonto API path is validated with openapi-core; a violation
raises `SpecViolation` (an AssertionError) inside the test and is kept in `violations`.

The file is loaded once per session with spec validation off (it is not strictly valid,
QONTO.md). Where the file and Qonto's observed behaviour differ, both are accepted; each
such place is a `patch_*` below or a branch in `_check_response`, with the reason.
"""

from __future__ import annotations

import copy
import email
import email.policy
import functools
import json
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = (Path(__file__).resolve().parents[2].parent / "shared" / "reference"
             / "qonto-openapi-v2.yml")
SERVER = "https://thirdparty.qonto.com"
# Not part of Qonto's API file: the OAuth server, the signed download links, emulator control.
UNSPECIFIED_PREFIXES = ("/oauth2/", "/_files/", "/_emulator/")
BULK_PATH = "/v2/supplier_invoices/bulk"

# Qonto answers 429 and 5xx on every route, 401/403 on every authenticated one, and some
# undocumented 404/422s (QONTO.md); where the file does not list them for a route, they are
# held to the error shape QONTO.md describes.
GENERIC_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["errors"],
    "properties": {"errors": {"type": "array", "items": {
        "type": "object", "required": ["code"],
        "properties": {"code": {"type": "string"}, "detail": {"type": "string"},
                       "message": {"type": "string"}}}}},
}
# Statuses QONTO.md lists beyond the file's five (a rejected invoice is "rejected").
EXTRA_INVOICE_STATUSES = ["rejected", "archived", "to_approve", "awaiting_payment"]


class SpecViolation(AssertionError):
    """A request or response that Qonto's OpenAPI file does not allow."""


def spec_available() -> bool:
    return SPEC_PATH.exists()


def require_spec() -> None:
    if not spec_available():
        pytest.skip(f"Qonto's OpenAPI file is not at {SPEC_PATH}")


@functools.cache
def spec_dict() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as stream:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C one is 10x faster
        raw: dict[str, Any] = yaml.load(stream, Loader=loader)  # noqa: S506 - a safe loader
    return patched(raw)


@functools.cache
def qonto_openapi() -> OpenAPI:
    """The patched spec, loaded once per test session (it is ~11,000 lines)."""
    return OpenAPI.from_dict(spec_dict(), config=Config(spec_validator_cls=None))


def patched(raw: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(raw)
    patch_duplicate_path_parameter(spec)
    patch_invoice_statuses(spec)
    patch_invoice_routes_missing_from_file(spec)
    return spec


def patch_duplicate_path_parameter(spec: dict[str, Any]) -> None:
    # The file names both parameters of this path `id`, which no router can match; Qonto's
    # docs call the second one the attachment id.
    paths = spec["paths"]
    item = paths.pop("/v2/transactions/{id}/attachments/{id}")
    for operation in (v for v in item.values() if isinstance(v, dict)):
        params = operation.get("parameters", [])
        path_params = [p for p in params if isinstance(p, dict) and p.get("in") == "path"]
        if len(path_params) == 2:
            path_params[1]["name"] = "attachment_id"
    paths["/v2/transactions/{id}/attachments/{attachment_id}"] = item


def patch_invoice_statuses(spec: dict[str, Any]) -> None:
    status = spec["components"]["schemas"]["SupplierInvoice"]["properties"]["status"]
    status["enum"] = [*status["enum"], *EXTRA_INVOICE_STATUSES]
    for parameter in spec["paths"]["/v2/supplier_invoices"]["get"]["parameters"]:
        if isinstance(parameter, dict) and parameter.get("name") == "filter[status]":
            parameter["schema"]["enum"] = [*parameter["schema"]["enum"],
                                           *EXTRA_INVOICE_STATUSES]


def patch_invoice_routes_missing_from_file(spec: dict[str, Any]) -> None:
    # QONTO.md lists these routes; the file omits them. Their answers reuse the file's
    # SupplierInvoice schema so that they are still checked field by field.
    one = {"type": "object", "required": ["supplier_invoice"],
           "properties": {"supplier_invoice": {"$ref": "#/components/schemas/SupplierInvoice"}}}
    ok = {"description": "a supplier invoice",
          "content": {"application/json": {"schema": one}}}
    path_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    spec["paths"]["/v2/supplier_invoices/{id}"] = {
        "get": {"parameters": path_param, "responses": {"200": ok}}}
    for action in ("mark_as_paid", "unmark_as_paid", "reject"):
        spec["paths"][f"/v2/supplier_invoices/{{id}}/{action}"] = {
            "post": {"parameters": path_param, "responses": {"200": ok}}}


# --- httpx adapters --------------------------------------------------------------------------


class _Request:
    """An httpx request seen through openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query), header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    host_url = SERVER  # whatever base URL the test used, it stands for Qonto's server

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.read() or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "").lower()


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content
        self.content_type = response.headers.get("content-type", "").lower()
        self.headers = Headers(list(response.headers.items()))


class SpecValidatingTransport(httpx.BaseTransport):
    """Validate each exchange on a Qonto API path against the OpenAPI file."""

    def __init__(self, inner: httpx.BaseTransport, *, check_requests: bool) -> None:
        self._inner = inner
        self._check_requests = check_requests
        self.violations: list[str] = []
        self.checked_responses = 0
        self.checked_requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        in_spec = not request.url.path.startswith(UNSPECIFIED_PREFIXES)
        if in_spec and self._check_requests:
            self._guard(lambda: _check_request(request), request, "request")
            self.checked_requests += 1
        response = self._inner.handle_request(request)
        response.read()
        if in_spec:
            self._guard(lambda: _check_response(request, response), request, "response")
            self.checked_responses += 1
        return response

    def _guard(self, check: Any, request: httpx.Request, what: str) -> None:
        try:
            check()
        except Exception as error:  # any validation failure is a violation to report
            message = f"{what} of {request.method} {request.url.path}: {_describe(error)}"
            self.violations.append(message)
            raise SpecViolation(message) from error


def _describe(error: BaseException) -> str:
    parts = [f"{type(error).__name__}: {error}"]
    cause = error.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        details = getattr(cause, "schema_errors", None)
        if details:
            parts.extend(str(d.message) for d in details)
        cause = cause.__cause__
    return " | ".join(parts)


def _check_request(request: httpx.Request) -> None:
    with warnings.catch_warnings():
        # openapi-core cannot check OAuth2 security schemes and says so on every call; the
        # emulator tests check authentication and scopes themselves.
        warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
        qonto_openapi().validate_request(_Request(request))
    if request.url.path == BULK_PATH and request.method == "POST":
        _check_bulk_body(request)


def _check_response(request: httpx.Request, response: httpx.Response) -> None:
    try:
        qonto_openapi().validate_response(_Request(request), _Response(response))
    except ResponseNotFound:
        if response.status_code not in (401, 403, 404, 422, 429) and response.status_code < 500:
            raise
        OAS30Validator(GENERIC_ERROR_SCHEMA).validate(response.json())
    except PathNotFound as error:
        raise SpecViolation(f"{request.url.path} is in neither the file nor QONTO.md") from error


def _check_bulk_body(request: httpx.Request) -> None:
    """The bulk body as Qonto reads it: `supplier_invoices[][file]` / `[idempotency_key]`
    pairs in order (Rails form encoding, which openapi-core does not fold into the
    file's `supplier_invoices` array), checked against the file's schema."""
    fields = _multipart_fields(request)
    files = [value for name, value in fields if name == "supplier_invoices[][file]"]
    keys = [value for name, value in fields if name == "supplier_invoices[][idempotency_key]"]
    if len(files) != len(keys):
        raise SpecViolation(f"{len(files)} files for {len(keys)} idempotency keys")
    body: dict[str, Any] = {"supplier_invoices": [
        {"file": "<binary>", "idempotency_key": key} for key in keys]}
    meta = [value for name, value in fields if name == "meta"]
    if meta:
        json.loads(meta[0])  # `format: json`
        body["meta"] = meta[0]
    operation = spec_dict()["paths"][BULK_PATH]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    OAS30Validator(schema).validate(body)


def _multipart_fields(request: httpx.Request) -> list[tuple[str, str]]:
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.message_from_bytes(head + request.read(), policy=email.policy.HTTP)
    fields: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        text = "" if part.get_filename() else payload.decode("utf-8")
        fields.append((str(name), text))
    return fields


# --- harness shared by the Qonto emulator and client tests ----------------------------------


class FakeClock:
    """A settable UTC clock for the emulator and the client alike."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def validated_client(app: Any, *, check_requests: bool, timeout: float = 5.0,
                     base_url: str = SERVER) -> tuple[httpx.Client, SpecValidatingTransport]:
    """An httpx client on the in-process emulator with every exchange held to the file."""
    from liasse.emulators.qonto.inprocess import sync_transport

    require_spec()
    transport = SpecValidatingTransport(sync_transport(app), check_requests=check_requests)
    return httpx.Client(transport=transport, base_url=base_url, timeout=timeout), transport
