"""Duplicates: file hash, source revision, business key, near-duplicates."""

from __future__ import annotations

from datetime import date

from liasse.domain.documents import KnownDocument
from liasse.domain.money import Money
from liasse.enrich.duplicates import DuplicateIndex

ORIGINAL = KnownDocument("d1", "hash1", "papeterie", "PM-48213", Money(10560), date(2026, 10, 8),
                         "Ramettes papier A4 classeurs", "id:abc", "rev1", posted=True)
INDEX = DuplicateIndex([ORIGINAL])


def new(**changes: object) -> KnownDocument:
    base = {"id": "d2", "sha256": "hash2", "supplier_key": "papeterie",
            "invoice_number": "PM-50000", "total": Money(99), "issue_date": date(2026, 1, 1),
            "text": "", "source_file_id": None, "source_rev": None}
    base.update(changes)
    return KnownDocument(**base)  # type: ignore[arg-type]


def test_same_file() -> None:
    [finding] = INDEX.find(new(sha256="hash1"))
    assert finding.kind == "exact_file" and finding.blocks_posting
    assert "d1" in finding.reasons[0] and "already posted" in finding.reasons[1]


def test_same_source_revision() -> None:
    [finding] = INDEX.find(new(source_file_id="id:abc", source_rev="rev1"))
    assert finding.kind == "same_source_revision"
    assert INDEX.find(new(source_file_id="id:abc", source_rev="rev2")) == []


def test_business_key_forgives_separators_but_not_the_amount_or_the_sign() -> None:
    [finding] = INDEX.find(new(invoice_number="PM48213", total=Money(10560)))
    assert finding.kind == "business_key" and finding.certain
    assert "PM48213" in finding.reasons[0]
    assert INDEX.find(new(invoice_number="PM48213", total=Money(10561))) == []
    assert INDEX.find(new(invoice_number="PM48213", total=Money(-10560))) == []  # credit note


def test_credit_note_duplicates_a_credit_note() -> None:
    index = DuplicateIndex([KnownDocument("c1", "h", "s", "AV-12", Money(-500), None)])
    [finding] = index.find(KnownDocument("c2", "h2", "s", "AV-0012", Money(-500), None))
    assert finding.kind == "business_key"


def test_near_duplicate_goes_to_review_with_the_original() -> None:
    [finding] = INDEX.find(new(total=Money(10560), issue_date=date(2026, 10, 11),
                               text="Ramettes de papier A4, classeurs"))
    assert finding.kind == "near_duplicate" and not finding.blocks_posting
    assert finding.original_id == "d1" and "3 day(s) apart" in finding.reasons[0]
    signal = finding.signal()
    assert not signal.certain and signal.original_id == "d1"


def test_not_near_when_far_in_time_or_different_text() -> None:
    assert INDEX.find(new(total=Money(10560), issue_date=date(2026, 10, 20))) == []
    assert INDEX.find(new(total=Money(10560), issue_date=date(2026, 10, 9),
                          text="Consulting juridique contrat")) == []


def test_a_document_is_not_its_own_duplicate() -> None:
    assert INDEX.find(ORIGINAL) == []
