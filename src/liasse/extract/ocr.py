"""Layer 3: read scanned pages and photos into positioned, scored words.

Two engines (`OcrRequest.engine`, setting `[extraction] ocr_engine`): RapidOCR, the
default (`extract.ocr_rapid`, models inside its Python package), which reads the real
receipts' fields right far more often, and Tesseract, selectable, about half its CPU.

Pages are rendered at up to 300 dpi (pypdfium2 for PDFs, Pillow for JPEG/PNG; a photo is
scaled by the height of its text lines for Tesseract, kept at its size for RapidOCR),
straightened (the skew angle is estimated from the rows of dark pixels), and handed to
the engine: RapidOCR in this process on one thread, or the `tesseract` program as a
subprocess with TSV output (the page as a PGM file). Pages run in parallel across cores
from a thread pool (threads suffice: the work happens in the child processes). Each
Tesseract runs on one thread (OMP_THREAD_LIMIT=1): its OpenMP threads gain under 10 % on an
idle machine and make it several times slower on a busy one, where they spin waiting for
each other.
Rendering stays in the calling thread: PDFium is not thread-safe.

The input is untrusted, so rendering has a pixel budget: a page gets at most
PAGE_PIXEL_BUDGET pixels and a document DOCUMENT_PIXEL_BUDGET, the resolution is chosen
from the page's size within them (never upscaled past them), and a page so large that it
would fall under MIN_OCR_DPI is refused: a 596-byte PDF with a 5-metre page would
otherwise ask for 3.6 billion pixels. The cascade runs all of it (`run_ocr`) in the
limited child process of `extract.worker`, under a deadline and an address-space cap.

Exceptions:
    OcrError                 Tesseract failed on a page, or the document cannot be rendered
    └── OcrUnavailableError  the chosen engine (tesseract and its languages, or the
                             rapidocr-onnxruntime package) is not installed
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Literal

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps

from liasse.extract.layout import Page, Word
from liasse.extract.ocr_rapid import (
    DETECT_PIXELS,
    NUMBER_GAP_SHARE,
    REC_BATCH,
    REC_MIN_RATIO,
    WORD_GAP_SHARE,
    rapid_available,
    recognise_page_rapid,
    release_freed_memory,
)

OcrEngine = Literal["tesseract", "rapidocr"]
OCR_ENGINES: tuple[OcrEngine, ...] = ("tesseract", "rapidocr")
# Measured on all 317 real receipts and scans, cross-validated by source, each engine with a
# ranker fitted on its own words (bench/extraction.py --only-real --ocr-engine E, 2026-12-04):
# RapidOCR reads 82.4 % of their labelled fields right against 69.6 % for Tesseract, with no
# wrong value at >= 0.85 for either. Since it detects on a 1 Mpx copy (2026-12-06) a 2-page
# A4 scan costs 4.3 s CPU a page against 1.6 s for a bare tesseract call (--only-ocr-timing;
# the receipts' per-page comparison, --only-ocr-engines, was not re-run). On 32 receipt
# photos with short lines padded to 192 px (2026-12-07, --only-ocr-engines, load 2-3):
# RapidOCR about 1.59 s CPU a page, liasse's Tesseract 1.48 s, a bare tesseract 1.11 s.
# The shipped ranker and its calibration are fitted on RapidOCR's words
# (scripts/train_extractor.py reads scans with this default): a workspace that selects
# Tesseract gets values ranked right less often and confidences calibrated on the other
# engine's words, so retrain with --ocr-engine tesseract before relying on them.
DEFAULT_ENGINE: OcrEngine = "rapidocr"
OCR_DPI = 300
# 25 Mpx is an A3 page at 300 dpi with room to spare; greyscale, so about 25 MB per page.
PAGE_PIXEL_BUDGET = 25_000_000
# Shared by the pages of one document: a long scan is read at a lower resolution.
DOCUMENT_PIXEL_BUDGET = 300_000_000
# Below this the text of a page is too small for Tesseract: the page is not a document.
MIN_OCR_DPI = 70
# An image whose stated resolution makes it wider than an A0 sheet states nonsense.
MAX_PAGE_INCHES = 47.0
LANGUAGES = ("fra", "eng", "deu")
PAGE_TIMEOUT_SECONDS = 180
POINTS_PER_INCH = 72
# RapidOCR reads a page of at most this many pixels (an A4 page at 200 dpi is 3.9 Mpx).
RAPID_PIXEL_BUDGET = 4_000_000
# Tesseract reads a photo best when its text lines are about this many pixels high
# (ascender to descender); photos are scaled to it, not to OCR_DPI (`text_scale`).
TESSERACT_LINE_PIXELS = 36
MAX_TEXT_SCALE = 3.0
# An image without a usable resolution is taken to be an A4 page, 8.27 inches wide.
A4_WIDTH_INCHES = 8.27
MAX_SKEW_DEGREES = 5.0
# Tesseract copes with a small tilt by itself; rotating a 300 dpi page costs ~0.1 s.
MIN_SKEW_TO_CORRECT = 0.3
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")

MESSAGES = {
    "missing_binary": ("Tesseract OCR is not installed (no {command!r} program found); install "
                       "the Debian packages tesseract-ocr tesseract-ocr-fra tesseract-ocr-eng "
                       "tesseract-ocr-deu"),
    "missing_languages": ("Tesseract has none of the languages {wanted} installed; install "
                          "tesseract-ocr-fra tesseract-ocr-eng tesseract-ocr-deu"),
    "missing_rapidocr": ("the RapidOCR engine is not installed (Python package "
                         "rapidocr-onnxruntime); install it or set [extraction] "
                         "ocr_engine = \"tesseract\""),
    "failed": "Tesseract failed on page {page} (exit status {status}): {detail}",
    "timeout": "Tesseract took longer than {seconds} s on page {page}",
    "unreadable_pdf": "cannot render the PDF for OCR: {detail}",
    "unreadable_image": "cannot open the image for OCR: {detail}",
    "unsupported": "OCR reads PDF, PNG and JPEG files, not {suffix!r}",
    "too_large": ("page {page} is {width:.0f} × {height:.0f} inches: too large to read "
                  "within the pixel budget (refused)"),
    "too_many_pixels": ("the image has {pixels:,} pixels, more than the {budget:,} liasse "
                        "decodes (refused)"),
}


# What the Tesseract reading was before readings were told apart by their settings.
LEGACY_SIGNATURE = f"tesseract-{OCR_DPI}dpi-psm3"


def ocr_signature(engine: OcrEngine) -> str:
    """The engine and the settings that change its words: caches of words key on it."""
    if engine == "rapidocr":
        return (f"rapidocr-1.4.4-px{RAPID_PIXEL_BUDGET // 1_000_000}m"
                f"-det{DETECT_PIXELS // 1000}k-nocls-batch{REC_BATCH}"
                f"-minw{round(48 * REC_MIN_RATIO)}"
                f"-gap{WORD_GAP_SHARE}-{NUMBER_GAP_SHARE}")
    if TESSERACT_LINE_PIXELS:
        return f"{LEGACY_SIGNATURE}-photo-line{TESSERACT_LINE_PIXELS}"
    return LEGACY_SIGNATURE


class OcrError(RuntimeError):
    """OCR could not read this document."""


class OcrUnavailableError(OcrError):
    """The OCR engine is not installed on this machine."""


@dataclass(frozen=True)
class PageImage:
    """One page ready for Tesseract: greyscale pixels and how many pixels make an inch."""

    number: int
    image: Image.Image
    dpi: float


@dataclass(frozen=True)
class OcrRequest:
    """What the limited child needs to OCR one document (picklable)."""

    data: bytes
    suffix: str
    max_pages: int = 50
    command: str = "tesseract"
    engine: OcrEngine = DEFAULT_ENGINE


def run_ocr(request: OcrRequest) -> list[Page]:
    """`ocr_document` for `IsolatedWorker.run`: one module-level function, one argument."""
    return ocr_document(request.data, suffix=request.suffix, max_pages=request.max_pages,
                        command=request.command, engine=request.engine)


def ocr_resolution(page: int, width_inches: float, height_inches: float,
                   budget: float = PAGE_PIXEL_BUDGET, wanted: float = OCR_DPI) -> float:
    """The dpi to read a page at: `wanted`, or less when that would exceed the pixel budget."""
    if width_inches <= 0 or height_inches <= 0:
        raise OcrError(MESSAGES["unreadable_pdf"].format(detail=f"page {page} has no size"))
    dpi = min(float(wanted), math.sqrt(budget / (width_inches * height_inches)))
    if dpi < MIN_OCR_DPI:
        raise OcrError(MESSAGES["too_large"].format(page=page, width=width_inches,
                                                    height=height_inches))
    return dpi


def ocr_available(command: str = "tesseract") -> bool:
    """True when the tesseract program and at least one of our languages are installed."""
    try:
        return bool(installed_languages(command))
    except OcrError:
        return False


def ocr_document(data: bytes, *, suffix: str, max_pages: int = 50, workers: int | None = None,
                 command: str = "tesseract", engine: OcrEngine = DEFAULT_ENGINE) -> list[Page]:
    """OCR every page (the first `max_pages` of a PDF, or the single image) into words.

    RapidOCR reads photos at their own size (its recogniser scales each text line itself);
    Tesseract gets them scaled to its preferred text height (`text_scale`).
    """
    recognise: Callable[[PageImage], Page]
    if engine == "rapidocr":
        if not rapid_available():
            raise OcrUnavailableError(MESSAGES["missing_rapidocr"])
        recognise = _recognise_rapid
    else:
        languages = "+".join(installed_languages(command))
        recognise = partial(recognise_page, languages=languages, command=command)
    cores = max(1, workers or os.cpu_count() or 1)
    parallel_pages = max(1, min(cores, count_pages(data, suffix.lower(), max_pages)))
    with ThreadPoolExecutor(max_workers=parallel_pages) as pool:
        futures: list[Future[Page]] = []
        for page_image in page_images(data, suffix.lower(), max_pages,
                                      upscale=engine != "rapidocr"):
            if len(futures) > parallel_pages:
                # Bound the rendered pages waiting in memory: wait for an older one first.
                futures[-parallel_pages - 1].result()
            futures.append(pool.submit(recognise, page_image))
        return [future.result() for future in futures]


def _recognise_rapid(page_image: PageImage) -> Page:
    image, dpi = page_image.image, page_image.dpi
    pixels = image.width * image.height
    if pixels > RAPID_PIXEL_BUDGET:
        # The lines are cut from this image and each brought to 48 pixels high: more
        # pixels read no better, and cost decoding, straightening and cutting.
        shrink = math.sqrt(RAPID_PIXEL_BUDGET / pixels)
        image = image.resize((max(1, round(image.width * shrink)),
                              max(1, round(image.height * shrink))), Image.Resampling.LANCZOS)
        dpi *= shrink
    page = recognise_page_rapid(page_image.number, deskew(image), dpi)
    release_freed_memory()
    return page


def count_pages(data: bytes, suffix: str, max_pages: int) -> int:
    if suffix != ".pdf":
        return 1
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise OcrError(MESSAGES["unreadable_pdf"].format(detail=exc)) from exc
    try:
        return min(len(document), max_pages)
    finally:
        document.close()


@lru_cache(maxsize=8)
def installed_languages(command: str) -> tuple[str, ...]:
    """Which of LANGUAGES this Tesseract can read (cached: it does not change while we run)."""
    binary = shutil.which(command)
    if binary is None:
        raise OcrUnavailableError(MESSAGES["missing_binary"].format(command=command))
    listing = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                             timeout=30, check=False)
    found = set(listing.stdout.split()) | set(listing.stderr.split())
    languages = tuple(language for language in LANGUAGES if language in found)
    if not languages:
        raise OcrUnavailableError(MESSAGES["missing_languages"].format(wanted="+".join(LANGUAGES)))
    return languages


def page_images(data: bytes, suffix: str, max_pages: int, *, dpi: float = OCR_DPI,
                upscale: bool = True) -> Iterator[PageImage]:
    """The pages as greyscale images: PDFs rendered at up to `dpi`, photos as they are
    (brought up to `dpi` when `upscale`; always down to the pixel budget)."""
    if suffix == ".pdf":
        yield from pdf_page_images(data, max_pages, dpi)
    elif suffix in IMAGE_SUFFIXES:
        yield photo_page_image(data, dpi, upscale=upscale)
    else:
        raise OcrError(MESSAGES["unsupported"].format(suffix=suffix))


def pdf_page_images(data: bytes, max_pages: int, dpi: float = OCR_DPI) -> Iterator[PageImage]:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise OcrError(MESSAGES["unreadable_pdf"].format(detail=exc)) from exc
    try:
        pages = min(len(document), max_pages)
        budget = min(PAGE_PIXEL_BUDGET, DOCUMENT_PIXEL_BUDGET / max(1, pages))
        for index in range(pages):
            page = document[index]
            width, height = page.get_size()  # points, after the page's /Rotate
            chosen = ocr_resolution(index + 1, width / POINTS_PER_INCH,
                                    height / POINTS_PER_INCH, budget, dpi)
            bitmap = page.render(scale=chosen / POINTS_PER_INCH, grayscale=True)
            yield PageImage(index + 1, bitmap.to_pil().convert("L"), chosen)
    finally:
        document.close()


def photo_page_image(data: bytes, wanted_dpi: float = OCR_DPI, *,
                     upscale: bool = True) -> PageImage:
    """A JPEG/PNG as one page, at up to 300 dpi within the page's pixel budget.

    The size is known before decoding: a JPEG over budget decodes at 1/2, 1/4 or 1/8 of
    its size (Pillow's draft mode), any other image over four budgets is refused.
    """
    try:
        with Image.open(io.BytesIO(data)) as opened:
            stated_width, dpi = opened.width, image_dpi(opened)
            _reduce_while_decoding(opened)
            dpi *= opened.width / stated_width  # draft mode shrank it: fewer pixels per inch
            image: Image.Image = ImageOps.exif_transpose(opened).convert("L")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise OcrError(MESSAGES["unreadable_image"].format(detail=exc)) from exc
    target = ocr_resolution(1, image.width / dpi, image.height / dpi, PAGE_PIXEL_BUDGET,
                            wanted_dpi)
    if not upscale:
        target = min(target, dpi)
    elif TESSERACT_LINE_PIXELS:
        target = min(target, dpi * text_scale(image))
    if abs(target - dpi) > 0.1 * dpi or image.width * image.height > PAGE_PIXEL_BUDGET:
        scale = target / dpi
        image = image.resize((max(1, round(image.width * scale)),
                              max(1, round(image.height * scale))), Image.Resampling.BICUBIC)
        dpi = target
    return PageImage(1, image, dpi)


def text_scale(image: Image.Image) -> float:
    """How much to enlarge a photo so that its text lines are TESSERACT_LINE_PIXELS high.

    A photo's stated or guessed resolution says little about its text: a till receipt
    photographed whole is 3 inches wide, not the A4 page an unknown resolution assumes,
    and bringing it to 300 dpi that way enlarges text that was already legible 2-3 times
    (slower, and no better read). The line height is measured instead (`line_height`);
    1.0 when it cannot be, never more than MAX_TEXT_SCALE.
    """
    height = line_height(image)
    if height is None:
        return MAX_TEXT_SCALE
    return min(MAX_TEXT_SCALE, max(1.0, TESSERACT_LINE_PIXELS / height))


def line_height(image: Image.Image) -> float | None:
    """The median height (pixels) of the runs of rows that carry ink, or None."""
    pixels = np.asarray(image)
    ink = pixels < min(160, int(pixels.mean()) - 30)
    inked_rows = ink.mean(axis=1) > 0.01
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked_rows.astype(np.int8), [0]))))
    runs = edges[1::2] - edges[::2]
    runs = runs[runs >= 3]  # specks and rules are no text lines
    if len(runs) < 5:
        return None
    return float(np.median(runs))


def _reduce_while_decoding(image: Image.Image) -> None:
    pixels = image.width * image.height
    if pixels <= PAGE_PIXEL_BUDGET:
        return
    if image.format == "JPEG":
        shrink = math.sqrt(PAGE_PIXEL_BUDGET / pixels)
        image.draft("L", (math.ceil(image.width * shrink), math.ceil(image.height * shrink)))
    if image.width * image.height > 4 * PAGE_PIXEL_BUDGET:
        raise OcrError(MESSAGES["too_many_pixels"].format(pixels=pixels,
                                                          budget=4 * PAGE_PIXEL_BUDGET))


def image_dpi(image: Image.Image) -> float:
    """The image's stated resolution, or the one that makes it an A4-wide page.

    A stated resolution is believed when it is in the usual range and makes a page no
    larger than an A0 sheet (a 9400-pixel photo "at 100 dpi" is not a 2.4-metre invoice).
    """
    stated = image.info.get("dpi")
    if stated and 100 <= float(stated[0]) <= 1200 \
            and max(image.size) / float(stated[0]) <= MAX_PAGE_INCHES:
        return float(stated[0])
    return max(72.0, image.width / A4_WIDTH_INCHES)


def recognise_page(page_image: PageImage, languages: str, command: str) -> Page:
    straight = deskew(page_image.image)
    tsv = run_tesseract(straight, page_image, languages, command)
    scale = POINTS_PER_INCH / page_image.dpi
    return Page(number=page_image.number, width=straight.width * scale,
                height=straight.height * scale, words=parse_tsv(tsv, scale))


def run_tesseract(image: Image.Image, page_image: PageImage, languages: str,
                  command: str) -> str:
    """Tesseract on one greyscale page, given as a PGM file (no compression to pay).

    A file, not stdin: Tesseract reads stdin a byte at a time into memory, which cost
    ~0.13 s of CPU on an A4 page at 300 dpi (about 9 % of the reading itself), and its
    words are the same either way (bench/extraction.py --only-ocr-timing).
    """
    with tempfile.TemporaryDirectory(prefix="liasse-ocr-") as folder:
        page_file = Path(folder) / "page.pgm"
        image.save(page_file, format="PPM")
        arguments = [command, str(page_file), "stdout", "-l", languages, "--dpi",
                     str(round(page_image.dpi)), "--psm", "3", "tsv"]
        finished = _run_tesseract_program(arguments, page_image.number, command)
    if finished.returncode != 0:
        detail = finished.stderr.decode("utf-8", "replace").strip()[-300:]
        raise OcrError(MESSAGES["failed"].format(page=page_image.number,
                                                 status=finished.returncode, detail=detail))
    return finished.stdout.decode("utf-8", "replace")


def _run_tesseract_program(arguments: list[str], page: int,
                           command: str) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        return subprocess.run(arguments, capture_output=True, timeout=PAGE_TIMEOUT_SECONDS,
                              env=environment, check=False)
    except FileNotFoundError as exc:
        raise OcrUnavailableError(MESSAGES["missing_binary"].format(command=command)) from exc
    except subprocess.TimeoutExpired as exc:
        raise OcrError(MESSAGES["timeout"].format(seconds=PAGE_TIMEOUT_SECONDS,
                                                  page=page)) from exc


def parse_tsv(tsv: str, scale: float) -> list[Word]:
    """Word rows (level 5) of Tesseract's TSV, in reading order, in PDF points.

    Tesseract boxes a word tightly around its ink, while a text layer boxes it by the font
    (ascender to descender), and the field reader compares gaps to heights. So every word
    gets the font box of its text line (see `font_box`): gaps and heights then mean the
    same on scanned and born-digital pages.
    """
    rows = [cells for cells in (row.split("\t") for row in tsv.splitlines()[1:])
            if len(cells) >= 12 and cells[0] in ("4", "5")]
    line_texts: dict[tuple[str, ...], list[str]] = {}
    for cells in rows:
        if cells[0] == "5":
            line_texts.setdefault(tuple(cells[1:5]), []).append(cells[11])
    boxes: dict[tuple[str, ...], tuple[float, float]] = {}
    words: list[Word] = []
    for cells in rows:
        left, top, width, height = (int(cell) for cell in cells[6:10])
        key = tuple(cells[1:5])
        if cells[0] == "4":
            boxes[key] = font_box(top, top + height, "".join(line_texts.get(key, [])))
        elif cells[11].strip():
            y0, y1 = boxes.get(key, (top, top + height))
            confidence = min(1.0, max(0.0, float(cells[10]) / 100))
            words.append(Word(cells[11].strip(), left * scale, y0 * scale,
                              (left + width) * scale, y1 * scale, confidence))
    return words


DESCENDERS = frozenset("gjpqyQ,;()[]{}|/@$")


def font_box(ink_top: float, ink_bottom: float, text: str) -> tuple[float, float]:
    """The ascender-to-descender box of a line from the box around its ink.

    Without descenders the ink spans the cap height (about 0.7 em) and ends on the
    baseline; with them it spans about 0.93 em and ends 0.21 em below the baseline.
    """
    has_descender = any(char in DESCENDERS for char in text)
    em = (ink_bottom - ink_top) / (0.93 if has_descender else 0.7)
    baseline = ink_bottom - (0.21 * em if has_descender else 0.0)
    return baseline - 0.9 * em, baseline + 0.25 * em


def estimate_skew(image: Image.Image) -> float:
    """The angle (degrees, counter-clockwise) the text lines are tilted by.

    Text rows are sharpest when the page is straight: project the dark pixels onto the
    vertical axis for each candidate angle and keep the one whose profile has the strongest
    row-to-row contrast. Done on a small copy of the page, coarse then fine.
    """
    small = image.copy()
    small.thumbnail((1000, 1000))
    ys, xs = np.nonzero(np.asarray(small) < 128)
    if len(xs) < 200:
        return 0.0
    if len(xs) > 60_000:  # a sample of the ink is enough to find the rows
        keep = np.random.default_rng(0).choice(len(xs), 60_000, replace=False)
        ys, xs = ys[keep], xs[keep]
    coarse = best_angle(ys, xs, np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01,
                                          0.25).tolist())
    return best_angle(ys, xs, np.arange(coarse - 0.25, coarse + 0.26, 0.05).tolist())


def best_angle(ys: np.ndarray[tuple[int], np.dtype[np.intp]],
               xs: np.ndarray[tuple[int], np.dtype[np.intp]], angles: Sequence[float]) -> float:
    best, best_score = 0.0, -1.0
    for angle in angles:
        projected = ys + xs * math.tan(math.radians(float(angle)))
        rows = np.bincount(np.maximum(projected - projected.min(), 0).astype(np.intp))
        score = float(np.sum(np.diff(rows.astype(np.float64)) ** 2))
        if score > best_score:
            best, best_score = float(angle), score
    return round(best, 2)


def deskew(image: Image.Image) -> Image.Image:
    angle = estimate_skew(image)
    if abs(angle) < MIN_SKEW_TO_CORRECT:
        return image
    return image.rotate(-angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)


PLAUSIBLE_WORD = re.compile(r"[\w€$£%.,:;/'()&@+\-–—°#*]+")


def page_has_usable_text(page: Page, *, min_words: int = 8, min_characters: int = 40) -> bool:
    """True when a page's words look like real text worth reading without OCR.

    A scan often carries no text layer, a stray header, or glyphs without a Unicode
    mapping (private-use or replacement characters); none of those count as text.
    """
    words = [word for word in page.words if word.text.strip()]
    text = "".join(word.text for word in words)
    if len(words) < min_words or sum(char.isalnum() for char in text) < min_characters:
        return False
    broken = sum(char == "\ufffd" or unicodedata.category(char) in ("Co", "Cc", "Cn")
                 for char in text)
    if broken > 0.05 * len(text):
        return False
    plausible = sum(bool(PLAUSIBLE_WORD.fullmatch(word.text)) for word in words)
    mean_confidence = sum(word.confidence for word in words) / len(words)
    return plausible >= 0.6 * len(words) and mean_confidence >= 0.5
