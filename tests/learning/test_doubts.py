"""What a supplier's memory says against a value read on its next document: a date years
away, a number and a date in opposite orders, another IBAN labelled on the page."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.app import learning
from liasse.domain.extraction import ExtractedField
from liasse.extract.candidates import Candidate, all_candidates
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page, Word
from liasse.extract.memory import SupplierMemory
from liasse.extract.memory.checks import (
    doubts,
    paid_adds_up,
    rounded_from_above,
    totals_add_up,
)
from liasse.extract.memory.glued import with_glued_amounts
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo

SURE = 0.85


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0) for text, x in parts]


def _invoice(number: str, date: str, iban_line: tuple[str, ...] = ()) -> list[Page]:
    words = [*_line(40, ("Papeterie", 40), ("Durand", 130), ("SARL", 200)),
             *_line(60, ("12", 40), ("rue", 60), ("des", 90), ("Lilas", 120), ("Paris", 170)),
             *_line(100, ("Facture", 40), ("N°", 110), (number, 140)),
             *_line(120, ("Date", 40), (":", 80), (date, 100)),
             *_line(200, ("Total", 40), ("HT", 86), ("100,00", 400)),
             *_line(220, ("TVA", 40), ("20%", 72), ("20,00", 400)),
             *_line(240, ("Total", 40), ("TTC", 86), ("120,00", 400))]
    if iban_line:
        words += _line(300, *((text, 40 + 60.0 * i) for i, text in enumerate(iban_line)))
    return [Page(1, 600.0, 800.0, words)]


def _taught(engine: Engine, pages: list[Page], sets: dict[str, str]
            ) -> tuple[SupplierMemory, ...]:
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        suppliers, memories = SupplierRepo(session, workspace.id), MemoryRepo(session,
                                                                             workspace.id)
        learning.learn_pages(suppliers, memories, pages, read_document(pages).fields, sets)
        return tuple(memories.memories())


def _field(value: str, confidence: float = 0.95) -> ExtractedField:
    return ExtractedField(value, confidence, "p1: read")


def test_a_date_years_away_from_the_confirmed_one_is_not_sure(engine: Engine) -> None:
    """OCR misreads a year's digit (2047 for 2017): the page alone cannot tell."""
    taught = _taught(engine, _invoice("F-2017-0042", "12/03/2017"), {
        "supplier_name": "Papeterie Durand SARL", "issue_date": "2017-03-12"})
    near = read_document(_invoice("F-2017-0043", "14/04/2017"), memories=taught).fields
    far = read_document(_invoice("F-2017-0043", "14/04/2047"), memories=taught).fields
    assert near["issue_date"].value == "2017-04-14"
    assert "doubt" not in near["issue_date"].evidence
    assert far["issue_date"].value == "2047-04-14"
    assert far["issue_date"].confidence < SURE
    assert "years away" in far["issue_date"].evidence


def test_a_number_after_the_confirmed_one_dated_months_before_it_is_doubted() -> None:
    confirmed = {"invoice_number": "CS-SA-0108558", "issue_date": "2017-09-05"}
    misread = doubts(confirmed, {"invoice_number": _field("CS-SA-0112280"),
                                 "issue_date": _field("2017-02-20")})
    assert set(misread) == {"issue_date", "invoice_number"}
    in_order = doubts(confirmed, {"invoice_number": _field("CS-SA-0112280"),
                                  "issue_date": _field("2017-10-20")})
    assert in_order == {}


def test_a_few_weeks_disorder_or_an_unsure_number_is_no_doubt() -> None:
    confirmed = {"invoice_number": "F-20240000010", "issue_date": "2024-11-30"}
    weeks = doubts(confirmed, {"invoice_number": _field("F-20240000014"),
                               "issue_date": _field("2024-11-07")})
    unsure = doubts(confirmed, {"invoice_number": _field("F-20240000014", 0.4),
                                "issue_date": _field("2024-03-07")})
    other_shape = doubts(confirmed, {"invoice_number": _field("2024-77"),
                                     "issue_date": _field("2024-03-07")})
    assert weeks == unsure == other_shape == {}


def test_money_or_another_series_in_the_number_field_is_no_order() -> None:
    """An amount left in the number field, and a till's or a branch's own series (the
    leading digits apart), say nothing of which document came first."""
    money = doubts({"invoice_number": "62.00", "issue_date": "2018-04-28"},
                   {"invoice_number": _field("59.00"), "issue_date": _field("2018-06-14")})
    branch = doubts({"invoice_number": "7010385084", "issue_date": "2018-01-07"},
                    {"invoice_number": _field("1010104759"),
                     "issue_date": _field("2018-03-05")})
    same_series = doubts({"invoice_number": "7010385084", "issue_date": "2018-01-07"},
                         {"invoice_number": _field("7010384084"),
                          "issue_date": _field("2018-03-05")})
    assert money == branch == {}
    assert set(same_series) == {"issue_date", "invoice_number"}


