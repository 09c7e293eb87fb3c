"""What a workspace learned about one supplier's documents, used as evidence on the next one.

A person confirms a document's values (the review page, `liasse learn`); `learn` records,
for each value, where it sat on the page relative to stable anchors (the label before it,
its position from the page's corners, the printed shape of the value) and how many
consistent confirmations back it. The next document of that supplier, recognised by an
identifier printed on it (VAT id, SIREN, SIRET, IBAN), its web domain or its header lines
(a layout fingerprint), is read as usual by the ranker; `apply_memory` then looks among
the same candidates for the one that sits where the remembered value sat.

Why after the ranker and not as features: the ranker's features and model are trained and
shipped apart (`extract.ranking`); memory is per workspace and must not change them. So
memory only moves a field to another candidate of the page and sets its confidence, by
rules a person can read:

- several consistent confirmations and the same anchor make a value sure;
- one confirmation makes it sure only when the page cross-checks it: the amounts add up
  (net and tax, the totals above it, the cash less the change), the identifier's checksum
  passed, or the ranker chose the very same value at the same anchor (for an amount OCR
  hesitated on, that re-reads the same digits: the arithmetic must check it);
- anything less lifts nothing above review.

Nothing here touches a database: the store keeps `SupplierMemory` as JSON.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from liasse.domain.extraction import DocumentType, ExtractedField
from liasse.domain.identifiers import compact
from liasse.extract.candidates import Candidate
from liasse.extract.doctype import classify
from liasse.extract.fields.geometry import Layout, normalise
from liasse.extract.fields.numbers import CURRENCY_MARKS
from liasse.extract.memory_checks import (
    DOUBTED,
    doubted,
    doubts,
    paid_adds_up,
    read_twice,
    rounded_from_above,
    rounds_by_nothing,
    totals_add_up,
)
from liasse.extract.memory_dates import printed_order, scattered_date, texts_after
from liasse.extract.memory_glued import with_glued_amounts
from liasse.extract.memory_marks import (
    NAME_ALIKE,
    header_lines,
    header_marks,
    kept_marks,
    name_likeness,
)
from liasse.extract.ranking import AMOUNT_FIELDS, FIELD_KINDS

SURE = 0.85
# Several consistent confirmations at the same anchor.
_TRUSTED = 0.93
# One confirmation that the page cross-checks (arithmetic, checksum, the ranker's own pick).
_CROSS_CHECKED = 0.88
# A remembered anchor without a cross-check: a better guess, still for a person to check.
_UNCHECKED = 0.8
_LABEL_ONLY = 0.7
# Recognition of the supplier by an identifier printed on the page (checksummed numbers).
_BY_IDENTIFIER = 0.95
_OCR_TRUSTED = 0.9
# Position tolerance, as a share of the page's width or height.
_NEAR = 0.08
_LINES_NEAR = 1
# Header lines kept as the layout fingerprint, and how alike two lines must be.
_HEADER_LINES = 8
_LINE_ALIKE = 85.0
# Share of the remembered header lines found on the page for the layout to be the same.
FINGERPRINT_FROM = 0.5
_LABEL_TOKENS = 4
_LABEL_ALIKE = 80.0
# Fields whose value is the supplier's own, the same on each of its documents.
CONSTANT_FIELDS = ("supplier_name", "customer_name", "supplier_vat_id", "supplier_siren",
                   "supplier_siret", "supplier_iban", "supplier_domain", "currency")
IDENTIFIER_FIELDS = ("supplier_vat_id", "supplier_siren", "supplier_siret", "supplier_iban")
# Constant fields the page's own reading wins over when the two differ.
_PAGE_DECIDES = ("supplier_iban", "customer_name")
# Fields memory reads from a remembered anchor (the ranker's kinds).
ANCHORED_FIELDS = tuple(name for name in FIELD_KINDS if name not in CONSTANT_FIELDS)
# Fields a confirmation may name: every field of the extraction contract.
_ALNUM = re.compile(r"[A-Za-z]")
# Currency codes and marks as `normalise` leaves them (symbols become spaces).
_CURRENCY_WORDS = frozenset(mark.lower() for mark in CURRENCY_MARKS if mark.isalpha()) | {
    "rm", "myr", "sgd", "inr", "chf"}
_DIGIT = re.compile(r"\d")
_DIGITS_ONLY = re.compile(r"\D")

Recognised = Literal["identifier", "domain", "name", "layout"]


@dataclass(frozen=True)
class Anchor:
    """Where a value sat: the label before it, its position, the shape it was printed in."""

    label: str  # normalised words just before the value (its own segment, left, or above)
    x: float  # left edge, share of the page width
    y: float  # top, share of the page height
    from_bottom: float  # 1 - bottom: receipts grow downwards, their totals sit low
    shape: str  # "A-9999-999", "99.99.9999": letters, digits, the separators kept
    # An amount's lines of amounts below it on its page (0: the last one), -1 unknown: a
    # table's totals row stays the last however many item rows push it down.
    rows_below: int = -1
    # The lexicon's label for the field among the label words ("total" of an OCR'd "total
    # j aipaaniqr"): what the next slip repeats when OCR garbles the rest differently.
    core: str = ""
    # Its line's place among the lines of values after that lexicon label, from the top
    # (-1 unknown): a slip's total follows the first "Total", its tax summary's the last.
    core_rank: int = -1
    # Lines above and below it on a one-page document (-1 unknown, or more pages): a
    # slip's header keeps its lines when its length, and so every share of its height,
    # changes with the items.
    lines_above: int = -1
    lines_below: int = -1
    # A date's order of day, month and year as the supplier prints it ("dmy"; "" unknown).
    order: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "x": round(self.x, 4), "y": round(self.y, 4),
                "from_bottom": round(self.from_bottom, 4), "shape": self.shape,
                "rows_below": self.rows_below, "core": self.core,
                "core_rank": self.core_rank, "lines_above": self.lines_above,
                "lines_below": self.lines_below, "order": self.order}

    def near(self, other: Anchor) -> bool:
        """At the same place: the same column, and the same height from the page's top or
        bottom, as a share of the page or in lines (one line of OCR noise allowed)."""
        if abs(self.x - other.x) > _NEAR:
            return False
        return abs(self.y - other.y) <= _NEAR or abs(
            self.from_bottom - other.from_bottom) <= _NEAR or _lines_near(
            self.lines_above, other.lines_above) or _lines_near(
            self.lines_below, other.lines_below)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Anchor:
        return cls(str(raw.get("label", "")), float(raw.get("x", 0.0)),
                   float(raw.get("y", 0.0)), float(raw.get("from_bottom", 0.0)),
                   str(raw.get("shape", "")), int(raw.get("rows_below", -1)),
                   str(raw.get("core", "")), int(raw.get("core_rank", -1)),
                   int(raw.get("lines_above", -1)), int(raw.get("lines_below", -1)),
                   str(raw.get("order", "")))


def _lines_near(here: int, remembered: int) -> bool:
    return here >= 0 and remembered >= 0 and abs(here - remembered) <= _LINES_NEAR


@dataclass(frozen=True)
class FieldHint:
    """One confirmed value and how much consistent confirmation backs it."""

    field: str
    value: str
    anchor: Anchor | None
    trust: int = 1
    replaced: int = 0  # how often a later correction contradicted this field's hint

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "trust": self.trust, "replaced": self.replaced,
                "anchor": self.anchor.to_json() if self.anchor else None}

    @classmethod
    def from_json(cls, name: str, raw: Mapping[str, Any]) -> FieldHint:
        anchor = raw.get("anchor")
        return cls(name, str(raw.get("value", "")),
                   Anchor.from_json(anchor) if isinstance(anchor, Mapping) else None,
                   int(raw.get("trust", 1)), int(raw.get("replaced", 0)))


@dataclass(frozen=True)
class SupplierMemory:
    """Everything confirmed about one supplier's documents in one workspace."""

    supplier_id: str
    supplier_name: str
    identifiers: tuple[str, ...] = ()  # compact VAT ids, SIRENs, SIRETs, IBANs
    domains: tuple[str, ...] = ()
    fingerprint: tuple[str, ...] = ()  # normalised header lines of its last document
    marks: tuple[str, ...] = ()  # long numbers its headers print (registration, phone)
    hints: dict[str, FieldHint] = field(default_factory=dict)
    ledger_account: str | None = None
    confirmations: int = 0  # documents confirmed as this supplier's invoices
    not_invoice: int = 0  # documents of this layout rejected as not an invoice
    # Why the classifier called a document a person then confirmed "other" ("titled
    # “bestellung”"): this supplier's invoices carry that title; its next ones are invoices.
    overruled: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"identifiers": list(self.identifiers), "domains": list(self.domains),
                "fingerprint": list(self.fingerprint), "marks": list(self.marks),
                "hints": {name: hint.to_json() for name, hint in self.hints.items()},
                "overruled": list(self.overruled)}

    @classmethod
    def from_json(cls, supplier_id: str, supplier_name: str, raw: Mapping[str, Any], *,
                  ledger_account: str | None, confirmations: int,
                  not_invoice: int) -> SupplierMemory:
        hints = raw.get("hints") or {}
        return cls(supplier_id, supplier_name, tuple(raw.get("identifiers") or ()),
                   tuple(raw.get("domains") or ()), tuple(raw.get("fingerprint") or ()),
                   tuple(raw.get("marks") or ()),
                   {name: FieldHint.from_json(name, hint) for name, hint in hints.items()
                    if isinstance(hint, Mapping)},
                   ledger_account, confirmations, not_invoice,
                   tuple(str(reason) for reason in raw.get("overruled") or ()))


