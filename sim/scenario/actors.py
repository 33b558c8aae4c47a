"""The scenario sections that describe who takes part: organisations, their objectives, citizens.

Sources are cited by the short keys listed in :mod:`sim.scenario.schema`.
"""

from __future__ import annotations

from pydantic import model_validator

from sim.scenario.fields import MONEY_MAX, MULTIPLE_MAX, OBJECTIVES, Section, param


class Objectives(Section):
    """Weights a stakeholder puts on each objective; they need not sum to one, but not all 0."""

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

    @model_validator(mode="after")
    def _check_some_objective(self) -> Objectives:
        """Refuse a stakeholder that values nothing: its objectives have no direction to align."""
        if not any(self.vector()):
            raise ValueError(f"the weights of {', '.join(OBJECTIVES)} must not all be 0")
        return self

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
        0.4e6,
        unit="EUR",
        gt=0,
        le=MONEY_MAX,
        description="Mean starting capital of a start-up (lognormal).",
    )
    incumbent_capital: float = param(
        8e6,
        unit="EUR",
        gt=0,
        le=MONEY_MAX,
        description="Mean starting capital of an incumbent (lognormal).",
    )
    academia_capital: float = param(
        2e6,
        unit="EUR",
        gt=0,
        le=MONEY_MAX,
        description="Mean research funds of an academic institution.",
    )
    citizen_group_capital: float = param(
        0.05e6, unit="EUR", gt=0, le=MONEY_MAX, description="Mean funds of a citizen group."
    )
    capital_sd: float = param(
        0.5, unit="1", ge=0, le=3, description="Log-scale spread of starting capital."
    )
    capability_mean: float = param(
        0.4, unit="1", gt=0, lt=1, description="Mean capability per domain (beta distribution)."
    )
    capability_concentration: float = param(
        4.0,
        unit="1",
        gt=0,
        le=MULTIPLE_MAX,
        description="Beta concentration of capabilities (higher = tighter).",
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
        le=MONEY_MAX,
        description="Citizen group's cost of taking part in a pilot (co-design time).",
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
        le=MULTIPLE_MAX,
        description="Satisfaction gained per 1,000 EUR of public value per citizen reached.",
    )
