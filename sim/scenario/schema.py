"""The scenario schema: every parameter of the model with its unit, default, bounds and source.

A scenario is a YAML file validated into :class:`Scenario`. Files are small overrides of a base
(``extends:``, see :mod:`sim.scenario.files`); unknown keys are rejected. Each field below carries
``unit`` and ``source`` in its JSON-schema extras, so the parameter reference in ``docs/`` can be
generated from this module.

Sources cited by short key (full references in ``docs/ODD.md``):
    DOMAIN: the project's domain brief (``shared/DOMAIN.md``), itself citing the works below.
    GREAT-SKIN: EU CIP ICT-PSP pilot calls as encoded in the GREAT-SKIN model (Ahrweiler et al.).
    SKIN: the SKIN family of innovation-network models (Gilbert, Pyka and Ahrweiler 2001).
    PANT-YU: Pant and Yu (2025), strategic-coopetition trust dynamics (MIT licence).
    SCI-2024: Smart Cities Index 2024, five partnership types.
    CISCO-2017: Cisco survey of IoT initiatives (60% stall at proof of concept).
    ZEW: spending rises about 1.8% in the year before German local elections.
    EPA-SRF: US EPA, Clean Water State Revolving Fund (federal grants, 20% match, low-rate loans).
    ASSUMPTION: a modelling choice with no empirical anchor; sweep it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.files import deep_merge, validate_data

DOMAINS: tuple[str, ...] = ("mobility", "energy", "housing", "health", "environment", "digital")
"""Challenge domains a city can prioritise (DOMAIN: the question users bring)."""

SECTORS: tuple[str, ...] = ("government", "firm", "academia", "civil_society")
"""Sectors an organisation can belong to, in the order used by objective-weight arrays."""

GOVERNMENT, FIRM, ACADEMIA, CIVIL_SOCIETY = range(len(SECTORS))
"""Sector codes: indices into :data:`SECTORS`."""

OBJECTIVES: tuple[str, ...] = ("profit", "public_value", "knowledge", "legitimacy")
"""What a stakeholder can value, in the order used by objective-weight arrays."""


def param(
    default: Any,
    *,
    unit: str,
    description: str,
    source: str = "ASSUMPTION",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
) -> Any:
    """Declare a scenario parameter with its unit, bounds, description and source.

    Args:
        default: The default value.
        unit: Unit of the value ("EUR", "steps", "probability", "1" for dimensionless, ...).
        description: One sentence on what the parameter does in the model.
        source: Short source key (see the module docstring) or a citation.
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
        lt: Exclusive upper bound.

    Returns:
        A pydantic ``FieldInfo``.
    """
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        json_schema_extra={"unit": unit, "source": source},
    )


class Section(BaseModel):
    """Base of every scenario section: unknown keys are rejected, assignments re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Objectives(Section):
    """Weights a stakeholder puts on each objective; they need not sum to one."""

    profit: float = param(0.25, unit="1", ge=0, le=1, description="Weight on money returned.")
    public_value: float = param(
        0.25, unit="1", ge=0, le=1, description="Weight on public value delivered."
    )
    knowledge: float = param(
        0.25, unit="1", ge=0, le=1, description="Weight on knowledge and publications."
    )
    legitimacy: float = param(
        0.25, unit="1", ge=0, le=1, description="Weight on legitimacy and local benefit."
    )

    def vector(self) -> list[float]:
        """Return the weights in :data:`OBJECTIVES` order."""
        return [getattr(self, name) for name in OBJECTIVES]


class ObjectiveWeights(Section):
    """Each sector's objective weights (DOMAIN: incentives); misalignment is the gap between."""

    government: Objectives = Objectives(
        profit=0.05, public_value=0.6, knowledge=0.05, legitimacy=0.3
    )
    firm: Objectives = Objectives(profit=0.7, public_value=0.1, knowledge=0.15, legitimacy=0.05)
    academia: Objectives = Objectives(profit=0.05, public_value=0.2, knowledge=0.7, legitimacy=0.05)
    civil_society: Objectives = Objectives(
        profit=0.0, public_value=0.5, knowledge=0.05, legitimacy=0.45
    )


