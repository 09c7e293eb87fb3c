"""What a supplier's memory says against a value read on its next document.

Memory lifts values (`extract.memory`); it must also stop one that the supplier's own
confirmed documents make implausible, whoever read it, from being stated as sure. Two
checks a bookkeeper would make by eye:

- a date years away from the date of the supplier's last confirmed document: OCR misreads
  a year's digit ("2047", "2013" for 2018) and the reader's calibration cannot know it;
- a number and a date in opposite orders: an invoice numbered after the confirmed one
  and dated over a month before it (or the reverse) has one of the two misread. Only a
  number read where the supplier prints its numbers counts (a receipt's other codes are
  no sequence), and a few weeks' disorder is a supplier's own (drafts numbered late).
  A number printed as money ("62.00", an amount a reviewer left in the number field) and
  two numbers too far apart to be one count (a till's or a branch's own series, "7010385084"
  and "1010104759") say nothing of the order either.

A doubted value keeps its reading; only its confidence drops below the auto band, with the
reason in its evidence, so a person checks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

from liasse.domain.extraction import ExtractedField
from liasse.extract.candidates import Candidate

# The longest plausible gap between two documents of one supplier in one workspace.
DATE_SPAN_DAYS = 2 * 366
# How far a number and a date may disagree in order before one of them is doubted.
_DISORDER_DAYS = 31
# An invoice number read with less confidence is no evidence of the order.
_NUMBER_READ = 0.8
_NUMBER_DIGITS = 4
# Two numbers of one supplier's count dated within two years: further apart than this, the
# leading digits name another series (a branch, a till), not a later invoice.
_SEQUENCE_GAP = 100_000
_MONEY = re.compile(r"-?\d+[.,]\d{2}")
# The largest step a till's rounding line prints (to the five or ten cents).
_ROUNDING_AT_MOST = Decimal("0.10")
# A doubted value is for a person: just under the auto band.
DOUBTED = 0.8
_DIGITS = re.compile(r"\d+")
_LETTERS = re.compile(r"[A-Za-z]+")


def doubts(confirmed: Mapping[str, str], fields: Mapping[str, ExtractedField]
           ) -> dict[str, str]:
    """Field → why the supplier's last confirmed values (`confirmed`, field → value) make
    the value read doubtful."""
    found: dict[str, str] = {}
    remembered = _parsed(confirmed.get("issue_date", ""))
    read = _read_date(fields.get("issue_date"))
    if remembered is None or read is None:
        return found
    if abs((read - remembered).days) > DATE_SPAN_DAYS:
        found["issue_date"] = (f"years away from the supplier's confirmed document of "
                               f"{remembered.isoformat()}")
        return found
    order = _number_order(confirmed.get("invoice_number"), fields.get("invoice_number"))
    if order is not None and abs((read - remembered).days) > _DISORDER_DAYS \
            and order != (read > remembered):
        why = (f"numbered {'after' if order else 'before'} the supplier's confirmed "
               f"document of {remembered.isoformat()} but dated "
               f"{'before' if order else 'after'} it")
        found["issue_date"] = why
        found["invoice_number"] = why
    return found


def doubted(found: ExtractedField, why: str) -> ExtractedField:
    if found.confidence <= DOUBTED:
        return found
    return replace(found, confidence=DOUBTED, evidence=f"{found.evidence} [doubt: {why}]"[:240])


def _read_date(found: ExtractedField | None) -> date | None:
    return _parsed(found.value) if found is not None and found.value else None


def _parsed(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _number_order(confirmed: str | None, found: ExtractedField | None) -> bool | None:
    """Whether this invoice number comes after the confirmed one (None: not comparable,
    as when the two are not printed in the same shape)."""
    if not confirmed or found is None or not found.value or found.confidence < _NUMBER_READ:
        return None
    if _shape(confirmed) != _shape(found.value) or _MONEY.fullmatch(found.value.strip()):
        return None
    old, new = _number(confirmed), _number(found.value)
    if old is None or new is None or old == new or abs(new - old) > _SEQUENCE_GAP:
        return None
    return new > old


def _shape(text: str) -> str:
    return _DIGITS.sub("9", _LETTERS.sub("A", text.strip()))


def _number(text: str) -> int | None:
    digits = "".join(_DIGITS.findall(text))
    return int(digits) if len(digits) >= _NUMBER_DIGITS else None


def paid_adds_up(amounts: list[Candidate], total: str) -> bool:
    """The page's payment lines cross-check a total: the cash handed over less the change
    given back, or another amount plus the rounding printed on its line ("Total 7.72",
    "Rounding -0.02", "Nett Total 7.70")."""
    value = Decimal(total)
    if value <= 0:
        return False
    handed = {Decimal(c.value) for c in amounts if c.labelled("payment_line")} - {value}
    if any(given - value in handed for given in handed if given > value):
        return True
    # A rounding is a few cents: a larger amount on a rounding line is the total itself
    # or a misread (a till prints the total on its rounding line), and "0.00 + 65.10"
    # would cross-check any total so printed.
    rounding = {step for step in (Decimal(c.value) for c in amounts if c.labelled("rounding"))
                if 0 < abs(step) < _ROUNDING_AT_MOST}
    others = {Decimal(c.value) for c in amounts} - {value}
    return any(other > 0 and other + step == value for other in others for step in rounding)


_TOTALS_ROLES = ("total_amount", "net_amount", "tax_amount", "rate_share")


def totals_add_up(amounts: list[Candidate], total: Candidate) -> bool:
    """Two amounts of the totals block above the total, each after a total, net or tax
    label, add up to it ("Total 6% supplies (inc. GST) 14.50", "Total 0% supplies 12.60",
    "Total Payable 27.10", or a credit: 46.82 and -0.76 for 46.06): the page's own sum
    checks the total's digits. Item lines are
    left out: among a slip's many prices some pair adds up to almost anything."""
    value = Decimal(total.value)
    if value <= 0:
        return False
    above = [Decimal(c.value) for c in amounts
             if c.segment.page == total.segment.page and c.segment.line < total.segment.line
             and any(c.labelled(role) for role in _TOTALS_ROLES)]
    # A credit line's negative total counts ("Total 0% supplies 46.82", "Total 6%
    # supplies (Inc. GST) -0.76", "Total Payable 46.06"); the total being positive, one
    # part at least is.
    parts = [part for part in above if part != 0]
    return any(parts[i] + parts[j] == value
               for i in range(len(parts)) for j in range(i + 1, len(parts)))


