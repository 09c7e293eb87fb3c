"""Where a confirmed value sat: the label words a person would point at, never a currency
mark or an empty line above."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy import Engine

from liasse.app import learning
from liasse.extract.candidates import all_candidates
from liasse.extract.fields.document import read_document
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page, Word
from liasse.extract.memory import anchor_of
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo
from slips import taught_slip


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0) for text, x in parts]


def _anchor_of_amount(words: list[Word], value: str) -> str:
    layout = build_layout([Page(1, 600.0, 800.0, words)])
    (candidate,) = [c for c in all_candidates(layout)["amount"] if c.value == value]
    return anchor_of(layout, candidate).label


def test_a_currency_mark_before_the_amount_is_not_its_label() -> None:
    words = [*_line(100, ("ACME", 40)),
             *_line(300, ("TOTAL", 40), ("RM", 400), ("12.50", 430))]
    assert _anchor_of_amount(words, "12.50") == "total"


def test_the_label_keeps_its_words_without_the_currency() -> None:
    words = [*_line(100, ("ACME", 40)), *_line(300, ("Total", 40), ("EUR", 90),
                                              ("12.50", 130))]
    assert _anchor_of_amount(words, "12.50") == "total"


def test_a_line_above_with_no_words_is_no_anchor() -> None:
    words = [*_line(100, ("ACME", 40)), *_line(280, ("----", 400)),
             *_line(300, ("12.50", 400))]
    assert _anchor_of_amount(words, "12.50") == ""


def _receipt(prices: list[str], date: str) -> list[Word]:
    """A till slip: the shop, its items, then the total under them (lower when longer)."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(60, ("JALAN", 40), ("BESAR", 100), ("KUALA", 160), ("LUMPUR", 220)),
             *_line(80, ("Date:", 40), (date, 100))]
    for index, price in enumerate(prices):
        words += _line(120 + 30 * index, (f"ITEM{index}", 40), (price, 400))
    total_y = 140 + 30 * len(prices)
    total = str(sum(Decimal(price) for price in prices))
    return [*words, *_line(total_y, ("TOTAL", 40), (total, 400)),
            *_line(total_y + 20, ("THANK", 40), ("YOU", 100))]


def test_an_amount_after_the_confirmed_label_that_the_reader_chose_too_is_sure(
        engine: Engine) -> None:
    """The same supplier's next, longer receipt: its total moved down the page, it still
    follows the label the person confirmed, and the reader chose it by itself."""
    first = [Page(1, 600.0, 800.0, _receipt(["6.00", "6.50"], "12/03/2018"))]
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        suppliers = SupplierRepo(session, workspace.id)
        memories = MemoryRepo(session, workspace.id)
        fields = read_document(first).fields
        learning.learn_pages(suppliers, memories, first, fields, {
            "supplier_name": "KEDAI MAJU SDN BHD", "total_amount": "12.50",
            "issue_date": "2018-03-12"})
        taught = tuple(memories.memories())
    prices = ["0.70", "1.10", "0.90", "2.40", "0.60", "1.50", "3.20", "0.80", "1.30", "2.00",
              "0.50", "1.70", "0.90", "2.20", "1.10"]
    later = [Page(1, 600.0, 800.0, _receipt(prices, "19/04/2018"))]
    plain, learned = read_document(later).fields, read_document(later, memories=taught).fields
    assert plain["total_amount"].value == learned["total_amount"].value == "20.90"
    assert learned["total_amount"].confidence >= 0.85 > plain["total_amount"].confidence
    assert "as confirmed 1×" in learned["total_amount"].evidence


def _confirmed_total_anchor(engine: Engine, words: list[Word], total: str) -> str:
    pages = [Page(1, 600.0, 800.0, words)]
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, pages,
                             read_document(pages).fields,
                             {"supplier_name": "KEDAI MAJU SDN BHD", "total_amount": total})
        (memory,) = memories.memories()
    anchor = memory.hints["total_amount"].anchor
    return anchor.label if anchor is not None else ""


