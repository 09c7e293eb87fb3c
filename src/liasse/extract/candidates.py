"""Every value on the page that could be a field, each described by what surrounds it.

The ranker (`extract.ranking`) does not look for one labelled value per field: it is given
every amount, every date, every code-like token and every name-like segment of the
document, each with features a person would use to tell them apart — which label sits in
the same segment, to its left or above it (from the lexicon, in six languages), where on
the page it is, how large it is printed, how often it repeats, whether it adds up with the
others, whether it sits inside legal boilerplate. Features are plain floats with stable
names, so the learned weights can be printed and the evidence string can say which
features decided.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import chain, pairwise
from statistics import median

from rapidfuzz.distance import Levenshtein

from liasse.extract.fields.dates import (
    ParsedDate,
    date_words,
    names_validity,
    parse_date,
    without_glued_time,
)
from liasse.extract.fields.geometry import LabelHit, Layout, Line, Segment, normalise
from liasse.extract.fields.lexicon import LEGAL_FORMS, SELLER_MARKS, TRADE_WORDS
from liasse.extract.fields.numbers import CURRENCY_MARKS, Amount, find_amounts, find_rate

_LINES_ABOVE = 3  # how far up a label heading a value (label above value) may sit
_STRENGTH = {"strong": 1.0, "weak": 0.5}
_RATES = tuple(Decimal(r) for r in ("20", "10", "5.5", "2.1", "8.5", "19", "7", "21", "9",
                                    "6", "22", "4", "5", "12", "13", "23", "25", "16", "15",
                                    "0"))
_FORM_WORDS = frozenset(normalise(form) for form in LEGAL_FORMS)
# Any of the seller's marks as whole words in a line padded with spaces: one search of an
# alternation finds a line holding any of them, where a test per mark walked it each time.
_MARK_PHRASE = re.compile("|".join(re.escape(f" {mark} ") for mark in SELLER_MARKS))
_ADDRESS = re.compile(
    r"\b(?:rue|avenue|av|bd|boulevard|chemin|place|allee|impasse|route|quai|cours|"
    r"str|strasse|stra(?:ss|ß)e|weg|platz|allee|gasse|ring|straat|laan|plein|via|viale|"
    r"piazza|calle|avenida|road|rd|street|st|lane|ave|jalan|jln|taman|lorong|no|bp|cedex|"
    r"zi|za|postfach|box|floor|suite|unit|lot)\b")
_POSTCODE = re.compile(r"\b(?:\d{5}|\d{4} ?[a-z]{2}|[a-z]{1,2}\d{1,2} ?\d[a-z]{2}|\d{4})\b")
_CURRENCY_WORDS = frozenset({"eur", "euro", "euros", "usd", "gbp", "chf", "rm", "myr", "sgd"})
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.\-]{1,30}[A-Za-z0-9]$|^\d{1,3}$")
_FILE_NAME = re.compile(r"\.(?:xml|pdf|png|jpe?g|html?|txt|csv|xlsx?|docx?)$", re.IGNORECASE)
_PERIOD_WORDS = frozenset({"bis", "au", "to", "until", "till", "jusqu", "al", "hasta", "tot"})
_FROM_WORDS = frozenset({"vom", "du", "from", "of", "le", "del", "van", "dal", "am"})
_CAPITAL = re.compile(r"\b(?:au capital|capital social|share capital|stammkapital)\b")


@dataclass
class Candidate:
    """One possible value of one kind of field, where it was read, and its features."""

    kind: str  # "amount", "date", "code", "name"
    value: str  # in the contract's form (YYYY-MM-DD, "12.50", the text of a name or code)
    segment: Segment
    word: int  # index of the first word of the value in its segment
    features: dict[str, float] = field(default_factory=dict)
    label: Segment | None = None  # the nearest label's segment, when one was found
    # Under the document's title line (`_under_title`): evidence for the calibration's
    # classes only, kept out of the ranker's features (as one, it pulled the title's own
    # digits, "eRechnung © 2025", up the numbers' ranking).
    under_title: bool = False
    # A value worked out from printed ones ("87.08 + 0.02 = 87.10"), said as such.
    derivation: str | None = None
    # A name the page's own web domain spells, printed as a name ("Bouygues Telecom" by
    # bouyguestelecom.fr, not "Vos services Bouygues Telecom"): evidence for the
    # calibration's classes only, like `under_title`.
    domain_leads: bool = False
    # Why the candidate is never chosen (`ranking._score`), when it is not: a name printed
    # in an item table ("Kilograms", `_item_lines`), a postcode before its town ("31000
    # Toulouse", `_postcode`). Kept as a candidate, so that the ranker is fitted on the
    # same candidates whatever these rules say.
    excluded: str | None = None
    # The name heading the block this name is a further line of ("Best Designers" over
    # "203, Systems Plaza" over "Mumbai", `_block_heads_above`): the customer's name is
    # that head, never its city or its department (`ranking._head_of_block`).
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


def all_candidates(layout: Layout) -> dict[str, list[Candidate]]:
    """The candidates of each kind, with their features filled in."""
    context = _context(layout)
    found = {
        "amount": list(_amounts(context)),
        "date": list(_dates(context, month_first_possible=looks_english(layout))),
        "code": list(_codes(context)),
        "name": list(_names(context)),
    }
    for candidates in found.values():
        for candidate in candidates:
            candidate.features.update(_common_features(context, candidate))
    _block_heads_above(context, found["name"])
    for candidate in found["code"]:
        if _postcode(candidate):
            candidate.excluded = "a postcode before its town"
    # A card's expiry or an offer's validity is no date of the contract: never offered.
    found["date"] = [candidate for candidate in found["date"]
                     if not _after_validity_label(context, candidate)]
    found["amount"].extend(_tax_sums(found["amount"]))
    found["amount"].extend(_paid_totals(context, found["amount"]))
    _amount_relations(found["amount"])
    _below_rounding(context, found["amount"])
    _date_relations(found["date"])
    _repetition(found)
    return found


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
    # By segment, as `_amounts` reads them.
    marks = Counter(match.group(1) for amounts in segment_amounts
                    for amount in amounts if amount.decimals == 2
                    for match in [_CENTS.search(amount.text)] if match)
    if not marks:
        return None
    mark, count = marks.most_common(1)[0]
    # OCR may misread one point as a comma: a mark nine amounts in ten agree on stands.
    return mark if count >= 2 and count >= 9 * (marks.total() - count) else None


def _clashes_with_page(context: _Context, text: str, decimals: int) -> bool:
    """A figure grouped by the page's own decimal mark ("RM3.655", "2.200 RM / litre" on a
    slip that prints "24.40"): OCR's glued tax code or a unit price to three decimals,
    never three thousand ringgit."""
    return decimals == 0 and context.decimal_mark is not None \
        and context.decimal_mark in text


# --- features every kind shares -----------------------------------------------------------

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
    return max(before, key=lambda hit: hit.end, default=None)


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
            found = max(hits, key=lambda hit: hit.end)
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


# --- amounts ------------------------------------------------------------------------------

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


def _under_title(context: _Context, segment: Segment) -> bool:
    """The first segment above, over this one, opens with the document's title ("Facture du
    29/01/2021" over "n° 1234567890"): the title heads what is printed under it."""
    lines = context.layout.lines
    left, right = segment.x0, segment.x1
    for line in reversed(lines[max(0, segment.line - _LINES_ABOVE):segment.line]):
        above = [other for x0, x1, other in _spans(context, line) if x0 <= right and x1 >= left]
        if line.page != segment.page or above:
            return line.page == segment.page and _title_before(above[0], 1)
    return False


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


