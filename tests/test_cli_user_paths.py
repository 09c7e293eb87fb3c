"""What a new user meets on the command line: every command on a home that was never set
up and beside a running `liasse run`, ports, exit codes, `status` at 80 columns."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from liasse.app.reports import workspace_status
from liasse.app.services import opened_services
from liasse.cli import app
from liasse.cli.render import print_status
from liasse.store.connections_repo import ConnectionRepo

runner = CliRunner()
# Commands that serve until stopped: exercised through a real process below.
SERVING = {"run", "emulate qonto", "emulate dropbox"}


def every_command(tmp: Path) -> dict[str, tuple[list[str], str | None]]:
    """Each leaf command with the least a user would type (and its standard input)."""
    missing = str(tmp / "missing.pdf")
    return {
        "init": (["init"], None),
        "sync": (["sync", "--once"], None),
        "status": (["status", "--json"], None),
        "doctor": (["doctor"], None),
        "disconnect": (["disconnect", "nope"], None),
        "extract": (["extract", missing], None),
        "learn": (["learn", missing, "--set", "total_amount=1.00"], None),
        "match": (["match", "--documents", missing, "--transactions", missing], None),
        "backfill": (["backfill"], None),
        "keys rotate": (["keys", "rotate"], None),
        "workspace thresholds": (["workspace", "thresholds", "--review-from", "0.5"], None),
        "firm enable": (["firm", "enable", "Client"], None),
        "firm disable": (["firm", "disable", "client"], None),
        "connect dropbox": (["connect", "dropbox", "--token", "wrong"], None),
        "connect qonto": (["connect", "qonto", "--api-key-stdin", "--base-url",
                           "http://127.0.0.1:9"], "a:b\n"),
        "receipts export": (["receipts", "export", "--since", "2026-01-01"], None),
        "receipts reset": (["receipts", "reset"], None),
        "receipts stop": (["receipts", "stop"], None),
        "users add": (["users", "add", "ann@example.com", "--password-stdin"],
                      "correct horse battery\n"),
        "users passwd": (["users", "passwd", "ann@example.com", "--password-stdin"],
                         "another horse battery\n"),
        "users remove": (["users", "remove", "nobody@example.com"], None),
        "workspace export": (["workspace", "export", "default", "--out",
                              str(tmp / "export.zip")], None),
        "workspace erase": (["workspace", "erase", "no-such-workspace", "--yes"], None),
        "db copy": (["db", "copy", "--to", "postgresql://127.0.0.1:9/nowhere"], None),
        "worker": (["worker"], None),
    }


def leaf_commands() -> set[str]:
    names: set[str] = set()

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
        else:
            names.add(" ".join(path))

    walk(typer.main.get_command(app), [])
    return names


def test_the_table_below_covers_every_command(tmp_path: Path) -> None:
    assert set(every_command(tmp_path)) == leaf_commands() - SERVING


def assert_no_traceback(name: str, args: list[str], stdin: str | None) -> str:
    result = runner.invoke(app, args, input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        name, result.output, result.exception)
    assert "Traceback" not in result.output, (name, result.output)
    return result.output


@pytest.mark.parametrize("name", sorted(set(every_command(Path("/x"))) - {"init"}))
def test_no_command_shows_a_traceback_nor_creates_a_database_on_a_fresh_home(
        clean_environment: Path, tmp_path: Path, name: str) -> None:
    args, stdin = every_command(tmp_path)[name]
    output = assert_no_traceback(name, args, stdin)
    assert not (clean_environment / "liasse.db").exists(), name
    if name not in ("extract", "match"):  # these two read files, not the home
        assert "liasse init" in output, (name, output)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_service(home: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LIASSE_HOME": str(home), "LIASSE_QONTO__SANDBOX_PORT": "0"}
    return subprocess.Popen([sys.executable, "-m", "liasse", "run", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_until(process: subprocess.Popen[str], marker: str, timeout: float = 60) -> list[str]:
    assert process.stdout is not None
    deadline, lines = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in {lines}")


@pytest.fixture
def running_service(clean_environment: Path) -> Iterator[int]:
    port = free_port()
    process = start_service(clean_environment, "--port", str(port))
    try:
        read_until(process, "Open http://")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_every_command_works_or_says_why_beside_a_running_service(
        running_service: int, tmp_path: Path) -> None:
    for name, (args, stdin) in every_command(tmp_path).items():
        assert_no_traceback(name, args, stdin)
    synced = runner.invoke(app, ["sync", "--once", "--json"])
    assert synced.exit_code == 0, synced.output  # the sandbox port is the service's
    assert set(json.loads(synced.stdout)) >= {"discovered", "posted"}
    again = runner.invoke(app, ["run", "--port", str(free_port())])
    assert again.exit_code == 1 and "another `liasse run`" in again.output


def test_a_busy_port_is_reported_before_anything_says_running(
        clean_environment: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_service(clean_environment, "--host", "127.0.0.1", "--port", str(port))
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in output and "--port" in output
    assert "running" not in output and "Open http" not in output
    assert "Traceback" not in output


def test_status_fits_80_columns_one_line_per_document(clean_environment: Path) -> None:
    runner.invoke(app, ["init"])
    inbox = clean_environment / "inbox"
    for index in range(3):
        (inbox / f"a-very-long-file-name-from-the-scanner-{index:04}.pdf").write_text(
            f"not a document {index}")
    os.environ["LIASSE_INBOX__SETTLE_SECONDS"] = "0"
    try:
        assert runner.invoke(app, ["sync", "--once"]).exit_code == 0
    finally:
        del os.environ["LIASSE_INBOX__SETTLE_SECONDS"]
    with opened_services() as services:
        report = workspace_status(services)
    console = Console(width=80, record=True, force_terminal=False)
    print_status(report, console)
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if "a-very-long" in line]
    assert len(rows) == 3  # one line each: nothing wraps onto a second line
    assert all("refused" in row for row in rows)
    recent = json.loads(runner.invoke(app, ["status", "--json"]).stdout)["recent"]
    assert {(line["document_type"], line["plan"]) for line in recent} == {("other", "nothing")}


def test_workspace_option_and_variable_select_the_workspace(clean_environment: Path) -> None:
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["init", "--workspace", "acme"]).exit_code == 0
    status = json.loads(runner.invoke(app, ["status", "--json", "--workspace", "acme"]).stdout)
    assert status["workspace"] == "acme"
    by_env = runner.invoke(app, ["status", "--json"], env={"LIASSE_WORKSPACE": "acme"})
    assert json.loads(by_env.stdout)["workspace"] == "acme"
    unknown = runner.invoke(app, ["status", "--workspace", "nope"])
    assert unknown.exit_code == 1 and "'nope' does not exist" in unknown.output
    every = json.loads(runner.invoke(app, ["sync", "--once", "--json",
                                           "--all-workspaces"]).stdout)
    assert set(every) == {"default", "acme"}
    assert "LIASSE_WORKSPACE" in runner.invoke(app, ["status", "--help"]).output


def test_the_demo_password_is_printed_at_init_kept_hashed_and_reset_with_passwd(
        clean_environment: Path) -> None:
    import re

    from argon2 import PasswordHasher
    from sqlalchemy import select

    from liasse.store.tables_web import User

    first = runner.invoke(app, ["init", "--demo"])
    assert first.exit_code == 0, first.output
    found = re.search(r"Log in as demo@liasse.local with password (\S+)", first.output)
    assert found is not None
    password = found.group(1)
    again = runner.invoke(app, ["init", "--demo"])
    assert "with password " not in again.output  # the same password stays
    assert "printed by `liasse init --demo`" in again.output

    def stored_hash() -> str:
        with opened_services() as services, services.sessions.begin() as session:
            user = session.scalars(select(User)).one()
            return str(user.password_hash)

    assert password not in stored_hash() and stored_hash().startswith("$argon2")
    assert PasswordHasher().verify(stored_hash(), password)
    changed = runner.invoke(app, ["users", "passwd", "demo@liasse.local", "--password-stdin"],
                            input="a new demo password\n")
    assert changed.exit_code == 0, changed.output
    assert PasswordHasher().verify(stored_hash(), "a new demo password")
    unknown = runner.invoke(app, ["users", "passwd", "nobody@x.y", "--password-stdin"],
                            input="long enough password\n")
    assert unknown.exit_code != 0 and "no user" in unknown.output


def test_changing_the_receipts_time_moves_the_run_already_planned(
        clean_environment: Path) -> None:
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from liasse.store.receipts_repo import receipts_repo_scope

    assert runner.invoke(app, ["init"]).exit_code == 0
    with opened_services() as services, services.repo(ConnectionRepo) as repo:
        connection_id = repo.add_connection("dropbox", "dropbox", {}).id
        workspace_id = repo.workspace_id
    first = runner.invoke(app, ["receipts", "export", "--since", "2026-01-01"])
    assert first.exit_code == 0, first.output
    with opened_services() as services:
        scope = receipts_repo_scope(services.sessions, workspace_id)
        with scope() as receipts:  # as after a run: the next one planned at 23:30
            receipts.record_run(connection_id, datetime.now(UTC),
                                datetime.now(UTC) + timedelta(hours=20), None)
    moved = runner.invoke(app, ["receipts", "export", "--since", "2026-01-01", "--at", "06:15"])
    assert "daily at 06:15" in moved.output
    with opened_services() as services, \
            receipts_repo_scope(services.sessions, workspace_id)() as receipts:
        state = receipts.export_state(connection_id)
    assert state is not None and state.next_run_at is not None
    planned = state.next_run_at.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert (planned.hour, planned.minute) == (6, 15)
    assert planned - datetime.now(UTC) <= timedelta(days=1)
    exports = json.loads(runner.invoke(app, ["status", "--json"]).stdout)["receipts_exports"]
    assert len(exports) == 1
    assert exports[0]["schedule"] == "06:15 Europe/Paris" and exports[0]["enabled"]
    assert exports[0]["last_run_at"] is not None and exports[0]["files"] == {}
    assert datetime.fromisoformat(exports[0]["next_run_at"]).replace(tzinfo=UTC) == \
        state.next_run_at.replace(tzinfo=UTC)
