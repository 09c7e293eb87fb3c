"""The demo as a newcomer sees it in the browser: this month's invoices on the dashboard, and
the built-in sandbox's made-up bank history labelled as such wherever bank lines show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webworld import FAST_HASHER, PASSWORD, TEST_CONFIG, login

from liasse.app.accounts import add_user
from liasse.app.actions import approve, user_actor
from liasse.app.pipelines import build_pipeline, run_bank_window
from liasse.app.services import Services, open_services
from liasse.app.settings import load_settings
from liasse.app.setup import initialise
from liasse.samples.demo import DEMO_SUPPLIERS, REFERENCE_DAY
from liasse.store.connections_repo import ConnectionRepo
from liasse.store.documents_repo import DocumentRepo
from liasse.sync.window import run_window
from liasse.web.app import create_app

DAY = REFERENCE_DAY  # the day the demo is seeded and the pages are looked at
OWNER = "owner@example.com"


@dataclass
class Demo:
    services: Services
    client: TestClient


def run_the_demo(services: Services) -> None:
    """What `liasse run --demo` does in its first minutes, with the review queue approved."""
    with services.repo(ConnectionRepo) as repo:
        bank = repo.connection_by_name("qonto-sandbox")
        assert bank is not None
        bank_id = bank.id
    run_window(build_pipeline(services))
    with services.repo(DocumentRepo) as repo:
        for document in repo.list_documents():
            if document.state == "in_review":
                approve(repo, document.id, actor=user_actor(OWNER))
    run_window(build_pipeline(services))
    run_bank_window(services, "default", bank_id)


@pytest.fixture
def demo(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    from liasse.app.sandbox import start_embedded_qonto

    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    settings = load_settings()
    initialise(settings, demo=True, today=DAY)
    services = open_services(settings)
    sandbox = start_embedded_qonto(services, lambda line: None, today=DAY)
    try:
        run_the_demo(services)
        add_user(services, OWNER, PASSWORD, role="owner", workspace="default",
                 hasher=FAST_HASHER)
        client = TestClient(create_app(services, TEST_CONFIG, today=lambda: DAY))
        assert login(client, OWNER).status_code in (200, 303)
        yield Demo(services, client)
    finally:
        sandbox.stop()
        services.close()


def test_this_months_spend_shows_the_demo_invoices(demo: Demo) -> None:
    page = demo.client.get("/w/default/dashboard").text
    spend = page.split('id="spend"')[1].split("</table>")[0]
    assert all(supplier.name in spend for supplier in DEMO_SUPPLIERS)
    assert f"{DAY.replace(day=1).isoformat()} → " in page


def test_sandbox_bank_lines_are_labelled_as_made_up(demo: Demo) -> None:
    client = demo.client
    unmatched = client.get("/w/default/unmatched").text
    debits = int(re.search(r"Bank debits not explained \((\d+)\)", unmatched).group(1))  # type: ignore[union-attr]
    assert debits > 50  # a year of made-up history that no demo document explains
    assert "made-up year of bank history" in unmatched
    assert f"{debits} of them made-up sandbox data" in unmatched
    assert unmatched.count('class="tag sandbox-line"') == min(debits, 500)
    dashboard = client.get("/w/default/dashboard").text
    assert 'id="sandbox-debits"' in dashboard and f"{debits} of them made-up" in dashboard
    status = client.get("/w/default/status").text
    assert "built-in sandbox: made-up bank history, not your bank" in status
    french = {"Accept-Language": "fr"}
    assert "historique bancaire inventée pour la démo" in client.get(
        "/w/default/unmatched", headers=french).text
    assert "bac à sable intégré" in client.get("/w/default/status", headers=french).text


def test_a_matched_demo_invoice_shows_its_sandbox_debit_as_sandbox_data(demo: Demo) -> None:
    with demo.services.repo(DocumentRepo) as repo:
        matched = [d.id for d in repo.list_documents() if d.state == "matched"]
    assert len(matched) == len(DEMO_SUPPLIERS)
    record = demo.client.get(f"/w/default/documents/{matched[0]}").text
    line = record.split('class="bank-line"')[1].split("</p>")[0]
    assert 'class="tag sandbox-line"' in line and "sandbox data" in line


def test_lines_of_a_real_bank_carry_no_sandbox_label(demo: Demo) -> None:
    """Only an emulator connection's accounts are sandbox data."""
    with demo.services.repo(ConnectionRepo) as repo:
        bank = repo.connection_by_name("qonto-sandbox")
        assert bank is not None
        bank.config = {key: value for key, value in bank.config.items() if key != "emulator"}
    page = demo.client.get("/w/default/unmatched").text
    assert "sandbox-line" not in page and 'id="sandbox-note"' not in page
    assert 'id="sandbox-debits"' not in demo.client.get("/w/default/dashboard").text
