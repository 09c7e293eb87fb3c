"""Bounded subset-sum: which few open documents add up exactly to one payment.

Bounded twice, on purpose: at most `max_items` documents (the closest in time) and at most
`max_size` per combination, with a cap on combinations tried, so a supplier with hundreds
of open invoices costs the same as one with ten. Signed amounts let credit notes net off.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

MAX_COMBINATIONS = 20_000


def exact_subsets(amounts: Sequence[int], target: int, *, max_size: int,
                  limit: int = 2) -> list[tuple[int, ...]]:
    """Index tuples (size ≥ 2) of `amounts` that sum exactly to `target`; at most `limit`.

    Finding two is enough to know the answer is ambiguous, so the search stops there.
    """
    found: list[tuple[int, ...]] = []
    tried = 0
    for size in range(2, min(max_size, len(amounts)) + 1):
        for combo in combinations(range(len(amounts)), size):
            tried += 1
            if tried > MAX_COMBINATIONS:
                return found
            if sum(amounts[index] for index in combo) == target:
                found.append(combo)
                if len(found) >= limit:
                    return found
    return found