class TimeConfig(Section):
    """Time: one step is one quarter by default (DOMAIN: time)."""

    steps: int = param(40, unit="steps", ge=1, le=2000, description="Horizon of a run.")
    steps_per_year: int = param(
        4, unit="steps/year", ge=1, le=52, description="Steps in a fiscal year.", source="DOMAIN"
    )
    election_interval: int = param(
        16, unit="steps", ge=1, le=400, description="Steps between elections.", source="DOMAIN"
    )
    call_interval: int = param(
        1, unit="steps", ge=1, le=52, description="Steps between calls for proposals."
    )


class CityConfig(Section):
    """One city government (DOMAIN: stakeholders)."""

    name: str = Field("city", description="Label used in outputs.")
    annual_budget: float = param(
        20e6,
        unit="EUR/year",
        ge=0,
        description="Innovation budget appropriated each fiscal year; unspent money lapses.",
    )
    procurement_flexibility: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="0 = rigid tender rules, 1 = agile procurement; rigidity adds formal rounds.",
        source="DOMAIN",
    )
    risk_appetite: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Lowers the success probability the city requires before it joins a pilot.",
    )
    citizens: int = param(
        10_000, unit="persons", ge=1, le=10_000_000, description="Citizens simulated (arrays)."
    )
    neighbourhoods: int = param(
        10, unit="1", ge=1, le=1000, description="Neighbourhoods the citizens live in."
    )
    citizen_trust: float = param(
        0.5, unit="1", ge=0, le=1, description="Initial mean citizens' trust in the city."
    )
    priorities: dict[str, float] | None = Field(
        None,
        description="Weight of each challenge domain in the city's calls (default: equal).",
    )
    risk_threshold: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="The city declines pilots whose success odds fall below "
        "risk_threshold * (1 - risk_appetite).",
    )

    @model_validator(mode="after")
    def _check_priorities(self) -> CityConfig:
        if self.priorities is not None:
            unknown = sorted(set(self.priorities) - set(DOMAINS))
            if unknown:
                raise ValueError(
                    f"unknown domain(s) {unknown} in priorities; allowed: {list(DOMAINS)}"
                )
            if any(w < 0 for w in self.priorities.values()) or sum(self.priorities.values()) <= 0:
                raise ValueError("priorities must be non-negative with a positive sum")
        return self


class PopulationConfig(Section):
    """Organisations per city (DOMAIN: stakeholders)."""

    startups: int = param(40, unit="organisations", ge=0, le=1_000_000, description="Start-ups.")
    incumbents: int = param(
        20, unit="organisations", ge=0, le=1_000_000, description="Incumbent firms."
    )
    academia: int = param(
        5, unit="organisations", ge=0, le=100_000, description="Universities and institutes."
    )
    citizen_groups: int = param(
        15, unit="organisations", ge=0, le=1_000_000, description="Neighbourhood groups, NGOs."
    )
    capital_providers: int = param(
        4,
        unit="organisations",
        ge=0,
        le=10_000,
        description="Philanthropies, development banks, impact and commercial investors, "
        "assigned those kinds in turn.",
    )


