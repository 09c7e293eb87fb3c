"""Core commands: init, run, sync, status, doctor, keys. Thin: parse, call, render."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from liasse.cli import messages as msg
from liasse.cli.options import WorkspaceOption, cli_settings
from liasse.domain.printable import printable

keys_app = typer.Typer(help=msg.KEYS_HELP, no_args_is_help=True)
workspace_app = typer.Typer(help=msg.WORKSPACE_HELP, no_args_is_help=True)
firm_app = typer.Typer(help=msg.FIRM_HELP, no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("run")(run)
    app.command("worker")(worker)
    app.command("sync")(sync)
    app.command("status")(status)
    app.command("doctor")(doctor)
    app.add_typer(keys_app, name="keys")
    app.add_typer(workspace_app, name="workspace")
    app.add_typer(firm_app, name="firm")


def init(
    demo: Annotated[bool, typer.Option(help=msg.INIT_DEMO_HELP)] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create the home folder, the master key, the database and the inbox."""
    from liasse.app.setup import initialise

    settings = cli_settings(workspace)
    report = initialise(settings, demo=demo)
    typer.echo(msg.INIT_DONE.format(home=report.home, inbox=report.inbox))
    if report.key_created:
        typer.echo(msg.INIT_KEY_CREATED)
    for path in report.demo_files:
        typer.echo(msg.INIT_DEMO_FILE.format(path=path))
    if demo:
        from liasse.app.runner import print_demo_login
        from liasse.app.services import opened_services

        with opened_services(settings) as services:
            print_demo_login(services, typer.echo)


def run(
    demo: Annotated[bool, typer.Option(help=msg.INIT_DEMO_HELP)] = False,
    host: Annotated[str | None, typer.Option(help=msg.RUN_HOST_HELP)] = None,
    port: Annotated[int | None, typer.Option(help=msg.RUN_PORT_HELP, min=0, max=65535)] = None,
    sandbox_port: Annotated[int | None, typer.Option(help=msg.RUN_SANDBOX_PORT_HELP, min=0,
                                                     max=65535)] = None,
    workers: Annotated[int, typer.Option(help=msg.RUN_WORKERS_HELP, min=0, max=64)] = 1,
) -> None:
    """Run the scheduler and the web server until interrupted."""
    from liasse.app.runner import run_service
    from liasse.app.settings import load_settings, with_listen
    from liasse.web.app import create_app

    settings = with_listen(load_settings(), host=host, port=port, sandbox_port=sandbox_port)
    run_service(settings, create_app, demo=demo, echo=typer.echo, workers=workers)


def worker(
    concurrency: Annotated[int, typer.Option(help=msg.WORKER_CONCURRENCY_HELP, min=1,
                                             max=64)] = 1,
    queues: Annotated[list[str] | None, typer.Option("--queues",
                                                     help=msg.WORKER_QUEUES_HELP)] = None,
    name: Annotated[str | None, typer.Option(help=msg.WORKER_NAME_HELP)] = None,
) -> None:
    """Run jobs from the queue (PostgreSQL) until SIGTERM: windows, documents, posting."""
    import os
    import socket

    from liasse.app.jobs.queue import QUEUES, run_worker
    from liasse.app.services import opened_services, require_initialised
    from liasse.app.settings import load_settings

    settings = load_settings()
    require_initialised(settings)  # a fresh home: `liasse init` is the first thing to do
    if settings.is_sqlite:
        typer.echo(msg.WORKER_NEEDS_PG, err=True)
        raise typer.Exit(1)
    chosen = [part for value in queues or [] for part in value.split(",") if part]
    for queue in chosen:
        if queue not in QUEUES:
            raise typer.BadParameter(msg.WORKER_BAD_QUEUE.format(
                name=printable(queue), choices=", ".join(QUEUES)))
    label = name or f"{socket.gethostname()}:{os.getpid()}"
    started = printable(msg.WORKER_STARTED.format(
        name=label, queues=", ".join(chosen or QUEUES), concurrency=concurrency))
    with opened_services(settings) as services:
        run_worker(services, concurrency=concurrency, queues=chosen or None, name=label,
                   on_ready=lambda: typer.echo(started))