# --- describing a page --------------------------------------------------------------------

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


# --- learning -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson:
    """One document's confirmed values, as `learn` folds them into a supplier's memory."""

    confirmed: Mapping[str, str]
    ledger_account: str | None = None
    not_invoice: bool = False


def learn(memory: SupplierMemory, layout: Layout | None,
          candidates: Mapping[str, list[Candidate]], lesson: Lesson) -> SupplierMemory:
    """The memory after one more confirmed document of this supplier."""
    if lesson.not_invoice:
        return replace(memory, not_invoice=memory.not_invoice + 1,
                       fingerprint=fingerprint(layout) if layout else memory.fingerprint)
    hints = dict(memory.hints)
    if layout is not None:
        candidates = with_glued_amounts(layout, candidates)
    for name, value in lesson.confirmed.items():
        anchor = None
        if layout is not None:
            found = _occurrence(layout, candidates, name, value) or _misread_occurrence(
                candidates, name, value)
            anchor = _placed_anchor(layout, candidates, found, name) if found is not None \
                else _unreadable_anchor(layout, candidates, name, value)
        hints[name] = _folded(hints.get(name), FieldHint(name, value, anchor))
    identifiers = {compact(lesson.confirmed[n]) for n in IDENTIFIER_FIELDS
                   if lesson.confirmed.get(n)}
    domain = lesson.confirmed.get("supplier_domain")
    return replace(
        memory, hints=hints,
        identifiers=tuple(sorted(set(memory.identifiers) | identifiers)),
        domains=tuple(sorted(set(memory.domains) | ({domain.lower()} if domain else set()))),
        fingerprint=fingerprint(layout) if layout is not None else memory.fingerprint,
        marks=kept_marks(memory.marks, header_marks(layout)) if layout is not None
        else memory.marks,
        ledger_account=lesson.ledger_account or memory.ledger_account,
        confirmations=memory.confirmations + 1,
        overruled=_overruled(memory.overruled, layout, lesson.confirmed))


