"""Read a plain question (English or French) into an intent and its parameters, deterministically.

No remote model: a small table of patterns per intent, a period parser ("this year",
"le mois dernier", "en octobre", "Q3 2025"), a supplier phrase ("with Cowork Rivoli",
"chez Orange") and, for spend, the date it is counted by (the invoice's issue date unless
the question asks about payments). A question that matches nothing is `Unknown`, and the
answer lists what can be asked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Language = Literal["en", "fr"]
IntentKind = Literal["summary", "attention", "unmatched", "spend", "due", "unknown"]
Basis = Literal["issue", "payment"]
Breakdown = Literal["month", "supplier"]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    # The key of its wording in `ask.answers.TEXTS`; "month", "year", "quarter" and
    # "since" are worded from `start`.
    label: str


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    language: Language
    period: Period | None = None
    supplier: str | None = None
    basis: Basis = "issue"  # which date puts an invoice in the period
    breakdown: Breakdown | None = None


def fold(text: str) -> str:
    """Lower case without accents, so "Résume" and "resume" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december")
MONTHS_FR = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
             "septembre", "octobre", "novembre", "decembre")
MONTH_NUMBERS = {name: number for names in (MONTHS_EN, MONTHS_FR)
                 for number, name in enumerate(names, start=1)}

FRENCH_MARKERS = re.compile(
    r"\b(combien|quoi|quel|quelles?|qu'est|ce mois|cette|semaine|prochaine|avons|nous|ai|j'ai|"
    r"depenses?|resume|resumer|bilan|echeance|echeances|factures?|non|rapproch\w*|avec|chez|"
    r"demande|besoin|traiter|le|la|les|des|du|en|mois|annee|depuis|paye\w*|par|"
    + "|".join(MONTHS_FR) + r")\b"
)
ENGLISH_MARKERS = re.compile(
    r"\b(how|what|the|this|with|show|find|needs?|did|we|i|my|in|much|spend|spent|paid|pay|"
    r"month|year|since|by|" + "|".join(MONTHS_EN) + r")\b")

PATTERNS: tuple[tuple[IntentKind, re.Pattern[str]], ...] = (
    # "due" before "spend": "how much do we have to pay next week" asks what falls due.
    ("due", re.compile(r"\b(due|echeance\w*|echoi\w*|a payer|to pay|reste a regler)\b")),
    ("spend", re.compile(r"\b(how much|spen[dt]|spending|combien|depens\w*|paid|payee?s?|"
                         r"did (?:we|i) pay)\b")),
    ("unmatched", re.compile(r"\b(unmatched|not matched|non rapproch\w*|pas rapproch\w*|"
                             r"sans rapprochement)\b")),
    ("attention", re.compile(r"\b(attention|needs? (me|us|action)|wrong|problems?|blocked|"
                             r"parked|a traiter|a faire|en erreur|bloque\w*)\b")),
    ("summary", re.compile(r"\b(summar\w*|overview|recap\w*|resum\w*|bilan|synthese)\b")),
)

# Spend counted when the money left (the matched bank debit), not when the invoice was dated.
PAYMENT_BASIS = re.compile(r"\b(paid|pay|payments?|debited|charged|cash out|"
                           r"paye\w*|paie\w*|paiements?|regle\w*|debite\w*|decaiss\w*)\b")
BREAKDOWNS: tuple[tuple[Breakdown, re.Pattern[str]], ...] = (
    ("month", re.compile(r"\b(by month|per month|each month|month by month|monthly|"
                         r"par mois|mois par mois|chaque mois|mensuel\w*)\b")),
    ("supplier", re.compile(r"\b(by supplier|per supplier|each supplier|"
                            r"par fournisseur|chaque fournisseur)\b")),
)

_MONTH_NAME = "|".join(MONTHS_EN + MONTHS_FR)
_YEAR = r"(?:19|20)\d\d"
_UNTIL = (r"(?=\s+(?:this|last|in|en|cette|l'annee|le mois|ce mois|depuis|since|over|during|"
          r"sur|for|par|by|per|pendant|au|du|" + _MONTH_NAME + r")\b|[?.!,;]|$)")