_CASH_STEP = Decimal("0.05")


def rounded_from_above(amounts: list[Candidate], total: Candidate) -> bool:
    """A total after a total label above it ("Total Sales (Inclusive GST)" reads as a tax
    label too), rounded to the five cents cash is paid in, is this one ("Total Sales
    45.34", "Rounding 45.35", its step unread): the two printings' digits
    agree to within the rounding. Only on a page with a rounding line (`amounts` are the
    page's, `total` among them)."""
    value = Decimal(total.value)
    if value <= 0 or value % _CASH_STEP != 0 or not any(
            c.labelled("rounding") for c in amounts):
        return False
    for other in amounts:
        exact = Decimal(other.value)
        if other.segment.page != total.segment.page or other.segment.line >= \
                total.segment.line or exact == value or not any(
                    other.labelled(role) for role in _TOTALS_ROLES):
            continue
        if abs(exact - value) < _CASH_STEP / 2 + Decimal("0.001"):
            return True
    return False


# The lines a slip prints its total on again: a subtotal with no tax, the cash paid.
_AGAIN_ROLES = ("total_amount", "net_amount", "payment_line")


def read_twice(candidates: list[Candidate], chosen: Candidate) -> bool:
    """OCR read the same value on another line of the page, two printings of it read
    from other pixels ("Total Sales 31.00", "Total After Adj 31.00"; a date on top and
    at the foot): a misread digit would not be misread alike twice. An amount counts
    again only after a total or payment label (a one-item slip's price is no second
    printing of its total, only as likely the same number)."""
    for other in candidates:
        if other.value != chosen.value or (other.segment.page, other.segment.line) == (
                chosen.segment.page, chosen.segment.line):
            continue
        if chosen.kind != "amount" or any(other.labelled(role) for role in _AGAIN_ROLES):
            return True
    return False


def rounds_by_nothing(amounts: list[Candidate]) -> bool:
    """The page's rounding lines all print zero ("Rounding : 0.00")."""
    rounding = [Decimal(c.value) for c in amounts if c.labelled("rounding")]
    return bool(rounding) and all(step == 0 for step in rounding)
