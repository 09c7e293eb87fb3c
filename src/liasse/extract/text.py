"""Read a PDF's own text layer into positioned words (layer 2 of the cascade).

pypdfium2 gives one box per character; we join characters into words, breaking on
whitespace and on visible gaps, and convert PDF coordinates (origin bottom-left) into the
top-left coordinates that `extract.layout` promises. Only the first `max_pages` pages are
loaded: pdfium opens documents lazily, so a 2,000-page file costs what its first pages cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from liasse.extract.attachment_marks import may_carry_attachments
from liasse.extract.layout import Page, Word
from liasse.extract.sideways import with_sideways_runs_as_lines

# A gap wider than this fraction of the character height starts a new word even without a
# space: PDFs often position words individually and never emit the space character.
_WORD_GAP_RATIO = 0.25
# Bumped whenever the words read from the same bytes change: caches of text layers (the
# benches', the training's) key their entries by it.
TEXT_LAYER_VERSION = 5
# A glyph that its font maps to no character comes out of pdfium as U+FFFE. Fonts subset
# by invoice tools often leave the hyphen unmapped ("Invoice number 8B83747E-0006",
# "Abschlags-Rechnung", "CEN-Financiero"): inside a word, with a letter on at least one
# side, it is read as the hyphen it is there, rather than splitting the word in two.
# Elsewhere (before a figure, between two digits) it may as well be a plus or minus sign
# or a separator, and stays a break.
_UNMAPPED = "\ufffe"
_UNMAPPED_HYPHEN = re.compile(r"(?<=[^\W\d_])\ufffe(?=[^\W_])|(?<=[^\W_])\ufffe(?=[^\W\d_])")


class PdfTextError(Exception):
    """The bytes cannot be opened as a PDF (corrupted, truncated, encrypted, not a PDF)."""


@dataclass(frozen=True)
class TextLayer:
    """The words of the pages read, and how many pages the document has in all."""

    pages: list[Page]
    page_count: int

    @property
    def word_count(self) -> int:
        return sum(len(page.words) for page in self.pages)


def read_text_layer(data: bytes, *, max_pages: int) -> TextLayer:
    """Positioned words of the first `max_pages` pages; raises `PdfTextError` on bad input."""
    import pypdfium2  # local: keeps `import liasse.extract` light for the CLI

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise PdfTextError(_describe_open_error(str(exc))) from exc
    try:
        page_count = len(document)
        pages = [_read_page(document, index) for index in range(min(page_count, max_pages))]
    finally:
        document.close()
    return TextLayer(pages=pages, page_count=page_count)


def _describe_open_error(message: str) -> str:
    lowered = message.lower()
    if "password" in lowered:
        return "the PDF is encrypted with a password"
    if "format" in lowered or "file" in lowered:
        return f"not a readable PDF ({message})"
    return f"the PDF cannot be opened ({message})"


def _read_page(document: object, index: int) -> Page:
    page = document[index]  # type: ignore[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            words = with_sideways_runs_as_lines(_words_of(textpage, height), height)
        finally:
            textpage.close()
    finally:
        page.close()
    return Page(number=index + 1, width=float(width), height=float(height), words=words)


def _words_of(textpage: object, page_height: float) -> list[Word]:
    """Characters joined into words: a word ends at whitespace, at a new line (no vertical
    overlap) or at a visible gap. The loop is written flat because it runs once per
    character of every page (tens of thousands per document): calls cost more than work."""
    import ctypes  # local: see read_text_layer

    import pypdfium2.raw as pdfium_c  # local: see read_text_layer

    raw_page = textpage.raw  # type: ignore[attr-defined]
    text = _page_characters(pdfium_c, raw_page)
    if _UNMAPPED in text:
        text = _UNMAPPED_HYPHEN.sub("-", text)
    # What ends a word without a box being asked for, decided once per distinct character.
    breaks = {char for char in set(text) if char.isspace() or not char.isprintable()}
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    # The box's four floats (left, top, right, bottom) read in one go, not field by field.
    box = memoryview(rect).cast("B").cast("f")
    char_box = _unchecked(pdfium_c, "FPDFText_GetLooseCharBox")
    raw_page = ctypes.c_void_p(ctypes.cast(raw_page, ctypes.c_void_p).value)
    words: list[Word] = []
    chars: list[str] = []
    x0 = x1 = top = bottom = 0.0
    for index, char in enumerate(text):
        # The loose box spans the glyph's advance width, so the gap to the next glyph is
        # the real spacing whatever the ink of "1" or "." looks like.
        if char in breaks or not char_box(raw_page, index, rect_ref):
            if chars:
                words.append(Word("".join(chars), x0, page_height - top, x1,
                                  page_height - bottom))
                chars = []
            continue
        left, char_top, right, char_bottom = box
        if chars:
            # Comparisons written out, not min/max: the same results without four calls.
            height = char_top - char_bottom
            if height < 1.0:
                height = 1.0
            gap = left - x1
            if char_bottom < top and char_top > bottom and -height < gap < height * _WORD_GAP_RATIO:
                chars.append(char)
                if left < x0:
                    x0 = left
                if right > x1:
                    x1 = right
                if char_top > top:
                    top = char_top
                if char_bottom < bottom:
                    bottom = char_bottom
                continue
            words.append(Word("".join(chars), x0, page_height - top, x1, page_height - bottom))
        chars = [char]
        x0, x1, top, bottom = left, right, char_top, char_bottom
    if chars:
        words.append(Word("".join(chars), x0, page_height - top, x1, page_height - bottom))
    return words


_UNCHECKED: dict[str, Any] = {}


def _unchecked(pdfium_c: Any, name: str) -> Any:
    """pdfium's C function `name`, called without ctypes checking and converting its
    arguments (two thirds of the cost of a call made once per character): its callers pass
    exactly the C types it takes, a `c_void_p` for a pointer, a Python int for an `int`, a
    `byref` for an out-parameter."""
    import ctypes  # local: see read_text_layer

    if name in _UNCHECKED:
        return _UNCHECKED[name]
    function = getattr(pdfium_c, name)
    unchecked = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
    unchecked.argtypes = None
    unchecked.restype = function.restype
    _UNCHECKED[name] = unchecked
    return unchecked


def _page_characters(pdfium_c: Any, raw_page: object) -> str:
    """The page's characters, one per pdfium character index, read in one call. A page
    whose text does not map one code point to one index (a rare glyph outside the Basic
    Multilingual Plane written as two units) is read character by character instead."""
    import ctypes  # local: see read_text_layer

    count = pdfium_c.FPDFText_CountChars(raw_page)
    if count <= 0:
        return ""
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = pdfium_c.FPDFText_GetText(raw_page, 0, count,
                                        ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[:max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(text) == count:
        return text
    return "".join(chr(pdfium_c.FPDFText_GetUnicode(raw_page, index) or 32)
                   for index in range(count))


@dataclass(frozen=True)
class PdfRequest:
    data: bytes
    max_pages: int
    use_einvoice: bool


@dataclass(frozen=True)
class ParsedPdf:
    """All the cascade needs from the PDF bytes, computed in one go in the worker process."""

    pages: list[Page]
    page_count: int
    einvoice: object | None  # an `einvoice.EInvoiceReading`; typed loosely to keep it lazy
    warnings: list[str]
    error: str | None = None


def parse_pdf(request: PdfRequest) -> ParsedPdf:
    """The embedded e-invoice (if wanted) and the text layer; errors are returned, not raised.

    The attachment scanner (pypdf, then the e-invoice reader) runs only on a PDF that may
    carry an attachment (`extract.attachment_marks`), or that pdfium cannot open: the
    scanner then says what is wrong with it, in the warnings, as it always did.
    """
    try:
        layer = read_text_layer(request.data, max_pages=request.max_pages)
    except PdfTextError as exc:
        warnings = _embedded_einvoice(request)[1] if request.use_einvoice else []
        return ParsedPdf([], 0, None, warnings, str(exc))
    einvoice, warnings = (_embedded_einvoice(request) if request.use_einvoice
                          and may_carry_attachments(request.data) else (None, []))
    return ParsedPdf(layer.pages, layer.page_count, einvoice, warnings)


def _embedded_einvoice(request: PdfRequest) -> tuple[object | None, list[str]]:
    # Deferred: the e-invoice reader (lxml) and the attachment scanner (pypdf) are paid by
    # the PDFs that may carry an attachment, not by every reading of a born-digital PDF.
    from liasse.extract.einvoice import read_embedded_einvoice

    embedded = read_embedded_einvoice(request.data)
    return embedded.reading, list(embedded.warnings)