_CAPITAL_WORDS = frozenset({"capital", "stammkapital", "grundkapital", "kapital",
                            "capitale", "kapitaal"})


def _capital_before(segment: Segment, word: int) -> bool:
    """"SARL au capital de 10 000 €": the company's share capital, no amount of the sale."""
    return not _CAPITAL_WORDS.isdisjoint(
        chain.from_iterable(segment.tokens[max(0, word - 4):word]))


# A currency code glued to its figure ("RM53.60", "EUR12,00") starts an amount too.
_GLUED_MARK = re.compile(r"^(?:RM|MYR|SGD|EUR|USD|GBP|CHF)\d", re.IGNORECASE)


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


# --- dates --------------------------------------------------------------------------------

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


def _dates(context: _Context, *, month_first_possible: bool) -> Iterator[Candidate]:
    for segment in context.layout.segments():
        text = segment.text
        digits = context.digit_words.get(id(segment))
        if digits is None:
            continue  # every date has digits
        # Past the segment's last word with a digit, none can start.
        words = segment.words
        last_digits = len(digits) - 1 - digits[::-1].index(True)
        ascii_text = text.isascii()
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
            parsed = parse_date(start, month_first_possible=month_first_possible) \
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
                "after_from_word": float(before in _FROM_WORDS),
                "dates_in_segment": float(len(_DATE_SHAPE.findall(text)) > 1),
                "ambiguous": float(reading.ambiguous),
                "legal_text": float(_in_legal_text(text)),
                "named_month": float(any(map(str.isalpha, matched))),
                "glued_label": float(len(unglued) < len(rest)),
            })
            yield candidate


# The first letters of the month names `parse_date` reads ("janvier", "Feb", "okt").
_MONTH_INITIALS = frozenset("adfjmnos")
# An ASCII text that opens with another letter, and no label glued by a colon, opens no
# date: `parse_date` finds one further on, which `_date_starts_here` refuses, as it does
# every date that neither opens the text nor opens it once normalised. Skipped, the
# parse of every such word's rest of its segment is saved (most words of a line).
_NO_MONTH_LETTERS = frozenset(letter for letter in string.ascii_letters
                              if letter.lower() not in _MONTH_INITIALS)

_ASCII_DIGIT = re.compile(r"[0-9]")


def _has_digit(text: str) -> bool:
    """Whether any character of `text` is a digit (`str.isdigit`): one regular-expression
    search for the ASCII text of most pages, where only 0-9 are digits."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(map(str.isdigit, text))


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


# --- codes (invoice numbers) --------------------------------------------------------------

def _codes(context: _Context) -> Iterator[Candidate]:
    for segment in context.layout.segments():
        digits = context.digit_words.get(id(segment))
        if digits is None:
            continue  # every code has a digit (and digit groups are digits)
        grouped = _digit_groups(context, segment)
        if grouped:
            # Its groups are pieces of it, no numbers of their own.
            yield _code_candidate(context, segment, 0, grouped, grouped, beside_code=False)
            continue
        for index, word in enumerate(segment.words):
            if not digits[index]:
                continue  # the code is read from the word: no digit there, none in it
            token = _unlabelled_code(word.text.strip(":#°.,;()"))
            if not _CODE.match(token) or not _has_digit(token) \
                    or _FILE_NAME.search(token):
                continue
            if parse_date(token) is not None \
                    or _after_other_number_label(context, segment, index) \
                    or _BUSINESS_TERM.match(token) or _money_or_quantity(segment, index, token):
                continue
            yield _code_candidate(context, segment, index, token, word.text,
                                  beside_code=_beside_code(segment, index))


def _code_candidate(context: _Context, segment: Segment, index: int, token: str,
                    printed: str, *, beside_code: bool) -> Candidate:
    # `map` of the `str` method counts as a generator over the characters does, faster.
    digits = sum(map(str.isdigit, token))
    candidate = Candidate("code", token, segment, index)
    candidate.features.update({
        "digits": min(digits / 10, 2.0),
        "letters": min(sum(map(str.isalpha, token)) / 10, 2.0),
        "separators": float(not _SEPARATORS.isdisjoint(token)),
        "length": min(len(token) / 15, 2.0),
        "all_digits": float(token.isdigit()),
        "looks_amount": float(bool(find_amounts(token))),
        "short": float(len(token) <= 3),
        "long_number": float(token.isdigit() and len(token) >= 9),
        "after_colon": float(index > 0 and segment.words[index - 1].text.endswith(
            (":", "#", "°"))),
        "has_hash": float("#" in printed or "°" in printed),
        "beside_code": float(beside_code),
    })
    known = context.under_title.get(id(segment))
    if known is None:  # the same for every code of the segment
        known = context.under_title[id(segment)] = _under_title(context, segment)
    candidate.under_title = known
    return candidate


_SEPARATORS = frozenset("-/_.")
_POSTCODE_TOKEN = re.compile(r"^\d{4,5}$")
_NUMBER_LABELS = ("same:invoice_number", "left:invoice_number", "above:invoice_number")


def _postcode(candidate: Candidate) -> bool:
    """Four or five digits opening an address line before the town's name ("31000
    Toulouse", "75015 PARIS", "1012 Amsterdam"), with no number's label to say otherwise:
    a postcode, never the document's number."""
    words = candidate.segment.words
    if candidate.word != 0 or len(words) < 2 or not _POSTCODE_TOKEN.match(candidate.value):
        return False
    town = words[1].text
    return town[:1].isupper() and town.rstrip(",").isalpha() \
        and not any(candidate.features.get(label) for label in _NUMBER_LABELS)


_GROUP = re.compile(r"^\d+$")


def _digit_groups(context: _Context, segment: Segment) -> str:
    """A number printed in groups of digits ("Factura | 1 24 0005 0001201345"), as one code,
    when an invoice number's label is to its left: each group alone is only a piece of it.
    Thousands grouped by threes ("1 250 000") are an amount's; without the label a row of
    digit groups is as often a phone number."""
    if len(segment.words) < 3:
        return ""
    words = [word.text for word in segment.words]
    if not all(_GROUP.match(word) for word in words) \
            or all(len(word) == 3 for word in words[1:]):
        return ""
    label = _label_left(context, segment)
    if label is None or label.label.role != "invoice_number":
        return ""
    return " ".join(words)


# A number printed with decimals that end in zeros ("0.5000", "20.000", "3,00"): a quantity
# or a price, never a document's number, whose digits are its own.
_DECIMAL_QUANTITY = re.compile(r"^\d{1,3}[.,]\d*0$")


# A telephone number by its shape, whatever its label: "416-555-1212" (North America),
# "01.02.03.04.05" (France). A scan printed one twice and no label said so.
_PHONE = re.compile(r"^\d{3}[-.]\d{3}[-.]\d{4}$|^0\d(?:[.\-]\d{2}){4}$")