# Strong prepositions first: "de" or "on" also occur before the supplier in other roles.
SUPPLIER_PHRASES = (
    re.compile(r"\b(?:with|avec|chez|aupres de)\s+(?P<name>.+?)" + _UNTIL),
    re.compile(r"(?:\b(?:from|on|to|at|for|pour|de|a)\s+|\bd')(?P<name>[^\s].*?)" + _UNTIL),
)
# Words that start a phrase after "de", "on" or "pour" which names no supplier.
NOT_A_SUPPLIER = frozenset((
    "factures", "facture", "invoices", "invoice", "depenses", "depense", "argent", "money",
    "euros", "eur", "achats", "purchases", "paiements", "payments", "mes", "nos", "my", "our",
    "ce", "cette", "this", "last", "l'annee", "annee", "mois", "month", "year", "date",
    "payment", "paiement", "spend", "spending", "total", "tout", "all", "everything",
))
LEADING_WORDS = re.compile(r"^(?:(?:the|le|la|les|l'|supplier|fournisseur|vendor)\s*)+",
                           re.IGNORECASE)


def detect_language(folded: str) -> Language:
    french = len(FRENCH_MARKERS.findall(folded))
    english = len(ENGLISH_MARKERS.findall(folded))
    return "fr" if french > english else "en"


# --- periods -------------------------------------------------------------------------------


LAST_YEAR = re.compile(r"\b(last year|l'annee (derniere|precedente))\b")


def _month_end(day: date) -> date:
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def _month(year: int, month: int) -> Period:
    start = date(year, month, 1)
    return Period(start, _month_end(start), "month")


def _quarter(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    return Period(start, _month_end(date(year, 3 * quarter, 1)), "quarter")


def _named_month(match: re.Match[str], today: date) -> Period:
    """A month named without a year is the last one that has begun (October, asked in
    November 2026, is October 2026; December is December 2025)."""
    month = MONTH_NUMBERS[match.group("month")]
    if match.group("year"):
        return _month(int(match.group("year")), month)
    year = today.year if month <= today.month else today.year - 1
    if LAST_YEAR.search(match.string):  # "in October last year"
        year = today.year - 1
    return _month(year, month)


def _since_month(match: re.Match[str], today: date) -> Period:
    named = _named_month(match, today)
    return Period(named.start, today, "since")


def _last_month(today: date) -> Period:
    end = today.replace(day=1) - timedelta(days=1)
    return _month(end.year, end.month)


def _this_quarter(today: date) -> Period:
    return _quarter(today.year, (today.month - 1) // 3 + 1)


def _last_quarter(today: date) -> Period:
    quarter = (today.month - 1) // 3
    return _quarter(today.year, quarter) if quarter else _quarter(today.year - 1, 4)


def _numbered_quarter(match: re.Match[str], today: date) -> Period:
    year = int(match.group("year")) if match.group("year") else today.year
    return _quarter(year, int(match.group("quarter")))


def _week(today: date, weeks: int, label: str) -> Period:
    start = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)
    return Period(start, start + timedelta(days=6), label)


_MONTH_GROUP = rf"(?P<month>{_MONTH_NAME})(?:\s+(?P<year>{_YEAR}))?"
# Tried in order, the more specific first; each builder gets the match and today.
PERIOD_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], date], Period]], ...] = (
    (re.compile(rf"\b(?:since|depuis)\s+(?:(?:le mois de|le debut d')\s*|d')?{_MONTH_GROUP}\b"),
     _since_month),
    (re.compile(rf"\b{_MONTH_GROUP}\b"), _named_month),
    (re.compile(rf"\b(?:q|t)(?P<quarter>[1-4])(?:\s+(?P<year>{_YEAR}))?\b"),
     _numbered_quarter),
    (re.compile(r"\b(?P<quarter>[1-4])(?:er|e|eme|st|nd|rd|th)\s+(?:trimestre|quarter)"
                rf"(?:\s+(?:de\s+|of\s+)?(?P<year>{_YEAR}))?\b"), _numbered_quarter),
    (re.compile(r"\b(last quarter|le trimestre (dernier|precedent))\b"),
     lambda _, today: _last_quarter(today)),
    (re.compile(r"\b(this quarter|ce trimestre|le trimestre en cours)\b"),
     lambda _, today: _this_quarter(today)),
    (LAST_YEAR,
     lambda _, today: Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31),
                             "last_year")),
    (re.compile(r"\b(this year|cette annee|l'annee en cours|year to date|depuis le debut de "
                r"l'annee)\b"),
     lambda _, today: Period(date(today.year, 1, 1), date(today.year, 12, 31), "this_year")),
    (re.compile(rf"\b(?:(?:in|en|for|pour|during|pendant|of|de|sur)\s+)?(?P<year>{_YEAR})\b"),
     lambda match, _: Period(date(int(match.group("year")), 1, 1),
                             date(int(match.group("year")), 12, 31), "year")),
    (re.compile(r"\b(last month|le mois (dernier|precedent))\b"),
     lambda _, today: Period(_last_month(today).start, _last_month(today).end, "last_month")),
    (re.compile(r"\b(this month|ce mois|du mois|le mois en cours)\b"),
     lambda _, today: Period(today.replace(day=1), _month_end(today), "this_month")),
    (re.compile(r"\b(next week|semaine prochaine)\b"),
     lambda _, today: _week(today, 1, "next_week")),
    (re.compile(r"\b(last week|semaine (derniere|passee|precedente))\b"),
     lambda _, today: _week(today, -1, "last_week")),
    (re.compile(r"\b(this week|cette semaine)\b"),
     lambda _, today: _week(today, 0, "this_week")),
)


