"""Connection changes reach a running `liasse run` without a restart: a real service
process, a Dropbox emulator on loopback, and the CLI changing the connections beside it.

The regular Dropbox window is 15 minutes apart, so a file picked up within seconds of its
upload was seen by an instant watcher — one the service started on its own when
`--instant` was turned on, and stopped when the connection was disconnected.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liasse.cli import app
from liasse.emulators.dropbox.serve import running_emulator
from liasse.emulators.dropbox.state import DropboxState

pytestmark = pytest.mark.slow
runner = CliRunner()
TOKEN = "live-token"
PICKUP_SECONDS = 20.0


@dataclass
class Service:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def wait_for_line(self, words: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(words in line for line in self.lines):
                return
            assert self.process.poll() is None, self.lines
            time.sleep(0.1)
        raise AssertionError(f"no {words!r} in {self.lines}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cli(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def seen_files() -> set[str]:
    status = json.loads(cli("status", "--json"))
    return {row["file_name"] for row in status["recent"]}


def wait_for_file(name: str, service: Service, timeout: float = PICKUP_SECONDS) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if name in seen_files():
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"{name} not picked up in {timeout} s: {service.lines[-20:]}")


@pytest.fixture
def dropbox(clean_environment: Path, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[DropboxState]:
    state = DropboxState(token=TOKEN)
    state.create_folder("/Invoices")
    with running_emulator(state) as url:
        monkeypatch.setenv("LIASSE_DROPBOX__BASE_URL", url)
        monkeypatch.setenv("LIASSE_QONTO__MODE", "off")
        cli("init")
        yield state


@pytest.fixture
def service(dropbox: DropboxState, clean_environment: Path) -> Iterator[Service]:
    env = {**os.environ, "LIASSE_WEB__PORT": str(free_port())}
    process = subprocess.Popen([sys.executable, "-m", "liasse", "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    running = Service(process)
    threading.Thread(target=running.read, daemon=True).start()
    try:
        running.wait_for_line("Open http://")
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_connect_instant_and_disconnect_take_effect_in_the_running_service(
        dropbox: DropboxState, service: Service) -> None:
    dropbox.put_file("/Invoices/first.pdf", b"%PDF-1.4 first")
    cli("connect", "dropbox", "--token", TOKEN, "--folder", "/Invoices")
    wait_for_file("first.pdf", service)  # a new connection's first window runs at once

    # Regular windows only: nothing watches the folder, the next window is 15 min away.
    time.sleep(3)
    assert "instant mode: watching" not in "\n".join(service.lines)

    cli("connect", "dropbox", "--token", TOKEN, "--folder", "/Invoices", "--instant")
    service.wait_for_line("instant mode: watching connection", timeout=PICKUP_SECONDS)
    time.sleep(1)  # the watcher's first longpoll is open
    dropbox.put_file("/Invoices/second.pdf", b"%PDF-1.4 second")
    wait_for_file("second.pdf", service)

    cli("disconnect", "dropbox")
    service.wait_for_line("instant mode: stopped watching connection",
                          timeout=PICKUP_SECONDS)
    dropbox.put_file("/Invoices/third.pdf", b"%PDF-1.4 third")
    time.sleep(5)
    assert "third.pdf" not in seen_files()
