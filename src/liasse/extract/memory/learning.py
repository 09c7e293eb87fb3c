"""Folding one document a person confirmed into its supplier's memory (`learn`): each value's
anchor, kept and counted while confirmations agree, started afresh when they do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from liasse.domain.identifiers import compact
from liasse.extract.candidates import Candidate
from liasse.extract.doctype import classify
from liasse.extract.fields.geometry import Layout
from liasse.extract.memory.anchors import (
    _misread_occurrence,
    _occurrence,
    _placed_anchor,
    _unreadable_anchor,
    fingerprint,
    same_value,
)
from liasse.extract.memory.glued import with_glued_amounts
from liasse.extract.memory.marks import header_marks, kept_marks
from liasse.extract.memory.model import (
    CONSTANT_FIELDS,
    IDENTIFIER_FIELDS,
    FieldHint,
    SupplierMemory,
)


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