def sync(
    once: Annotated[bool, typer.Option("--once", help=msg.SYNC_ONCE_HELP)] = False,
    as_json: Annotated[bool, typer.Option("--json", help=msg.JSON_HELP)] = False,
    workspace: WorkspaceOption = None,
    all_workspaces: Annotated[bool, typer.Option("--all-workspaces",
                                                 help=msg.SYNC_ALL_HELP)] = False,
) -> None:
    """Run one sync window now: collect, read, decide, post."""
    if not once:
        raise typer.BadParameter(msg.SYNC_NEEDS_ONCE)
    from liasse.app.runner import sync_once

    by_workspace = sync_once(cli_settings(workspace), all_workspaces=all_workspaces,
                             progress=not as_json and sys.stderr.isatty())
    if as_json:  # one workspace: its counts; --all-workspaces: counts by slug
        typer.echo(json.dumps(by_workspace if all_workspaces
                              else next(iter(by_workspace.values()))))
        return
    for slug, counts in by_workspace.items():
        if all_workspaces:
            typer.echo(msg.SYNC_WORKSPACE.format(slug=slug))
        for name, value in counts.items():
            typer.echo(f"{name:>11}: {value}")


def status(
    as_json: Annotated[bool, typer.Option("--json", help=msg.JSON_HELP)] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Show documents by state, connections and recent documents."""
    from liasse.app.reports import workspace_status
    from liasse.app.services import opened_services
    from liasse.cli.render import print_status

    with opened_services(cli_settings(workspace)) as services:
        report = workspace_status(services)
    if as_json:
        typer.echo(json.dumps(report.to_json()))
    else:
        print_status(report)


def doctor() -> None:
    """Check the database, keys, OCR engine and inbox, and say how to fix what is wrong."""
    from liasse.app.doctor import doctor as run_checks
    from liasse.app.settings import load_settings

    checks = run_checks(load_settings())
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        typer.echo(printable(f"[{mark}] {check.name}: {check.detail}"))
        if not check.ok and check.fix:
            typer.echo(printable(f"       fix: {check.fix}"))
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


@keys_app.command("rotate")
def rotate_keys(
    data_keys: Annotated[bool, typer.Option("--data-keys", help=msg.KEYS_DATA_HELP)] = False,
) -> None:
    """Re-wrap every workspace's data key with a new master key, then delete the old one."""
    from liasse.app.lock import ServiceAlreadyRunning
    from liasse.app.runner import rotate_master_key
    from liasse.app.settings import load_settings

    settings = load_settings()
    try:
        rotation = rotate_master_key(settings, new_data_keys=data_keys)
    except ServiceAlreadyRunning as exc:
        typer.echo(f"{exc} (new data keys are made with the service stopped)", err=True)
        raise typer.Exit(1) from exc
    done = msg.KEYS_REPLACED if rotation.replaced else msg.KEYS_ROTATED
    typer.echo(done.format(count=rotation.data_keys))
    if rotation.previous_removed:
        typer.echo(msg.KEYS_PREVIOUS_REMOVED)
    else:
        typer.echo(msg.KEYS_PREVIOUS_KEPT.format(path=f"{settings.key_file}.previous"))


@workspace_app.command("thresholds")
def thresholds(
    review_from: Annotated[float | None, typer.Option(help="Below: refused (0-1).")] = None,
    approve_from: Annotated[float | None, typer.Option(help="From: posted (0-1).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Set this workspace's confidence thresholds (its own, over the service defaults)."""
    from decimal import Decimal

    from liasse.app.services import opened_services
    from liasse.app.setup import PreferenceError, set_workspace_preferences

    with opened_services(cli_settings(workspace)) as services:
        try:
            preferences = set_workspace_preferences(
                services,
                review_from=None if review_from is None else Decimal(str(review_from)),
                approve_from=None if approve_from is None else Decimal(str(approve_from)))
        except PreferenceError as exc:
            raise typer.BadParameter(str(exc)) from exc
    typer.echo(msg.THRESHOLDS_SET.format(**{"review_from": "-", "approve_from": "-",
                                            **preferences}))


@firm_app.command("enable")
def firm_enable(
    client: Annotated[str, typer.Argument(help="The client's name.")],
    connection: Annotated[str, typer.Option(help="The firm's Dropbox connection.")] = "dropbox",
    french: Annotated[bool, typer.Option(help="Factures / Reçus / Documents de vente.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Create the client's workspace and its Invoices, Receipts and Sales documents folders."""
    from liasse.app.firm import enable_client, folder_labels
    from liasse.app.services import opened_services

    with opened_services(cli_settings(workspace)) as services:
        slug = enable_client(services, connection, client,
                             labels=folder_labels(french=french))
    typer.echo(msg.FIRM_ENABLED.format(client=client, slug=slug))


@firm_app.command("disable")
def firm_disable(client_slug: Annotated[str, typer.Argument(help="The client workspace.")]
                 ) -> None:
    """Stop a client's sync; its data stays."""
    from liasse.app.firm import disable_client
    from liasse.app.services import opened_services

    with opened_services(cli_settings()) as services:
        stopped = disable_client(services, client_slug)
    typer.echo(msg.FIRM_DISABLED.format(slug=client_slug, count=stopped))