def _overruled(old: tuple[str, ...], layout: Layout | None, confirmed: Mapping[str, str]
               ) -> tuple[str, ...]:
    """The reasons kept, with this confirmed document's if the classifier called it
    "other"."""
    if layout is None:
        return old
    kind = classify(layout, has_amounts=bool(confirmed.get("total_amount")))
    if kind.document_type != "other" or kind.reason in old:
        return old
    return (*old, kind.reason)


def _folded(old: FieldHint | None, new: FieldHint) -> FieldHint:
    """A consistent confirmation adds trust; a contradicting one replaces the hint, and
    the trust starts again from this one confirmation."""
    if old is None:
        return new
    if _consistent(old, new):
        return replace(new, anchor=new.anchor or old.anchor, trust=old.trust + 1,
                       replaced=old.replaced)
    return replace(new, trust=1, replaced=old.replaced + 1)


def _consistent(old: FieldHint, new: FieldHint) -> bool:
    if new.field in CONSTANT_FIELDS:
        return same_value(new.field, old.value, new.value)
    if old.anchor is None or new.anchor is None:
        return old.anchor is new.anchor
    return old.anchor.label == new.anchor.label and old.anchor.shape == new.anchor.shape


# --- recognising the supplier -------------------------------------------------------------

@dataclass(frozen=True)
class Recognition:
    memory: SupplierMemory
    how: Recognised
    evidence: str
    by_name_alike: bool = False  # its name nearly as confirmed, and nothing else


def recognise(layout: Layout, fields: Mapping[str, ExtractedField],
              memories: Sequence[SupplierMemory]) -> Recognition | None:
    """Whose document this is, by what the page prints: identifier, domain, then layout."""
    page = compact(layout.text)
    read = {compact(fields[n].value or "") for n in IDENTIFIER_FIELDS if n in fields}
    by_id = [(m, i) for m in memories for i in m.identifiers
             if i and (i in read or (len(i) >= 9 and i in page))]
    if len({m.supplier_id for m, _ in by_id}) == 1:
        return Recognition(by_id[0][0], "identifier", f"identifier {by_id[0][1]}")
    if by_id:
        return None  # two suppliers' identifiers on one page: a person decides
    named = _by_name(layout, memories)
    if named is not None:
        return named
    text = layout.text.lower()
    by_domain = [(m, d) for m in memories for d in m.domains if d and d in text]
    if len({m.supplier_id for m, _ in by_domain}) == 1:
        return Recognition(by_domain[0][0], "domain", f"web domain {by_domain[0][1]}")
    return _by_marks(layout, memories) or _by_name_alike(layout, memories) \
        or _by_layout(layout, memories)


def _by_marks(layout: Layout, memories: Sequence[SupplierMemory]) -> Recognition | None:
    """A long number of its headers (registration, phone) printed in this header; none
    when two suppliers' numbers are."""
    printed = set(header_marks(layout))
    found = [(m, mark) for m in memories for mark in m.marks if mark in printed]
    if len({m.supplier_id for m, _ in found}) != 1:
        return None
    return Recognition(found[0][0], "layout", f"the number {found[0][1]} of its header")


