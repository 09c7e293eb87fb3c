"""Misbehaviour on demand for the Qonto emulator: the failures liasse must survive.

A rule names a route ("POST /v2/supplier_invoices/bulk", or "*" for all) and a kind:

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

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

FaultKind = Literal["server_error", "unauthorized", "rate_limited", "delay_before", "delay_after"]
FAULT_KINDS = frozenset({"server_error", "unauthorized", "rate_limited", "delay_before",
                         "delay_after"})
ANY_ROUTE = "*"


class FaultRuleError(ValueError):
    """A fault rule given as JSON is malformed."""


@dataclass(frozen=True)
class FaultRule:
    route: str
    kind: FaultKind
    times: int | None = 1
    status: int = 503
    seconds: float = 0.0
    retry_after: int | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultRule:
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            raise FaultRuleError(f"unknown fault kind {kind!r}; one of {sorted(FAULT_KINDS)}")
        times = data.get("times", 1)
        if times is not None and (not isinstance(times, int) or times < 1):
            raise FaultRuleError("times must be a positive integer or null")
        return cls(route=str(data.get("route", ANY_ROUTE)), kind=cast(FaultKind, kind),
                   times=times, status=int(data.get("status", 503)),
                   seconds=float(data.get("seconds", 0.0)),
                   retry_after=data.get("retry_after"))


@dataclass
class FaultPlan:
    """The rules in force; safe to change from a test thread while the app serves."""

    rules: list[FaultRule] = field(default_factory=list)
    rejected_file_names: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.rejected_file_names.clear()

    def take(self, route: str) -> FaultRule | None:
        """The first rule matching `route`, counting one use of it."""
        with self._lock:
            for index, rule in enumerate(self.rules):
                if rule.route not in (route, ANY_ROUTE):
                    continue
                if rule.times is None:
                    return rule
                if rule.times <= 1:
                    del self.rules[index]
                else:
                    self.rules[index] = replace(rule, times=rule.times - 1)
                return rule
        return None
