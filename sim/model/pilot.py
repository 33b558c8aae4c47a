"""A pilot: its attributes, its lifecycle and the money committed to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.lifecycle import ENDED, Lifecycle, PilotState
from sim.model.negotiation import Terms


@dataclass
class Pilot:
    """One innovation pilot, from proposal to its end.

    Attributes:
        id: Pilot id (unique within a run).
        city: Index of the city it runs in.
        lead: Organisation index of the lead.
        domain: Challenge domain index (into :data:`sim.scenario.fields.DOMAINS`).
        neighbourhood: Neighbourhood it serves.
        cost: Total cost (EUR).
        duration: Running time (steps).
        in_testbed: Whether it runs inside the test-bed district.
        lifecycle: Its state machine and event history.
        members: Consortium organisations (indices), the lead first unless the city leads (then
            only the partners; the city is among ``parties``).
        parties: Parties to the negotiation: members plus the city when it is not the lead.
        success_prob: Chance of success given the consortium (probability).
        alignment: Mean pairwise cosine similarity of the parties' objectives (1).
        terms: Negotiated terms, once negotiation ended.
        instrument: Name of the instrument that financed it.
        commitments: What each party pays into the pilot account in total (EUR), keyed by
            ledger account; the city's entry includes any match on private shares.
        paid: What each party has paid in so far (EUR), keyed by ledger account.
        start_step: Step at which it starts running.
        progress: Steps run so far.
        spent: Money spent on delivery so far (EUR).
        replica_of: Id of the pilot (in another city) this one replicates, or -1.
    """

    id: int
    city: int
    lead: int
    domain: int
    neighbourhood: int
    cost: float
    duration: int
    in_testbed: bool
    lifecycle: Lifecycle
    members: tuple[int, ...] = ()
    parties: tuple[int, ...] = ()
    success_prob: float = float("nan")
    alignment: float = float("nan")
    terms: Terms | None = None
    instrument: str = ""
    commitments: dict[str, float] = field(default_factory=dict)
    paid: dict[str, float] = field(default_factory=dict)
    start_step: int = -1
    progress: int = 0
    spent: float = 0.0
    replica_of: int = -1

    @property
    def state(self) -> PilotState:
        """Current lifecycle state."""
        return self.lifecycle.state

    @property
    def ended(self) -> bool:
        """Whether it has reached an end state (succeeded, failed, cancelled or scaled)."""
        return self.lifecycle.state in ENDED

    @property
    def account(self) -> str:
        """Ledger account of the pilot."""
        return f"pilot:{self.id}"
