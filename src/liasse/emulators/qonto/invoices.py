"""Emulated supplier-invoice routes: bulk upload with per-item idempotency, listing, states.

The bulk upload always answers 200 with `supplier_invoices` and per-item `errors` (each
pointing at `/supplier_invoices/idempotency_key/<key>/file`); only a malformed request as a
whole (too large, too many items, a key or a file missing) is a 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from liasse.emulators.qonto.auth import Caller
from liasse.emulators.qonto.context import Emulator, json_response, sniff_content_type
from liasse.emulators.qonto.state import SupplierInvoice
from liasse.emulators.qonto.wire import (
    ALLOWED_CONTENT_TYPES,
    MESSAGES,
    OCR_FIELDS,
    error_body,
    pagination,
    supplier_invoice_json,
)

FILE_FIELD = "supplier_invoices[][file]"
KEY_FIELD = "supplier_invoices[][idempotency_key]"
ATTACHMENT_FIELD = "supplier_invoices[][attachment_id]"
SCOPE = "supplier_invoice"
INVOICE_SORT_FIELDS = {"created_at", "file_name", "supplier_name", "payment_date", "due_date",
                       "scheduled_date", "total_amount"}
# Qonto documents "default number of items per page is 1": clients must send per_page.
DEFAULT_INVOICES_PER_PAGE = 1
PAYABLE = {"to_review", "to_pay", "pending", "scheduled"}
REJECTABLE = {"to_review", "to_pay", "pending"}


@dataclass(frozen=True)
class BulkItem:
    key: str
    upload: UploadFile | None
    attachment_id: str | None


class BulkRequestError(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.body = body


async def bulk_create(request: Request, emu: Emulator, caller: Caller) -> Response:
    if int(request.headers.get("content-length") or 0) > emu.config.max_request_bytes:
        return json_response(error_body("bad_request", MESSAGES["request_too_large"]), 400)
    form = await request.form(max_files=1000, max_fields=1000)
    try:
        items = _bulk_items(form, emu.config.max_invoices_per_request)
    except BulkRequestError as error:
        return json_response(error.body, 400)
    meta = _meta_of(form.get("meta"))
    created: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        outcome = await _create_one(emu, item, meta)
        if isinstance(outcome, SupplierInvoice):
            created.append(supplier_invoice_json(outcome, emu.state.organization.id))
        else:
            errors.append(outcome)
    emu.forget_expired_keys()
    emu.save()
    return json_response({"supplier_invoices": created, "errors": errors})


def _bulk_items(form: FormData, limit: int) -> list[BulkItem]:
    """Pair the i-th file (or attachment id) with the i-th key, in the order sent."""
    keys = [str(v) for k, v in form.multi_items() if k == KEY_FIELD]
    sources: list[UploadFile | str] = [
        v if isinstance(v, UploadFile) else str(v) for k, v in form.multi_items()
        if k in (FILE_FIELD, ATTACHMENT_FIELD)
    ]
    if len(keys) < len(sources) or any(not key.strip() for key in keys):
        raise BulkRequestError(error_body("required", MESSAGES["key_required"],
                                          pointer="/idempotency_key"))
    if len(sources) < len(keys) or not sources:
        raise BulkRequestError(error_body("required", MESSAGES["file_required"],
                                          pointer="/file"))
    if len(sources) > limit:
        raise BulkRequestError(error_body("limit_reached",
                                          MESSAGES["limit_reached"].format(limit=limit),
                                          pointer="/supplier_invoices"))
    return [BulkItem(key, source if isinstance(source, UploadFile) else None,
                     source if isinstance(source, str) else None)
            for key, source in zip(keys, sources, strict=True)]


def _meta_of(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw.strip():
        return {}
    try:
        meta = json.loads(raw)
    except ValueError:
        return {}
    return meta if isinstance(meta, dict) else {}


def _item_error(key: str, code: str, detail: str) -> dict[str, Any]:
    return {"code": code, "detail": detail,
            "source": {"pointer": f"/supplier_invoices/idempotency_key/{key}/file"}}


async def _create_one(emu: Emulator, item: BulkItem,
                      meta: dict[str, Any]) -> SupplierInvoice | dict[str, Any]:
    earlier = emu.replayed(SCOPE, item.key)
    if earlier and earlier in emu.state.supplier_invoices:
        return emu.state.supplier_invoices[earlier]  # the first answer, replayed
    attachment = await _attachment_for(emu, item)
    if isinstance(attachment, dict):
        return attachment
    now = emu.now()
    invoice = SupplierInvoice(
        id=emu.new_id(), attachment_id=attachment[0], file_name=attachment[1],
        status="to_review", created_at=now, updated_at=now, idempotency_key=item.key,
        meta=meta, ocr_hint=_ocr_hint(meta, item.key),
    )
    emu.state.supplier_invoices[invoice.id] = invoice
    emu.remember(SCOPE, item.key, invoice.id)
    return invoice


async def _attachment_for(emu: Emulator, item: BulkItem) -> tuple[str, str] | dict[str, Any]:
    if item.attachment_id is not None:
        known = emu.state.attachments.get(item.attachment_id)
        if known is None:
            return _item_error(item.key, "not_found",
                               MESSAGES["not_found"].format(what="Attachment"))
        return known.id, known.file_name
    assert item.upload is not None
    name = item.upload.filename or "invoice"
    if name in emu.faults.rejected_file_names:
        return _item_error(item.key, "invalid", MESSAGES["file_rejected"])
    content = await item.upload.read()
    content_type = sniff_content_type(content)
    if len(content) > emu.config.max_file_bytes or content_type not in ALLOWED_CONTENT_TYPES:
        return _item_error(item.key, "invalid", MESSAGES["file_invalid"])
    attachment = emu.store_attachment(name, content_type, content)
    return attachment.id, name


def _ocr_hint(meta: dict[str, Any], key: str) -> dict[str, Any]:
    """liasse's own reading of the document, carried in `meta` (see docs/qonto.md)."""
    items = (meta.get("liasse") or {}).get("items") or {}
    facts = (items.get(key) or {}).get("facts") or {}
    return {name: value for name, value in facts.items() if name in OCR_FIELDS}


