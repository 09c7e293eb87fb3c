"""`liasse users add|remove|passwd`: people, their role per workspace (a removal ends their
sessions), their password (read from stdin, never an argument)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

users_app = typer.Typer(help="Manage the people who use the web app.", no_args_is_help=True)

ROLE_HELP = "owner, accountant, reviewer or viewer"
STDIN_HELP = "Read the password from standard input (one line)."
WORKSPACE_HELP = "The workspace's slug (default: the configured workspace)."
NEEDS_STDIN = "give the password on standard input with --password-stdin (never as an argument)"
ADDED = "{email} is {role} of workspace {workspace} ({what})."
REMOVED = "{email} no longer has a role in workspace {workspace}; their sessions are ended."
NOT_MEMBER = "{email} has no role in workspace {workspace}."
NO_SUCH_USER = "no user {email!r}: add one with `liasse users add`"
CHANGED = "Password of {email} changed."


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The user's e-mail, used to log in.")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help=STDIN_HELP)] = False,
    workspace: Annotated[str | None, typer.Option(help=WORKSPACE_HELP)] = None,
) -> None:
    """Add a user (or update their password and role) in a workspace."""
    if not password_stdin:
        raise typer.BadParameter(NEEDS_STDIN)
    from liasse.app.services import NoWorkspace, opened_services
    from liasse.web.accounts import add_user

    password = sys.stdin.readline().rstrip("\r\n")
    with opened_services() as services:
        try:
            added = add_user(services, email, password, role=role, workspace=workspace)
        except (ValueError, NoWorkspace) as exc:
            raise typer.BadParameter(str(exc)) from exc
    what = "created" if added.created else "updated"
    typer.echo(ADDED.format(email=added.email, role=added.role, workspace=added.workspace,
                            what=what))


@users_app.command("remove")
def remove(
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    workspace: Annotated[str | None, typer.Option(help=WORKSPACE_HELP)] = None,
) -> None:
    """Take a user's role in a workspace away and end their sessions."""
    from liasse.app.services import NoWorkspace, opened_services
    from liasse.web.accounts import remove_user

    with opened_services() as services:
        try:
            removed = remove_user(services, email, workspace=workspace)
        except NoWorkspace as exc:
            raise typer.BadParameter(str(exc)) from exc
        slug = workspace or services.settings.workspace
    if not removed:
        typer.echo(NOT_MEMBER.format(email=email, workspace=slug), err=True)
        raise typer.Exit(1)
    typer.echo(REMOVED.format(email=email, workspace=slug))
@users_app.command("passwd")
def passwd(
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help=STDIN_HELP)] = False,
) -> None:
    """Set a user's password (read from standard input, stored hashed)."""
    if not password_stdin:
        raise typer.BadParameter(NEEDS_STDIN)
    from liasse.app.services import opened_services
    from liasse.web.accounts import set_password

    password = sys.stdin.readline().rstrip("\r\n")
    with opened_services() as services:
        found = set_password(services, email, password)
    if not found:
        raise typer.BadParameter(NO_SUCH_USER.format(email=email))
    typer.echo(CHANGED.format(email=email))
