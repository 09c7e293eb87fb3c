"""The reader's shortcuts give what the long way gives: each one is checked against it."""

from __future__ import annotations

import ctypes
import io
import random
import string
import unicodedata

import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c
from test_text_layer import pdf_with
from textpages import page_of

from liasse.extract.candidates.context import _context, _has_digit, _label_left, _segments_left_of
from liasse.extract.cascade import ExtractOptions, extract_document
from liasse.extract.fields.geometry import _NON_WORD, build_layout, normalise
from liasse.extract.text import _unchecked
from liasse.extract.warm_up import warm_up_pdf
from processes import python_lines


def _normalised_the_long_way(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    ascii_only = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", ascii_only.lower()).strip()


def test_ascii_text_is_normalised_as_the_unicode_walk_does() -> None:
    rng = random.Random(7)
    texts = [chr(code) for code in range(128)] + [
        "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 40)))
        for _ in range(2000)] + ["Total TTC : 1 500,00", "N°", "Straße", "Échéance"]
    for text in texts:
        assert normalise(text) == _normalised_the_long_way(text)
    assert normalise("Échéance  Straße") == "echeance strasse"


def test_digits_are_found_as_str_isdigit_finds_them() -> None:
    for text in ("", "abc", "Total 12", "x٣", "m²", "Ⅻ", "①", "no digit here", "2026"):
        assert _has_digit(text) == any(char.isdigit() for char in text)


def test_unchecked_character_boxes_are_the_checked_ones() -> None:
    """The text layer calls pdfium's box function without ctypes' argument checks, once per
    character: the same boxes as the checked call, character for character."""
    document = pypdfium2.PdfDocument(pdf_with([(50, 100, "Facture N° 12 du 03/04/2026"),
                                               (300, 400, "Total TTC 1 500,00 €")]))
    try:
        textpage = document[0].get_textpage()
        raw = textpage.raw
        pointer = ctypes.c_void_p(ctypes.cast(raw, ctypes.c_void_p).value)
        checked, unchecked = pdfium_c.FS_RECTF(), pdfium_c.FS_RECTF()
        fast = _unchecked(pdfium_c, "FPDFText_GetLooseCharBox")
        count = pdfium_c.FPDFText_CountChars(raw)
        assert count > 40
        for index in range(count):
            found = pdfium_c.FPDFText_GetLooseCharBox(raw, index, ctypes.byref(checked))
            assert fast(pointer, index, ctypes.byref(unchecked)) == found
            assert (unchecked.left, unchecked.top, unchecked.right, unchecked.bottom) == (
                checked.left, checked.top, checked.right, checked.bottom)
        assert _unchecked(pdfium_c, "FPDFText_GetLooseCharBox") is fast
    finally:
        document.close()


def test_a_segments_left_neighbours_and_label_are_worked_out_once_and_alike() -> None:
    """A table row's values ask for the same left label again: the answer is kept, and is
    the one a first asking gives."""
    layout = build_layout([page_of([(40, 100, "Total TTC"), (300, 100, "120,00 €"),
                                    (450, 100, "EUR")])])
    context = _context(layout)
    segments = list(layout.segments())
    last = segments[-1]
    first = _segments_left_of(context, last)
    assert [s.text for s in first] == ["Total TTC", "120,00 €"]
    assert _segments_left_of(context, last) is first
    label = _label_left(context, last)
    assert label is not None and label.label.role == "total_amount"
    assert _label_left(context, last) is label
    assert _label_left(context, segments[0]) is None


def test_the_warm_up_invoice_is_a_pdf_the_reader_reads_through() -> None:
    """What a reader child reads before its first document must take the paths a real
    invoice takes: a page of words, labels, amounts that add up, a seller's marks."""
    reading = extract_document(warm_up_pdf(), file="warm-up.pdf",
                               options=ExtractOptions(time_limit_seconds=0))
    assert reading.errors == [] and reading.layer == "text"
    values = {name: field.value for name, field in reading.fields.items()}
    assert values["total_amount"] == "3000.00" and values["net_amount"] == "2500.00"
    assert values["invoice_number"] == "FA-2026-0001"
    assert values["supplier_siret"] == "73282932000074"
    assert pypdf.PdfReader(io.BytesIO(warm_up_pdf()), strict=True).pages[0] is not None


def test_a_prepared_reader_has_read_the_warm_up_without_numpy_nor_the_scanner() -> None:
    """The warm-up reads a PDF through the field reader, but leaves what only PDFs with an
    attachment need (pypdf, the e-invoice reader, lxml) for the first of those."""
    probe = ("import sys; from liasse.extract.cascade import prepare_reader; "
             "prepare_reader(None); "
             "print([m for m in ('pypdf', 'lxml', 'liasse.extract.einvoice', 'numpy', 'PIL') "
             "if m in sys.modules], "
             "sys.modules['liasse.extract.fields.geometry'].normalise.cache_info().currsize > 0)")
    assert python_lines(probe) == ["[] True"]