def _by_name_alike(layout: Layout, memories: Sequence[SupplierMemory]
                   ) -> Recognition | None:
    """Its name nearly as confirmed in the header (OCR misread a letter or two), and no
    other supplier's name as alike."""
    lines = header_lines(layout)
    scored = sorted(((name_likeness(m.supplier_name, lines), m) for m in memories),
                    key=lambda item: -item[0])
    if not scored or scored[0][0] < NAME_ALIKE:
        return None
    if len(scored) > 1 and scored[1][0] >= NAME_ALIKE:
        return None
    return Recognition(scored[0][1], "layout",
                       f"its name {scored[0][1].supplier_name!r} nearly as printed",
                       by_name_alike=True)


def _by_name(layout: Layout, memories: Sequence[SupplierMemory]) -> Recognition | None:
    """The remembered name printed in the page's first lines; the longest such name, and
    none when two names not contained in one another are both printed."""
    header = " " + " ".join(normalise(line.text) for line in layout.lines[:_HEADER_LINES * 2]
                            if line.page == 1) + " "
    found = [(m, normalise(m.supplier_name)) for m in memories]
    found = [(m, n) for m, n in found if len(n) >= 4 and f" {n} " in header]
    if not found:
        return None
    found.sort(key=lambda item: -len(item[1]))
    best, name = found[0]
    if any(n not in name for _, n in found[1:]):
        return None
    return Recognition(best, "name", f"its name {best.supplier_name!r} printed on the page")


def _by_layout(layout: Layout, memories: Sequence[SupplierMemory]) -> Recognition | None:
    scored = sorted(((fingerprint_share(m.fingerprint, layout), m) for m in memories),
                    key=lambda item: -item[0])
    if not scored or scored[0][0] < FINGERPRINT_FROM:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.15:
        return None  # two layouts alike: no guess
    share, memory = scored[0]
    return Recognition(memory, "layout", f"{share:.0%} of its header lines")


# --- reading with memory ------------------------------------------------------------------

@dataclass(frozen=True)
class MemoryReading:
    fields: dict[str, ExtractedField]
    document_type: DocumentType | None  # set when memory says "not an invoice"
    recognition: Recognition | None


@dataclass(frozen=True)
class _Pick:
    candidate: Candidate
    full: bool  # label, shape and position all as remembered
    placed: bool = False  # found by its place alone: the confirmed value had no label


def apply_memory(layout: Layout, candidates: Mapping[str, list[Candidate]],
                 fields: Mapping[str, ExtractedField],
                 memories: Sequence[SupplierMemory]) -> MemoryReading:
    """The fields with what the workspace learned about this supplier applied."""
    recognition = recognise(layout, fields, memories)
    out = dict(fields)
    if recognition is None:
        return MemoryReading(out, None, None)
    memory = recognition.memory
    if memory.not_invoice > memory.confirmations:
        return MemoryReading(out, "other", recognition)
    document_type = _confirmed_type(layout, out, memory, recognition)
    candidates = with_glued_amounts(layout, candidates)
    picks = {name: _pick(layout, candidates, memory.hints[name])
             for name in ANCHORED_FIELDS if name in memory.hints}
    if picks.get("total_amount") is not None and layout.hits.get("rounding"):
        picks["total_amount"] = _after_rounding(candidates, picks["total_amount"])
    adds_up, read_adds_up = _adds_up(picks, out), _adds_up({}, out)
    for name, pick in picks.items():
        if pick is None:
            out.update(_unplaced(candidates, name, out.get(name)))
            out.update(_scattered(layout, memory.hints[name], out.get(name)))
            out.update(_garbled_total(layout, candidates, memory.hints[name], out))
        else:
            amounts = candidates.get("amount", [])
            checked = adds_up or (name == "total_amount" and (
                paid_adds_up(amounts, pick.candidate.value)
                or totals_add_up(amounts, pick.candidate)
                or rounded_from_above(amounts, pick.candidate)))
            if name in AMOUNT_FIELDS and read_adds_up and not checked and not same_value(
                    name, out[name].value, pick.candidate.value):
                continue  # the reader's amounts add up, memory's other one alone does not
            again = read_twice(candidates.get(FIELD_KINDS[name], []), pick.candidate)
            out[name] = _anchored_field(name, pick, memory.hints[name], out.get(name),
                                        checked, again)
    for name in CONSTANT_FIELDS:
        hint = memory.hints.get(name)
        if hint is not None:
            better = _constant_field(layout, candidates, hint, recognition, out.get(name))
            if better is not None:
                out[name] = better
    confirmed = {name: hint.value for name, hint in memory.hints.items()}
    for name, why in doubts(confirmed, out).items():
        out[name] = doubted(out[name], why)
    total = memory.hints.get("total_amount")
    if total is not None and _unrounded_total(layout, candidates, total.value,
                                              out.get("total_amount")):
        out["total_amount"] = doubted(out["total_amount"], "not rounded as the page's "
                                      "rounding line says the paid total is")
    return MemoryReading(out, document_type, recognition)


