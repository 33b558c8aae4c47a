"""The pilot lifecycle as an explicit state machine, with an event log of every transition.

A pilot is PROPOSED, forms a consortium and starts NEGOTIATING, reaches an AGREED deal, closes
its financing (FINANCED), runs (RUNNING) and ends SUCCEEDED or FAILED; a success may be SCALED.
Any active stage can end in CANCELLED (no consortium, no zone of agreement, financing could not
close, a partner withdrew, a budget cut after an election). ``TRANSITIONS`` is the single
source of truth for what is legal; ``Lifecycle`` enforces it and writes every move to an
``EventLog`` that can be exported to pandas and Parquet.
"""

import itertools
import operator
from collections.abc import Sequence
from enum import StrEnum

import pandas as pd

from sim.finance.ledger import int_column, nullable_int_column, str_column


class PilotState(StrEnum):
    """Stage of a pilot in its lifecycle."""

    PROPOSED = "proposed"
    NEGOTIATING = "negotiating"
    AGREED = "agreed"
    FINANCED = "financed"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SCALED = "scaled"


TRANSITIONS: dict[PilotState, frozenset[PilotState]] = {
    PilotState.PROPOSED: frozenset({PilotState.NEGOTIATING, PilotState.CANCELLED}),
    PilotState.NEGOTIATING: frozenset({PilotState.AGREED, PilotState.CANCELLED}),
    PilotState.AGREED: frozenset({PilotState.FINANCED, PilotState.CANCELLED}),
    PilotState.FINANCED: frozenset({PilotState.RUNNING, PilotState.CANCELLED}),
    PilotState.RUNNING: frozenset({PilotState.SUCCEEDED, PilotState.FAILED, PilotState.CANCELLED}),
    PilotState.SUCCEEDED: frozenset({PilotState.SCALED}),
    PilotState.FAILED: frozenset(),
    PilotState.CANCELLED: frozenset(),
    PilotState.SCALED: frozenset(),
}
"""Legal moves: each state maps to the states a pilot may move to next."""

TERMINAL: frozenset[PilotState] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
"""States with no way out: FAILED, CANCELLED and SCALED."""

ENDED: frozenset[PilotState] = frozenset(
    {PilotState.SUCCEEDED, PilotState.FAILED, PilotState.CANCELLED, PilotState.SCALED}
)
"""States in which a pilot is no longer active (SUCCEEDED may still move to SCALED)."""

ACTIVE: frozenset[PilotState] = frozenset(PilotState) - ENDED
"""States in which a pilot is still in progress: PROPOSED to RUNNING."""

CREATION_FROM_STATE = ""
"""Value of ``from_state`` in ``EventLog.to_frame`` for a pilot's creation event."""


class IllegalTransition(ValueError):
    """A pilot was asked to move to a state its current state does not lead to.

    Attributes:
        pilot_id: Id of the pilot, or None if not given.
        current: The state the pilot is in.
        new: The refused target state.
        allowed: The states ``current`` may move to.

    """

    def __init__(self, pilot_id: int | None, current: PilotState, new: PilotState) -> None:
        self.pilot_id = pilot_id
        self.current = current
        self.new = new
        self.allowed = TRANSITIONS[current]
        allowed = ", ".join(sorted(self.allowed)) or "none, it is terminal"
        pilot = "pilot" if pilot_id is None else f"pilot {pilot_id}"
        super().__init__(
            f"{pilot}: illegal transition {current} -> {new}; allowed from {current}: {allowed}"
        )

    def __reduce__(self) -> tuple[type, tuple[int | None, PilotState, PilotState]]:
        """Pickle by constructor arguments, so the error survives multiprocessing."""
        return type(self), (self.pilot_id, self.current, self.new)


def check_transition(
    current: PilotState | str, new: PilotState | str, pilot_id: int | None = None
) -> None:
    """Refuse a move that ``TRANSITIONS`` does not allow.

    Args:
        current: The state the pilot is in.
        new: The state it should move to.
        pilot_id: Id of the pilot, for the error message.

    Raises:
        IllegalTransition: If ``current`` cannot move to ``new``.
        ValueError: If either is not a ``PilotState`` value.

    """
    # a member passes as it is: PilotState(member) costs twice the check itself
    current = current if type(current) is PilotState else PilotState(current)
    new = new if type(new) is PilotState else PilotState(new)
    if new not in TRANSITIONS[current]:
        raise IllegalTransition(pilot_id, current, new)


def is_legal_path(states: Sequence[PilotState]) -> bool:
    """Tell whether a sequence of states is a legal lifecycle (possibly still in progress).

    Args:
        states: A pilot's states in order, starting with its creation state.

    Returns:
        True if it starts at PROPOSED and every consecutive move is in ``TRANSITIONS``.

    """
    if not states or states[0] != PilotState.PROPOSED:
        return False
    return all(new in TRANSITIONS.get(old, ()) for old, new in itertools.pairwise(states))


