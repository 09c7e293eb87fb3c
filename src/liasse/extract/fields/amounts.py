"""Net, tax and total amounts, and the currency: candidates by label, chosen by arithmetic.

Every labelled amount on the page is a candidate for its role. The choice is the triple
where net + tax = total to the cent (tax may be the sum of several per-rate lines), which
confirms all three at once; without such a triple the best-labelled total is given with a
confidence that stays below SURE.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from liasse.extract.confidence import Evidence, Geometry, LabelStrength
from liasse.extract.fields.geometry import LabelHit, Layout, Segment, normalise
from liasse.extract.fields.numbers import (
    CURRENCY_MARKS,
    Amount,
    find_amounts,
    find_rate,
    format_amount,
)
from liasse.extract.fields.reading import NOT_FOUND, FieldReading

_ROLES = ("net_amount", "tax_amount", "total_amount")
_NO_VAT_MENTIONS = ("293 b", "tva non applicable", "non assujetti", "exonere de tva",
                    "autoliquidation", "reverse charge", "vat exempt", "steuerschuldnerschaft",
                    "kleinunternehmer", "19 ustg", "umsatzsteuerfrei", "no vat")
_GEOMETRY_RANK: dict[Geometry, int] = {"inline": 0, "right": 1, "below": 3, "anywhere": 4}
_STRENGTH_RANK: dict[LabelStrength, int] = {"strong": 0, "weak": 2, "none": 4}


@dataclass(frozen=True)
class Candidate:
    role: str
    amount: Amount
    strength: LabelStrength
    geometry: Geometry
    position: int  # 0 for the first amount after the label, 1 for the next...
    line: int
    ocr: float
    source: str
    rate: Decimal | None = None

    @property
    def rank(self) -> int:
        """Lower is better: a strong label with the value right after it ranks first."""
        return _STRENGTH_RANK[self.strength] + _GEOMETRY_RANK[self.geometry] + self.position


def read_amounts(layout: Layout) -> dict[str, FieldReading]:
    candidates = {role: list(_candidates(layout, role)) for role in _ROLES}
    _add_tax_sums(candidates["tax_amount"])
    if _mentions_no_vat(layout):
        candidates["tax_amount"].append(_zero_tax())
    triple = _best_triple(candidates)
    readings = _from_triple(triple, candidates) if triple else _without_triple(candidates)
    readings["currency"] = _currency(layout, triple[2] if triple else None)
    return readings


def _candidates(layout: Layout, role: str) -> Iterator[Candidate]:
    for hit in layout.hits.get(role, []):
        yield from _amounts_near(layout, hit)


def _amounts_near(layout: Layout, hit: LabelHit) -> Iterator[Candidate]:
    """All amounts after the label on its line; the first one below when the line has none."""
    segment = hit.segment
    found = [(amount, "inline", segment)
             for amount in find_amounts(segment.text_from(hit.end))]
    for other in layout.lines[segment.line].segments:
        if other.x0 > segment.x1:
            found += [(amount, "right", other) for amount in find_amounts(other.text)]
    if not found:
        found = [(amount, "below", other) for other in _segments_below(layout, hit)
                 for amount in find_amounts(other.text)][:1]
    rate = find_rate(layout.lines[segment.line].text)
    for position, (amount, geometry, where) in enumerate(found):
        yield Candidate(hit.label.role, amount, hit.label.strength, geometry,  # type: ignore[arg-type]
                        position, segment.line, where.word_confidence(),
                        _evidence(segment, where), rate)


def _segments_below(layout: Layout, hit: LabelHit) -> Iterator[Segment]:
    words = hit.segment.words[:hit.end]
    left, right = words[0].x0, words[-1].x1
    for line in layout.lines[hit.segment.line + 1:hit.segment.line + 3]:
        if line.page != hit.segment.page:
            return
        for other in line.segments:
            if other.x0 <= right + 2 and other.x1 >= left - 2:
                yield other
                return


def _evidence(label: Segment, value: Segment) -> str:
    text = label.text if label is value else f"{label.text} → {value.text}"
    return f"p{label.page}: {text}"[:200]


def _add_tax_sums(taxes: list[Candidate]) -> None:
    """Several VAT rates: the tax total is the sum of one amount per rate line."""
    per_rate: dict[Decimal, Candidate] = {}
    for candidate in sorted(taxes, key=lambda c: c.rank):
        if candidate.rate is not None and candidate.position == _last_position(taxes, candidate):
            per_rate.setdefault(candidate.rate, candidate)
    if len(per_rate) > 1:
        total = sum((c.amount.value for c in per_rate.values()), Decimal(0))
        first = min(per_rate.values(), key=lambda c: c.line)
        taxes.append(replace(first, amount=Amount(total, first.amount.currency, "sum"),
                             source=first.source + " (sum of rates)", position=0))


def _last_position(candidates: list[Candidate], of: Candidate) -> int:
    return max(c.position for c in candidates if c.line == of.line and c.role == of.role)


def _mentions_no_vat(layout: Layout) -> bool:
    text = normalise(layout.text)
    return any(mention in text for mention in _NO_VAT_MENTIONS)


def _zero_tax() -> Candidate:
    return Candidate("tax_amount", Amount(Decimal("0.00"), None, "0.00"), "weak", "anywhere",
                     0, -1, 1.0, "no VAT mention")


Triple = tuple[Candidate, Candidate, Candidate]


def _best_triple(candidates: dict[str, list[Candidate]]) -> Triple | None:
    """The consistent (net, tax, total) with the best labels and positions."""
    consistent = [
        (net, tax, total)
        for total in candidates["total_amount"]
        for net, tax in itertools.product(candidates["net_amount"], candidates["tax_amount"])
        if net.amount.value + tax.amount.value == total.amount.value
        and net.amount.value != 0 and net.line != total.line
        and _to_the_cent(net, tax, total)
    ]
    if not consistent:
        return None
    return min(consistent, key=lambda t: (t[2].rank + t[0].rank + t[1].rank, -t[2].line))


def _to_the_cent(*chosen: Candidate) -> bool:
    """Only amounts printed with cents confirm each other: "5 €" + "1 €" = "6 €" is chance,
    typically OCR splitting "5 090,74" into pieces."""
    return all(c.amount.decimals == 2 for c in chosen)


def _from_triple(triple: Triple, candidates: dict[str, list[Candidate]]) -> dict[str, FieldReading]:
    readings: dict[str, FieldReading] = {}
    for chosen in triple:
        same = _labelled_lines_with(candidates[chosen.role], chosen.amount.value)
        evidence = Evidence(label=chosen.strength, geometry=chosen.geometry, arithmetic=True,
                            agreeing=max(same, 1), ocr=chosen.ocr)
        readings[chosen.role] = FieldReading(format_amount(chosen.amount.value), evidence,
                                             chosen.source)
    return readings


def _without_triple(candidates: dict[str, list[Candidate]]) -> dict[str, FieldReading]:
    """No arithmetic: each role's best candidate, doubted when the page disagrees with it."""
    readings: dict[str, FieldReading] = {}
    for role in _ROLES:
        options = [c for c in candidates[role] if c.geometry != "anywhere"]
        if not options:
            readings[role] = NOT_FOUND
            continue
        best = min(options, key=lambda c: (c.rank, -c.line))
        same = _labelled_lines_with(options, best.amount.value)
        others = {c.amount.value for c in options if c.position == 0} - {best.amount.value}
        tested = bool(candidates["net_amount"]) and bool(candidates["tax_amount"])
        evidence = Evidence(label=best.strength, geometry=best.geometry,
                            arithmetic=False if tested else None, agreeing=max(same, 1),
                            conflicting=len(others), ocr=best.ocr)
        readings[role] = FieldReading(format_amount(best.amount.value), evidence, best.source)
    return readings


