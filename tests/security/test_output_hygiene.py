"""Attack 6: a file name with escape sequences wrote raw ESC bytes into `liasse status`
(and would into the service's log): names from outside are printed escaped."""

from __future__ import annotations

import logging

from typer.testing import CliRunner
from webworld import World, invoice_file

from liasse.cli import app
from liasse.domain.printable import PrintableFormatter, printable

HOSTILE = "scan\x1b]0;owned\x07\x1b[2J\u202egpj.pdf"


def test_status_shows_a_hostile_file_name_escaped(world: World) -> None:
    invoice_file(world.inbox, HOSTILE, 0.30)
    world.run_window()
    result = CliRunner().invoke(app, ["status"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\u202e" not in result.output
    assert "scan\\x1b]0;owned\\x07\\x1b[2J\\u202egpj.pdf" in result.output.replace("\n", "")


def test_a_rich_markup_name_is_shown_as_it_is(world: World) -> None:
    invoice_file(world.inbox, "[bold red]fake[\\bold].pdf", 0.30)
    world.run_window()
    result = CliRunner().invoke(app, ["status"], env={"COLUMNS": "300"})
    assert "[bold red]fake[\\bold].pdf" in result.output


def test_log_lines_cannot_be_forged_or_carry_escapes() -> None:
    record = logging.LogRecord("liasse", logging.INFO, __file__, 1, "read %s", (
        "a.pdf\n2026-12-02 INFO everything is fine\x1b[2J",), None)
    line = PrintableFormatter("%(levelname)s %(message)s").format(record)
    assert line == "INFO read a.pdf\\x0a2026-12-02 INFO everything is fine\\x1b[2J"
    assert printable("plain text, accents é and € stay") == "plain text, accents é and € stay"