def test_another_iban_labelled_on_the_page_is_kept_and_not_sure(engine: Engine) -> None:
    """The supplier changed banks: the page's labelled IBAN is this invoice's, the
    remembered one is only printed among the legal mentions; a person checks."""
    old, new = "FR7630006000011234567890189", "DE89370400440532013000"
    taught = _taught(engine, _invoice("F-2017-0042", "12/03/2017", ("IBAN", old)), {
        "supplier_name": "Papeterie Durand SARL", "supplier_iban": old})
    later = _invoice("F-2017-0043", "14/04/2017", ("IBAN", new))
    later[0].words += _line(700, ("Ancien", 40), ("compte", 100), (old, 160))
    plain = read_document(later).fields["supplier_iban"]
    learned = read_document(later, memories=taught).fields["supplier_iban"]
    assert plain.value == new
    assert learned.value == new
    assert learned.confidence < SURE


def _amounts(*lines: tuple[str, ...]) -> list[Candidate]:
    words: list[Word] = []
    for index, texts in enumerate(lines):
        words += _line(100 + 20 * index, *((t, 40 + 100.0 * i) for i, t in enumerate(texts)))
    layout = build_layout([Page(1, 600.0, 800.0, words)])
    return with_glued_amounts(layout, all_candidates(layout))["amount"]


def test_the_payment_lines_cross_check_a_total() -> None:
    tendered = _amounts(("TOTAL", "8.50"), ("CASH", "10.00"), ("CHANGE", "1.50"))
    rounded = _amounts(("Total", "RM7.72"), ("Rounding:", "-RM0.02"), ("Nett", "RM7.70"))
    assert paid_adds_up(tendered, "8.50")
    assert not paid_adds_up(tendered, "8.40")
    assert paid_adds_up(rounded, "7.70")
    assert not paid_adds_up(rounded, "7.75")


def test_a_total_printed_on_the_rounding_line_cross_checks_nothing() -> None:
    """A till that prints the total on its rounding line ("Total After Rounding 65.10",
    OCR'd from 85.10) and a zero elsewhere: zero plus the total is no arithmetic, nor is
    a rounding of several units (a misread)."""
    slip = _amounts(("Rounding", "Adjustment", "85.10", "6.00"),
                    ("Total", "After", "Rounding", "65.10"), ("Tax", "0.00"))
    assert not paid_adds_up(slip, "65.10")
    assert not paid_adds_up(slip, "91.10")
    steps = _amounts(("Total", "85.08"), ("Rounding", "0.02"), ("Tax", "0.00"))
    assert paid_adds_up(steps, "85.10")


def test_the_very_label_beats_one_alike_at_the_remembered_place(engine: Engine) -> None:
    """"Total HT" is one letter-edit away from "Total TTC": the confirmed total stays on
    the line with the very label the person confirmed."""
    taught = _taught(engine, _invoice("F-2017-0042", "12/03/2017"), {
        "supplier_name": "Papeterie Durand SARL", "total_amount": "120.00"})
    later = read_document(_invoice("F-2017-0043", "14/04/2017"), memories=taught).fields
    assert later["total_amount"].value == "120.00"
    assert "as confirmed" in later["total_amount"].evidence


def test_two_totals_above_the_total_cross_check_it_and_item_prices_do_not() -> None:
    slip = _amounts(("ROTI", "12.60"), ("KAYA", "1.90"),
                    ("Total", "supplies", "(inc.", "GST):", "14.50"),
                    ("Total", "0%", "supplies:", "12.60"), ("Total", "Payable:", "27.10"))
    total = next(c for c in slip if c.value == "27.10")
    assert totals_add_up(slip, total)
    # 12.60 + 1.90 = 14.50: two item prices, no totals; and nothing sums to 27.20.
    assert not totals_add_up(slip, next(c for c in slip if c.value == "14.50"))
    misread = _amounts(("Total", "supplies", "(inc.", "GST):", "14.50"),
                       ("Total", "0%", "supplies:", "12.60"), ("Total", "Payable:", "27.20"))
    assert not totals_add_up(misread, next(c for c in misread if c.value == "27.20"))


def test_a_credit_lines_negative_total_above_the_total_cross_checks_it() -> None:
    slip = _amounts(("Total", "0%", "supplies:", "46.82"),
                    ("Total", "6%", "supplies", "(Inc.", "GST):", "-0.76"),
                    ("Total", "Payable:", "46.06"))
    assert totals_add_up(slip, slip[-1])
    misread = _amounts(("Total", "0%", "supplies:", "46.82"),
                       ("Total", "6%", "supplies", "(Inc.", "GST):", "-0.76"),
                       ("Total", "Payable:", "46.16"))
    assert not totals_add_up(misread, misread[-1])


def test_a_total_rounded_from_the_total_above_it_is_cross_checked() -> None:
    """"Total Sales 45.34", its rounding step unread, "Rounding 45.35": the two printings'
    digits agree to within the five cents. Not another amount, not without a rounding
    line, not a total off by more than the rounding."""
    def total(*lines: tuple[str, ...]) -> bool:
        slip = _amounts(*lines)
        return rounded_from_above(slip, slip[-1])

    assert total(("Total", "Sales", "45.34"), ("Rounding", "Adjustment", "~01"),
                 ("Rounding", "45.35"))
    assert not total(("Total", "Sales", "45.34"), ("Rounding", "Adjustment", "~01"),
                     ("Rounding", "46.35"))
    assert not total(("Total", "Sales", "45.34"), ("Paid", "45.35"))
    assert not total(("Sugar", "45.34"), ("Rounding", "Adjustment", "~01"),
                     ("Rounding", "45.35"))