class OrganisationConfig(Section):
    """Attribute distributions of organisations (DOMAIN: stakeholders)."""

    startup_capital: float = param(
        0.4e6, unit="EUR", gt=0, description="Mean starting capital of a start-up (lognormal)."
    )
    incumbent_capital: float = param(
        8e6, unit="EUR", gt=0, description="Mean starting capital of an incumbent (lognormal)."
    )
    academia_capital: float = param(
        2e6, unit="EUR", gt=0, description="Mean research funds of an academic institution."
    )
    citizen_group_capital: float = param(
        0.05e6, unit="EUR", gt=0, description="Mean funds of a citizen group."
    )
    capital_sd: float = param(
        0.5, unit="1", ge=0, le=3, description="Log-scale spread of starting capital."
    )
    capability_mean: float = param(
        0.4, unit="1", gt=0, lt=1, description="Mean capability per domain (beta distribution)."
    )
    capability_concentration: float = param(
        4.0, unit="1", gt=0, description="Beta concentration of capabilities (higher = tighter)."
    )
    hurdle_rate: float = param(
        0.12,
        unit="1/year",
        ge=0,
        le=1,
        description="Firms' required return; a firm's outside option is its capital at this rate.",
    )
    risk_tolerance: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Mean firms' risk tolerance: a firm declines pilots whose success "
        "probability is below (1 - tolerance) * pilots.base_success.",
    )
    data_willingness: float = param(
        0.6, unit="1", ge=0, le=1, description="Mean willingness of firms to share data."
    )
    ip_fear: float = param(
        0.4, unit="1", ge=0, le=1, description="Mean fear of losing intellectual property."
    )
    public_rate: float = param(
        0.03,
        unit="1/year",
        ge=0,
        le=1,
        description="Required return of governments, academia and civil society (outside option).",
    )
    participation_cost: float = param(
        5e3,
        unit="EUR/pilot",
        ge=0,
        description="Citizen group's cost of taking part in a pilot (co-design time).",
    )


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
        1.0e6, unit="EUR", gt=0, description="Mean pilot cost (lognormal).", source="DOMAIN"
    )
    cost_sd: float = param(0.6, unit="1", ge=0, le=3, description="Log-scale spread of cost.")
    duration_mean: float = param(
        10.6,
        unit="steps",
        gt=0,
        description="Mean pilot duration: 31.8 months = 10.6 quarters.",
        source="GREAT-SKIN",
    )
    duration_sd: float = param(
        1.7,
        unit="steps",
        ge=0,
        description="Spread of duration: 5.1 months = 1.7 quarters.",
        source="GREAT-SKIN",
    )
    duration_min: int = param(
        2,
        unit="steps",
        ge=1,
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
        3, unit="organisations", ge=2, description="Smallest consortium.", source="DOMAIN"
    )
    consortium_max: int = param(
        6, unit="organisations", ge=2, description="Largest consortium.", source="DOMAIN"
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
        2.0, unit="1/capability", ge=0, description="Log-odds of success per unit of capability."
    )
    codesign_effect: float = param(
        0.5,
        unit="log-odds",
        ge=0,
        description="Success log-odds added when a citizen group co-designs.",
    )
    data_effect: float = param(
        0.5, unit="log-odds", ge=0, description="Success log-odds at full data sharing."
    )
    value_multiple: float = param(
        2.5,
        unit="EUR/EUR",
        ge=0,
        description="Public value a successful pilot delivers per EUR of cost.",
    )
    revenue_multiple: float = param(
        1.5, unit="EUR/EUR", ge=0, description="Revenue to firms per EUR of cost if successful."
    )
    knowledge_multiple: float = param(
        0.8, unit="EUR/EUR", ge=0, description="Knowledge value per EUR of cost (all partners)."
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
    trust_weight: float = param(
        1.0, unit="1", ge=0, description="Weight of trust in a candidate's score."
    )
    capability_weight: float = param(
        1.0, unit="1", ge=0, description="Weight of complementary capability."
    )
    history_weight: float = param(0.5, unit="1", ge=0, description="Weight of past collaboration.")
    search_cost: float = param(
        500.0, unit="EUR/candidate", ge=0, description="Cost to the lead of vetting one candidate."
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
        1.0, unit="1", ge=0, description="How much distrust inflates opening demands."
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
    k: float = param(1.0, unit="1", gt=0, description="Signal sensitivity.", source="PANT-YU")


class PartnershipConfig(Section):
    """Which of the five partnership models governs pilots (SCI-2024)."""

    model: Literal[
        "city_led", "city_private", "public_private_investment", "public_private_spc", "private_led"
    ] = Field("city_private", description="Partnership type A-E (see sim.model.partnership).")


class IncentivesConfig(Section):
    """The levers a city can pull (DOMAIN: incentives). Defaults are all off."""

    match_rate: float = param(
        0.0,
        unit="EUR/EUR",
        ge=0,
        le=3,
        description="Public co-funding per EUR of private contribution (lowers private shares).",
    )
    innovation_procurement: bool = Field(
        False,
        description="Pre-commercial procurement: the city shares failure risk and leaves IP.",
    )
    procurement_risk_share: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Share of a private partner's loss on failure the city covers (innovation "
        "procurement).",
    )
    testbed: bool = Field(False, description="A test-bed district or regulatory sandbox exists.")
    testbed_share: float = param(
        0.5, unit="1", ge=0, le=1, description="Share of pilots that run inside the test bed."
    )
    testbed_cost_reduction: float = param(
        0.25, unit="1", ge=0, lt=1, description="Pilot cost saved inside the test bed."
    )
    testbed_risk_reduction: float = param(
        0.5, unit="log-odds", ge=0, description="Success log-odds added inside the test bed."
    )
    open_data: bool = Field(False, description="The city publishes open data.")
    open_data_cost_reduction: float = param(
        0.1, unit="1", ge=0, lt=1, description="Pilot cost saved by open data."
    )
    open_data_proposal_boost: float = param(
        1.5, unit="1", ge=1, description="Multiplier on start-ups' proposal rate with open data."
    )
    convening_platform: bool = Field(
        False, description="A neutral convening platform or multi-stakeholder council exists."
    )
    convening_cost_reduction: float = param(
        0.6, unit="1", ge=0, le=1, description="Search and negotiation cost saved by convening."
    )
    capacity_building: bool = Field(False, description="Capacity-building programmes run.")
    capacity_learning_boost: float = param(
        2.0, unit="1", ge=1, description="Multiplier on capability growth from taking part."
    )


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
        0.5, unit="1", ge=0, description="Extra learning when an academic partner takes part."
    )