def _money_or_quantity(segment: Segment, index: int, token: str) -> bool:
    """The company's share capital ("Capital de 8500000000 €"), a figure its currency
    follows ("8500000000 €"), a decimal quantity or a phone number: never the
    invoice's number. The ranker had to learn this from the few sources that print one,
    and a source held out that prints its capital as a bare figure lost its number to it."""
    following = segment.words[index + 1:index + 2]
    return _capital_before(segment, index) or bool(_DECIMAL_QUANTITY.match(token)) \
        or bool(_PHONE.match(token)) \
        or any(word.text.strip(".,;:").upper() in CURRENCY_MARKS for word in following) \
        or _after_copyright(segment, index)


def _after_copyright(segment: Segment, index: int) -> bool:
    """"Visualisierung eRechnung © DWC 2025": a copyright's year, printed on every page of
    some viewers' output, beside a title word."""
    return any("©" in word.text or word.text.lower() in ("(c)", "copyright")
               for word in segment.words[:index])


# EN 16931's business-term references ("BT-22", "BG-25"), printed beside each value by the
# viewers that turn an e-invoice's XML into a page: a field's name, never its value.
_BUSINESS_TERM = re.compile(r"^B[GT]-\d{1,3}$")


# Labels of numbers that are never the document's own: phones, and the company's
# identifiers (checked and read apart, by `fields.identifiers`).
_NOT_NUMBER_WORDS = frozenset({
    "tel", "tél", "telephone", "téléphone", "phone", "fax", "mobile", "mob", "gsm", "portable",
    "telefon", "telefax", "handy", "cell", "siret", "siren", "rcs", "iban", "bic", "swift",
    "tva", "vat", "ustidnr", "ustid", "steuernummer", "steuernr", "kvk", "btw", "gln", "gtin",
    "ean", "ape", "naf"})
_IDENTIFIER_SUFFIXES = frozenset({"gln", "gtin", "ean"})


def _after_other_number_label(context: _Context, segment: Segment, index: int) -> bool:
    """"Tel: 0600000002", "SIRET: 81265330100018": a phone or a company identifier, never an
    invoice number. The label may sit a word or two before ("Tel : 03-9201 6281"), end the
    segment to the left ("USt.-Id.-Nr.: | DE123456789", "Steuernummer: | 201/113/40209"),
    or name the identifier after it ("4000001123452 (GLN)")."""
    before = list(segment.words[max(0, index - 2):index])
    if index == 0:
        left = _segments_left_of(context, segment)
        before = list(left[-1].words[-2:]) if left else []
    after = segment.words[index + 1:index + 2]
    return any(_bare(word.text) in _NOT_NUMBER_WORDS for word in before) \
        or any(_bare(word.text) in _IDENTIFIER_SUFFIXES for word in after)


@lru_cache(maxsize=1 << 14)
def _bare(word: str) -> str:
    """A label word without case, dots and dashes ("USt.-Id.-Nr.:" → "ustidnr")."""
    return "".join(char for char in word.lower() if char.isalnum())


_GLUED_NUMBER_LABEL = re.compile(r"^(?:n[°º]|no|nr)[°º.:]?(?=[a-z0-9])|^n[°º]", re.IGNORECASE)


def _unlabelled_code(token: str) -> str:
    """A code without the number sign glued to it: "N°:2024-001", "N°F-20240000010"."""
    if token[:2].lower() in ("no", "nr") and token[2:3] not in "°º.:":
        return token  # "NO1234" or "Nr1" may be the code itself
    match = _GLUED_NUMBER_LABEL.match(token)
    return token[match.end():].strip() if match and match.end() < len(token) else token


def _beside_code(segment: Segment, index: int) -> bool:
    """Another code touches it in the same segment ("8B83747E 0006"): a piece of one value
    whose separator the text layer lost, or one of two numbers side by side."""
    neighbours = (segment.words[i].text.strip(":#°.,;()") for i in (index - 1, index + 1)
                  if 0 <= i < len(segment.words))
    return any(_CODE.match(token) and _has_digit(token) for token in neighbours)


# --- names (the supplier) -----------------------------------------------------------------

def _names(context: _Context) -> Iterator[Candidate]:
    """Every name-like segment; the first under a party's heading is marked as such."""
    seller = _block_heads(context, "seller_block")
    customer = _block_heads(context, "customer_block")
    items = _item_lines(context.layout)
    for candidate in _name_like(context):
        if candidate.segment.line in items:
            candidate.excluded = "a line of the item table"
        # On a label's own line only the words after the label are the name.
        # A name joined from several segments ("MUSTERLIEFERANT GMBH | MUSTER-KUNDE GMBH")
        # is not the segment that heads the block.
        own = candidate.value == _clean_name(_rejoined(candidate.segment))
        heads = (own and not _opening_roles(context, candidate.segment)) \
            or bool(candidate.features.get("after_label"))
        candidate.features["heads_seller"] = float(heads and id(candidate.segment) in seller)
        candidate.features["heads_customer"] = float(heads and id(candidate.segment) in customer)
        candidate.features["beside_other_label"] = float(
            _beside_other_label(context, candidate.segment))
        yield candidate


_COLUMN_ALIGN = 0.5  # of the text height: how far apart two left edges still make a column
_COLUMN_GAP = 0.8  # of the text height: the widest gap between two lines of one block
_BLOCK_DEPTH = 4  # how many lines up a block's head is looked for


def _block_heads_above(context: _Context, names: list[Candidate]) -> None:
    """Each name printed as a further line of a block, under another line in the same
    column, is given the name that heads the block, when that head is a name too. A name
    with a legal form, or headed by a party's label, is a party's own and is given none."""
    by_segment: dict[int, Candidate] = {}
    for candidate in names:
        if candidate.excluded is None and candidate.value == _clean_name(candidate.segment.text):
            by_segment.setdefault(id(candidate.segment), candidate)
    for candidate in names:
        if any(candidate.features.get(flag) for flag in
               ("has_form", "heads_customer", "heads_seller", "opens_customer", "opens_seller")):
            continue
        top, segment = None, candidate.segment
        for _ in range(_BLOCK_DEPTH):
            above = _segment_above(context, segment)
            if above is None:
                break
            top = segment = above
        head = by_segment.get(id(top)) if top is not None else None
        if head is not None and head is not candidate and head.value != candidate.value:
            candidate.block_head = head.value


def _segment_above(context: _Context, segment: Segment) -> Segment | None:
    """The segment right above, left edges aligned, as close as lines of one block (a gap
    below zero is only boxes taller than the type); no label heading the block."""
    if segment.line == 0:
        return None
    above = context.layout.lines[segment.line - 1]
    if above.page != segment.page:
        return None
    height = segment.height
    return next((other for other in above.segments
                 if abs(other.x0 - segment.x0) <= _COLUMN_ALIGN * height
                 and segment.y0 - max(word.y1 for word in other.words) <= _COLUMN_GAP * height
                 and not _only_labels(context, other)
                 and not other.text.rstrip().endswith(":")), None)


_ITEM_HEADINGS = 2  # line-item labels that make a line the heading of an item table
_SUM_LABELS = frozenset({"total_amount", "net_amount", "tax_amount"})


