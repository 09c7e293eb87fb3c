"""The built-in Qonto sandbox of `make run` (`emulators.qonto.embedded`), connected to the
workspace like a real account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from liasse.app import connections
from liasse.app.listen import ensure_port_free
from liasse.app.services import Services
from liasse.app.setup import demo_day
from liasse.emulators.qonto.embedded import RunningSandbox, serve_sandbox

SANDBOX_CONNECTION = "qonto-sandbox"


def start_embedded_qonto(services: Services, echo: Callable[[str], None],
                         today: date | None = None) -> RunningSandbox:
    """Serve the sandbox and connect the workspace to it; returns the running sandbox."""
    settings = services.settings
    ensure_port_free("127.0.0.1", settings.qonto.sandbox_port, what="the Qonto sandbox",
                     flag="--sandbox-port (or LIASSE_QONTO__SANDBOX_PORT)")
    sandbox = serve_sandbox(settings.home / "qonto-sandbox", settings.qonto.sandbox_port,
                            demo_day(settings, today or date.today()))
    connections.connect_qonto_api_key(services, sandbox.api_key, base_url=sandbox.base_url,
                                      name=SANDBOX_CONNECTION, emulator=True)
    echo(f"Qonto sandbox (built-in emulator) on {sandbox.base_url}")
    return sandbox


def embedded_qonto(services: Services, echo: Callable[[str], None] = lambda line: None
                   ) -> RunningSandbox | None:
    """The built-in Qonto sandbox, started and connected when the settings ask for it."""
    if services.settings.qonto.mode != "sandbox":
        return None
    return start_embedded_qonto(services, echo)


def stop_sandbox(sandbox: RunningSandbox | None) -> None:
    if sandbox is not None:
        sandbox.stop()
