"""The pypdfium2 text layer: words with top-left positions, page limits, unreadable PDFs."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from liasse.extract.text import PdfRequest, PdfTextError, parse_pdf, read_text_layer


def pdf_with(texts: list[tuple[float, float, str]], pages: int = 1) -> bytes:
    """A4 pages drawing each text at (x, y-from-top)."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    for page in range(pages):
        sheet.setFont("Helvetica", 10)
        for x, y, text in texts:
            sheet.drawString(x, A4[1] - y, text.replace("{page}", str(page + 1)))
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def test_words_carry_their_text_and_top_left_position() -> None:
    layer = read_text_layer(pdf_with([(50, 100, "Total TTC 1 500,00 €"), (300, 400, "Hello")]),
                            max_pages=5)
    words = layer.pages[0].words
    assert [w.text for w in words] == ["Total", "TTC", "1", "500,00", "€", "Hello"]
    total = words[0]
    assert 49 <= total.x0 <= 51 and total.x1 > total.x0
    assert 88 <= total.y0 < 100 < total.y1 <= 104  # y grows downwards from the top
    assert words[-1].x0 == pytest.approx(300, abs=1.5) and words[-1].y0 > total.y0


def test_characters_placed_apart_without_spaces_are_separate_words() -> None:
    layer = read_text_layer(pdf_with([(50, 100, "Qty"), (120, 100, "12,50")]), max_pages=1)
    assert [w.text for w in layer.pages[0].words] == ["Qty", "12,50"]


def test_only_the_first_max_pages_are_read_but_all_are_counted() -> None:
    layer = read_text_layer(pdf_with([(50, 100, "Page {page}")], pages=12), max_pages=3)
    assert layer.page_count == 12
    assert [page.number for page in layer.pages] == [1, 2, 3]
    assert layer.pages[2].words[1].text == "3"


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<"])
def test_unreadable_bytes_raise_a_pdf_text_error(data: bytes) -> None:
    with pytest.raises(PdfTextError):
        read_text_layer(data, max_pages=5)


def test_parse_pdf_returns_errors_instead_of_raising() -> None:
    parsed = parse_pdf(PdfRequest(b"%PDF-1.4 garbage", max_pages=5, use_einvoice=True))
    assert parsed.error is not None and parsed.pages == []
