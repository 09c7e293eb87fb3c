"""The built-in Qonto sandbox of `make run`: liasse's own Qonto emulator, served on loopback
in the same process, seeded with the demo bank year, and connected like a real account.

A newcomer sees invoices arrive "in the bank" without an account; the connection goes
through the same client, outbox and idempotency keys as a real one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import uvicorn

from liasse.app import connections
from liasse.app.listen import ensure_port_free
from liasse.app.services import Services, demo_day
from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.persistence import StateStore
from liasse.emulators.qonto.serve import prepare_state
from liasse.emulators.qonto.state import EmulatorConfig

SANDBOX_CONNECTION = "qonto-sandbox"
STARTUP_SECONDS = 15.0


class SandboxError(RuntimeError):
    pass


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


def start_embedded_qonto(services: Services, echo: Callable[[str], None],
                         today: date | None = None) -> uvicorn.Server:
    """Serve the sandbox and connect the workspace to it; returns the running server. A
    new sandbox's bank year ends on the demo's day, so it pays the demo's invoices."""
    settings = services.settings
    ensure_port_free("127.0.0.1", settings.qonto.sandbox_port, what="the Qonto sandbox",
                     flag="--sandbox-port (or LIASSE_QONTO__SANDBOX_PORT)")
    store = StateStore(settings.home / "qonto-sandbox")
    state, api_key = prepare_state(store, "demo", None,
                                   demo_day(settings, today or date.today()))
    app = create_app(state, config=EmulatorConfig(), store=store)
    server, port = serve_in_thread(app, "127.0.0.1", settings.qonto.sandbox_port)
    base_url = f"http://127.0.0.1:{port}"
    connections.connect_qonto_api_key(services, api_key, base_url=base_url,
                                      name=SANDBOX_CONNECTION, emulator=True)
    echo(f"Qonto sandbox (built-in emulator) on {base_url}")
    return server
