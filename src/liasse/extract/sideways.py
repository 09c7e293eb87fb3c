"""Text printed sideways, up or down a margin, read as a line under the page's foot.

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
is taller than wide, one row's line apart. Such a run is read again as words along its
column and laid out as a line of its own below the page's foot, where legal mentions are
usually printed, so that nothing it holds overlaps the page's own lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from liasse.extract.layout import Word

# Shorter runs are left as they are: a rotated "N°" or a page's stamp is not worth moving.
MIN_RUN_CHARACTERS = 8
# Edges of two characters of one column agree within this share of the column's width.
_EDGE_TOLERANCE = 0.08
# A gap along the column wider than this share of its width is a space between words; one
# wider than _MAX_GAP is not the same run.
_SPACE_GAP = 0.12
_MAX_GAP = 0.6
# A sideways glyph's box is at most this share of its column's width long, on average.
_MAX_ADVANCE = 0.8
# The lines made of sideways runs start this far below the page's foot and follow each
# other at this many times their width.
_BELOW_FOOT = 4.0
_LINE_PITCH = 1.5


def with_sideways_runs_as_lines(words: Sequence[Word], page_height: float) -> list[Word]:
    """The page's words, each sideways run replaced by its words on a line of its own."""
    runs = _sideways_runs(words)
    if not runs:
        return list(words)
    moved = {index for run in runs for index in run}
    kept = [word for index, word in enumerate(words) if index not in moved]
    top = page_height + _BELOW_FOOT
    for run in runs:
        line = _as_line([words[index] for index in run], top)
        kept.extend(line)
        top += _LINE_PITCH * (line[0].y1 - line[0].y0)
    return kept


def _sideways_runs(words: Sequence[Word]) -> list[list[int]]:
    runs: list[list[int]] = []
    run: list[int] = []
    for index, word in enumerate(words):
        if len(word.text) != 1:  # the word builder leaves a sideways run one word per glyph
            _keep_if_sideways(run, words, runs)
            run = []
            continue
        if run and _follows(words[run[-1]], word, _direction(words, run)):
            run.append(index)
            continue
        _keep_if_sideways(run, words, runs)
        run = [index]
    _keep_if_sideways(run, words, runs)
    return runs


def _direction(words: Sequence[Word], run: list[int]) -> int:
    """-1 when the run reads up the page, +1 down, 0 while it has a single word."""
    if len(run) < 2:
        return 0
    return -1 if words[run[1]].y0 < words[run[0]].y0 else 1


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


def _keep_if_sideways(run: list[int], words: Sequence[Word], runs: list[list[int]]) -> None:
    if len(run) < MIN_RUN_CHARACTERS:
        return
    width = words[run[0]].x1 - words[run[0]].x0
    along = sum(words[index].y1 - words[index].y0 for index in run)
    if along / len(run) <= _MAX_ADVANCE * width:
        runs.append(list(run))


def _as_line(column: list[Word], top: float) -> list[Word]:
    """The run's characters joined into words along the column, laid out left to right from
    the page's left edge at the column's own sizes, on a line starting at `top`."""
    width = column[0].x1 - column[0].x0
    upward = len(column) > 1 and column[1].y0 < column[0].y0
    start = column[0].y1 if upward else column[0].y0
    words: list[Word] = []
    text, first, last = "", 0.0, 0.0
    previous: Word | None = None
    for word in column:
        begin = start - word.y1 if upward else word.y0 - start
        end = start - word.y0 if upward else word.y1 - start
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
