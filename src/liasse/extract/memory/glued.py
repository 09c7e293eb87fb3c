"""Amounts the reader passes over because a currency code is glued to them ("RM7.70").

The candidate reader starts an amount at a word that starts with a number or a currency
mark it knows; a till slip's OCR often prints "RM7.70" or "MYR12.00" as one word, so the
rounded total a supplier's receipts always carry is no candidate at all. Memory looks for
a remembered label's value among the candidates (`extract.memory`); these extra ones,
for memory only, let it find that value (the ranker's candidates and model are shipped
apart and stay as they are).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from liasse.extract.candidates import Candidate
from liasse.extract.fields.geometry import LabelHit, Layout

# A code of letters glued to a price with two decimals ("RM7.70", "MYR-0.02", "-RM0.02").
_GLUED = re.compile(
    r"^(?P<before>-?)(?P<code>[A-Za-z]{1,3})(?P<sign>-?)(?P<units>\d{1,7})[.,](?P<cents>\d{2})$")
CURRENCY_CODES = frozenset({"rm", "myr", "sgd", "inr", "usd", "eur", "gbp", "chf", "aud",
                            "cad", "jpy"})
# OCR reads a dollar sign as a capital S ("Nett Total: S8.20"): the one letter taken so.
_DOLLAR_MISREAD = "S"


def with_glued_amounts(layout: Layout, candidates: Mapping[str, list[Candidate]]
                       ) -> dict[str, list[Candidate]]:
    """The candidates, with the glued amounts no candidate already reads at that word."""
    taken = {(id(c.segment), c.word) for c in candidates.get("amount", [])}
    extra = [c for c in _glued(layout) if (id(c.segment), c.word) not in taken]
    return {**candidates, "amount": [*candidates.get("amount", []), *extra]}


def _glued(layout: Layout) -> Iterator[Candidate]:
    hits: dict[int, list[LabelHit]] = {}
    for found in layout.hits.values():
        for hit in found:
            hits.setdefault(id(hit.segment), []).append(hit)
    for segment in layout.segments():
        for index, word in enumerate(segment.words):
            match = _GLUED.match(word.text)
            if match is None or not _currency(match.group("code")):
                continue
            sign = "-" if match.group("before") or match.group("sign") else ""
            value = f"{sign}{int(match.group('units'))}.{match.group('cents')}"
            candidate = Candidate("amount", value, segment, index, {
                "ocr_conf": segment.word_confidence(index), "currency_mark": 1.0,
                "glued": 1.0})
            _label(layout, candidate, hits)
            yield candidate


def _currency(code: str) -> bool:
    return code == _DOLLAR_MISREAD if len(code) == 1 else code.lower() in CURRENCY_CODES


def _label(layout: Layout, candidate: Candidate, hits: Mapping[int, list[LabelHit]]) -> None:
    """The label roles before the value in its segment, else in the segment to its left,
    as the reader's own candidates carry them (`same:<role>`, `left:<role>`)."""
    segment = candidate.segment
    for hit in hits.get(id(segment), []):
        if hit.end <= candidate.word:
            candidate.features[f"same:{hit.label.role}"] = 1.0
            candidate.label = segment
    if candidate.label is not None:
        return
    left = [other for other in layout.lines[segment.line].segments if other.x1 <= segment.x0]
    if left and hits.get(id(left[-1])):
        for hit in hits[id(left[-1])]:
            candidate.features[f"left:{hit.label.role}"] = 1.0
        candidate.label = left[-1]
