"""What a workspace remembers of one supplier (`SupplierMemory`): its identifiers, domains
and header lines, and for each field a `FieldHint` (the confirmed value, its `Anchor`, how
many consistent confirmations back it); and the confidences memory states, from sure to
review.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from liasse.extract.fields.numbers import CURRENCY_MARKS
from liasse.extract.ranking import FIELD_KINDS

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
_CURRENCY_WORDS = frozenset(mark.lower() for mark in CURRENCY_MARKS
                            if mark.isalpha() and len(mark) > 1) | {
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
