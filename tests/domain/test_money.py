from __future__ import annotations

from decimal import Decimal

import pytest

from liasse.domain.money import Money, MoneyError


def test_parse_is_exact_and_formats_with_two_decimals() -> None:
    assert Money.parse("1234.5").minor == 123450
    assert Money.parse("0.1").minor + Money.parse("0.2").minor == Money.parse("0.3").minor
    assert Money.parse("-12.34").format_plain() == "-12.34"
    assert Money.parse("100", "JPY").format_plain() == "100"


def test_arithmetic_keeps_currency() -> None:
    assert (Money.parse("10.00") + Money.parse("2.50")).decimal == Decimal("12.50")
    with pytest.raises(MoneyError, match="mix"):
        _ = Money.parse("1", "EUR") + Money.parse("1", "USD")


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity"])
def test_bad_amounts_are_refused(bad: str) -> None:
    with pytest.raises(MoneyError):
        Money.parse(bad)


def test_bad_currency_is_refused() -> None:
    with pytest.raises(MoneyError):
        Money(100, "euro")
