"""The invoice number and the payment reference: codes printed after their labels.

A code has at least one digit, no spaces, and is neither a date nor an amount. Structured
creditor references (ISO 11649 "RF..") carry a checksum and are confirmed by it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection

from stdnum import iso11649

from liasse.domain import identifiers as ids
from liasse.extract.confidence import Evidence
from liasse.extract.fields.dates import parse_date
from liasse.extract.fields.geometry import Layout, values_near
from liasse.extract.fields.numbers import find_amounts
from liasse.extract.fields.reading import NOT_FOUND, FieldReading

_LEAD = re.compile(r"^(?:[:#°.\s]|n°|no\.?|nr\.?|num(?:ero|éro)?\.?)+\s*", re.IGNORECASE)
_CODE = re.compile(r"^([A-Z0-9][A-Za-z0-9\-/_.]{0,34}[A-Za-z0-9])(?=$|[\s,;).:])")
_GEOMETRY_ORDER = {"inline": 0, "right": 1, "below": 2, "anywhere": 3}
_Parse = Callable[[str], "tuple[str, str] | None"]
REFERENCE_FIELDS: tuple[str, ...] = ("invoice_number", "related_invoice", "payment_reference")


def parse_code(text: str) -> tuple[str, str] | None:
    """An invoice-number-like code at the start of `text` (after ':' / 'n°' / '#')."""
    rest = _LEAD.sub("", text.strip())
    match = _CODE.match(rest)
    if match is None:
        return None
    code = match.group(1)
    if not any(char.isdigit() for char in code) or len(code) < 2:
        return None
    if parse_date(code) is not None or (find_amounts(code) and "," in code):
        return None
    if _is_identifier(code):
        return None  # "VAT no. FR.." or "IBAN ..": a company's identifier, not a document's
    return code, code


def _is_identifier(code: str) -> bool:
    return any(check(code) for check in (ids.is_valid_vat, ids.is_valid_iban,
                                         ids.is_valid_siret, ids.is_valid_siren))


def parse_reference(text: str) -> tuple[str, str] | None:
    """A payment reference: one code, or a word and a code ("FACT 2026-311")."""
    tokens = _LEAD.sub("", text.strip()).split()
    if not tokens:
        return None
    first = tokens[0]
    if first.isalpha() and len(tokens) > 1 and any(c.isdigit() for c in tokens[1]):
        value = f"{first} {tokens[1]}"
    elif any(char.isdigit() for char in first):
        value = first
    else:
        return None
    value = value.rstrip(".,;:")
    if parse_date(value) is not None or _is_identifier(value.replace(" ", "")):
        return None
    return value, value


def read_references(layout: Layout,
                    wanted: Collection[str] = REFERENCE_FIELDS) -> dict[str, FieldReading]:
    """The `wanted` codes (the others are not read)."""
    return {name: read(layout) for name, read in _READERS.items() if name in wanted}


_READERS: dict[str, Callable[[Layout], FieldReading]] = {
    "invoice_number": lambda layout: _labelled_code(layout, "invoice_number", parse_code),
    "related_invoice": lambda layout: _labelled_code(layout, "related_invoice", parse_code),
    "payment_reference": lambda layout: _payment_reference(layout),
}


def _labelled_code(layout: Layout, role: str, parse: _Parse) -> FieldReading:
    found = [(hit.label.strength, near) for hit in layout.hits.get(role, [])
             if (near := values_near(layout, hit, parse)) is not None]
    strong = [near for strength, near in found if strength == "strong"]
    pool = strong or [near for _, near in found]
    if not pool:
        return NOT_FOUND
    counts = Counter(near.value for near in pool)
    best = min(pool, key=lambda near: (_GEOMETRY_ORDER[near.geometry], -counts[near.value]))
    evidence = Evidence(label="strong" if strong else "weak", geometry=best.geometry,
                        agreeing=counts[best.value], conflicting=len(counts) - 1,
                        ocr=best.ocr_confidence, strict_shape=parse is parse_code)
    return FieldReading(best.value, evidence, best.evidence)


def _payment_reference(layout: Layout) -> FieldReading:
    reading = _labelled_code(layout, "payment_reference", parse_reference)
    if reading.value is None:
        return reading
    compact = reading.value.replace(" ", "")
    if compact.upper().startswith("RF"):
        evidence = Evidence(label=reading.evidence.label, geometry=reading.evidence.geometry,
                            checksum=bool(iso11649.is_valid(compact)), ocr=reading.evidence.ocr)
        return FieldReading(compact, evidence, reading.source)
    return reading

