"""SIREN, SIRET, VAT ids and IBANs on the page, checked, and sorted into supplier and customer.

Every identifier-shaped string is found with its position and checked with
`liasse.domain.identifiers`. Those of the workspace's own company, those in a "Bill to"
block and those under a customer label belong to the customer; the rest are the
supplier's. A failed checksum keeps the value but lowers its confidence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from liasse.domain import identifiers as ids
from liasse.extract.confidence import Evidence
from liasse.extract.fields.geometry import Layout, Segment, normalise
from liasse.extract.fields.reading import NOT_FOUND, FieldReading
from liasse.extract.layout import Word

Kind = Literal["vat", "siren", "siret", "iban"]
_EU = "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|GB|XI|CH"
_PATTERNS: dict[Kind, re.Pattern[str]] = {
    # "BE 41 7360 0661 9710": some print a space after the country code too.
    "iban": re.compile(r"\b[A-Z]{2} ?\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"),
    "vat": re.compile(rf"\b(?:{_EU}) ?(?:[0-9A-Z]{{2}} ?)?\d{{3}}(?:[ .]?\d{{2,3}}){{1,3}}"
                      r"(?: ?[A-Z0-9]{1,3})?\b"),
    "siret": re.compile(r"(?<!\d)(?<!\d )\d{3} ?\d{3} ?\d{3} ?\d{5}(?!\d)"),
    "siren": re.compile(r"(?<!\d)(?<!\d )\d{3} ?\d{3} ?\d{3}(?!\d| ?\d{5}\b)"),
}
_KINDS: tuple[Kind, ...] = ("iban", "vat", "siret", "siren")  # longest shapes claim text first
_VALID = {"vat": ids.is_valid_vat, "siren": ids.is_valid_siren, "siret": ids.is_valid_siret,
          "iban": ids.is_valid_iban}
# Words that, on the same line, say which identifier this is.
_KIND_WORDS: dict[Kind, tuple[str, ...]] = {
    "vat": ("tva", "vat", "ust", "idnr", "mwst", "btw", "iva", "uid"),
    "siren": ("siren", "rcs", "r c s"),
    "siret": ("siret",),
    "iban": ("iban",),
}
_CUSTOMER_WORDS = ("client", "customer", "kunde", "your vat", "votre", "ihre", "acheteur", "buyer")
_BLOCK_LINES = 7  # a "Bill to" block spans the label line and the lines under it
# What every pattern above requires (`\d`, any decimal digit): a text without one holds none.
_DIGIT = re.compile(r"\d")
# Any of the shapes, searched once: a text none matches anywhere is not scanned four times.
_ANY_SHAPE = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in _PATTERNS.values()))


@dataclass(frozen=True)
class Occurrence:
    kind: Kind
    value: str
    valid: bool
    labelled: bool
    customer: bool
    segment: Segment


def read_identifiers(layout: Layout, own: frozenset[str]) -> dict[str, FieldReading]:
    found = list(_occurrences(layout))
    supplier = [o for o in found if not o.customer and o.value not in own
                and not _contains_own(o, own)]
    customer = [o for o in found if o.customer or o.value in own or _contains_own(o, own)]
    legal = _legal_mention_lines(layout)
    readings = {f"supplier_{kind}" if kind != "vat" else "supplier_vat_id":
                _choose(supplier, kind, legal) for kind in ("vat", "siren", "siret", "iban")}
    readings["customer_vat_id"] = _choose(customer, "vat")
    _derive_siren(readings)
    return readings


def _contains_own(occurrence: Occurrence, own: frozenset[str]) -> bool:
    """A SIRET or VAT id built on one of our own SIRENs is ours too."""
    return any(len(mine) == 9 and mine in occurrence.value for mine in own)


def _occurrences(layout: Layout) -> Iterator[Occurrence]:
    customer_segments = customer_block_segments(layout)
    under_labels = _under_customer_vat_labels(layout)
    for segment in layout.segments():
        text = segment.text.upper()
        if _DIGIT.search(text) is None or _ANY_SHAPE.search(text) is None:
            continue  # every identifier's shape holds digits; most figures are no shape
        taken: list[tuple[int, int]] = []
        for kind in _KINDS:
            for match in _PATTERNS[kind].finditer(text):
                if any(match.start() < end and start < match.end() for start, end in taken):
                    continue
                value = ids.compact(match.group(0))
                before = normalise(text[max(0, match.start() - 40):match.start()])
                valid, labelled = _VALID[kind](value), _labelled(before, kind)
                if not valid and not labelled:
                    continue  # identifier-shaped, but neither checksum nor label says so
                if kind == "siren" and not labelled:
                    continue  # an unlabelled 9-digit number is as likely a phone or order no.
                taken.append(match.span())
                customer = segment in customer_segments or _customer_label(before) or \
                    _inside(under_labels, segment, _word_at(segment, match.start()))
                yield Occurrence(kind, value, valid, labelled, customer, segment)


def _labelled(plain: str, kind: Kind) -> bool:
    return any(pattern.search(plain) for pattern in _KIND_LABELS[kind])


# Each kind's words as whole words, compiled once (`_labelled` runs for every match).
_KIND_LABELS: dict[Kind, tuple[re.Pattern[str], ...]] = {
    kind: tuple(re.compile(rf"\b{word}\b") for word in words)
    for kind, words in _KIND_WORDS.items()}


def _customer_label(plain: str) -> bool:
    return any(re.search(rf"\b{word}\b", plain) for word in _CUSTOMER_WORDS)


def customer_block_segments(layout: Layout) -> set[Segment]:
    """Segments in a "Bill to" block: under the label, in its column, a few lines down."""
    block = _customer_vat_segments(layout)
    for hit in layout.hits.get("customer_block", []):
        label = hit.segment
        page = layout.page(label.page)
        right_limit = page.width / 2 + 40 if label.x0 < page.width / 2 else page.width
        for line in layout.lines[label.line:label.line + _BLOCK_LINES]:
            if line.page != label.page:
                break
            block.update(s for s in line.segments
                         if label.x0 - 15 <= s.x0 < right_limit and s.x0 < label.x1 + 200)
    return block


def _customer_vat_segments(layout: Layout) -> set[Segment]:
    """The label segments of "Customer VAT no." and the first segment to their right."""
    found: set[Segment] = set()
    for hit in layout.hits.get("customer_vat_id", []):
        label = hit.segment
        found.add(label)
        right = [s for s in layout.lines[label.line].segments if s.x0 > label.x1]
        found.update(right[:1])
    return found


_Area = tuple[int, float, float]  # line index, x from, x to


def _under_customer_vat_labels(layout: Layout) -> list[_Area]:
    """Where a value printed under a "Customer VAT no." label sits (stacked label grids)."""
    return [(hit.segment.line + 1, hit.segment.words[hit.start].x0 - 5,
             hit.segment.words[hit.end - 1].x1 + 30)
            for hit in layout.hits.get("customer_vat_id", [])]


def _word_at(segment: Segment, offset: int) -> Word:
    """The word of the segment that holds character `offset` of `segment.text`."""
    position = 0
    for word in segment.words:
        position += len(word.text) + 1
        if offset < position:
            return word
    return segment.words[-1]


def _inside(areas: list[_Area], segment: Segment, word: Word) -> bool:
    return any(segment.line == line and low <= word.x0 <= high for line, low, high in areas)


# What only the seller prints, in its legal mention: share capital, trade register, court,
# managing director ("SARL au capital de 50 000 € - RCS Nanterre", "Amtsgericht München HRB").
_LEGAL_MENTION = re.compile(r"\b(?:capital|rcs|r c s|handelsregister|amtsgericht|hrb|"
                            r"geschaftsfuhrer|registered in|registro mercantil|kvk)\b")
_MENTION_REACH = 2  # lines between an identifier and the legal mention it belongs to
_MENTION_HEIGHTS = 3.0  # and how far apart, in line heights, as printed


def _legal_mention_lines(layout: Layout) -> frozenset[int]:
    """The lines near a legal mention: a couple of lines above or under it, close by."""
    near: set[int] = set()
    for mention in layout.lines:
        if not _LEGAL_MENTION.search(normalise(mention.text)):
            continue
        reach = _MENTION_HEIGHTS * max(mention.y1 - mention.y0, 1.0)
        for line in layout.lines[max(0, mention.index - _MENTION_REACH):
                                 mention.index + _MENTION_REACH + 1]:
            if line.page == mention.page and abs(line.y0 - mention.y0) <= reach:
                near.add(line.index)
    return frozenset(near)


def _choose(occurrences: list[Occurrence], kind: Kind,
            legal: frozenset[int] = frozenset()) -> FieldReading:
    of_kind = [o for o in occurrences if o.kind == kind]
    if not of_kind:
        return NOT_FOUND
    counts = Counter(o.value for o in of_kind)
    # Between two ids as well printed, the one beside the seller's legal mention is the
    # seller's: an unlabelled customer block ("CLIENT 1 / … / Numero TVA FR51…") prints its own.
    best = max(of_kind, key=lambda o: (o.valid, o.labelled, counts[o.value],
                                       o.segment.line in legal))
    others = {o.value for o in of_kind if o.valid and o.value != best.value}
    evidence = Evidence(label="strong" if best.labelled else "none", geometry="inline",
                        checksum=best.valid, agreeing=counts[best.value],
                        conflicting=len(others))
    source = f"p{best.segment.page}: {best.segment.text}"[:200]
    return FieldReading(best.value, evidence, source)


def _derive_siren(readings: dict[str, FieldReading]) -> None:
    """A SIREN that is not printed on its own is still printed inside the SIRET or FR VAT id."""
    if readings["supplier_siren"].value is not None:
        return
    for name, derive in (("supplier_siret", ids.siren_from_siret),
                         ("supplier_vat_id", ids.siren_from_vat)):
        source = readings[name]
        siren = derive(source.value) if source.value else None
        if siren and source.evidence.checksum and ids.is_valid_siren(siren):
            evidence = Evidence(label=source.evidence.label, geometry="inline", checksum=True,
                                derived=True)
            readings["supplier_siren"] = FieldReading(siren, evidence, source.source)
            return
