"""`liasse connect dropbox --token`: the token and the folder are checked against the
Dropbox emulator (over HTTP) before anything says "connected" or is stored."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liasse.cli import app
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState
from liasse.emulators.dropbox.tree import WriteMode

runner = CliRunner()
TOKEN = "the-long-lived-token"


@pytest.fixture
def dropbox(clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    state = DropboxState(token=TOKEN)
    state.tree.create_folder("/Invoices")
    state.tree.upload("/notes.pdf", b"%PDF-1.4\n", WriteMode("add"))
    with running_emulator(state) as url:
        monkeypatch.setenv("LIASSE_DROPBOX__BASE_URL", url)
        assert runner.invoke(app, ["init"]).exit_code == 0
        yield url


def connections() -> list[dict[str, object]]:
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.output)["connections"]
    return [c for c in found if c["kind"] == "dropbox"]


def connect(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["connect", "dropbox", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_good_token_and_an_existing_folder_connect(dropbox: str) -> None:
    code, output = connect("--token", TOKEN, "--folder", "/Invoices")
    assert code == 0, output
    assert "Dropbox connected: watching /Invoices" in output
    assert [c["name"] for c in connections()] == ["dropbox"]


def test_the_root_folder_is_checked_by_listing_it(dropbox: str) -> None:
    code, output = connect("--token", TOKEN, "--folder", "/")
    assert code == 0, output


@pytest.mark.parametrize(("args", "words"), [
    (["--token", "wrong", "--folder", "/Invoices"], "Dropbox refused this token"),
    (["--token", TOKEN, "--folder", "/Nowhere"], "There is no folder /Nowhere"),
    (["--token", TOKEN, "--folder", "/notes.pdf"], "/notes.pdf is a file"),
    (["--token", TOKEN, "--folder", "Invoices"], "not a Dropbox folder path"),
])
def test_a_wrong_token_or_folder_says_why_exits_1_and_stores_nothing(
        dropbox: str, args: list[str], words: str) -> None:
    code, output = connect(*args)
    assert code == 1
    assert words in output and "nothing was connected" in output
    assert "connected: watching" not in output
    assert connections() == []


def test_an_unreachable_dropbox_says_so(dropbox: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("LIASSE_DROPBOX__BASE_URL", f"http://127.0.0.1:{closed}")
    code, output = connect("--token", TOKEN, "--folder", "/Invoices")
    assert code == 1
    assert "Dropbox could not be reached" in output
    assert connections() == []


def test_a_reconnect_with_a_wrong_token_keeps_the_working_connection(dropbox: str) -> None:
    assert connect("--token", TOKEN)[0] == 0
    assert connect("--token", "wrong")[0] == 1
    assert [c["status"] for c in connections()] == ["active"]
