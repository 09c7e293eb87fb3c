"""Qonto's wire format: how emulator objects and errors look as JSON.

Every user-facing string of the emulator lives in `MESSAGES`. Amounts go out the way
Qonto sends them: a JSON number beside an exact `_cents` integer (liasse reads only the
cents); invoice amounts as `{"value": "22.10", "currency": "EUR"}` strings.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from liasse.emulators.qonto.state import (
    Attachment,
    BankAccount,
    Organization,
    SupplierInvoice,
    Transaction,
)

MESSAGES = {
    "unauthorized": "You must be authenticated to perform this action",
    "invalid_credentials": "Invalid credentials",
    "missing_scope": "User does not have sufficient permissions for this action "
                     "(missing OAuth scope: {scope})",
    "rate_limited": "Too many requests, please retry later",
    "server_error": "Internal server error",
    "missing_account": "bank_account_id or iban is missing",
    "sort_invalid": "Sort field is invalid",
    "date_invalid": "The datetime in {name} param isn't well formatted (ISO 8601) "
                    "or year is out of range",
    "status_invalid": "At least one status isn't valid",
    "per_page_invalid": "per_page must be between 1 and 100",
    "side_invalid": "side must be credit or debit",
    "not_found": "{what} not found",
    "request_too_large": "Request is too large",
    "limit_reached": "Limit of {limit} invoices reached",
    "key_required": "Idempotency key is required",
    "file_required": "File is required",
    "file_invalid": "File is too large or wrong content type",
    "file_rejected": "Processing file has failed",
    "missing_file": "The request is missing a file parameter",
    "file_too_big": "File is too big",
    "invalid_file_type": "Invalid file type",
    "too_many_attachments": "A transaction holds at most {limit} attachments",
    "invalid_time": "{name} is not a valid time. Refer to the documentation for the right "
                    "format.",
    "future_time": "{name} must be in the past.",
    "invalid_transition": "A supplier invoice in status {status} cannot be {action}",
    "url_expired": "This link has expired",
    "staging_login": "<html><body><h1>Qonto sandbox</h1><p>Please log in.</p></body></html>",
}

ALLOWED_CONTENT_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def timestamp(moment: datetime | None) -> str | None:
    """UTC with milliseconds and a `Z`, as Qonto writes them."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def major_units(cents: int | None) -> float | None:
    # The only float in liasse: Qonto's JSON has numbers here, so the emulator must too.
    return None if cents is None else float(Decimal(cents) / 100)


def error_body(code: str, detail: str, **source: str) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "detail": detail}
    if source:
        error["source"] = source
    return {"errors": [error]}


def message_error_body(*errors: tuple[str, str]) -> dict[str, Any]:
    """The shape of `GET /v2/transactions` 400s: `message`, not `detail`."""
    return {"errors": [{"code": code, "message": message} for code, message in errors]}


def bank_account_json(account: BankAccount) -> dict[str, Any]:
    return {
        "id": account.id, "slug": account.slug, "iban": account.iban, "bic": account.bic,
        "currency": account.currency, "balance": major_units(account.balance_cents),
        "balance_cents": account.balance_cents,
        "authorized_balance": major_units(account.balance_cents),
        "authorized_balance_cents": account.balance_cents, "name": account.name,
        "updated_at": timestamp(account.updated_at) or "", "status": account.status,
        "main": account.main, "is_external_account": False, "account_number": "",
    }


def organization_json(organization: Organization) -> dict[str, Any]:
    return {"organization": {
        "id": organization.id, "name": organization.legal_name, "slug": organization.slug,
        "legal_name": organization.legal_name, "locale": "fr", "legal_country": "FR",
        "legal_form": "SAS", "legal_number": organization.legal_number,
        "legal_address": organization.legal_address,
        "bank_accounts": [bank_account_json(a) for a in organization.bank_accounts],
    }}