def _unplaced(candidates: Mapping[str, list[Candidate]], name: str,
              read: ExtractedField | None) -> dict[str, ExtractedField]:
    """The reader's date, doubted when nothing sat at the supplier's remembered place and
    OCR was far from sure of its digits wherever the page prints it: the reader's own
    confidence weighs where it read the date, not which digits OCR made of it ("23-01-16"
    for 25-01-16 at 0.92), and a misread digit is another plausible date. (An amount
    has its arithmetic, which the reader weighs.)"""
    if FIELD_KINDS[name] != "date" or read is None or read.value is None \
            or read.confidence <= DOUBTED:
        return {}
    printed = [c.features.get("ocr_conf", 1.0) for c in candidates.get("date", [])
               if c.value == read.value]
    if not printed or max(printed) >= _OCR_FLOOR["date"]:
        return {}
    return {name: doubted(read, "OCR unsure of it, and not where the supplier prints it")}


def _garbled_total(layout: Layout, candidates: Mapping[str, list[Candidate]],
                   hint: FieldHint, fields: Mapping[str, ExtractedField]
                   ) -> dict[str, ExtractedField]:
    """The reader's total, cross-checked when the page's arithmetic makes it (net + tax,
    the cash less the change) and the supplier's own total label prints its very digits
    in a form OCR garbled past reading as an amount ("( 742)", "23:32" for 7.42, 23.32):
    the arithmetic checks the digits, the label says it is the total."""
    read = fields.get("total_amount")
    anchor = hint.anchor
    if hint.field != "total_amount" or read is None or read.value is None \
            or read.confidence >= _CROSS_CHECKED or anchor is None:
        return {}
    digits = _DIGITS_ONLY.sub("", read.value)
    labels = {tuple(text.lstrip("^").split()) for text in (anchor.label, anchor.core) if text}
    printed = {_DIGITS_ONLY.sub("", text) for label in labels
               for text in texts_after(layout, label)}
    amounts = candidates.get("amount", [])
    if len(digits) < 3 or digits not in printed or not (
            _adds_up({}, fields) or paid_adds_up(amounts, read.value)):
        return {}
    return {"total_amount": ExtractedField(read.value, _CROSS_CHECKED, (
        f"{read.evidence} [the supplier's total label prints its digits garbled; "
        f"the amounts add up]")[:240])}


def _scattered(layout: Layout, hint: FieldHint, read: ExtractedField | None
               ) -> dict[str, ExtractedField]:
    """A date the reader found none of, read from the digits after the supplier's own
    date label in its order (`memory_dates`): for a person to check."""
    anchor = hint.anchor
    if (read is not None and read.value is not None) or anchor is None or not anchor.order \
            or not anchor.label or anchor.label.startswith("^"):
        return {}
    value = scattered_date(layout, anchor.label.split(), anchor.order, hint.value)
    if value is None:
        return {}
    return {hint.field: ExtractedField(value, _LABEL_ONLY, (
        f"the digits after '{anchor.label}', in the supplier's order ({anchor.order}), "
        f"as confirmed {hint.trust}×"))}


def _confirmed_type(layout: Layout, fields: Mapping[str, ExtractedField],
                    memory: SupplierMemory, recognition: Recognition) -> DocumentType | None:
    """An invoice, when the classifier calls the page "other" for the very reason a person
    overruled on this supplier's confirmed document, and the page names the supplier
    itself (an identifier, its domain, its name), not only a layout alike."""
    if not memory.overruled or recognition.how == "layout":
        return None
    total = fields.get("total_amount")
    if total is None or total.value is None:
        return None  # no amount read: nothing to post whatever its type
    kind = classify(layout, has_amounts=True)
    return "invoice" if kind.document_type == "other" and kind.reason in memory.overruled \
        else None


def _pick(layout: Layout, candidates: Mapping[str, list[Candidate]],
          hint: FieldHint) -> _Pick | None:
    """The candidate at the remembered anchor; none when two values sit there alike."""
    anchor = hint.anchor
    if anchor is None:
        return None
    if not anchor.label:
        return _placed_pick(layout, candidates, hint.field, anchor)
    # The very label beats one OCR may have blurred ("total ht" is near "total ttc") or
    # the same lexicon label among other OCR'd words; at the remembered position beats
    # elsewhere; at the remembered place among the lines after that lexicon label breaks
    # a tie (a tax summary's "Total" line after the slip's).
    scored: list[tuple[tuple[bool, bool, bool], Candidate]] = []
    ranks = core_ranks(layout, candidates, hint.field, anchor.core)
    for candidate in candidates.get(FIELD_KINDS[hint.field], []):
        here = anchor_of(layout, candidate)
        if not _same_shape(candidate.kind, here.shape, anchor.shape):
            continue
        # OCR garbled the words around the label: the same lexicon label will do, at the
        # same place among the values after it.
        if not _same_label(here.label, anchor.label) and (
                anchor.core_rank < 0 or ranks.get(id(candidate)) != anchor.core_rank):
            continue
        near = here.near(anchor)
        ranked = anchor.core_rank >= 0 and ranks.get(id(candidate)) == anchor.core_rank
        scored.append(((here.label == anchor.label, near, ranked), candidate))
    if not scored:
        # The words of the line above are no label of the value's own: a slip's other
        # lines move under it. Its place alone, as for a value printed with no label.
        return _placed_pick(layout, candidates, hint.field, anchor) \
            if anchor.label.startswith("^") else None
    best = max(score for score, _ in scored)
    values = {c.value for score, c in scored if score == best}
    if len(values) != 1:
        return None
    candidate = next(c for score, c in scored if score == best)
    return _Pick(candidate, best[1])


