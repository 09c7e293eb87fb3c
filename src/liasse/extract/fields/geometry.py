"""Lines, column segments and labels on a page: where a value sits relative to its label.

Words are grouped into lines (vertical overlap), each line is cut into segments at wide
horizontal gaps (columns), and labels from the lexicon are found as token sequences inside
segments. `values_near` then looks for a value in the label's own segment, to its right on
the same line, and below it: the order in which people lay out a form.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import accumulate
from typing import Generic, Literal, TypeVar

from liasse.extract.fields.lexicon import LABELS, Label, as_label_word
from liasse.extract.layout import Page, Word

Geometry = Literal["inline", "right", "below", "anywhere"]
T = TypeVar("T")

# A gap wider than this many character heights separates two columns of a line.
_COLUMN_GAP_RATIO = 0.9
# How many lines below a label a value may sit.
_LINES_BELOW = 3
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Roles whose labels only count when they head their own segment.
_STANDALONE_ROLES = frozenset({"customer_block", "seller_block"})


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """Lower case, accents dropped, punctuation as single spaces: the lexicon's alphabet.

    Cached: the readers ask for the same lines and segments again and again.
    """
    if text.isascii():  # nothing to decompose nor drop: the same result, without the walk
        return _NON_WORD.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return _NON_WORD.sub(" ", decomposed.translate(_WITHOUT_COMBINING).lower()).strip()


class _CombiningDropped(dict[int, int | None]):
    """A `str.translate` table that drops combining marks (accents once decomposed) and
    keeps every other character: each character is looked up once, then remembered, so a
    page is translated in C instead of walked character by character in Python."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_COMBINING = _CombiningDropped()


@dataclass(frozen=True)
class Segment:
    """A run of words on one line with no wide gap: a label, a value, or both."""

    page: int
    line: int  # index of the line in the whole document
    words: tuple[Word, ...]
    tokens: tuple[tuple[str, ...], ...]  # normalised tokens of each word

    def __hash__(self) -> int:
        # The readers look segments up in sets (a "Bill to" block's, the labelled ones) for
        # every segment of the page: the generated hash, over every field of every word,
        # cost more than the lookups. Equal segments start at the same place, so hashing
        # where keeps equal ones equal, and two segments of a line never start together.
        return hash((self.page, self.line, self.words[0].x0 if self.words else None))

    @cached_property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def y0(self) -> float:
        return min(word.y0 for word in self.words)

    @property
    def height(self) -> float:
        return max(word.y1 - word.y0 for word in self.words)

    @cached_property
    def word_starts(self) -> tuple[int, ...]:
        """Where each word starts in `text` (and, last, where a word after them would)."""
        return tuple(accumulate((len(word.text) + 1 for word in self.words), initial=0))

    def text_from(self, word_index: int) -> str:
        """The text from word `word_index` on: the amounts' and the dates' readers ask it
        of every word of a segment, and a slice of `text` costs less than a join."""
        if word_index == 0:
            return self.text
        if 0 < word_index < len(self.words):
            return self.text[self.word_starts[word_index]:]
        return " ".join(word.text for word in self.words[word_index:])

    def word_confidence(self, word_index: int = 0) -> float:
        return min((word.confidence for word in self.words[word_index:]), default=1.0)


@dataclass(frozen=True)
class Line:
    page: int
    index: int
    segments: tuple[Segment, ...]
    y0: float
    y1: float

    @cached_property
    def text(self) -> str:
        return "  ".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class LabelHit:
    label: Label
    segment: Segment
    start: int  # index of the label's first word in the segment
    end: int  # index of the first word after the label
    # The label's last word goes on as a possessive: "CUSTOMER'S COPY", "Customer'sPayment"
    # (OCR glues the words) speak of the customer, and head no block of theirs.
    possessive: bool = False

    @property
    def stands_alone(self) -> bool:
        """The label opens its segment and nothing but a colon-led value follows it."""
        words = self.segment.words
        if self.start != 0 or self.possessive:
            return False
        if self.end == len(words):
            return True
        return words[self.end - 1].text.endswith(":") or words[self.end].text.startswith(":")


@dataclass(frozen=True)
class Found(Generic[T]):
    """A value found near a label, with where it was and the text it came from."""

    value: T
    geometry: Geometry
    segment: Segment
    evidence: str
    ocr_confidence: float