def find_period(folded: str, today: date) -> tuple[Period, tuple[int, int]] | None:
    """The period the question names and where it is named, or None when it names none."""
    for pattern, build in PERIOD_RULES:
        match = pattern.search(folded)
        if match:
            return build(match, today), match.span()
    return None


def parse_period(folded: str, today: date) -> Period | None:
    found = find_period(folded, today)
    return found[0] if found else None


# --- supplier --------------------------------------------------------------------------------


def parse_supplier(question: str, period_span: tuple[int, int] | None = None) -> str | None:
    """The supplier phrase as typed (accents and case kept), if the question names one.

    The period's words are blanked first, so "d'octobre" never reads as a supplier.
    """
    folded = fold(question)
    if len(folded) != len(question):  # `fold` keeps positions for the usual accented letters
        question = folded
    if period_span is not None:
        start, end = period_span
        filler = "." + " " * (end - start - 1)
        folded = folded[:start] + filler + folded[end:]
        question = question[:start] + filler + question[end:]
    for phrase in SUPPLIER_PHRASES:
        for match in _matches_at_each_preposition(phrase, folded):
            name = _clean_name(question[match.start("name"):match.end("name")])
            if name and fold(name).split(" ")[0] not in NOT_A_SUPPLIER:
                return name
    return None


def _matches_at_each_preposition(phrase: re.Pattern[str], folded: str) -> list[re.Match[str]]:
    """One match per place the preposition occurs ("de factures de Orange" gives two)."""
    found: list[re.Match[str]] = []
    position = 0
    while (match := phrase.search(folded, position)) is not None:
        found.append(match)
        position = match.start("name")
    return found


def _clean_name(raw: str) -> str:
    name = raw.strip(" '\"“”«».")
    return LEADING_WORDS.sub("", name).strip(" '\"“”«»")


# --- the whole question ----------------------------------------------------------------------


def parse(question: str, today: date) -> Intent:
    folded = fold(question.strip())
    language = detect_language(folded)
    for kind, pattern in PATTERNS:
        if pattern.search(folded):
            return _with_parameters(kind, question.strip(), folded, language, today)
    return Intent("unknown", language)


def _with_parameters(kind: IntentKind, question: str, folded: str, language: Language,
                     today: date) -> Intent:
    found = find_period(folded, today)
    period = found[0] if found else None
    if kind == "spend":
        default = Period(date(today.year, 1, 1), date(today.year, 12, 31), "this_year")
        basis: Basis = "payment" if PAYMENT_BASIS.search(folded) else "issue"
        breakdown = next((name for name, pattern in BREAKDOWNS if pattern.search(folded)), None)
        return Intent(kind, language, period or default,
                      parse_supplier(question, found[1] if found else None), basis, breakdown)
    if kind == "due":
        if found and period and period.label == "month" and period.end < today \
                and not re.search(r"\d", folded[found[1][0]:found[1][1]]):
            period = _month(period.start.year + 1, period.start.month)  # due: the next one
        return Intent(kind, language, period or _week(today, 1, "next_week"))
    if kind == "summary":
        default = Period(today.replace(day=1), _month_end(today), "this_month")
        return Intent(kind, language, period or default)
    return Intent(kind, language, period)
