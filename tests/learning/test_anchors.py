"""Where a confirmed value sat: the label words a person would point at, never a currency
mark or an empty line above."""

from __future__ import annotations

from liasse.extract.candidates import all_candidates
from liasse.extract.fields.geometry import build_layout
from liasse.extract.layout import Page, Word
from liasse.extract.memory import anchor_of


def _line(y: float, *parts: tuple[str, float]) -> list[Word]:
    return [Word(text, x, y, x + 8.0 * len(text), y + 10.0) for text, x in parts]


def _anchor_of_amount(words: list[Word], value: str) -> str:
    layout = build_layout([Page(1, 600.0, 800.0, words)])
    (candidate,) = [c for c in all_candidates(layout)["amount"] if c.value == value]
    return anchor_of(layout, candidate).label


def test_a_currency_mark_before_the_amount_is_not_its_label() -> None:
    words = [*_line(100, ("ACME", 40)),
             *_line(300, ("TOTAL", 40), ("RM", 400), ("12.50", 430))]
    assert _anchor_of_amount(words, "12.50") == "total"


def test_the_label_keeps_its_words_without_the_currency() -> None:
    words = [*_line(100, ("ACME", 40)), *_line(300, ("Total", 40), ("EUR", 90),
                                              ("12.50", 130))]
    assert _anchor_of_amount(words, "12.50") == "total"


def test_a_line_above_with_no_words_is_no_anchor() -> None:
    words = [*_line(100, ("ACME", 40)), *_line(280, ("----", 400)),
             *_line(300, ("12.50", 400))]
    assert _anchor_of_amount(words, "12.50") == ""
