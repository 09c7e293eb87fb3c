"""Misbehaviour on demand for the Qonto emulator: the failures liasse must survive.

A rule (`liasse.emulators.faults.FaultRule`) names a route ("POST /v2/supplier_invoices/bulk",
or "*" for all) and a kind:

- `server_error`   answer `status` (500, 502, 503…) with Qonto's error body
- `unauthorized`   answer 401 as if the key or token had been revoked
- `rate_limited`   answer 429 (with `Retry-After` only when `retry_after` is set)
- `delay_before`   wait `seconds`, then handle the call (a slow Qonto; a client timeout
                   means nothing was done)
- `delay_after`    handle the call, then wait `seconds` (the answer is lost if the client
                   gives up: the work is done, the client does not know)

Each rule fires for its next `times` calls (None: until cleared). Files whose name is in
`rejected_file_names` come back as per-item errors from the bulk upload.
"""

from __future__ import annotations

from liasse.emulators.faults import FaultInjector, FaultRule, FaultRuleError

__all__ = ["QONTO_FAULT_KINDS", "FaultPlan", "FaultRule", "FaultRuleError"]

QONTO_FAULT_KINDS: frozenset[str] = frozenset(
    {"server_error", "unauthorized", "rate_limited", "delay_before", "delay_after"}
)


class FaultPlan(FaultInjector):
    """The rules in force; safe to change from a test thread while the app serves."""

    def __init__(self) -> None:
        super().__init__(QONTO_FAULT_KINDS)
        self.rejected_file_names: set[str] = set()

    def clear(self) -> None:
        super().clear()
        self.rejected_file_names.clear()
