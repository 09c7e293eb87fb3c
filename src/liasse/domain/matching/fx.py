"""Foreign currencies: a configured rate table, conversions and tolerant comparisons.

A document keeps its original amount and currency; the converted amount in the account's
currency comes from the matched bank transaction when there is one, else from this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from liasse.domain.money import Money, minor_digits


@dataclass(frozen=True)
class FxRates:
    """Rates into `account_currency`: `rates["USD"] = Decimal("0.92")` means 1 USD = 0.92 EUR."""

    account_currency: str = "EUR"
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def convert(self, amount: Money) -> Money | None:
        """The amount in the account currency, or None when no rate is configured."""
        if amount.currency == self.account_currency:
            return amount
        rate = self.rates.get(amount.currency)
        if rate is None:
            return None
        converted = (amount.decimal * rate).quantize(
            Decimal(1).scaleb(-minor_digits(self.account_currency)), rounding=ROUND_HALF_EVEN)
        return Money.parse(converted, self.account_currency)


def within_tolerance(expected: Money, actual: Money, ratio: Decimal) -> bool:
    """Same currency and |actual − expected| ≤ ratio × |expected| (at least one minor unit)."""
    if expected.currency != actual.currency:
        return False
    allowed = max(1, int(abs(expected.minor) * ratio))
    return abs(abs(actual.minor) - abs(expected.minor)) <= allowed
