"""A date OCR broke apart ("18- -06- 2018", "26-06- “2018"), read in the supplier's order.

The candidate reader wants a date printed whole; a till slip's OCR scatters its
separators, and the slip's date is then no candidate at all. The supplier's confirmed date
says in which order it prints day, month and year (`printed_order`); after the supplier's
own date label, the first three groups of digits taken in that order make a date
(`scattered_date`). Offered for a person to check, never sure: its digits are OCR's, its
place only the label's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from liasse.extract.fields.geometry import Layout, Line, normalise
from liasse.extract.memory.checks import DATE_SPAN_DAYS

_GROUPS = re.compile(r"\d+")
_ORDERS = ("dmy", "mdy", "ymd")


def reads_in_order(printed: str, order: str, value: str) -> bool:
    """Whether `printed` ("09/03/2018 13:07"), its first three groups of digits taken in
    the supplier's `order` ("dmy"), is the date `value` ("2018-03-09")."""
    wanted = _parsed(value)
    return wanted is not None and order in _ORDERS \
        and _as_date(_GROUPS.findall(printed)[:3], order) == wanted


def printed_order(printed: str, confirmed: str) -> str:
    """"21-03-2018 16:08" printing 2018-03-21 → "dmy"; "" when its first three groups of
    digits fit no order, or more than one (the 3rd of March printed "03-03-2018")."""
    fits = [order for order in _ORDERS if reads_in_order(printed, order, confirmed)]
    return fits[0] if len(fits) == 1 else ""


def scattered_date(layout: Layout, label: Sequence[str], order: str, confirmed: str
                   ) -> str | None:
    """The one date, in the supplier's order, after its own date label on the page (its
    words `label`, as memory keeps them), within two years of its confirmed date."""
    remembered = _parsed(confirmed)
    if not label or order not in _ORDERS or remembered is None:
        return None
    found = set()
    for after in texts_after(layout, label):
        read = _as_date(_GROUPS.findall(after)[:3], order)
        if read is not None and abs((read - remembered).days) <= DATE_SPAN_DAYS:
            found.add(read.isoformat())
    return found.pop() if len(found) == 1 else None


def texts_after(layout: Layout, label: Sequence[str]) -> list[str]:
    """Each line's text after each printing of the label words on it."""
    return [text for line in layout.lines for text in _after_label(line, tuple(label))]


def _after_label(line: Line, label: tuple[str, ...]) -> list[str]:
    """The line's text after each printing of the label words (words holding a digit
    left out, as memory's labels leave them)."""
    if not label:
        return []
    words = [word.text for segment in line.segments for word in segment.words]
    tokens = [(token, index) for index, text in enumerate(words)
              for token in normalise(text).split() if not any(c.isdigit() for c in token)]
    texts = []
    for end in range(len(label) - 1, len(tokens)):
        if tuple(token for token, _ in tokens[end - len(label) + 1:end + 1]) == label:
            texts.append(" ".join(words[tokens[end][1] + 1:]))
    return texts


def _as_date(groups: Sequence[str], order: str) -> date | None:
    if len(groups) != 3:
        return None
    parts = dict(zip(order, groups, strict=True))
    year = parts["y"]
    if len(year) not in (2, 4):
        return None
    try:
        return date(int(year) + (2000 if len(year) == 2 else 0), int(parts["m"]),
                    int(parts["d"]))
    except ValueError:
        return None


def _parsed(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
