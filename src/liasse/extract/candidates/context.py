"""The candidate, what the whole document tells every reader, and the features every kind
of candidate shares.

The context (`_context`) is worked out once a document: the label hits by segment, the
median text height, each segment's amounts and digit flags, the page's decimal mark, and
caches for what several candidates of one segment or line ask again (the segments left of
it, the labels beside and above). The shared features say which label stands in the same
segment, to the left or above a value, where on the page it sits and how large it is
printed; `_repetition` counts a value's occurrences across the document.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from statistics import median

from liasse.extract.fields.dates import names_validity
from liasse.extract.fields.geometry import LabelHit, Layout, Line, Segment, normalise
from liasse.extract.fields.lexicon import LEGAL_FORMS
from liasse.extract.fields.numbers import RATE, Amount, find_amounts

_LINES_ABOVE = 3  # how far up a label heading a value (label above value) may sit
_STRENGTH = {"strong": 1.0, "weak": 0.5}
_FORM_WORDS = frozenset(normalise(form) for form in LEGAL_FORMS)
_CURRENCY_WORDS = frozenset({"eur", "euro", "euros", "usd", "gbp", "chf", "rm", "myr", "sgd"})


@dataclass
class Candidate:
    """One possible value of one kind of field, where it was read, and its features."""

    kind: str  # "amount", "date", "code", "name"
    value: str  # in the contract's form (YYYY-MM-DD, "12.50", the text of a name or code)
    segment: Segment
    word: int  # index of the first word of the value in its segment
    features: dict[str, float] = field(default_factory=dict)
    label: Segment | None = None  # the nearest label's segment, when one was found
    # Under the document's title line (`codes._under_title`): evidence for the calibration's
    # classes only, kept out of the ranker's features (as one, it pulled the title's own
    # digits, "eRechnung © 2025", up the numbers' ranking).
    under_title: bool = False
    # A value worked out from printed ones ("87.08 + 0.02 = 87.10"), said as such.
    derivation: str | None = None
    # A name the page's own web domain spells, printed as a name ("Bouygues Telecom" by
    # bouyguestelecom.fr, not "Vos services Bouygues Telecom"): evidence for the
    # calibration's classes only, like `under_title`.
    domain_leads: bool = False
    # Why the candidate is never chosen (`ranking.joint.score_field`), when it is not: a name
    # printed in an item table ("Kilograms", `names._item_lines`), a postcode before its town
    # ("31000 Toulouse", `codes._postcode`). Kept as a candidate, so that the ranker is fitted
    # on the same candidates whatever these rules say.
    excluded: str | None = None
    # The name heading the block this name is a further line of ("Best Designers" over
    # "203, Systems Plaza" over "Mumbai", `names._block_heads_above`): the customer's name is
    # that head, never its city or its department (`ranking.joint.head_of_block`).
    block_head: str | None = None

    def labelled(self, role: str) -> bool:
        """Whether a label of `role` stands before this value on its line or left of it."""
        return any(self.features.get(f"{direction}:{role}", 0.0) > 0
                   for direction in ("same", "left"))

    @property
    def evidence(self) -> str:
        if self.derivation is not None:
            return f"p{self.segment.page}: {self.derivation}"[:200]
        if self.label is None or self.label is self.segment or self.kind == "name":
            return f"p{self.segment.page}: {self.segment.text}"[:200]
        return f"p{self.segment.page}: {self.label.text} → {self.segment.text}"[:200]


@dataclass
class _Context:
    """What every candidate's features need from the whole document, computed once."""

    layout: Layout
    hits_by_segment: dict[int, list[LabelHit]]
    median_height: float
    # Each segment's amounts (`find_amounts` of its text), by `id`, in reading order: read
    # for the page's decimal mark, each line's count and each segment's first word. Shared
    # lists: not to be changed.
    segment_amounts: dict[int, list[Amount]]
    # Which words hold a digit, by `id` of each segment that holds one (the others hold no
    # amount, date nor code): asked by the amounts', the dates' and the codes' readers.
    digit_words: dict[int, tuple[bool, ...]]
    decimal_mark: str | None = None  # the page's own decimal point, when it shows one
    # What several candidates of one segment (or line) ask for again, by `id` of the
    # segment: every amount, date and code of a table row has the same labels around it.
    left_of: dict[int, list[Segment]] = field(default_factory=dict)
    label_left: dict[int, LabelHit | None] = field(default_factory=dict)
    label_above: dict[tuple[int, bool], LabelHit | None] = field(default_factory=dict)
    line_words: dict[int, float] = field(default_factory=dict)
    spans: dict[int, list[tuple[float, float, Segment]]] = field(default_factory=dict)
    under_title: dict[int, bool] = field(default_factory=dict)


