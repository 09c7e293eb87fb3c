"""Amounts a supplier prints with no label (a row of totals under the table's column
heads): the row is the page's last line of amounts however many items push it down, and
it decides only when its amounts add up."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Engine

from liasse.app import learning
from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page, Word
from liasse.extract.memory import SupplierMemory
from liasse.store import repo as store_repo
from liasse.store.db import make_session_factory
from liasse.store.memory_repo import MemoryRepo
from liasse.store.suppliers_repo import SupplierRepo

SURE = 0.85
_COLUMNS = (220.0, 330.0, 440.0)  # net, tax, total


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 7.0 * len(text), y + 10.0) for text, x in parts]


def _invoice(items: list[str], number: str, *, total: str | None = None) -> list[Page]:
    """Items priced net, 20 % tax each, then an unlabelled row: net, tax, total."""
    words = [*_line(40, ("Acme", 40), ("Outillage", 80), ("SAS", 150)),
             *_line(60, ("Invoice", 400), (number, 460)),
             *_line(80, ("Date:", 400), ("03/02/2025", 440)),
             *_line(120, ("Item", 40), ("Net", 220), ("Tax", 330), ("Gross", 440))]
    net = tax = Decimal(0)
    for index, price in enumerate(items):
        item_tax = (Decimal(price) * Decimal("0.2")).quantize(Decimal("0.01"))
        net, tax = net + Decimal(price), tax + item_tax
        words += _line(140 + 20 * index, (f"Article{index}", 40), (price, _COLUMNS[0]),
                       (str(item_tax), _COLUMNS[1]), (str(Decimal(price) + item_tax),
                                                      _COLUMNS[2]))
    row = 160 + 20 * len(items)
    words += _line(row, (str(net), _COLUMNS[0]), (str(tax), _COLUMNS[1]),
                   (total or str(net + tax), _COLUMNS[2]))
    words += _line(row + 60, ("Thank", 40), ("you", 90))
    return [Page(1, 600.0, 800.0, words)]


def _taught(engine: Engine, pages: list[Page], sets: dict[str, str]
            ) -> tuple[SupplierMemory, ...]:
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, pages,
                             read_document(pages).fields,
                             {"supplier_name": "Acme Outillage SAS", **sets})
        return tuple(memories.memories())


def test_the_unlabelled_totals_row_is_read_again_when_its_amounts_add_up(
        engine: Engine) -> None:
    first = _invoice(["10.00", "20.00", "5.00"], "1001")
    taught = _taught(engine, first, {"net_amount": "35.00", "tax_amount": "7.00",
                                     "total_amount": "42.00"})
    later = _invoice(["15.00", "12.50", "30.00", "7.50", "40.00", "3.00"], "1002")
    fields = read_document(later, memories=taught).fields
    assert (fields["net_amount"].value, fields["tax_amount"].value,
            fields["total_amount"].value) == ("108.00", "21.60", "129.60")
    assert fields["total_amount"].confidence >= SURE
    assert "column and row" in fields["total_amount"].evidence


def test_an_unlabelled_row_that_does_not_add_up_lifts_nothing(engine: Engine) -> None:
    """A misread total in the row: its place alone is no reason to be sure of it."""
    first = _invoice(["10.00", "20.00", "5.00"], "1001")
    taught = _taught(engine, first, {"net_amount": "35.00", "tax_amount": "7.00",
                                     "total_amount": "42.00"})
    later = _invoice(["15.00", "12.50", "30.00"], "1002", total="68.40")
    plain = read_document(later).fields["total_amount"]
    learned = read_document(later, memories=taught).fields["total_amount"]
    assert learned.confidence < SURE
    assert learned.confidence <= max(plain.confidence, 0.7)


def _slip(date: str, items: int, *, ocr: float = 0.98, height: float = 800.0) -> list[Page]:
    """A till slip printing its date bare, between the till's codes, above the items."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 90), ("SDN", 130), ("BHD", 160)),
             *_line(60, ("INVOICE", 40), ("NO:", 100), ("18341/103/T0138", 130)),
             *_line(80, ("09:06PM", 40), ("569547", 110), (date, 300))]
    for index in range(items):
        words += _line(120 + 20 * index, (f"ITEM{index}", 40), ("RM1.00", 300))
    row = 140 + 20 * items
    words += _line(row, ("Total", 40), ("Sales", 80), (f"{items}.00", 300))
    words += _line(row + 40, ("Thank", 40), ("you", 90))
    return [Page(1, 600.0, height, [Word(w.text, w.x0, w.y0, w.x1, w.y1, ocr) for w in words])]


