"""Generic per-route fault injection for the HTTP emulators (Dropbox today).

A `FaultInjector` holds `FaultRule`s keyed by route name ("*" matches every route). The
emulator asks `take(route)` before handling a call and turns the rule into its own wire
format: the injector knows *when* to misbehave, the emulator knows *how* it looks on the
wire. Rules are set programmatically by tests or as JSON through an emulator admin route.
Kinds used by the Dropbox emulator: `rate_limit`, `server_error`, `delay`, `reset_cursor`,
`expire_token`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, cast

FaultKind = Literal["rate_limit", "server_error", "delay", "reset_cursor", "expire_token"]
FAULT_KINDS: frozenset[str] = frozenset(
    {"rate_limit", "server_error", "delay", "reset_cursor", "expire_token"}
)
ANY_ROUTE = "*"


class FaultRuleError(ValueError):
    """A fault rule given as JSON is malformed."""


@dataclass(frozen=True)
class FaultRule:
    """Misbehave on `route` for the next `times` calls (None: until cleared)."""

    route: str
    kind: FaultKind
    times: int | None = 1
    retry_after: int = 1
    status: int = 503
    seconds: float = 0.0

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> FaultRule:
        kind = data.get("kind")
        if kind not in FAULT_KINDS:
            expected = ", ".join(sorted(FAULT_KINDS))
            raise FaultRuleError(f"unknown fault kind {kind!r}; expected one of {expected}")
        route = data.get("route", ANY_ROUTE)
        if not isinstance(route, str) or not route:
            raise FaultRuleError("a fault rule needs a route name (or '*')")
        times = data.get("times", 1)
        if times is not None and (not isinstance(times, int) or times < 1):
            raise FaultRuleError("times must be a positive integer or null")
        try:
            return cls(
                route=route.strip("/"),
                kind=cast(FaultKind, kind),
                times=times,
                retry_after=int(data.get("retry_after", 1)),
                status=int(data.get("status", 503)),
                seconds=float(data.get("seconds", 0.0)),
            )
        except (TypeError, ValueError) as exc:
            raise FaultRuleError(f"bad fault rule: {exc}") from exc

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """Thread-safe set of fault rules, consumed one call at a time."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, route: str) -> FaultRule | None:
        """The first rule matching `route`, counting this call against its `times`."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.route not in (route, ANY_ROUTE):
                    continue
                if rule.times is not None:
                    remaining = rule.times - 1
                    if remaining:
                        self._rules[index] = replace(rule, times=remaining)
                    else:
                        del self._rules[index]
                return rule
            return None