def _placed_pick(layout: Layout, candidates: Mapping[str, list[Candidate]], name: str,
                 anchor: Anchor) -> _Pick | None:
    """A value the supplier prints with no label (a table's row of totals, under column
    heads): the one unlabelled candidate in its shape in its remembered column and, for an
    amount, as many lines of amounts above the page's last as the confirmed one (a longer
    table pushes the row down; without that count, its place from the top or the bottom,
    or its lines above or below).
    None when two values sit there."""
    found = set()
    chosen = None
    for candidate in candidates.get(FIELD_KINDS[name], []):
        here = _placed_anchor(layout, candidates, candidate, name)
        if here.label or not _same_shape(candidate.kind, here.shape, anchor.shape):
            continue
        if abs(here.x - anchor.x) > _NEAR:
            continue
        # Not a table's row: at the same height, as a share of the page or in lines (a
        # slip's header keeps its lines however many items stretch the page).
        if (here.rows_below == anchor.rows_below) if anchor.rows_below >= 0 else \
                here.near(anchor):
            found.add(candidate.value)
            chosen = candidate
    if len(found) != 1 or chosen is None:
        return None
    return _Pick(chosen, full=False, placed=True)


def _same_shape(kind: str, here: str, remembered: str) -> bool:
    """An amount's shape without the currency glued to it and whatever its decimal mark:
    "$9.9", "AA9.9" and "9,9" print one amount (OCR reads "RM" as "$" one day, a dot as a
    comma); a code keeps its letters."""
    if kind != "amount":
        return here == remembered
    return _bare(here) == _bare(remembered)


def _bare(shape: str) -> str:
    return shape.strip("A$€£¥ ").replace(",", ".")


def _same_label(here: str, remembered: str) -> bool:
    """The same label words, allowing for a misread letter or two (OCR): a short label
    ("date", "data") with one letter misread is under any ratio, so one edit counts too."""
    return here == remembered or (len(remembered) >= 4 and (
        fuzz.ratio(here, remembered) >= _LABEL_ALIKE
        or Levenshtein.distance(here, remembered) <= 1))


def _adds_up(picks: Mapping[str, _Pick | None], fields: Mapping[str, ExtractedField]) -> bool:
    """Net + tax = total with memory's amounts (the read ones where memory has none)."""
    values: list[Decimal] = []
    for name in AMOUNT_FIELDS:
        pick = picks.get(name)
        raw = pick.candidate.value if pick is not None else (
            fields[name].value if name in fields else None)
        if raw is None:
            return False
        values.append(Decimal(raw))
    net, tax, total = values
    return total > 0 and net + tax == total


def _anchored_field(name: str, pick: _Pick, hint: FieldHint, read: ExtractedField | None,
                    adds_up: bool, again: bool = False) -> ExtractedField:
    """`again`: OCR read the picked value alike on another line of the page."""
    candidate = pick.candidate
    if name == "total_amount" and read is not None and _rounded_of(read.value,
                                                                  candidate.value):
        return read  # the amount after rounding is what was paid; the label's came before
    agrees = read is not None and read.value is not None and \
        same_value(name, read.value, candidate.value)
    if pick.placed:
        return _placed_field(name, pick, hint, read, adds_up=adds_up, agrees=agrees)
    cross_checked = agrees or (adds_up and name in AMOUNT_FIELDS)
    if pick.full and hint.trust >= 2 and cross_checked:
        confidence = _TRUSTED
    elif pick.full and cross_checked:
        confidence = _CROSS_CHECKED
    elif pick.full:
        confidence = _UNCHECKED
    elif agrees and name in (*AMOUNT_FIELDS, "issue_date"):
        # The only value after the supplier's own label, in its shape, and the one the
        # reader chose by itself: two readings agree, only the position moved (a longer
        # receipt). Not for a due date: a supplier prints several after one label (a
        # discount's, the due one).
        confidence = _CROSS_CHECKED
    else:
        confidence = _LABEL_ONLY
    chosen = agrees and _same_rounding(name, hint.value, candidate.value)
    # Read alike twice checks the digits wherever the label sat; the reader's choice
    # at the very anchor checks them only for what arithmetic checks too.
    if _ocr_hesitated(candidate, confirmed_twice=chosen and pick.full and (
            adds_up or again or FIELD_KINDS[name] != "amount"), read_again=chosen and again):
        confidence = min(confidence, _UNCHECKED)
    if agrees and read is not None:
        confidence = max(confidence, read.confidence)
    elif read is not None and read.value is not None and (
            read.confidence >= confidence or not pick.full):
        return read  # the page's own evidence is stronger than an unchecked memory
    label = "" if hint.anchor is None else (
        hint.anchor.label if not hint.anchor.core or hint.anchor.core in hint.anchor.label
        else hint.anchor.core)
    why = f"as confirmed {hint.trust}× for this supplier: after '{label}'"
    return ExtractedField(candidate.value, round(confidence, 4),
                          f"{candidate.evidence} [{why}]"[:240])


