"""The extraction engine's entry point: choose the layer that can read a document, and read it.

Order: an e-invoice XML (standalone, or embedded in the PDF) is the invoice itself, so it
wins; otherwise the PDF's own text layer; OCR for images and for PDFs whose pages carry no
usable text. The content decides what a file is, not its name. Nothing here raises for a
bad document: every failure becomes an `errors` entry with confidence 0, and the PDF is
parsed in a child process under a time limit (see `extract.worker`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from liasse.domain.extraction import (
    FIELD_NAMES,
    MISSING,
    DocumentType,
    EInvoiceInfo,
    ExtractedField,
    ExtractionResult,
    Layer,
)
from liasse.extract.confidence import document_confidence
from liasse.extract.layout import Page
from liasse.extract.reader_start import sniff
from liasse.extract.text import ParsedPdf, PdfRequest, parse_pdf
from liasse.extract.worker import WorkerError, shared_worker

if TYPE_CHECKING:
    from liasse.extract.memory import SupplierMemory

# A page with fewer words than this has no usable text layer (a scan, or a stray mark).
MIN_WORDS_PER_PAGE = 8
# An e-invoice whose XML does not match the printed page may describe another invoice.
CROSS_CHECK_CEILING = 0.6

MESSAGES = {
    "empty": "the file is empty",
    "unknown": "not a PDF, XML, JPEG or PNG file",
    "pdf": "cannot read the PDF: {detail}",
    "xml": "cannot read the XML: {detail}",
    "ocr_failed": "OCR failed: {detail}",
    "ocr_disabled": "the document has no text layer and OCR is disabled",
    "no_text": "the document has no readable text",
    "pages_skipped": "read the first {read} of {total} pages (max_pages)",
    "not_invoice_attachment": "embedded XML is not an invoice: {names}",
}


@dataclass(frozen=True)
class ExtractOptions:
    use_einvoice: bool = True
    ocr: Literal["auto", "always", "never"] = "auto"
    max_pages: int = 50
    time_limit_seconds: float = 30.0  # 0 or less parses in this process (benchmarks only)
    # OCR (rendering, image decoding, Tesseract) runs in the limited child with this deadline.
    ocr_time_limit_seconds: float = 300.0
    ocr_engine: Literal["tesseract", "rapidocr"] | None = None  # None: the OCR layer's default
    own_names: tuple[str, ...] = ()  # the workspace's own company: never the supplier
    own_identifiers: tuple[str, ...] = ()  # its VAT/SIREN/SIRET/IBAN
    # What the workspace learned from its people's corrections (`extract.memory`).
    memories: tuple[SupplierMemory, ...] = ()


@dataclass
class _Draft:
    """The result being built; `finish` turns it into the contract's `ExtractionResult`."""

    layer: Layer = "text"
    einvoice: EInvoiceInfo | None = None
    document_type: DocumentType = "other"
    fields: dict[str, ExtractedField] = field(default_factory=dict)
    confidence: float | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""
    pages: list[Page] = field(default_factory=list)  # the words the fields are read from


# The page text kept with a result (for search and account suggestion), bounded.
MAX_TEXT_CHARS = 20_000


def page_text(pages: list[Page]) -> str:
    return "\n".join(page.text for page in pages)[:MAX_TEXT_CHARS]


def extract_document(data: bytes, *, file: str,
                     options: ExtractOptions = ExtractOptions()) -> ExtractionResult:
    """Read one document into fields with calibrated confidences; never raises for bad input."""
    started = time.perf_counter()
    draft = _read(data, file, options, read_fields=True)
    if draft.pages:
        _read_fields(draft.pages, options, draft)
    return _finish(draft, file, hashlib.sha256(data).hexdigest(), started)


def prepare_reader(_: None) -> None:
    """What a child runs before its first document: the imports and the model that reading
    a born-digital PDF needs (`import_reader`), then a small invoice read through
    (`extract.warm_up`), paid while the parent is still starting rather than on the first
    document."""
    from liasse.extract.warm_up import read_warm_up  # deferred: see import_reader

    import_reader(None)
    read_warm_up()


def import_reader(_: None) -> None:
    """The imports and the model of `prepare_reader` without its warm-up read: what a
    child started for one document runs, as reading that document warms up as much.

    pdfium and the field reader, not the attachment scanner (pypdf) nor the e-invoice
    reader (lxml): they cost a third of this, and only the PDFs that may carry an
    attachment use them (`text.parse_pdf`), so the first of those pays them instead."""
    # Deferred, all: imported for their start-up cost, by the reader's children only.
    import pypdfium2  # noqa: F401

    from liasse.extract.fields import document  # noqa: F401
    from liasse.extract.ranking import shipped_model

    shipped_model()


@dataclass(frozen=True)
class PagesRead:
    """The positioned words a document's fields would be read from (training, benches)."""

    pages: list[Page]
    layer: Layer
    errors: list[str]


