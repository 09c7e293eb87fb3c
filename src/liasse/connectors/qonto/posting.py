"""Posting supplier invoices so that a document never becomes two invoices at Qonto.

Each invoice carries an idempotency key derived from the workspace and the document's
sha256 (UUIDv5): a retry, or a re-send after a crash between the call and the bookkeeping,
reuses the key and Qonto replays its first answer (for 30 minutes). Items go in batches
of at most 20 and 15 MB; a file over 10 MB is refused here, without being sent.

Per-item results come from the 200 body: an `errors` entry names its item through the
idempotency key in `source.pointer`; the created invoices come back in request order.
When the answer cannot be attributed item by item, or Qonto refuses a whole batch, the
items are re-sent one at a time (same keys: nothing is created twice) to isolate them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from liasse.connectors.qonto.errors import Rejected
from liasse.connectors.qonto.mapping import META_INTEGRATION, InvoiceFacts

# Shared with the pipeline's outbox keys (liasse.sync.steps), so both derive the same key.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d4c1e-9a43-5b55-8f0e-6c6961737365")
MAX_ITEMS_PER_REQUEST = 20
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BYTES = 15 * 1024 * 1024
PART_OVERHEAD_BYTES = 1024  # multipart headers and the key field, per item, generously
TEXT = {
    "too_large": "the file is {size} bytes; Qonto accepts at most {limit} bytes per file",
    "no_answer": "Qonto's answer did not mention this invoice",
}


def idempotency_key(workspace_id: str, document_sha256: str) -> str:
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{workspace_id}:{document_sha256}"))


@dataclass(frozen=True)
class InvoiceUpload:
    record_id: str  # liasse's own id for the document, carried in `meta`
    idempotency_key: str
    file_name: str
    content: bytes
    content_type: str = "application/pdf"
    facts: InvoiceFacts | None = None


@dataclass(frozen=True)
class ItemResult:
    record_id: str
    idempotency_key: str
    supplier_invoice_id: str | None
    error_code: str | None = None
    error_detail: str | None = None

    @property
    def ok(self) -> bool:
        return self.supplier_invoice_id is not None


BulkSender = Callable[[Sequence[InvoiceUpload], dict[str, Any]], dict[str, Any]]


def post_in_batches(send: BulkSender, items: Sequence[InvoiceUpload]) -> list[ItemResult]:
    """Results in the order of `items`. Transient and auth failures propagate: nothing is
    recorded for the unfinished batches and a later re-send replays the finished ones."""
    results: dict[str, ItemResult] = {}
    sendable: list[InvoiceUpload] = []
    for item in items:
        if len(item.content) > MAX_FILE_BYTES:
            results[item.idempotency_key] = _refused(item, "file_too_large", TEXT[
                "too_large"].format(size=len(item.content), limit=MAX_FILE_BYTES))
        else:
            sendable.append(item)
    for batch in plan_batches(sendable):
        for result in _send_batch(send, batch):
            results[result.idempotency_key] = result
    return [results[item.idempotency_key] for item in items]


def plan_batches(items: Sequence[InvoiceUpload]) -> list[list[InvoiceUpload]]:
    batches: list[list[InvoiceUpload]] = []
    current: list[InvoiceUpload] = []
    size = 0
    for item in items:
        weight = len(item.content) + PART_OVERHEAD_BYTES + len(json.dumps(_meta_item(item)))
        if current and (len(current) == MAX_ITEMS_PER_REQUEST
                        or size + weight > MAX_REQUEST_BYTES - PART_OVERHEAD_BYTES):
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += weight
    if current:
        batches.append(current)
    return batches


def build_meta(batch: Sequence[InvoiceUpload]) -> dict[str, Any]:
    return {"integration_type": META_INTEGRATION, "connector": META_INTEGRATION,
            "liasse": {"items": {item.idempotency_key: _meta_item(item) for item in batch}}}


def _meta_item(item: InvoiceUpload) -> dict[str, Any]:
    facts = item.facts.to_qonto() if item.facts else {}
    meta: dict[str, Any] = {"record_id": item.record_id, "facts": facts}
    if item.facts and item.facts.converted_total is not None:
        meta["converted_total"] = {"value": item.facts.converted_total.format_plain(),
                                   "currency": item.facts.converted_total.currency}
    return meta


def _send_batch(send: BulkSender, batch: list[InvoiceUpload]) -> list[ItemResult]:
    try:
        body = send(batch, build_meta(batch))
    except Rejected as refusal:
        if len(batch) == 1:
            return [_refused(batch[0], refusal.code or "rejected", str(refusal))]
        return _one_at_a_time(send, batch)
    results = read_bulk_answer(batch, body)
    if results is None:
        return _one_at_a_time(send, batch) if len(batch) > 1 else [
            _refused(batch[0], "unreadable", TEXT["no_answer"])]
    return results


def _one_at_a_time(send: BulkSender, batch: list[InvoiceUpload]) -> list[ItemResult]:
    return [result for item in batch for result in _send_batch(send, [item])]


def _refused(item: InvoiceUpload, code: str, detail: str) -> ItemResult:
    return ItemResult(item.record_id, item.idempotency_key, None, code, detail)


def read_bulk_answer(batch: Sequence[InvoiceUpload],
                     body: dict[str, Any]) -> list[ItemResult] | None:
    """Per-item results, or None when the answer cannot be tied to items for sure."""
    by_key = {item.idempotency_key: item for item in batch}
    failures: dict[str, ItemResult] = {}
    for error in body.get("errors") or ():
        key = _key_of_error(error)
        if key not in by_key:
            return None  # an error we cannot attribute: do not guess
        failures[key] = _refused(by_key[key], str(error.get("code") or "rejected"),
                                 _error_text(error))
    succeeded = [item for item in batch if item.idempotency_key not in failures]
    created = list(body.get("supplier_invoices") or ())
    if len(created) != len(succeeded) or any(
            str(invoice.get("file_name")) != item.file_name
            for invoice, item in zip(created, succeeded, strict=True)):
        return None
    successes = {item.idempotency_key: ItemResult(item.record_id, item.idempotency_key,
                                                  str(invoice["id"]))
                 for invoice, item in zip(created, succeeded, strict=True)}
    return [failures.get(item.idempotency_key) or successes[item.idempotency_key]
            for item in batch]


def _key_of_error(error: dict[str, Any]) -> str | None:
    # QONTO.md shows `source: {pointer}`; the OpenAPI file's example a list of them.
    source = error.get("source")
    sources = source if isinstance(source, list) else [source]
    for entry in sources:
        pointer = str((entry or {}).get("pointer") or "") if isinstance(entry, dict) else ""
        marker = "/idempotency_key/"
        if marker in pointer:
            return pointer.split(marker, 1)[1].split("/", 1)[0]
    return None


def _error_text(error: dict[str, Any]) -> str:
    # `detail` per the docs; the file's own example once says `details`; some use `message`.
    return str(error.get("detail") or error.get("details") or error.get("message")
               or error.get("code") or "rejected")
