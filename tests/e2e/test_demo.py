"""What `make run` shows a newcomer: the demo inbox read, routed and posted to the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liasse.cli import app
from liasse.emulators.qonto.persistence import StateStore
from liasse.samples.demo import DEMO_INVOICES

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_demo_invoices_reach_the_sandbox_once(clean_environment: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    invoke("init", "--demo")
    first = json.loads(invoke("sync", "--once", "--json"))
    assert first["discovered"] == len(DEMO_INVOICES)
    assert first["posted"] == first["approved"] >= 2
    assert first["refused"] == 0
    second = json.loads(invoke("sync", "--once", "--json"))
    assert second["posted"] == 0
    assert second["duplicates"] == len(DEMO_INVOICES)
    state = StateStore(clean_environment / "qonto-sandbox").load()
    assert state is not None
    assert len(state.supplier_invoices) == first["posted"]
    numbers = {invoice.number for invoice in DEMO_INVOICES}
    posted_files = {invoice.file_name for invoice in state.supplier_invoices.values()}
    assert all(any(number in name for number in numbers) for name in posted_files)


def test_the_posted_demo_invoices_are_matched_to_the_sandbox_debits(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    invoke("init", "--demo")
    posted = json.loads(invoke("sync", "--once", "--json"))["posted"]
    status = json.loads(invoke("status", "--json"))
    assert status["documents_by_state"].get("matched", 0) == posted
    audit = [line["reason"] for line in status["recent"] if line["state"] == "matched"]
    assert audit and all("payment" in reason for reason in audit)
    invoke("sync", "--once", "--json")  # matching again decides nothing new
    again = json.loads(invoke("status", "--json"))
    assert again["documents_by_state"] == status["documents_by_state"]