def _item_lines(layout: Layout) -> set[int]:
    """The lines of each item table: from a heading that names two item columns
    ("Description | Quantity | Price") down to the first line labelled with a sum. What is
    printed there is a product, a unit or a column ("Kilograms", "Services"), never a party.
    """
    columns: dict[int, set[tuple[int, int]]] = {}
    for hit in layout.hits.get("line_item", []):
        columns.setdefault(hit.segment.line, set()).add((id(hit.segment), hit.start))
    sums = {hit.segment.line for role in _SUM_LABELS for hit in layout.hits.get(role, [])}
    found: set[int] = set()
    for start in sorted(line for line, hits in columns.items() if len(hits) >= _ITEM_HEADINGS):
        if start in found:
            continue  # a heading repeated inside a table already walked
        page = layout.lines[start].page
        for line in layout.lines[start:]:
            if line.page != page or (line.index != start and line.index in sums):
                break
            found.add(line.index)
    return found


def _name_like(context: _Context) -> Iterator[Candidate]:
    layout = context.layout
    customer = _areas_under(context, "customer_block")
    seller = _areas_under(context, "seller_block")
    marks_lines = _seller_mark_lines(layout)
    domains = _domains(layout)
    first_page = [line for line in layout.lines if line.page == 1]
    heads: set[int] = set()
    # A name put back together carries no flag of its own: on the sources that print none,
    # such a flag only learned that the joins of labels and titles were wrong.
    for order, text, segment, over_two_lines in _joined_names(context, first_page):
        yield _name_candidate(segment, text, order, len(first_page), customer, marks_lines,
                              domains, seller=seller)
        if over_two_lines:
            heads.add(id(segment))
    for order, line in enumerate(first_page):
        for segment in line.segments:
            if segment.text.rstrip().endswith(":") or _only_labels(context, segment):
                continue  # "Stylesheet-Version:", "Verkäufer": a label, never a name
            if _contact(segment.text) and len(segment.text.split()) == 1:
                continue  # "www.azimut.com": the seller's address, which spells no name
            if _identifier_row(segment.text):
                continue  # "Siret : 4567890", "Email : …": an identifier's row, no name
            if id(segment) in heads and len(line.segments) == 1:
                continue  # "POPULAR BOOK" over "CO. (M) SDN BHD": the name is the two lines
            text = _clean_name(_rejoined(segment))
            if not _could_be_name(text):
                continue
            opening = _opening_roles(context, segment)
            yield _name_candidate(segment, text, order, len(first_page), customer,
                                  marks_lines, domains, seller=seller, opening=opening)
            after = _after_label(context, segment)
            # A party's label heads a name ("Vendeur : Ma Société"); another label, such
            # as a till slip's "CASHIER: Manager", heads a person or a code, no party.
            if _could_be_name(after) and opening & set(_BLOCK_ROLES):
                yield _name_candidate(segment, after, order, len(first_page), customer,
                                      marks_lines, domains, seller=seller,
                                      after_label=True, opening=opening)
            before_capital = _CAPITAL.split(normalise(segment.text))[0]
            if before_capital != normalise(segment.text) and len(before_capital) > 2:
                words = _CAPITAL.split(segment.text.lower())[0].split()
                cut = _clean_name(" ".join(segment.text.split()[:len(words)]))
                if _could_be_name(cut):
                    yield _name_candidate(segment, _clean_name(cut), order, len(first_page),
                                          customer, marks_lines, domains, seller=seller,
                                          legal=True)


# How far down the first page a name broken over two lines or columns is looked for.
_JOINED_NAME_LINES = 10


def _joined_names(context: _Context,
                  lines: list[Line]) -> Iterator[tuple[int, str, Segment, bool]]:
    """A name the layout or OCR broke apart, put back together when a legal form ends it:
    "CO. | (M) SDN BHD" on one line, "POPULAR BOOK" above "CO. (M) SDN BHD" (the flag: over
    two lines)."""
    for order, line in enumerate(lines[:_JOINED_NAME_LINES]):
        whole = _clean_name(" ".join(_rejoined(segment) for segment in line.segments))
        spaced = _spaced_out(line, order)
        if len(line.segments) > 1 and (_ends_with_form(whole) or spaced) \
                and ":" not in whole and _could_be_name(whole) \
                and _could_head_name(context, line, line.segments[0].text, letterhead=spaced):
            yield order, whole, line.segments[0], False
        following = lines[order + 1] if order + 1 < len(lines) else None
        if following is None or following.page != line.page or _has_form(whole) \
                or _has_digit(whole) or ":" in whole \
                or not _could_head_name(context, line, whole):
            continue
        below = _clean_name(" ".join(_rejoined(segment) for segment in following.segments))
        # Only the tail of a name ("CO. (M) SDN BHD") takes the line above it: a company
        # name whole on its own line ("TRENDYMAX (M) SDN. BHD.") is the legal name, and
        # what sits above it a brand or a branch ("Sarang Hae Yo").
        if _ends_with_form(below) and ":" not in below and not _could_be_name(below):
            yield order, f"{whole} {below}", line.segments[0], True


_SPACED_LINES = 3  # how far down a till slip's letterhead sits


def _spaced_out(line: Line, order: int) -> bool:
    """A letterhead printed wide that OCR cut into pieces ("SLF | CASH | & CARRY", "SIN |
    THYE | & COMPANY"): one of the slip's top lines, words only. A text layer's columns are
    its author's own and stay apart."""
    words = [word for segment in line.segments for word in segment.words]
    # Printed wide, a letterhead is in capitals: OCR's specks ("ele | R") are not.
    return order < _SPACED_LINES and any(word.confidence < 1.0 for word in words) \
        and len(words) <= 6 and not any(_has_digit(word.text) for word in words) \
        and not any(word.text[:1].islower() for word in words)


# OCR's split inside a word ("GA RDENIA", "RI ANG") leaves a piece of one or two letters
# closer to the rest than a space does: under this share of the line's height, one word.
# Gaps alone do not tell ("KEDAI PAPAN" can stand as close as "GA RDENIA"): only a piece
# too short to be a word of a name on its own is joined.
_SPLIT_GAP_SHARE = 0.25
_SPLIT_PIECE = 2
# A single letter stands a little further from the rest of its word ("BA K ERIES"): on the
# real receipts no lone letter that close was a word of its own.
_SPLIT_LETTER_GAP_SHARE = 0.3


def _rejoined(segment: Segment) -> str:
    """The segment's text, the pieces of a word OCR broke at a pixel gap put back together.

    Only between letters read by OCR (a text layer's spaces are the author's own), only at
    a gap much narrower than the words' height, and only when one side is a short piece.
    """
    words = segment.words
    if not words or all(word.confidence >= 1.0 for word in words):
        return segment.text
    parts = [words[0].text]
    for left, right in pairwise(words):
        height = min(left.y1 - left.y0, right.y1 - right.y0)
        piece = min(_letters(left.text), _letters(right.text))
        share = _SPLIT_LETTER_GAP_SHARE if piece == 1 else _SPLIT_GAP_SHARE
        close = right.x0 - left.x1 < share * height
        if close and piece <= _SPLIT_PIECE and left.text[-1:].isalpha() \
                and right.text[:1].isalpha() and _one_word(parts[-1], right.text):
            parts[-1] += right.text
        else:
            parts.append(right.text)
    return " ".join(_split_glued(part) for part in _trade_words_rejoined(parts))


