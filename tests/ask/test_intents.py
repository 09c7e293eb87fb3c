"""The question parser: intents and parameters in English and French, deterministically."""

from __future__ import annotations

from datetime import date

import pytest

from liasse.ask.intents import parse

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
])
def test_periods(question: str, start: date, end: date) -> None:
    period = parse(question, TODAY).period
    assert period is not None and (period.start, period.end) == (start, end)