class PoliticsConfig(Section):
    """Elections, turnover and cuts (DOMAIN: politics)."""

    reelection_base: float = param(
        0.5, unit="probability", gt=0, lt=1, description="Incumbent's odds at neutral satisfaction."
    )
    satisfaction_effect: float = param(
        4.0, unit="log-odds", ge=0, description="Log-odds per unit of satisfaction above 0.5."
    )
    cut_probability: float = param(
        0.5, unit="probability", ge=0, le=1, description="Chance a new administration cuts."
    )
    budget_cut: float = param(
        0.3, unit="1", ge=0, le=1, description="Share of the annual budget a cut removes."
    )
    cancel_share: float = param(
        0.3,
        unit="1",
        ge=0,
        le=1,
        description="Share of financed or running pilots not ring-fenced (grant-funded, not an "
        "SPC) that a cutting administration cancels.",
    )
    pre_election_rise: float = param(
        0.018,
        unit="1",
        ge=0,
        le=1,
        description="Budget rise in the year before an election.",
        source="ZEW",
    )


class CitizenConfig(Section):
    """Citizens' satisfaction and trust (DOMAIN: stakeholders, politics)."""

    satisfaction_initial: float = param(
        0.5, unit="1", ge=0, le=1, description="Initial mean satisfaction."
    )
    satisfaction_decay: float = param(
        0.02, unit="1/step", ge=0, le=1, description="Pull of satisfaction back towards 0.5."
    )
    value_sensitivity: float = param(
        0.02,
        unit="1/(kEUR per citizen)",
        ge=0,
        description="Satisfaction gained per 1,000 EUR of public value per citizen reached.",
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
        2.0, unit="log-odds", ge=0, description="Per unit of citizen support above 0.5."
    )
    budget_effect: float = param(
        1.0, unit="log-odds", ge=0, description="Per unit of remaining budget share."
    )
    private_effect: float = param(
        1.0, unit="log-odds", ge=0, description="Per unit of private cost share."
    )
    programme_value: float = param(
        0.05,
        unit="EUR/EUR/step",
        ge=0,
        description="Public value a programme delivers each step per EUR of pilot cost.",
    )


class GrantConfig(Section):
    """The grant instrument: the city pays its share up front (DOMAIN: finance instruments)."""

    max_public_share: float = param(
        1.0,
        unit="1",
        ge=0,
        le=1,
        description="Cap on the city's negotiated share of a grant-funded pilot's cost (with the "
        "partnership model's cap; a co-funding match comes on top).",
    )


class BlendedConfig(Section):
    """Blended finance: a capital stack for the public part of a pilot (DOMAIN: finance).

    The stack replaces the city's share: a concessional first-loss tranche (philanthropy or a
    development bank), a public tranche from the budget and a commercial senior tranche. The
    commercial tranche joins only if its expected return after first-loss protection clears its
    hurdle (:func:`sim.finance.formulas.senior_expected_return`); otherwise the deal does not close.
    At the end a success pays every claim from the cash its results generate; a failure returns ``1
    - loss_given_default`` of the stack, senior and public tranches first.
    """

    first_loss_share: float = param(
        0.2,
        unit="1",
        ge=0,
        le=1,
        description="Concessional first-loss tranche as a share of the public part.",
    )
    commercial_share: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Commercial senior tranche as a share of the public part (the city's "
        "tranche is the rest).",
    )
    coupon: float = param(
        0.2,
        unit="1/year",
        ge=0,
        le=1,
        description="Yearly return promised to the senior tranche, paid from a successful "
        "pilot's results (venture-debt pricing for unproven technology).",
    )
    hurdle: float = param(
        0.08,
        unit="1/year",
        ge=-1,
        le=1,
        description="Commercial investors' required expected yearly return.",
    )
    first_loss_rate: float = param(
        0.0,
        unit="1/year",
        ge=-1,
        le=1,
        description="Yearly return owed to the concessional tranche if there is cash for it.",
    )
    loss_given_default: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Share of the stack lost when a pilot fails (the rest is recovered).",
    )

    @model_validator(mode="after")
    def _check_stack(self) -> BlendedConfig:
        if self.first_loss_share + self.commercial_share > 1:
            raise ValueError(
                f"first_loss_share + commercial_share = "
                f"{self.first_loss_share + self.commercial_share:.3g} must be <= 1 "
                "(the city's tranche is the rest)"
            )
        return self