def _one_word(left: str, right: str) -> bool:
    """Whether two pieces OCR set close may be one word: not when one is a legal form on
    its own ("AEON | CO."), nor where the case says a new word starts: a capital after a
    lower-case letter ("Jessie | M"), or a capitalised word after another ("TF | Value")."""
    if any(normalise(piece) in _FORM_WORDS for piece in (left, right)):
        return False
    starts_word = right[:1].isupper() and (left[-1:].islower() or right[1:2].islower())
    return not starts_word


# OCR's split inside a trade word ("HOL DINGS", "ENTERPR ISE", "BAKERI ES") leaves a piece
# of this many letters or fewer, whatever the gap: the word the pieces spell is rejoined.
_TRADE_PIECE = 3
_TRADE_WORD_SET = frozenset(TRADE_WORDS)


def _trade_words_rejoined(parts: list[str]) -> list[str]:
    """Two neighbouring pieces whose letters spell a trade word together, one of them
    short and neither a trade word alone, put back as one word ("BOOK STORE" stays: STORE
    is one; "SUPER MARKET" stays: no piece is short)."""
    joined: list[str] = []
    for part in parts:
        if joined and _spell_trade_word(joined[-1], part):
            joined[-1] += part
        else:
            joined.append(part)
    return joined


_LEADING_LETTERS = re.compile(r"^[^\W\d_]+")


def _spell_trade_word(left: str, right: str) -> bool:
    """Only the right piece's leading letters count ("BAKERI | ES(KL)")."""
    found = _LEADING_LETTERS.match(right)
    tail = found.group(0) if found else ""
    if not left.isalpha() or not tail:
        return False
    return (left + tail).upper() in _TRADE_WORD_SET and min(len(left), len(tail)) <= _TRADE_PIECE \
        and left.upper() not in _TRADE_WORD_SET and tail.upper() not in _TRADE_WORD_SET \
        and (left.isupper() == tail.isupper() or tail.islower())


_TRADE_WORDS = sorted(TRADE_WORDS, key=len, reverse=True)
_GLUED_LETTERS = 12  # a word in capitals this long may be several OCR glued together
_KEPT_PIECE = 3  # letters of the least piece left beside a trade word (a brand, "SANYU")


@lru_cache(maxsize=1 << 12)
def _split_glued(token: str) -> str:
    """A word in capitals that OCR glued from several ("SANYUSTATIONERYSHOP"), cut where
    the words of shop and company names stand inside it ("SANYU STATIONERY SHOP"); a word
    that no such cut leaves in pieces of three letters or more stays whole."""
    letters = token.rstrip(".,")
    if len(letters) < _GLUED_LETTERS or not letters.isalpha() or not letters.isupper() \
            or letters in TRADE_WORDS:
        return token
    pieces = _trade_pieces(letters)
    return " ".join(pieces) + token[len(letters):] if pieces else token


def _trade_pieces(letters: str) -> list[str] | None:
    """`letters` as trade words and pieces of three letters or more, around the longest
    trade word that leaves such pieces; None when no trade word does."""
    for word in _TRADE_WORDS:
        at = letters.find(word)
        if at < 0:
            continue
        before, after = letters[:at], letters[at + len(word):]
        sides = [_piece(before), _piece(after)]
        if all(side is not None for side in sides):
            return [*(sides[0] or []), word, *(sides[1] or [])]
    return None


def _piece(letters: str) -> list[str] | None:
    if not letters:
        return []
    if letters in TRADE_WORDS:
        return [letters]
    found = _trade_pieces(letters) if len(letters) > _KEPT_PIECE else None
    return found or ([letters] if len(letters) >= _KEPT_PIECE else None)


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def _could_head_name(context: _Context, line: Line, text: str, *,
                     letterhead: bool = False) -> bool:
    """The first line of a name broken over two: never a label ("Destinataire"), a title
    ("FACTURE") or a contact ("contact@…"), which only sit above the name. A till slip's
    letterhead may hold a payment word: "SLF | CASH | & CARRY" is a shop's name."""
    plain = normalise(text)
    hits = [hit for segment in line.segments for hit in context.hits_by_segment.get(id(segment), [])
            if not (letterhead and hit.label.role == "payment_line")]
    return not (hits
                or "@" in text or "www" in plain.split()
                or any(token.startswith(_TITLE_WORDS) or "rechnung" in token
                       for token in plain.split()))


def _has_form(text: str) -> bool:
    return not _FORM_WORDS.isdisjoint(normalise(text).split())


def _ends_with_form(text: str) -> bool:
    tokens = normalise(text).split()
    return len(tokens) > 1 and tokens[-1] in _FORM_WORDS


@lru_cache(maxsize=1 << 14)
def _could_be_name(text: str) -> bool:
    """Never a legal form alone ("SARL"), a currency ("EUR"), a bare label ("From")."""
    tokens = normalise(text).split()
    if len(text) < 2 or not any(map(str.isalpha, text)) or not tokens:
        return False
    plain = " ".join(tokens)
    padded = f" {plain} "
    return not (_FORM_WORDS.issuperset(tokens) or plain in _CURRENCY_WORDS
                or _generic(plain) or plain in _COUNTRIES or not _has_word(text)
                or _COURTESY_PHRASE.search(padded) is not None)


def _generic(plain: str) -> bool:
    """A generic word or heading, its spaces kept or glued by OCR ("GSTSUMMARY")."""
    return plain in _GENERIC_WORDS or plain.replace(" ", "") in _GLUED_GENERIC_WORDS


# A till slip's thanks, invitations and sales policy, printed in a name's place at its top
# or bottom ("GOODS SOLD ARE NOT RETURNABLE").
_COURTESY = ("thank you", "thanks", "please", "come again", "visit us", "welcome",
             "for shopping", "shopping with",
             "merci", "a bientot", "danke", "vielen dank", "bis bald", "bedankt", "grazie",
             "gracias", "returnable", "refundable", "exchangeable", "no refund", "no refunds",
             "goods sold", "ni repris", "ni echange", "ni echanges", "kein umtausch",
             "umtausch")
# Any of the phrases as whole words in a name padded with spaces: one search of an
# alternation, where a test per phrase walked the name each time.
_COURTESY_PHRASE = re.compile("|".join(re.escape(f" {phrase} ") for phrase in _COURTESY))
_WORD = re.compile(r"[^\W\d_]{3,}")
_BRACKETED = re.compile(r"\([^)]*\)")


def _has_word(text: str) -> bool:
    """A name has a word of three letters or more besides its legal form and bracketed
    qualifiers: OCR's debris ("FE ae") has not, nor the tail of a name broken over two
    lines ("(M) SDN BHD", "CO. (M) SDN BHD")."""
    unbracketed = _BRACKETED.sub(" ", text)
    own = [word for word in unbracketed.split() if normalise(word) not in _FORM_WORDS]
    return bool(_WORD.search(text)) and _letters("".join(own)) >= 3


_LAST_BRACKET_NUMBER = re.compile(r"\s*\((?:[^()]*\d[^()]*)\)\s*$")
_DASHED_NUMBER_END = re.compile(r"\s+[-–]\s+[\d][\d .\-]{4,}$")