@dataclass
class Layout:
    """The document as lines and segments, with its label hits indexed by role."""

    pages: list[Page]
    lines: list[Line]
    hits: dict[str, list[LabelHit]]

    def segments(self) -> Iterator[Segment]:
        for line in self.lines:
            yield from line.segments

    def page(self, number: int) -> Page:
        return self.pages[number - 1]

    @cached_property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def build_layout(pages: list[Page]) -> Layout:
    lines: list[Line] = []
    for page in pages:
        for words in _group_lines(page.words):
            index = len(lines)
            segments = tuple(_segments_of(page.number, index, words))
            lines.append(Line(page.number, index, segments, min(w.y0 for w in words),
                              max(w.y1 for w in words)))
    hits: dict[str, list[LabelHit]] = {}
    for line in lines:
        for segment in line.segments:
            found = list(_labels_in(segment))
            for before, hit in zip([None, *found], found, strict=False):
                if hit.label.role in _STANDALONE_ROLES and not hit.stands_alone:
                    continue  # "client" or "an" inside a sentence is not a "Bill to" block
                if _qualifies_sum(before, hit):
                    continue  # "Total Sales (Inclusive of GST)": the total's label, no tax's
                if _names_a_means(hit):
                    continue  # "Pay By : CASH": how it was paid, not when it falls due
                hits.setdefault(hit.label.role, []).append(hit)
    return Layout(pages=pages, lines=lines, hits=hits)


_SUM_ROLES = frozenset({"total_amount", "net_amount"})
_INCLUSION_WORDS = frozenset({"incl", "inc", "including", "inclusive", "included", "includes",
                              "include", "inkl", "inklusive", "inclus", "incluse", "compris",
                              "with", "avec", "mit"})
_INCLUSION_GAP = 3  # words between a sum's label and the tax word it says it includes


def _qualifies_sum(before: LabelHit | None, hit: LabelHit) -> bool:
    """A tax word that a sum's label says it includes ("Total Sales (Inclusive of GST)",
    "Gesamtbetrag inkl. MwSt.", "Total Due (GST Inc)"): it qualifies that sum, and labels
    no tax of its own. Without an inclusion word between or after ("Total 6% GST") the tax
    word stays a label. OCR's slips in the inclusion word ("lnclusive", "h.clusive") count.
    """
    if before is None or hit.label.role != "tax_amount" or before.label.role not in _SUM_ROLES:
        return False
    between = [token for tokens in hit.segment.tokens[before.end:hit.start] for token in tokens]
    after = [token for tokens in hit.segment.tokens[hit.end:hit.end + 1] for token in tokens]
    if hit.start - before.end > _INCLUSION_GAP:
        return False
    return any(_inclusion(token) for token in between) \
        or any(_inclusion(token) for token in after)


# The means of payment a till slip names after "Pay by" ("Pay By : CASH", "Paid by VISA").
_MEANS_OF_PAYMENT = frozenset({"cash", "card", "cheque", "check", "credit", "debit", "visa",
                               "mastercard", "master", "amex", "transfer", "especes", "carte",
                               "cb", "virement", "bar", "karte", "ec"})


def _names_a_means(hit: LabelHit) -> bool:
    """A due date's label followed by a means of payment ("Pay By : CASH"): it says how the
    sale was paid, and nothing falls due."""
    if hit.label.role != "due_date":
        return False
    after = next((token for tokens in hit.segment.tokens[hit.end:] for token in tokens), None)
    return after in _MEANS_OF_PAYMENT


def _inclusion(token: str) -> bool:
    return token in _INCLUSION_WORDS or "clus" in token \
        or token.startswith(("incl", "lncl", "inkl", "1ncl"))


def _group_lines(words: list[Word]) -> list[list[Word]]:
    """Words whose vertical centres fall inside the current line's band join that line."""
    lines: list[list[Word]] = []
    band: tuple[float, float] | None = None
    for word in sorted(words, key=lambda w: ((w.y0 + w.y1) / 2, w.x0)):
        centre = (word.y0 + word.y1) / 2
        if band is not None and band[0] <= centre <= band[1]:
            lines[-1].append(word)
            continue
        lines.append([word])
        band = (word.y0, word.y1)
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _segments_of(page: int, line: int, words: list[Word]) -> Iterator[Segment]:
    start = 0
    for index in range(1, len(words) + 1):
        if index < len(words):
            height = max(words[index].y1 - words[index].y0, 1.0)
            if words[index].x0 - words[index - 1].x1 < height * _COLUMN_GAP_RATIO:
                continue
        chunk = tuple(words[start:index])
        tokens = tuple(_label_tokens(word.text) for word in chunk)
        yield Segment(page, line, chunk, tokens)
        start = index


@lru_cache(maxsize=1 << 16)
def _label_tokens(text: str) -> tuple[str, ...]:
    """A word's tokens for the labels: OCR's "Tota1" still reads as the label "total".
    Cached by the word's text: the same words come back on every line and page."""
    return tuple(as_label_word(token) for token in normalise(text).split())


def _labels_in(segment: Segment) -> Iterator[LabelHit]:
    """Longest label first at each position; a position used by a label is not reused."""
    flat: list[tuple[str, int]] = [(token, index) for index, tokens in enumerate(segment.tokens)
                                   for token in tokens]
    position = 0
    while position < len(flat):
        if flat[position][0] not in _LABEL_PREFIXES:
            position += 1  # no label's first word starts so, whole or OCR-split: most words
            continue
        found = _longest_label_at(flat, position)
        if found is None:
            position += 1
            continue
        label, used = found
        last_word = flat[position + used - 1][1]
        yield LabelHit(label, segment, flat[position][1], last_word + 1,
                       _possessive(segment, flat, position + used))
        position += used


