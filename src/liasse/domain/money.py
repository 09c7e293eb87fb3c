"""Money as integer minor units with an ISO 4217 currency; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Currencies whose minor unit is not the cent. Everything else uses two decimals.
_MINOR_DIGITS: dict[str, int] = {"JPY": 0, "KRW": 0, "HUF": 2, "ISK": 0, "CLP": 0, "BHD": 3,
                                 "KWD": 3, "OMR": 3, "TND": 3, "JOD": 3}


class MoneyError(ValueError):
    """An amount or currency that cannot be read as money."""


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency.upper(), 2)


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units (cents for EUR) and its currency code."""

    minor: int
    currency: str = "EUR"

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise MoneyError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def parse(cls, amount: str | Decimal | int, currency: str = "EUR") -> Money:
        """Read a decimal string ("1234.56", "-12.5") exactly; floats are refused on purpose."""
        if isinstance(amount, float):  # pragma: no cover - guarded by typing too
            raise MoneyError("money is never a float")
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise MoneyError(f"not an amount: {amount!r}")
        currency = currency.upper()
        exponent = Decimal(1).scaleb(-minor_digits(currency))
        quantised = value.quantize(exponent, rounding=ROUND_HALF_EVEN)
        return cls(int(quantised.scaleb(minor_digits(currency))), currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-minor_digits(self.currency))

    def format_plain(self) -> str:
        """The contract format: dot as separator, the currency's minor digits ("1234.50")."""
        digits = minor_digits(self.currency)
        return f"{self.decimal:.{digits}f}"

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot mix {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return f"{self.format_plain()} {self.currency}"
