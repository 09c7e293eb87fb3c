"""Emulated routes for the organization, its transactions and their attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams, UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from liasse.emulators.qonto.auth import Caller
from liasse.emulators.qonto.context import (
    Emulator,
    empty_response,
    json_response,
    sniff_content_type,
)
from liasse.emulators.qonto.state import BankAccount, Transaction
from liasse.emulators.qonto.wire import (
    ALLOWED_CONTENT_TYPES,
    MESSAGES,
    attachment_json,
    error_body,
    message_error_body,
    organization_json,
    pagination,
    transaction_json,
)

STATUSES = {"pending", "declined", "completed"}
SORT_FIELDS = {"settled_at", "updated_at", "emitted_at"}
RANGE_FILTERS = ("settled_at", "updated_at", "emitted_at")
MAX_PER_PAGE = 100


class QueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


async def get_organization(request: Request, emu: Emulator, caller: Caller) -> Response:
    return json_response(organization_json(emu.state.organization))


def _not_found_text() -> Response:
    # Qonto answers an unknown transaction with a text body of one space (see QONTO.md).
    return PlainTextResponse(" ", status_code=404)


def _not_found_json(what: str) -> Response:
    return json_response(error_body("not_found", MESSAGES["not_found"].format(what=what),
                                    parameter="id"), 404)


async def list_transactions(request: Request, emu: Emulator, caller: Caller) -> Response:
    query = request.query_params
    if not query.get("bank_account_id") and not query.get("iban"):
        return json_response(error_body("missing", MESSAGES["missing_account"]), 422)
    account = _account_of(emu, query)
    if account is None:
        return _not_found_text()
    try:
        selected = _select_transactions(emu, account, query)
        page, per_page = _paging(query, default_per_page=MAX_PER_PAGE)
    except QueryError as error:
        return json_response(message_error_body((error.code, error.message)), 400)
    includes = set(query.getlist("includes[]"))
    window = selected[(page - 1) * per_page: page * per_page]
    base = str(request.base_url)
    return json_response({
        "transactions": [_render(emu, t, includes, base) for t in window],
        "meta": pagination(page, per_page, len(selected)),
    })


async def get_transaction(request: Request, emu: Emulator, caller: Caller) -> Response:
    transaction = emu.state.transactions.get(request.path_params["id"])
    if transaction is None:
        return _not_found_text()
    includes = set(request.query_params.getlist("includes[]"))
    return json_response({"transaction": _render(emu, transaction, includes,
                                                 str(request.base_url))})


def _render(emu: Emulator, transaction: Transaction, includes: set[str],
            base_url: str) -> dict[str, Any]:
    visible = _visible_attachment_ids(emu, transaction)
    attachments = [attachment_json(emu.state.attachments[i], emu.signed_url(base_url, i))
                   for i in visible] if "attachments" in includes else []
    body = transaction_json(transaction, includes, attachments)
    body["attachment_ids"] = visible
    return body


def _visible_attachment_ids(emu: Emulator, transaction: Transaction) -> list[str]:
    now = emu.now()
    return [i for i in transaction.attachment_ids
            if i in emu.state.attachments and emu.state.attachments[i].visible_from <= now]


def _account_of(emu: Emulator, query: QueryParams) -> BankAccount | None:
    if query.get("bank_account_id"):
        return emu.state.account(query["bank_account_id"])
    return emu.state.account_by_iban(query["iban"])


def _select_transactions(emu: Emulator, account: BankAccount,
                         query: QueryParams) -> list[Transaction]:
    statuses = query.getlist("status[]") or ["completed"]  # Qonto's default: completed only
    if not set(statuses) <= STATUSES:
        raise QueryError("status_invalid", MESSAGES["status_invalid"])
    side = query.get("side")
    if side not in (None, "credit", "debit"):
        raise QueryError("side_invalid", MESSAGES["side_invalid"])
    operation_types = set(query.getlist("operation_type[]"))
    with_attachments = query.get("with_attachments")
    ranges = {name: _range(query, name) for name in RANGE_FILTERS}
    selected = [
        t for t in emu.state.transactions.values()
        if t.bank_account_id == account.id and t.status in statuses
        and (side is None or t.side == side)
        and (not operation_types or t.operation_type in operation_types)
        and _matches_attachments(emu, t, with_attachments)
        and all(_within(getattr(t, name), bounds) for name, bounds in ranges.items())
    ]
    field, descending = _sort(query.get("sort_by"))
    return sorted(selected, key=lambda t: (_sort_value(t, field), t.id), reverse=descending)


def _matches_attachments(emu: Emulator, transaction: Transaction, wanted: str | None) -> bool:
    if wanted is None:
        return True
    return bool(_visible_attachment_ids(emu, transaction)) == (wanted == "true")


def _sort_value(transaction: Transaction, field: str) -> datetime:
    value: datetime | None = getattr(transaction, field)
    return value or transaction.emitted_at  # pending ones have no settled_at yet


def _sort(raw: str | None) -> tuple[str, bool]:
    field, _, order = (raw or "settled_at:desc").partition(":")
    order = order or "desc"
    if field not in SORT_FIELDS or order not in ("asc", "desc"):
        raise QueryError("sort_invalid", MESSAGES["sort_invalid"])
    return field, order == "desc"


def _range(query: QueryParams, name: str) -> tuple[datetime | None, datetime | None]:
    return _parse_time(query, f"{name}_from"), _parse_time(query, f"{name}_to")


def _parse_time(query: QueryParams, name: str) -> datetime | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError("date_invalid", MESSAGES["date_invalid"].format(name=name)) from exc
    if moment.tzinfo is None:
        raise QueryError("date_invalid", MESSAGES["date_invalid"].format(name=name))
    return moment


def _within(value: datetime | None, bounds: tuple[datetime | None, datetime | None]) -> bool:
    start, end = bounds
    if start is None and end is None:
        return True
    if value is None:
        return False
    return (start is None or value >= start) and (end is None or value <= end)


def _paging(query: QueryParams, *, default_per_page: int) -> tuple[int, int]:
    # `current_page` is accepted as an alias of `page`: some clients send it (QONTO.md).
    raw_page = query.get("page") or query.get("current_page") or "1"
    raw_per_page = query.get("per_page") or str(default_per_page)
    try:
        page, per_page = int(raw_page), int(raw_per_page)
    except ValueError as exc:
        raise QueryError("per_page_invalid", MESSAGES["per_page_invalid"]) from exc
    if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
        raise QueryError("per_page_invalid", MESSAGES["per_page_invalid"])
    return page, per_page


# --- attachments -------------------------------------------------------------------------


async def list_transaction_attachments(request: Request, emu: Emulator,
                                       caller: Caller) -> Response:
    transaction = emu.state.transactions.get(request.path_params["id"])
    if transaction is None:
        return _not_found_json("Transaction")
    base = str(request.base_url)
    return json_response({"attachments": [
        attachment_json(emu.state.attachments[i], emu.signed_url(base, i))
        for i in _visible_attachment_ids(emu, transaction)]})


async def upload_transaction_attachment(request: Request, emu: Emulator,
                                        caller: Caller) -> Response:
    transaction = emu.state.transactions.get(request.path_params["id"])
    if transaction is None:
        return _not_found_json("Transaction")
    key = request.headers.get("x-qonto-idempotency-key")
    if key and emu.replayed(f"transaction_attachment:{transaction.id}", key):
        return empty_response()
    upload = await _single_file(request)
    if isinstance(upload, Response):
        return upload
    file_name, content_type, content = upload
    limit = emu.config.max_attachments_per_transaction
    if len(transaction.attachment_ids) >= limit:
        return json_response(error_body("attachments_limit_reached",
                                        MESSAGES["too_many_attachments"].format(limit=limit),
                                        pointer="/file"), 400)
    attachment = emu.store_attachment(file_name, content_type, content,
                                      emu.config.attachment_processing_delay)
    transaction.attachment_ids.append(attachment.id)
    transaction.updated_at = emu.now()
    if key:
        emu.remember(f"transaction_attachment:{transaction.id}", key, attachment.id)
    emu.save()
    return empty_response()


async def upload_attachment(request: Request, emu: Emulator, caller: Caller) -> Response:
    key = request.headers.get("x-qonto-idempotency-key")
    earlier = emu.replayed("attachment", key) if key else None
    if earlier:
        return json_response({"attachment": {"id": earlier}})
    upload = await _single_file(request)
    if isinstance(upload, Response):
        return upload
    attachment = emu.store_attachment(*upload)
    if key:
        emu.remember("attachment", key, attachment.id)
    emu.save()
    return json_response({"attachment": {"id": attachment.id}})


async def _single_file(request: Request) -> tuple[str, str, bytes] | Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return json_response(error_body("missing_file", MESSAGES["missing_file"],
                                        pointer="/file"), 400)
    content = await upload.read()
    emu: Emulator = request.app.state.emulator
    if len(content) > emu.config.max_file_bytes:
        return json_response(error_body("file_too_big", MESSAGES["file_too_big"],
                                        pointer="/file"), 400)
    content_type = sniff_content_type(content)
    if content_type not in ALLOWED_CONTENT_TYPES:
        return json_response(error_body("invalid_file_type", MESSAGES["invalid_file_type"],
                                        pointer="/file"), 400)
    return upload.filename or "attachment", content_type, content


async def delete_transaction_attachments(request: Request, emu: Emulator,
                                         caller: Caller) -> Response:
    transaction = emu.state.transactions.get(request.path_params["id"])
    if transaction is None:
        return _not_found_json("Transaction")
    transaction.attachment_ids.clear()
    transaction.updated_at = emu.now()
    emu.save()
    return empty_response()


async def delete_transaction_attachment(request: Request, emu: Emulator,
                                        caller: Caller) -> Response:
    transaction = emu.state.transactions.get(request.path_params["id"])
    attachment_id = request.path_params["attachment_id"]
    if transaction is None:
        return _not_found_json("Transaction")
    if attachment_id not in transaction.attachment_ids:
        return _not_found_json("Attachment")
    transaction.attachment_ids.remove(attachment_id)
    transaction.updated_at = emu.now()
    emu.save()
    return empty_response()


async def get_attachment(request: Request, emu: Emulator, caller: Caller) -> Response:
    attachment = emu.state.attachments.get(request.path_params["id"])
    if attachment is None or attachment.visible_from > emu.now():
        return _not_found_json("Attachment")
    url = emu.signed_url(str(request.base_url), attachment.id)
    return json_response({"attachment": attachment_json(attachment, url)})


async def download_file(request: Request) -> Response:
    """The signed, expiring link an attachment's `url` points to (no Authorization)."""
    emu: Emulator = request.app.state.emulator
    attachment = emu.state.attachments.get(request.path_params["id"])
    try:
        expires = int(request.query_params.get("expires", "0"))
    except ValueError:
        expires = 0
    signature = request.query_params.get("signature", "")
    if (attachment is None or expires < emu.now().timestamp()
            or signature != emu.signature(attachment.id, expires)):
        return PlainTextResponse(MESSAGES["url_expired"], status_code=403)
    return Response(emu.store.files.get(attachment.sha256), media_type=attachment.content_type,
                    headers={"Content-Disposition":
                             f'attachment; filename="{attachment.file_name}"'})
