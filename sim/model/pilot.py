"""A pilot: its attributes, its economy, its lifecycle and the money committed to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.finance.deals import Deal
from sim.model.lifecycle import ENDED, Lifecycle, PilotState
from sim.model.negotiation import Terms


@dataclass
class Stream:
    """One stream of savings a pilot yields: its own, or its programme's.

    Attributes:
        per_step: Realised savings and revenues per step (EUR).
        steps_left: Steps it still lasts.
        split: Share of its residual each party of the pilot gets (sums to 1).
    """

    per_step: float
    steps_left: int
    split: np.ndarray


@dataclass
class Pilot:
    """One innovation pilot, from proposal to the end of its savings.

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
        rng: Its own random stream (every draw about it comes from here).
        savings_multiple: Expected lifetime savings and revenues of a success per EUR of cost,
            known to the parties (EUR/EUR).
        luck: Realised over expected savings of a success, drawn at proposal and revealed at
            the outcome (1).
        measurability: How well its outcome can be measured (0 to 1).
        outcome_draw: Uniform draw that decides its success (success if below its odds).
        evaluation_draw: Standard-normal draw of an outcome evaluator's error.
        scale_draw: Uniform draw that decides its scale-up.
        service_steps: Steps its savings last.
        salvage: What its assets return if it fails (EUR).
        instrument: The instrument that finances it, fixed at proposal.
        deal: The instrument's deal as the parties valued it.
        members: Consortium organisations (indices), the lead first unless the city leads (then
            only the partners; the city is among ``parties``).
        parties: Parties to the negotiation: members plus the city when it is not the lead.
        success_prob: Chance of success given the consortium (probability).
        alignment: Mean pairwise cosine similarity of the parties' objectives (1).
        noise_sd: Its outcome evaluator's measurement error (SD).
        terms: Negotiated terms, once negotiation ended.
        public: The public part: the city's share plus any match (EUR).
        public_budget: What of it the city pays from its budget in instalments (EUR).
        public_paid: What of that it has paid so far (EUR).
        reserve: Account reserving the budget commitment when protected ("" if none).
        guarantee: Account of a blended deal's first-loss cover ("" if none).
        commitments: What each partner pays into the pilot account in total (EUR), keyed by
            ledger account (the public part is not here).
        paid: What each party has paid in so far (EUR), keyed by ledger account.
        start_step: Step at which it starts running.
        progress: Steps run so far.
        spent: Money spent on delivery so far (EUR).
        streams: Its streams of savings once it succeeded (its own, then its programme's).
        replica_of: Id of the pilot (in another city) this one replicates, or -1.
        payers: The partners who pay in as it runs, each as (position among ``parties``,
            organisation index, ledger account, reason of its contributions): every party but
            the city, found when it first runs (its parties do not change once agreed).
        payees: The ledger account each party's share of its money goes to, in the order of
            ``parties`` (the city's treasury for the city), found when it first runs or pays out.
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
    rng: np.random.Generator
    savings_multiple: float
    luck: float
    measurability: float
    outcome_draw: float
    evaluation_draw: float
    scale_draw: float
    service_steps: int
    salvage: float
    instrument: str = ""
    deal: Deal | None = None
    members: tuple[int, ...] = ()
    parties: tuple[int, ...] = ()
    success_prob: float = float("nan")
    alignment: float = float("nan")
    noise_sd: float = 0.0
    terms: Terms | None = None
    public: float = 0.0
    public_budget: float = 0.0
    public_paid: float = 0.0
    reserve: str = ""
    guarantee: str = ""
    commitments: dict[str, float] = field(default_factory=dict)
    paid: dict[str, float] = field(default_factory=dict)
    start_step: int = -1
    progress: int = 0
    spent: float = 0.0
    streams: list[Stream] = field(default_factory=list)
    replica_of: int = -1
    payers: tuple[tuple[int, int, str, str], ...] = ()
    payees: tuple[str, ...] = ()

    @property
    def state(self) -> PilotState:
        """Current lifecycle state."""
        return self.lifecycle.state

    @property
    def ended(self) -> bool:
        """Whether it has reached an end state (succeeded, failed, cancelled or scaled)."""
        return self.lifecycle.state in ENDED

    @cached_property
    def account(self) -> str:
        """Ledger account of the pilot (its costs while it runs, its savings after)."""
        return f"pilot:{self.id}"

    @property
    def outcome_step(self) -> int:
        """The step at which its outcome is known (its last running step)."""
        return self.start_step + self.duration - 1

    @property
    def expected_stream(self) -> float:
        """Expected savings per step of a success (EUR/step)."""
        return self.savings_multiple * self.cost / self.service_steps

    @property
    def in_service(self) -> bool:
        """Whether its savings are still arriving."""
        return any(s.steps_left > 0 for s in self.streams)

    @property
    def realised_stream(self) -> float:
        """Savings per step now arriving (EUR/step)."""
        return sum(s.per_step for s in self.streams if s.steps_left > 0)

    @property
    def stream_steps_left(self) -> int:
        """Steps its longest stream still lasts."""
        return max((s.steps_left for s in self.streams), default=0)
