"""The amounts' rate arithmetic answers exactly what its plain definition says."""

from __future__ import annotations

import random
from decimal import Decimal

from liasse.extract.candidates.amounts import _RATES, _RateArithmetic

GAP = Decimal("0.02")


def _tax_of_other(value: Decimal, top: list[Decimal]) -> bool:
    return any(rate > 0 and abs(other * rate / 100 - value) <= GAP
               for other in top if other > value for rate in _RATES)


def _net_of_other(value: Decimal, top: list[Decimal]) -> bool:
    return any(rate > 0 and abs(value * rate / 100 - other) <= GAP
               for other in top if other < value for rate in _RATES)


def test_rate_arithmetic_matches_its_definition_on_crafted_pages() -> None:
    rng = random.Random(11)
    for _ in range(60):
        nets = [Decimal(rng.randint(1, 500_000)) / 100 for _ in range(rng.randint(1, 12))]
        # A page's tax lines: a rate of a net, sometimes a cent or three off.
        taxes = [(net * rng.choice(_RATES) / 100).quantize(Decimal("0.01"))
                 + Decimal(rng.randint(-3, 3)) / 100 for net in nets]
        totals = [net + tax for net, tax in zip(nets, taxes, strict=True)]
        values = sorted(set(nets + taxes + totals), reverse=True)
        top = values[:40]
        rates = _RateArithmetic(top)
        for value in values:
            assert rates.tax_of_other(value) == _tax_of_other(value, top)
            assert rates.net_of_other(value) == _net_of_other(value, top)


def test_a_tax_two_cents_off_counts_and_three_cents_off_does_not() -> None:
    rates = _RateArithmetic([Decimal("100.00"), Decimal("20.02"), Decimal("19.97")])
    assert rates.tax_of_other(Decimal("20.02"))
    assert not rates.tax_of_other(Decimal("19.97"))
    assert rates.net_of_other(Decimal("100.00"))
