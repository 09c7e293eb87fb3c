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
