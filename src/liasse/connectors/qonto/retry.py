"""How long to wait between attempts at a transient failure: capped exponential, full jitter.

Injected into the client so that tests run without sleeping and stay deterministic.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` tries in all; waits grow as base·2ⁿ, capped, randomised (full jitter)
    so that many workers recovering at once do not retry in step. A `Retry-After` from
    Qonto is honoured when present (Qonto does not promise one), within `max_delay`."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (0-based)."""
        ceiling: float = min(self.max_delay, self.base_delay * 2.0 ** attempt)
        wait: float = ceiling * self.jitter()
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


def parse_retry_after(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None  # an HTTP date: rare enough at Qonto to fall back to our own backoff
