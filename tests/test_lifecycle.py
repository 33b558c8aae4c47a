"""Tests for the pilot lifecycle state machine and its event log."""

import pickle
import random
from collections import deque
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from sim.model.lifecycle import (
    ACTIVE,
    CREATION_FROM_STATE,
    ENDED,
    TERMINAL,
    TRANSITIONS,
    EventLog,
    IllegalTransition,
    Lifecycle,
    PilotState,
    check_transition,
    is_legal_path,
)

S = PilotState
LEGAL = [(old, new) for old, targets in TRANSITIONS.items() for new in sorted(targets)]
ILLEGAL = [(old, new) for old in S for new in S if new not in TRANSITIONS[old]]


def path_to(state: PilotState) -> list[PilotState]:
    """Return a shortest legal path from PROPOSED to ``state`` (breadth-first search)."""
    previous: dict[PilotState, PilotState | None] = {S.PROPOSED: None}
    queue = deque([S.PROPOSED])
    while queue:
        current = queue.popleft()
        for new in sorted(TRANSITIONS[current]):
            if new not in previous:
                previous[new] = current
                queue.append(new)
    path = [state]
    while (before := previous[path[-1]]) is not None:
        path.append(before)
    return path[::-1]


def pilot_in(state: PilotState, log: EventLog | None = None) -> Lifecycle:
    """Return a pilot (id 1, city 4) that has walked the shortest path to ``state``."""
    pilot = Lifecycle(
        1, EventLog() if log is None else log, step=0, parties=[10, 11], reason="call", city=4
    )
    for step, new in enumerate(path_to(state)[1:], start=1):
        pilot.move(new, step=step, reason=f"to_{new}")
    assert pilot.state is state
    return pilot


# --- the transition table ----------------------------------------------------------------


def test_transition_table_matches_the_specification() -> None:
    assert {
        S.PROPOSED: {S.NEGOTIATING, S.CANCELLED},
        S.NEGOTIATING: {S.AGREED, S.CANCELLED},
        S.AGREED: {S.FINANCED, S.CANCELLED},
        S.FINANCED: {S.RUNNING, S.CANCELLED},
        S.RUNNING: {S.SUCCEEDED, S.FAILED, S.CANCELLED},
        S.SUCCEEDED: {S.SCALED},
        S.FAILED: set(),
        S.CANCELLED: set(),
        S.SCALED: set(),
    } == TRANSITIONS
    assert all(isinstance(targets, frozenset) for targets in TRANSITIONS.values())


def test_state_sets() -> None:
    assert {S.FAILED, S.CANCELLED, S.SCALED} == TERMINAL
    assert {S.SUCCEEDED, S.FAILED, S.CANCELLED, S.SCALED} == ENDED
    assert {S.PROPOSED, S.NEGOTIATING, S.AGREED, S.FINANCED, S.RUNNING} == ACTIVE
    assert set(S) == ACTIVE | ENDED
    assert not ACTIVE & ENDED
    assert TERMINAL <= ENDED
    # every active state can still be cancelled; nothing leads back to an active state
    assert all(S.CANCELLED in TRANSITIONS[state] for state in ACTIVE)
    assert all(TRANSITIONS[state] <= ENDED for state in ENDED)


def test_every_state_is_reachable_and_the_graph_is_acyclic() -> None:
    assert {state for state in S if path_to(state)} == set(S)
    longest = max(len(path_to(state)) for state in S)
    assert longest == 7  # PROPOSED ... RUNNING, SUCCEEDED, SCALED


@pytest.mark.parametrize(("old", "new"), LEGAL)
def test_every_legal_transition_is_accepted(old: PilotState, new: PilotState) -> None:
    check_transition(old, new)
    log = EventLog()
    pilot = pilot_in(old, log)
    before = len(log)
    pilot.move(new, step=99, reason="legal")
    assert pilot.state is new
    assert len(log) == before + 1
    assert pilot.history[-1] == (99, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (S.PROPOSED, S.RUNNING),
        (S.PROPOSED, S.AGREED),
        (S.PROPOSED, S.PROPOSED),
        (S.NEGOTIATING, S.FINANCED),
        (S.AGREED, S.NEGOTIATING),
        (S.FINANCED, S.SUCCEEDED),
        (S.RUNNING, S.SCALED),
        (S.RUNNING, S.PROPOSED),
        (S.FAILED, S.RUNNING),
        (S.SUCCEEDED, S.FAILED),
        (S.SUCCEEDED, S.CANCELLED),
    ]
    + [(S.SCALED, new) for new in S]
    + [(S.CANCELLED, new) for new in S],
)
def test_illegal_transitions_are_refused(old: PilotState, new: PilotState) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(old, new, pilot_id=1)
    log = EventLog()
    pilot = pilot_in(old, log)
    before, history = len(log), pilot.history
    with pytest.raises(IllegalTransition):
        pilot.move(new, step=99, reason="illegal")
    assert pilot.state is old
    assert len(log) == before
    assert pilot.history == history


