"""Read every field of one document from its positioned words (text layer or OCR).

This is the text path's whole reading: build the layout, let the learned ranker choose the
supplier, number, dates and amounts among every candidate on the page
(`extract.ranking`), let the rule readers give what checksums and marks decide
(identifiers, currency, domain, customer, payment reference), and decide the document
type. The type never removes a field: a document the classifier calls "other" still shows
everything found on it, and only its confidence keeps it from posting.
"""

from __future__ import annotations

from dataclasses import dataclass

from liasse.domain.extraction import FIELD_NAMES, MISSING, DocumentType, ExtractedField
from liasse.domain.identifiers import compact
from liasse.extract.candidates import Candidate, all_candidates, date_order
from liasse.extract.doctype import classify
from liasse.extract.fields.amounts import read_amounts
from liasse.extract.fields.dates import read_dates
from liasse.extract.fields.geometry import Layout, build_layout, normalise
from liasse.extract.fields.identifiers import read_identifiers
from liasse.extract.fields.parties import PARTY_FIELDS, read_parties
from liasse.extract.fields.reading import FieldReading
from liasse.extract.fields.references import read_references
from liasse.extract.layout import Page
from liasse.extract.memory import SupplierMemory, apply_memory
from liasse.extract.ranking import Choice, RankerModel, choose, shipped_model


@dataclass(frozen=True)
class DocumentReading:
    fields: dict[str, ExtractedField]
    document_type: DocumentType
    type_reason: str
    word_count: int


def read_document(pages: list[Page], *, own_names: tuple[str, ...] = (),
                  own_identifiers: tuple[str, ...] = (), layer: str = "text",
                  model: RankerModel | None = None,
                  memories: tuple[SupplierMemory, ...] = ()) -> DocumentReading:
    """`memories`: what the workspace learned about its suppliers (none: as always)."""
    layout = build_layout(pages)
    candidates = all_candidates(layout)
    chosen = _chosen(candidates, model or shipped_model(), layer, own_names)
    ranked = {name: _as_field(choice) for name, choice in chosen.items()}
    readings = _rule_readings(layout, frozenset(ranked), own_names, own_identifiers)
    has_amounts = readings["total_amount"].value is not None
    kind = classify(layout, has_amounts=has_amounts)
    fields = {name: readings[name].to_field() if name in readings else MISSING
              for name in FIELD_NAMES}
    fields.update(ranked)
    if kind.document_type == "payment_confirmation":
        settled = read_references(layout, wanted=("related_invoice",))["related_invoice"]
        if settled.value is not None:
            # A payment confirmation's number is the invoice it settles ("en règlement de
            # ...").
            fields["invoice_number"] = settled.to_field()
    document_type = kind.document_type
    if memories:
        # The dates that read two ways, as sure as they would be read one way: memory
        # knows which way the supplier prints them.
        unambiguous = {name: choice.unambiguous_confidence for name, choice in chosen.items()
                       if choice.unambiguous_confidence is not None}
        remembered = apply_memory(layout, candidates, fields, memories,
                                  unambiguous=unambiguous)
        fields, document_type = remembered.fields, remembered.document_type or document_type
    word_count = sum(len(page.words) for page in pages)
    return DocumentReading(fields, document_type, kind.reason, word_count)


def _rule_readings(layout: Layout, ranked: frozenset[str], own_names: tuple[str, ...],
                   own_identifiers: tuple[str, ...]) -> dict[str, FieldReading]:
    """What the rule readers give that the ranker does not replace: the fields it has no
    weights for, those it found no candidate of, and the total that `classify` asks about.

    A field the ranker chose is not read by rule at all (its reading would be thrown
    away): mostly the dates and the supplier's and customer's names, a tenth of a page's
    reading time.
    """
    readings = read_amounts(layout)  # the currency, and the total for `classify`, always
    if not {"issue_date", "due_date"} <= ranked:
        readings.update(read_dates(layout, order=date_order(layout)))
    readings.update(read_identifiers(layout, frozenset(compact(i) for i in own_identifiers)))
    readings.update(read_parties(layout, own_names,
                                 wanted=tuple(f for f in PARTY_FIELDS if f not in ranked)))
    readings.update(read_references(layout, wanted=tuple(
        f for f in ("invoice_number", "payment_reference") if f not in ranked)))
    return readings


def _chosen(candidates: dict[str, list[Candidate]], model: RankerModel, layer: str,
            own_names: tuple[str, ...]) -> dict[str, Choice]:
    chosen = choose(model, candidates, layer=layer)
    own = {normalise(name) for name in own_names if name.strip()}
    supplier = chosen.get("supplier_name")
    if own and supplier is not None and _is_own(supplier.value, own):
        # The workspace's own company is the customer, never the supplier: choose again
        # among the other names.
        others = dict(candidates, name=[c for c in candidates["name"]
                                        if not _is_own(c.value, own)])
        again = choose(model, others, layer=layer).get("supplier_name")
        if again is None:
            del chosen["supplier_name"]
        else:
            chosen["supplier_name"] = again
    return chosen


def _is_own(name: str, own: set[str]) -> bool:
    plain = normalise(name)
    return any(mine in plain or plain in mine for mine in own) if plain else False


def _as_field(choice: Choice) -> ExtractedField:
    return ExtractedField(choice.value, round(choice.confidence, 4), choice.evidence)


