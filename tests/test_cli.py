"""The CLI end to end on a fresh home: init, sync twice, status, doctor, keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liasse.cli import app

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_help_lists_every_command() -> None:
    output = invoke("--help")
    for command in ("init", "run", "sync", "status", "doctor", "keys"):
        assert command in output


def test_init_creates_home_key_and_inbox(clean_environment: Path) -> None:
    output = invoke("init")
    assert (clean_environment / "inbox").is_dir()
    assert (clean_environment / "master.key").is_file()
    assert (clean_environment / "liasse.db").is_file()
    assert "master key" in output
    assert "master key" not in invoke("init")  # idempotent: the key is not replaced


def test_sync_twice_reports_the_second_time_as_duplicates(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("init")
    inbox = clean_environment / "inbox"
    (inbox / "a.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    (inbox / "notes.txt").write_text("ignored")
    monkeypatch.setenv("LIASSE_INBOX__SETTLE_SECONDS", "0")
    first = json.loads(invoke("sync", "--once", "--json"))
    second = json.loads(invoke("sync", "--once", "--json"))
    assert list(first) == ["discovered", "duplicates", "extracted", "refused", "review",
                           "approved", "posted", "failed", "parked"]
    assert first["discovered"] == 1
    assert second["discovered"] == 0
    assert second["duplicates"] == 1
    assert sum(second.values()) == 1
    status = json.loads(invoke("status", "--json"))
    assert sum(status["documents_by_state"].values()) == 1
    assert status["recent"][0]["file_name"] == "a.pdf"


def test_sync_requires_once() -> None:
    result = runner.invoke(app, ["sync"])
    assert result.exit_code != 0


def test_doctor_says_how_to_fix_a_missing_setup() -> None:
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "fix: run `liasse init`" in result.output


def test_keys_rotate_after_init(clean_environment: Path) -> None:
    invoke("init")
    before = (clean_environment / "master.key").read_text()
    assert "re-wrapped" in invoke("keys", "rotate")
    assert (clean_environment / "master.key").read_text() != before
    # Once every secret reads with the new key, the old one is deleted (issue 12).
    assert not (clean_environment / "master.key.previous").exists()


def test_production_without_a_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIASSE_ENVIRONMENT", "production")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "production mode never invents one" in result.output
    assert "Traceback" not in result.output


def test_workspace_thresholds_are_checked_and_kept(clean_environment: Path) -> None:
    invoke("init")
    bad = runner.invoke(app, ["workspace", "thresholds", "--review-from", "0.9",
                              "--approve-from", "0.6"])
    assert bad.exit_code != 0
    assert "0.6" in invoke("workspace", "thresholds", "--review-from", "0.4",
                           "--approve-from", "0.6")
    from liasse.app.services import build_pipeline, open_services
    from liasse.app.settings import load_settings

    services = open_services(load_settings())
    try:
        context = build_pipeline(services).context
    finally:
        services.close()
    assert (str(context.review_from), str(context.approve_from)) == ("0.4", "0.6")