def read_pages(data: bytes, *, file: str = "",
               options: ExtractOptions = ExtractOptions()) -> PagesRead:
    """The cascade up to its words: the text layer, or OCR where the page has none."""
    draft = _read(data, file, options)
    return PagesRead(draft.pages, draft.layer, draft.errors)


def _read(data: bytes, file: str, options: ExtractOptions, *, read_fields: bool = False
          ) -> _Draft:
    draft = _Draft()
    kind = sniff(data)
    if kind == "pdf":
        _read_pdf(data, options, draft, read_fields=read_fields)
    elif kind == "xml":
        _read_xml(data, file, draft)
    elif kind == "image":
        _read_image(data, file, options, draft)
    else:
        draft.errors.append(MESSAGES[kind])
    return draft


def _read_xml(data: bytes, file: str, draft: _Draft) -> None:
    # Deferred (here and in `_taken`): lxml and the e-invoice rules are paid by the
    # processes that read an e-invoice, not by every `liasse extract` (a PDF's embedded
    # one is read in the reader's child, which answers in plain types: `_EInvoiceTaken`).
    from liasse.extract.einvoice import EInvoiceError, read_einvoice

    try:
        reading = read_einvoice(data, source=file)
    except EInvoiceError as exc:
        draft.layer = "einvoice"
        draft.errors.append(MESSAGES["xml"].format(detail=exc))
        return
    _take_einvoice(_taken(reading), draft)


@dataclass(frozen=True)
class _EInvoiceTaken:
    """An e-invoice as the result takes it, in the contract's own plain types: a child
    sends this back rather than the `EInvoiceReading`, so that the parent never imports
    the e-invoice reader (lxml) to unpickle it."""

    info: EInvoiceInfo
    document_type: DocumentType
    fields: dict[str, ExtractedField]
    warnings: list[str]
    # What the printed page contradicts (`einvoice.cross_check`); None for a bare XML file.
    problems: list[str] | None = None


def _taken(reading: object, visible_text: str | None = None) -> _EInvoiceTaken:
    from liasse.extract.einvoice import EInvoiceReading, cross_check  # deferred: _read_xml

    assert isinstance(reading, EInvoiceReading)
    problems = None if visible_text is None else cross_check(reading, visible_text)
    return _EInvoiceTaken(reading.info, reading.document_type, dict(reading.fields),
                          list(reading.warnings), problems)


def _take_einvoice(taken: _EInvoiceTaken, draft: _Draft) -> None:
    draft.layer, draft.einvoice = "einvoice", taken.info
    draft.document_type = taken.document_type
    draft.fields = dict(taken.fields)
    draft.warnings.extend(taken.warnings)
    if taken.problems:
        draft.warnings.extend(taken.problems)
        draft.confidence = CROSS_CHECK_CEILING


@dataclass(frozen=True)
class _TextPdfRequest:
    """A PDF to parse and, when its text layer is enough, to read into fields in the same
    child call: the reader's own work then runs under the deadline too, in parallel with
    other documents, and only the fields come back rather than every positioned word."""

    pdf: PdfRequest
    read_fields: bool
    ocr: Literal["auto", "always", "never"]
    own_names: tuple[str, ...]
    own_identifiers: tuple[str, ...]
    memories: tuple[SupplierMemory, ...]


@dataclass(frozen=True)
class _TextPdf:
    """What the child sends back. The fields come as the contract's own plain types, not
    as the reader's `DocumentReading`: unpickling that would import the whole reader (numpy,
    the model, every rule) into the parent, which never reads fields itself."""

    parsed: ParsedPdf  # its pages (and e-invoice) emptied when `fields` or `einvoice` is given
    fields: dict[str, ExtractedField] | None = None
    document_type: DocumentType = "other"
    text: str = ""
    einvoice: _EInvoiceTaken | None = None


def parse_and_read_pdf(request: _TextPdfRequest) -> _TextPdf:
    """The child's side of `_read_pdf` (module level: it is sent to the child by name)."""
    parsed = parse_pdf(request.pdf)
    pages = parsed.pages
    if parsed.einvoice is not None:
        taken = _taken(parsed.einvoice, "\n".join(page.text for page in pages))
        return _TextPdf(replace(parsed, pages=[], einvoice=None), einvoice=taken,
                        text=page_text(pages))
    if (not request.read_fields or parsed.error is not None
            or _needs_ocr(pages, request.ocr)):
        return _TextPdf(parsed)
    # Deferred (here and in `_read_fields`): the field reader's imports (numpy, the model)
    # are paid by the processes that read fields, not by every one importing the cascade.
    from liasse.extract.fields.document import read_document

    reading = read_document(pages, own_names=request.own_names,
                            own_identifiers=request.own_identifiers, layer="text",
                            memories=request.memories)
    return _TextPdf(replace(parsed, pages=[]), reading.fields, reading.document_type,
                    page_text(pages))


def _needs_ocr(text_pages: list[Page], ocr: Literal["auto", "always", "never"]) -> bool:
    return ocr == "always" or not text_pages or any(
        len(page.words) < MIN_WORDS_PER_PAGE for page in text_pages)


