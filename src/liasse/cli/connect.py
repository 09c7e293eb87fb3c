"""`liasse connect …`, `liasse disconnect` and `liasse emulate …`: thin over services."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from liasse.cli import messages as msg
from liasse.cli.options import WorkspaceOption, cli_settings
from liasse.domain.printable import printable

if TYPE_CHECKING:
    from liasse.app.connections import DropboxTarget
    from liasse.app.services import Services

connect_app = typer.Typer(help="Connect an outside system.", no_args_is_help=True)
emulate_app = typer.Typer(help="Run an emulator of an outside API on loopback.",
                          no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(connect_app, name="connect")
    app.add_typer(emulate_app, name="emulate")
    app.command("disconnect")(disconnect)


@connect_app.command("dropbox")
def connect_dropbox(
    folder: Annotated[str, typer.Option(help="The Dropbox folder to watch.")] = "/Invoices",
    name: Annotated[str, typer.Option(help="Name of this connection.")] = "dropbox",
    write_back: Annotated[bool, typer.Option(help="Also write processed PDFs back.")] = False,
    token: Annotated[str | None, typer.Option(help="A long-lived token (emulator).")] = None,
    instant: Annotated[bool, typer.Option(help="Pick up files within seconds (longpoll).")] =
        False,
    backfill_from: Annotated[str | None, typer.Option(
        help="Also read the folder's history from this date (YYYY-MM-DD), in the background.",
        metavar="YYYY-MM-DD")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Connect a Dropbox folder (OAuth with PKCE, or a token for the emulator)."""
    from datetime import date

    from liasse.app import connections
    from liasse.app.services import opened_services
    from liasse.connectors.dropbox.check import FolderCheckFailed

    try:
        since = date.fromisoformat(backfill_from) if backfill_from else None
    except ValueError as exc:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--backfill-from") from exc
    target = connections.DropboxTarget(name=name, folder=folder, write_back=write_back,
                                       instant=instant, backfill_from=since)
    with opened_services(cli_settings(workspace)) as services:
        try:
            _connect_dropbox(services, target, token)
        except FolderCheckFailed as exc:
            typer.echo(msg.ERROR.format(detail=msg.DROPBOX_CHECK[exc.reason].format(
                folder=printable(exc.folder or "/"))), err=True)
            raise typer.Exit(1) from None
    typer.echo(msg.DROPBOX_CONNECTED.format(folder=printable(folder)))


def _connect_dropbox(services: Services, target: DropboxTarget, token: str | None) -> None:
    from liasse.app import connections

    if token is not None:
        connections.connect_dropbox_with_token(services, target, token)
        return
    request = connections.start_dropbox_oauth(services, write_back=target.write_back)
    typer.echo(f"Open this address, approve liasse, then paste the code:\n{request.url}")
    code = typer.prompt("Code")
    connections.finish_dropbox_oauth(services, target, request, code)


API_KEY_ENV = "LIASSE_QONTO_API_KEY"
API_KEY_STDIN_HELP = "Read the API key (<organization-login>:<secret-key>) from standard input."
NEEDS_API_KEY = (f"give the API key on standard input with --api-key-stdin, or in {API_KEY_ENV}; "
                 "never as an argument, which every local user sees in `ps`")


@connect_app.command("qonto")
def connect_qonto(
    api_key_stdin: Annotated[bool, typer.Option("--api-key-stdin",
                                                help=API_KEY_STDIN_HELP)] = False,
    base_url: Annotated[str, typer.Option(help="Qonto's API, or an emulator.")] =
        "https://thirdparty.qonto.com",
    staging_token: Annotated[str | None, typer.Option(help="Sandbox staging token.")] = None,
    name: Annotated[str, typer.Option(help="Name of this connection.")] = "qonto",
) -> None:
    """Connect a Qonto account with an API key (checked before it is stored, encrypted)."""
    import os
    import sys

    from liasse.app import connections
    from liasse.app.services import opened_services

    api_key = sys.stdin.readline().strip() if api_key_stdin else os.environ.get(API_KEY_ENV, "")
    if not api_key:
        raise typer.BadParameter(NEEDS_API_KEY)
    with opened_services() as services:
        connections.connect_qonto_api_key(services, api_key, base_url=base_url,
                                          staging_token=staging_token, name=name)
    typer.echo(f"Qonto connected through {base_url}")


def disconnect(name: Annotated[str, typer.Argument(help="The connection's name.")],
               workspace: WorkspaceOption = None) -> None:
    """Stop a connection at once; files already written stay where they are."""
    from liasse.app import connections
    from liasse.app.services import opened_services

    with opened_services(cli_settings(workspace)) as services:
        found = connections.disconnect(services, name)
    if not found:
        raise typer.BadParameter(f"no connection named {name!r}")
    typer.echo(f"{name} disconnected")


@emulate_app.command("qonto")
def emulate_qonto(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8765,
    data: Annotated[Path | None, typer.Option(help="Persist state in this folder.")] = None,
    seed: Annotated[str | None, typer.Option(help="demo or empty.")] = None,
    api_key: Annotated[str | None, typer.Option(help="LOGIN:SECRET to accept.")] = None,
) -> None:
    """Serve the Qonto API emulator (held to Qonto's OpenAPI description)."""
    from liasse.emulators.qonto.serve import serve_qonto_emulator

    serve_qonto_emulator(host, port, data, seed, api_key)


@emulate_app.command("dropbox")
def emulate_dropbox(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8766,
    data: Annotated[Path | None, typer.Option(help="Persist state in this folder.")] = None,
    token: Annotated[str | None, typer.Option(help="Accept this long-lived token.")] = None,
    access_token_lifetime: Annotated[int, typer.Option(help="Seconds.")] = 4 * 3600,
    auto_approve: Annotated[bool, typer.Option(help="Approve OAuth at once.")] = False,
) -> None:
    """Serve the Dropbox API emulator (API, content and notify routes on one port)."""
    from liasse.emulators.dropbox.serve import serve_dropbox_emulator

    serve_dropbox_emulator(host, port, data, token, access_token_lifetime, auto_approve)
