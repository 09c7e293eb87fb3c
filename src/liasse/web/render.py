"""One page of a stored document as a PNG for the review viewer: bytes in, PNG bytes out.

PDFs are rendered with pypdfium2, JPEG and PNG scans are scaled with Pillow (their EXIF
orientation applied). Everything is bounded, because the input is untrusted: at most
`MAX_PAGES` pages are ever shown, the width is clamped to `MIN_WIDTH`..`MAX_WIDTH`, the
height to `MAX_HEIGHT`, and exactly one page is rendered per call.

The web app calls `render_in_child` and `count_in_child` (through `extract.worker`), so
a PDF that makes PDFium loop or allocate costs a limited child process, not a thread of
the web server.

Errors:

    RenderError            the document cannot be shown as images (→ HTTP 422)
    └── PageOutOfRange     no such page in this document (→ HTTP 404)
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Final

import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

PDF: Final = "application/pdf"
IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png"})
RENDERABLE_TYPES: Final = frozenset({PDF, *IMAGE_TYPES})

MAX_PAGES: Final = 50
MIN_WIDTH: Final = 400
MAX_WIDTH: Final = 1600
DEFAULT_WIDTH: Final = 1000
# A very long, narrow page (a till receipt) is scaled down to this height rather than
# becoming a 1600 × 100 000 pixel image.
MAX_HEIGHT: Final = 4 * MAX_WIDTH
# Pillow refuses images above twice this size (a decompression bomb); scans are far below.
MAX_IMAGE_PIXELS: Final = 60_000_000

# Pixel modes PNG stores as they are; any other (CMYK, YCbCr...) becomes RGB.
PNG_MODES: Final = frozenset({"L", "LA", "RGB", "RGBA"})
# zlib level 3: on a noisy 300 dpi scan, level 6 costs 2.5x the time for a smaller file
# than level 3 by only a few per cent, and a page is encoded on every cache miss.
PNG_COMPRESS_LEVEL: Final = 3

MESSAGES: Final = {
    "not_renderable": "This kind of file ({media_type}) has no page image.",
    "unreadable_pdf": "The PDF cannot be read (damaged or password-protected).",
    "unreadable_image": "The image cannot be read (damaged or not a JPEG/PNG).",
    "no_page": "There is no page {number} in this document (it has {count}).",
}

# PDFium is not thread-safe and the web server renders from a thread pool.
_PDFIUM_LOCK = threading.Lock()


class RenderError(ValueError):
    """The document cannot be shown as page images; the message says why, for the user."""


class PageOutOfRange(RenderError):
    """The asked page is not one of the document's shown pages."""


def clamp_width(width: int | None) -> int:
    """The width to render at: the default when not asked, else within the bounds."""
    if width is None:
        return DEFAULT_WIDTH
    return max(MIN_WIDTH, min(MAX_WIDTH, width))


def has_pages(media_type: str) -> bool:
    """True for the files the viewer shows as page images (not XML e-invoices)."""
    return media_type in RENDERABLE_TYPES


def page_count(data: bytes, media_type: str) -> int:
    """How many pages the viewer shows: the document's pages, at most `MAX_PAGES`."""
    if media_type == PDF:
        with _PDFIUM_LOCK:
            document = _open_pdf(data)
            try:
                return min(len(document), MAX_PAGES)
            finally:
                document.close()
    if media_type in IMAGE_TYPES:
        _open_image(data).close()
        return 1
    raise RenderError(MESSAGES["not_renderable"].format(media_type=media_type))


def render_page(data: bytes, media_type: str, number: int, width: int) -> bytes:
    """Page `number` (from 1) as a PNG about `width` pixels wide (clamped)."""
    width = clamp_width(width)
    if media_type == PDF:
        image = _render_pdf_page(data, number, width)
    elif media_type in IMAGE_TYPES:
        _check_page(number, 1)
        image = _scale_image(data, width)
    else:
        raise RenderError(MESSAGES["not_renderable"].format(media_type=media_type))
    return _png(image)


