"""Describing a page as memory sees it: where a value sits (`anchor_of`: the label before it,
its position from the page's corners, its printed shape), the header's fingerprint, and
the occurrences of a confirmed value among the page's candidates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rapidfuzz import fuzz

from liasse.domain.identifiers import compact
from liasse.extract.candidates import Candidate
from liasse.extract.fields.geometry import Layout, normalise
from liasse.extract.memory.dates import printed_order
from liasse.extract.memory.model import (
    _ALNUM,
    _CURRENCY_WORDS,
    _DIGIT,
    _HEADER_LINES,
    _LABEL_TOKENS,
    _LINE_ALIKE,
    IDENTIFIER_FIELDS,
    Anchor,
)
from liasse.extract.ranking import FIELD_KINDS


def value_shape(text: str) -> str:
    """"FA-2024-042" → "AA-9999-999": what stays when the month's numbers change."""
    return _DIGIT.sub("9", _ALNUM.sub("A", text.strip()))


def _runs(shape: str) -> str:
    """The shape with runs collapsed ("9999" → "9"): amounts and dates grow a digit."""
    return re.sub(r"(.)\1+", r"\1", shape)


def _label_words(text: str) -> str:
    """A label's words without its numbers or currency marks: "Total 3 items" and "Total
    4 items" are one, and "RM" before an amount says which money, not which amount."""
    words = [w for w in normalise(text).split()
             if not any(c.isdigit() for c in w) and w not in _CURRENCY_WORDS]
    return " ".join(words[-_LABEL_TOKENS:])


def anchor_of(layout: Layout, candidate: Candidate) -> Anchor:
    segment = candidate.segment
    page = layout.page(segment.page)
    width, height = max(page.width, 1.0), max(page.height, 1.0)
    first = segment.words[min(candidate.word, len(segment.words) - 1)]
    # Lines count on a one-page slip only: an invoice's pages break where they please.
    own = list(range(len(layout.lines))) if len(layout.pages) == 1 else []
    return Anchor(_label_before(layout, candidate), first.x0 / width, segment.y0 / height,
                  1.0 - max(w.y1 for w in segment.words) / height, _printed_shape(candidate),
                  lines_above=segment.line - own[0] if own else -1,
                  lines_below=own[-1] - segment.line if own else -1)


def amount_rows_below(candidates: Mapping[str, list[Candidate]], candidate: Candidate) -> int:
    """How many lines holding an amount come after the candidate's on its page."""
    lines = {c.segment.line for c in candidates.get("amount", [])
             if c.segment.page == candidate.segment.page}
    return sum(1 for line in lines if line > candidate.segment.line)


def _placed_anchor(layout: Layout, candidates: Mapping[str, list[Candidate]],
                   candidate: Candidate, name: str) -> Anchor:
    """The anchor, with the field's lexicon label and an amount's rows below it."""
    core = core_label(layout, candidate, name)
    anchor = replace(anchor_of(layout, candidate), core=core,
                     core_rank=core_ranks(layout, candidates, name, core).get(id(candidate), -1))
    if candidate.kind == "date":
        return replace(anchor, order=printed_order(
            candidate.segment.text_from(candidate.word), candidate.value))
    if candidate.kind != "amount":
        return anchor
    return replace(anchor, rows_below=amount_rows_below(candidates, candidate))


def core_ranks(layout: Layout, candidates: Mapping[str, list[Candidate]], name: str,
               core: str) -> dict[int, int]:
    """id(candidate) → its line's place, from the top, among the lines whose candidates of
    the field follow `core`."""
    if not core:
        return {}
    kind = FIELD_KINDS.get(name, "")
    cores = [(c, core_label(layout, c, name)) for c in candidates.get(kind, [])]
    # The very label if the page prints it, else its longer forms.
    after = [c for c, here in cores if here == core] or [
        c for c, here in cores if _same_core(here, core)]
    # By line: OCR reads one printed value twice as often as it splits a line.
    lines = sorted({(c.segment.page, c.segment.line) for c in after})
    rank = {line: index for index, line in enumerate(lines)}
    return {id(c): rank[(c.segment.page, c.segment.line)] for c in after}