@lru_cache(maxsize=1 << 14)
def _clean_name(text: str) -> str:
    """The name a segment's text spells, OCR's and layout's debris taken off (cached: the
    same texts are cleaned for several candidates)."""
    # RapidOCR reads some brackets as their full-width forms ("AEON CO. （M) BHD").
    text = unicodedata.normalize("NFKC", text)
    # "(0005583085-K)" registrations; only the last bracket: in "THE STORE (MALAYSIA SDN
    # BHD (8199K)" OCR lost the first one's end, and the name is all that comes before.
    # (Each search only where its mark is: most names have no bracket and no dash.)
    if ")" in text:
        text = _LAST_BRACKET_NUMBER.sub("", text)
    if "-" in text or "–" in text:
        text = _DASHED_NUMBER_END.sub("", text)  # "Francorp S.A.S. - 900178348-7"
    text = _without_debris(text.strip(" ,;:-–|*").strip())
    text = _STATUS_PREFIX.sub("", text) or text
    text = _without_stamp(text)
    return _without_trailing_registration(
        _snap_legal_forms(_look_alike_forms(_unglued_forms(_letters_for_digits(text)))))


# Two legal forms OCR glued into one word, alone or after a bracket ("(KL)SDNBHD").
_GLUED_FORMS = re.compile(
    r"(?<![A-Za-z])(" + "|".join(sorted({form.upper() for form in LEGAL_FORMS
                                         if form.isalpha() and len(form) >= 3}, key=len,
                                        reverse=True)) + r")(?=[A-Z]{3,}\b)")


_CAPITALS = re.compile(r"[A-Z]*")
_SIX_CAPITALS = re.compile(r"[A-Z]{6}")


def _unglued_forms(text: str) -> str:
    """"SDNBHD" as "SDN BHD": a word in capitals made of two legal forms, cut between them
    (only when what follows the first is a legal form too: "SASKIA" stays whole)."""
    def cut(match: re.Match[str]) -> str:
        rest = _CAPITALS.match(text[match.end():])
        return f"{match.group(1)} " if rest and rest.group(0) in _UPPER_FORMS \
            else match.group(1)

    if _SIX_CAPITALS.search(text) is None:
        return text  # a form of three capitals or more, glued to three more: six in a row
    return _GLUED_FORMS.sub(cut, text)


# A sole trader's status printed before the name ("Auto entrepreneur Abderraouf"): the
# status is no part of the name it qualifies.
_STATUS_PREFIX = re.compile(r"^(?:auto|micro)[\s\-]entrepreneur\s+(?=\S)", re.IGNORECASE)


# A bookkeeper's rubber stamp OCR read on the letterhead's line ("YONG CEN ENTERPRISE
# POSTED"): in capitals after a name of two words or more, no word of the name.
_STAMPS = frozenset({"POSTED", "PAID", "ENTERED", "RECEIVED"})


def _without_stamp(text: str) -> str:
    tokens = text.split()
    return " ".join(tokens[:-1]) if len(tokens) >= 3 and tokens[-1] in _STAMPS else text


# A company number printed after the legal form without brackets ("S/B 273500-U"), its
# digits maybe read by OCR as look-alike letters ("SDN BHD BOZTZ5-U"): a word of a name
# never ends in a hyphen and one letter after a legal form.
_REGISTRATION = re.compile(r"^[0-9A-Z]{4,9}-[A-Z]$")


def _without_trailing_registration(text: str) -> str:
    tokens = text.split()
    if len(tokens) > 2 and normalise(tokens[-2]) in _FORM_WORDS \
            and _REGISTRATION.match(tokens[-1]) \
            and _has_digit(tokens[-1]):
        return " ".join(tokens[:-1])
    return text


_NO_CHARACTER = re.compile(r"^[\W_]+$")
_SHORT_LOWER = re.compile(r"^(?=.*[a-z])[^\W\d_]{1,2}$")


def _without_debris(text: str) -> str:
    """OCR's specks around a name put right: marks with no letter or digit at its edges
    ("— — GARDENIA BAKERIES", "SDN BHD —~\\"), and a stray one- or two-letter word in
    lower case before or after a name printed in capitals ("mn GARDENIA", "Ve MR. D.I.Y.")."""
    tokens = text.split()
    while tokens and _NO_CHARACTER.match(tokens[0]):
        tokens.pop(0)
    while tokens and _NO_CHARACTER.match(tokens[-1]):
        tokens.pop()
    capitals = [token for token in tokens if any(map(str.isalpha, token))]
    if len(capitals) >= 3 and all(token.isupper() for token in capitals[1:-1]):
        for edge in (0, -1):
            if tokens and _SHORT_LOWER.match(tokens[edge]):
                tokens.pop(edge)
        while tokens and _NO_CHARACTER.match(tokens[0]):
            tokens.pop(0)
        while tokens and _NO_CHARACTER.match(tokens[-1]):
            tokens.pop()
    return " ".join(tokens)


# OCR's digits for look-alike letters, fixed only inside a word of letters ("D.1.Y.").
_LOOK_ALIKES = str.maketrans("0158", "OISB")
_DIGIT_IN_LETTERS = re.compile(
    r"(?<=[A-Z]\.)[0158](?=\.[A-Z])|(?<=[A-Z])[0158](?=[A-Z])|(?<=\b[A-Z])0(?=\.)")


def _letters_for_digits(text: str) -> str:
    """"MR. D.1.Y." for "MR. D.I.Y.": a digit between two capitals (or two initials) is a
    misread letter, and so is the "0" of a capital's abbreviation ("C0." for "CO."). A
    digit at a word's edge ("3M", "A1") stays what it is."""
    if not _has_digit(text):
        return text  # the common case: no digit to read as a letter
    return _DIGIT_IN_LETTERS.sub(lambda match: match.group(0).translate(_LOOK_ALIKES), text)


# OCR's digits for the letters of a legal form ("5/B" for "S/B", "SDN 8HD" for "SDN BHD").
_FORM_LOOK_ALIKES = str.maketrans("5801", "SBOI")
_UPPER_FORMS = frozenset(form.upper() for form in LEGAL_FORMS if len(form) >= 3)


def _look_alike_forms(text: str) -> str:
    """A word that spells a legal form once OCR's look-alike digits are read as letters, and
    has a letter besides them: only ever such a form, never a number ("5/8")."""
    if not _has_digit(text):
        return text
    tokens = text.split()
    for index, token in enumerate(tokens):
        if _has_digit(token) and any(map(str.isalpha, token)):
            fixed = token.translate(_FORM_LOOK_ALIKES)
            if fixed.upper() == fixed and fixed.rstrip(".,") in _UPPER_FORMS:
                tokens[index] = fixed
    return " ".join(tokens)


_FORM_TOKENS = sorted({form.upper() for form in LEGAL_FORMS
                       if form.isalpha() and len(form) >= 3})
_FORM_TOKEN_SET = frozenset(_FORM_TOKENS)  # asked of every word of every name


