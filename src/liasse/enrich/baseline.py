"""The baseline enricher: route on the extraction's own confidence, with reasons.

It knows no supplier directory and no history; the full enricher (suppliers, accounts,
duplicates) replaces it in `services.py` where configured. Its decisions are honest:
a document it cannot vouch for goes to review or is refused, never approved by default.
"""

from __future__ import annotations

from decimal import Decimal

from liasse.domain.extraction import ExtractionResult
from liasse.domain.ports import Enrichment, WorkspaceContext

KEY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "total_amount")
POSTABLE = frozenset({"invoice", "credit_note"})
SURE = 0.85


class ConfidenceEnricher:
    def enrich(self, extraction: ExtractionResult, context: WorkspaceContext, *,
               document_id: str = "") -> Enrichment:
        confidence = Decimal(str(round(extraction.confidence, 4)))
        reasons = self._doubts(extraction)
        if extraction.errors:
            return Enrichment("refused", Decimal(0), tuple(reasons))
        if extraction.document_type not in POSTABLE:
            reasons.append(f"a {extraction.document_type.replace('_', ' ')}, not an invoice")
            return Enrichment("review", confidence, tuple(reasons),
                              extraction.value("supplier_name"))
        if confidence < context.review_from:
            reasons.insert(0, f"confidence {confidence:.0%} is below {context.review_from:.0%}")
            return Enrichment("refused", confidence, tuple(reasons))
        if confidence < context.approve_from or reasons:
            reasons.insert(0, f"confidence {confidence:.0%}: a person should check")
            return Enrichment("review", confidence, tuple(reasons),
                              extraction.value("supplier_name"))
        return Enrichment("approved", confidence,
                          (f"confidence {confidence:.0%}, every key field sure",),
                          extraction.value("supplier_name"))

    @staticmethod
    def _doubts(extraction: ExtractionResult) -> list[str]:
        doubts = [f"could not read the file: {error}" for error in extraction.errors]
        for name in KEY_FIELDS:
            field = extraction.fields.get(name)
            if field is None or field.value is None:
                doubts.append(f"{name.replace('_', ' ')} not found")
            elif field.confidence < SURE:
                doubts.append(f"{name.replace('_', ' ')} uncertain ({field.confidence:.0%})")
        doubts.extend(extraction.warnings)
        return doubts
