"""`liasse backfill`: run the pending history backfills now, with a progress bar.

`liasse run` backfills in the background; this command does the same in the foreground
(listing, recording and processing through the connection's windows) and shows a
`rich.progress` bar per connection, or prints the final progress as JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from liasse.domain.printable import printable

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from liasse.app.backfill import BackfillProgress

TEXT = {
    "help": "Read the history of Dropbox folders connected with --backfill-from, now.",
    "json_help": "Print the final progress as JSON.",
    "nothing": "No backfill pending: connect a Dropbox folder with --backfill-from YYYY-MM-DD.",
    "task": "{name} since {since}: {listed} listed, {recorded} recorded",
}


def register(app: typer.Typer) -> None:
    app.command("backfill", help=TEXT["help"])(backfill)


def backfill(
    as_json: Annotated[bool, typer.Option("--json", help=TEXT["json_help"])] = False,
) -> None:
    """Run every pending backfill in the foreground (what `liasse run` does in the background)."""
    run_backfill_command(as_json=as_json)


def run_backfill_command(*, as_json: bool) -> None:
    """The body of `liasse backfill` (also usable as `liasse sync --backfill`)."""
    from liasse.app.backfill import backfill_now
    from liasse.app.settings import load_settings

    if as_json or not sys.stderr.isatty():
        final = backfill_now(load_settings(), lambda progress: None)
    else:
        final = _with_progress_bar(lambda on: backfill_now(load_settings(), on))
    if final is None:
        typer.echo(json.dumps([]) if as_json else TEXT["nothing"])
    elif as_json:
        typer.echo(json.dumps([item.as_dict() for item in final]))
    else:
        for item in final:
            typer.echo(printable(item.line()))


ProgressCallback = Callable[[Sequence["BackfillProgress"]], None]


def _with_progress_bar(run: Callable[[ProgressCallback], list[BackfillProgress] | None]
                       ) -> list[BackfillProgress] | None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    tasks: dict[str, TaskID] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        def on_progress(items: Sequence[BackfillProgress]) -> None:
            for item in items:
                _show(bar, tasks, item)

        result = run(on_progress)
        if result is not None:
            on_progress(result)
    return result


def _show(bar: Progress, tasks: dict[str, TaskID], item: BackfillProgress) -> None:
    description = TEXT["task"].format(name=item.name, since=item.since.isoformat(),
                                      listed=item.listed, recorded=item.recorded)
    # The total is unknown until the listing ends (Dropbox does not say how many files).
    # A file a window recorded first is kept by the backfill but not recorded again.
    total = item.kept if item.done else None
    completed = item.kept if item.done else item.recorded
    if item.connection_id not in tasks:
        tasks[item.connection_id] = bar.add_task(description, total=total)
    bar.update(tasks[item.connection_id], description=description, total=total,
               completed=completed)
