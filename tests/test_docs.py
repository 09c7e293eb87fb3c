"""The README documents the commands that exist, and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from liasse.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def documented() -> set[tuple[str, ...]]:
    """`liasse a b` pairs named in the README's command table."""
    found: set[tuple[str, ...]] = set()
    for line in README.read_text().splitlines():
        if line.startswith("| `liasse "):
            for match in re.finditer(r"`liasse ([a-z-]+)(?: ([a-z-]+))?", line):
                found.add(tuple(word for word in match.groups() if word))
    return found


def existing() -> set[tuple[str, ...]]:
    root = get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    names: set[tuple[str, ...]] = set()
    for name, command in root.commands.items():
        names.add((name,))
        for sub in getattr(command, "commands", {}):
            names.add((name, sub))
    return names


def test_every_top_level_command_is_in_the_readme() -> None:
    top = {names[0] for names in documented()}
    missing = {names[0] for names in existing()} - top
    assert not missing, f"commands missing from the README: {sorted(missing)}"


@pytest.mark.parametrize("words", sorted(documented()))
def test_every_documented_command_exists(words: tuple[str, ...]) -> None:
    known = existing()
    real = words if words in known else words[:1]
    result = CliRunner().invoke(app, [*real, "--help"])
    assert real in known and result.exit_code == 0, f"`liasse {' '.join(words)}` is not a command"


# --- docs/dropbox.md, the Dropbox user guide ---------------------------------------------

DROPBOX_GUIDE = README.parent / "docs" / "dropbox.md"


def guide_commands() -> list[list[str]]:
    """Each `liasse …` line of the guide's shell blocks, as words (without `liasse`)."""
    import shlex

    commands, in_block = [], False
    for line in DROPBOX_GUIDE.read_text().splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
        elif in_block and line.strip().startswith("liasse "):
            commands.append(shlex.split(line.strip())[1:])
    return commands


def test_the_guide_has_commands_to_check() -> None:
    assert len(guide_commands()) >= 5


@pytest.mark.parametrize("words", guide_commands(), ids=" ".join)
def test_every_command_and_option_of_the_dropbox_guide_exists(words: list[str]) -> None:
    command = [word for word in words[:2] if not word.startswith("-")]
    known = existing()
    assert tuple(command) in known, f"`liasse {' '.join(command)}` is not a command"
    help_text = CliRunner().invoke(app, [*command, "--help"], terminal_width=200).output
    for option in (word for word in words if word.startswith("--")):
        assert option in help_text, f"`liasse {' '.join(command)}` has no {option}"


def test_the_guides_emulator_port_is_not_the_qonto_sandboxs() -> None:
    from liasse.app.settings import load_settings

    text = DROPBOX_GUIDE.read_text()
    ports = set(re.findall(r"emulate dropbox --port (\d+)", text))
    assert ports and str(load_settings().qonto.sandbox_port) not in ports
    assert str(load_settings().web.port) not in ports


def test_the_guides_emulator_steps_connect_and_refuse_as_it_says(
        clean_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import httpx

    from liasse.emulators.dropbox.serve import running_emulator
    from liasse.emulators.dropbox.state import DropboxState

    text = DROPBOX_GUIDE.read_text()
    token = re.findall(r"emulate dropbox .*--token (\S+)", text)[0]
    folder_body = re.findall(r"create_folder_v2 .*?-d '([^']+)'", text, re.S)[0]
    runner = CliRunner()
    with running_emulator(DropboxState(token=token)) as url:
        monkeypatch.setenv("LIASSE_DROPBOX__BASE_URL", url)
        monkeypatch.setenv("LIASSE_QONTO__MODE", "off")
        assert runner.invoke(app, ["init"]).exit_code == 0
        made = httpx.post(f"{url}/2/files/create_folder_v2", content=folder_body,
                          headers={"Authorization": f"Bearer {token}",
                                   "Content-Type": "application/json"})
        assert made.status_code == 200, made.text
        connects = [words for words in guide_commands()
                    if words[:2] == ["connect", "dropbox"] and token in words]
        assert connects
        for words in connects:
            result = runner.invoke(app, words)
            assert result.exit_code == 0 and "Dropbox connected" in result.output
        for wrong in (["--token", "nope"], ["--folder", "/Nowhere", "--token", token]):
            result = runner.invoke(app, ["connect", "dropbox", "--name", "other", *wrong])
            assert result.exit_code == 1 and "nothing was connected" in result.output
        status = json.loads(runner.invoke(app, ["status", "--json"]).output)
        assert [c["name"] for c in status["connections"] if c["kind"] == "dropbox"] == [
            "dropbox"]