def _placed_field(name: str, pick: _Pick, hint: FieldHint, read: ExtractedField | None, *,
                  adds_up: bool, agrees: bool) -> ExtractedField:
    """A place alone is weak evidence (any number may sit there next month): it decides
    only for an amount the page's arithmetic confirms, and otherwise leaves the reader's
    value, or offers its own for review when the reader found none."""
    candidate = pick.candidate
    checked = adds_up and name in AMOUNT_FIELDS
    if agrees and name == "issue_date" and read is not None and not _ocr_hesitated(
            candidate, confirmed_twice=False):
        # A slip's unlabelled date: the one date in the supplier's shape at its place, the
        # one the reader chose by itself, OCR sure of its digits: two readings agree.
        return ExtractedField(candidate.value, max(_CROSS_CHECKED, read.confidence), (
            f"{read.evidence} [at the place of the supplier's confirmed date, in its "
            f"shape, {hint.trust}×]")[:240])
    if not checked or _ocr_hesitated(candidate, confirmed_twice=False):
        if read is not None and read.value is not None:
            return read
        confidence = _LABEL_ONLY
    else:
        confidence = _TRUSTED if hint.trust >= 2 else _CROSS_CHECKED
    if agrees and read is not None:
        confidence = max(confidence, read.confidence)
    why = f"in the column and row of the supplier's confirmed {name}, {hint.trust}×"
    if checked:
        why += "; the amounts add up"
    return ExtractedField(candidate.value, round(confidence, 4),
                          f"{candidate.evidence} [{why}]"[:240])


_ROUNDING_STEP = Decimal("0.05")
# The OCR confidence under which a value is no cross-check even when the reader chose it
# too at the remembered label, in the remembered shape: a date's digit misread is a
# plausible other date. An amount OCR hesitated on needs the page's arithmetic as well:
# the reader choosing it re-reads the same misread digits ("65.10" for 85.10, at the
# label of the confirmed total), and its cents are checked only when rounded.
_OCR_FLOOR = {"amount": 0.5, "date": 0.7}


def _ocr_hesitated(candidate: Candidate, *, confirmed_twice: bool,
                   read_again: bool = False) -> bool:
    """OCR hesitated on the very characters: the value is for a person, unless the reader
    chose it too where the supplier's confirmed value sat and OCR did not quite guess, or
    read it alike on another line of the page (`memory_checks.read_twice`)."""
    ocr = candidate.features.get("ocr_conf", 1.0)
    if ocr >= _OCR_TRUSTED or read_again:
        return False
    return not confirmed_twice or ocr < _OCR_FLOOR.get(candidate.kind, _OCR_TRUSTED)


def _same_rounding(name: str, confirmed: str, value: str) -> bool:
    """An amount in the remembered format: a supplier whose confirmed total was rounded to
    five cents (cash rounding) prints its next ones so; an OCR'd "15.96" of such a supplier
    is a misread "15.90" as likely as a total."""
    if FIELD_KINDS.get(name) != "amount":
        return True
    try:
        rounded = Decimal(confirmed) % _ROUNDING_STEP == 0
    except ArithmeticError:
        return False
    return not rounded or Decimal(value) % _ROUNDING_STEP == 0


def _unrounded_total(layout: Layout, candidates: Mapping[str, list[Candidate]],
                     confirmed: str, total: ExtractedField | None) -> bool:
    """A page with a rounding line, of a supplier whose confirmed total was rounded to
    five cents, pays its total so rounded: a total with other cents is the sum before
    rounding, or a misread one. (An "adjustment" line on an invoice in cents is none, nor
    is a rounding line that rounds by nothing: that till did not round this slip, and a
    confirmed total in five cents was one by chance.)"""
    if total is None or total.value is None or not layout.hits.get("rounding"):
        return False
    if rounds_by_nothing(candidates.get("amount", [])):
        return False
    return not _same_rounding("total_amount", confirmed, total.value)


