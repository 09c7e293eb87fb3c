"""What liasse does with a document of each kind, and what keeps one from being approved.

The record page, the review page, `liasse status --json` and the post step all ask this
module, so that what a person is told is what the pipeline does: an invoice or a credit
note is posted to Qonto; a receipt or a payment confirmation is attached to the bank line
that paid it; a sales document is kept to recognise incoming payments; a file liasse
could not read, or that is no invoice, is never posted and cannot be approved.
"""

from __future__ import annotations

from typing import Literal

from liasse.domain.extraction import ExtractionResult

Plan = Literal["post", "attach_receipt", "attach_confirmation", "keep_sales", "nothing"]

POSTED_TYPES = frozenset({"invoice", "credit_note"})


def unreadable_reason(extraction: ExtractionResult | None) -> str | None:
    """Why the file could not be read at all (not a PDF, empty, …), or None."""
    errors = [str(error) for error in (extraction.errors if extraction is not None else ())]
    return "; ".join(errors) or None


def plan_of(document_type: str | None, source_kind: str | None,
            extraction: ExtractionResult | None) -> Plan:
    if unreadable_reason(extraction) is not None:
        return "nothing"
    if source_kind == "sales":
        return "keep_sales"
    if document_type == "receipt" or source_kind == "receipt":
        return "attach_receipt"
    if document_type == "payment_confirmation":
        return "attach_confirmation"
    return "post" if document_type in POSTED_TYPES else "nothing"


def approval_blocker(extraction: ExtractionResult | None) -> str | None:
    """Why a person may not approve this document, or None when they may."""
    reason = unreadable_reason(extraction)
    if reason is None:
        return None
    return f"liasse could not read this file ({reason}): there is nothing to approve"


def posting_blocker(document_type: str | None, source_kind: str | None,
                    extraction: ExtractionResult | None) -> str | None:
    """Why an approved document will not be posted as a supplier invoice, or None.

    Receipts and payment confirmations are not blocked: they wait, approved, for the bank
    line they are attached to (the match step does it)."""
    plan = plan_of(document_type, source_kind, extraction)
    if plan in ("post", "attach_receipt", "attach_confirmation"):
        return None
    unreadable = unreadable_reason(extraction)
    if unreadable is not None:
        return f"not posted: liasse could not read this file ({unreadable})"
    if plan == "keep_sales":
        return ("not posted: a sales document is kept to recognise incoming payments, "
                "never posted as a supplier invoice")
    return (f"not posted: this is {_article(document_type or 'other')}, and liasse posts "
            "invoices and credit notes only")


def _article(document_type: str) -> str:
    label = document_type.replace("_", " ")
    if document_type == "other":
        return "not an invoice"
    return f"an {label}" if label[0] in "aeiou" else f"a {label}"
