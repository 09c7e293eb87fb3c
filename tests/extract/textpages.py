"""Pages made from text rows, laid out like a PDF would: the field readers' test input."""

from __future__ import annotations

from liasse.extract.layout import Page, Word


def page_of(rows: list[tuple[float, float, str]], *, width: float = 595,
            height: float = 842) -> Page:
    """Words at (x, y): 5 pt per character, 10 pt line height, a normal space between."""
    words: list[Word] = []
    for x, y, text in rows:
        cursor = x
        for token in text.split(" "):
            if token:
                words.append(Word(token, cursor, y, cursor + 5 * len(token), y + 10))
            cursor += 5 * len(token) + 3  # a normal space
    return Page(number=1, width=width, height=height, words=words)
