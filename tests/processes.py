"""Test helpers about processes a test started and expects gone."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def assert_ended(pid_file: Path, seconds: float = 5.0) -> None:
    """The process whose pid `pid_file` holds ends (or is a zombie) within `seconds`."""
    status = Path(f"/proc/{pid_file.read_text().strip()}/stat")
    deadline = time.monotonic() + seconds
    while status.exists() and status.read_text().split()[2] != "Z" \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not status.exists() or status.read_text().split()[2] == "Z"


def python_lines(script: str) -> list[str]:
    """The lines a fresh interpreter running `script` prints (it must exit 0): what a new
    process imports is only seen from one that has imported nothing yet."""
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=120)
    return ran.stdout.splitlines()
