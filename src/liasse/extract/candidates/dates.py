"""Date candidates: every date the page prints, in any of the usual forms, with what says
which date it is (a period's start or end, legal text, the dates around it).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import date

from liasse.extract.candidates.context import Candidate, _Context
from liasse.extract.fields.dates import (
    DateOrder,
    ParsedDate,
    date_words,
    page_date_order,
    parse_date,
    without_glued_time,
)
from liasse.extract.fields.geometry import Layout, Segment, normalise

_PERIOD_WORDS = frozenset({"bis", "au", "to", "until", "till", "jusqu", "al", "hasta", "tot"})
_FROM_WORDS = frozenset({"vom", "du", "from", "of", "le", "del", "van", "dal", "am"})


# English words that French, German or Dutch pages do not use ("total", "date" they do).
_ENGLISH_WORDS = frozenset({"the", "and", "invoice", "to", "of", "for", "due", "thank", "your",
                            "you", "bill", "payment", "amount", "receipt", "change", "cash",
                            "paid", "tax", "balance", "store"})


def looks_english(layout: Layout) -> bool:
    """An English page may write dates month first (12/07/2019): those are then ambiguous.

    Two words in a hundred are enough: a US receipt read by OCR has few whole words, and
    calling a European date ambiguous only costs confidence, never the value.
    """
    words = normalise(layout.text).split()
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    return english * 50 >= max(len(words), 1)


def date_order(layout: Layout) -> DateOrder:
    """How the page's numeric dates read: in the order its own dates show, else day first,
    or either way on an English page (`fields.dates.page_date_order`)."""
    return page_date_order(layout, english=looks_english(layout))


def _dates(context: _Context, *, order: DateOrder) -> Iterator[Candidate]:
    for segment in context.layout.segments():
        text = segment.text
        digits = context.digit_words.get(id(segment))
        if digits is None:
            continue  # every date has digits
        # Past the segment's last word with a digit, none can start.
        words = segment.words
        last_digits = len(digits) - 1 - digits[::-1].index(True)
        ascii_text = text.isascii()
        dashed = _dashed_period(segment, digits)
        for index in range(last_digits + 1):
            word = words[index].text
            # A date opens with a digit, or with a month name ("March 3, 2024").
            if not word[:1].isalpha() and not digits[index]:
                continue
            if ascii_text and word[:1] in _NO_MONTH_LETTERS and ":" not in word:
                continue  # "Total 12/03/2024": a date read from "Total" starts elsewhere
            # "Fecha:07/01/2020": a label glued to its date by a colon, read from the colon.
            rest = segment.text_from(index)
            unglued = _unglued(rest)
            # A glued time, a spaced separator and a cut year follow only an opening digit.
            start, split_year = _closed_year(without_glued_time(unglued)) \
                if unglued[:1].isdigit() else (unglued, False)
            parsed = parse_date(start, order=order) \
                or _compact_date(word) or _broken_date(start)
            if parsed is None:
                continue
            reading, matched = parsed
            if split_year:
                reading = ParsedDate(reading.value, True)
            if not _date_starts_here(start, matched):
                continue
            candidate = Candidate("date", reading.value.isoformat(), segment, index)
            tokens = normalise(text).split()
            before = normalise(segment.words[index - 1].text) if index else ""
            candidate.features.update({
                "period": float(any(token in _PERIOD_WORDS for token in tokens)),
                # Apart from "period": "bis" and "au" also say until when to pay.
                "dashed_period": float(dashed),
                "after_from_word": float(before in _FROM_WORDS),
                "dates_in_segment": float(len(_DATE_SHAPE.findall(text)) > 1),
                "ambiguous": float(reading.ambiguous),
                "legal_text": float(_in_legal_text(text)),
                "named_month": float(any(map(str.isalpha, matched))),
                "glued_label": float(len(unglued) < len(rest)),
            })
            yield candidate


_DASHES = frozenset({"-", "–", "—"})


def _dashed_period(segment: Segment, digits: tuple[bool, ...]) -> bool:
    """A dash standing alone between a figure and the date it runs to prints a period
    ("Jul 19, 2025 – Jul 19, 2026", "01.03.2026 - 31.03.2026"): a service's, never a term
    of payment, as "bis" or "au" may be ("zahlbar bis 30.04.2026"). Not after a label
    ("Échéance - 19/07/2025"), nor before another field's label ("Leistungsdatum:
    27.08.2026 - Fälligkeitsdatum 16.09.2026")."""
    for index, word in enumerate(segment.words[1:-1], start=1):
        if word.text in _DASHES and digits[index - 1]:
            after = segment.text_from(index + 1)
            parsed = parse_date(after)
            if parsed is not None and _date_starts_here(after, parsed[1]):
                return True
    return False


