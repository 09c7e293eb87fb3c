"""Answers come from the database, in the question's language, each linking to its records."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from webworld import World, filled_world

from liasse.ask.answers import Paths, ask, best_supplier
from liasse.settings import Settings
from liasse.store.web_repo import WebRepo

TODAY = date(2026, 11, 10)


def answer(world: World, question: str) -> tuple[str, list[str], list[str]]:
    with world.services.workspace_repo() as repo:
        result = ask(question, WebRepo(repo.session, repo.workspace_id), Paths("/w/default"),
                     TODAY)
    return result.headline, [link.href for link in result.links], list(result.details)


def test_every_supported_question_gets_an_answer_with_links(settings: Settings) -> None:
    world = filled_world(settings)
    try:
        sure, unsure = world.document_id("sure.pdf"), world.document_id("unsure.pdf")
        headline, links, _ = answer(world, "summarise this month")
        assert headline == "Summary of this month: 1 accepted invoices, 120.00 EUR."
        assert any("supplier=Orange+Business" in link for link in links)
        headline, links, _ = answer(world, "what needs attention?")
        assert headline == "1 things need attention." and links == ["/w/default/review"]
        headline, links, _ = answer(world, "find unmatched records")
        assert "1 posted invoices" in headline and f"/w/default/documents/{sure}" in links
        headline, links, _ = answer(world, "combien avons-nous dépensé avec orange cette année ?")
        assert headline == "Dépensé avec Orange Business cette année : 120,00 EUR (1 factures)."
        headline, links, _ = answer(world, "show invoices due next week")
        assert headline == "3 invoices due next week, 288.30 EUR."  # all due on 2026-11-20
        assert f"/w/default/documents/{unsure}" in links
        headline, links, _ = answer(world, "show invoices due this week")
        assert headline == "No invoice is due this week."
        headline, _, _ = answer(world, "factures à échéance ce mois")
        assert headline == "3 factures à échéance ce mois-ci, 288,30 EUR."
        headline, _, _ = answer(world, "how much did we spend with Nobody Known this year")
        assert "No supplier called “Nobody Known” found" in headline
    finally:
        world.services.close()


def test_supplier_names_are_matched_leniently() -> None:
    known = ["Cowork Rivoli", "Orange Business", "Électricité de France"]
    assert best_supplier("cowork", known) == "Cowork Rivoli"
    assert best_supplier("electricite de france", known) == "Électricité de France"
    assert best_supplier("zzz", known) is None
