"""Layer 3, second engine: RapidOCR (PP-OCRv4 models shipped inside the rapidocr wheel).

RapidOCR finds text lines with a detection network and reads each line with a CTC
recogniser. Its recogniser often drops the spaces between Latin words
("GARDEIABAKERIES(KL)SDNBHD"), so the words are rebuilt here from the characters: the
engine can place every character it decoded (`return_word_box`, from the CTC columns), and
a word ends at a space or where the gap to the next character is wider than a fraction of
the line's character width. Each word gets its line's box for its height, as Tesseract's
words get theirs (`ocr.font_box`), so gaps and heights mean the same for both engines.

The models load once per process (about 0.3 s) and run on one thread, like Tesseract here:
the machine's other cores read other pages or documents.
"""

from __future__ import annotations

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
# The recogniser's longest side: RapidOCR's default (2000) shrinks a long receipt's text
# below what it reads well; 3000 keeps 2-3 mm text legible on a 30 cm till roll.
MAX_SIDE = 3000

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
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, max_side_len=MAX_SIDE,
                    print_verbose=False)


def recognise_page_rapid(number: int, image: Image.Image, dpi: float) -> Page:
    """Positioned words (PDF points) of one greyscale page image read at `dpi`."""
    grey = np.asarray(image.convert("L"))
    lines, _ = _engine()(np.asarray(image.convert("RGB")), return_word_box=True)
    scale = 72.0 / dpi
    words: list[Word] = []
    for line in lines or ():
        words.extend(line_words(line, scale, blank_gaps(grey, line[0])))
    return Page(number=number, width=image.width * scale, height=image.height * scale,
                words=words)


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


def release_engine() -> None:
    """Drop the loaded models (a few hundred MB): for a process that read scans only once."""
    _engine.cache_clear()
