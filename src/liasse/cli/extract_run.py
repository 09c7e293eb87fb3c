"""`liasse extract` without Typer: its plain command lines parsed here, and the printing.

`liasse extract --json FILE...` is what scripts and the pipeline's users run over many
files, so its start-up counts: Typer (with pydantic, which it builds its converters with)
costs more CPU than reading a dozen PDFs. A command line made only of the options below
and file names is run from here without importing Typer; anything else (`--help`, a typo,
`--`, a missing file name, a value Typer would refuse) goes to the Typer app, which prints
its usual help and errors. The Typer command (`cli.extract`) prints through the same
`print_results`, so both paths write the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from liasse.cli import messages as msg
from liasse.domain.printable import printable

if TYPE_CHECKING:
    from liasse.domain.extraction import ExtractionResult

OcrMode = Literal["auto", "always", "never"]
OCR_MODES: tuple[OcrMode, ...] = ("auto", "always", "never")
# What Click strips from text written to anything but a terminal (`click.echo`).
_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


@dataclass(frozen=True)
class ExtractRequest:
    files: list[Path]
    as_json: bool = False
    no_einvoice: bool = False
    ocr: OcrMode = "auto"
    workspace: str | None = None


def plain_extract_request(argv: list[str]) -> ExtractRequest | None:
    """The request `argv` (without the program name) makes, when it is `extract` with
    only known options and file names; None for anything Typer must see."""
    if not argv or argv[0] != "extract":
        return None
    files: list[Path] = []
    flags = {"--json": False, "--no-einvoice": False}
    values: dict[str, str | None] = {"--ocr": "auto", "--workspace": None}
    rest = iter(argv[1:])
    for token in rest:
        name, has_value, value = token.partition("=")
        if token in flags:
            flags[token] = True
        elif name in values:
            value = value if has_value else next(rest, "")
            if not value or value.startswith("-"):
                return None  # a missing value, or one Click might read otherwise
            values[name] = value
        elif token.startswith("-") or not token:
            return None
        else:
            files.append(Path(token))
    ocr = values["--ocr"]
    if not files or ocr not in OCR_MODES:
        return None
    return ExtractRequest(files, flags["--json"], flags["--no-einvoice"], ocr,
                          values["--workspace"])


def run_plain_extract(argv: list[str]) -> bool:
    """Run `argv` here when it is a plain `extract` (exits with its status); False when
    Typer must handle it."""
    request = plain_extract_request(argv)
    if request is None:
        return False
    try:
        status = print_results(request)
    except KeyboardInterrupt:  # as Click does: a blank line, then "Aborted!"
        echo("", err=True)
        echo("Aborted!", err=True)
        status = 1
    except Exception as exc:
        if os.environ.get("LIASSE_DEBUG") == "1":
            raise
        echo(failure_message(exc), err=True)
        status = 1
    raise SystemExit(status)


def failure_message(exc: Exception) -> str:
    """The one line a failure prints: an expected error as it is, others with a hint."""
    # Deferred: the application's errors (and what they import) only when one happened.
    from liasse.app.errors import EXPECTED

    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, EXPECTED):
        return msg.ERROR.format(detail=text)
    return msg.UNEXPECTED.format(kind=type(exc).__name__, detail=text)


def print_results(request: ExtractRequest) -> int:
    """Read the files and print them; the exit status (1 when a file could not be read)."""
    # Deferred: the reader's imports are paid by `extract`, not by every command.
    from liasse.app.reading import read_files, reading_options, start_reading

    # First, so that the reader's children warm up while the rest is imported.
    start_reading(request.files)
    settings = None
    if request.workspace is not None:
        from liasse.cli.options import cli_settings  # deferred: Typer, for the option type

        settings = cli_settings(request.workspace or None)
    options = reading_options(use_einvoice=not request.no_einvoice, ocr=request.ocr,
                              settings=settings, workspace=request.workspace)
    unreadable = 0
    results = read_files(request.files, options, started=True)
    for path, result in zip(request.files, results, strict=True):
        unreadable += bool(result.errors)
        if request.as_json:
            echo(json.dumps(result.to_json(), ensure_ascii=False))
        elif result.errors:
            for line in result.errors:
                # The file's name and the reader's error come from outside: escaped.
                echo(printable(msg.EXTRACT_FILE_ERROR.format(file=path, error=line)),
                     err=True)
        else:
            print_table(result)
    return 1 if unreadable else 0


def echo(text: str, *, err: bool = False) -> None:
    """`typer.echo(text)` without Typer: a line, flushed, ANSI codes stripped off a
    terminal."""
    stream = sys.stderr if err else sys.stdout
    if not stream.isatty():
        text = _ANSI.sub("", text)
    stream.write(text + "\n")
    stream.flush()


def print_table(result: ExtractionResult) -> None:
    # Deferred: rich, for the table view only.
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from liasse.domain.extraction import FIELD_NAMES

    # The file's name, the values and the evidence come from the document: a control
    # character in them is escaped, not sent to the terminal.
    table = Table(title=escape(printable(msg.EXTRACT_TITLE.format(**result.to_json()))),
                  title_justify="left")
    for column in ("field", "value", "confidence", "evidence"):
        table.add_column(column)
    for name in FIELD_NAMES:
        field = result.to_json()["fields"][name]
        table.add_row(name, escape(printable(field["value"] or "—")),
                      f"{field['confidence']:.2f}", escape(printable(field["evidence"])))
    console = Console()
    console.print(table)
    for line in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(printable(line))}",
                      highlight=False)
