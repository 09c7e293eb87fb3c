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

from liasse.cli import messages as msg


def _expected_errors() -> tuple[type[BaseException], ...]:
    """The failures whose message is the whole story (imported late: `--help` stays fast)."""
    from liasse.app.connections import NoSuchConnection
    from liasse.app.listen import PortBusy
    from liasse.app.runner import ServiceAlreadyRunning
    from liasse.app.sandbox import SandboxError
    from liasse.app.services import NotInitialised, NoWorkspace
    from liasse.connectors.dropbox.errors import DropboxError
    from liasse.connectors.qonto.errors import QontoError
    from liasse.domain.errors import StepFailure
    from liasse.store.secrets import SecretDecryptionError, SecretKeyError

    return (NotInitialised, NoWorkspace, NoSuchConnection, ServiceAlreadyRunning, PortBusy,
            SandboxError, SecretKeyError, SecretDecryptionError, DropboxError, QontoError,
            StepFailure, OSError, ValueError, LookupError)


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
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, _expected_errors()):
        typer.echo(msg.ERROR.format(detail=text), err=True)
        return
    typer.echo(msg.UNEXPECTED.format(kind=type(exc).__name__, detail=text), err=True)