class EventLog:
    """Column-wise log of pilot state transitions, shared by all pilots of a run.

    It stores what it is given; ``Lifecycle`` is what checks that moves are legal.
    """

    def __init__(self) -> None:
        self._step: list[int] = []
        self._pilot: list[int] = []
        self._city: list[int | None] = []
        self._old: list[PilotState | None] = []
        self._new: list[PilotState] = []
        self._parties: list[tuple[int, ...]] = []
        self._reason: list[str] = []

    def __len__(self) -> int:
        """Return the number of recorded events."""
        return len(self._step)

    def record(
        self,
        step: int,
        pilot_id: int,
        old: PilotState | None,
        new: PilotState,
        parties: Sequence[int],
        reason: str,
        city: int | None = None,
    ) -> None:
        """Append one transition.

        Args:
            step: Simulation step of the transition, in model ticks.
            pilot_id: Id of the pilot.
            old: State before the move; None for the pilot's creation.
            new: State after the move.
            parties: Ids of the agents involved (consortium members, the withdrawing partner,
                the financer...), kept in the order given.
            reason: Why the pilot moved, e.g. ``"consortium_formed"`` or ``"budget_cut"``.
            city: Id of the city the pilot runs in, if any.

        Raises:
            ValueError: If a state is not a ``PilotState`` value, the step is negative or the
                reason is empty; nothing is recorded.
            TypeError: If the step or an id is not an integer; nothing is recorded.

        """
        step = operator.index(step)
        if step < 0:
            raise ValueError(f"step must be a non-negative integer, got {step}")
        if not isinstance(reason, str) or not reason:
            raise ValueError(f"reason must be a non-empty string, got {reason!r}")
        pilot_id = operator.index(pilot_id)
        city = None if city is None else operator.index(city)
        old = old if old is None or type(old) is PilotState else PilotState(old)
        new = new if type(new) is PilotState else PilotState(new)
        parties = tuple(map(operator.index, parties))
        self._step.append(step)
        self._pilot.append(pilot_id)
        self._city.append(city)
        self._old.append(old)
        self._new.append(new)
        self._parties.append(parties)
        self._reason.append(reason)

    def paths(self) -> dict[int, list[PilotState]]:
        """Return each pilot's sequence of states, in the order recorded.

        Returns:
            A mapping from pilot id to its states, starting with the state it was created in.

        """
        paths: dict[int, list[PilotState]] = {}
        for pilot_id, old, new in zip(self._pilot, self._old, self._new, strict=True):
            if pilot_id not in paths:
                paths[pilot_id] = [] if old is None else [old]
            paths[pilot_id].append(new)
        return paths

    def to_frame(self) -> pd.DataFrame:
        """Return the log as a DataFrame, one row per event in the order recorded.

        Returns:
            Columns ``step`` and ``pilot_id`` (int64), ``city`` (nullable Int64),
            ``from_state`` and ``to_state`` (state values as strings; ``from_state`` is
            ``CREATION_FROM_STATE``, the empty string, for a creation event), ``parties``
            (comma-separated ids, e.g. ``"3,7,12"``, empty if none) and ``reason`` (string).
            Every column is Parquet-friendly.

        """
        value: dict[PilotState | None, str] = {state: state.value for state in PilotState}
        value[None] = CREATION_FROM_STATE
        return pd.DataFrame(
            {
                "step": int_column(self._step),
                "pilot_id": int_column(self._pilot),
                "city": nullable_int_column(self._city),
                "from_state": str_column([value[old] for old in self._old]),
                "to_state": str_column([value[new] for new in self._new]),
                "parties": str_column([",".join(map(str, parties)) for parties in self._parties]),
                "reason": str_column(self._reason),
            }
        )


class Lifecycle:
    """The lifecycle of one pilot: its current state, enforced transitions and history.

    Attributes:
        pilot_id: Id of the pilot.
        city: Id of the city the pilot runs in, if any.
        parties: Ids of the agents involved in the latest event.

    """

    def __init__(
        self,
        pilot_id: int,
        log: EventLog,
        *,
        step: int,
        parties: Sequence[int],
        reason: str,
        city: int | None = None,
    ) -> None:
        """Create a pilot in state PROPOSED and record its creation event.

        Args:
            pilot_id: Id of the pilot.
            log: Event log shared by the run.
            step: Simulation step of the proposal, in model ticks.
            parties: Ids of the agents proposing the pilot.
            reason: Why the pilot was proposed, e.g. ``"challenge_call"``.
            city: Id of the city the pilot runs in, if any.

        """
        self.pilot_id = pilot_id
        self.city = city
        self.parties: tuple[int, ...] = ()
        self.state = PilotState.PROPOSED
        """The pilot's current state."""
        self._log = log
        self._history: list[tuple[int, PilotState]] = []
        self._enter(PilotState.PROPOSED, None, step, reason, parties)

    @property
    def history(self) -> list[tuple[int, PilotState]]:
        """A copy of the (step in model ticks, state entered) pairs, oldest first."""
        return list(self._history)

    def move(
        self,
        new: PilotState,
        *,
        step: int,
        reason: str,
        parties: Sequence[int] | None = None,
    ) -> None:
        """Move the pilot to a new state and record the event; refused moves log nothing.

        Args:
            new: The state to move to.
            step: Simulation step of the move, in model ticks; not before the previous event.
            reason: Why the pilot moves, e.g. ``"no_zone_of_agreement"``.
            parties: Ids of the agents involved; None keeps those of the previous event.

        Raises:
            IllegalTransition: If the current state cannot move to ``new``.
            ValueError: If ``step`` is before the previous event's step.

        """
        new = new if type(new) is PilotState else PilotState(new)
        check_transition(self.state, new, self.pilot_id)
        last_step = self._history[-1][0]
        if operator.index(step) < last_step:
            raise ValueError(
                f"pilot {self.pilot_id}: step {step} is before the previous event at {last_step}"
            )
        self._enter(new, self.state, step, reason, self.parties if parties is None else parties)

    def _enter(
        self,
        new: PilotState,
        old: PilotState | None,
        step: int,
        reason: str,
        parties: Sequence[int],
    ) -> None:
        """Record an event in the log, then update the state, history and parties.

        Args:
            new: State entered.
            old: State left; None at creation.
            step: Simulation step, in model ticks.
            reason: Why the pilot moved.
            parties: Ids of the agents involved.

        """
        parties = tuple(parties)
        self._log.record(step, self.pilot_id, old, new, parties, reason, self.city)
        self.parties = parties
        self.state = new
        self._history.append((operator.index(step), new))
