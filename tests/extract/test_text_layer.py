"""The pypdfium2 text layer: words with top-left positions, page limits, unreadable PDFs."""

from __future__ import annotations

import io

import pypdfium2
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from liasse.extract.text import PdfRequest, PdfTextError, parse_pdf, read_text_layer
from liasse.extract.warm_up import pdf_of_objects


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


def pdf_with_an_unmapped(lines: list[str], unmapped: str = "-") -> bytes:
    """A page of `lines` in a font whose ToUnicode maps the glyph of `unmapped` to U+0000,
    as Chrome's PDFs map the hyphen a font's case-sensitive forms drew between capitals and
    figures (Stripe's invoices in Inter): pdfium then gives U+FFFE for it."""
    chars = sorted({char for line in lines for char in line})
    cid = {char: number for number, char in enumerate(chars, start=1)}
    mappings = " ".join(f"<{cid[c]:04X}> <{0 if c == unmapped else ord(c):04X}>" for c in chars)
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap "
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            "1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(chars)} beginbfchar {mappings} endbfchar endcmap "
            "CMapName currentdict /CMap defineresource pop end end").encode()
    text = "".join(f"BT /F1 10 Tf 1 0 0 1 40 {800 - 20 * row} Tm "
                   f"<{''.join(f'{cid[char]:04X}' for char in line)}> Tj ET\n"
                   for row, line in enumerate(lines)).encode()
    return pdf_of_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Helvetica /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Helvetica /CIDSystemInfo "
        b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 "
        b"/FontDescriptor 8 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
        b"<< /Type /FontDescriptor /FontName /Helvetica /Flags 32 /FontBBox [0 -200 1000 900] "
        b"/ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>"])


def test_a_glyph_mapped_to_no_character_inside_a_word_is_its_hyphen() -> None:
    """"Invoice number 8B83747E-0006" came out as "8B83747E" and "0006", and the number was
    read as "0006". Beside a letter the unmapped glyph is a hyphen; before a figure or
    between two it may be a sign or a separator, and the word stays cut there."""
    data = pdf_with_an_unmapped(["Invoice number 8B83747E-0006", "Abschlags-Rechnung",
                                 "Total -12,00 3-4"])
    assert "\ufffe" in pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()
    words = [word.text for word in read_text_layer(data, max_pages=1).pages[0].words]
    assert words == ["Invoice", "number", "8B83747E-0006", "Abschlags-Rechnung",
                     "Total", "12,00", "3", "4"]


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<"])
def test_unreadable_bytes_raise_a_pdf_text_error(data: bytes) -> None:
    with pytest.raises(PdfTextError):
        read_text_layer(data, max_pages=5)


def test_parse_pdf_returns_errors_instead_of_raising() -> None:
    parsed = parse_pdf(PdfRequest(b"%PDF-1.4 garbage", max_pages=5, use_einvoice=True))
    assert parsed.error is not None and parsed.pages == []
