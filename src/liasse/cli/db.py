"""`liasse db copy --to postgresql://…`: move a SQLite installation to PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer

db_app = typer.Typer(help="The installation's database.", no_args_is_help=True)

TO_HELP = "The empty PostgreSQL database to copy into (postgresql://user@host/name)."
COPIED = "Copied {total} rows into {target}:"
TABLE_LINE = "  {table:<24} {rows}"
NEXT = ("Set LIASSE_DATABASE_URL to that URL (same LIASSE_HOME, same master key) "
        "and start liasse again.")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")


@db_app.command("copy")
def copy(to: Annotated[str, typer.Option("--to", help=TO_HELP)]) -> None:
    """Copy every row (documents, audit trail, encrypted secrets…) to an empty database."""
    from liasse.app.services import copy_installation
    from liasse.app.settings import load_settings
    from liasse.store.copy import TargetNotEmpty

    try:
        report = copy_installation(load_settings(), to)
    except (TargetNotEmpty, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from exc
    typer.echo(COPIED.format(total=report.total, target=to.split("@")[-1]))
    for table, rows in sorted(report.rows.items()):
        typer.echo(TABLE_LINE.format(table=table, rows=rows))
    typer.echo(NEXT)