class RevolvingConfig(Section):
    """A revolving fund per city that lends to pilots (DOMAIN: finance; US Clean Water SRF).

    Capitalised once at set-up and/or each fiscal year from the budget, with a match from
    concessional capital providers; lends a pilot's public part at ``rate`` over
    ``term_years``, repaid in level yearly payments at fiscal year ends from the cash the
    pilot's results generate; a failed or cancelled pilot defaults with
    ``loss_given_default``. Repayments are lent again; the fund is ring-fenced from elections.
    """

    initial_capital: float = param(
        0.0, unit="EUR", ge=0, description="One-off capitalisation at set-up (from the treasury)."
    )
    yearly_share: float = param(
        1.0,
        unit="1",
        ge=0,
        le=1,
        description="Share of each year's appropriated budget moved into the fund.",
    )
    match_rate: float = param(
        0.2,
        unit="1",
        ge=0,
        le=10,
        description="Match per EUR of capitalisation from concessional providers (the SRF's "
        "20% state match).",
        source="EPA-SRF",
    )
    rate: float = param(
        0.02,
        unit="1/year",
        ge=0,
        le=1,
        description="Loan interest rate (SRF loans are below market).",
        source="EPA-SRF",
    )
    term_years: int = param(
        20, unit="years", ge=1, le=50, description="Loan term.", source="EPA-SRF"
    )
    loss_given_default: float = param(
        0.6,
        unit="1",
        ge=0,
        le=1,
        description="Share of the outstanding principal lost when a borrower fails.",
    )


class OutcomeConfig(Section):
    """Outcome-based finance: social impact bonds and their variants (DOMAIN: finance).

    Investors (or the consortium's firms, for a performance-based or shared-savings contract)
    pre-finance the public part; the city sets aside the maximum payment plus evaluation in a
    ring-fenced escrow; an evaluator measures the outcome with noise; the city pays the
    maximum payment (principal plus a return no higher than ``return_cap``) if the measured
    outcome clears ``threshold``, or a share of it (``pro_rata``), else nothing. The return is
    the investors' break-even given their odds (:func:`sim.finance.formulas.break_even_rate`); no
    contract is signed when it would exceed the cap.
    """

    prefinance: Literal["investors", "providers"] = Field(
        "investors",
        description="Who pre-finances: impact investors (social impact bond) or the "
        "consortium's firms (performance-based and shared-savings contracts).",
    )
    payment: Literal["threshold", "pro_rata"] = Field(
        "threshold",
        description="All-or-nothing payment at the threshold, or pro rata over a band.",
    )
    threshold: float = param(
        -0.5,
        unit="SD",
        ge=-5,
        le=5,
        description="Contract threshold on the measured outcome, relative to the level at which "
        "the pilot counts as a success (Peterborough paid on a 7.5% fall in reconvictions, a "
        "modest, measurable improvement).",
        source="DOMAIN",
    )
    band: float = param(
        1.0, unit="SD", gt=0, le=10, description="Width of the pro-rata band around the threshold."
    )
    hurdle: float = param(
        0.03,
        unit="1/year",
        ge=-1,
        le=1,
        description="Investors' required expected yearly return (Peterborough investors got "
        "capital plus just over 3% a year).",
        source="DOMAIN",
    )
    return_cap: float = param(
        0.13,
        unit="1/year",
        ge=0,
        le=1,
        description="Cap on the yearly return of the maximum payment (Peterborough 13%; INDIGO "
        "caps 2-15%).",
        source="DOMAIN",
    )
    measurement_noise: float = param(
        0.5,
        unit="SD",
        ge=0,
        le=10,
        description="Measurement error at zero measurability and competence; it falls linearly "
        "with both.",
    )
    measurability: float = param(
        0.6, unit="1", ge=0, le=1, description="How well pilot outcomes can be measured."
    )
    academic_competence: float = param(
        0.8,
        unit="1",
        ge=0,
        le=1,
        description="Evaluation competence of an academic partner, who evaluates when present.",
    )
    contracted_competence: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Evaluation competence of a contracted evaluator (no academic partner).",
    )
    evaluation_cost: float = param(
        0.03,
        unit="EUR/EUR",
        ge=0,
        le=1,
        description="Cost of the evaluation per EUR of pilot cost, paid by the city.",
    )


