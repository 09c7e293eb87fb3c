"""Printed numbers as exact Decimals: `1 234,56`, `1.234,56`, `1,234.56`, `-12,50 €`, `(8.00)`.

Amounts are never floats. A number counts as an amount when it has two decimals or sits
next to a currency mark; percentages, dates and pieces of identifiers are not amounts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

CURRENCY_MARKS: dict[str, str] = {
    "€": "EUR", "EUR": "EUR", "EURO": "EUR", "EUROS": "EUR", "$": "USD", "USD": "USD",
    "US$": "USD", "£": "GBP", "GBP": "GBP", "CHF": "CHF", "FR.": "CHF", "SFR": "CHF",
    "CAD": "CAD", "AUD": "AUD", "JPY": "JPY", "¥": "JPY", "SEK": "SEK", "NOK": "NOK",
    "DKK": "DKK", "PLN": "PLN", "CZK": "CZK", "HUF": "HUF", "RON": "RON",
    # Malaysia's ringgit, printed "RM" and glued to the figure on till slips ("RM53.60").
    "RM": "MYR", "MYR": "MYR", "SGD": "SGD",
    # South Africa's rand, printed "R" and glued to the figure ("Total Due R1374945.00"),
    # and Brazil's real, "R$".
    "R": "ZAR", "ZAR": "ZAR", "R$": "BRL", "BRL": "BRL",
    # The euro sign decoded with the wrong code page: byte 0x80 is "€" in Windows-1252
    # and "Ä" in Mac Roman, and some PDF fonts map it so ("Total Due: Ä59,50").
    "Ä": "EUR",
}
_MARK = (r"(?:€|\$|£|¥|US\$|EUROS?|EUR|USD|GBP|CHF|SFR|Fr\.|CAD|AUD|JPY|SEK|NOK|DKK|PLN|CZK|HUF"
         r"|RON|RM|MYR|SGD|ZAR|BRL|(?-i:R\$|R(?=\s?\d+[.,]\d{2}(?!\d)))|Ä)")
# OCR sometimes puts a space after a decimal point ("40. 35"): two digits still follow.
# (Not after a comma: "10, 20" is a list more often than an amount.)
# And RapidOCR one before it ("71 .00").
_DIGITS = (r"\d{1,3}(?:[ \u00a0\u202f.,'’]\d{3})+(?:[.,]\d{1,2}|\. \d{2}(?!\d))?"
           r"|\d+(?:[.,]\d{1,2}|\. \d{2}(?!\d)| \.\d{2}(?![\d.,]))?")
_AMOUNT = re.compile(
    r"(?<![\w.,/-])(?P<open>\()?(?P<sign>[-−–]\s?)?"
    rf"(?:(?P<before>{_MARK})\s?)?(?P<sign2>[-−]\s?)?"
    rf"(?P<digits>{_DIGITS})(?P<minus>-)?"
    rf"(?:\s?(?P<after>{_MARK}))?(?P<close>\))?"
    r"(?![\w%/.,-])(?!\s?%)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")  # what `_DIGITS` needs at least once, as `\d` matches it
# A percentage as a VAT rate prints it ("20 %", "5,5%"), for the patterns that place one.
RATE = r"\d{1,2}(?:[.,]\d{1,2})?\s?%"
_RATE = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")


@dataclass(frozen=True)
class Amount:
    value: Decimal  # exact, with the sign as printed
    currency: str | None  # ISO code when a mark sat next to the number
    text: str  # the characters it was read from
    decimals: int = 2  # how many decimals were printed


def parse_amount(text: str) -> tuple[Amount, str] | None:
    """The first amount in `text`, or None."""
    amounts = find_amounts(text)
    return (amounts[0], amounts[0].text) if amounts else None


def parse_last_amount(text: str) -> tuple[Amount, str] | None:
    """The last amount in `text`: on a tax line the first one is often the taxed base."""
    amounts = find_amounts(text)
    return (amounts[-1], amounts[-1].text) if amounts else None


def find_amounts(text: str) -> list[Amount]:
    return list(_amounts_in(text))


@lru_cache(maxsize=1 << 15)
def _amounts_in(text: str) -> tuple[Amount, ...]:
    """Cached: the readers scan the same segment texts for amounts many times."""
    if _DIGIT.search(text) is None:
        return ()  # every amount has a digit; a third of the texts asked about have none
    return tuple(amount for amount in map(_amount_of, _AMOUNT.finditer(text))
                 if amount is not None)


def find_rate(text: str) -> Decimal | None:
    """A VAT rate such as `20 %` or `5,5%` in the text, as a Decimal percentage."""
    match = _RATE.search(text)
    return Decimal(match.group(1).replace(",", ".")) if match else None


def _amount_of(match: re.Match[str]) -> Amount | None:
    mark = match.group("before") or match.group("after")
    currency = CURRENCY_MARKS.get(mark.upper()) if mark else None
    parsed = parse_number(match.group("digits"))
    if parsed is None:
        return None
    value, decimals = parsed
    if decimals != 2 and currency is None:
        return None
    negative = bool(match.group("sign") or match.group("sign2") or match.group("minus")
                    or (match.group("open") and match.group("close")))
    return Amount(-value if negative else value, currency, match.group(0).strip(), decimals)


# Compiled once: `parse_number` runs for every amount-shaped match of every page.
_SPACED_CENTS = re.compile(r"(?:\. | \.)(\d{2})$")
_LEADING_ZERO = re.compile(r"0\d")
_DECIMAL_PART = re.compile(r"[.,](\d{1,2})$")
_NON_DIGIT = re.compile(r"\D")
_GROUPING = re.compile(r"[ \u00a0\u202f.,'’]")


def parse_number(digits: str) -> tuple[Decimal, int] | None:
    """A printed number and how many decimals it showed; None when its separators clash."""
    digits = _SPACED_CENTS.sub(r".\1", digits)
    if _LEADING_ZERO.match(digits):
        return None  # "090,74" is the tail of "5 090,74" split apart (OCR), not an amount
    decimal_part = _DECIMAL_PART.search(digits)
    if decimal_part is None:
        return Decimal(_NON_DIGIT.sub("", digits)), 0
    whole = digits[:decimal_part.start()]
    separator = digits[decimal_part.start()]
    if separator in whole:
        return None  # "1.234.56": the same mark cannot group thousands and split decimals
    groups = _GROUPING.split(whole)
    if len(groups) > 1 and any(len(group) != 3 for group in groups[1:]):
        return None
    number = Decimal(f"{''.join(groups)}.{decimal_part.group(1)}")
    return number, len(decimal_part.group(1))


def format_amount(value: Decimal) -> str:
    """The contract's form: a dot and two decimals."""
    return f"{value.quantize(Decimal('0.01')):.2f}"