def _same_core(here: str, remembered: str) -> bool:
    """The remembered lexicon label, or a longer form of it ("total sales inclusive of
    gst" for "total sales": OCR merged a line into the label once). Never a shorter one:
    "total" is any total, "total payable" this supplier's."""
    return bool(here) and (here == remembered or here.startswith(remembered + " "))


def core_label(layout: Layout, candidate: Candidate, name: str) -> str:
    """The lexicon's label of the field `name` nearest before the value, in its own segment
    or the label segment the reader tied it to; "" when none is."""
    own, tied = candidate.segment, candidate.label
    found = [hit for hit in layout.hits.get(name, [])
             if (hit.segment is own and hit.end <= candidate.word)
             or (tied is not None and tied is not own and hit.segment is tied)]
    if not found:
        return ""
    nearest = max(found, key=lambda hit: (hit.segment is own, hit.end))
    return " ".join(nearest.label.tokens)


def _printed_shape(candidate: Candidate) -> str:
    if candidate.kind == "code":
        return value_shape(candidate.value)
    if candidate.kind == "name":
        return ""
    return _runs(value_shape(candidate.segment.words[candidate.word].text))


def _label_before(layout: Layout, candidate: Candidate) -> str:
    """The words before the value in its segment, else the segment to its left, else the
    line above it: the stable text a person would point at."""
    segment = candidate.segment
    own = _label_words(" ".join(w.text for w in segment.words[:candidate.word]))
    if own:
        return own
    line = layout.lines[segment.line]
    left = [other for other in line.segments if other.x1 <= segment.x0]
    # The nearest segment to the left, passing over a currency mark printed alone ("RM").
    for other in reversed(left):
        text = _label_words(other.text)
        if text:
            return text
        if not all(word in _CURRENCY_WORDS for word in normalise(other.text).split()):
            break
    if segment.line > 0:
        above = layout.lines[segment.line - 1]
        if above.page == segment.page:
            over = [o for o in above.segments if o.x0 <= segment.x1 and o.x1 >= segment.x0]
            words = _label_words(over[0].text) if over else ""
            if words:  # a line above with no words is no anchor
                return "^" + words
    return ""


def fingerprint(layout: Layout) -> tuple[str, ...]:
    """The first lines of the first page that hold words (not only numbers)."""
    lines: list[str] = []
    for line in layout.lines:
        if line.page != 1 or len(lines) >= _HEADER_LINES:
            break
        text = normalise(line.text)
        if sum(1 for word in text.split() if not word.isdigit() and len(word) > 1) >= 2:
            lines.append(text)
    return tuple(lines)


def fingerprint_share(remembered: Sequence[str], layout: Layout) -> float:
    """How many of the remembered header lines the page's first lines repeat."""
    if not remembered:
        return 0.0
    mine = [normalise(line.text) for line in layout.lines[:_HEADER_LINES * 2]
            if line.page == 1]
    found = sum(1 for line in remembered
                if any(fuzz.ratio(line, other) >= _LINE_ALIKE for other in mine))
    return found / len(remembered)


def same_value(name: str, left: str | None, right: str | None) -> bool:
    """The labels' rule, and identifiers alike whatever their spacing ("FR 34 999…")."""
    if name in IDENTIFIER_FIELDS and left is not None and right is not None:
        return compact(left) == compact(right)
    # Deferred: training imports numpy, which reading a document never needs otherwise.
    from liasse.extract.training import same_value as labelled_value

    return labelled_value(name, left, right)