def _snap_legal_forms(text: str) -> str:
    """OCR's one-letter slips inside a legal form ("SON BHD" for "SDN BHD"), put right.

    Only a token next to an exact legal form is snapped, and only to a form one letter
    away: a name is never rewritten on a guess.
    """
    tokens = text.split()
    upper = [token.upper().strip(".,") for token in tokens]
    for index, token in enumerate(upper):
        if token in _FORM_TOKEN_SET or len(token) < 3 or not tokens[index].isupper():
            continue
        neighbours = upper[max(0, index - 1):index] + upper[index + 1:index + 2]
        if not any(neighbour in _FORM_TOKEN_SET for neighbour in neighbours):
            continue
        close = [form for form in _FORM_TOKENS if len(form) == len(token)
                 and Levenshtein.distance(form, token) == 1]
        if len(close) == 1:
            tokens[index] = close[0]
    return " ".join(tokens)


def _only_labels(context: _Context, segment: Segment) -> bool:
    """Labels cover every word of the segment: a heading such as "Verkäufer"."""
    hits = context.hits_by_segment.get(id(segment))
    if not hits:
        return False  # most segments hold no label
    covered: set[int] = set()
    for hit in hits:
        covered.update(range(hit.start, hit.end))
    return bool(segment.words) and covered >= set(range(len(segment.words)))


def _opening_roles(context: _Context, segment: Segment) -> frozenset[str]:
    """The roles of the labels that open the segment ("Client : ACME" opens with a customer
    block label): the name after it belongs to that party."""
    return frozenset(hit.label.role for hit in _opening_hits(context, segment))


def _opening_hits(context: _Context, segment: Segment) -> list[LabelHit]:
    return [hit for hit in context.hits_by_segment.get(id(segment), [])
            if hit.start == 0 and not _an_article(hit)]


def _an_article(hit: LabelHit) -> bool:
    """"Le" labels a date only before one ("Paris, le 3 avril 2026"): opening "LE
    FOURNISSEUR" or "Le Petit Ballon SAS", it is the name's article, not a label."""
    if hit.label.tokens != ("le",):
        return False
    words = hit.segment.words
    return hit.end >= len(words) or not any(char.isdigit() for char in words[hit.end].text)


def _after_label(context: _Context, segment: Segment) -> str:
    """The words after a label that opens the segment ("Vendeur : Ma Société SARL")."""
    hits = _opening_hits(context, segment)
    if not hits:
        return ""
    end = max(hit.end for hit in hits)
    return _clean_name(segment.text_from(end)) if end < len(segment.words) else ""


def _name_candidate(segment: Segment, text: str, order: int, lines: int,
                    customer: set[int], marks_lines: list[int], domains: set[str],
                    *, seller: set[int], legal: bool = False,
                    after_label: bool = False,
                    opening: frozenset[str] = frozenset()) -> Candidate:
    plain = normalise(text)
    padded = f" {plain} "
    tokens = plain.split()
    letters = list(filter(str.isalpha, text))
    nearest_mark = min((abs(line - segment.line) for line in marks_lines), default=99)
    candidate = Candidate("name", text, segment, 0)
    domain_match = _domain_match(tokens, domains)
    lower_share = _lower_share(text)
    # The page's own domain spells the name, and the name reads as one: every word capital
    # ("Atelier Berthier SARL" by berthier.fr), no sentence that mentions the brand ("Vos
    # services Bouygues Telecom" by bouyguestelecom.fr).
    candidate.domain_leads = bool(domain_match) and lower_share == 0.0
    candidate.features.update({
        "line_order": min(order / 10, 3.0),
        "first_line": float(order == 0),
        "top_three": float(order < 3),
        "bottom": float(order >= lines - 6),
        "has_form": float(not _FORM_WORDS.isdisjoint(tokens)
                          and not _form_glued_before(text, tokens)),
        "only_form": float(bool(tokens) and _FORM_WORDS.issuperset(tokens)),
        "upper": float(bool(letters) and sum(map(str.isupper, letters))
                       > 0.8 * len(letters)),
        "name_words": min(len(tokens) / 5, 2.0),
        "digit_share": sum(map(str.isdigit, text)) / max(len(text), 1),
        "address": float(bool(_ADDRESS.search(plain)) or bool(_POSTCODE.search(plain))),
        "in_customer": float(id(segment) in customer),
        "mark_near": float(nearest_mark <= 2),
        "mark_same": float(nearest_mark == 0),
        "contact": float("@" in text or "www" in plain or "http" in plain),
        "currency_word": float(plain in _CURRENCY_WORDS),
        "domain_match": domain_match,
        "legal_mention": float(legal),
        "title_word": float(_TITLE_PHRASE.search(padded) is not None),
        "colon": float(":" in text),
        "in_seller": float(id(segment) in seller),
        "after_label": float(after_label),
        # A name led by its party's own label ("Vendeur : …", "Client : …"), or by another
        # label ("Référence : …"), which makes the whole line no name at all.
        "opens_seller": float("seller_block" in opening),
        "opens_customer": float("customer_block" in opening),
        "opens_other_label": float(bool(opening - {"seller_block", "customer_block"})),
        "one_short_word": float(len(tokens) == 1 and len(plain) <= 5),
        "long_text": float(len(tokens) > 6),
        "sentence": float(text.endswith(("!", ".", "?")) and len(tokens) > 3),
        "generic_word": float(_generic(plain)),
        "lowercase": float(bool(letters) and all(map(str.islower, letters))),
        # "Lesbarmachung der XML-Daten von elektronischen Rechnungen": words that start in
        # lower case make a sentence or a heading; a name has one at most ("Groß und Breit").
        "lower_words": lower_share,
    })
    return candidate


# Words that make a line a title or a heading, no name: any of them as whole words in a
# text padded with spaces, by one search of an alternation.
_TITLE_WORDS_PADDED = tuple(f" {word} " for word in (
    "facture", "invoice", "rechnung", "receipt", "avoir", "factuur", "fattura", "factura",
    "tax invoice", "page", "seite", "date", "total"))
_TITLE_PHRASE = re.compile("|".join(re.escape(word) for word in _TITLE_WORDS_PADDED))


def _form_glued_before(text: str, tokens: list[str]) -> bool:
    """"KG.BATU" (a village, Kampung Batu): a form glued before the only word is no form,
    which follows its name ("ACME-GmbH" keeps its form)."""
    return len(text.split()) == 1 and len(tokens) > 1 and tokens[0] in _FORM_WORDS \
        and _FORM_WORDS.isdisjoint(tokens[1:])


_GENERIC_WORDS = frozenset({
    "from", "to", "email", "e mail", "tel", "fax", "phone", "date", "page", "total", "tva",
    "vat", "invoice", "facture", "rechnung", "receipt", "customer", "client", "kunde", "bill",
    "description", "amount", "montant", "betrag", "qty", "item", "items", "thank you",
    "merci", "danke", "restaurant", "tax invoice", "cash", "change", "reference", "referencia",
    "address", "adresse", "telephone", "cashier", "tendered", "payment mode", "item name",
    "summary", "gst summary", "adjustment", "rounding adjustment", "subtotal", "sub total",
    "balance", "discount", "quantity", "price", "unit price", "signature", "customer copy",
    "duplicate", "original", "copy", "member", "points", "welcome", "thank you please come again",
    # A till slip's own titles and its office's stamps ("SIMPLIFIED TAX INVOICE", "POSTED").
    "simplified tax invoice", "full tax invoice", "official receipt", "cash receipt",
    "sales receipt", "cash bill", "cash sale", "cash sales", "posted", "paid",
})