@pytest.mark.parametrize(("old", "new"), ILLEGAL)
def test_check_transition_refuses_everything_not_in_the_table(
    old: PilotState, new: PilotState
) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(old, new)


def test_illegal_transition_message_and_attributes() -> None:
    with pytest.raises(IllegalTransition) as info:
        check_transition(S.RUNNING, S.PROPOSED, pilot_id=42)
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.pilot_id, error.current, error.new) == (42, S.RUNNING, S.PROPOSED)
    assert error.allowed == {S.SUCCEEDED, S.FAILED, S.CANCELLED}
    assert str(error) == (
        "pilot 42: illegal transition running -> proposed; "
        "allowed from running: cancelled, failed, succeeded"
    )
    terminal = IllegalTransition(None, S.SCALED, S.RUNNING)
    assert "terminal" in str(terminal)
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_check_transition_accepts_values_and_rejects_unknown_states() -> None:
    check_transition("proposed", "negotiating")
    with pytest.raises(ValueError, match="limbo"):
        check_transition("proposed", "limbo")


@pytest.mark.parametrize(
    ("states", "legal"),
    [
        ([S.PROPOSED], True),
        ([S.PROPOSED, S.CANCELLED], True),
        ([S.PROPOSED, S.NEGOTIATING, S.AGREED, S.FINANCED, S.RUNNING, S.SUCCEEDED, S.SCALED], True),
        ([S.PROPOSED, S.NEGOTIATING, S.AGREED, S.FINANCED, S.RUNNING, S.FAILED], True),
        ([], False),
        ([S.NEGOTIATING, S.AGREED], False),
        ([S.PROPOSED, S.RUNNING], False),
        ([S.PROPOSED, S.CANCELLED, S.NEGOTIATING], False),
        ([S.PROPOSED, S.NEGOTIATING, S.NEGOTIATING], False),
        (["proposed", "negotiating"], True),
        (["proposed", "limbo"], False),
    ],
)
def test_is_legal_path(states: list[PilotState], legal: bool) -> None:
    assert is_legal_path(states) is legal


# --- Lifecycle and EventLog ---------------------------------------------------------------


def test_lifecycle_records_creation_and_every_move() -> None:
    log = EventLog()
    pilot = Lifecycle(7, log, step=3, parties=[1, 2], reason="challenge_call", city=9)
    assert pilot.state is S.PROPOSED
    pilot.move(S.NEGOTIATING, step=3, reason="consortium_formed", parties=[1, 2, 5])
    pilot.move(S.AGREED, step=6, reason="zone_of_agreement")
    pilot.move(S.FINANCED, step=8, reason="grant_closed", parties=[1, 2, 5, 20])
    pilot.move(S.RUNNING, step=9, reason="launched")
    pilot.move(S.CANCELLED, step=15, reason="partner_withdrew", parties=[5])
    assert pilot.history == [
        (3, S.PROPOSED),
        (3, S.NEGOTIATING),
        (6, S.AGREED),
        (8, S.FINANCED),
        (9, S.RUNNING),
        (15, S.CANCELLED),
    ]
    assert pilot.parties == (5,)
    frame = log.to_frame()
    assert frame.to_dict("list") == {
        "step": [3, 3, 6, 8, 9, 15],
        "pilot_id": [7] * 6,
        "city": [9] * 6,
        "from_state": [
            CREATION_FROM_STATE,
            "proposed",
            "negotiating",
            "agreed",
            "financed",
            "running",
        ],
        "to_state": ["proposed", "negotiating", "agreed", "financed", "running", "cancelled"],
        "parties": ["1,2", "1,2,5", "1,2,5", "1,2,5,20", "1,2,5,20", "5"],
        "reason": [
            "challenge_call",
            "consortium_formed",
            "zone_of_agreement",
            "grant_closed",
            "launched",
            "partner_withdrew",
        ],
    }
    assert log.paths() == {7: [state for _, state in pilot.history]}


def test_history_is_a_copy() -> None:
    pilot = Lifecycle(1, EventLog(), step=0, parties=[], reason="call")
    pilot.history.append((5, S.SCALED))
    assert pilot.history == [(0, S.PROPOSED)]


