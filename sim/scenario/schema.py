"""The scenario schema: every parameter of the model with its unit, default, bounds and source.

A scenario is a YAML file validated into :class:`Scenario`, whose sections live in
:mod:`sim.scenario.actors`, :mod:`sim.scenario.processes`, :mod:`sim.scenario.finance` and here
(time, cities, partnership type, incentives, politics, output). Files are small overrides of a base
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
    EPC: energy performance contracts (DOMAIN: where repayments come from): savings repay the
        financier over 5-15 years; LED street-lighting retrofits save 50-70% of lighting energy
        with simple paybacks of a few years to about ten. Used as ranges, not as measurements.
    GREEN-BOOK: HM Treasury Green Book (2022), real social discount rate 3.5%; US OMB Circular
        A-94 (2023) 2%; European Commission (2014) guide to cost-benefit analysis 4% financial.
    DFI-BF: DFI Working Group on Blended Concessional Finance for Private Sector Projects, joint
        reports (2023): use the minimum concessionality needed to make a project happen.
    PF-DSCR: project-finance lending practice: a minimum debt-service coverage ratio of about
        1.2-1.4 is the usual covenant.
    ASSUMPTION: a modelling choice with no empirical anchor; sweep it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from sim.scenario.actors import (
    CitizenConfig,
    ObjectiveWeights,
    OrganisationConfig,
    PopulationConfig,
)
from sim.scenario.extends import deep_merge
from sim.scenario.fields import (
    DOMAINS,
    LOG_ODDS_MAX,
    MONEY_MAX,
    MULTIPLE_MAX,
    Section,
    durations_in_field_units,
    param,
)
from sim.scenario.files import validate_data
from sim.scenario.finance import FinanceConfig
from sim.scenario.processes import (
    ConsortiumConfig,
    LearningConfig,
    NegotiationConfig,
    PilotConfig,
    ReplicationConfig,
    ScaleUpConfig,
    TrustConfig,
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
        le=MONEY_MAX,
        floor=1e4,
        description="Innovation budget appropriated each fiscal year; unspent money lapses. "
        "In whole EUR: 5 M EUR is 5.0e6 (a budget above 0 but below 10,000 is refused).",
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
        10,
        unit="1",
        ge=1,
        le=1000,
        description="Neighbourhoods the citizens live in.",
    )
    citizen_trust: float = param(
        0.5, unit="1", ge=0, le=1, description="Initial mean citizens' trust in the city."
    )
    priorities: dict[str, Annotated[float, Field(ge=0, le=MULTIPLE_MAX)]] | None = Field(
        None,
        description="Weight of each challenge domain in the city's calls (default: equal), by "
        f"domain ({', '.join(DOMAINS)}); each weight from 0 to 1,000, with a positive sum. "
        "Only their shares of the sum count.",
        json_schema_extra={"unit": "1"},
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
            if sum(self.priorities.values()) <= 0:
                raise ValueError("priorities must have a positive sum")
        return self


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
        0.5,
        unit="log-odds",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Success log-odds added inside the test bed.",
    )
    open_data: bool = Field(False, description="The city publishes open data.")
    open_data_cost_reduction: float = param(
        0.1, unit="1", ge=0, lt=1, description="Pilot cost saved by open data."
    )
    open_data_proposal_boost: float = param(
        1.5,
        unit="1",
        ge=1,
        le=10,
        description="Multiplier on start-ups' proposal rate with open data.",
    )
    convening_platform: bool = Field(
        False, description="A neutral convening platform or multi-stakeholder council exists."
    )
    convening_cost_reduction: float = param(
        0.6, unit="1", ge=0, le=1, description="Search and negotiation cost saved by convening."
    )
    capacity_building: bool = Field(False, description="Capacity-building programmes run.")
    capacity_learning_boost: float = param(
        2.0, unit="1", ge=1, le=10, description="Multiplier on capability growth from taking part."
    )


class PoliticsConfig(Section):
    """Elections, turnover and budgets that move both ways (DOMAIN: politics).

    A new administration redraws the innovation budget around the city's long-run level, with
    mean reversion; a lower budget takes back the uncommitted part of this year's budget in
    proportion, and at the next fiscal year the city cancels unprotected pilots whose dues the
    new budget cannot pay. Which pilots survive follows from whether their public money is
    protected (a fund's loan, an escrow, a reserve when ``finance.protect``), not from a
    constant.
    """

    reelection_base: float = param(
        0.5, unit="probability", gt=0, lt=1, description="Incumbent's odds at neutral satisfaction."
    )
    satisfaction_effect: float = param(
        4.0,
        unit="log-odds",
        ge=0,
        le=LOG_ODDS_MAX,
        description="Log-odds per unit of satisfaction above 0.5.",
    )
    budget_volatility: float = param(
        0.25,
        unit="1",
        ge=0,
        le=2,
        description="Log-scale spread of the innovation budget a new administration sets.",
    )
    mean_reversion: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="How far a new administration's budget returns to the city's long-run level "
        "(its configured annual_budget): 0 keeps the old level as the centre, 1 redraws "
        "around the long-run level. The draw is centred so that the budget's long-run mean is "
        "that level: budgets move both ways.",
    )
    pre_election_rise: float = param(
        0.018,
        unit="1",
        ge=0,
        le=1,
        description="Budget rise in the year before an election.",
        source="ZEW",
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

        Mappings merge key by key; cities merge by name, or by position for an item without a
        name; other lists and values replace (as with ``extends:`` in files).
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

    @model_validator(mode="before")
    @classmethod
    def _times_in_steps(cls, data: Any) -> Any:
        """Convert times written with a unit ("4 years") into their fields' units."""
        time = data.get("time") if isinstance(data, dict) else None
        per_year = time.get("steps_per_year") if isinstance(time, dict) else None
        if not isinstance(per_year, int | float) or per_year <= 0:
            per_year = TimeConfig.model_fields["steps_per_year"].default
        return durations_in_field_units(data, cls, per_year)
