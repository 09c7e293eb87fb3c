from __future__ import annotations

import itertools

import pytest

from liasse.domain.states import (
    ACTIVE,
    WAITING,
    IllegalTransition,
    State,
    allowed_targets,
    transition,
)


def test_happy_path_is_allowed_in_order() -> None:
    path = [State.DISCOVERED, State.FETCHED, State.EXTRACTED, State.ENRICHED, State.APPROVED,
            State.POSTED, State.MATCHED, State.FILED_BACK]
    for before, after in itertools.pairwise(path):
        move = transition(before, after, actor="step:test", reason="next")
        assert (move.before, move.after) == (before, after)


@pytest.mark.parametrize(("before", "after"), [
    (State.DISCOVERED, State.POSTED),
    (State.FETCHED, State.APPROVED),
    (State.POSTED, State.APPROVED),
    (State.FILED_BACK, State.DISCOVERED),
    (State.REFUSED, State.POSTED),
])
def test_illegal_transitions_raise(before: State, after: State) -> None:
    with pytest.raises(IllegalTransition, match=f"from {before.value} to {after.value}"):
        transition(before, after, actor="step:test", reason="skip")


def test_every_active_state_can_fail_into_every_waiting_state() -> None:
    for state in ACTIVE:
        assert allowed_targets(state) >= WAITING


def test_waiting_states_resume_to_active_states_or_a_person() -> None:
    for state in WAITING:
        targets = allowed_targets(state)
        assert targets >= ACTIVE
        assert State.IN_REVIEW in targets
        assert state not in targets


def test_every_state_is_reachable_from_discovered() -> None:
    seen = {State.DISCOVERED}
    frontier = [State.DISCOVERED]
    while frontier:
        for target in allowed_targets(frontier.pop()):
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(State)


def test_a_transition_needs_an_actor() -> None:
    with pytest.raises(ValueError, match="actor"):
        transition(State.DISCOVERED, State.FETCHED, actor="", reason="x")