def _context(layout: Layout) -> _Context:
    hits: dict[int, list[LabelHit]] = {}
    for role_hits in layout.hits.values():
        for hit in role_hits:
            hits.setdefault(id(hit.segment), []).append(hit)
    heights = [word.y1 - word.y0 for page in layout.pages for word in page.words
               if word.y1 > word.y0]
    digit_words = {id(segment): tuple(_has_digit(word.text) for word in segment.words)
                   for segment in layout.segments() if _has_digit(segment.text)}
    # Every amount has a digit: half the segments, words only, need no search.
    amounts = {id(segment): find_amounts(segment.text) if id(segment) in digit_words else []
               for segment in layout.segments()}
    return _Context(layout, hits, median(heights) if heights else 10.0, amounts, digit_words,
                    _decimal_mark(amounts.values()))


_CENTS = re.compile(r"\d([.,]) ?\d{2}\D*$")


def _decimal_mark(segment_amounts: Iterable[list[Amount]]) -> str | None:
    """The mark the page splits its cents with, when its two-decimal amounts agree on one
    ("12.50" and "3.20", never "12,50"): the other mark is then its grouping mark."""
    # By segment, as `amounts._amounts` reads them.
    marks = Counter(match.group(1) for amounts in segment_amounts
                    for amount in amounts if amount.decimals == 2
                    for match in [_CENTS.search(amount.text)] if match)
    if not marks:
        return None
    mark, count = marks.most_common(1)[0]
    # OCR may misread one point as a comma: a mark nine amounts in ten agree on stands.
    return mark if count >= 2 and count >= 9 * (marks.total() - count) else None


def _common_features(context: _Context, candidate: Candidate) -> dict[str, float]:
    segment = candidate.segment
    page = context.layout.page(segment.page)
    words = segment.words[candidate.word:] or segment.words
    height = max(word.y1 - word.y0 for word in words)
    features = {
        "bias": 1.0,
        "y": segment.y0 / max(page.height, 1.0),
        "x": words[0].x0 / max(page.width, 1.0),
        "x_end": segment.x1 / max(page.width, 1.0),
        "first_page": float(segment.page == 1),
        "last_page": float(segment.page == len(context.layout.pages)),
        "size": min(height / max(context.median_height, 1.0), 4.0),
        "line_words": _line_words(context, segment.line),
        "segment_words": min(len(segment.words) / 10, 2.0),
        "ocr_conf": segment.word_confidence(candidate.word),
        "title_before": float(_title_before(segment, candidate.word)),
    }
    features.update(_label_features(context, candidate))
    return features


# The document's own title in many languages: "Facture n° 12 du 03/04/2025" and
# "Handelsrechnung (380) Nr. 4711 vom 15.11.2025" give the number and the date after it.
_TITLE_WORDS = ("facture", "invoice", "rechnung", "factuur", "fattura", "factura", "avoir",
                "gutschrift", "creditnota")
_TITLE_WORD_SET = frozenset(_TITLE_WORDS)


def _line_words(context: _Context, line: int) -> float:
    known = context.line_words.get(line)
    if known is None:
        known = context.line_words[line] = min(
            len(context.layout.lines[line].text.split()) / 20, 2.0)
    return known


def _title_before(segment: Segment, word: int) -> bool:
    return any(token in _TITLE_WORD_SET or token.endswith("rechnung")
               for token in chain.from_iterable(segment.tokens[:word]))


def _label_features(context: _Context, candidate: Candidate) -> dict[str, float]:
    """The nearest label in the value's own segment, to its left, and above it, by role."""
    features: dict[str, float] = {}
    for direction, hit in (("same", _label_same(context, candidate)),
                           ("left", _label_left(context, candidate.segment)),
                           ("above", _label_above(context, candidate.segment,
                                                  blocked=candidate.kind != "name"))):
        if hit is not None:
            if candidate.label is None:
                candidate.label = hit.segment
            name = f"{direction}:{hit.label.role}"
            features[name] = max(features.get(name, 0.0), _STRENGTH[hit.label.strength])
            features[f"{direction}:any"] = 1.0
    return features


def _label_same(context: _Context, candidate: Candidate) -> LabelHit | None:
    # A label glued to the value by a colon ("Rounding:-RM0.02") sits in the value's word.
    hits = context.hits_by_segment.get(id(candidate.segment))
    if not hits:
        return None  # most segments hold no label
    glued = bool(candidate.features.get("glued_label"))
    before = [hit for hit in hits
              if hit.end <= candidate.word or (glued and hit.start == candidate.word)]
    return _naming_hit(before)


def _naming_hit(hits: list[LabelHit]) -> LabelHit | None:
    """The label that names the values after it: the last one, unless that is a tax word
    that only gives the rate a net label's amount is taxed at ("Montant hors TVA soumis à
    une TVA à 20,00 %", "Nettobetrag zu 19 % MwSt"): the net label opening it names it."""
    last = max(hits, key=lambda hit: hit.end, default=None)
    if last is None or last.label.role != "tax_amount" or not _rate_follows(last):
        return last
    nets = [hit for hit in hits if hit.end <= last.start and hit.label.role == "net_amount"]
    return max(nets, key=lambda hit: hit.end, default=last)


