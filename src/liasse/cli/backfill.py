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

    from liasse.sync.backfill import BackfillProgress

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
    from liasse.app.runner import _attach_embedded_qonto, _stop_embedded_qonto, service_is_running
    from liasse.app.services import open_services, require_initialised
    from liasse.app.settings import load_settings
    from liasse.sync.backfill import pending_backfills, run_pending_backfills

    settings = load_settings()
    require_initialised(settings)
    services = open_services(settings)
    try:
        if not pending_backfills(services):
            typer.echo(json.dumps([]) if as_json else TEXT["nothing"])
            return
        if not service_is_running(settings):  # else its sandbox already serves
            _attach_embedded_qonto(services, lambda line: None)
        if as_json or not sys.stderr.isatty():
            final = run_pending_backfills(services, lambda progress: None)
        else:
            final = _with_progress_bar(lambda on: run_pending_backfills(services, on))
    finally:
        _stop_embedded_qonto(services)
        services.close()
    if as_json:
        typer.echo(json.dumps([item.as_dict() for item in final]))
    else:
        for item in final:
            typer.echo(printable(item.line()))


ProgressCallback = Callable[[Sequence["BackfillProgress"]], None]


def _with_progress_bar(run: Callable[[ProgressCallback], list[BackfillProgress]]
                       ) -> list[BackfillProgress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    tasks: dict[str, TaskID] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        def on_progress(items: Sequence[BackfillProgress]) -> None:
            for item in items:
                _show(bar, tasks, item)

        result = run(on_progress)
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