# The first letters of the month names `parse_date` reads ("janvier", "Feb", "okt").
_MONTH_INITIALS = frozenset("adfjmnos")
# An ASCII text that opens with another letter, and no label glued by a colon, opens no
# date: `parse_date` finds one further on, which `_date_starts_here` refuses, as it does
# every date that neither opens the text nor opens it once normalised. Skipped, the
# parse of every such word's rest of its segment is saved (most words of a line).
_NO_MONTH_LETTERS = frozenset(letter for letter in string.ascii_letters
                              if letter.lower() not in _MONTH_INITIALS)


_GLUED_LABEL = re.compile(r"^[^\W\d]{2,}:(?=[-−(€$£]?(?:RM|MYR|SGD|EUR|USD)?\d)")


def _unglued(text: str) -> str:
    """The text without a label glued to its value by a colon ("Fac:07/01/2020")."""
    if ":" not in text:
        return text  # most texts: no colon, no label glued by one
    return _GLUED_LABEL.sub("", text, count=1)


# OCR's dates with a separator misread as a space or a colon ("08/02 2018", "05: 03 2018");
# day and month stay apart ("2412/2019" is a purchase order number as often as a date).
_BROKEN_DATE = re.compile(r"^(\d{2})(?: ?[./:\-] ?| )(\d{2}) ?[./\-]? ?((?:19|20)\d{2})(?!\d)")


# And one misread as the digit it looks like, a "1" or a "7" ("13707/2017" for 13/07/2017);
# the other separator stays, so that two separators are never guessed at once.
_MISREAD_SEPARATOR = (re.compile(r"^(\d{2})[17](\d{2})[./\-]((?:19|20)\d{2})(?!\d)"),
                      re.compile(r"^(\d{2})[./\-](\d{2})[17]((?:19|20)\d{2})(?!\d)"))


def _broken_date(text: str) -> tuple[ParsedDate, str] | None:
    """A day, a month and a four-digit year whose separators OCR broke: kept as a candidate,
    flagged ambiguous so that it is never sure."""
    if not text[:2].isdigit():
        return None  # every broken shape opens with the day's two digits
    match = _BROKEN_DATE.match(text)
    if match is None or _DATE_SHAPE.match(match.group(0)):
        match = next((found for found in (pattern.match(text) for pattern in _MISREAD_SEPARATOR)
                      if found is not None), None)
    if match is None:
        return None
    day, month, year = (int(group) for group in match.groups())
    try:
        return ParsedDate(date(year, month, day), True), match.group(0)
    except ValueError:
        return None


_COMPACT_DATE = re.compile(
    r"^(\d{4})(\d{2})(\d{2})(?:[/\-T]?(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?)?$")


def _compact_date(word: str) -> tuple[ParsedDate, str] | None:
    """"20260815", the form of the e-invoice XML, printed as it is by some generators, and
    by tills with the time after it ("20180428/191204")."""
    match = _COMPACT_DATE.match(word.strip(".,;:·"))
    if match is None:
        return None
    year, month, day = (int(group) for group in match.groups())
    if not 1990 <= year <= 2099:
        return None
    try:
        return ParsedDate(date(year, month, day), False), match.group(0)
    except ValueError:
        return None


_DATE_SHAPE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{2,4}")
# A four-digit year OCR cut in two, a time after it ("06-05-20 18 12:43:19", "04-06-2 018
# 15 :5 3 :52": cut after any of its first three digits, the time's colon spaced too).
_SPLIT_YEAR = re.compile(r"^(\d{1,2}([./-])\d{1,2}\2)(2|20|201|1|19|199) (\d{1,3})"
                         r"(?=\s+\d{1,2} ?:|$)")


def _closed_year(text: str) -> tuple[str, bool]:
    """The text with a cut year closed up, and whether it was (the date is then a guess)."""
    if not text[:1].isdigit():
        return text, False
    match = _SPLIT_YEAR.match(text)
    year = match.group(3) + match.group(4) if match else ""
    if match is None or len(year) != 4 or not year.startswith(("19", "20")):
        return text, False
    return f"{match.group(1)}{year}{text[match.end():]}", True


def _date_starts_here(text: str, matched: str) -> bool:
    start = normalise(matched)[:4]
    # "10 0CT 2017" reads as "10 oct 2017": its month's look-alike digit read as a letter.
    return normalise(text).startswith(start) or text.startswith(matched[:4]) \
        or date_words(text).startswith(start)


def _in_legal_text(text: str) -> bool:
    plain = f" {normalise(text)} "
    return any(word in plain for word in (" loi ", " article ", " art ", " decret ",
                                          " code ", " gesetz ", " law ", " act ", " du "))\
        and len(plain.split()) > 6


def _date_relations(candidates: list[Candidate]) -> None:
    values = sorted({date.fromisoformat(candidate.value) for candidate in candidates})
    for candidate in candidates:
        value = date.fromisoformat(candidate.value)
        position = values.index(value)
        features = candidate.features
        features["earliest"] = float(position == 0)
        features["latest"] = float(position == len(values) - 1)
        features["date_rank"] = position / max(len(values) - 1, 1)
        features["distinct_dates"] = min(len(values) / 5, 2.0)
        features["old"] = float(value.year < 2000)
