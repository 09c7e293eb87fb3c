"""No traceback reaches a user: every command's failure is one line that says what to do.

The root `liasse` group runs each command inside `FriendlyGroup.invoke`. Errors liasse
expects (not set up, service running, port taken, unknown connection, refused key, …) are
printed as they are; anything else is printed as an unexpected error with a hint, and
`LIASSE_DEBUG=1` lets the trace through for whoever debugs it.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.core import TyperGroup

from liasse.cli.extract_run import failure_message


class FriendlyGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors and exits: Typer prints them itself
        except Exception as exc:
            if os.environ.get("LIASSE_DEBUG") == "1":
                raise
            _report(exc)
            raise typer.Exit(1) from None


def _report(exc: Exception) -> None:
    typer.echo(failure_message(exc), err=True)