_GLUED_GENERIC_WORDS = frozenset(word.replace(" ", "") for word in _GENERIC_WORDS
                                 if " " in word)

# A country alone on its line ends an address block, and names no party.
_COUNTRIES = frozenset({
    "france", "deutschland", "germany", "allemagne", "espana", "spain", "espagne", "italia",
    "italy", "italie", "nederland", "netherlands", "the netherlands", "pays bas", "belgique",
    "belgie", "belgium", "belgien", "schweiz", "suisse", "switzerland", "svizzera",
    "osterreich", "austria", "autriche", "luxembourg", "luxemburg", "portugal", "ireland",
    "irlande", "united kingdom", "uk", "royaume uni", "england", "great britain",
    "united states", "usa", "etats unis", "canada", "polska", "poland", "pologne", "danmark",
    "denmark", "sverige", "sweden", "norge", "norway", "suomi", "finland", "finlande",
    "india", "china", "japan", "malaysia", "singapore", "australia", "colombia", "mexico",
    "brasil", "brazil", "maroc", "morocco", "tunisie", "algerie", "monaco",
})


def _lower_share(text: str) -> float:
    words = [word for word in text.split() if word[:1].isalpha()]
    return sum(word[0].islower() for word in words) / len(words) if words else 0.0


_BLOCK_ROLES = ("seller_block", "customer_block")
_BLOCK_LINES = 6  # how far under its label a party's block reaches


def _areas_under(context: _Context, role: str) -> set[int]:
    """Segments of a block a label opens ("Bill to", "Vendeur"): its own and those under it."""
    return {id(segment) for block in _blocks_under(context, role) for segment in block}


def _blocks_under(context: _Context, role: str) -> list[list[Segment]]:
    """Each block a label of `role` opens: the label's segment, then the segments under it,
    in reading order, down to the next party's label ("Verkäufer … Käufer": the seller's
    block ends where the buyer's begins)."""
    layout = context.layout
    blocks: list[list[Segment]] = []
    for hit in layout.hits.get(role, []):
        label = hit.segment
        if _contact(label.text):
            continue  # "tim.kleine@lieferant.com" holds the word "lieferant", heads no block
        block = [label]
        for line in layout.lines[label.line + 1:label.line + 1 + _BLOCK_LINES]:
            if line.page != label.page:
                break
            under = [other for other in line.segments
                     if other.x0 < label.x0 + 150 and other.x1 > label.x0 - 10]
            if under and under[-1].text.rstrip().endswith(":"):
                # "Name: | Kunden AG": the value of a row of the block, in its own column.
                under += [other for other in line.segments if other.x0 >= under[-1].x1][:1]
            if any(_opens_block(context, other) for other in under):
                break
            block.extend(under)
        blocks.append(block)
    return blocks


# Labels whose value beside them is a party's name ("Name: | Lieferant GmbH").
_NAME_LABELS = frozenset({"name", "nom", "firma", "firmenname", "company", "company name",
                          "societe",
                          "raison sociale", "unternehmen", "naam", "bedrijf", "nome",
                          "ragione sociale", "empresa", "nombre", "razon social"})


def _beside_other_label(context: _Context, segment: Segment) -> bool:
    """The value of a "Label: value" row whose label names no party ("Anschrift: | …",
    "Rechnungsstandard: | Factur-x 1.0"): an address, a code or a setting, never a name."""
    left = _segments_left_of(context, segment)
    if not left or not left[-1].text.rstrip().endswith(":"):
        return False
    label = normalise(left[-1].text)
    return label not in _NAME_LABELS and not _opens_block(context, left[-1])


def _opens_block(context: _Context, segment: Segment) -> bool:
    return any(hit.label.role in _BLOCK_ROLES and hit.start == 0
               for hit in context.hits_by_segment.get(id(segment), []))


def _block_heads(context: _Context, role: str) -> set[int]:
    """The first segment under each block's label that could be a name: where a party's
    name is printed under its heading ("Destinataire / Communauté de communes … / 2 place
    de la Mairie"), whatever comes after it."""
    heads: set[int] = set()
    for block in _blocks_under(context, role):
        if _after_label(context, block[0]):
            heads.add(id(block[0]))  # "Vendeur : Ma Société SARL": the name follows its label
            continue
        names = [segment for segment in block[1:] if _names_a_party(context, segment)][:2]
        if len(names) == 2 and not _has_form(names[0].text) and _has_form(names[1].text):
            names = names[1:]  # "John Miller / ACME Company Inc": a contact above the company
        heads.update(id(segment) for segment in names[:1])
    return heads


def _names_a_party(context: _Context, segment: Segment) -> bool:
    text = segment.text.rstrip()
    if text.endswith(":") or _only_labels(context, segment) \
            or _beside_other_label(context, segment):
        return False  # "Name:" heads the value beside it; "Nummer: | 549910" is no name
    return _could_be_name(_clean_name(text))


_CONTACT_WORDS = frozenset({"email", "mail", "courriel", "web", "website", "site", "url",
                            "internet", "homepage"})


def _identifier_row(text: str) -> bool:
    """A row that opens with an identifier's or a contact's label and its colon ("Siret :
    4567890K", "TVA : TEST", "Email : contact@…"): what follows is that identifier."""
    label, colon, _ = text.partition(":")
    if not colon:
        return False
    words = {_bare(word) for word in label.split()}
    return len(words) <= 3 and bool(words & _IDENTIFIER_ROW_WORDS)


_IDENTIFIER_ROW_WORDS = _NOT_NUMBER_WORDS | _CONTACT_WORDS


def _contact(text: str) -> bool:
    lowered = text.lower()
    return "@" in lowered or "www." in lowered or "http" in lowered


def _seller_mark_lines(layout: Layout) -> list[int]:
    return [line.index for line in layout.lines
            if _MARK_PHRASE.search(f" {normalise(line.text)} ") is not None]


_DOMAIN = re.compile(r"(?:@|www\.|https?://)((?:[a-z0-9\-]+\.)+[a-z]{2,})", re.IGNORECASE)
# A web address printed bare ("Gracias por comprar en decathlon.es"): only with a common
# top-level domain, so that "S.A.U." or "Nr.1" never read as one.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@.\-])((?:[a-z0-9\-]{3,}\.)+(?:com|fr|de|es|it|nl|be|ch|at|eu|net|org|io|co\.uk|"
    r"lu|pt|ie|pl|se|dk|fi|no))(?![\w\-]|\.\w)")


def _domains(layout: Layout) -> set[str]:
    found: set[str] = set()
    matches = [*_DOMAIN.finditer(layout.text), *_BARE_DOMAIN.finditer(layout.text)]
    for match in matches:
        labels = match.group(1).lower().split(".")
        if len(labels) >= 2:
            found.add(labels[-2])
    return found - {"gmail", "yahoo", "hotmail", "outlook", "orange", "free", "gmx", "web"}


def _domain_match(tokens: list[str], domains: set[str]) -> float:
    if not tokens or not domains:
        return 0.0
    joined = "".join(tokens)
    for domain in domains:
        if len(domain) >= 3 and (domain in joined or any(
                token == domain for token in tokens if len(token) >= 3)):
            return 1.0
    return 0.0