def transaction_json(transaction: Transaction, includes: set[str],
                     attachments: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": transaction.id, "transaction_id": transaction.transaction_id,
        "amount": major_units(transaction.amount_cents), "amount_cents": transaction.amount_cents,
        "settled_balance": None, "settled_balance_cents": None,
        "attachment_ids": list(transaction.attachment_ids),
        "local_amount": major_units(transaction.local_amount_cents),
        "local_amount_cents": transaction.local_amount_cents,
        "side": transaction.side, "operation_type": transaction.operation_type,
        "currency": transaction.currency, "local_currency": transaction.local_currency,
        "label": transaction.label, "clean_counterparty_name": transaction.label,
        "settled_at": timestamp(transaction.settled_at),
        "emitted_at": timestamp(transaction.emitted_at),
        "updated_at": timestamp(transaction.updated_at),
        "status": transaction.status, "note": transaction.note,
        "reference": transaction.reference,
        "vat_amount": major_units(transaction.vat_amount_cents),
        "vat_amount_cents": transaction.vat_amount_cents,
        "vat_rate": float(Decimal(transaction.vat_rate)) if transaction.vat_rate else None,
        "initiator_id": None, "label_ids": [], "attachment_lost": False,
        "attachment_required": transaction.attachment_required,
        "card_last_digits": transaction.card_last_digits, "category": transaction.category,
        "subject_type": _SUBJECT_TYPES.get(transaction.operation_type, "Other"),
        "bank_account_id": transaction.bank_account_id, "is_external_transaction": False,
    }
    nested = _counterparty_key(transaction)
    if nested is not None:
        body[nested] = {
            "counterparty_account_number": transaction.counterparty_iban or "",
            "counterparty_account_number_format": "IBAN" if transaction.counterparty_iban
            else "",
            "counterparty_bank_identifier": transaction.counterparty_bic or "",
            "counterparty_bank_identifier_format": "SWIFT_BIC" if transaction.counterparty_bic
            else "",
        }
    if "attachments" in includes:
        body["attachments"] = attachments
    if "labels" in includes:
        body["labels"] = []
    if "vat_details" in includes:
        body["vat_details"] = {"items": _vat_items(transaction)}
    return body


_SUBJECT_TYPES = {"card": "Card", "transfer": "Transfer", "income": "Income",
                  "direct_debit": "DirectDebit", "qonto_fee": "BillingTransfer"}
_COUNTERPARTY_KEYS = {"transfer": "transfer", "income": "income",
                      "direct_debit": "direct_debit"}


def _counterparty_key(transaction: Transaction) -> str | None:
    return _COUNTERPARTY_KEYS.get(transaction.operation_type)


def _vat_items(transaction: Transaction) -> list[dict[str, str]]:
    if transaction.vat_amount_cents is None or not transaction.vat_rate:
        return []
    vat = transaction.vat_amount_cents
    net = transaction.amount_cents - vat
    return [{"amount": str(Decimal(vat) / 100), "amount_cents": str(vat),
             "amount_excluding_vat": str(Decimal(net) / 100),
             "amount_excluding_vat_cents": str(net), "rate": transaction.vat_rate}]


def attachment_json(attachment: Attachment, url: str) -> dict[str, Any]:
    return {
        "id": attachment.id, "created_at": timestamp(attachment.created_at),
        "file_name": attachment.file_name,
        "file_size": str(attachment.size),  # a string, as Qonto sends it
        "file_content_type": attachment.content_type, "url": url,
        "probative_attachment": {"status": "unavailable"},
    }


# Fields Qonto fills after reading the document; absent until then. QONTO.md describes
# them as null at first, the OpenAPI file declares them non-nullable: the emulator omits
# them (valid for both readings) and the client accepts null and absent alike.
OCR_FIELDS = ("invoice_number", "supplier_name", "total_amount", "total_amount_excluding_taxes",
              "total_tax_amount", "issue_date", "due_date", "iban", "vat_number")


def supplier_invoice_json(invoice: SupplierInvoice, organization_id: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": invoice.id, "organization_id": organization_id, "file_name": invoice.file_name,
        "status": invoice.status, "source_type": "manual_upload",
        "attachment_id": invoice.attachment_id,
        "created_at": timestamp(invoice.created_at), "updated_at": timestamp(invoice.updated_at),
        "has_duplicates": False, "is_credit_note": False, "matched_transactions": [],
        "meta": invoice.meta,
    }
    body.update({name: invoice.extracted[name] for name in OCR_FIELDS
                 if invoice.extracted.get(name) is not None})
    if invoice.paid_at is not None:
        body["payment_date"] = invoice.paid_at.date().isoformat()
    return body


def pagination(page: int, per_page: int, total: int) -> dict[str, Any]:
    total_pages = max(1, -(-total // per_page)) if total else 0
    return {
        "current_page": page,
        "next_page": page + 1 if page < total_pages else None,
        "prev_page": page - 1 if page > 1 else None,
        "total_pages": total_pages, "total_count": total, "per_page": per_page,
    }
