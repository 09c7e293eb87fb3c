"""Dates in French, English and German, and due dates from payment terms.

Numeric dates are read in the order the page's own dates show (`page_date_order`): day
first (the European order) unless a date of the page can only be read month first; on an
English page that shows neither, a date whose day and month could be swapped is flagged
ambiguous so that it never reaches SURE on its own.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import Levenshtein

from liasse.extract.confidence import Evidence
from liasse.extract.fields.geometry import Found, Layout, normalise, values_near
from liasse.extract.fields.lexicon import (
    LABELS,
    SALE_DATE_WORDS,
    VALIDITY_PHRASES,
    VALIDITY_WORDS,
)
from liasse.extract.fields.numbers import find_amounts
from liasse.extract.fields.reading import NOT_FOUND, FieldReading

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    ("janvier", "january", "januar", "jan", "janv", "jaenner", "janner"),
    ("fevrier", "february", "februar", "feb", "fev", "fevr"),
    ("mars", "march", "marz", "maerz", "mar", "mrz"),
    ("avril", "april", "apr", "avr"),
    ("mai", "may"),
    ("juin", "june", "juni", "jun"),
    ("juillet", "july", "juli", "jul", "juil"),
    ("aout", "august", "aug"),
    ("septembre", "september", "sept", "sep"),
    ("octobre", "october", "oktober", "oct", "okt"),
    ("novembre", "november", "nov"),
    ("decembre", "december", "dezember", "dec", "dez"),
), start=1):
    for _name in _names:
        _MONTHS[_name] = _number

_MONTH_WORD = "|".join(sorted(_MONTHS, key=len, reverse=True))
# Both separators alike: "2/4.00" (two for 4.00) is a till's price, no date. A date whose
# separators OCR broke is read, never as sure, by `candidates.dates._broken_date`.
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")
# Year first: ISO "2018-02-22", and the slashes or dots of Asian till slips ("2018/02/22").
_ISO = re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)")
# A till prints the year in two digits after a month's name ("30 Dec 17 18:40:57"): taken
# only at the text's end or before a time, where no count or amount follows the month.
_DAY_MONTH_NAME = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:er|st|nd|rd|th)? (?:of )?({_MONTH_WORD}) "
    rf"(\d{{4}}(?!\d)|\d{{2}}(?=$| \d{{1,2}} [0-5]\d(?!\d)))")
_MONTH_NAME_DAY = re.compile(rf"\b({_MONTH_WORD}) (\d{{1,2}})(?:st|nd|rd|th)? (\d{{4}})(?!\d)")


# A date with the time glued to it, as RapidOCR reads a till slip's "23/03/2018 9:34:40"
# ("23/03/20189:34:40", "04-05-1812:50:51", "05 Mar201818:24"): the date, then a time.
_GLUED_TIME = re.compile(
    r"^(?P<date>\d{1,2}(?P<cut>[./-])\d{1,2}(?P=cut)(?:(?:19|20)\d{2}|\d{2})"
    r"|(?:19|20)\d{2}(?P<iso>[./-])\d{1,2}(?P=iso)\d{2}"
    r"|\d{1,2} ?[A-Za-z]{3,9}\.?[ -]?(?:19|20)\d{2})(?=[0-2]?\d ?[:·] ?[0-5]\d)")
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
# OCR's space after a date's separator ("5/ 3/2018 22:52"): the date closed up again.
_SPACED_DATE = re.compile(r"^(\d{1,2})([./-]) ?(\d{1,2})\2 ?((?:19|20)\d{2})(?!\d)")


def without_glued_time(text: str) -> str:
    """`text` with a space between a date and the time glued after it, and around a month
    name glued to its day or year ("30May201818:24"), and without a space OCR put after a
    date's separator ("5/ 3/2018"); unchanged when it opens with no such date."""
    text = _SPACED_DATE.sub(r"\1\2\3\2\4", text, count=1)
    match = _GLUED_TIME.match(text)
    if match is None:
        return text
    return f"{_LETTER_DIGIT.sub(' ', match.group('date'))} {text[match.end():]}"


# How a page prints its numeric dates: day first (the European order, and the default),
# month first (a page that printed "12/28/2017"), or either (an English page that printed
# none that tells): then a date whose day and month could be swapped is ambiguous.
DateOrder = Literal["day_first", "month_first", "either"]


def page_date_order(layout: Layout, *, english: bool) -> DateOrder:
    """The order the page's own dates show: a day past 12 first ("26/02/2019") or second
    ("02/26/2019"), in a date with a four-digit year (a version "2.15.10" shows nothing);
    a page that shows both, or neither, is read day first unless it is English."""
    shown = {order for match in _NUMERIC.finditer(layout.text)
             if (order := _order_shown(match)) is not None}
    if len(shown) == 1:
        return shown.pop()
    return "either" if english else "day_first"


def _order_shown(match: re.Match[str]) -> DateOrder | None:
    first, second, year = int(match.group(1)), int(match.group(3)), match.group(4)
    if len(year) != 4 or not 1900 <= int(year) <= 2099:
        return None
    if first > 12 >= second and _safe_date(int(year), second, first) is not None:
        return "day_first"
    if second > 12 >= first and _safe_date(int(year), first, second) is not None:
        return "month_first"
    return None


