"""A date OCR broke apart on a slip, read after the supplier's own date label in the order
of day, month and year its confirmed date was printed in; for a person to check."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page, Word
from liasse.extract.memory.dates import printed_order
from slips import taught_slip

SURE = 0.85


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0, 0.9) for text, x in parts]


def _slip(*date: tuple[str, float]) -> list[Page]:
    words = [*_line(40, ("RESTORAN", 40), ("WAN", 118), ("SHENG", 150)),
             *_line(60, ("JALAN", 40), ("BESAR", 86), ("KUALA", 134), ("LUMPUR", 182)),
             *_line(80, ("Date", 40), (":", 76), *date),
             *_line(120, ("TEH", 40), ("TARIK", 70), ("2.40", 400)),
             *_line(160, ("TOTAL", 40), ("2.40", 400)),
             *_line(300, ("THANK", 40), ("YOU", 86))]
    return [Page(1, 600.0, 800.0, words)]


def test_the_order_of_day_month_and_year_is_the_printed_ones() -> None:
    assert printed_order("21-03-2018 16:08:24", "2018-03-21") == "dmy"
    assert printed_order("03/21/2018", "2018-03-21") == "mdy"
    assert printed_order("2018.03.21", "2018-03-21") == "ymd"
    assert printed_order("03-03-2018", "2018-03-03") == ""  # day or month: no telling
    assert printed_order("21 Mar 2018", "2018-03-21") == ""


def test_a_date_ocr_scattered_is_read_in_the_suppliers_order(engine: Engine) -> None:
    taught = taught_slip(engine, _slip(("21-03-2018", 88), ("16:08:24", 176)), "2.40",
                         date="2018-03-21")
    scattered = _slip(("18-", 88), ("-06-", 114), ("2018", 150), ("16:15", 190))
    plain = read_document(scattered, layer="ocr").fields["issue_date"]
    learned = read_document(scattered, layer="ocr", memories=taught).fields["issue_date"]
    assert plain.value is None
    assert learned.value == "2018-06-18"
    assert learned.confidence < SURE
    broken = _slip(("04-00-2701", 88))  # no date in any order: nothing offered
    assert read_document(broken, layer="ocr", memories=taught).fields["issue_date"].value \
        is None
