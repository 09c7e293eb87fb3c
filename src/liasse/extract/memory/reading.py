"""Reading a page with its supplier's memory (`apply_memory`): each field moved to the
candidate that sits where the remembered value sat, and its confidence set by the rules of
the package's docstring (several consistent confirmations, or one the page cross-checks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from liasse.domain.extraction import DocumentType, ExtractedField
from liasse.domain.identifiers import compact
from liasse.extract.candidates import Candidate
from liasse.extract.doctype import classify
from liasse.extract.fields.geometry import Layout, normalise
from liasse.extract.memory.anchors import (
    _occurrence,
    _placed_anchor,
    anchor_of,
    core_ranks,
    fingerprint_share,
    same_value,
)
from liasse.extract.memory.checks import (
    DOUBTED,
    doubted,
    doubts,
    paid_adds_up,
    read_twice,
    rounded_from_above,
    rounds_by_nothing,
    totals_add_up,
)
from liasse.extract.memory.dates import reads_in_order, scattered_date, texts_after
from liasse.extract.memory.glued import with_glued_amounts
from liasse.extract.memory.marks import NAME_ALIKE, header_lines, header_marks, name_likeness
from liasse.extract.memory.model import (
    _BY_IDENTIFIER,
    _CROSS_CHECKED,
    _DIGITS_ONLY,
    _LABEL_ALIKE,
    _LABEL_ONLY,
    _LINE_ALIKE,
    _NEAR,
    _OCR_TRUSTED,
    _PAGE_DECIDES,
    _TRUSTED,
    _UNCHECKED,
    ANCHORED_FIELDS,
    CONSTANT_FIELDS,
    FINGERPRINT_FROM,
    IDENTIFIER_FIELDS,
    Anchor,
    FieldHint,
    SupplierMemory,
)
from liasse.extract.memory.recognition import Recognition, recognise
from liasse.extract.ranking import AMBIGUOUS_CEILING, AMOUNT_FIELDS, FIELD_KINDS


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
                 memories: Sequence[SupplierMemory], *,
                 unambiguous: Mapping[str, float] | None = None) -> MemoryReading:
    """The fields with what the workspace learned about this supplier applied.

    `unambiguous`: the reader's dates that read two ways ("09/03/2018"), each with the
    confidence it would have read one way (`ranking.Choice.unambiguous_confidence`)."""
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
    for name in ("issue_date", "due_date"):
        hint = memory.hints.get(name)
        if hint is not None and hint.anchor is not None and name in out:
            out[name] = _in_supplier_order(out[name], fields.get(name), candidates,
                                           hint.anchor.order, (unambiguous or {}).get(name))
    confirmed = {name: hint.value for name, hint in memory.hints.items()}
    for name, why in doubts(confirmed, out).items():
        out[name] = doubted(out[name], why)
    total = memory.hints.get("total_amount")
    if total is not None and _unrounded_total(layout, candidates, total.value,
                                              out.get("total_amount")):
        out["total_amount"] = doubted(out["total_amount"], "not rounded as the page's "
                                      "rounding line says the paid total is")
    return MemoryReading(out, document_type, recognition)


def _in_supplier_order(field: ExtractedField, read: ExtractedField | None,
                       candidates: Mapping[str, list[Candidate]], order: str,
                       unambiguous: float | None) -> ExtractedField:
    """A date that reads two ways ("09/03/2018") and the order the supplier's confirmed date
    was printed in ("dmy", from "21/03/2018").

    Printed in that order, it reads one way for this supplier: the reader's own value is
    then as sure as the reader would be of it read one way (`unambiguous`), unless OCR
    hesitated on its digits. Read against that order (the 9th of March from a supplier
    that prints the month first), or with no order known, it is never sure, whatever
    memory found at its place."""
    if field.value is None:
        return field
    printed = [candidate for candidate in candidates.get("date", [])
               if candidate.value == field.value and candidate.features.get("ambiguous")]
    if not printed:
        return field
    if not all(reads_in_order(candidate.segment.text_from(candidate.word), order, field.value)
               for candidate in printed):
        if field.confidence <= AMBIGUOUS_CEILING:
            return field
        return ExtractedField(field.value, AMBIGUOUS_CEILING, field.evidence)
    if unambiguous is None or read is None or field.value != read.value \
            or field.confidence >= unambiguous \
            or any(_ocr_hesitated(candidate, confirmed_twice=False) for candidate in printed):
        return field  # OCR unsure of its digits: for a person, as memory's other values
    why = f"[read in the supplier's order of day, month and year: {order}]"
    return ExtractedField(field.value, round(unambiguous, 4), f"{field.evidence} {why}"[:240])


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
    date label in its order (`dates`): for a person to check."""
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
    read it alike on another line of the page (`checks.read_twice`)."""
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