def test_move_backwards_in_time_is_refused_and_logs_nothing() -> None:
    log = EventLog()
    pilot = Lifecycle(1, log, step=5, parties=[1], reason="call")
    with pytest.raises(ValueError, match="before the previous event"):
        pilot.move(S.NEGOTIATING, step=4, reason="too_early")
    assert pilot.state is S.PROPOSED
    assert len(log) == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"step": 1, "reason": ""}, ValueError),
        ({"step": 1, "reason": "ok", "parties": [1.5]}, TypeError),
        ({"step": 1, "reason": "ok", "parties": ["3"]}, TypeError),
        ({"step": 1.0, "reason": "ok"}, TypeError),
    ],
)
def test_bad_event_data_logs_nothing(kwargs: dict, error: type[Exception]) -> None:
    log = EventLog()
    pilot = Lifecycle(1, log, step=0, parties=[1], reason="call")
    with pytest.raises(error):
        pilot.move(S.NEGOTIATING, **kwargs)
    assert pilot.state is S.PROPOSED
    assert pilot.parties == (1,)
    assert len(log) == 1
    assert len(log.to_frame()) == 1


def test_negative_step_is_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Lifecycle(1, EventLog(), step=-1, parties=[], reason="call")


def test_event_log_interleaves_pilots_and_accepts_numpy_ids() -> None:
    log = EventLog()
    a = Lifecycle(1, log, step=0, parties=np.array([3, 4]), reason="call", city=0)
    b = Lifecycle(np.int64(2), log, step=0, parties=(), reason="call")
    a.move(S.CANCELLED, step=1, reason="no_consortium")
    b.move(S.NEGOTIATING, step=1, reason="consortium_formed", parties=[np.int64(8)])
    assert len(log) == 4
    assert log.paths() == {1: [S.PROPOSED, S.CANCELLED], 2: [S.PROPOSED, S.NEGOTIATING]}
    frame = log.to_frame()
    assert frame["parties"].tolist() == ["3,4", "", "3,4", "8"]
    assert frame["city"].isna().tolist() == [False, True, False, True]


def test_paths_of_a_log_that_starts_mid_life() -> None:
    log = EventLog()
    log.record(4, 3, S.RUNNING, S.SUCCEEDED, [1], "outcomes_met")
    assert log.paths() == {3: [S.RUNNING, S.SUCCEEDED]}


def test_to_frame_columns_and_dtypes() -> None:
    full = EventLog()
    pilot_in(S.SCALED, full)
    for log in (EventLog(), full):
        frame = log.to_frame()
        assert list(frame.columns) == [
            "step",
            "pilot_id",
            "city",
            "from_state",
            "to_state",
            "parties",
            "reason",
        ]
        assert frame["step"].dtype == np.int64
        assert frame["pilot_id"].dtype == np.int64
        assert frame["city"].dtype == pd.Int64Dtype()
        for column in ("from_state", "to_state", "parties", "reason"):
            assert pd.api.types.is_string_dtype(frame[column]), column
        assert not frame[["from_state", "to_state", "parties", "reason"]].isna().any().any()


def test_parquet_round_trip(tmp_path: Path) -> None:
    log = EventLog()
    pilot_in(S.SCALED, log)
    other = Lifecycle(2, log, step=1, parties=[], reason="call")
    other.move(S.CANCELLED, step=2, reason="no_consortium")
    frame = log.to_frame()
    path = tmp_path / "events.parquet"
    frame.to_parquet(path, engine="pyarrow", index=False)
    back = pd.read_parquet(path, engine="pyarrow")
    pd.testing.assert_frame_equal(back, frame)


# --- property-based: random walks ----------------------------------------------------------


def random_walk(rng: random.Random, stop_probability: float) -> tuple[Lifecycle, EventLog]:
    """Walk a pilot by uniform choices among the allowed moves, stopping at random."""
    log = EventLog()
    pilot = Lifecycle(1, log, step=0, parties=[1], reason="call")
    step = 0
    while TRANSITIONS[pilot.state] and rng.random() >= stop_probability:
        step += rng.randint(0, 3)
        pilot.move(rng.choice(sorted(TRANSITIONS[pilot.state])), step=step, reason="walk")
    return pilot, log


@settings(database=None, max_examples=200)
@given(rng=st.randoms(use_true_random=False), stop=st.sampled_from([0.0, 0.1, 0.5]))
def test_random_walks_are_legal(rng: random.Random, stop: float) -> None:
    pilot, log = random_walk(rng, stop)
    states = [state for _, state in pilot.history]
    assert is_legal_path(states)
    assert log.paths() == {1: states}
    assert len(log) == len(states) <= 7
    steps = [step for step, _ in pilot.history]
    assert steps == sorted(steps)
    assert pilot.state in ENDED or pilot.state in ACTIVE
    if stop == 0.0:
        assert pilot.state in TERMINAL
    if pilot.state in ACTIVE:
        assert TRANSITIONS[pilot.state]


def test_uniform_walks_reach_every_ending() -> None:
    rng = random.Random(1)
    endings = {random_walk(rng, 0.0)[0].state for _ in range(500)}
    assert endings == TERMINAL