def fill_from_ocr(emu: Emulator) -> None:
    """Play Qonto's OCR: after `ocr_delay`, an invoice shows the facts its meta hinted."""
    delay = emu.config.ocr_delay
    if delay is None:
        return
    now = emu.now()
    for invoice in emu.state.supplier_invoices.values():
        if invoice.ocr_hint and not invoice.extracted and invoice.created_at + delay <= now:
            invoice.extracted = dict(invoice.ocr_hint)
            invoice.updated_at = invoice.created_at + delay


# --- reading and state changes --------------------------------------------------------------


async def list_invoices(request: Request, emu: Emulator, caller: Caller) -> Response:
    fill_from_ocr(emu)
    query = request.query_params
    try:
        bounds = {name: _filter_time(emu, query.get(f"filter[{name}]"), name)
                  for name in ("created_at_from", "created_at_to", "updated_at_from",
                               "updated_at_to")}
        page = int(query.get("page") or 1)
        per_page = int(query.get("per_page") or DEFAULT_INVOICES_PER_PAGE)
        field, descending = _invoice_sort(query.get("sort_by"))
    except BulkRequestError as error:
        return json_response(error.body, 400)
    except ValueError:
        return json_response(error_body("invalid", MESSAGES["per_page_invalid"],
                                        parameter="per_page"), 400)
    if not 1 <= per_page <= 100 or page < 1:
        return json_response(error_body("invalid", MESSAGES["per_page_invalid"],
                                        parameter="per_page"), 400)
    statuses = {s for s in (query.get("filter[status]") or "").split(",") if s}
    selected = [i for i in emu.state.supplier_invoices.values()
                if (not statuses or i.status in statuses)
                and _in_bounds(i, bounds)
                and query.get("filter[attachment_id]") in (None, i.attachment_id)
                and _matches_query(i, query.get("query"))]
    selected.sort(key=lambda i: (_invoice_sort_value(i, field), i.id), reverse=descending)
    window = selected[(page - 1) * per_page: page * per_page]
    organization_id = emu.state.organization.id
    return json_response({
        "supplier_invoices": [supplier_invoice_json(i, organization_id) for i in window],
        "meta": pagination(page, per_page, len(selected)),
    })


