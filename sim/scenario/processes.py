"""The scenario sections of the model's processes.

Pilots, consortium search, negotiation, trust, learning, scale-up and replication.

Sources are cited by the short keys listed in :mod:`sim.scenario.schema`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.fields import LOG_ODDS_MAX, MONEY_MAX, MULTIPLE_MAX, Section, param


class PilotConfig(Section):
    """How pilots are proposed, what they cost and what they deliver (DOMAIN: lifecycle)."""

    proposal_rate: float = param(
        0.05,
        unit="proposals/organisation/call",
        ge=0,
        le=1,
        description="Expected proposals per non-government organisation at a call (the count is "
        "Poisson; start-ups count more with open data).",
    )
    cost_mean: float = param(
        1.0e6,
        unit="EUR",
        gt=0,
        le=MONEY_MAX,
        floor=1e3,
        description="Mean pilot cost (lognormal).",
        source="DOMAIN",
    )
    cost_sd: float = param(0.6, unit="1", ge=0, le=3, description="Log-scale spread of cost.")
    duration_mean: float = param(
        10.6,
        unit="steps",
        gt=0,
        le=400,
        description="Mean pilot duration: 31.8 months = 10.6 quarters.",
        source="GREAT-SKIN",
    )
    duration_sd: float = param(
        1.7,
        unit="steps",
        ge=0,
        le=400,
        description="Spread of duration: 5.1 months = 1.7 quarters.",
        source="GREAT-SKIN",
    )
    duration_min: int = param(
        2,
        unit="steps",
        ge=1,
        le=400,
        description="Floor on a drawn duration (GREAT-SKIN's shortest is 23 months; city pilots "
        "can be shorter).",
    )
    start_delay: int = param(
        3,
        unit="steps",
        ge=0,
        le=40,
        description="Steps from financial close to start (about 9 months after a call).",
        source="GREAT-SKIN",
    )
    consortium_min: int = param(
        3, unit="organisations", ge=2, le=100, description="Smallest consortium.", source="DOMAIN"
    )
    consortium_max: int = param(
        6, unit="organisations", ge=2, le=100, description="Largest consortium.", source="DOMAIN"
    )
    base_success: float = param(
        0.35,
        unit="probability",
        gt=0,
        lt=1,
        description="Success probability of an average pilot (26% of firms report full success).",
        source="CISCO-2017",
    )
    capability_effect: float = param(
        2.0,
        unit="1/capability",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Log-odds of success per unit of capability.",
    )
    codesign_effect: float = param(
        0.5,
        unit="log-odds",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Success log-odds added when a citizen group co-designs.",
    )
    data_effect: float = param(
        0.5,
        unit="log-odds",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Success log-odds at full data sharing.",
    )
    value_multiple: float = param(
        2.5,
        unit="EUR/EUR",
        ge=0,
        le=MULTIPLE_MAX,
        description="Public value a successful pilot delivers per EUR of cost.",
    )
    knowledge_multiple: float = param(
        0.8,
        unit="EUR/EUR",
        ge=0,
        le=MULTIPLE_MAX,
        description="Knowledge value per EUR of cost (all partners).",
    )
    withdrawal_rate: float = param(
        0.005,
        unit="1/step",
        ge=0,
        le=1,
        description="Chance a distrustful partner withdraws in a step (times 1 - trust).",
    )

    @model_validator(mode="after")
    def _check_sizes(self) -> PilotConfig:
        if self.consortium_min > self.consortium_max:
            raise ValueError(
                f"consortium_min ({self.consortium_min}) must not exceed "
                f"consortium_max ({self.consortium_max})"
            )
        return self


class ConsortiumConfig(Section):
    """SKIN-style partner search (DOMAIN: forming a consortium; SKIN)."""

    search_depth: int = param(
        3,
        unit="hops",
        ge=1,
        le=3,
        description="1 = previous partners, 2 = partners' partners, 3 = others too.",
        source="SKIN",
    )
    candidates_per_hop: int = param(
        20, unit="organisations", ge=1, le=1000, description="Candidates scored at each hop."
    )
    referrals: int = param(
        10,
        unit="partners",
        ge=1,
        le=1_000_000,
        description="Previous partners a lead asks for partners' partners (hop 2), at most.",
        source="ASSUMPTION",
    )
    trust_weight: float = param(
        1.0, unit="1", ge=0, le=MULTIPLE_MAX, description="Weight of trust in a candidate's score."
    )
    capability_weight: float = param(
        1.0, unit="1", ge=0, le=MULTIPLE_MAX, description="Weight of complementary capability."
    )
    history_weight: float = param(
        0.5, unit="1", ge=0, le=MULTIPLE_MAX, description="Weight of past collaboration."
    )
    search_cost: float = param(
        500.0,
        unit="EUR/candidate",
        ge=0,
        le=MONEY_MAX,
        description="Cost to the lead of vetting one candidate.",
    )


class NegotiationConfig(Section):
    """Negotiation over terms (DOMAIN: negotiating terms)."""

    protocol: Literal["zeuthen", "alternating"] = Field(
        "zeuthen", description="Monotonic concession (Zeuthen) or alternating offers (Rubinstein)."
    )
    step: float = param(
        0.05, unit="1", gt=0, le=1, description="Concession per round as a share of the zone."
    )
    opening_premium: float = param(
        1.0,
        unit="1",
        ge=0,
        le=MULTIPLE_MAX,
        description="How much distrust inflates opening demands.",
    )
    max_rounds: int = param(
        200, unit="rounds", ge=1, le=100_000, description="Deadline: no agreement after it."
    )
    round_cost: float = param(
        0.0005,
        unit="share of pilot cost/round/party",
        ge=0,
        le=1,
        description="What one negotiation round costs each party.",
    )
    procurement_stages: int = param(
        10,
        unit="rounds",
        ge=0,
        le=1000,
        description="Formal rounds that fully rigid procurement adds (scaled by 1 - flexibility).",
    )
    patience: float = param(
        0.95,
        unit="1/round",
        gt=0,
        lt=1,
        description="Per-round discount factor in alternating offers.",
    )


class TrustConfig(Section):
    """Trust dynamics (DOMAIN: trust; PANT-YU)."""

    initial_mean: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Mean generalised trust in strangers.",
        source="PANT-YU",
    )
    initial_sd: float = param(
        0.1, unit="1", ge=0, le=0.5, description="Spread of generalised trust across organisations."
    )
    l_plus: float = param(
        0.10, unit="1/observation", gt=0, le=1, description="Trust building rate.", source="PANT-YU"
    )
    erosion_ratio: float = param(
        3.0,
        unit="1",
        ge=1,
        le=9,
        description="Erosion rate / building rate (a convention, not a constant: sweep 1-9; "
        "l_plus * ratio * (1 + xi) must stay <= 1).",
        source="PANT-YU",
    )
    mu_r: float = param(
        0.60, unit="1", ge=0, le=1, description="Reputation damage rate.", source="PANT-YU"
    )
    delta_r: float = param(
        0.03, unit="1/observation", ge=0, le=1, description="Reputation recovery.", source="PANT-YU"
    )
    xi: float = param(
        0.50,
        unit="1",
        ge=0,
        le=1,
        description="Dependence amplification of erosion.",
        source="PANT-YU",
    )
    k: float = param(
        1.0, unit="1", gt=0, le=MULTIPLE_MAX, description="Signal sensitivity.", source="PANT-YU"
    )

    @model_validator(mode="after")
    def _check_stability(self) -> TrustConfig:
        """Refuse erosion fast enough to push trust below 0 in one observation."""
        l_minus = self.l_plus * self.erosion_ratio
        if l_minus * (1 + self.xi) > 1:
            raise ValueError(
                f"l_plus * erosion_ratio * (1 + xi) = "
                f"{l_minus * (1 + self.xi):.3g} must be <= 1 or trust can fall below 0"
            )
        return self


class LearningConfig(Section):
    """Capabilities grow with participation (DOMAIN: scale-up, learning, networks)."""

    learning_rate: float = param(
        0.05,
        unit="1/pilot",
        ge=0,
        le=1,
        description="Share of the gap to full capability closed by a completed pilot.",
    )
    academic_spillover: float = param(
        0.5,
        unit="1",
        ge=0,
        le=MULTIPLE_MAX,
        description="Extra learning when an academic partner takes part.",
    )


class ScaleUpConfig(Section):
    """Scaling a successful pilot into a programme (DOMAIN: scale-up)."""

    base: float = param(
        0.4,
        unit="probability",
        gt=0,
        lt=1,
        description="Probability an average success scales (60% stall at proof of concept).",
        source="CISCO-2017",
    )
    support_effect: float = param(
        2.0,
        unit="log-odds",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Per unit of citizen support above 0.5.",
    )
    private_effect: float = param(
        1.0, unit="log-odds", ge=0, le=LOG_ODDS_MAX, description="Per unit of private cost share."
    )
    cost_multiple: float = param(
        3.0,
        unit="EUR/EUR",
        ge=0,
        le=100,
        description="Investment a programme needs per EUR of its pilot's cost; it yields the "
        "pilot's realised savings multiple on it (its savings are proven). A fund lends it "
        "where the city runs one and its rule allows, else the budget pays it as a grant if it "
        "can, else the pilot does not scale.",
    )
    programme_value: float = param(
        0.05,
        unit="EUR/EUR/step",
        ge=0,
        le=MULTIPLE_MAX,
        description="Public value a programme delivers each step per EUR of pilot cost.",
    )


class ReplicationConfig(Section):
    """Replicating a proven pilot in another city of the network (DOMAIN: scale-up, networks).

    When a pilot succeeds, every other city of the scenario (the city network) proposes a
    replica with this probability; the replica goes through consortium formation, negotiation
    and financing like any pilot, costs less and succeeds more often.
    """

    probability: float = param(
        0.0,
        unit="probability",
        ge=0,
        le=1,
        description="Chance that another city proposes a replica of a success.",
    )
    cost_discount: float = param(
        0.3,
        unit="1",
        ge=0,
        lt=1,
        description="Cost saved by a replica relative to the original.",
        source="DOMAIN",
    )
    success_bonus: float = param(
        0.5,
        unit="log-odds",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Success log-odds a proven design adds.",
    )
