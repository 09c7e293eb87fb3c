"""Read a PDF's own text layer into positioned words (layer 2 of the cascade).

pypdfium2 gives one box per character; we join characters into words, breaking on
whitespace and on visible gaps, and convert PDF coordinates (origin bottom-left) into the
top-left coordinates that `extract.layout` promises. Only the first `max_pages` pages are
loaded: pdfium opens documents lazily, so a 2,000-page file costs what its first pages cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from liasse.extract.einvoice import read_embedded_einvoice
from liasse.extract.layout import Page, Word

# A gap wider than this fraction of the character height starts a new word even without a
# space: PDFs often position words individually and never emit the space character.
_WORD_GAP_RATIO = 0.25


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
            words = _words_of(textpage, height)
        finally:
            textpage.close()
    finally:
        page.close()
    return Page(number=index + 1, width=float(width), height=float(height), words=words)


@dataclass
class _WordBuilder:
    """Characters collected for the word being built, with their union box."""

    chars: list[str]
    x0: float
    top: float
    x1: float
    bottom: float

    def word(self, page_height: float) -> Word:
        return Word(text="".join(self.chars), x0=self.x0, y0=page_height - self.top,
                    x1=self.x1, y1=page_height - self.bottom)

    def accepts(self, left: float, top: float, bottom: float) -> bool:
        """Same line (vertical overlap) and no visible gap before the new character."""
        char_height = max(top - bottom, 1.0)
        same_line = bottom < self.top and top > self.bottom
        gap = left - self.x1
        return same_line and -char_height < gap < char_height * _WORD_GAP_RATIO

    def extend(self, char: str, left: float, right: float, top: float, bottom: float) -> None:
        self.chars.append(char)
        self.x0, self.x1 = min(self.x0, left), max(self.x1, right)
        self.top, self.bottom = max(self.top, top), min(self.bottom, bottom)


def _words_of(textpage: object, page_height: float) -> list[Word]:
    import pypdfium2.raw as pdfium_c  # local: see read_text_layer

    raw_page = textpage.raw  # type: ignore[attr-defined]
    rect = pdfium_c.FS_RECTF()
    words: list[Word] = []
    current: _WordBuilder | None = None
    for index in range(pdfium_c.FPDFText_CountChars(raw_page)):
        char = chr(pdfium_c.FPDFText_GetUnicode(raw_page, index) or 32)
        # The loose box spans the glyph's advance width, so the gap to the next glyph is
        # the real spacing whatever the ink of "1" or "." looks like.
        boxed = pdfium_c.FPDFText_GetLooseCharBox(raw_page, index, rect)
        if char.isspace() or not char.isprintable() or not boxed:
            _flush(current, words, page_height)
            current = None
            continue
        box = (rect.left, rect.right, rect.top, rect.bottom)
        if current is not None and current.accepts(box[0], box[2], box[3]):
            current.extend(char, *box)
            continue
        _flush(current, words, page_height)
        current = _WordBuilder([char], box[0], box[2], box[1], box[3])
    _flush(current, words, page_height)
    return words


def _flush(current: _WordBuilder | None, words: list[Word], page_height: float) -> None:
    if current is not None:
        words.append(current.word(page_height))


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
    """The embedded e-invoice (if wanted) and the text layer; errors are returned, not raised."""
    einvoice, warnings = _embedded_einvoice(request) if request.use_einvoice else (None, [])
    try:
        layer = read_text_layer(request.data, max_pages=request.max_pages)
    except PdfTextError as exc:
        return ParsedPdf([], 0, None, warnings, str(exc))
    return ParsedPdf(layer.pages, layer.page_count, einvoice, warnings)


def _embedded_einvoice(request: PdfRequest) -> tuple[object | None, list[str]]:
    embedded = read_embedded_einvoice(request.data)
    return embedded.reading, list(embedded.warnings)
