"""The `liasse` command: a thin Typer layer over the services (the app: `cli.commands`).

Importing this package costs nothing: `liasse extract FILE...` in its plain form runs
without Typer (`cli.extract_run`), every other command line builds the Typer app. `app`
is still importable from here (tests drive it with Typer's runner).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer


def main() -> None:
    from liasse.cli.extract_run import run_plain_extract

    if not run_plain_extract(sys.argv[1:]):
        from liasse.cli.commands import app

        app()


def __getattr__(name: str) -> Any:
    """`liasse.cli.app`, built on first use (PEP 562)."""
    if name == "app":
        from liasse.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
