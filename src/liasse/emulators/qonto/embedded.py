"""The built-in Qonto sandbox of `make run`: this emulator served on loopback in the
calling process, its state kept in a folder and seeded with the demo bank year.

`app.sandbox` connects a workspace to it like a real account; a newcomer sees invoices
arrive "in the bank" through the same client, outbox and idempotency keys as a real one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import uvicorn

from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.persistence import StateStore
from liasse.emulators.qonto.serve import prepare_state
from liasse.emulators.qonto.state import EmulatorConfig

STARTUP_SECONDS = 15.0


class SandboxError(RuntimeError):
    pass


@dataclass(frozen=True)
class RunningSandbox:
    server: uvicorn.Server
    base_url: str
    api_key: str

    def stop(self) -> None:
        self.server.should_exit = True


def serve_in_thread(app: object, host: str, port: int) -> tuple[uvicorn.Server, int]:
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port,  # type: ignore[arg-type]
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, name="qonto-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SandboxError(f"the Qonto sandbox could not listen on {host}:{port}")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return server, int(bound)


def serve_sandbox(folder: Path, port: int, bank_year_ends: date) -> RunningSandbox:
    """Serve the sandbox kept in `folder` on 127.0.0.1:`port`; a new one's bank year ends
    on `bank_year_ends` (the demo's day, so that it pays the demo's invoices)."""
    store = StateStore(folder)
    state, api_key = prepare_state(store, "demo", None, bank_year_ends)
    app = create_app(state, config=EmulatorConfig(), store=store)
    server, bound = serve_in_thread(app, "127.0.0.1", port)
    return RunningSandbox(server, f"http://127.0.0.1:{bound}", api_key)