class FinanceConfig(Section):
    """Which instruments finance pilots and how."""

    instruments: list[Literal["grant", "blended", "revolving", "outcome_based"]] = Field(
        default_factory=lambda: ["grant"],
        description="Instruments the city runs; each pilot closes with the first able.",
    )
    investor_capital: float = param(
        100.0e6,
        unit="EUR",
        ge=0,
        description="Capital each capital provider holds at set-up.",
    )
    grant: GrantConfig = GrantConfig()
    blended: BlendedConfig = BlendedConfig()
    revolving: RevolvingConfig = RevolvingConfig()
    outcome_based: OutcomeConfig = OutcomeConfig()

    @model_validator(mode="after")
    def _check_instruments(self) -> FinanceConfig:
        if not self.instruments:
            raise ValueError("at least one finance instrument is needed")
        if len(set(self.instruments)) != len(self.instruments):
            raise ValueError(f"instruments listed twice: {self.instruments}")
        return self


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
        description="Success log-odds a proven design adds.",
    )


class OutputConfig(Section):
    """What a run writes."""

    agent_state: bool = Field(False, description="Also record per-agent state every step.")


class Scenario(Section):
    """A complete, validated scenario: the only input a model needs besides its seed.

    Example:
        >>> rigid = Scenario().override({"cities": [{"procurement_flexibility": 0.0}]})
        >>> rigid.cities[0].procurement_flexibility
        0.0
    """

    def override(self, changes: dict[str, Any]) -> Scenario:
        """Return a new scenario with nested ``changes`` merged in and the result validated.

        Mappings merge key by key; lists and values replace (as with ``extends:`` in files).
        Invalid changes raise :class:`sim.scenario.errors.ScenarioError` naming the key path.
        """
        return validate_data(deep_merge(self.model_dump(), changes), Scenario)

    name: str = Field("base", description="Scenario label used in outputs and figures.")
    description: str = Field("", description="What the scenario represents.")
    time: TimeConfig = TimeConfig()
    cities: list[CityConfig] = Field(
        default_factory=lambda: [CityConfig()], min_length=1, description="City governments."
    )
    population: PopulationConfig = PopulationConfig()
    organisations: OrganisationConfig = OrganisationConfig()
    objectives: ObjectiveWeights = ObjectiveWeights()
    pilots: PilotConfig = PilotConfig()
    consortium: ConsortiumConfig = ConsortiumConfig()
    negotiation: NegotiationConfig = NegotiationConfig()
    trust: TrustConfig = TrustConfig()
    partnership: PartnershipConfig = PartnershipConfig()
    incentives: IncentivesConfig = IncentivesConfig()
    learning: LearningConfig = LearningConfig()
    politics: PoliticsConfig = PoliticsConfig()
    citizens: CitizenConfig = CitizenConfig()
    scaleup: ScaleUpConfig = ScaleUpConfig()
    finance: FinanceConfig = FinanceConfig()
    replication: ReplicationConfig = ReplicationConfig()
    output: OutputConfig = OutputConfig()

    @model_validator(mode="after")
    def _check_trust_stability(self) -> Scenario:
        l_minus = self.trust.l_plus * self.trust.erosion_ratio
        if l_minus * (1 + self.trust.xi) > 1:
            raise ValueError(
                f"trust.l_plus * trust.erosion_ratio * (1 + trust.xi) = "
                f"{l_minus * (1 + self.trust.xi):.3g} must be <= 1 or trust can fall below 0"
            )
        return self
