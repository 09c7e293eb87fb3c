"""Read a plain question (English or French) into an intent and its parameters, deterministically.

No remote model: a small table of patterns per intent, a period parser ("this year",
"le mois dernier") and a supplier phrase ("with Cowork Rivoli", "chez Orange"). A question
that matches nothing is `Unknown`, and the answer lists what can be asked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Language = Literal["en", "fr"]
IntentKind = Literal["summary", "attention", "unmatched", "spend", "due", "unknown"]


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str  # the key of its wording in `ask.answers.TEXTS`


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    language: Language
    period: Period | None = None
    supplier: str | None = None


def fold(text: str) -> str:
    """Lower case without accents, so "Résume" and "resume" read the same."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


FRENCH_MARKERS = re.compile(
    r"\b(combien|quoi|quel|quelles?|qu'est|ce mois|cette|semaine|prochaine|avons|nous|"
    r"depense|resume|resumer|bilan|echeance|echeances|factures?|non|rapproch\w*|avec|chez|"
    r"demande|besoin|traiter|le|la|les|des|du)\b"
)
ENGLISH_MARKERS = re.compile(r"\b(how|what|the|this|with|show|find|needs?|did|we|spend|spent)\b")

PATTERNS: tuple[tuple[IntentKind, re.Pattern[str]], ...] = (
    ("spend", re.compile(r"\b(how much|spen[dt]|combien|depens\w*|depense)\b")),
    ("due", re.compile(r"\b(due|echeance\w*|echoi\w*|a payer|to pay)\b")),
    ("unmatched", re.compile(r"\b(unmatched|not matched|non rapproch\w*|pas rapproch\w*|"
                             r"sans rapprochement)\b")),
    ("attention", re.compile(r"\b(attention|needs? (me|us|action)|wrong|problems?|blocked|"
                             r"parked|a traiter|a faire|en erreur|bloque\w*)\b")),
    ("summary", re.compile(r"\b(summar\w*|overview|recap\w*|resum\w*|bilan|synthese)\b")),
)

_UNTIL = (r"(?=\s+(?:this|last|in|en|cette|l'annee|le mois|ce mois|depuis|over|during|sur)\b"
          r"|[?.!]|$)")
# Strong prepositions first: "de" or "on" also occur before the supplier in other roles.
SUPPLIER_PHRASES = (
    re.compile(r"\b(?:with|avec|chez|aupres de)\s+(?P<name>.+?)" + _UNTIL),
    re.compile(r"\b(?:from|on|to|at|pour|de|d')\s*(?P<name>[^\s].*?)" + _UNTIL),
)


def detect_language(folded: str) -> Language:
    french = len(FRENCH_MARKERS.findall(folded))
    english = len(ENGLISH_MARKERS.findall(folded))
    return "fr" if french > english else "en"


def parse_period(folded: str, today: date) -> Period | None:
    """The period the question names, or None when it names none."""
    if re.search(r"\b(last year|l'annee (derniere|precedente))\b", folded):
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "last_year")
    if re.search(r"\b(this year|cette annee|l'annee en cours|year to date)\b", folded):
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), "this_year")
    if re.search(r"\b(last month|le mois (dernier|precedent))\b", folded):
        end = today.replace(day=1) - timedelta(days=1)
        return Period(end.replace(day=1), end, "last_month")
    if re.search(r"\b(this month|ce mois|du mois|le mois en cours)\b", folded):
        return Period(today.replace(day=1), _month_end(today), "this_month")
    if re.search(r"\b(next week|semaine prochaine)\b", folded):
        start = today + timedelta(days=7 - today.weekday())
        return Period(start, start + timedelta(days=6), "next_week")
    if re.search(r"\b(this week|cette semaine)\b", folded):
        start = today - timedelta(days=today.weekday())
        return Period(start, start + timedelta(days=6), "this_week")
    return None


def _month_end(day: date) -> date:
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)


def parse_supplier(question: str) -> str | None:
    """The supplier phrase as typed (accents and case kept), if the question names one."""
    folded = fold(question)
    match = next(filter(None, (phrase.search(folded) for phrase in SUPPLIER_PHRASES)), None)
    if match is None:
        return None
    # `fold` keeps string positions for the usual accented letters: cut the original there.
    start, end = match.span("name")
    original = question[start:end] if len(question) == len(folded) else match.group("name")
    name = original.strip(" '\"“”«»")
    return name or None


def parse(question: str, today: date) -> Intent:
    folded = fold(question.strip())
    language = detect_language(folded)
    for kind, pattern in PATTERNS:
        if pattern.search(folded):
            return _with_parameters(kind, question, folded, language, today)
    return Intent("unknown", language)


def _with_parameters(kind: IntentKind, question: str, folded: str, language: Language,
                     today: date) -> Intent:
    period = parse_period(folded, today)
    if kind == "spend":
        default = Period(date(today.year, 1, 1), date(today.year, 12, 31), "this_year")
        return Intent(kind, language, period or default, parse_supplier(question))
    if kind == "due":
        start = today + timedelta(days=7 - today.weekday())
        default = Period(start, start + timedelta(days=6), "next_week")
        return Intent(kind, language, period or default)
    if kind == "summary":
        default = Period(today.replace(day=1), _month_end(today), "this_month")
        return Intent(kind, language, period or default)
    return Intent(kind, language, period)
