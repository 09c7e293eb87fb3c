"""A date OCR broke apart on a slip, read after the supplier's own date label in the order
of day, month and year its confirmed date was printed in; for a person to check."""

from __future__ import annotations

from sqlalchemy import Engine

from liasse.extract.fields.document import read_document
from liasse.extract.layout import Page, Word
from liasse.extract.memory.dates import printed_order
from liasse.extract.ranking import AMBIGUOUS_CEILING
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


def test_a_date_that_reads_two_ways_reads_one_way_in_the_suppliers_order(
        engine: Engine) -> None:
    """"09/03/2018" on an English slip is the 9th of March or the 3rd of September, never
    sure; the supplier's confirmed "21/03/2018" says it prints the day first, and the
    reader's own reading is then as sure as a date that reads one way."""
    taught = taught_slip(engine, _slip(("21/03/2018", 88)), "2.40", date="2018-03-21")
    ambiguous = _slip(("09/03/2018", 88))
    plain = read_document(ambiguous, layer="ocr").fields["issue_date"]
    learned = read_document(ambiguous, layer="ocr", memories=taught).fields["issue_date"]
    assert plain.value == learned.value == "2018-03-09"
    assert plain.confidence <= AMBIGUOUS_CEILING < learned.confidence
    assert "order of day, month and year: dmy" in learned.evidence


def test_a_date_read_against_the_suppliers_order_stays_unsure(engine: Engine) -> None:
    """A supplier that prints the month first ("03/21/2018"): the reader's 9th of March
    from "09/03/2018" is not how this supplier writes it, and stays for a person."""
    taught = taught_slip(engine, _slip(("03/21/2018", 88)), "2.40", date="2018-03-21")
    ambiguous = _slip(("09/03/2018", 88))
    learned = read_document(ambiguous, layer="ocr", memories=taught).fields["issue_date"]
    assert learned.confidence <= AMBIGUOUS_CEILING
