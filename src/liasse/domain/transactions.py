"""A bank line as liasse reasons about it, whatever bank API it came from.

The Qonto connector maps its wire format onto `BankTransaction` (`from_qonto`); matching,
double-charge detection and the receipts export read only this model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from liasse.domain.money import Money

Side = Literal["debit", "credit"]
TransactionStatus = Literal["pending", "declined", "completed"]


@dataclass(frozen=True)
class BankTransaction:
    """One transaction. `amount` is in the account's currency and always positive; `side`
    says the direction. `local_amount` is what the card or transfer was in (USD for a card
    payment in New York), equal to `amount` for a same-currency line."""

    id: str
    bank_account_id: str
    side: Side
    status: TransactionStatus
    amount: Money
    local_amount: Money
    operation_type: str
    counterparty_name: str
    label: str
    reference: str
    counterparty_iban: str | None
    settled_at: datetime | None
    emitted_at: datetime
    updated_at: datetime
    attachment_ids: tuple[str, ...] = ()
    note: str = ""

    @property
    def signed_minor(self) -> int:
        """Cents with the bank's sign: negative for money leaving the account."""
        return -self.amount.minor if self.side == "debit" else self.amount.minor

    @property
    def booked_at(self) -> datetime:
        return self.settled_at or self.emitted_at


def _parse_time(raw: Any) -> datetime | None:
    if not raw:
        return None
    return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))


def from_qonto(raw: dict[str, Any], bank_account_id: str = "") -> BankTransaction:
    """Read one object of Qonto's `GET /v2/transactions` (the `_cents` integers, never floats)."""
    transfer = raw.get("transfer") or {}
    emitted = _parse_time(raw.get("emitted_at")) or _parse_time(raw.get("settled_at"))
    if emitted is None:
        raise ValueError(f"transaction {raw.get('id')!r} has no date")
    return BankTransaction(
        id=str(raw["id"]),
        bank_account_id=str(raw.get("bank_account_id") or bank_account_id),
        side="debit" if raw.get("side") == "debit" else "credit",
        status=raw.get("status", "completed"),
        amount=Money(abs(int(raw["amount_cents"])), str(raw.get("currency") or "EUR")),
        local_amount=Money(
            abs(int(raw.get("local_amount_cents", raw["amount_cents"]))),
            str(raw.get("local_currency") or raw.get("currency") or "EUR"),
        ),
        operation_type=str(raw.get("operation_type") or ""),
        counterparty_name=str(raw.get("clean_counterparty_name") or raw.get("label") or ""),
        label=str(raw.get("label") or ""),
        reference=str(raw.get("reference") or ""),
        counterparty_iban=transfer.get("counterparty_account_number") or None,
        settled_at=_parse_time(raw.get("settled_at")),
        emitted_at=emitted,
        updated_at=_parse_time(raw.get("updated_at")) or emitted,
        attachment_ids=tuple(raw.get("attachment_ids") or ()),
        note=str(raw.get("note") or ""),
    )
