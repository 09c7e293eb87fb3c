"""`liasse extract FILE...`: read documents into fields and print them, as JSON lines or a table.

A file that cannot be read is a result with `errors`, never a crash: the table view prints
only its error (on stderr), `--json` still prints its line (stdout stays one JSON object
per file), and the exit status is 1 when any file could not be read.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from liasse.cli import messages as msg
from liasse.cli.extract_run import ExtractRequest, OcrMode, print_results

HELP = {
    "command": "Read documents (PDF, e-invoice XML, JPEG, PNG) into invoice fields.",
    "files": "Documents to read.",
    "json": "Print one JSON object per file per line (the extraction contract).",
    "no_einvoice": "Ignore embedded e-invoice XML and read the visible page instead.",
    "ocr": "When to run OCR: auto (pages without text), always, or never.",
}



class OcrChoice(str, Enum):  # noqa: UP042 - Typer needs a str Enum for choices
    auto = "auto"
    always = "always"
    never = "never"



def register(app: typer.Typer) -> None:
    """Add the `extract` and `learn` commands to the `liasse` app."""
    app.command("extract", help=HELP["command"])(extract_command)
    app.command("learn", help=msg.LEARN_HELP)(learn_command)


def extract_command(
    files: Annotated[list[Path], typer.Argument(help=HELP["files"], show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help=HELP["json"])] = False,
    no_einvoice: Annotated[bool, typer.Option("--no-einvoice", help=HELP["no_einvoice"])] = False,
    ocr: Annotated[OcrChoice, typer.Option("--ocr", help=HELP["ocr"])] = OcrChoice.auto,
    workspace: Annotated[str | None, typer.Option(
        "--workspace", metavar="SLUG", help=msg.EXTRACT_WORKSPACE_HELP)] = None,
) -> None:
    # The plain command lines never get here (`cli.extract_run` runs them without Typer);
    # both print through `print_results`.
    status = print_results(ExtractRequest(files, as_json, no_einvoice, _ocr_mode(ocr),
                                          workspace))
    if status:
        raise typer.Exit(status)


def _ocr_mode(choice: OcrChoice) -> OcrMode:
    if choice is OcrChoice.always:
        return "always"
    return "never" if choice is OcrChoice.never else "auto"



def learn_command(
    file: Annotated[Path, typer.Argument(help=HELP["files"], show_default=False)],
    sets: Annotated[list[str], typer.Option("--set", metavar="FIELD=VALUE",
                                            help=msg.LEARN_SET_HELP)],
    workspace: Annotated[str | None, typer.Option(
        "--workspace", metavar="SLUG", help=msg.EXTRACT_WORKSPACE_HELP)] = None,
) -> None:
    from liasse.app.learning import LearnRefused, learn_file, parse_sets
    from liasse.domain.extraction import FIELD_NAMES

    try:
        values = parse_sets(sets)
    except LearnRefused as exc:
        typer.echo(_refusal(exc, ", ".join(FIELD_NAMES)), err=True)
        raise typer.Exit(2) from None
    from liasse.app.services import opened_services
    from liasse.cli.options import cli_settings

    with opened_services(cli_settings(workspace)) as services:  # the home first: set up?
        try:
            data = file.read_bytes()
        except OSError as exc:
            typer.echo(msg.LEARN_UNREADABLE.format(path=file, detail=exc), err=True)
            raise typer.Exit(1) from None
        learned = learn_file(services, workspace, data, file.name, values)
    if learned.supplier_id is None:
        typer.echo(msg.LEARN_NOTHING, err=True)
        raise typer.Exit(1)
    typer.echo(msg.LEARN_DONE.format(supplier=learned.supplier_name, fields=len(values)))
    if learned.absorbed:
        typer.echo(msg.LEARN_ABSORBED.format(count=len(learned.absorbed)))


def _refusal(exc: object, fields: str) -> str:
    from liasse.app.learning import LearnRefused

    assert isinstance(exc, LearnRefused)
    if exc.problem == "unknown_field":
        return msg.LEARN_UNKNOWN_FIELD.format(name=exc.name, fields=fields)
    if exc.problem == "bad_value":
        return msg.LEARN_BAD_VALUE.format(name=exc.name, detail=exc.detail)
    return msg.LEARN_FORMAT.format(pair=exc.name)