@dataclass(frozen=True)
class ParsedDate:
    value: date
    ambiguous: bool  # day and month could be swapped


_DateParser = Callable[[str], "tuple[ParsedDate, str] | None"]


@lru_cache(maxsize=1 << 15)
def parse_date(text: str, *, order: DateOrder = "day_first") -> tuple[ParsedDate, str] | None:
    """The first date in `text` (numeric, ISO, or with a month name in FR/EN/DE); a numeric
    date is read in `order` (`page_date_order`).

    Cached (the result is immutable): every reader asks about the same texts.
    """
    found = [hit for hit in (_numeric(text, order), _iso(text), _named(text))
             if hit is not None]
    if not found:
        return None
    _, parsed, matched = min(found, key=lambda hit: hit[0])
    return parsed, matched


def _numeric(text: str, order: DateOrder) -> tuple[int, ParsedDate, str] | None:
    for match in _NUMERIC.finditer(text):
        day, month, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
        if order == "month_first":
            day, month = month, day
        value = _safe_date(year, month, day)
        if value is not None:
            ambiguous = order == "either" and day <= 12 and month <= 12 and day != month
            return match.start(), ParsedDate(value, ambiguous), match.group(0)
        # "12/28/2017" can only be month first: one reading is valid, so it is not ambiguous.
        swapped = _safe_date(year, day, month) if month > 12 else None
        if swapped is not None:
            return match.start(), ParsedDate(swapped, False), match.group(0)
    return None


def _iso(text: str) -> tuple[int, ParsedDate, str] | None:
    match = _ISO.search(text)
    if match is None:
        return None
    value = _safe_date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    return (match.start(), ParsedDate(value, False), match.group(0)) if value else None


