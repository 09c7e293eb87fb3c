"""`liasse workspace export SLUG --out FILE.zip` and `liasse workspace erase SLUG`."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from liasse.cli import messages as msg
from liasse.cli.core import workspace_app


def register(app: typer.Typer) -> None:
    """The commands join `liasse workspace` (registered by `core`)."""
    del app


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


@workspace_app.command("export")
def export(
    slug: Annotated[str, typer.Argument(help=msg.SLUG_HELP)],
    out: Annotated[Path, typer.Option("--out", help=msg.EXPORT_OUT_HELP)],
) -> None:
    """Export a workspace: every record as JSON and every original, in one zip."""
    from liasse.app.privacy import export_workspace_to
    from liasse.app.services import NoWorkspace, opened_services

    with opened_services() as services:
        try:
            report = export_workspace_to(services, slug, out, actor=_actor())
        except FileExistsError as exc:
            raise typer.BadParameter(msg.EXPORT_EXISTS.format(path=out)) from exc
        except NoWorkspace as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(msg.EXPORTED.format(slug=slug, rows=report.rows, files=report.files, path=out))


@workspace_app.command("erase")
def erase(
    slug: Annotated[str, typer.Argument(help=msg.SLUG_HELP)],
    yes: Annotated[bool, typer.Option("--yes", help=msg.ERASE_YES_HELP)] = False,
) -> None:
    """Erase a workspace for good: its rows, its originals and its data key."""
    from liasse.app.privacy import erase_workspace
    from liasse.app.services import NoWorkspace, opened_services

    if not yes and typer.prompt(msg.ERASE_CONFIRM.format(slug=slug)) != slug:
        typer.echo(msg.ERASE_CANCELLED, err=True)
        raise typer.Exit(1)
    with opened_services() as services:
        try:
            report = erase_workspace(services, slug, actor=_actor())
        except NoWorkspace as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(msg.ERASED.format(slug=slug, rows=report.rows, files=report.files_deleted,
                                 shared=report.files_kept_shared))
    if report.master_key_rotated:
        typer.echo(msg.ERASED_KEY_ROTATED)
