"""The finance sections of a scenario: the pilot economy, the public perimeter, the instruments.

Sources are cited by the short keys listed in :mod:`sim.scenario.schema`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.fields import MONEY_MAX, Section, param

CAPITAL_KINDS: tuple[str, ...] = ("philanthropy", "development_bank", "impact", "commercial")
"""Kinds of capital provider (DOMAIN: stakeholders)."""


class SavingsConfig(Section):
    """The economy of a pilot: what a success saves or earns, and for how long.

    Each proposal draws its own savings multiple and measurability, known to the parties before
    they negotiate, so that which pilots an instrument selects can be seen. A successful pilot
    produces a level stream of realised savings and revenues (avoided costs for the city and
    other users, fees paid for the service) over its service life, starting the quarter after
    its outcome is known; a failed pilot produces only a salvage value. The stream pays the
    contract's claims first (loan repayments, senior debt service), then the negotiated split
    between the city's treasury and the partners. The realised stream is the expected one times
    the luck drawn at proposal, revealed at success.
    """

    multiple_mean: float = param(
        1.6,
        unit="EUR/EUR",
        gt=0,
        le=20,
        description="Mean over proposals of the lifetime savings and revenues a success yields "
        "per EUR of pilot cost (lognormal across proposals); an EPC with a simple payback of "
        "about six years over a ten-year life yields about 1.6.",
        source="EPC",
    )
    multiple_sd: float = param(
        0.5,
        unit="1",
        ge=0,
        le=3,
        description="Log-scale spread of the savings multiple across proposals.",
    )
    realisation_sd: float = param(
        0.3,
        unit="1",
        ge=0,
        le=3,
        description="Log-scale spread of a success's realised stream around what its proposal "
        "expected (mean one): the luck revealed at the outcome.",
    )
    service_years: int = param(
        10,
        unit="years",
        ge=1,
        le=50,
        description="Years over which a success's savings and revenues arrive.",
        source="EPC",
    )
    salvage_share: float = param(
        0.1,
        unit="EUR/EUR",
        ge=0,
        le=1,
        description="What a failed pilot's assets return, per EUR of its cost, at its end.",
    )
    measurability_mean: float = param(
        0.6,
        unit="1",
        gt=0,
        lt=1,
        description="Mean over proposals of how well a pilot's outcome can be measured (beta).",
    )
    measurability_concentration: float = param(
        8.0,
        unit="1",
        gt=0,
        le=1000,
        description="Concentration of the beta distribution of measurability across proposals.",
    )


class GrantConfig(Section):
    """The grant: the city pays its share from the annual budget as the pilot runs.

    The public part is paid in instalments as the pilot runs, out of each year's budget; what a
    cut leaves unpaid is lost to the pilot unless the commitment is protected (``finance.protect``).
    """

    max_public_share: float = param(
        1.0,
        unit="1",
        ge=0,
        le=1,
        description="Cap on the city's negotiated share of a grant-funded pilot's cost (with the "
        "partnership model's cap; a co-funding match comes on top).",
    )


class BlendedConfig(Section):
    """Blended finance: commercial senior debt beside the city's tranche, with a first-loss cover.

    The public part of a pilot is split into a commercial senior loan (``commercial_share`` of
    it), serviced from the pilot's stream at ``coupon`` over ``term_years`` after its outcome,
    and the city's tranche, paid from the budget like a grant. A concessional provider covers the
    senior's losses up to a first-loss guarantee, posted in cash at close: the smallest that lets
    the senior's expected return clear its ``hurdle`` (minimum concessionality), so that leverage
    comes out of each pilot's economics. No deal closes when even ``max_first_loss`` of the
    senior loan is not enough.
    """

    commercial_share: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Commercial senior loan as a share of the public part (the city's tranche is "
        "the rest).",
    )
    max_first_loss: float = param(
        0.5,
        unit="1",
        ge=0,
        le=1,
        description="Largest first-loss guarantee concessional providers post, per EUR of senior "
        "loan.",
    )
    coupon: float = param(
        0.15,
        unit="1/year",
        ge=0,
        le=1,
        description="Interest rate of the senior loan (venture-debt pricing for unproven "
        "technology, about 12-15% a year).",
    )
    term_years: int = param(
        8, unit="years", ge=1, le=50, description="Term of the senior loan after the outcome."
    )
    hurdle: float = param(
        0.08,
        unit="1/year",
        ge=-0.99,
        le=1,
        description="Commercial lenders' required expected yearly return.",
    )


class RevolvingConfig(Section):
    """A revolving fund per city that lends to pilots and programmes (DOMAIN: finance; EPA-SRF).

    Capitalised once at set-up and/or each fiscal year from the budget, with a match from
    concessional providers. It lends a pilot its public part at ``rate``; repayments start the
    quarter after the outcome (the pilot's running time is the grace period) in level quarterly
    payments over ``term_years``, capped at the pilot's service life, from the pilot's stream; a
    failed pilot repays what its salvage covers and the rest is written off. It also lends to
    proven pilots that scale into programmes. Repayments are lent again; the fund is ring-fenced
    from elections. Its lending rule: a loan whose expected stream covers the debt service
    ``min_coverage`` times (when ``finance.screens`` is on).
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
        10,
        unit="years",
        ge=1,
        le=50,
        description="Loan term after the outcome, capped at the borrower's service life (SRF "
        "loans run 20-30 years for assets that last longer than pilots).",
        source="EPA-SRF",
    )
    min_coverage: float = param(
        1.2,
        unit="1",
        ge=0,
        le=10,
        description="Lending rule: the debt-service coverage ratio the fund requires, a "
        "success's yearly savings per EUR of yearly debt service.",
        source="PF-DSCR",
    )
    scaleups: bool = Field(
        True, description="Whether the fund also lends to pilots that scale into programmes."
    )


