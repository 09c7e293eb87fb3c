"""Have we seen this document before? Four checks, most certain first, each with reasons.

1. exact file: the same SHA-256;
2. same source revision: the same cloud file id and revision seen again;
3. business key: same supplier, same invoice number (separators and trimmed zeros forgiven)
   and same signed total, so a credit note only ever duplicates a credit note;
4. near-duplicate: same supplier and total, dates within ±5 days, similar text → review,
   with the original linked.
A certain duplicate (1–3) is blocked from posting whatever its route, so a forwarded copy
of a posted invoice never reaches Qonto; a near one waits in review, original linked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from liasse.domain.documents import KnownDocument
from liasse.domain.matching.references import number_keys
from liasse.domain.money import Money
from liasse.domain.routing import DuplicateSignal
from liasse.domain.suppliers import normalise_name

DuplicateKind = Literal["exact_file", "same_source_revision", "business_key", "near_duplicate"]

NEAR_DAYS = 5
TEXT_SIMILAR_FROM = 80.0


@dataclass(frozen=True)
class DuplicateFinding:
    kind: DuplicateKind
    original_id: str
    original_posted: bool
    reasons: tuple[str, ...]

    @property
    def certain(self) -> bool:
        return self.kind != "near_duplicate"

    @property
    def blocks_posting(self) -> bool:
        """A certain duplicate is never posted; a near one waits for a person, who may."""
        return self.certain

    def signal(self) -> DuplicateSignal:
        """What routing needs from this finding."""
        return DuplicateSignal(self.original_id, self.certain, self.blocks_posting,
                               "; ".join(self.reasons))


def _amount_key(total: Money) -> tuple[int, str]:
    return total.minor, total.currency


class DuplicateIndex:
    """Documents already seen, indexed for each check; `find` never scans them all."""

    def __init__(self, known: Iterable[KnownDocument] = ()) -> None:
        self._by_hash: dict[str, KnownDocument] = {}
        self._by_source: dict[tuple[str, str], KnownDocument] = {}
        self._by_number: dict[tuple[str, str], list[KnownDocument]] = defaultdict(list)
        self._by_amount: dict[tuple[str, int, str], list[KnownDocument]] = defaultdict(list)
        for document in known:
            self.add(document)

    def add(self, document: KnownDocument) -> None:
        if document.sha256:
            self._by_hash.setdefault(document.sha256, document)
        if document.source_file_id and document.source_rev:
            self._by_source.setdefault((document.source_file_id, document.source_rev), document)
        if document.supplier_key and document.total:
            for key in number_keys(document.invoice_number or ""):
                self._by_number[(document.supplier_key, key)].append(document)
            self._by_amount[(document.supplier_key, *_amount_key(document.total))].append(document)

    def find(self, document: KnownDocument) -> list[DuplicateFinding]:
        """Every finding, the most certain first; empty when the document is new."""
        findings = [finding for finding in (self._same_file(document),
                                            self._same_source(document),
                                            self._same_business_key(document))
                    if finding is not None]
        if not findings:
            findings.extend(self._near(document))
        return findings

    def _same_file(self, document: KnownDocument) -> DuplicateFinding | None:
        original = self._by_hash.get(document.sha256) if document.sha256 else None
        if original is None or original.id == document.id:
            return None
        return _finding("exact_file", original,
                        f"the same file (SHA-256 {document.sha256[:12]}…) as document "
                        f"{original.id}")

    def _same_source(self, document: KnownDocument) -> DuplicateFinding | None:
        if not (document.source_file_id and document.source_rev):
            return None
        original = self._by_source.get((document.source_file_id, document.source_rev))
        if original is None or original.id == document.id:
            return None
        return _finding("same_source_revision", original,
                        f"the same source file {document.source_file_id} at revision "
                        f"{document.source_rev} as document {original.id}")

    def _same_business_key(self, document: KnownDocument) -> DuplicateFinding | None:
        if not (document.supplier_key and document.total and document.invoice_number):
            return None
        for key in number_keys(document.invoice_number):
            for original in self._by_number.get((document.supplier_key, key), ()):
                if original.id != document.id and original.total == document.total:
                    return _finding("business_key", original,
                                    f"same supplier, number {document.invoice_number!r} and "
                                    f"total {document.total} as document {original.id}")
        return None

    def _near(self, document: KnownDocument) -> list[DuplicateFinding]:
        if not (document.supplier_key and document.total and document.issue_date):
            return []
        found: list[DuplicateFinding] = []
        for original in self._by_amount.get((document.supplier_key,
                                              *_amount_key(document.total)), ()):
            why = _near_reason(document, original)
            if why:
                found.append(_finding("near_duplicate", original, why))
        return found


def _near_reason(document: KnownDocument, original: KnownDocument) -> str | None:
    if original.id == document.id or original.issue_date is None or document.issue_date is None:
        return None
    days = abs((document.issue_date - original.issue_date).days)
    if days > NEAR_DAYS:
        return None
    if document.text and original.text:
        similarity = fuzz.token_set_ratio(normalise_name(document.text),
                                          normalise_name(original.text))
        if similarity < TEXT_SIMILAR_FROM:
            return None
        text_note = f"texts {similarity:.0f} % alike"
    else:
        text_note = "text not available to compare"
    return (f"same supplier and total {document.total} as document {original.id}, dated "
            f"{days} day(s) apart, {text_note}")


def _finding(kind: DuplicateKind, original: KnownDocument, reason: str) -> DuplicateFinding:
    reasons = [reason]
    if original.posted:
        reasons.append(f"document {original.id} is already posted to Qonto")
    return DuplicateFinding(kind, original.id, original.posted, tuple(reasons))