def test_a_total_is_anchored_on_its_total_line_not_the_amount_column_or_the_cash(
        engine: Engine) -> None:
    """One item priced as the whole slip, under an "Amount" column header, and the cash
    handed over equal to it: the total line is where the next slips print their total."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(100, ("Item", 40), ("Amount", 400)),
             *_line(120, ("PAPAN", 40), ("127.20", 400)),
             *_line(160, ("Total", 40), ("Sales:", 86), ("127.20", 142)),
             *_line(180, ("CASH", 40), ("127.20", 142)),
             *_line(200, ("CHANGE", 40), ("0.00", 142))]
    assert _confirmed_total_anchor(engine, words, "127.20") == "total sales"


def _rounded_slip(subtotal: str, rounding: str, total: str) -> list[Page]:
    """A till slip whose OCR glued the currency to the rounded total ("INR7.70"): a code the
    page's reader does not start an amount with ("RM7.70" it now reads itself)."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(100, ("Nasi", 40), ("Lemak", 86), (subtotal, 400)),
             *_line(140, ("Total", 40), ("Amount:", 86), (subtotal, 150)),
             *_line(160, ("Rounding:", 40), (rounding, 124)),
             *_line(180, ("Nett", 40), ("Total:", 78), (f"INR{total}", 134)),
             *_line(220, ("THANK", 40), ("YOU", 100))]
    return [Page(1, 600.0, 800.0, words)]


def test_a_total_glued_to_its_currency_is_read_after_the_confirmed_label(
        engine: Engine) -> None:
    first = _rounded_slip("7.72", "-0.02", "7.70")
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, first,
                             read_document(first).fields,
                             {"supplier_name": "KEDAI MAJU SDN BHD", "total_amount": "7.70"})
        taught = tuple(memories.memories())
    later = _rounded_slip("8.48", "0.02", "8.50")
    plain = read_document(later).fields["total_amount"]
    learned = read_document(later, memories=taught).fields["total_amount"]
    # The plain reader may find it too (the total worked out from the rounding line); the
    # memory's reading says where the person confirmed it.
    assert learned.value == "8.50"
    assert "nett total" in learned.evidence
    assert learned.confidence >= plain.confidence


def _dollar_slip(total: str, mark: str = "S") -> list[Page]:
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(100, ("Nasi", 40), ("Lemak", 86), (f"{mark}{total}", 400)),
             *_line(140, ("Total", 40), ("Amount:", 86), (f"{mark}{total}", 150)),
             *_line(160, ("GST@6%:", 40), (f"{mark}0.46", 124)),
             *_line(180, ("Nett", 40), ("Total:", 78), (f"{mark}{total}", 134)),
             *_line(200, ("CASH", 40), (f"${total}", 134)),
             *_line(220, ("THANK", 40), ("YOU", 100))]
    return [Page(1, 600.0, 800.0, words)]


def test_a_total_whose_dollar_ocr_read_as_s_is_anchored_on_its_total_line(
        engine: Engine) -> None:
    """"Nett Total: S8.20": the confirmed total's only readable printing is the cash
    handed over; the S before the price is OCR's dollar sign, and the total line is where
    the next slips print their total."""
    words = _dollar_slip("8.20")[0].words
    assert _confirmed_total_anchor(engine, words, "8.20") == "nett total"


def _sales_slip(total: str, rounding: tuple[str, str] | None = None) -> list[Page]:
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(100, ("Roti", 40), ("Canai", 86), (total, 400)),
             *_line(140, ("Total", 40), ("Sales", 86), ("(Incl", 134), ("GST)", 182),
                    (total, 400))]
    if rounding is not None:
        words += [*_line(160, ("Rounding", 40), ("Adj", 112), (rounding[0], 400)),
                  *_line(180, (rounding[1], 400))]
    return [Page(1, 600.0, 800.0, [*words, *_line(220, ("THANK", 40), ("YOU", 100))])]


def test_the_paid_total_after_rounding_beats_the_confirmed_labels_sum(
        engine: Engine) -> None:
    """The confirmed slip needed no rounding, its total sat after "Total Sales"; the next
    one's "Total Sales" is the sum before rounding to five cents, paid below it."""
    first = _sales_slip("11.40")
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, first,
                             read_document(first).fields,
                             {"supplier_name": "KEDAI MAJU SDN BHD", "total_amount": "11.40"})
        taught = tuple(memories.memories())
    later = _sales_slip("45.34", ("0.01", "45.35"))
    assert read_document(later, memories=taught).fields["total_amount"].value == "45.35"
    exact = _sales_slip("45.30")
    assert read_document(exact, memories=taught).fields["total_amount"].value == "45.30"