_APOSTROPHES = ("'", "’")


def _possessive(segment: Segment, flat: list[tuple[str, int]], after: int) -> bool:
    """Whether the token after a label, in the label's last word, is the "s" of a
    possessive ("customer's", "CUSTOMER'SCOPY": the apostrophe splits the word's tokens)."""
    if after == 0 or after >= len(flat) or flat[after][1] != flat[after - 1][1]:
        return False
    word = segment.words[flat[after][1]].text
    return flat[after][0].startswith("s") and any(mark in word for mark in _APOSTROPHES)


def _longest_label_at(flat: list[tuple[str, int]],
                      position: int) -> tuple[Label, int] | None:
    """The longest label spelled from `position`, and how many tokens it took."""
    best: tuple[Label, int] | None = None
    for label in _labels_starting(flat, position):
        used = _spelled(flat, position, label.tokens)
        if used is not None and (best is None or len(label.tokens) > len(best[0].tokens)):
            best = (label, used)
    return best


# OCR splits a word at a narrow letter ("Tota l", "Invo i ce"): a label word of this many
# letters or more may be spelled by up to three tokens in a row.
_SPLIT_WORD_LETTERS = 4
_SPLIT_PIECES = 3


def _spelled(flat: list[tuple[str, int]], position: int, tokens: tuple[str, ...]) -> int | None:
    """How many tokens from `position` spell `tokens` (each whole, or OCR-split), or None."""
    at = position
    for token in tokens:
        if at < len(flat) and flat[at][0] == token:
            at += 1
            continue
        if len(token) < _SPLIT_WORD_LETTERS:
            return None
        piece = ""
        for taken, (part, _) in enumerate(flat[at:at + _SPLIT_PIECES], start=1):
            piece += part
            if piece == token and taken > 1:
                at += taken
                break
            if not token.startswith(piece):
                return None
        else:
            return None
    return at - position


def _index_labels() -> dict[str, tuple[Label, ...]]:
    index: dict[str, list[Label]] = {}
    for label in LABELS:
        index.setdefault(label.tokens[0], []).append(label)
    return {token: tuple(labels) for token, labels in index.items()}


def _labels_starting(flat: list[tuple[str, int]], position: int) -> Iterator[Label]:
    """The labels whose first word is the token at `position`, or the next two or three
    tokens run together (an OCR-split word): a lookup each, whatever the lexicon's size."""
    joined = ""
    for taken, (token, _) in enumerate(flat[position:position + _SPLIT_PIECES], start=1):
        joined += token
        if taken == 1 or len(joined) >= _SPLIT_WORD_LETTERS:
            yield from _LABELS_BY_FIRST_TOKEN.get(joined, ())


_LABELS_BY_FIRST_TOKEN = _index_labels()
# Every beginning of a label's first word: a token that is none starts no label, neither
# alone nor run together with the next ones (`_labels_starting`).
_LABEL_PREFIXES = frozenset(first[:end] for first in _LABELS_BY_FIRST_TOKEN
                            for end in range(1, len(first) + 1))

def values_near(layout: Layout, hit: LabelHit,
                parse: Callable[[str], tuple[T, str] | None]) -> Found[T] | None:
    """The first value `parse` accepts: after the label, then right of it, then below it."""
    segment = hit.segment
    if hit.end < len(segment.words):
        found = _try(parse, segment, hit.end, "inline", hit)
        if found is not None:
            return found
    line = layout.lines[segment.line]
    for other in line.segments:
        if other.x0 > segment.x1:
            found = _try(parse, other, 0, "right", hit)
            if found is not None:
                return found
    return _below(layout, hit, parse)


def _below(layout: Layout, hit: LabelHit,
           parse: Callable[[str], tuple[T, str] | None]) -> Found[T] | None:
    segment = hit.segment
    label_words = segment.words[:hit.end]
    left, right = label_words[0].x0, label_words[-1].x1
    for line in layout.lines[segment.line + 1:segment.line + 1 + _LINES_BELOW]:
        if line.page != segment.page:
            return None
        for other in line.segments:
            if other.x0 <= right + 2 and other.x1 >= left - 2:
                return _try(parse, other, 0, "below", hit)
    return None


def _try(parse: Callable[[str], tuple[T, str] | None], segment: Segment, start: int,
         geometry: Geometry, hit: LabelHit) -> Found[T] | None:
    parsed = parse(segment.text_from(start))
    if parsed is None:
        return None
    value = parsed[0]
    evidence = f"p{segment.page}: {hit.segment.text}" if geometry == "inline" else \
        f"p{segment.page}: {hit.segment.text} → {segment.text}"
    return Found(value, geometry, segment, evidence[:200], segment.word_confidence(start))
