"""How a call to Qonto fails, and what the caller should do about it.

    QontoError
    ├── TransientFailure     5xx, 429, network errors, timeouts — already retried with
    │                        bounded exponential backoff and jitter; park and try later
    ├── NeedsReconnect       401, 403 (missing OAuth scope), refresh token refused, sandbox
    │                        login page — the connection stops calling until reconnected
    │                        (never hammer: 200 401s an hour gets an IP throttled)
    └── Rejected             400, 404, 422, or a per-item error of the bulk upload — Qonto
                             refused this data; `code` and `detail` carry Qonto's words

`as_step_failure` is the one translation into the pipeline's `StepFailure`s; everything
that hands Qonto's failures to the pipeline (the poster, the bank feed, the receipts
source) goes through it.
"""

from __future__ import annotations

from liasse.domain import errors as step_errors


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


def as_step_failure(error: QontoError, connection_id: str | None = None
                    ) -> step_errors.StepFailure:
    """The pipeline's failure for a Qonto failure (raise it `from` the original);
    `connection_id` tells the pipeline which connection to stop on a refused credential."""
    if isinstance(error, NeedsReconnect):
        return step_errors.NeedsReconnect(str(error), connection_id)
    if isinstance(error, Rejected):
        return step_errors.RejectedData(str(error))
    return step_errors.TransientFailure(str(error))