def _occurrence(layout: Layout, candidates: Mapping[str, list[Candidate]], name: str,
                value: str) -> Candidate | None:
    """The printing of a confirmed value a person would point at: after its own label
    first, then under it or after any label, then anywhere."""
    kind = FIELD_KINDS.get(name)
    if kind is None:
        return None
    # The cash handed over often equals the total: it is not where the total is printed.
    found = [c for c in candidates.get(kind, []) if same_value(name, c.value, value)
             and not _labelled_as(c, ("same", "left"), ("payment_line", "rounding"))]
    beside = [c for c in found if _labelled_as(c, ("same", "left"), (name,))]
    under = [c for c in found if _labelled_as(c, ("above",), (name,))]
    labelled = [c for c in found if c.label is not None]
    # A receipt's total is often printed under an "Amount" column too (one item); the
    # labelled total line below is the one its next receipts repeat.
    order = (beside, labelled, under) if name == "total_amount" else (beside, under, labelled)
    for group in (*order, found):
        if group:
            return group[-1] if name == "total_amount" else group[0]
    return None


def _misread_occurrence(candidates: Mapping[str, list[Candidate]], name: str, value: str
                        ) -> Candidate | None:
    """Where OCR printed the confirmed amount or date with one digit misread ("112.46"
    for 112.45): the one value so close after the field's own label (a date: or the
    page's only date, two digits off). The anchor is where the supplier prints it,
    whatever OCR made of the digits."""
    kind = FIELD_KINDS.get(name)
    if kind not in ("amount", "date"):
        return None
    close = [c for c in candidates.get(kind, []) if _digits_off(c.value, value, 1)
             and _labelled_as(c, ("same", "left"), (name,))]
    if kind == "date" and not close:
        # A slip prints its date without a label as often as not: the page's only date,
        # two digits away at most ("06/02/2016" for 06/03/2018), is where it sits.
        dates = candidates.get("date", [])
        if len({c.value for c in dates}) != 1:
            return None
        close = [c for c in dates if _digits_off(c.value, value, 2)]
    return close[0] if len({c.value for c in close}) == 1 else None


def _unreadable_anchor(layout: Layout, candidates: Mapping[str, list[Candidate]],
                       name: str, value: str) -> Anchor | None:
    """Where the page printed a confirmed amount OCR could not read at all ("Total
    Payable: p49" for 94.19): the one label of the field with no amount read after it on
    its line. The anchor is that label's, in the confirmed value's shape; the next
    documents, read better, print their amount there."""
    if FIELD_KINDS.get(name) != "amount":
        return None
    amounts = candidates.get("amount", [])
    found: list[Candidate] = []
    for hit in layout.hits.get(name, []):
        segment = hit.segment
        end = segment.words[hit.end - 1].x1
        if any(c.segment.page == segment.page and c.segment.line == segment.line
               and c.segment.words[c.word].x0 >= end for c in amounts):
            continue  # an amount was read after this label: not the unreadable one
        line = layout.lines[segment.line]
        if all(word.confidence >= 1.0 for other in line.segments for word in other.words):
            continue  # a text layer's line: what it prints is what there is, no misreading
        after = [(segment, hit.end)] if hit.end < len(segment.words) else [
            (other, 0) for other in line.segments if other.x0 >= segment.x1][:1]
        found += [Candidate("amount", value, at, word, label=segment) for at, word in after]
    if len(found) != 1:
        return None
    anchor = _placed_anchor(layout, candidates, found[0], name)
    return replace(anchor, shape=_runs(value_shape(value)))


def _digits_off(read: str, confirmed: str, most: int) -> bool:
    """`read` is `confirmed` with one to `most` digits misread, nothing else."""
    if len(read) != len(confirmed):
        return False
    differ = [(a, b) for a, b in zip(read, confirmed, strict=True) if a != b]
    return 0 < len(differ) <= most and all(a.isdigit() and b.isdigit() for a, b in differ)


def _labelled_as(candidate: Candidate, directions: Sequence[str], roles: Sequence[str]
                 ) -> bool:
    return any(candidate.features.get(f"{d}:{r}", 0.0) > 0 for d in directions for r in roles)
