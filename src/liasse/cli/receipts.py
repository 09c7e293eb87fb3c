"""`liasse receipts …`: Qonto receipts exported into a Dropbox folder."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from liasse.cli.options import WorkspaceOption, cli_settings

receipts_app = typer.Typer(help="Export Qonto receipts into Dropbox.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(receipts_app, name="receipts")


@receipts_app.command("export")
def export(
    since: Annotated[str, typer.Option(help="First day to export, YYYY-MM-DD.")],
    dropbox: Annotated[str, typer.Option(help="The Dropbox connection.")] = "dropbox",
    by_account: Annotated[bool, typer.Option(help="File by ledger account, not month.")] =
        False,
    at: Annotated[str, typer.Option(help="Daily run time, HH:MM.")] = "23:30",
    timezone: Annotated[str, typer.Option(help="Time zone of --at.")] = "Europe/Paris",
    workspace: WorkspaceOption = None,
) -> None:
    """Start (or change) the export: first from --since, then daily."""
    from liasse.app import connections
    from liasse.app.services import opened_services
    from liasse.store.receipts_repo import ExportSettings

    try:
        start = date.fromisoformat(since)
    except ValueError as exc:
        raise typer.BadParameter("--since takes a date like 2026-01-01") from exc
    settings = ExportSettings(start, "by_account" if by_account else "by_date", at, timezone)
    with opened_services(cli_settings(workspace)) as services:
        try:
            state = connections.configure_receipts_export(services, dropbox, settings)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(f"Receipts export on: from {state.settings.start_date}, daily at {at} ({timezone})")


@receipts_app.command("reset")
def reset(dropbox: Annotated[str, typer.Option(help="The Dropbox connection.")] = "dropbox",
          workspace: WorkspaceOption = None) -> None:
    """Export everything again on the next run (deleted folders are recreated)."""
    from liasse.app import connections
    from liasse.app.services import opened_services

    with opened_services(cli_settings(workspace)) as services:
        connections.reset_receipts_export(services, dropbox)
    typer.echo("The next run exports every receipt again.")


@receipts_app.command("stop")
def stop(dropbox: Annotated[str, typer.Option(help="The Dropbox connection.")] = "dropbox",
         workspace: WorkspaceOption = None) -> None:
    """Stop the export; files already exported stay."""
    from liasse.app import connections
    from liasse.app.services import opened_services

    with opened_services(cli_settings(workspace)) as services:
        connections.stop_receipts_export(services, dropbox)
    typer.echo("Receipts export stopped; exported files stay.")
