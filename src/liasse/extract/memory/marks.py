"""What in a page's header says whose document it is, when OCR blurs the header's words.

A receipt's OCR often misreads the shop's name ("SANYO STATIONERY" for "SANYU", "99 SPEED
MART 5/8" for "S/B") and its header lines, so neither the exact name nor the layout
fingerprint recognises the shop. Two things survive: the long numbers a shop prints on
every slip (its tax or company registration number, its phone), and its name nearly as
confirmed. Both are compared against the header only, where a shop prints its own, not
the customer's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from liasse.extract.fields.geometry import Layout, normalise

# Header lines searched (a receipt's shop block is rarely longer).
HEADER_LINES = 16
# A number this long is a registration or a phone number, not a quantity or a price.
_MARK_DIGITS = 9
_MARK_MAX_DIGITS = 20
_MARKS_KEPT = 12
# Digit groups printed with separators ("001531-760640", "03-6258 7191") read as one.
_GLUED = re.compile(r"(?<=\d)[ .\-](?=\d)")
_RUN = re.compile(r"\d+")
# How alike a header line must be to the confirmed name, OCR noise allowed (0–100).
NAME_ALIKE = 90.0
_NAME_LETTERS = 8


def header_lines(layout: Layout) -> list[str]:
    """The first lines, and each with the next one or two: a long name breaks over three."""
    lines = [normalise(line.text) for line in layout.lines[:HEADER_LINES] if line.page == 1]
    return [" ".join(lines[start:start + size]) for size in (1, 2, 3)
            for start in range(len(lines) - size + 1)]


def header_marks(layout: Layout) -> tuple[str, ...]:
    """The long numbers printed in the first lines, digits only."""
    found: list[str] = []
    for line in layout.lines[:HEADER_LINES]:
        if line.page != 1:
            break
        for run in _RUN.findall(_GLUED.sub("", line.text)):
            if _MARK_DIGITS <= len(run) <= _MARK_MAX_DIGITS and run not in found:
                found.append(run)
    return tuple(found)


def kept_marks(old: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    """The newest document's marks first, then the older ones still room for."""
    merged = [*new, *(mark for mark in old if mark not in new)]
    return tuple(merged[:_MARKS_KEPT])


def name_likeness(name: str, lines: Sequence[str]) -> float:
    """How well one header line repeats the confirmed name (0 for a name too short to
    tell apart from noise). A line may carry more than the name ("(519537-X)")."""
    wanted = normalise(name)
    if sum(c.isalpha() for c in wanted) < _NAME_LETTERS:
        return 0.0
    best = 0.0
    for line in lines:
        if len(line) < len(wanted) * 0.6:
            continue
        best = max(best, fuzz.partial_ratio(wanted, line) if len(line) >= len(wanted)
                   else fuzz.ratio(wanted, line))
    return best
