"""How a call to Qonto fails, and what the caller should do about it.

    QontoError
    ├── TransientFailure     5xx, 429, network errors, timeouts — already retried with
    │                        bounded exponential backoff and jitter; park and try later
    ├── NeedsReconnect       401, 403 (missing OAuth scope), refresh token refused, sandbox
    │                        login page — the connection stops calling until reconnected
    │                        (never hammer: 200 401s an hour gets an IP throttled)
    └── Rejected             400, 404, 422, or a per-item error of the bulk upload — Qonto
                             refused this data; `code` and `detail` carry Qonto's words

The sync layer translates these into its own `StepFailure`s (see `poster.py`).
"""

from __future__ import annotations


class QontoError(Exception):
    """A call to Qonto did not succeed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientFailure(QontoError):
    """Qonto or the network failed for now; the same call may succeed later."""


class NeedsReconnect(QontoError):
    """The credentials are refused: someone must reconnect liasse to Qonto."""


class Rejected(QontoError):
    """Qonto refused the data itself; retrying unchanged will fail the same way."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message, status=status)
        self.code = code
