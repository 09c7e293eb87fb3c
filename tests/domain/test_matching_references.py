"""RF creditor references (ISO 11649), invoice-number keys, FX helpers, subset-sum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liasse.domain.matching.fx import FxRates, within_tolerance
from liasse.domain.matching.references import (
    find_rf_references,
    is_valid_rf,
    make_rf,
    number_keys,
    same_number,
    text_keys,
)
from liasse.domain.matching.subset import exact_subsets
from liasse.domain.money import Money


def test_known_rf_reference_from_the_standard() -> None:
    assert is_valid_rf("RF18 5390 0754 7034")
    assert is_valid_rf("RF18539007547034")
    assert not is_valid_rf("RF19539007547034")  # one check digit off
    assert not is_valid_rf("XX18539007547034")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21))
def test_made_rf_references_validate(body: str) -> None:
    assert is_valid_rf(make_rf(body))


def test_rf_reference_found_inside_free_text() -> None:
    assert find_rf_references("VIR SEPA RF18 5390 0754 7034 MERCI") == ("RF18539007547034",)
    assert find_rf_references("RF12 nothing valid") == ()


def test_make_rf_refuses_an_empty_or_long_body() -> None:
    with pytest.raises(ValueError, match="1 to 21"):
        make_rf("--")


@pytest.mark.parametrize(("printed", "bank"), [
    ("F-2026-0042", "F20260042"), ("F-2026-0042", "F2026-42"), ("FA/2026/007", "fa 2026 7"),
    ("2026-311", "2026311"), ("PM-48213", "pm48213")])
def test_numbers_survive_what_banks_do_to_them(printed: str, bank: str) -> None:
    assert same_number(printed, bank)
    assert number_keys(printed) & text_keys(f"VIREMENT {bank} MERCI")


def test_short_or_digitless_keys_are_ignored() -> None:
    assert number_keys("311") == frozenset()
    assert number_keys("ABCDE") == frozenset()
    assert not same_number("F-2026-0042", "F-2026-0043")


def test_fx_rates_convert_with_half_even_rounding() -> None:
    rates = FxRates("EUR", {"USD": Decimal("0.92")})
    assert rates.convert(Money.parse("120.00", "USD")) == Money.parse("110.40", "EUR")
    assert rates.convert(Money.parse("1.00", "GBP")) is None
    assert rates.convert(Money.parse("5.00", "EUR")) == Money.parse("5.00", "EUR")
    assert within_tolerance(Money.parse("100.00", "USD"), Money.parse("101.50", "USD"),
                            Decimal("0.02"))
    assert not within_tolerance(Money.parse("100.00", "USD"), Money.parse("103.00", "USD"),
                                Decimal("0.02"))


def test_subset_sum_finds_the_combination_and_reports_ambiguity() -> None:
    assert exact_subsets([150000, 30000, -12000, 99900], 168000, max_size=4) == [(0, 1, 2)]
    assert len(exact_subsets([100, 200, 150, 150], 300, max_size=3)) == 2
    assert exact_subsets([100, 200], 1000, max_size=2) == []