def _slip_memory(engine: Engine, height: float = 800.0) -> tuple[SupplierMemory, ...]:
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        first = _slip("19-03-18", 1, height=height)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, first,
                             read_document(first).fields,
                             {"supplier_name": "KEDAI MAJU SDN BHD", "issue_date": "2018-03-19"})
        return tuple(memories.memories())


def test_a_bare_date_at_its_place_the_reader_chose_too_is_sure(engine: Engine) -> None:
    """The one date in the supplier's shape where its confirmed one sat, the reader's own
    choice, OCR sure of it: two readings agree."""
    taught = _slip_memory(engine)
    later = _slip("03-02-18", 3)
    plain = read_document(later).fields["issue_date"]
    learned = read_document(later, memories=taught).fields["issue_date"]
    assert plain.value == learned.value == "2018-02-03"
    assert plain.confidence < SURE <= learned.confidence
    assert "place of the supplier's confirmed date" in learned.evidence


def test_a_bare_date_ocr_hesitated_on_stays_for_review(engine: Engine) -> None:
    taught = _slip_memory(engine)
    learned = read_document(_slip("03-02-18", 3, ocr=0.6), memories=taught).fields
    assert learned["issue_date"].confidence < SURE


def test_a_bare_date_keeps_its_header_lines_on_a_longer_slip(engine: Engine) -> None:
    """Twenty items make the slip four times as tall: the date's share of the page moves,
    its lines above it do not."""
    taught = _slip_memory(engine, height=220.0)
    learned = read_document(_slip("03-02-18", 20), memories=taught).fields["issue_date"]
    assert learned.value == "2018-02-03"
    assert "place of the supplier's confirmed date" in learned.evidence


def _footer_slip(date: str, items: int, summary_x: float) -> list[Page]:
    """A slip printing its date bare in its footer, under the tax summary's line."""
    words = [*_line(40, ("KEDAI", 40), ("MAJU", 90), ("SDN", 130), ("BHD", 160)),
             *_line(60, ("TAX", 40), ("INVOICE", 80))]
    for index in range(items):
        words += _line(100 + 20 * index, (f"ITEM{index}", 40), ("1.00", 300))
    row = 120 + 20 * items
    words += _line(row, ("TOTAL", 40), (f"{items}.00", 300))
    words += _line(row + 20, ("GST", summary_x), ("S@6%", summary_x + 30), ("0.36", 300))
    words += _line(row + 40, (date, 40), ("7:23", 110), ("SH01", 150))
    words += _line(row + 60, ("THANK", 40), ("YOU", 90))
    return [Page(1, 600.0, 800.0, [Word(w.text, w.x0, w.y0, w.x1, w.y1, 0.98)
                                   for w in words])]


def test_a_date_under_another_line_than_the_confirmed_one_is_found_at_its_place(
        engine: Engine) -> None:
    """The confirmed date sat under the tax summary's words; the next slip prints them
    elsewhere on that line: the date is where the supplier prints it all the same."""
    with make_session_factory(engine).begin() as session:
        workspace = store_repo.create_workspace(session, "w", "W")
        memories = MemoryRepo(session, workspace.id)
        first = _footer_slip("19-09-17", 2, 40.0)
        learning.learn_pages(SupplierRepo(session, workspace.id), memories, first,
                             read_document(first).fields,
                             {"supplier_name": "KEDAI MAJU SDN BHD", "issue_date": "2017-09-19"})
        taught = tuple(memories.memories())
    assert taught[0].hints["issue_date"].anchor is not None
    assert taught[0].hints["issue_date"].anchor.label.startswith("^")
    learned = read_document(_footer_slip("02-03-18", 4, 200.0), memories=taught).fields
    assert learned["issue_date"].value == "2018-03-02"
    assert "place of the supplier's confirmed date" in learned["issue_date"].evidence