def _named(text: str) -> tuple[int, ParsedDate, str] | None:
    """Month names are matched on the normalised text: "1er août 2026", "Oct. 1, 2026",
    and OCR's month with a digit for a letter ("10 0CT 2017")."""
    if text.isascii() and _ASCII_LETTER.search(text) is None:
        return None  # no letter, so no month name: the common "12,50 €" or "01/10/2026"
    plain = date_words(text)
    match = _DAY_MONTH_NAME.search(plain)
    if match is not None:
        value = _safe_date(_year(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    else:
        match = _MONTH_NAME_DAY.search(plain)
        if match is None:
            return None
        value = _safe_date(int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
    # Positions in the normalised text roughly follow the original: good enough to order.
    return (match.start(), ParsedDate(value, False), match.group(0)) if value else None


# An ASCII text's letters are all its normalised text has (`normalise` keeps [0-9a-z] of its
# lower case, and `date_words` turns no digit into a letter inside a digits-only token).
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_MONTH_LOOK_ALIKES = str.maketrans("015", "ois")


_MIXED_TOKEN = re.compile(r"[a-z]\d|\d[a-z]")


def date_words(text: str) -> str:
    """The normalised text, a month name OCR spelled with a digit for a letter put right."""
    plain = normalise(text)
    if not _MIXED_TOKEN.search(plain):
        return plain  # the common case, checked at C speed
    return " ".join(_month_word(token) for token in plain.split())



def _month_word(token: str) -> str:
    if token in _MONTHS or token.isdigit() or not any(char.isdigit() for char in token):
        return token
    fixed = token.translate(_MONTH_LOOK_ALIKES)
    return fixed if fixed in _MONTHS else token


def _year(digits: str) -> int:
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not 1990 <= year <= 2099:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


# A garbled long word is read as a validity word when no more than this share of its
# letters differ, it starts with the same letter, and no other label word is as near.
_VALIDITY_SIMILARITY = 0.6
_LONG_WORD = 8  # letters of a validity word from which it is read with several slips
_VALIDITY_SET = frozenset(VALIDITY_WORDS)
# Every other label word long enough to be garbled: the words a garbled one is told from.
_OTHER_LABEL_WORDS = tuple(sorted(
    {token for label in LABELS for token in label.tokens if len(token) >= 5} - _VALIDITY_SET
    | set(SALE_DATE_WORDS)))


def names_validity(tokens: tuple[str, ...]) -> bool:
    """Whether normalised label words name a date of validity or expiry, not of the sale.

    Read tolerantly, because OCR garbles such labels ("Date d'exflratigı" is "Date
    d'expiration"): a word counts when it is one of `VALIDITY_WORDS` give or take a few
    letters and nearer to it than to any other label word ("opératlon" stays an operation).
    """
    padded = f" {' '.join(tokens)} "
    return any(f" {phrase} " in padded for phrase in VALIDITY_PHRASES) \
        or any(_validity_word(token) for token in tokens)


@lru_cache(maxsize=1 << 14)
def _validity_word(token: str) -> bool:
    if token in _VALIDITY_SET:
        return True
    if len(token) < 5 or not token.isalpha():
        return False
    nearest = max(VALIDITY_WORDS, key=lambda word: Levenshtein.normalized_similarity(token, word))
    similarity = Levenshtein.normalized_similarity(token, nearest)
    if abs(len(token) - len(nearest)) > 2 or token[0] != nearest[0]:
        return False
    if len(nearest) < _LONG_WORD:
        # A short word has few letters to spare: "expert" is not "expire", nor "variable"
        # "valable"; one slip at most, away from its first two letters.
        close = Levenshtein.distance(token, nearest) <= 1 and token[:2] == nearest[:2]
    else:
        close = similarity >= _VALIDITY_SIMILARITY
    return close and all(Levenshtein.normalized_similarity(token, other) < similarity
                         for other in _OTHER_LABEL_WORDS)


# Payment terms, normalised. Each gives a number of days and whether to go to month end.
_TERMS: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(r"(\d{1,3}) jours fin de mois"), True),
    (re.compile(r"(\d{1,3}) (?:days|jours|tage) (?:end of month|fin du mois)"), True),
    (re.compile(r"(?:a|sous) (\d{1,3}) jours"), False),
    (re.compile(r"(\d{1,3}) jours net"), False),
    (re.compile(r"\bnet (\d{1,3})\b"), False),
    (re.compile(r"(?:within|in) (\d{1,3}) days"), False),
    (re.compile(r"(\d{1,3}) days net"), False),
    (re.compile(r"(\d{1,3}) tage nach monatsende"), True),
    (re.compile(r"innerhalb (?:von )?(\d{1,3}) tagen"), False),
    (re.compile(r"(\d{1,3}) tage netto"), False),
)
_ON_RECEIPT = ("a reception", "des reception", "upon receipt", "on receipt", "due on receipt",
               "sofort", "paiement comptant", "payable immediately", "sofort ohne abzug")


def due_from_terms(text: str, issued: date) -> tuple[date, str] | None:
    """The due date that payment terms give from the issue date ("30 jours fin de mois")."""
    plain = normalise(text)
    for pattern, month_end in _TERMS:
        match = pattern.search(plain)
        if match is not None:
            due = issued + timedelta(days=int(match.group(1)))
            if month_end:
                due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
            return due, match.group(0)
    for phrase in _ON_RECEIPT:
        if phrase in plain:
            return issued, phrase
    return None


def read_dates(layout: Layout, *, order: DateOrder) -> dict[str, FieldReading]:
    def parse(text: str) -> tuple[ParsedDate, str] | None:
        return parse_date(text, order=order)

    issue = _labelled_date(layout, "issue_date", parse)
    due = _labelled_date(layout, "due_date", parse)
    if due.value is None and issue.value is not None:
        due = _due_from_terms(layout, date.fromisoformat(issue.value))
    if issue.value is None:
        issue = _unlabelled_date(layout, parse)
    return {"issue_date": issue, "due_date": due}


def _labelled_date(layout: Layout, role: str, parse: _DateParser) -> FieldReading:
    # "Date d'expiration": a validity label that starts with "Date" labels no issue date.
    found = [(hit.label.strength, near) for hit in layout.hits.get(role, [])
             if not names_validity(tuple(normalise(hit.segment.text).split()))
             and (near := values_near(layout, hit, parse)) is not None]
    if not found:
        return NOT_FOUND
    strong = [near for strength, near in found if strength == "strong"]
    pool = strong or [near for _, near in found]
    best = min(pool, key=_geometry_order)
    values = {near.value.value for near in pool}
    agreeing = sum(1 for near in pool if near.value.value == best.value.value)
    evidence = Evidence(label="strong" if strong else "weak", geometry=best.geometry,
                        agreeing=agreeing, conflicting=len(values) - 1, ocr=best.ocr_confidence,
                        ambiguous=best.value.ambiguous, strict_shape=role == "issue_date")
    return FieldReading(best.value.value.isoformat(), evidence, best.evidence)


def _geometry_order(found: Found[ParsedDate]) -> int:
    return {"inline": 0, "right": 1, "below": 2, "anywhere": 3}[found.geometry]


def _due_from_terms(layout: Layout, issued: date) -> FieldReading:
    for line in layout.lines:
        if find_amounts(line.text):
            continue  # "Subtotal (net) 45.00" is an amount, not "net 45" terms
        terms = due_from_terms(line.text, issued)
        if terms is not None:
            due, phrase = terms
            evidence = Evidence(label="strong", geometry="inline", derived=True)
            return FieldReading(due.isoformat(), evidence, f"p{line.page}: {phrase}")
    return NOT_FOUND


def _unlabelled_date(layout: Layout, parse: _DateParser) -> FieldReading:
    """No date label: the only date in the first page's upper half, never SURE."""
    first = layout.pages[0] if layout.pages else None
    dates = {
        parsed[0].value: line
        for line in layout.lines
        if first is not None and line.page == 1 and line.y0 < first.height / 2
        and not names_validity(tuple(normalise(line.text).split()))
        and (parsed := parse(line.text)) is not None
    }
    if len(dates) != 1:
        return NOT_FOUND
    value, line = next(iter(dates.items()))
    return FieldReading(value.isoformat(), Evidence(label="none", geometry="anywhere"),
                        f"p{line.page}: {line.text}"[:200])
