"""Bar charts as plain data for the templates, which draw them as inline SVG.

Labels stay text (escaped by the template); bar lengths are computed here, as integers
in a fixed 0–100 scale, so a chart needs no script and reads the same without colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BAR_HEIGHT = 22
BAR_GAP = 6
MAX_BARS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    shown: str  # the number written beside the bar
    length: int  # 0..100, relative to the largest bar
    y: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + BAR_GAP)


def bar_chart(title: str, rows: Sequence[tuple[str, int, str]]) -> BarChart:
    """`rows` are (label, value, shown text); the largest values first, at most MAX_BARS."""
    ordered = sorted(rows, key=lambda row: -row[1])[:MAX_BARS]
    largest = max((value for _, value, _ in ordered), default=0)
    bars = tuple(
        Bar(label, shown, round(100 * value / largest) if largest > 0 else 0,
            index * (BAR_HEIGHT + BAR_GAP))
        for index, (label, value, shown) in enumerate(ordered)
    )
    return BarChart(title, bars)