def _labelled_lines_with(candidates: list[Candidate], value: Decimal) -> int:
    return len({c.line for c in candidates if c.amount.value == value and c.position == 0})


# Symbols several currencies print: "$" is also the Canadian, Australian, Colombian,
# Mexican... dollar or peso, so a "$" alone never makes the currency sure.
_SHARED_SYMBOLS = ("$", "¥")


# Currencies printed with a "$" of their own, named by their code somewhere on the page
# ("TOTAL COP  $ 132,600.01"). Only as printed in capitals, and only those whose code is no
# word of a language (not "ALL", "TOP", "CUP", "PEN", "ILS", "TRY").
_DOLLAR_CODES = frozenset({"CAD", "AUD", "NZD", "HKD", "SGD", "MXN", "COP", "CLP", "ARS",
                           "TWD", "BRL"})
_CAPITAL_WORD = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")


# A seller's tax registration that only one dollar country issues, printed on its slips: a
# Canadian business number with its GST/HST account ("GST/HST 137466199 RT 0001"), or
# the GST/HST or QST words themselves; an Australian Business Number ("ABN 12 345 678
# 901", eleven digits).
_DOLLAR_REGISTRATIONS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("CAD", "Canadian", re.compile(r"\b\d{9} ?RT ?\d{4}\b|\bGST ?/ ?HST\b|\bQST\b")),
    ("AUD", "Australian", re.compile(r"\bABN:? ?\d{2} ?\d{3} ?\d{3} ?\d{3}\b")),
)