def _check_page(number: int, count: int) -> None:
    if not 1 <= number <= min(count, MAX_PAGES):
        raise PageOutOfRange(MESSAGES["no_page"].format(number=number, count=count))


def _open_pdf(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise RenderError(MESSAGES["unreadable_pdf"]) from exc


def _render_pdf_page(data: bytes, number: int, width: int) -> Image.Image:
    with _PDFIUM_LOCK:
        document = _open_pdf(data)
        try:
            _check_page(number, len(document))
            page = document[number - 1]
            try:
                return _render_pdf(page, width)
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise RenderError(MESSAGES["unreadable_pdf"]) from exc
        finally:
            document.close()


def _render_pdf(page: pdfium.PdfPage, width: int) -> Image.Image:
    # The size in points already accounts for the page's /Rotate.
    page_width, page_height = page.get_size()
    if page_width <= 0 or page_height <= 0:
        raise RenderError(MESSAGES["unreadable_pdf"])
    scale = min(width / page_width, MAX_HEIGHT / page_height)
    bitmap = page.render(scale=scale, may_draw_forms=True)
    try:
        # A copy: the bitmap's memory belongs to PDFium and is freed with it.
        image: Image.Image = bitmap.to_pil().convert("RGB")
    finally:
        bitmap.close()
    # pypdfium2 rounds the bitmap size up: drop that last fraction of a pixel.
    if image.width > width:
        image = image.crop((0, 0, width, image.height))
    return image


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise RenderError(MESSAGES["unreadable_image"]) from exc
    if image.width * image.height > MAX_IMAGE_PIXELS:
        image.close()
        raise RenderError(MESSAGES["unreadable_image"])
    return image


def _scale_image(data: bytes, width: int) -> Image.Image:
    with _open_image(data) as image:
        try:
            # A JPEG decodes at 1/2, 1/4 or 1/8 size when that is still big enough: a
            # 300 dpi scan then costs a fraction of a full decode. Square, so that it is
            # big enough whichever way the EXIF orientation turns it.
            image.draft("RGB", (width, width))
            upright = ImageOps.exif_transpose(image)
            # Greyscale scans stay greyscale: a third of the pixels to encode and send.
            if upright.mode not in PNG_MODES:
                upright = upright.convert("RGB")
        except (OSError, SyntaxError, ValueError) as exc:
            raise RenderError(MESSAGES["unreadable_image"]) from exc
    height = max(1, round(upright.height * width / upright.width))
    if height > MAX_HEIGHT:
        width, height = max(1, round(upright.width * MAX_HEIGHT / upright.height)), MAX_HEIGHT
    return upright.resize((width, height), Image.Resampling.LANCZOS)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


# --- in a limited child process -----------------------------------------------------------


@dataclass(frozen=True)
class PageRequest:
    """One page (or, with `number` 0, the page count) of a document, for the child."""

    data: bytes
    media_type: str
    number: int = 0
    width: int = DEFAULT_WIDTH


@dataclass(frozen=True)
class Rendered:
    """The child's answer: the PNG (or page count), or the render error's message."""

    png: bytes = b""
    count: int = 0
    error: str | None = None
    out_of_range: bool = False

    def unwrap(self) -> Rendered:
        """Itself, or the render error raised again in the caller."""
        if self.out_of_range:
            raise PageOutOfRange(self.error or "")
        if self.error is not None:
            raise RenderError(self.error)
        return self


def render_in_child(request: PageRequest) -> Rendered:
    """`render_page` as a picklable answer (module level, for `IsolatedWorker.run`)."""
    try:
        return Rendered(png=render_page(request.data, request.media_type, request.number,
                                        request.width))
    except PageOutOfRange as exc:
        return Rendered(error=str(exc), out_of_range=True)
    except RenderError as exc:
        return Rendered(error=str(exc))


def count_in_child(request: PageRequest) -> Rendered:
    try:
        return Rendered(count=page_count(request.data, request.media_type))
    except RenderError as exc:
        return Rendered(error=str(exc))