class OutcomeConfig(Section):
    """Outcome-based finance: social impact bonds and their variants (DOMAIN: finance).

    Investors (or the consortium's firms, for a performance-based or shared-savings contract)
    pre-finance the public part; the city sets aside the maximum payment plus evaluation in a
    ring-fenced escrow; an evaluator measures the outcome with noise that falls with the
    pilot's measurability and the evaluator's competence; the city pays the maximum payment
    (principal plus a return no higher than ``return_cap``) if the measured outcome clears
    ``threshold``, or a share of it (``pro_rata``), else nothing. The return is the investors'
    break-even given their odds (:func:`sim.finance.formulas.break_even_rate`); no contract is
    signed when it would exceed the cap.
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
        "the pilot counts as a success: below 0 the contract pays for a measured improvement "
        "short of full success (Peterborough paid on a 7.5% fall in reconvictions), so some "
        "paid contracts are pilots that failed (the outcome_contracts table shows which).",
        source="DOMAIN",
    )
    band: float = param(
        1.0, unit="SD", gt=0, le=10, description="Width of the pro-rata band around the threshold."
    )
    hurdle: float = param(
        0.03,
        unit="1/year",
        ge=-0.99,
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
        2.0,
        unit="SD",
        ge=0,
        le=10,
        description="Measurement error at zero measurability and competence; it falls in "
        "proportion to measurability and by up to half with the evaluator's competence (0.6 SD "
        "for an average pilot and a contracted evaluator, 1.2 SD for a poorly measurable one).",
    )
    min_measurability: float = param(
        0.3,
        unit="1",
        ge=0,
        le=1,
        description="Eligibility screen: proposals measurable less than this are not offered an "
        "outcome contract (when ``finance.screens`` is on).",
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


class CapitalConfig(Section):
    """What each kind of capital provider holds at set-up (EUR); finite, and binding if small."""

    philanthropy: float = param(
        50e6, unit="EUR", ge=0, le=1e12, description="Held by the philanthropic provider."
    )
    development_bank: float = param(
        50e6, unit="EUR", ge=0, le=1e12, description="Held by the development bank."
    )
    impact: float = param(
        50e6, unit="EUR", ge=0, le=1e12, description="Held by the impact investor."
    )
    commercial: float = param(
        100e6, unit="EUR", ge=0, le=1e12, description="Held by the commercial lender."
    )


class FinanceConfig(Section):
    """Which instruments finance pilots, how a mix chooses, and how public cost is counted."""

    instruments: list[Literal["grant", "blended", "revolving", "outcome_based"]] = Field(
        default_factory=lambda: ["grant"],
        description="Instruments the city runs. The instrument is fixed when a pilot is "
        "proposed, by ``rule``.",
    )
    rule: Literal["order", "cheapest"] = Field(
        "order",
        description="How a city with several instruments picks one for a proposal: the first "
        "listed whose screens the proposal passes and whose deal can close (order), or the one "
        "with the lowest expected public cost per EUR of the public part (cheapest).",
    )
    screens: bool = Field(
        True,
        description="Whether instruments apply their eligibility screens (the fund's coverage "
        "rule, outcome contracts' minimum measurability). Off, selection comes only from the "
        "parties' valuations and the markets' hurdles.",
    )
    protect: bool = Field(
        False,
        description="Whether the city ring-fences its budget commitments: the whole unpaid "
        "public part is reserved when a contract is signed, so cuts cannot reach it, and that "
        "money cannot serve other pilots. Fund loans and escrowed outcome payments are "
        "protected by their instruments.",
    )
    public_discount_rate: float = param(
        0.035,
        unit="1/year",
        ge=0,
        le=0.2,
        description="Real public discount rate of the net present public cost (Green Book 3.5%; "
        "OMB A-94 2%; EC 2014 4% financial).",
        source="GREEN-BOOK",
    )
    public_providers: list[Literal["philanthropy", "development_bank", "impact", "commercial"]] = (
        Field(
            default_factory=lambda: ["development_bank"],
            description="Kinds of capital provider whose money is public money.",
        )
    )
    capital: CapitalConfig = CapitalConfig()
    savings: SavingsConfig = SavingsConfig()
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
