"""Layer 3, second engine: RapidOCR (PP-OCRv4 models shipped inside the rapidocr wheel).

RapidOCR finds text lines with a detection network and reads each line with a CTC
recogniser. Its recogniser often drops the spaces between Latin words
("GARDEIABAKERIES(KL)SDNBHD"), so the words are rebuilt here from the characters: the
engine can place every character it decoded (`return_word_box`, from the CTC columns), and
a word ends at a space or where the gap to the next character is wider than a fraction of
the line's character width. Each word gets its line's box for its height, as Tesseract's
words get theirs (`ocr.font_box`), so gaps and heights mean the same for both engines.

The engine's parts are driven here rather than through its own call (`read_lines`): the
detector sees a copy of the page of at most DETECT_PIXELS (finding lines needs far fewer
pixels than reading them), each line is cut from the full-size page and read on its own
padded to 192 pixels, not to the widest of a batch of six nor to 320 pixels, and the
angle classifier, which only turns upside-down lines of rotated photos, is skipped.
Together they cut the CPU a receipt by more than half and keep a page's peak memory
under the reader child's recycle threshold (bench/extraction.py --only-ocr-timing).

The models load once per process (about 0.3 s) and run on one thread, like Tesseract here:
the machine's other cores read other pages or documents.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from liasse.extract.layout import Page, Word

# A blank gap in a line's ink wider than this share of the ink's height separates two
# words: letters of a word stand about a tenth of it apart, a space leaves about a half.
WORD_GAP_SHARE = 0.35
# Between two characters of a number a wider gap is needed: a monospaced "1" leaves most
# of its cell blank ("174.90" must not become "174 .90").
NUMBER_GAP_SHARE = 0.65
NUMBER_CHARS = frozenset("0123456789.,:-/")
# The text detector's pixel budget: on the real receipts it finds the lines of a shrunk
# copy as well as those of the page (bench/extraction.py), at a fraction of the CPU and
# memory; an A4 page at this budget is about 100 dpi, where 8-point text is 11 px high.
# Less is too little: at 0.6 Mpx the receipts lost 17 of their 1002 fields (LOSO bench,
# 2026-12-07) for 0.15 s CPU a page saved.
# The lines themselves are read from the page as liasse renders it (within
# `ocr.RAPID_PIXEL_BUDGET`): the recogniser brings each to 48 pixels high anyway.
DETECT_PIXELS = 1_000_000
# Lines are read one at a time (batched, the same lines cost more CPU on one thread)...
REC_BATCH = 1
# ...each padded to at least this width / height ratio (192 x 48 pixels; the recogniser's
# own minimum is 320 / 48): most till lines are short, and padding them to 320 pixels cost
# a fifth of a receipt's CPU (`recognise_line`).
REC_MIN_RATIO = 4.0

MESSAGES = {
    "missing": ("RapidOCR is not installed (the Python package rapidocr-onnxruntime); "
                "install it, or choose the tesseract OCR engine"),
}

Point = Sequence[float]


class RapidUnavailableError(RuntimeError):
    """The rapidocr-onnxruntime package is not installed."""


@dataclass(frozen=True)
class Glyph:
    """One decoded character and where it sits on the line, in image pixels."""

    char: str
    x0: float
    x1: float
    confidence: float


def rapid_available() -> bool:
    try:
        _engine()
    except RapidUnavailableError:
        return False
    return True


@lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        # Deferred: onnxruntime and OpenCV load only in the process that reads a scan.
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise RapidUnavailableError(MESSAGES["missing"]) from exc
    # The detector is handed a copy already brought to DETECT_PIXELS (`detect_lines`): a
    # longest side of at most DETECT_PIXELS is no limit, and keeps it from resizing that
    # copy again (its default, "min" at 736 px, enlarges every narrow receipt).
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, det_limit_type="max",
                    det_limit_side_len=DETECT_PIXELS, print_verbose=False)


def recognise_page_rapid(number: int, image: Image.Image, dpi: float) -> Page:
    """Positioned words (PDF points) of one greyscale page image read at `dpi`."""
    grey = image if image.mode == "L" else image.convert("L")
    pixels = np.asarray(grey)
    scale = 72.0 / dpi
    words: list[Word] = []
    for line in read_lines(_engine(), grey, pixels):
        words.extend(line_words(line, scale, blank_gaps(pixels, line[0])))
    return Page(number=number, width=image.width * scale, height=image.height * scale,
                words=words)


def read_lines(engine: Any, image: Image.Image,
               pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> list[list[Any]]:
    """RapidOCR's lines, [box, text, score, char boxes, chars, char scores], in pixels of
    the greyscale `image`: found on a small copy, each read from the full-size `pixels`.

    RapidOCR's own call detects and reads at one resolution, turns each line upright with
    an angle classifier (upright pages need none: a line upside down is a page upside
    down), and reads lines in batches padded to the widest: a price padded to the width
    of the shop's address beside it costs the address's CPU.
    """
    boxes = detect_lines(engine, image)
    if not boxes:
        return []
    crops = engine.get_crop_img_list(pixels, boxes)
    read = [recognise_line(engine.text_rec, crop) for crop in crops]
    lines = engine.cal_rec_boxes(crops, boxes, read)
    return [[box.tolist(), *line] for box, line in zip(boxes, lines, strict=True)
            if float(line[1]) >= engine.text_score]


def detect_lines(engine: Any, image: Image.Image) -> list[Any]:
    """The text lines' boxes (4 corners, float32, pixels of `image`), top to bottom.

    The detector only tells text from paper, and its CPU and memory grow with the pixels
    it sees (an A4 page at 4 Mpx peaked at over 1 GB): it sees a copy of at most
    DETECT_PIXELS, and its boxes are scaled back to the page.
    """
    shrink = min(1.0, math.sqrt(DETECT_PIXELS / (image.width * image.height)))
    size = (max(1, round(image.width * shrink)), max(1, round(image.height * shrink)))
    small = image if shrink == 1.0 else image.resize(size, Image.Resampling.BOX)
    found, _ = engine.text_det(np.repeat(np.asarray(small)[:, :, np.newaxis], 3, axis=2))
    if found is None or len(found) == 0:
        return []
    boxes = np.asarray(found, dtype=np.float32)
    boxes[:, :, 0] *= image.width / size[0]
    boxes[:, :, 1] *= image.height / size[1]
    return list(engine.sorted_boxes(boxes))


def recognise_line(recogniser: Any, crop: np.ndarray[Any, np.dtype[np.uint8]]) -> Any:
    """(text, score, character columns) of one greyscale line, read on its own.

    RapidOCR reads lines six at a time, each padded to the widest of the six and to at
    least 320 x 48 pixels; alone and at its own width (REC_MIN_RATIO), a line costs the
    recogniser only its own columns. Padded to 192 pixels, not 320, the 32 receipt photos
    of bench/extraction.py --only-ocr-engines cost 1.59 s CPU a page instead of 1.92, with
    as many labelled totals and dates in their words; the receipts' LOSO figure went from
    908 to 910 fields of 1002, none wrong at >= 0.85 (unpadded: 1.48 s, 907; 2026-12-07).
    """
    ratio = crop.shape[1] / max(1, crop.shape[0])
    widest = max(REC_MIN_RATIO, ratio)
    line = recogniser.resize_norm_img(np.repeat(crop[:, :, np.newaxis], 3, axis=2), widest)
    scores = recogniser.session(line[np.newaxis])[0]
    return recogniser.postprocess_op(scores, True, wh_ratio_list=[ratio],
                                     max_wh_ratio=widest)[0]


def line_words(line: Sequence[Any], scale: float,
               gaps: Sequence[tuple[float, float]] = ()) -> list[Word]:
    """The words of one RapidOCR line: [box, text, score, char boxes, chars, char scores],
    broken at its spaces and at the blank `gaps` seen in its pixels (`blank_gaps`)."""
    box, text, score = line[0], str(line[1]), float(line[2])
    top, bottom = min(p[1] for p in box), max(p[1] for p in box)
    glyphs = _glyphs(line) if len(line) >= 5 else []
    if not glyphs:  # no character positions: the line as one word
        left, right = min(p[0] for p in box), max(p[0] for p in box)
        return [Word(text, left * scale, top * scale, right * scale, bottom * scale,
                     score)] if text.strip() else []
    return [Word("".join(g.char for g in group), group[0].x0 * scale, top * scale,
                 group[-1].x1 * scale, bottom * scale,
                 min(g.confidence for g in group))
            for group in split_words(glyphs, gaps)]


def _glyphs(line: Sequence[Any]) -> list[Glyph]:
    boxes, chars = line[3], line[4]
    scores = line[5] if len(line) > 5 and len(line[5]) == len(chars) else [line[2]] * len(chars)
    if not boxes or len(boxes) != len(chars):
        return []
    return [Glyph(str(char), min(p[0] for p in quad), max(p[0] for p in quad),
                  float(confidence))
            for quad, char, confidence in zip(boxes, chars, scores, strict=True)]


def split_words(glyphs: Sequence[Glyph],
                gaps: Sequence[tuple[float, float]] = ()) -> list[list[Glyph]]:
    """Characters grouped into words: broken at spaces and at blank `gaps` between them
    (middle x, width / ink height), a number only at a wider gap than other text."""
    words: list[list[Glyph]] = []
    current: list[Glyph] = []
    for glyph in sorted(glyphs, key=lambda g: g.x0):
        if glyph.char.isspace() or (current and _gap_between(current[-1], glyph, gaps)):
            if current:
                words.append(current)
            current = []
        if not glyph.char.isspace():
            current.append(glyph)
    if current:
        words.append(current)
    return words


def _gap_between(left: Glyph, right: Glyph, gaps: Sequence[tuple[float, float]]) -> bool:
    widest = NUMBER_GAP_SHARE if {left.char, right.char} <= NUMBER_CHARS else WORD_GAP_SHARE
    start, end = (left.x0 + left.x1) / 2, (right.x0 + right.x1) / 2
    return any(start < middle < end and width > widest for middle, width in gaps)


def blank_gaps(grey: np.ndarray[Any, np.dtype[np.uint8]],
               box: Sequence[Point]) -> list[tuple[float, float]]:
    """The blank gaps in a line's ink, as (middle x in pixels, width / ink height).

    The ink is what is darker than the line's Otsu threshold; its height is the span of
    the rows that carry some. Letters of a word stand closer than WORD_GAP_SHARE of it.
    """
    left, right = max(0, int(min(p[0] for p in box))), int(max(p[0] for p in box))
    top, bottom = max(0, int(min(p[1] for p in box))), int(max(p[1] for p in box))
    crop = grey[top:bottom, left:right]
    if crop.size == 0:
        return []
    ink: np.ndarray[Any, np.dtype[np.bool_]] = np.asarray(crop < otsu_threshold(crop))
    rows = np.nonzero(ink.mean(axis=1) > 0.02)[0]
    if len(rows) == 0:
        return []
    inked = np.asarray(ink[rows[0]:rows[-1] + 1].any(axis=0), dtype=bool)
    columns = np.nonzero(inked)[0]
    height = float(rows[-1] - rows[0] + 1)
    gaps: list[tuple[float, float]] = []
    blank = 0
    for column in range(int(columns[0]), int(columns[-1]) + 1):
        if not inked[column]:
            blank += 1
            continue
        if blank > WORD_GAP_SHARE * height:
            gaps.append((left + column - blank / 2, blank / height))
        blank = 0
    return gaps


def otsu_threshold(pixels: np.ndarray[Any, np.dtype[np.uint8]]) -> int:
    """The grey level that best separates ink from paper (Otsu's between-class variance)."""
    counts = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    share = counts / counts.sum()
    below = np.cumsum(share)
    mean_below = np.cumsum(share * np.arange(256))
    variance = (mean_below[-1] * below - mean_below) ** 2 / (below * (1 - below) + 1e-12)
    return int(np.argmax(variance))


def release_freed_memory() -> None:
    """Give the memory a page's reading freed back to the system.

    glibc keeps freed heap memory resident for later: without this a reader child grows
    by about 0.1 GB a receipt until it is recycled (`worker.RECYCLE_AFTER_BYTES`), with
    it it stays near its models' size. A no-op where the C library has no malloc_trim.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def release_engine() -> None:
    """Drop the loaded models (a few hundred MB): for a process that read scans only once."""
    _engine.cache_clear()
