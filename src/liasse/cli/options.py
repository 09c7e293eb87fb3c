"""Options shared by the commands, and the settings they read (once, at the command)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from liasse.cli import messages as msg

if TYPE_CHECKING:
    from liasse.app.settings import Settings

WorkspaceOption = Annotated[str | None, typer.Option(
    "--workspace", metavar="SLUG", help=msg.WORKSPACE_OPTION_HELP, envvar="LIASSE_WORKSPACE",
    show_envvar=True)]


def cli_settings(workspace: str | None = None) -> Settings:
    """The settings from the environment, with `--workspace SLUG` over LIASSE_WORKSPACE."""
    from liasse.app.settings import load_settings

    return load_settings(workspace=workspace) if workspace else load_settings()
