"""How a pipeline step fails, and what the pipeline does about it.

    StepFailure
    ├── TransientFailure   retry with backoff (network, 5xx, 429, a locked database), then park
    ├── RejectedData       park with the reason; a person fixes and retries
    ├── NeedsReconnect     block on auth; the connection stops calling until reconnected
    └── NotAvailable       the step has no implementation configured yet: park, say so

Adapters translate their own exceptions into these at the boundary, so the pipeline never
needs to know an HTTP status code.
"""

from __future__ import annotations


class StepFailure(Exception):
    """A step could not complete for this document."""


class TransientFailure(StepFailure):
    pass


class RejectedData(StepFailure):
    pass


class NeedsReconnect(StepFailure):
    def __init__(self, message: str, connection_id: str | None = None) -> None:
        super().__init__(message)
        self.connection_id = connection_id


class NotAvailable(StepFailure):
    pass