def _read_pdf(data: bytes, options: ExtractOptions, draft: _Draft, *, read_fields: bool
              ) -> None:
    request = _TextPdfRequest(PdfRequest(data, options.max_pages, options.use_einvoice),
                              read_fields, options.ocr, options.own_names,
                              options.own_identifiers, options.memories)
    try:
        if options.time_limit_seconds > 0:
            outcome = shared_worker().run(parse_and_read_pdf, request,
                                          seconds=options.time_limit_seconds)
        else:
            outcome = parse_and_read_pdf(request)
    except WorkerError as exc:
        draft.errors.append(MESSAGES["pdf"].format(detail=exc))
        return
    parsed = outcome.parsed
    draft.warnings.extend(parsed.warnings)
    if parsed.error is not None:
        draft.errors.append(MESSAGES["pdf"].format(detail=parsed.error))
        return
    if parsed.page_count > options.max_pages:
        draft.warnings.append(MESSAGES["pages_skipped"].format(read=options.max_pages,
                                                               total=parsed.page_count))
    if outcome.einvoice is not None:
        _take_einvoice(outcome.einvoice, draft)
        draft.text = outcome.text
        return
    if outcome.fields is not None:
        draft.fields, draft.document_type = outcome.fields, outcome.document_type
        draft.text = outcome.text
        return
    _read_pages(data, ".pdf", parsed.pages, options, draft)


def _read_image(data: bytes, file: str, options: ExtractOptions, draft: _Draft) -> None:
    suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
    del file
    _read_pages(data, suffix, [], options, draft)


def _read_pages(data: bytes, suffix: str, text_pages: list[Page], options: ExtractOptions,
                draft: _Draft) -> None:
    """Text-layer pages where they have words, OCR pages where they do not."""
    pages = text_pages
    needs_ocr = _needs_ocr(text_pages, options.ocr)
    if needs_ocr and options.ocr != "never":
        ocr_pages = _ocr(data, suffix, options, draft)
        if ocr_pages:
            pages = _merge_pages(text_pages, ocr_pages, force=options.ocr == "always")
            draft.layer = "ocr"
    elif needs_ocr and not any(page.words for page in text_pages):
        draft.errors.append(MESSAGES["ocr_disabled"])
        return
    if not any(page.words for page in pages):
        if not draft.errors:
            draft.errors.append(MESSAGES["no_text"])
        return
    draft.pages = pages


def _merge_pages(text_pages: list[Page], ocr_pages: list[Page], *, force: bool) -> list[Page]:
    if force or not text_pages:
        return ocr_pages
    by_number = {page.number: page for page in ocr_pages}
    return [by_number.get(page.number, page) if len(page.words) < MIN_WORDS_PER_PAGE else page
            for page in text_pages]


def _ocr(data: bytes, suffix: str, options: ExtractOptions, draft: _Draft) -> list[Page]:
    # Deferred: OCR's imports (numpy, Pillow, pdfium's renderer) are paid by the documents
    # that need OCR, not by every reading of a born-digital PDF.
    from liasse.extract.ocr import OcrRequest, run_ocr

    request = OcrRequest(data, suffix, options.max_pages)
    if options.ocr_engine is not None:
        request = replace(request, engine=options.ocr_engine)
    try:
        if options.time_limit_seconds <= 0:  # benchmarks only, like the PDF parse
            return run_ocr(request)
        return shared_worker().run(run_ocr, request, seconds=options.ocr_time_limit_seconds)
    except Exception as exc:  # OCR is an outside program: its failure is this file's error
        draft.errors.append(MESSAGES["ocr_failed"].format(detail=_last_line(exc)))
        return []


def _last_line(exc: Exception) -> str:
    """The cause an engine's error ends with: ONNX Runtime puts a whole Python traceback,
    with the install's paths, in its message, and a bookkeeper reads one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def _read_fields(pages: list[Page], options: ExtractOptions, draft: _Draft) -> None:
    from liasse.extract.fields.document import read_document  # deferred: see above

    reading = read_document(pages, own_names=options.own_names,
                            own_identifiers=options.own_identifiers, layer=draft.layer,
                            memories=options.memories)
    draft.fields, draft.document_type = reading.fields, reading.document_type
    draft.text = page_text(pages)


def _finish(draft: _Draft, file: str, sha256: str, started: float) -> ExtractionResult:
    fields = {name: draft.fields.get(name, MISSING) for name in FIELD_NAMES}
    confidence = document_confidence(fields, draft.document_type,
                                     has_errors=bool(draft.errors))
    if draft.confidence is not None:
        confidence = min(confidence, draft.confidence)
    return ExtractionResult(
        file=file, sha256=sha256, layer=draft.layer, einvoice=draft.einvoice,
        document_type=draft.document_type, fields=fields, confidence=confidence,
        warnings=draft.warnings, errors=draft.errors, seconds=time.perf_counter() - started,
        text=draft.text)
