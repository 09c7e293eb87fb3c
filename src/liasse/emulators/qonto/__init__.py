"""A Qonto Business API v2 sandbox emulator, held to Qonto's own OpenAPI description.

`create_app(state, config=..., clock=..., faults=...)` is the ASGI app; `demo_state()` the
`--seed demo` world; `serve_qonto_emulator(...)` serves it on loopback.
"""

from liasse.emulators.qonto.app import create_app
from liasse.emulators.qonto.faults import FaultPlan, FaultRule
from liasse.emulators.qonto.inprocess import sync_transport
from liasse.emulators.qonto.seed import demo_state
from liasse.emulators.qonto.state import EmulatorConfig, QontoState, empty_state

__all__ = ["EmulatorConfig", "FaultPlan", "FaultRule", "QontoState", "create_app",
           "demo_state", "empty_state", "sync_transport"]
