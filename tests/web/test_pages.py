"""Documents search, the dashboard's numbers and charts, Ask, suppliers, settings, i18n."""

from __future__ import annotations

from fastapi.testclient import TestClient
from webworld import World, invoice_file

from liasse.web.i18n import FIELD_LABELS, MESSAGES, STATE_LABELS


def files_listed(page: str, world: World) -> set[str]:
    return {name for name in ("sure.pdf", "unsure.pdf", "second.pdf", "bad.pdf")
            if f"/w/default/documents/{world.document_id(name)}\"" in page}


def test_documents_filter_by_text_supplier_state_amount_and_dates(world: World,
                                                                  owner: TestClient) -> None:
    get = lambda query: files_listed(owner.get(f"/w/default/documents?{query}").text, world)  # noqa: E731
    assert get("") == {"sure.pdf", "unsure.pdf", "second.pdf", "bad.pdf"}
    assert get("q=lemoine") == {"second.pdf"}
    assert get("q=page+1") == {"sure.pdf", "unsure.pdf", "second.pdf", "bad.pdf"}  # evidence
    assert get("supplier=orange") == {"sure.pdf"}
    assert get("state=in_review") == {"unsure.pdf", "second.pdf"}
    assert get("min=50&max=130") == {"sure.pdf", "unsure.pdf", "bad.pdf"}
    assert get("max=50") == {"second.pdf"}
    assert get("issued_from=2026-11-04") == set()
    assert get("issued_from=2026-11-01&issued_to=2026-11-30&state=posted") == {"sure.pdf"}
    assert get("min=abc&page=zz") == {"sure.pdf", "unsure.pdf", "second.pdf", "bad.pdf"}


def test_documents_sort_and_paginate(world: World, owner: TestClient) -> None:
    for index in range(55):
        invoice_file(world.inbox, f"bulk-{index:02}.pdf", 0.3, total_amount=f"{index}.00")
    world.run_window()
    first = owner.get("/w/default/documents?sort=total&dir=asc").text
    assert "Page 1 / 2" in first and 'rel="next"' in first
    assert first.index(">bulk-00.pdf<") < first.index(">bulk-01.pdf<")
    second = owner.get("/w/default/documents?sort=total&dir=asc&page=2").text
    assert ">bulk-00.pdf<" not in second and ">sure.pdf<" in second


def test_dashboard_counts_rate_and_spend_with_numbers_beside_the_charts(owner: TestClient
                                                                        ) -> None:
    page = owner.get("/w/default/dashboard").text
    assert '<strong id="tile-review">2</strong>' in page
    assert '<strong id="auto-rate">25%</strong>' in page  # 1 of 4 routed documents posted alone
    assert page.count("<svg") == 3 and "<rect" in page  # by state, supplier, account
    assert "Orange Business" in page and "120.00 EUR" in page


def test_ask_answers_with_links_to_the_records(world: World, owner: TestClient) -> None:
    page = owner.get("/w/default/ask", params={
        "q": "How much did we spend with orange this year?"}).text
    assert ("Spent with Orange Business this year, by invoice date: 120.00 EUR (1 invoices)."
            in page)
    assert f'href="/w/default/documents/{world.document_id("sure.pdf")}"' in page
    french = owner.get("/w/default/ask", params={"q": "qu'est-ce qui demande mon attention ?"})
    assert "points demandent votre attention" in french.text
    assert 'href="/w/default/review"' in french.text
    unknown = owner.get("/w/default/ask", params={"q": "what is the weather?"}).text
    assert "I can answer these questions" in unknown and "summarise this month" in unknown


def test_suppliers_and_settings_pages(owner: TestClient) -> None:
    suppliers = owner.get("/w/default/suppliers").text
    assert "Orange Business" in suppliers and "Boulangerie Lemoine" in suppliers
    settings = owner.get("/w/default/settings").text
    assert "owner@example.com" in settings and "85%" in settings


def test_every_string_exists_in_english_and_french() -> None:
    for table in (MESSAGES, STATE_LABELS, FIELD_LABELS):
        assert set(table["en"]) == set(table["fr"])