def _after_rounding(candidates: Mapping[str, list[Candidate]], pick: _Pick | None
                    ) -> _Pick | None:
    """On a page with a rounding line, the total after the remembered label may be the
    sum before rounding (the confirmed slip needed none): the paid total is that sum
    rounded to five cents, printed below it."""
    if pick is None:
        return None
    exact = Decimal(pick.candidate.value)
    paid = (exact / _ROUNDING_STEP).quantize(Decimal(1), ROUND_HALF_UP) * _ROUNDING_STEP
    if paid == exact:
        return pick
    below = [c for c in candidates.get("amount", []) if Decimal(c.value) == paid
             and c.segment.page == pick.candidate.segment.page
             and c.segment.line > pick.candidate.segment.line]
    return _Pick(below[0], pick.full) if below else pick


def _rounded_of(rounded: str | None, exact: str) -> bool:
    """`rounded` is `exact` rounded to the five cents cash is paid in ("45.35", "45.34")."""
    if rounded is None:
        return False
    paid, before = Decimal(rounded), Decimal(exact)
    return paid != before and abs(paid - before) < _ROUNDING_STEP \
        and paid % _ROUNDING_STEP == 0 and before % _ROUNDING_STEP != 0


def _constant_field(layout: Layout, candidates: Mapping[str, list[Candidate]],
                    hint: FieldHint, recognition: Recognition,
                    read: ExtractedField | None) -> ExtractedField | None:
    """The supplier's own value, when the page prints it (or names the supplier by an
    identifier, for its name)."""
    if hint.field in _PAGE_DECIDES and read is not None and read.value is not None \
            and not same_value(hint.field, read.value, hint.value):
        # The page labels another account (a customer) than the confirmed one: a supplier
        # changes banks, a supplier has many customers. The page's, for a person to check.
        return doubted(read, f"the supplier's confirmed {hint.field} is {hint.value}")
    printed = _printed(layout, candidates, hint) or (
        hint.field == "supplier_name" and recognition.how == "name")
    if hint.field == "supplier_name" and recognition.how in ("identifier", "domain"):
        confidence = _BY_IDENTIFIER
    elif hint.field == "supplier_name" and not printed and recognition.how == "layout":
        # Its header lines, and the name nearly as remembered (OCR misreads a letter).
        alike = _printed_alike(candidates, hint.value) or _header_names_it(
            layout, hint.value, recognition) or _signals(layout, recognition.memory) >= 2
        confidence = (_TRUSTED if hint.trust >= 2 else _CROSS_CHECKED) if alike else _UNCHECKED
    elif not printed:
        return None
    elif hint.field in IDENTIFIER_FIELDS:
        confidence = _BY_IDENTIFIER if recognition.how == "identifier" else _CROSS_CHECKED
    elif hint.field == "customer_name":
        confidence = DOUBTED  # its name printed somewhere (an address) is no cross-check
    else:
        # Recognised by its layout and the remembered value printed on the page.
        confidence = _TRUSTED if hint.trust >= 2 else _CROSS_CHECKED
    if read is not None and read.value is not None and same_value(
            hint.field, read.value, hint.value) and read.confidence >= confidence:
        return read
    return ExtractedField(hint.value, confidence,
                          f"the supplier's own, as confirmed {hint.trust}× "
                          f"(recognised by {recognition.evidence})"[:240])


def _header_names_it(layout: Layout, name: str, recognition: Recognition) -> bool:
    """The header repeats the name nearly as confirmed, on a page recognised by something
    else (its header's numbers, its header lines): two signals that agree. A page
    recognised by that very likeness has only the one."""
    return not recognition.by_name_alike and name_likeness(
        name, header_lines(layout)) >= NAME_ALIKE


def _signals(layout: Layout, memory: SupplierMemory) -> int:
    """How many of the supplier's independent layout signals this page shows: its name
    nearly as confirmed in the header, a long number of its header (registration, phone),
    its header lines. Two that agree are a cross-check; any one alone is not (a chain's
    other branch shares a number, a supplier's look-alike shares lines)."""
    lines = header_lines(layout)
    return sum((name_likeness(memory.supplier_name, lines) >= NAME_ALIKE,
                bool(set(memory.marks) & set(header_marks(layout))),
                fingerprint_share(memory.fingerprint, layout) >= FINGERPRINT_FROM))


def _printed_alike(candidates: Mapping[str, list[Candidate]], name: str) -> bool:
    wanted = normalise(name)
    return any(fuzz.ratio(normalise(c.value), wanted) >= _LINE_ALIKE
               for c in candidates.get("name", []))


def _printed(layout: Layout, candidates: Mapping[str, list[Candidate]],
             hint: FieldHint) -> bool:
    if hint.field in FIELD_KINDS:
        return _occurrence(layout, candidates, hint.field, hint.value) is not None
    if hint.field == "currency":
        return hint.value.lower() in normalise(layout.text).split() or _SYMBOLS.get(
            hint.value, "\0") in layout.text
    return compact(hint.value) in compact(layout.text) if hint.field in IDENTIFIER_FIELDS \
        else hint.value.lower() in layout.text.lower()


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "MYR": "RM"}