def _bakery_slip(total: str, *, extra: tuple[str, str] | None = None,
                 ocr: float = 0.9) -> list[Page]:
    """A slip whose totals block ends with "Total Payable", after two other totals; its
    words OCR'd (`ocr`) or from a text layer (1.0)."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(60, ("JALAN", 40), ("BESAR", 100), ("KUALA", 160), ("LUMPUR", 220)),
             *_line(120, ("ROTI", 40), ("PUTIH", 86), ("6.39", 400)),
             *_line(140, ("Total", 40), ("supplies", 86), ("(excl.", 156), ("GST):", 210),
                    ("13.68", 400)),
             *_line(160, ("Total", 40), ("supplies", 86), ("(inc.", 156), ("GST):", 202),
                    ("14.50", 400)),
             *_line(180, ("Total", 40), ("Payable:", 86), (total, 400))]
    if extra is not None:
        words += _line(200, (extra[0], 40), ("Total:", 86), (extra[1], 400))
    words += _line(300, ("THANK", 40), ("YOU", 100))
    return [Page(1, 600.0, 800.0, [replace(word, confidence=ocr) for word in words])]


def test_a_total_ocr_could_not_read_is_remembered_at_its_label(engine: Engine) -> None:
    """The person confirmed 94.19 where OCR printed "p49": the one total label with no
    amount read after it is where the supplier prints its total."""
    taught = taught_slip(engine, _bakery_slip("p49"), "94.19")
    (memory,) = taught
    anchor = memory.hints["total_amount"].anchor
    assert anchor is not None and anchor.label == "total payable"
    later = read_document(_bakery_slip("27.10"), layer="ocr", memories=taught)
    assert later.fields["total_amount"].value == "27.10"
    assert "as confirmed" in later.fields["total_amount"].evidence


def test_two_totals_ocr_could_not_read_leave_no_anchor(engine: Engine) -> None:
    taught = taught_slip(engine, _bakery_slip("p49", extra=("Grand", "~~")), "94.19")
    (memory,) = taught
    assert memory.hints["total_amount"].anchor is None


def test_a_text_layers_total_label_with_no_amount_is_no_anchor(engine: Engine) -> None:
    """A text layer prints what there is: a total label with no amount after it is a
    heading, not a total misread."""
    (memory,) = taught_slip(engine, _bakery_slip("p49", ocr=1.0), "94.19")
    assert memory.hints["total_amount"].anchor is None


def _unlabelled_date_slip(date: str, *, other_date: str | None = None) -> list[Page]:
    """A slip that prints its date alone on a line under its tax summary, no label; an
    `other_date` is printed bare too (a validity label would rule it out as a date)."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 86), ("SDN", 126), ("BHD", 158)),
             *_line(60, ("JALAN", 40), ("BESAR", 86), ("KUALA", 134), ("LUMPUR", 182)),
             *_line(120, ("ROTI", 40), ("PUTIH", 86), ("6.40", 400)),
             *_line(160, ("TOTAL", 40), ("6.40", 400)),
             *_line(200, (date, 40), ("18:18", 130))]
    if other_date is not None:
        words += _line(240, (other_date, 40), ("18:20", 130))
    return [Page(1, 600.0, 800.0, words)]


def test_the_pages_only_date_two_digits_misread_is_where_the_date_sits(
        engine: Engine) -> None:
    """OCR read 06/02/2016 for the confirmed 06/03/2018, with no label before it: the
    slip's only date is the confirmed one's place. Two dates on the page: no guess."""
    (memory,) = taught_slip(engine, _unlabelled_date_slip("06/02/2016"), "6.40",
                            date="2018-03-06")
    anchor = memory.hints["issue_date"].anchor
    assert anchor is not None and anchor.shape == "9/9/9"
    assert anchor.label == "^total"
    later = read_document(_unlabelled_date_slip("12/04/2018"), layer="ocr",
                          memories=(memory,)).fields["issue_date"]
    assert later.value == "2018-04-12"
    assert "as confirmed" in later.evidence


def test_a_misread_date_among_two_dates_leaves_no_anchor(engine: Engine) -> None:
    (memory,) = taught_slip(engine, _unlabelled_date_slip("06/02/2016", other_date="06/09/2018"),
                            "6.40", date="2018-03-06")
    assert memory.hints["issue_date"].anchor is None