# A rate right after a tax word, or right before it: "TVA à 20,00 %", "19 % MwSt".
_RATE_NEAR = re.compile(rf"^(?:(?:a|à|de|zu|at|@)\s+)?{RATE}")
_RATE_BEFORE = re.compile(rf"{RATE}\s*$")


def _rate_follows(hit: LabelHit) -> bool:
    words = hit.segment.words
    after = " ".join(word.text for word in words[hit.end:hit.end + 3])
    before = " ".join(word.text for word in words[max(0, hit.start - 2):hit.start])
    return bool(_RATE_NEAR.match(after) or _RATE_BEFORE.search(before))


def _spans(context: _Context, line: Line) -> list[tuple[float, float, Segment]]:
    """Each segment of the line with its left and right edges, worked out once: the labels
    above and to the left of every value compare them, and each edge is a property."""
    known = context.spans.get(line.index)
    if known is None:
        known = context.spans[line.index] = [(segment.x0, segment.x1, segment)
                                              for segment in line.segments]
    return known


def _segments_left_of(context: _Context, segment: Segment) -> list[Segment]:
    """The segments of `segment`'s line that end before it starts, in reading order (the
    list is shared: not to be changed)."""
    known = context.left_of.get(id(segment))
    if known is None:
        line = context.layout.lines[segment.line]
        start = segment.x0
        known = context.left_of[id(segment)] = [other for _, x1, other in _spans(context, line)
                                                if x1 <= start]
    return known


def _label_left(context: _Context, segment: Segment) -> LabelHit | None:
    if id(segment) in context.label_left:
        return context.label_left[id(segment)]
    found = None
    for other in reversed(_segments_left_of(context, segment)):
        hits = context.hits_by_segment.get(id(other))
        if hits:
            found = _naming_hit(hits)
            break
    context.label_left[id(segment)] = found
    return found


def _label_above(context: _Context, segment: Segment, *, blocked: bool) -> LabelHit | None:
    """The label heading the value's column a few lines up; for a value (`blocked`), only
    when nothing else sits between them (a table's header row heads the cells under it)."""
    key = (id(segment), blocked)
    if key not in context.label_above:
        context.label_above[key] = _heading_label(context, segment, blocked=blocked)
    return context.label_above[key]


def _heading_label(context: _Context, segment: Segment, *, blocked: bool) -> LabelHit | None:
    lines = context.layout.lines
    left, right = segment.x0 - 2, segment.x1 + 2
    for line in reversed(lines[max(0, segment.line - _LINES_ABOVE):segment.line]):
        if line.page != segment.page:
            return None
        above = False  # whether anything of this line stands over the segment
        for x0, x1, other in _spans(context, line):
            if x0 <= right and x1 >= left:
                above = True
                hits = context.hits_by_segment.get(id(other))
                if hits and hits[0].start == 0:
                    return max(hits, key=lambda hit: hit.end)
        if above and blocked:
            return None
    return None


_VALIDITY_REACH = 4  # how many words before a date its validity label may take


def _after_validity_label(context: _Context, candidate: Candidate) -> bool:
    """A date after an expiry or validity label, in its own segment or the one to its left,
    even when OCR garbled the label past the lexicon's exact match ("Date d'exflratigı:
    31/05/18" on a card slip): read tolerantly, by `dates.names_validity`."""
    segment, word = candidate.segment, candidate.word
    left = _segments_left_of(context, segment)[-1:]
    for tokens in (segment.tokens[max(0, word - _VALIDITY_REACH):word],
                   left[0].tokens[-_VALIDITY_REACH:] if left else ()):
        if names_validity(tuple(token for words in tokens for token in words)):
            return True
    return False


def _repetition(found: dict[str, list[Candidate]]) -> None:
    for candidates in found.values():
        counts = Counter(candidate.value for candidate in candidates)
        for candidate in candidates:
            candidate.features["repeats"] = math.log(counts[candidate.value])


_CAPITAL_WORDS = frozenset({"capital", "stammkapital", "grundkapital", "kapital",
                            "capitale", "kapitaal"})


def _capital_before(segment: Segment, word: int) -> bool:
    """"SARL au capital de 10 000 €": the company's share capital, no amount of the sale."""
    return not _CAPITAL_WORDS.isdisjoint(
        chain.from_iterable(segment.tokens[max(0, word - 4):word]))

_ASCII_DIGIT = re.compile(r"[0-9]")


def _has_digit(text: str) -> bool:
    """Whether any character of `text` is a digit (`str.isdigit`): one regular-expression
    search for the ASCII text of most pages, where only 0-9 are digits."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(map(str.isdigit, text))
