"""The document lifecycle: its states and the allowed transitions, as data.

A document moves forward through the pipeline steps; at any active step it may instead
wait for a retry (transient failure), be parked with its error (rejected data, a missing
step), or be blocked on auth (a connection needs reconnecting). From those it returns to
the state whose step failed. Anything else is an `IllegalTransition`, never a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    DISCOVERED = "discovered"
    FETCHED = "fetched"
    EXTRACTED = "extracted"
    ENRICHED = "enriched"
    REFUSED = "refused"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    POSTED = "posted"
    MATCHED = "matched"
    FILED_BACK = "filed_back"
    RETRY_SCHEDULED = "retry_scheduled"
    PARKED = "parked"
    BLOCKED_ON_AUTH = "blocked_on_auth"


# States from which a pipeline step still has work to do.
ACTIVE: frozenset[State] = frozenset(
    {State.DISCOVERED, State.FETCHED, State.EXTRACTED, State.ENRICHED, State.APPROVED,
     State.POSTED, State.MATCHED}
)
WAITING: frozenset[State] = frozenset(
    {State.RETRY_SCHEDULED, State.PARKED, State.BLOCKED_ON_AUTH}
)
# Where a document may rest for good (until a person acts).
RESTING: frozenset[State] = frozenset(
    {State.REFUSED, State.IN_REVIEW, State.FILED_BACK, State.MATCHED, State.POSTED}
)

FORWARD: dict[State, frozenset[State]] = {
    State.DISCOVERED: frozenset({State.FETCHED}),
    State.FETCHED: frozenset({State.EXTRACTED}),
    State.EXTRACTED: frozenset({State.ENRICHED}),
    State.ENRICHED: frozenset({State.REFUSED, State.IN_REVIEW, State.APPROVED}),
    # A person decides on what waits in review, or reopens a refusal. A payment
    # confirmation is never posted: once attached to its bank line it is matched.
    State.IN_REVIEW: frozenset({State.APPROVED, State.REFUSED, State.MATCHED}),
    State.REFUSED: frozenset({State.IN_REVIEW, State.APPROVED}),
    # A person may send an approved document back to review before it is posted. An
    # approved receipt is never posted: attached to the debit that paid it, it is matched.
    State.APPROVED: frozenset({State.POSTED, State.IN_REVIEW, State.REFUSED, State.FILED_BACK,
                               State.MATCHED}),
    State.POSTED: frozenset({State.MATCHED, State.FILED_BACK}),
    State.MATCHED: frozenset({State.FILED_BACK}),
    State.FILED_BACK: frozenset({State.MATCHED}),
}


def allowed_targets(current: State) -> frozenset[State]:
    """Every state reachable from `current` in one transition."""
    if current in WAITING:
        # Back to any active state (the step that failed resumes), or to a person.
        return ACTIVE | {State.IN_REVIEW, State.REFUSED} | (WAITING - {current})
    targets = set(FORWARD.get(current, frozenset()))
    if current in ACTIVE:
        targets |= WAITING
    return frozenset(targets)


class IllegalTransition(ValueError):
    def __init__(self, current: State, target: State) -> None:
        super().__init__(f"a document cannot go from {current.value} to {target.value}")
        self.current = current
        self.target = target


@dataclass(frozen=True)
class Transition:
    """A checked move, ready to be written with its audit event."""

    before: State
    after: State
    actor: str
    reason: str


def transition(current: State, target: State, *, actor: str, reason: str) -> Transition:
    if target not in allowed_targets(current):
        raise IllegalTransition(current, target)
    if not actor:
        raise ValueError("every transition names its actor (a system step or a user)")
    return Transition(current, target, actor, reason)
