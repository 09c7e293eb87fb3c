"""Amount candidates: every figure that may be money, and what relates them to each other
(net + tax = total, the sum of per-rate tax lines, a tax at a usual rate of a net, the cash
handed over and the change, a total before or after its cash rounding).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from decimal import Decimal

from liasse.extract.candidates.context import Candidate, _capital_before, _Context
from liasse.extract.candidates.dates import _unglued
from liasse.extract.fields.numbers import find_amounts, find_rate

_RATES = tuple(Decimal(r) for r in ("20", "10", "5.5", "2.1", "8.5", "19", "7", "21", "9",
                                    "6", "22", "4", "5", "12", "13", "23", "25", "16", "15",
                                    "0"))


def _clashes_with_page(context: _Context, text: str, decimals: int) -> bool:
    """A figure grouped by the page's own decimal mark ("RM3.655", "2.200 RM / litre" on a
    slip that prints "24.40"): OCR's glued tax code or a unit price to three decimals,
    never three thousand ringgit."""
    return decimals == 0 and context.decimal_mark is not None \
        and context.decimal_mark in text


def _amounts(context: _Context) -> Iterator[Candidate]:
    dollars = "$" in context.layout.text  # OCR's "S8.20" is "$8.20" where "$" is printed
    of_line: dict[int, tuple[int, Decimal | None]] = {}  # amounts and rate, by line index
    for segment in context.layout.segments():
        if id(segment) not in context.digit_words:
            continue  # no figure, nor the digits a look-alike letter needs beside it
        line = context.layout.lines[segment.line]
        if segment.line not in of_line:  # the same for every segment of the line
            of_line[segment.line] = (sum(len(context.segment_amounts[id(other)])
                                         for other in line.segments), find_rate(line.text))
        line_amounts, rate = of_line[segment.line]
        resume = 0  # words of an amount already read ("1 250,00") start none of their own
        for index in range(len(segment.words)):
            # An amount starts at this word: read it from here to the segment's end.
            word = segment.words[index].text
            misread = dollars and bool(_DOLLAR_LOOK_ALIKE.match(word))
            if index < resume or (index and not _starts_number(word) and not misread):
                continue
            # "Rounding:-RM0.02": a label glued to its amount by a colon, read from the colon.
            rest = segment.text_from(index)
            text = _unglued(rest)
            glued = len(text) < len(rest)
            if _ZERO_LOOK_ALIKE.match(text):  # rare: `sub` with a template costs even unmatched
                text = _ZERO_LOOK_ALIKE.sub(r"\g<1>0", text, count=1)
            if misread:
                text = "$" + text[1:]
            first = text.split(" ", 1)[0]
            amounts = context.segment_amounts[id(segment)] if text == segment.text \
                else find_amounts(text)
            if not amounts or not first.startswith(amounts[0].text[:1]) \
                    or _clashes_with_page(context, amounts[0].text, amounts[0].decimals):
                continue
            amount = amounts[0]
            resume = index + len(amount.text.split())
            candidate = Candidate("amount", f"{amount.value.quantize(Decimal('0.01')):.2f}",
                                  segment, index)
            candidate.features.update({
                "glued_label": float(glued),
                "currency_mark": float(amount.currency is not None),
                "negative": float(amount.value < 0),
                "two_decimals": float(amount.decimals == 2),
                "line_amounts": min(line_amounts / 4, 2.0),
                "last_on_line": float(segment is line.segments[-1] and len(amounts) == 1),
                "rate_on_line": float(rate is not None),
                "zero": float(amount.value == 0),
                "magnitude": math.log10(1 + abs(float(amount.value))) / 6,
                "share_capital": float(_capital_before(segment, index)),
            })
            yield candidate


def _tax_sums(candidates: list[Candidate]) -> list[Candidate]:
    """The sum of several per-rate tax lines ("MwSt. 19 %", "MwSt. 7 %"), as one candidate."""
    lines: dict[int, Candidate] = {}
    for candidate in candidates:
        labelled = max(candidate.features.get("same:tax_amount", 0.0),
                       candidate.features.get("left:tax_amount", 0.0))
        if labelled and candidate.features.get("rate_on_line") and Decimal(candidate.value) > 0:
            lines[candidate.segment.line] = candidate  # the line's last amount: the tax
    if len(lines) < 2:
        return []
    last = lines[max(lines)]
    total = sum((Decimal(c.value) for c in lines.values()), Decimal(0))
    summed = Candidate("amount", f"{total:.2f}", last.segment, last.word, dict(last.features))
    summed.features["tax_sum"] = 1.0
    return [summed]


# Cash rounding moves a sale to the nearest five cents (Malaysia, Switzerland, …) and by
# no more than that.
_CASH_STEP = Decimal("0.05")


def _paid_totals(context: _Context, candidates: list[Candidate]) -> list[Candidate]:
    """The total a till slip's customer paid, when it is printed nowhere whole: the total
    with its cash rounding ("Grand Total 87.08 / Rounding 0.02" makes 87.10), or, on a slip
    that prints a rounding line (its figure garbled: "Rounding RMO.01"), the cash handed
    over less the change ("Total Paid 50.00 / Change 34.60" makes 15.40, beside a "Total
    15.39"). Kept only when the result is a multiple of five cents a few cents from a
    labelled total that is not one: what cash rounding does, and no coincidence does
    often. Each is offered on the rounding or change line, under the total, so that the
    ranking's rounding rule moves the total to it."""
    if not context.layout.hits.get("rounding"):
        return []
    totals = [c for c in candidates if _total_labelled(c) and not _payment_side(c)]
    handed = [c for c in candidates if c.labelled("payment_line")
              and Decimal(c.value) > 0]
    # What the cash less the change says was paid: a total it equals was paid unrounded,
    # whatever the rounding line says (a till that rounds only card payments, say).
    settled = {Decimal(given.value) - Decimal(back.value) for given in handed
               for back in handed if back.segment.line > given.segment.line}
    derived: list[Candidate] = []
    for rounding in (c for c in candidates if _rounding_labelled(c)):
        step = Decimal(rounding.value)
        for total in _totals_above(totals, rounding):
            if Decimal(total.value) not in settled:
                derived += _paid(total, Decimal(total.value) + step, rounding,
                                 f"{_said(total)} {step:+.2f} (rounding)")
    for given in handed:
        for back in handed:
            paid = Decimal(given.value) - Decimal(back.value)
            if back.segment.line > given.segment.line and paid > 0:
                for total in totals:
                    derived += _paid(total, paid, back,
                                     f"{_said(given)} − {_said(back)} (cash less change)")
    return derived


def _said(candidate: Candidate) -> str:
    """A printed amount with its label, as the evidence quotes it."""
    label = candidate.label
    before = f"{label.text} " if label is not None and label is not candidate.segment else ""
    return f"{before}{candidate.segment.text}"


def _paid(total: Candidate, paid: Decimal, where: Candidate, how: str) -> list[Candidate]:
    gap = abs(paid - Decimal(total.value))
    if not Decimal(0) < gap < _CASH_STEP or paid % _CASH_STEP \
            or where.segment.line <= total.segment.line:
        return []
    candidate = Candidate("amount", f"{paid:.2f}", where.segment, where.word,
                          dict(total.features), total.label,
                          derivation=f"{how} = {paid:.2f}")
    candidate.features["paid_total"] = 1.0
    return [candidate]


def _totals_above(totals: list[Candidate], rounding: Candidate) -> list[Candidate]:
    """The labelled totals printed on the few lines over a rounding line, nearest first."""
    above = [total for total in totals if total.segment.page == rounding.segment.page
             and 0 < rounding.segment.line - total.segment.line <= _ROUNDING_REACH + 1]
    return sorted(above, key=lambda total: -total.segment.line)[:1]


def _total_labelled(candidate: Candidate) -> bool:
    return candidate.labelled("total_amount")


def _rounding_labelled(candidate: Candidate) -> bool:
    return candidate.labelled("rounding") \
        and Decimal(0) < abs(Decimal(candidate.value)) < _CASH_STEP


# A currency code glued to its figure ("RM53.60", "EUR12,00", the rand's "R1374945.00")
# starts an amount too.
_GLUED_MARK = re.compile(r"^(?:RM|MYR|SGD|EUR|USD|GBP|CHF|ZAR|BRL|(?-i:R\$?))\d", re.IGNORECASE)


# OCR's letter O for the zero of a few cents after a currency mark ("RMO.02", "$O.50").
_ZERO_LOOK_ALIKE = re.compile(r"^((?:RM|MYR|SGD|EUR|USD|GBP|CHF|[€$£])\s?)O(?=[.,]\d{2}(?!\d))",
                              re.IGNORECASE)


# OCR's letter S for the dollar sign glued to a figure with its cents ("Total: S8.20").
_DOLLAR_LOOK_ALIKE = re.compile(r"^S\d{1,6}[.,]\d{2}$")


def _starts_number(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text[0] in "-−(€$£"
                           or bool(_GLUED_MARK.match(text)) or bool(_ZERO_LOOK_ALIKE.match(text)))


def _payment_side(candidate: Candidate) -> bool:
    return candidate.labelled("payment_line") or candidate.labelled("rounding")


def _amount_relations(candidates: list[Candidate]) -> None:
    """Arithmetic between the page's amounts: a total is the sum of a net and a tax."""
    # The share capital is printed among the amounts but takes part in no arithmetic.
    values = sorted({Decimal(candidate.value) for candidate in candidates
                     if not candidate.features.get("share_capital")}, reverse=True)
    top = values[:40]  # the largest distinct amounts carry the totals; bound the pairs
    handed_over = _handed_over(candidates)
    paid = [_payment_side(candidate) or id(candidate) in handed_over for candidate in candidates]
    # The amounts of the sale itself: not the cash handed over, the change, the rounding.
    sale = sorted({Decimal(c.value) for c, side in zip(candidates, paid, strict=True)
                   if not side}, reverse=True)
    # The sum of the per-rate tax lines adds up with a net, but is printed nowhere: never
    # the page's largest amount (a tax summary's "Total 6% supplies (Inc. GST)" lines,
    # summed past the total).
    summed = {Decimal(c.value) for c in candidates if c.features.get("tax_sum")} - {
        Decimal(c.value) for c in candidates if not c.features.get("tax_sum")}
    printed = [value for value in values if value not in summed]
    sale_printed = [value for value in sale if value not in summed]
    # Every "one of the largest plus another amount" and "one of the largest less another",
    # among the sale's amounts: the cash handed over is the sale plus the change, a sum of
    # two that says nothing of a net and a tax (and made the sale "part of a sum").
    # Built once, so each candidate's arithmetic is a set lookup; in cents, exact (every
    # amount candidate's value has two decimals), as integers add and hash ten times faster.
    counted = set(values)  # the share capital left out
    positive = [_cents(value) for value in sale if value > 0 and value in counted]
    sale_top = [_cents(value) for value in sale if value in counted][:40]
    sums = {big + other for big in sale_top if big > 0 for other in positive if other != big}
    parts = {big - other for big in sale_top for other in positive if big - other > 0}
    # Some tills print the cash handed over as negative ("Cash -50.00"): its size counts.
    handed = {abs(Decimal(c.value)) for c, side in zip(candidates, paid, strict=True)
              if side and Decimal(c.value) != 0}
    sale_rank = {value: rank for rank, value in enumerate(sale)}
    rank = {value: position for position, value in enumerate(values)}
    rates = _RateArithmetic(top)
    for candidate, side in zip(candidates, paid, strict=True):
        value = Decimal(candidate.value)
        features = candidate.features
        features["handed_over"] = float(id(candidate) in handed_over)
        features["is_max_sale"] = float(bool(sale_printed) and value == sale_printed[0]
                                        and not side)
        features["rank_sale"] = sale_rank.get(value, len(sale)) / 10
        features["is_max"] = float(bool(printed) and value == printed[0])
        features["rank"] = rank.get(value, len(values)) / 10
        features["sum_of_two"] = float(_cents(value) in sums)
        features["part_of_sum"] = float(value > 0 and _cents(value) in parts)
        # Cash handed over less the change given back is what the sale cost.
        features["tendered_less_change"] = float(
            value > 0 and not side
            and any(given - value in handed for given in handed if given > value))
        features["tax_of_other"] = float(value > 0 and rates.tax_of_other(value))
        features["net_of_other"] = float(value > 0 and rates.net_of_other(value))


def _cents(value: Decimal) -> int:
    """An amount candidate's value (two decimals: "12.50") as a whole number of cents."""
    return int(value.scaleb(2))


# The labels of the change a till gives back ("Change 0.80", "Rendu 5,00"), among the
# payment words: the change tells the money handed over from the sale.
_CHANGE_WORDS = frozenset({"change", "rendu", "monnaie", "ruckgeld", "wechselgeld", "cambio",
                           "vuelto", "wisselgeld", "resto"})


def _gives_change(candidate: Candidate) -> bool:
    label = candidate.label
    return candidate.labelled("payment_line") and label is not None \
        and any(token in _CHANGE_WORDS for tokens in label.tokens for token in tokens)


def _handed_over(candidates: list[Candidate]) -> set[int]:
    """The money handed over, known by its arithmetic when its label is not ("Pay 20.00",
    "Received 150.00", "Accepted total 2.00"): the amount printed right over the change
    (on the last line above it that holds one), with a sale amount above it, that is the
    sale plus the change to the cent. Left unknown, it passed for the total: the page's
    largest amount, and a sum of two."""
    changes = [c for c in candidates if _gives_change(c) and Decimal(c.value) > 0]
    if not changes:
        return set()
    sales = [c for c in candidates if not _payment_side(c) and Decimal(c.value) > 0]
    by_value: dict[Decimal, list[Candidate]] = {}
    for sale in sales:
        by_value.setdefault(Decimal(sale.value), []).append(sale)
    found: set[int] = set()
    for change in changes:
        where = (change.segment.page, change.segment.line)
        above = [c.segment.line for c in candidates if c.segment.page == where[0]
                 and c.segment.line < where[1]]
        for given in sales:
            if not above or (given.segment.page, given.segment.line) != (where[0], max(above)):
                continue
            rest = Decimal(given.value) - Decimal(change.value)
            if any(sale.segment.page == given.segment.page
                   and sale.segment.line < given.segment.line
                   for sale in by_value.get(rest, [])):
                found.add(id(given))
    return found


# Each rate as a share (20 % is 0.20): `value * share` has the digits of `value * rate / 100`
# (the same product, its exponent moved by two), without a division per amount and rate.
_SHARES = tuple(rate / 100 for rate in _RATES if rate > 0)
_RATE_GAP = Decimal("0.02")  # how far from a rate's exact result a printed amount may be
# The sorted searches below look a little wider than the gap; the exact test then decides.
_RATE_WINDOW = Decimal("0.03")


class _RateArithmetic:
    """Is an amount a VAT rate of one of the largest amounts, or are they its rate?

    Asked for every amount candidate, against every one of the largest amounts at every
    rate: the products are computed once and searched in order, and each distinct value
    is answered once."""

    def __init__(self, top: list[Decimal]) -> None:
        self._top = top
        self._ascending = sorted(top)
        # (the rate's share of a large amount, that amount), by share.
        self._taxes = sorted((other * share, other) for other in top for share in _SHARES)
        self._tax_keys = [tax for tax, _ in self._taxes]
        self._answers: dict[tuple[str, Decimal], bool] = {}

    def tax_of_other(self, value: Decimal) -> bool:
        """`value` is, to the cent or two, a rate of a larger amount among the top ones."""
        key = ("tax", value)
        if key not in self._answers:
            start = bisect_left(self._tax_keys, value - _RATE_WINDOW)
            self._answers[key] = any(
                other > value and abs(tax - value) <= _RATE_GAP
                for tax, other in self._taxes[start:bisect_right(self._tax_keys,
                                                                 value + _RATE_WINDOW)])
        return self._answers[key]

    def net_of_other(self, value: Decimal) -> bool:
        """A rate of `value` is, to the cent or two, a smaller amount among the top ones."""
        key = ("net", value)
        if key not in self._answers:
            self._answers[key] = any(self._rate_hits(value, value * share)
                                     for share in _SHARES)
        return self._answers[key]

    def _rate_hits(self, value: Decimal, tax: Decimal) -> bool:
        start = bisect_left(self._ascending, tax - _RATE_WINDOW)
        end = bisect_right(self._ascending, tax + _RATE_WINDOW)
        return any(other < value and abs(tax - other) <= _RATE_GAP
                   for other in self._ascending[start:end])


_ROUNDING_REACH = 2  # how many lines under a rounding line the rounded total is printed


def _below_rounding(context: _Context, candidates: list[Candidate]) -> None:
    """Amounts on a rounding line or just under it ("ROUNDING ADJ / RM 60.30"): where the
    rounded total, the one paid, is printed, even when OCR garbled the rounding's own
    figure so that it is no amount ("ROUNDING ADJ . 10:0-")."""
    lines = {(hit.segment.page, hit.segment.line)
             for hit in context.layout.hits.get("rounding", [])}
    for candidate in candidates:
        page, line = candidate.segment.page, candidate.segment.line
        candidate.features["below_rounding"] = float(any(
            (page, line - step) in lines for step in range(_ROUNDING_REACH + 1)))
