"""Who sent the document and to whom: supplier name, customer name, supplier web domain.

The supplier's name is looked for where suppliers print it: the legal mention ("X SAS au
capital de ..."), a name ending in a legal form in the page header, the top line of the
first page. Agreement between two of these places (or with the web domain) is what makes
a name sure. The workspace's own names are never the supplier, and text inside a "Bill to"
block is the customer's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from liasse.extract.confidence import Evidence
from liasse.extract.fields.geometry import LabelHit, Layout, Segment, normalise
from liasse.extract.fields.identifiers import customer_block_segments
from liasse.extract.fields.lexicon import DOCUMENT_TYPE_WORDS, LEGAL_FORMS, WEBMAIL_DOMAINS
from liasse.extract.fields.reading import NOT_FOUND, FieldReading

_CAPITAL = re.compile(r"^(.{3,80}?)[\s,\-–]+(?:au capital (?:social )?de|share capital|"
                      r"stammkapital|grundkapital|capital social)\b", re.IGNORECASE)
_FORM_WORDS = frozenset(normalise(form) for form in LEGAL_FORMS)
_FORM_AT_END = re.compile(
    r"^[A-ZÀ-Ý0-9][\w'’&.\- ]{1,60}\s(?:" + "|".join(re.escape(f) for f in LEGAL_FORMS)
    + r"|GmbH & Co\. KG)$")
_EMAIL = re.compile(r"[\w.+\-]+@((?:[a-z0-9\-]+\.)+[a-z]{2,})", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|\bwww\.)((?:[a-z0-9\-]+\.)+[a-z]{2,})", re.IGNORECASE)
# What each pattern above needs somewhere in a text, with its case-blind matching: a
# segment without it holds no match, and is not read by the pattern (most segments).
_CAPITAL_WORD = re.compile(r"capital|kapital", re.IGNORECASE)
_WEB_MARK = re.compile(r"@|https?://|www\.", re.IGNORECASE)
_TITLE_WORDS = frozenset(word for words in DOCUMENT_TYPE_WORDS.values() for word in words)
_HEADER_SHARE = 0.3  # the top of the first page, where letterheads sit


@dataclass(frozen=True)
class _NameCandidate:
    name: str
    place: str  # "legal", "header_form", "header_top", "footer"
    segment: Segment


PARTY_FIELDS: tuple[str, ...] = ("supplier_name", "supplier_domain", "customer_name")


def read_parties(layout: Layout, own_names: tuple[str, ...],
                 wanted: Collection[str] = PARTY_FIELDS) -> dict[str, FieldReading]:
    """The `wanted` fields (the others are not read): the supplier's name candidates, most
    of the cost, are gathered only when the name is wanted, or the domain found needs them
    (a name it spells confirms it)."""
    customer_area = customer_block_segments(layout)
    own = {normalise(name) for name in own_names}
    domain, domain_source, domain_count = _domain(layout, customer_area)
    readings: dict[str, FieldReading] = {}
    candidates = [c for c in _name_candidates(layout, customer_area)
                  if not _is_own(c.name, own)] \
        if "supplier_name" in wanted or domain is not None else []
    if "supplier_name" in wanted:
        readings["supplier_name"] = _choose_supplier(candidates, domain)
    if "supplier_domain" in wanted:
        readings["supplier_domain"] = _domain_reading(domain, domain_source, domain_count,
                                                      candidates)
    if "customer_name" in wanted:
        readings["customer_name"] = _customer_name(layout, own)
    return readings


def _is_own(name: str, own: set[str]) -> bool:
    plain = normalise(name)
    return any(mine and (mine in plain or plain in mine) for mine in own)


_PART_SEPARATOR = re.compile(r"\s[-–|•]\s")
_SPACES = re.compile(r"\s+")


def _name_candidates(layout: Layout, customer_area: set[Segment]) -> list[_NameCandidate]:
    found: list[_NameCandidate] = []
    for segment in layout.segments():
        if _CAPITAL_WORD.search(segment.text) is None or segment in customer_area:
            continue
        for part in _PART_SEPARATOR.split(segment.text):
            legal = _CAPITAL.match(part.strip())
            if legal:
                found.append(_NameCandidate(_clean(legal.group(1)), "legal", segment))
    found += _header_candidates(layout, customer_area)
    return found


def _header_candidates(layout: Layout, customer_area: set[Segment]) -> list[_NameCandidate]:
    if not layout.pages:
        return []
    limit = layout.pages[0].height * _HEADER_SHARE
    labelled = {hit.segment for hits in layout.hits.values() for hit in hits}
    header = [s for s in layout.segments() if s.page == 1 and s.y0 < limit
              and s not in customer_area and s not in labelled and _looks_like_name(s.text)]
    found = [_NameCandidate(_clean(s.text), "header_form", s) for s in header
             if _FORM_AT_END.match(s.text.strip())]
    if header:
        # Letterheads print the name in the biggest type, topmost: take the topmost of the
        # segments nearly as big as the biggest.
        biggest = max(s.height for s in header)
        top = min((s for s in header if s.height >= biggest * 0.9), key=lambda s: s.y0)
        found.append(_NameCandidate(_clean(top.text), "header_top", top))
    return found


def _looks_like_name(text: str) -> bool:
    plain = normalise(text)
    words = plain.split()
    if not 1 <= len(words) <= 8 or sum(char.isdigit() for char in text) > 2:
        return False
    if plain in _TITLE_WORDS or any(plain.startswith(word + " ") for word in _TITLE_WORDS):
        return False
    return not ("@" in text or "www." in text.lower() or ":" in text)


def _clean(name: str) -> str:
    return _SPACES.sub(" ", name).strip(" ,;-–")


def _choose_supplier(candidates: list[_NameCandidate], domain: str | None) -> FieldReading:
    if not candidates:
        return NOT_FOUND
    votes = Counter(normalise(c.name) for c in candidates)
    places = {key: {c.place for c in candidates if normalise(c.name) == key} for key in votes}
    best_key = max(votes, key=lambda key: (len(places[key]), "legal" in places[key],
                                           "header_form" in places[key], votes[key]))
    best = next(c for c in candidates if normalise(c.name) == best_key)
    agreeing = len(places[best_key]) + (1 if domain and _name_matches_domain(best.name, domain)
                                        else 0)
    rivals = {key for key, where in places.items()
              if key != best_key and where & {"legal", "header_form"}}
    strong = bool(places[best_key] & {"legal", "header_form"})
    # OCR misreads a name the same way everywhere ("Miiller"): only the web domain, typed
    # by the supplier itself, can confirm a name read from pixels.
    unconfirmed_ocr = best.segment.word_confidence() < 1.0 and not (
        domain and _name_matches_domain(best.name, domain))
    evidence = Evidence(label="strong" if strong else "weak",
                        geometry="inline" if strong else "anywhere",
                        agreeing=agreeing, conflicting=len(rivals),
                        ocr=best.segment.word_confidence(), ambiguous=unconfirmed_ocr)
    return FieldReading(best.name, evidence, f"p{best.segment.page}: {best.segment.text}"[:200])


def _name_matches_domain(name: str, domain: str) -> bool:
    words = [w for w in normalise(name).split() if w not in _FORM_WORDS and len(w) > 2]
    label = domain.split(".")[0].replace("-", "")
    return bool(words) and sum(word in label for word in words) >= min(2, len(words))


def _domain(layout: Layout, customer_area: set[Segment]) -> tuple[str | None, str, int]:
    seen: Counter[str] = Counter()
    source: dict[str, str] = {}
    for segment in layout.segments():
        if _WEB_MARK.search(segment.text) is None or segment in customer_area:
            continue
        for pattern in (_EMAIL, _URL):
            for match in pattern.finditer(segment.text):
                domain = match.group(1).lower().rstrip(".")
                if domain in WEBMAIL_DOMAINS:
                    continue
                seen[domain] += 1
                source.setdefault(domain, f"p{segment.page}: {segment.text}"[:200])
    if len(seen) != 1:
        return None, "", 0  # none, or several sites: not sure which one is the supplier's
    domain, count = seen.most_common(1)[0]
    return domain, source[domain], count


def _domain_reading(domain: str | None, source: str, count: int,
                    candidates: list[_NameCandidate]) -> FieldReading:
    if domain is None:
        return NOT_FOUND
    matches_name = any(_name_matches_domain(c.name, domain) for c in candidates)
    evidence = Evidence(label="strong", geometry="inline",
                        agreeing=count + (1 if matches_name else 0))
    return FieldReading(domain, evidence, source)


def _customer_name(layout: Layout, own: set[str]) -> FieldReading:
    for hit in layout.hits.get("customer_block", []):
        segment, geometry = _customer_name_segment(layout, hit)
        if segment is None:
            continue
        name = _clean(segment.text_from(hit.end) if geometry == "inline" else segment.text)
        name = name.lstrip(":").strip()
        if not _looks_like_name(name):
            continue
        agreeing = 2 if _is_own(name, own) else 1
        evidence = Evidence(label="strong", geometry=geometry, agreeing=agreeing,
                            ocr=segment.word_confidence())
        return FieldReading(name, evidence, f"p{segment.page}: {segment.text}"[:200])
    return NOT_FOUND


def _customer_name_segment(layout: Layout,
                           hit: LabelHit) -> tuple[Segment | None, Literal["inline", "below"]]:
    label = hit.segment
    rest = normalise(label.text_from(hit.end))
    if rest:
        return label, "inline"
    for line in layout.lines[label.line + 1:label.line + 3]:
        if line.page != label.page:
            break
        for segment in line.segments:
            if abs(segment.x0 - label.x0) < 15:
                return segment, "below"
    return None, "below"
