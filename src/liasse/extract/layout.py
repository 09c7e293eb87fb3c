"""Positioned words: what the text layer and OCR both produce, and the engine reads.

Coordinates are in PDF points from the top-left corner of the page (y grows downwards),
so that "right of" and "below" mean the same for born-digital and scanned pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0  # 1.0 for a text layer; Tesseract's per-word confidence / 100


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    words: list[Word] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)
