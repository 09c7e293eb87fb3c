"""Per-route fault injection for the HTTP emulators (Dropbox and Qonto).

A `FaultInjector` holds `FaultRule`s keyed by route name ("*" matches every route) and
accepts only the kinds its emulator knows how to play. The emulator asks `take(route)`
before handling a call and turns the rule into its own wire format: the injector knows
*when* to misbehave, the emulator knows *how* it looks on the wire. Rules are set
programmatically by tests or as JSON through an emulator admin route.

Kinds: the Dropbox emulator plays `rate_limit`, `server_error`, `delay`, `reset_cursor`
and `expire_token`; the Qonto emulator `server_error`, `unauthorized`, `rate_limited`,
`delay_before` and `delay_after` (see `dropbox/app.py` and `qonto/faults.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, cast

FaultKind = Literal[
    "server_error",
    # Dropbox
    "rate_limit", "delay", "reset_cursor", "expire_token",
    # Qonto
    "unauthorized", "rate_limited", "delay_before", "delay_after",
]
ANY_ROUTE = "*"


class FaultRuleError(ValueError):
    """A fault rule is malformed, or names a kind this emulator does not play."""


@dataclass(frozen=True)
class FaultRule:
    """Misbehave on `route` for the next `times` calls (None: until cleared).

    `retry_after` None leaves the emulator its own default (Dropbox: one second; Qonto:
    no `Retry-After` header at all).
    """

    route: str
    kind: FaultKind
    times: int | None = 1
    status: int = 503
    seconds: float = 0.0
    retry_after: int | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], kinds: frozenset[str]) -> FaultRule:
        kind = data.get("kind")
        if kind not in kinds:
            raise FaultRuleError(_unknown_kind(kind, kinds))
        route = data.get("route", ANY_ROUTE)
        if not isinstance(route, str) or not route:
            raise FaultRuleError("a fault rule needs a route name (or '*')")
        times = data.get("times", 1)
        if times is not None and (not isinstance(times, int) or times < 1):
            raise FaultRuleError("times must be a positive integer or null")
        retry_after = data.get("retry_after")
        try:
            return cls(
                route=route.strip("/"),
                kind=cast(FaultKind, kind),
                times=times,
                status=int(data.get("status", 503)),
                seconds=float(data.get("seconds", 0.0)),
                retry_after=None if retry_after is None else int(retry_after),
            )
        except (TypeError, ValueError) as exc:
            raise FaultRuleError(f"bad fault rule: {exc}") from exc

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _unknown_kind(kind: object, kinds: frozenset[str]) -> str:
    return f"unknown fault kind {kind!r}; expected one of {', '.join(sorted(kinds))}"


class FaultInjector:
    """Thread-safe set of fault rules of the given `kinds`, consumed one call at a time."""

    def __init__(self, kinds: frozenset[str]) -> None:
        self.kinds = kinds
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def parse(self, data: Mapping[str, Any]) -> FaultRule:
        """A rule given as JSON (an admin route's body), checked against this emulator."""
        return FaultRule.from_mapping(data, self.kinds)

    def add(self, rule: FaultRule) -> None:
        if rule.kind not in self.kinds:
            raise FaultRuleError(_unknown_kind(rule.kind, self.kinds))
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