def _filter_time(emu: Emulator, raw: str | None, name: str) -> datetime | None:
    if raw is None:
        return None
    parameter = f"filter[{name}]"
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BulkRequestError(error_body(
            "invalid_time", MESSAGES["invalid_time"].format(name=name),
            parameter=parameter)) from exc
    if moment.tzinfo is None:
        raise BulkRequestError(error_body(
            "invalid_time", MESSAGES["invalid_time"].format(name=name), parameter=parameter))
    if name.endswith("_from") and moment > emu.now():
        raise BulkRequestError(error_body(
            "invalid_datetime_range", MESSAGES["future_time"].format(name=name),
            parameter=parameter))
    return moment


def _in_bounds(invoice: SupplierInvoice, bounds: dict[str, datetime | None]) -> bool:
    checks = (
        (invoice.created_at, bounds["created_at_from"], bounds["created_at_to"]),
        (invoice.updated_at, bounds["updated_at_from"], bounds["updated_at_to"]),
    )
    return all((low is None or value >= low) and (high is None or value <= high)
               for value, low, high in checks)


def _matches_query(invoice: SupplierInvoice, text: str | None) -> bool:
    if not text:
        return True
    haystack = " ".join([invoice.file_name, str(invoice.extracted.get("supplier_name", "")),
                         str(invoice.extracted.get("invoice_number", ""))]).lower()
    return text.lower() in haystack


def _invoice_sort(raw: str | None) -> tuple[str, bool]:
    field, _, order = (raw or "created_at:desc").partition(":")
    order = order or "desc"
    if field not in INVOICE_SORT_FIELDS or order not in ("asc", "desc"):
        raise BulkRequestError(error_body("invalid", "sort_by is invalid", parameter="sort_by"))
    return field, order == "desc"


def _invoice_sort_value(invoice: SupplierInvoice, field: str) -> Any:
    if field == "created_at":
        return invoice.created_at.isoformat()
    if field == "total_amount" and "total_amount" not in invoice.extracted:
        return Decimal(0)
    if field == "file_name":
        return invoice.file_name
    value = invoice.extracted.get(field)
    if isinstance(value, dict):  # an amount, {"value": "22.10", ...}
        return Decimal(str(value.get("value") or "0"))
    return value or ""


def _invoice_or_404(emu: Emulator, invoice_id: str) -> SupplierInvoice | Response:
    invoice = emu.state.supplier_invoices.get(invoice_id)
    if invoice is None:
        return json_response(error_body("not_found", MESSAGES["not_found"].format(
            what="Supplier invoice"), parameter="id"), 404)
    return invoice


async def get_invoice(request: Request, emu: Emulator, caller: Caller) -> Response:
    fill_from_ocr(emu)
    found = _invoice_or_404(emu, request.path_params["id"])
    if isinstance(found, Response):
        return found
    return json_response({"supplier_invoice": supplier_invoice_json(
        found, emu.state.organization.id)})


async def mark_as_paid(request: Request, emu: Emulator, caller: Caller) -> Response:
    return _change_status(emu, request.path_params["id"], PAYABLE, "paid", "marked as paid")


async def unmark_as_paid(request: Request, emu: Emulator, caller: Caller) -> Response:
    return _change_status(emu, request.path_params["id"], {"paid"}, "to_review",
                          "unmarked as paid")


async def reject(request: Request, emu: Emulator, caller: Caller) -> Response:
    return _change_status(emu, request.path_params["id"], REJECTABLE, "rejected", "rejected")


def _change_status(emu: Emulator, invoice_id: str, allowed_from: set[str], target: str,
                   action: str) -> Response:
    found = _invoice_or_404(emu, invoice_id)
    if isinstance(found, Response):
        return found
    if found.status not in allowed_from:
        return json_response(error_body("invalid_status_transition",
                                        MESSAGES["invalid_transition"].format(
                                            status=found.status, action=action)), 422)
    found.status = target
    found.updated_at = emu.now()
    found.paid_at = found.updated_at if target == "paid" else None
    emu.save()
    return json_response({"supplier_invoice": supplier_invoice_json(
        found, emu.state.organization.id)})
