"""Serve the Dropbox emulator over plain HTTP with uvicorn (`liasse emulate dropbox`).

`serve_dropbox_emulator` blocks (the CLI); `running_emulator` serves a given state on a
free loopback port in a background thread for as long as a `with` block lasts (e2e tests,
the SDK contract tests, benchmarks).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from liasse.emulators.dropbox.app import create_app
from liasse.emulators.dropbox.state import DropboxState, EmulatorConfig

STARTUP_TIMEOUT_SECONDS = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 2
BANNER = ("Dropbox emulator on http://{host}:{port}\n"
          "  point liasse at it: LIASSE_DROPBOX__BASE_URL=http://{host}:{port}\n"
          "  long-lived token: {token}\n"
          "  state:     {data}\n"
          "Stop it with Ctrl-C (or SIGTERM).")


def serve_dropbox_emulator(
    host: str,
    port: int,
    data: Path | None,
    token: str | None,
    access_token_lifetime: int,
    auto_approve: bool,
) -> None:
    """Blocks until interrupted. `data`: folder that keeps the state across restarts."""
    if data is not None:
        data.mkdir(parents=True, exist_ok=True)
    config = EmulatorConfig(access_token_lifetime=access_token_lifetime, auto_approve=auto_approve)
    state = DropboxState(config, data_dir=data, token=token)
    print(BANNER.format(host=host, port=port, token="(as given)" if token else "none",
                        data=data or "in memory"), flush=True)
    # A longpoll may hold a request for minutes: without a bound, SIGTERM would wait for it.
    uvicorn.run(create_app(state), host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)


@contextmanager
def running_emulator(state: DropboxState, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `state` on a free port; yields the base URL (`http://127.0.0.1:PORT`)."""
    # uvicorn binds port 0 itself: handing it a pre-bound socket costs ~40 ms a request
    # (the accepted sockets then miss TCP_NODELAY and meet delayed ACKs).
    config = uvicorn.Config(create_app(state), host=host, port=0, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Dropbox emulator did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_SECONDS)
