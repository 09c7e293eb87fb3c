"""Read every field of one document from its positioned words (text layer or OCR).

This is the text path's whole reading: build the layout, run each field reader, decide the
document type, and turn the evidence into calibrated `ExtractedField`s.
"""

from __future__ import annotations

from dataclasses import dataclass

from liasse.domain.identifiers import compact
from liasse.extract.doctype import classify
from liasse.extract.fields.amounts import read_amounts
from liasse.extract.fields.dates import read_dates
from liasse.extract.fields.geometry import Layout, build_layout, normalise
from liasse.extract.fields.identifiers import read_identifiers
from liasse.extract.fields.parties import read_parties
from liasse.extract.fields.reading import FieldReading
from liasse.extract.fields.references import read_references
from liasse.extract.layout import Page
from liasse.extract.model import FIELD_NAMES, MISSING, DocumentType, ExtractedField

_ENGLISH_WORDS = frozenset({"the", "and", "invoice", "to", "of", "for", "total", "due", "date",
                            "thank", "your", "you", "bill", "payment", "amount", "vat"})


@dataclass(frozen=True)
class DocumentReading:
    fields: dict[str, ExtractedField]
    document_type: DocumentType
    type_reason: str
    word_count: int


def read_document(pages: list[Page], *, own_names: tuple[str, ...] = (),
                  own_identifiers: tuple[str, ...] = ()) -> DocumentReading:
    layout = build_layout(pages)
    readings: dict[str, FieldReading] = {}
    readings.update(read_amounts(layout))
    readings.update(read_dates(layout, english=_looks_english(layout)))
    readings.update(read_identifiers(layout, frozenset(compact(i) for i in own_identifiers)))
    readings.update(read_parties(layout, own_names))
    readings.update(read_references(layout))
    has_amounts = readings["total_amount"].value is not None
    kind = classify(layout, has_amounts=has_amounts)
    settled = readings["related_invoice"]
    if kind.document_type == "payment_confirmation" and settled.value is not None:
        # A payment confirmation's number is the invoice it settles ("en règlement de ...").
        readings["invoice_number"] = settled
    fields = {name: readings[name].to_field() if name in readings else MISSING
              for name in FIELD_NAMES}
    if kind.document_type == "other":
        # A letter or a delivery note has no invoice fields: nothing on it may be posted.
        fields = {name: ExtractedField(None, 0.0, field.evidence) for name, field in
                  fields.items()}
    word_count = sum(len(page.words) for page in pages)
    return DocumentReading(fields, kind.document_type, kind.reason, word_count)


def _looks_english(layout: Layout) -> bool:
    words = normalise(layout.text).split()
    english = sum(1 for word in words if word in _ENGLISH_WORDS)
    return english * 20 >= max(len(words), 1)
