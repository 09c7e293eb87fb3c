"""The question parser: intents and parameters in English and French, deterministically."""

from __future__ import annotations

from datetime import date

import pytest

from liasse.app.ask.intents import parse

TODAY = date(2026, 11, 10)  # a Tuesday


@pytest.mark.parametrize(("question", "kind", "language"), [
    ("summarise this month", "summary", "en"),
    ("Summarize last month please", "summary", "en"),
    ("résume ce mois", "summary", "fr"),
    ("Bilan du mois", "summary", "fr"),
    ("what needs attention?", "attention", "en"),
    ("Qu'est-ce qui demande mon attention ?", "attention", "fr"),
    ("find unmatched records", "unmatched", "en"),
    ("trouve les factures non rapprochées", "unmatched", "fr"),
    ("how much did we spend with Cowork Rivoli this year?", "spend", "en"),
    ("Combien avons-nous dépensé avec Orange cette année ?", "spend", "fr"),
    ("show invoices due next week", "due", "en"),
    ("montre les factures à échéance la semaine prochaine", "due", "fr"),
    ("what is the weather like?", "unknown", "en"),
    ("quel temps fait-il ?", "unknown", "fr"),
])
def test_intent_and_language(question: str, kind: str, language: str) -> None:
    intent = parse(question, TODAY)
    assert (intent.kind, intent.language) == (kind, language)


@pytest.mark.parametrize(("question", "supplier"), [
    ("how much did we spend with Cowork Rivoli this year?", "Cowork Rivoli"),
    ("How much did we spend with Orange?", "Orange"),
    ("combien avons-nous dépensé chez Boulangerie Lemoine l'année dernière", "Boulangerie Lemoine"),
    ("Combien avons-nous dépensé avec Électricité de France cette année ?",
     "Électricité de France"),
    ("how much did we spend this year", None),
])
def test_spend_names_the_supplier_as_typed(question: str, supplier: str | None) -> None:
    assert parse(question, TODAY).supplier == supplier


@pytest.mark.parametrize(("question", "start", "end"), [
    ("how much did we spend with X this year", date(2026, 1, 1), date(2026, 12, 31)),
    ("how much did we spend with X last year", date(2025, 1, 1), date(2025, 12, 31)),
    ("combien chez X le mois dernier", date(2026, 10, 1), date(2026, 10, 31)),
    ("summarise this month", date(2026, 11, 1), date(2026, 11, 30)),
    ("show invoices due next week", date(2026, 11, 16), date(2026, 11, 22)),
    ("factures à échéance cette semaine", date(2026, 11, 9), date(2026, 11, 15)),
    ("factures à échéance en décembre", date(2026, 12, 1), date(2026, 12, 31)),  # the next one
    ("invoices due in October 2026", date(2026, 10, 1), date(2026, 10, 31)),
    ("résume octobre", date(2026, 10, 1), date(2026, 10, 31)),
    ("summarise Q1 2026", date(2026, 1, 1), date(2026, 3, 31)),
])
def test_periods(question: str, start: date, end: date) -> None:
    period = parse(question, TODAY).period
    assert period is not None and (period.start, period.end) == (start, end)


# The phrasing table (issue 14): spend by month, supplier and period, in both languages, with
# the date the question counts by. Today is Tuesday 10 November 2026.
OCTOBER, Q3 = (date(2026, 10, 1), date(2026, 10, 31)), (date(2026, 7, 1), date(2026, 9, 30))
SPEND_PHRASINGS = [
    # question, language, (start, end), supplier, basis, breakdown
    ("combien ai-je dépensé en octobre ?", "fr", OCTOBER, None, "issue", None),
    ("How much did I spend in October?", "en", OCTOBER, None, "issue", None),
    ("total des dépenses d'octobre", "fr", OCTOBER, None, "issue", None),
    ("combien de factures de Orange en octobre", "fr", OCTOBER, "Orange", "issue", None),
    ("combien avons-nous dépensé chez Orange en octobre ?", "fr", OCTOBER, "Orange", "issue",
     None),
    ("how much did we spend with Orange in October 2025?", "en",
     (date(2025, 10, 1), date(2025, 10, 31)), "Orange", "issue", None),
    ("combien ai-je dépensé en octobre l'année dernière ?", "fr",
     (date(2025, 10, 1), date(2025, 10, 31)), None, "issue", None),
    ("how much did we spend in December", "en",  # the last December that has begun
     (date(2025, 12, 1), date(2025, 12, 31)), None, "issue", None),
    ("how much did we spend on Cowork Rivoli last month", "en", OCTOBER, "Cowork Rivoli",
     "issue", None),
    ("combien pour le fournisseur Orange en 2025 ?", "fr",
     (date(2025, 1, 1), date(2025, 12, 31)), "Orange", "issue", None),
    ("spend by month in 2025", "en", (date(2025, 1, 1), date(2025, 12, 31)), None, "issue",
     "month"),
    ("dépenses par fournisseur cette année", "fr", (date(2026, 1, 1), date(2026, 12, 31)), None,
     "issue", "supplier"),
    ("what did we pay in Q3, by month?", "en", Q3, None, "payment", "month"),
    ("combien avons-nous payé au 3e trimestre, par mois ?", "fr", Q3, None, "payment", "month"),
    ("how much did we pay last quarter", "en", Q3, None, "payment", None),
    ("combien j'ai payé à EDF depuis janvier", "fr", (date(2026, 1, 1), TODAY), "EDF",
     "payment", None),
    ("how much was paid to Orange since March?", "en", (date(2026, 3, 1), TODAY), "Orange",
     "payment", None),
    ("combien avons-nous réglé à Orange ce trimestre, par date de paiement ?", "fr",
     (date(2026, 10, 1), date(2026, 12, 31)), "Orange", "payment", None),
    ("how much did we spend this year", "en", (date(2026, 1, 1), date(2026, 12, 31)), None,
     "issue", None),
]


@pytest.mark.parametrize(("question", "language", "period", "supplier", "basis", "breakdown"),
                         SPEND_PHRASINGS)
def test_spend_phrasings(question: str, language: str, period: tuple[date, date],
                         supplier: str | None, basis: str, breakdown: str | None) -> None:
    intent = parse(question, TODAY)
    assert intent.period is not None
    assert (intent.kind, intent.language, (intent.period.start, intent.period.end),
            intent.supplier, intent.basis, intent.breakdown) == (
        "spend", language, period, supplier, basis, breakdown)


@pytest.mark.parametrize(("question", "kind"), [
    ("how much do we have to pay next week", "due"),  # what falls due, not what was spent
    ("combien reste à payer cette semaine ?", "due"),
])
def test_amounts_to_pay_are_due_not_spend(question: str, kind: str) -> None:
    assert parse(question, TODAY).kind == kind
