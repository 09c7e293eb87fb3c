"""A slip's header keeps its lines when the slip grows: a value as many lines from the top
as the confirmed one is at its place, whatever share of the (longer) page that is."""

from __future__ import annotations

from dataclasses import replace

from liasse.extract.candidates import all_candidates
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page, Word
from liasse.extract.memory import Anchor, anchor_of


def _line(y: float, *parts: tuple[str, float], ocr: float = 0.96) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0, ocr) for text, x in parts]


def _slip(items: int, date: str, *, date_ocr: float, pages: int = 1) -> list[Page]:
    """A till slip as tall as its items: the date on the header's fourth line, another
    (when it was printed) at its foot."""
    words = [*_line(20, ("KEDAI", 40), ("MAJU", 100), ("SDN", 150), ("BHD", 190)),
             *_line(40, ("JALAN", 40), ("BESAR", 100), ("KUALA", 160), ("LUMPUR", 220)),
             *_line(60, ("TEL", 40), ("03-4021", 80)),
             *_line(80, ("Tarikh:", 300)), *_line(80, (date, 362), ocr=date_ocr)]
    for index in range(items):
        words += _line(110 + 20 * index, (f"ITEM{index}", 40), ("1.00", 400))
    bottom = 120 + 20 * items
    words += [*_line(bottom, ("TOTAL", 40), (f"{items}.00", 400)),
              *_line(bottom + 20, ("THANK", 40), ("YOU", 100)),
              *_line(bottom + 40, ("Printed", 40), ("20/04/2018", 110))]
    first = Page(1, 600.0, bottom + 60.0, words)
    return [first, *(Page(n, 600.0, 800.0, _line(40, ("Page", 40), (str(n), 90)))
                     for n in range(2, pages + 1))]


def _date_anchor(pages: list[Page]) -> Anchor:
    layout = build_layout(pages)
    (date,) = [c for c in all_candidates(layout)["date"] if c.segment.words[c.word].x0 > 300]
    return anchor_of(layout, date)


def test_a_date_on_the_confirmed_header_line_of_a_longer_slip_is_at_its_place() -> None:
    confirmed = _date_anchor(_slip(3, "12/03/2018", date_ocr=0.96))
    later = _date_anchor(_slip(30, "19/04/2018", date_ocr=0.8))
    assert abs(later.y - confirmed.y) > 0.08  # as a share of the page, it moved
    assert later.lines_above == confirmed.lines_above
    assert later.near(confirmed)


def test_lines_do_not_count_on_a_document_of_several_pages() -> None:
    """An invoice's pages break where they please: its lines place nothing."""
    confirmed = _date_anchor(_slip(3, "12/03/2018", date_ocr=0.96, pages=2))
    later = _date_anchor(_slip(30, "19/04/2018", date_ocr=0.8, pages=2))
    assert confirmed.lines_above == later.lines_above == -1
    assert not later.near(confirmed)


def test_a_value_lines_away_from_the_confirmed_one_is_elsewhere() -> None:
    confirmed = _date_anchor(_slip(3, "12/03/2018", date_ocr=0.96))
    moved = replace(_date_anchor(_slip(30, "19/04/2018", date_ocr=0.8)),
                    lines_above=confirmed.lines_above + 3)
    assert not moved.near(confirmed)
