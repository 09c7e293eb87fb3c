"""What liasse sends to Qonto and reads back, field by field (see docs/qonto.md).

Reading: amounts always from the exact forms (`_cents` integers, or decimal strings such as
`{"value": "22.10"}`), never from JSON floats. Fields Qonto's OCR has not filled yet may be
null or absent: both read as None. Sending: the bulk upload takes only files, so liasse's
own reading of each invoice travels in the request's `meta`, keyed by idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from liasse.domain.money import Money, MoneyError

META_INTEGRATION = "liasse"


@dataclass(frozen=True)
class BankAccountInfo:
    id: str
    iban: str
    bic: str
    name: str
    main: bool
    status: str
    balance: Money


@dataclass(frozen=True)
class Organization:
    id: str
    slug: str
    legal_name: str
    bank_accounts: tuple[BankAccountInfo, ...]

    @property
    def main_account(self) -> BankAccountInfo | None:
        return next((a for a in self.bank_accounts if a.main), None)


def organization_from_qonto(body: dict[str, Any]) -> Organization:
    raw = body["organization"]
    return Organization(
        id=str(raw["id"]), slug=str(raw.get("slug") or ""),
        legal_name=str(raw.get("legal_name") or raw.get("name") or ""),
        bank_accounts=tuple(
            BankAccountInfo(id=str(a["id"]), iban=str(a.get("iban") or ""),
                            bic=str(a.get("bic") or ""), name=str(a.get("name") or ""),
                            main=bool(a.get("main")), status=str(a.get("status") or "active"),
                            balance=Money(int(a.get("balance_cents") or 0),
                                          str(a.get("currency") or "EUR")))
            for a in raw.get("bank_accounts") or ()),
    )


@dataclass(frozen=True)
class InvoiceFacts:
    """liasse's reading of a supplier invoice, sent along so nothing is typed twice."""

    invoice_number: str | None = None
    supplier_name: str | None = None
    supplier_vat_id: str | None = None
    supplier_website: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    total_amount: Money | None = None
    tax_amount: Money | None = None
    net_amount: Money | None = None
    # In the account's currency when the invoice is in another one (kept in `meta`:
    # Qonto's supplier invoice has no field for it).
    converted_total: Money | None = None

    def to_qonto(self) -> dict[str, Any]:
        """The facts under Qonto's own supplier-invoice field names (None left out)."""
        values: dict[str, Any] = {
            "invoice_number": self.invoice_number, "supplier_name": self.supplier_name,
            "vat_number": self.supplier_vat_id, "supplier_website": self.supplier_website,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "total_amount": _amount(self.total_amount),
            "total_tax_amount": _amount(self.tax_amount),
            "total_amount_excluding_taxes": _amount(self.net_amount),
        }
        return {name: value for name, value in values.items() if value is not None}


def _amount(money: Money | None) -> dict[str, str] | None:
    return None if money is None else {"value": money.format_plain(),
                                       "currency": money.currency}


def facts_from_strings(facts: dict[str, str | None]) -> InvoiceFacts:
    """Facts as the pipeline's outbox stores them (strings) to `InvoiceFacts`."""
    currency = facts.get("currency") or "EUR"
    return InvoiceFacts(
        invoice_number=facts.get("invoice_number"), supplier_name=facts.get("supplier_name"),
        supplier_vat_id=facts.get("supplier_vat_id"),
        supplier_website=facts.get("supplier_domain"),
        issue_date=_date(facts.get("issue_date")), due_date=_date(facts.get("due_date")),
        total_amount=_money(facts.get("total_amount"), currency),
        tax_amount=_money(facts.get("tax_amount"), currency),
        net_amount=_money(facts.get("net_amount"), currency),
        converted_total=_money(facts.get("converted_total"),
                               facts.get("converted_currency") or currency),
    )


def _date(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None


def _money(raw: Any, currency: str) -> Money | None:
    if raw is None or raw == "":
        return None
    try:
        return Money.parse(str(raw), currency)
    except MoneyError:
        return None


def _money_field(raw: Any) -> Money | None:
    """`{"value": "22.10", "currency": "EUR"}` (null or absent until OCR ran)."""
    if not isinstance(raw, dict) or raw.get("value") in (None, ""):
        return None
    return _money(raw["value"], str(raw.get("currency") or "EUR"))


@dataclass(frozen=True)
class SupplierInvoiceRecord:
    """A supplier invoice as Qonto holds it."""

    id: str
    status: str
    file_name: str
    attachment_id: str | None
    created_at: datetime | None
    updated_at: datetime | None
    invoice_number: str | None = None
    supplier_name: str | None = None
    total_amount: Money | None = None
    total_tax_amount: Money | None = None
    total_amount_excluding_taxes: Money | None = None
    issue_date: date | None = None
    due_date: date | None = None
    iban: str | None = None
    vat_number: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def supplier_invoice_from_qonto(raw: dict[str, Any]) -> SupplierInvoiceRecord:
    return SupplierInvoiceRecord(
        id=str(raw["id"]), status=str(raw.get("status") or ""),
        file_name=str(raw.get("file_name") or ""), attachment_id=raw.get("attachment_id"),
        created_at=_time(raw.get("created_at")), updated_at=_time(raw.get("updated_at")),
        invoice_number=raw.get("invoice_number") or None,
        supplier_name=raw.get("supplier_name") or None,
        total_amount=_money_field(raw.get("total_amount")),
        total_tax_amount=_money_field(raw.get("total_tax_amount")),
        total_amount_excluding_taxes=_money_field(raw.get("total_amount_excluding_taxes")),
        issue_date=_date(raw.get("issue_date")), due_date=_date(raw.get("due_date")),
        iban=raw.get("iban") or None, vat_number=raw.get("vat_number") or None,
        meta=dict(raw.get("meta") or {}),
    )


def _time(raw: Any) -> datetime | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None
