"""Enrichment: supplier, ledger account, duplicates and routing for one extracted document.

`enrich_document` runs the four in order over what the workspace knows
(`WorkspaceKnowledge`, built by the caller from the store) and returns every decision
with its reasons; `DirectoryEnricher` adapts it to the pipeline's `Enricher` port.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from liasse.domain.documents import DocumentFacts, facts_from_extraction
from liasse.domain.extraction import ExtractionResult
from liasse.domain.identifiers import compact
from liasse.domain.matching.fx import FxRates
from liasse.domain.ports import Enrichment, WorkspaceContext
from liasse.domain.routing import (
    ConfidenceInputs,
    DocumentConfidence,
    RoutingDecision,
    Thresholds,
    document_confidence,
    route_document,
)
from liasse.domain.suppliers import OwnCompany, normalise_name
from liasse.enrich.accounts import AccountSuggestion, suggest_account
from liasse.enrich.classifier import AccountClassifier, Posting
from liasse.enrich.directory import SupplierDirectory, SupplierResolution, resolve_supplier
from liasse.enrich.duplicates import DuplicateFinding, DuplicateIndex, KnownDocument


@dataclass(frozen=True)
class WorkspaceKnowledge:
    """What one workspace knows, loaded by the caller; read-only here."""

    directory: SupplierDirectory
    own_company: OwnCompany
    thresholds: Thresholds = field(default_factory=Thresholds)
    history: Sequence[Posting] = ()
    classifier: AccountClassifier | None = None
    duplicates: DuplicateIndex = field(default_factory=DuplicateIndex)
    fx_rates: FxRates = field(default_factory=FxRates)


@dataclass(frozen=True)
class EnrichedDocument:
    facts: DocumentFacts
    supplier: SupplierResolution
    account: AccountSuggestion
    duplicates: tuple[DuplicateFinding, ...]
    confidence: DocumentConfidence
    routing: RoutingDecision

    @property
    def known_document(self) -> KnownDocument:
        """This document as later duplicate checks should remember it."""
        return _as_known(self.facts, self.supplier, "", None, None)


def _supplier_key(facts: DocumentFacts, resolution: SupplierResolution) -> str | None:
    if resolution.supplier:
        return resolution.supplier.id
    if facts.supplier_vat_id:
        return compact(facts.supplier_vat_id)
    return normalise_name(facts.supplier_name) if facts.supplier_name else None


def _as_known(facts: DocumentFacts, resolution: SupplierResolution, text: str,
              source_file_id: str | None, source_rev: str | None) -> KnownDocument:
    return KnownDocument(facts.id, facts.sha256, _supplier_key(facts, resolution),
                         facts.invoice_number, facts.total, facts.issue_date, text,
                         source_file_id, source_rev)


def _default_text(extraction: ExtractionResult) -> str:
    """Without the page text, the evidence snippets and names stand in for it."""
    parts = [extraction.value("supplier_name") or "", extraction.file]
    parts += [item.evidence for item in extraction.fields.values() if item.evidence]
    return " ".join(part for part in parts if part)


def enrich_document(extraction: ExtractionResult, document_id: str,
                    knowledge: WorkspaceKnowledge, *, text: str | None = None,
                    source_file_id: str | None = None,
                    source_rev: str | None = None) -> EnrichedDocument:
    """Supplier, account, duplicates, confidence and route, each with its reasons."""
    facts = facts_from_extraction(extraction, document_id, knowledge.fx_rates)
    words = text if text is not None else _default_text(extraction)
    supplier = resolve_supplier(facts, knowledge.directory, knowledge.own_company)
    account = suggest_account(words, supplier.supplier, knowledge.history,
                              knowledge.classifier)
    duplicates = tuple(knowledge.duplicates.find(
        _as_known(facts, supplier, words, source_file_id, source_rev)))
    signal = duplicates[0].signal() if duplicates else None
    confidence = document_confidence(ConfidenceInputs(
        field_confidences=facts.confidences, supplier_confidence=supplier.confidence,
        supplier_reasons=supplier.reasons, arithmetic_holds=facts.arithmetic_holds(),
        identifier_flags=supplier.flags, duplicate=signal,
        supplier_known=supplier.outcome == "known" and supplier.method in ("identifier", "iban"),
        document_type=extraction.document_type))
    rule = supplier.supplier.rule if supplier.supplier else None
    routing = route_document(confidence, knowledge.thresholds, rule, signal,
                             extraction.document_type)
    if supplier.outcome == "own_company":
        routing = RoutingDecision("review", routing.confidence,
                                  ("review: issued by the workspace itself, a sales document",
                                   *routing.reasons), routing.thresholds, "own company")
    return EnrichedDocument(facts, supplier, account, duplicates, confidence, routing)


class DirectoryEnricher:
    """The pipeline's `Enricher` port over `enrich_document`."""

    def __init__(self, knowledge_for: Callable[[WorkspaceContext], WorkspaceKnowledge]) -> None:
        self._knowledge_for = knowledge_for

    def enrich(self, extraction: ExtractionResult, context: WorkspaceContext, *,
               document_id: str = "") -> Enrichment:
        knowledge = self._knowledge_for(context)
        result = enrich_document(extraction, document_id or extraction.sha256, knowledge)
        supplier = result.supplier.supplier
        name = supplier.legal_name if supplier else result.facts.supplier_name
        reasons = (*result.routing.reasons, *result.account.reasons)
        return Enrichment(result.routing.route,
                          Decimal(str(result.routing.confidence)), reasons, name,
                          result.account.account)


__all__ = ["DirectoryEnricher", "EnrichedDocument", "WorkspaceKnowledge", "enrich_document"]
