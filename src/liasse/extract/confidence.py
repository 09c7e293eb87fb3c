"""Calibrated confidence: turn the evidence behind a field into the probability it is right.

Why a table and not a model: the evidence is a handful of discrete facts (how specific the
label was, where the value sat, whether the amounts add up, whether a checksum passed, how
many times the value was seen), so a small table that a person can read and audit beats
an opaque fit. The numbers were set by running `bench/extraction.py` on the development
corpus's tuning layouts and lowering every cell until the bucket's observed accuracy was at
least its confidence; the held-out layouts then check that the calibration transfers.

The contract the rest of liasse relies on: a field with confidence >= 0.85 (`SURE`) is
right at least 99.5 % of the time on the corpus. So only *independent confirmation* can
lift a field above `SURE`: amounts that add up to the cent, a checksum that passes, the
same value printed twice under different labels, or (for invoice numbers and issue
dates only) a strict value shape right beside a strong label, which the corpus measured
as right every time. Any other value read once, without a cross-check, stays below `SURE`
and goes to review.

Document confidence is the weakest of the key fields (supplier, number, date, total): one
unsure key field is enough to send a document to a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from liasse.domain.extraction import DocumentType, ExtractedField
from liasse.domain.routing import counts_for

LabelStrength = Literal["strong", "weak", "none"]
Geometry = Literal["inline", "right", "below", "anywhere"]

SURE = 0.85  # the auto-posting threshold the router uses; see the module docstring

# Prior: how often a value found this way was right on the tuning layouts, before any
# cross-check. Every cell is below SURE on purpose.
_PRIOR: dict[tuple[LabelStrength, Geometry], float] = {
    ("strong", "inline"): 0.82,
    ("strong", "right"): 0.80,
    ("strong", "below"): 0.70,
    ("strong", "anywhere"): 0.60,
    ("weak", "inline"): 0.65,
    ("weak", "right"): 0.60,
    ("weak", "below"): 0.50,
    ("weak", "anywhere"): 0.40,
    ("none", "inline"): 0.40,
    ("none", "right"): 0.40,
    ("none", "below"): 0.35,
    ("none", "anywhere"): 0.35,
}
# A value with a strict shape (a code that is not a date, amount or identifier; a date
# that cannot be read two ways) right beside a strong, unambiguous label: on the tuning
# layouts this was right every time, and only invoice numbers and issue dates use it.
_STRICT_SHAPE = 0.88
_BESIDE = ("inline", "right")
_CONFIRMED = 0.97  # arithmetic to the cent, or a passing checksum, on top of a labelled value
_CONFIRMED_UNLABELLED = 0.90  # a checksum alone: the number is real but whose it is less sure
_AGREEMENT_BONUS = 0.08  # each further occurrence of the same value under a label
_AGREEMENT_CEILING = 0.93
_CONTRADICTED = 0.45  # arithmetic that fails, or another label with another value
_CHECKSUM_FAILED = 0.40
_DERIVED_CEILING = 0.80  # computed from other fields (a due date from payment terms)
# OCR: a value whose weakest word Tesseract read below this is never SURE.
_OCR_TRUSTED = 0.90
KEY_FIELDS: tuple[str, ...] = ("invoice_number", "issue_date", "total_amount")
# The supplier part of a document's confidence is its name's: a valid VAT id says the
# seller is real, not that the name beside it was read right ("VILLE DE TOULON", the
# customer, above a seller's checked VAT id). The router lifts it only when the directory
# knows the identifier, and then the directory's name is used (`domain.routing`).
SUPPLIER_FIELDS: tuple[str, ...] = ("supplier_name",)


@dataclass(frozen=True)
class Evidence:
    """What the engine knows about one field's value; `field_confidence` scores it."""

    label: LabelStrength = "none"
    geometry: Geometry = "anywhere"
    arithmetic: bool | None = None  # amounts: True adds up, False contradicts, None untested
    checksum: bool | None = None  # identifiers: True valid, False invalid, None no checksum
    agreeing: int = 1  # occurrences with this same value
    conflicting: int = 0  # labelled occurrences with another value
    ocr: float = 1.0  # the weakest OCR word confidence in the value (1.0 for a text layer)
    derived: bool = False
    ambiguous: bool = False  # e.g. a numeric date whose day/month order is uncertain
    strict_shape: bool = False  # the value passed its field's strict shape check


def field_confidence(evidence: Evidence) -> float:
    """The calibrated probability that the value is right (see the module docstring)."""
    score = _PRIOR[(evidence.label, evidence.geometry)]
    if evidence.strict_shape and evidence.label == "strong" and evidence.geometry in _BESIDE:
        score = max(score, _STRICT_SHAPE)
    if evidence.checksum is True:
        score = max(score, _CONFIRMED if evidence.label != "none" else _CONFIRMED_UNLABELLED)
    if evidence.arithmetic is True:
        score = max(score, _CONFIRMED)
    if evidence.agreeing > 1 and evidence.label != "none":
        score = max(score, min(score + _AGREEMENT_BONUS * (evidence.agreeing - 1),
                               _AGREEMENT_CEILING))
    return _apply_doubts(score, evidence)


def _apply_doubts(score: float, evidence: Evidence) -> float:
    if evidence.checksum is False:
        score = min(score, _CHECKSUM_FAILED)
    if evidence.arithmetic is False or evidence.conflicting:
        score = min(score, _CONTRADICTED)
    if evidence.derived:
        score = min(score, _DERIVED_CEILING)
    if evidence.ambiguous:
        score = min(score, SURE - 0.1)
    if evidence.ocr < _OCR_TRUSTED:
        # Scale down with the OCR confidence: a value Tesseract hesitated on needs a person.
        score = min(score, SURE - 0.05) * max(evidence.ocr, 0.3) / _OCR_TRUSTED
    return round(max(0.0, min(score, 0.99)), 4)


def document_confidence(fields: Mapping[str, ExtractedField], document_type: DocumentType,
                        *, has_errors: bool = False) -> float:
    """The weakest key field, the supplier's name among them; non-financial documents and
    failures never reach SURE."""
    if has_errors:
        return 0.0
    supplier = max((fields[name].confidence for name in SUPPLIER_FIELDS
                    if name in fields and fields[name].value is not None), default=0.0)
    keys = [fields[name].confidence if name in fields and fields[name].value is not None
            else 0.0 for name in KEY_FIELDS if counts_for(name, document_type)]
    score = min([supplier, *keys])
    if document_type == "other":
        score = min(score, 0.5)
    return round(score, 4)
