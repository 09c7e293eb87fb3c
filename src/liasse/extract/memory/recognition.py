"""Which remembered supplier a page is (`recognise`): by an identifier it prints, its web
domain, its name (exact, or nearly as confirmed with the header's marks), or its layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from liasse.domain.extraction import ExtractedField
from liasse.domain.identifiers import compact
from liasse.extract.fields.geometry import Layout, normalise
from liasse.extract.memory.anchors import fingerprint_share
from liasse.extract.memory.marks import NAME_ALIKE, header_lines, header_marks, name_likeness
from liasse.extract.memory.model import (
    _HEADER_LINES,
    FINGERPRINT_FROM,
    IDENTIFIER_FIELDS,
    Recognised,
    SupplierMemory,
)


@dataclass(frozen=True)
class Recognition:
    memory: SupplierMemory
    how: Recognised
    evidence: str
    by_name_alike: bool = False  # its name nearly as confirmed, and nothing else


def recognise(layout: Layout, fields: Mapping[str, ExtractedField],
              memories: Sequence[SupplierMemory]) -> Recognition | None:
    """Whose document this is, by what the page prints: identifier, domain, then layout."""
    page = compact(layout.text)
    read = {compact(fields[n].value or "") for n in IDENTIFIER_FIELDS if n in fields}
    by_id = [(m, i) for m in memories for i in m.identifiers
             if i and (i in read or (len(i) >= 9 and i in page))]
    if len({m.supplier_id for m, _ in by_id}) == 1:
        return Recognition(by_id[0][0], "identifier", f"identifier {by_id[0][1]}")
    if by_id:
        return None  # two suppliers' identifiers on one page: a person decides
    named = _by_name(layout, memories)
    if named is not None:
        return named
    text = layout.text.lower()
    by_domain = [(m, d) for m in memories for d in m.domains if d and d in text]
    if len({m.supplier_id for m, _ in by_domain}) == 1:
        return Recognition(by_domain[0][0], "domain", f"web domain {by_domain[0][1]}")
    return _by_marks(layout, memories) or _by_name_alike(layout, memories) \
        or _by_layout(layout, memories)


def _by_marks(layout: Layout, memories: Sequence[SupplierMemory]) -> Recognition | None:
    """A long number of its headers (registration, phone) printed in this header; none
    when two suppliers' numbers are."""
    printed = set(header_marks(layout))
    found = [(m, mark) for m in memories for mark in m.marks if mark in printed]
    if len({m.supplier_id for m, _ in found}) != 1:
        return None
    return Recognition(found[0][0], "layout", f"the number {found[0][1]} of its header")


def _by_name_alike(layout: Layout, memories: Sequence[SupplierMemory]
                   ) -> Recognition | None:
    """Its name nearly as confirmed in the header (OCR misread a letter or two), and no
    other supplier's name as alike."""
    lines = header_lines(layout)
    scored = sorted(((name_likeness(m.supplier_name, lines), m) for m in memories),
                    key=lambda item: -item[0])
    if not scored or scored[0][0] < NAME_ALIKE:
        return None
    if len(scored) > 1 and scored[1][0] >= NAME_ALIKE:
        return None
    return Recognition(scored[0][1], "layout",
                       f"its name {scored[0][1].supplier_name!r} nearly as printed",
                       by_name_alike=True)


def _by_name(layout: Layout, memories: Sequence[SupplierMemory]) -> Recognition | None:
    """The remembered name printed in the page's first lines; the longest such name, and
    none when two names not contained in one another are both printed."""
    header = " " + " ".join(normalise(line.text) for line in layout.lines[:_HEADER_LINES * 2]
                            if line.page == 1) + " "
    found = [(m, normalise(m.supplier_name)) for m in memories]
    found = [(m, n) for m, n in found if len(n) >= 4 and f" {n} " in header]
    if not found:
        return None
    found.sort(key=lambda item: -len(item[1]))
    best, name = found[0]
    if any(n not in name for _, n in found[1:]):
        return None
    return Recognition(best, "name", f"its name {best.supplier_name!r} printed on the page")


def _by_layout(layout: Layout, memories: Sequence[SupplierMemory]) -> Recognition | None:
    scored = sorted(((fingerprint_share(m.fingerprint, layout), m) for m in memories),
                    key=lambda item: -item[0])
    if not scored or scored[0][0] < FINGERPRINT_FROM:
        return None
    if len(scored) > 1 and scored[1][0] >= scored[0][0] - 0.15:
        return None  # two layouts alike: no guess
    share, memory = scored[0]
    return Recognition(memory, "layout", f"{share:.0%} of its header lines")
