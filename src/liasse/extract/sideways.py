"""Text printed sideways, up or down a margin or a whole page, turned upright under the
page's foot.

French telecom and energy invoices often print their legal mention ("BOUYGUES TELECOM -
Société Anonyme au capital de … - 397 480 930 R.C.S. PARIS - FR 74 397 480 930") up the
right margin. pdfium gives its characters in reading order, each with an upright box, so
the word builder (`extract.text`) breaks it into one word per character, stacked in a
column: the seller's name and VAT id are lost to the reader.

A sideways run is told apart by its geometry alone (pdfium's per-character angle would
cost a call per character of every page): consecutive one-character words that share their
left and right edges, each following the last along the column with at most a space's
gap, and whose boxes are shorter along the column than across it, as a glyph's advance is
shorter than its line's height. A column of figures in a table is the opposite: each box
is taller than wide, one row's line apart. Such runs are read again as words along their
columns and laid out as the page would show them turned to read them, below the page's
foot (where legal mentions are usually printed), so that nothing they hold overlaps the
page's own lines: a mention up the margin becomes one line, a page printed sideways keeps
its lines and their columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from liasse.extract.layout import Word

# Shorter runs are left as they are: two glyphs one over the other tell too little.
MIN_RUN_CHARACTERS = 3
# Edges of two characters of one column agree within this share of the column's width.
_EDGE_TOLERANCE = 0.08
# A gap along the column wider than this share of its width is a space between words; one
# wider than _MAX_GAP is not the same run.
_SPACE_GAP = 0.12
_MAX_GAP = 0.6
# A sideways glyph's box is at most this share of its column's width long, on average.
_MAX_ADVANCE = 0.8
# The text turned upright starts this far below the page's foot; text reading up the page
# comes first, then text reading down it.
_BELOW_FOOT = 4.0
_BAND_GAP = 8.0


def with_sideways_runs_as_lines(words: Sequence[Word], page_height: float) -> list[Word]:
    """The page's words, its sideways runs turned upright under its foot (`_upright`)."""
    runs = _sideways_runs(words)
    if not runs:
        return list(words)
    moved = {index for run in runs for index in run}
    kept = [word for index, word in enumerate(words) if index not in moved]
    columns = [[words[index] for index in run] for run in runs]
    # A page with nothing upright (landscape content turned on a portrait page) is all
    # turned: it starts at the page's top, as it would be read. Under upright text, what
    # is turned starts at the page's left edge: where a mention up the margin begins along
    # it says nothing of where it would be printed across.
    below = bool(kept)
    top = page_height + _BELOW_FOOT if below else 0.0
    for upward in (True, False):
        band = [column for column in columns if _reads_up(column) == upward]
        if band:
            turned = _upright(band, upward, page_height, top)
            if below:
                turned = _from_left_edge(turned)
            kept.extend(turned)
            top = max(word.y1 for word in turned) + _BAND_GAP
    return kept


def _from_left_edge(words: list[Word]) -> list[Word]:
    left = min(word.x0 for word in words)
    return [replace(word, x0=word.x0 - left, x1=word.x1 - left) for word in words]


def _sideways_runs(words: Sequence[Word]) -> list[list[int]]:
    """The indices of each sideways run, in reading order."""
    runs: list[list[int]] = []
    run: list[int] = []
    for index, word in enumerate(words):
        if len(word.text) != 1:  # the word builder leaves a sideways run one word per glyph
            runs.append(run)
            run = []
        elif run and _follows(words[run[-1]], word, _direction(words, run)):
            run.append(index)
        else:
            runs.append(run)
            run = [index]
    runs.append(run)
    return [run for run in runs if _is_sideways(run, words)]


def _direction(words: Sequence[Word], run: list[int]) -> int:
    """-1 when the run reads up the page, +1 down, 0 while it has a single word."""
    if len(run) < 2:
        return 0
    return -1 if _reads_up([words[run[0]], words[run[1]]]) else 1


def _follows(previous: Word, word: Word, direction: int) -> bool:
    width = previous.x1 - previous.x0
    if width <= 0 or abs(word.x0 - previous.x0) > _EDGE_TOLERANCE * width \
            or abs(word.x1 - previous.x1) > _EDGE_TOLERANCE * width:
        return False
    up = previous.y0 - word.y1  # the gap when `word` is above `previous`
    down = word.y0 - previous.y1  # ... and when it is below
    close_up = -_EDGE_TOLERANCE * width <= up <= _MAX_GAP * width
    close_down = -_EDGE_TOLERANCE * width <= down <= _MAX_GAP * width
    return (close_up and direction <= 0) or (close_down and direction >= 0)


def _is_sideways(run: list[int], words: Sequence[Word]) -> bool:
    if len(run) < MIN_RUN_CHARACTERS:
        return False
    width = words[run[0]].x1 - words[run[0]].x0
    along = sum(words[index].y1 - words[index].y0 for index in run)
    return along / len(run) <= _MAX_ADVANCE * width


def _reads_up(column: list[Word]) -> bool:
    return column[1].y0 < column[0].y0


def _upright(band: list[list[Word]], upward: bool, page_height: float,
             top: float) -> list[Word]:
    """The runs of one direction as the page turned to read them: along a run is left to
    right, from the page's edge it starts at; across, runs further along the reading of
    their lines (right of each other when they read up, left when down) are lower. A
    single mention up the margin is one line; a whole page printed sideways keeps its
    lines, and the columns of each, in place."""
    first = min(column[0].x0 for column in band) if upward \
        else max(column[0].x1 for column in band)
    words: list[Word] = []
    for column in band:
        offset = column[0].x0 - first if upward else first - column[0].x1
        words.extend(_as_line(column, upward, page_height, top + offset))
    return words


def _as_line(column: list[Word], upward: bool, page_height: float,
             top: float) -> list[Word]:
    """The run's characters joined into words along the column, placed by their distance
    from the page's edge the run starts from, on a line starting at `top`."""
    width = column[0].x1 - column[0].x0
    words: list[Word] = []
    text, first, last = "", 0.0, 0.0
    previous: Word | None = None
    for word in column:
        begin = page_height - word.y1 if upward else word.y0
        end = page_height - word.y0 if upward else word.y1
        if previous is not None and _gap(previous, word, upward) > _SPACE_GAP * width:
            words.append(Word(text, first, top, last, top + width))
            text = ""
        if not text:
            first = begin
        text, last = text + word.text, end
        previous = word
    words.append(Word(text, first, top, last, top + width))
    return words


def _gap(previous: Word, word: Word, upward: bool) -> float:
    return previous.y0 - word.y1 if upward else word.y0 - previous.y1
