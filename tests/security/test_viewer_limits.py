"""The review viewer renders pages in its own limited child processes under a deadline: a
page that would take too long costs a 422, never a thread of the web server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from test_page_images import add_to_review, pdf_bytes
from webworld import TEST_CONFIG, World, login

from liasse.samples.hostile import huge_page_pdf
from liasse.web.app import create_app
from liasse.web.routes import pages


@pytest.fixture
def owner(world: World) -> TestClient:
    world.add_user("owner@example.com", "owner")
    client = TestClient(create_app(world.services, TEST_CONFIG))
    assert login(client, "owner@example.com").status_code in (200, 303)
    return client


def test_a_huge_page_is_shown_small_and_a_slow_render_is_cut_off(
        world: World, owner: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = add_to_review(world, {"bomb.pdf": huge_page_pdf(), "invoice.pdf": pdf_bytes(1)})
    bomb = owner.get(f"/w/default/documents/{ids['bomb.pdf']}/pages/1.png?width=1600")
    assert bomb.status_code == 200 and len(bomb.content) < 200_000  # 1600 px wide, no more
    monkeypatch.setattr(pages, "RENDER_SECONDS", 0.001)  # no render fits this deadline
    slow = owner.get(f"/w/default/documents/{ids['invoice.pdf']}/pages/1.png?width=1599")
    assert slow.status_code == 422 and "time limit" in slow.text
    monkeypatch.setattr(pages, "RENDER_SECONDS", 20.0)  # the next child serves at once
    again = owner.get(f"/w/default/documents/{ids['invoice.pdf']}/pages/1.png?width=1599")
    assert again.status_code == 200