def _dollar_code(layout: Layout) -> tuple[str, str] | None:
    """The one code of a currency printed with "$" that the page names, if one only; else
    the one dollar country whose tax registration the page prints. With how it was told."""
    text = layout.text
    codes = {word for word in _CAPITAL_WORD.findall(text) if word in _DOLLAR_CODES}
    if len(codes) == 1:
        code = codes.pop()
        return code, f"{code} printed on the page"
    if codes:
        return None
    registered = {(code, country) for code, country, registration in _DOLLAR_REGISTRATIONS
                  if registration.search(text)}
    if len(registered) != 1:
        return None
    code, country = registered.pop()
    return code, f"a {country} tax registration on the page"


def _bare_rand(amount: Amount) -> bool:
    """A figure marked "R" alone ("R1374945.00"): the rand's sign, and what OCR leaves of
    a ringgit's "RM" ("CASH R 100.10" on a Malaysian slip), so never sure, and never
    against a currency the page marks otherwise."""
    return amount.currency == "ZAR" and amount.text[:1] == "R" \
        and amount.text[1:].lstrip()[:1].isdigit()


def _currency(layout: Layout, total: Candidate | None) -> FieldReading:
    if total is not None and total.amount.currency:
        shared = (any(symbol in total.amount.text for symbol in _SHARED_SYMBOLS)
                  or _bare_rand(total.amount)) and \
            _currency_codes(layout.text) != {total.amount.currency}
        dollar = _dollar_code(layout) if "$" in total.amount.text else None
        if shared and dollar is not None and dollar[0] != total.amount.currency \
                and _currency_codes(layout.text) <= {dollar[0], total.amount.currency}:
            # "$" says dollar or peso, and the page says which one: the code, not sure.
            named, told = dollar
            return FieldReading(named, Evidence(label="weak", geometry="anywhere"),
                                f"{total.source} ({told})"[:200])
        evidence = Evidence(label="weak", geometry="anywhere") if shared else \
            Evidence(label="strong", geometry="inline", agreeing=2)
        return FieldReading(total.amount.currency, evidence, total.source)
    # Every amount of the page, read segment by segment: a line's amounts are its segments'
    # (none spans the two spaces that join them), and the segments' are read already.
    amounts = [amount for segment in layout.segments()
               for amount in find_amounts(segment.text) if amount.currency]
    codes = _currency_codes(layout.text)
    if any(not _bare_rand(amount) for amount in amounts) or codes - {"ZAR"}:
        amounts = [amount for amount in amounts if not _bare_rand(amount)]
    marks = [amount.currency for amount in amounts]
    seen = set(marks) | codes
    if not seen:
        return _currency_of_country(layout.text)
    if len(seen) != 1:
        return NOT_FOUND
    code = seen.pop()
    evidence = Evidence(label="weak" if marks else "none", geometry="anywhere",
                        agreeing=len(marks))
    return FieldReading(code, evidence, f"{len(marks)} amounts marked {code}")


# A page that marks none of its amounts may still say where it was printed: a "$" beside
# a US state and its ZIP code ("Lewisville TX 75067"), a UK postcode with "VAT" ("W1B 5QH",
# "20% VAT"), a French, German, Italian, Spanish or Dutch VAT word with that country's
# postcode and no "$" (Mexico's receipts print "IVA" and five-digit codes, in pesos). Only
# ever a hint: the reading is stated with no label, under the review threshold.
_US_STATE_ZIP = re.compile(
    r"\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|"
    r"NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)"
    r"[\s,]+\d{5}(?:-\d{4})?\b")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b")
_UK_VAT = re.compile(r"\bVAT\b")
_EURO_VAT = re.compile(r"\b(?:TVA|MwSt|MWST|USt|UST|IVA|BTW)\b")
# (Not New Caledonia's, French Polynesia's or Wallis's 986xx-988xx: francs CFP.)
_EURO_POSTCODE = re.compile(r"(?<![\d.,:/-])(?!98[678])\d{5}(?![\d.,:/-])\s+"
                            r"[A-Z][A-Za-zÀ-ÿ'’-]{2,}"
                            r"|(?<!\d)\d{4} ?[A-Z]{2}\s+[A-Z][a-z]{2,}")


def _currency_of_country(text: str) -> FieldReading:
    if "$" in text:
        code = "USD" if _US_STATE_ZIP.search(text) else None
    elif _UK_VAT.search(text) and _UK_POSTCODE.search(text):
        code = "GBP"
    elif _EURO_VAT.search(text) and _EURO_POSTCODE.search(text):
        code = "EUR"
    else:
        code = None
    if code is None:
        return NOT_FOUND
    return FieldReading(code, Evidence(label="none", geometry="anywhere"),
                        f"no amount marked; the page's address and tax words say {code}")


def _currency_codes(text: str) -> set[str]:
    # A code in brackets heads a column or a total ("Total H.T.(EUR)", "Amount (RM)").
    words = set(text.upper().replace("€", " EUR ").replace("(", " ").replace(")", " ").split())
    return {CURRENCY_MARKS[word] for word in words
            if word in CURRENCY_MARKS and len(word) == 3 and word.isalpha()}
