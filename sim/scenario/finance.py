"""The finance sections of a scenario: grants, blended stacks, revolving funds, outcome contracts.

Sources are cited by the short keys listed in :mod:`sim.scenario.schema`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.fields import MONEY_MAX, Section, param


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
        0.0,
        unit="EUR",
        ge=0,
        le=MONEY_MAX,
        description="One-off capitalisation at set-up (from the treasury).",
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
        le=MONEY_MAX,
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
