"""The mechanics of finance instruments as pure functions (DOMAIN: finance instruments).

No model here: loans and their recurrence (revolving funds), the capital stack and its waterfall
(blended finance), and outcome measurement and payment (outcome-based finance). The instruments in
:mod:`sim.finance.instruments` call these and book the money in the ledger; tests and docs check
them against closed forms and published figures.

Units: money in EUR, rates per year, terms and horizons in years, outcomes in standard deviations
of the true outcome around the pilot's success boundary (a pilot succeeds when its true outcome
is at least 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from sim.scenario.schema import IncentivesConfig

# ---------------------------------------------------------------- risk sharing


def failure_cover(cfg: IncentivesConfig) -> float:
    """Return the share of a private partner's loss on failure the city reimburses (1)."""
    return cfg.procurement_risk_share if cfg.innovation_procurement else 0.0


# ---------------------------------------------------------------- loans and revolving funds


def annuity_payment(principal: float, rate: float, term: int) -> float:
    """Return the level payment that repays ``principal`` over ``term`` periods.

    Args:
        principal: Amount lent (EUR).
        rate: Interest rate per period (1); zero gives equal principal instalments.
        term: Number of payments (periods, at least 1).

    Returns:
        The payment per period (EUR): ``P r / (1 - (1 + r)^-n)``.
    """
    if term < 1:
        raise ValueError(f"term must be at least 1 period; got {term}")
    if rate == 0:
        return principal / term
    return principal * rate / -math.expm1(-term * math.log1p(rate))


@dataclass
class Loan:
    """A level-payment loan from a revolving fund.

    Attributes:
        principal: Amount lent (EUR).
        rate: Interest rate per year (1).
        term: Number of yearly payments.
        outstanding: Principal not yet repaid (EUR).
        payments_made: Yearly payments made so far.
    """

    principal: float
    rate: float
    term: int
    outstanding: float = float("nan")
    payments_made: int = 0

    def __post_init__(self) -> None:
        if math.isnan(self.outstanding):
            self.outstanding = self.principal

    @property
    def payment(self) -> float:
        """The level yearly payment (EUR)."""
        return annuity_payment(self.principal, self.rate, self.term)

    @property
    def live(self) -> bool:
        """Whether payments remain."""
        return self.payments_made < self.term and self.outstanding > 0

    def pay(self) -> float:
        """Make the next yearly payment; return its amount (EUR).

        The last payment clears the balance exactly, so rounding never leaves a remainder.
        """
        if not self.live:
            return 0.0
        interest = self.outstanding * self.rate
        amount = self.payment
        self.payments_made += 1
        if self.payments_made == self.term:
            amount = self.outstanding + interest
        self.outstanding = max(0.0, self.outstanding + interest - amount)
        return amount

    def prepay(self, amount: float) -> None:
        """Reduce the outstanding principal by an early repayment (EUR)."""
        self.outstanding = max(0.0, self.outstanding - amount)

    def default(self, loss_given_default: float) -> tuple[float, float]:
        """Default on what is outstanding; return (recovered, written off) in EUR.

        Args:
            loss_given_default: Share of the outstanding principal lost (1).
        """
        recovered = (1.0 - loss_given_default) * self.outstanding
        written_off = self.outstanding - recovered
        self.outstanding = 0.0
        self.payments_made = self.term
        return recovered, written_off


def revolving_recurrence(
    years: int, *, grant: float = 1.0, match: float = 0.2, rate: float = 0.02, term: int = 20
) -> np.ndarray:
    """Return the recycling multiple of a fund that lends everything it has, each year.

    Each year the fund receives ``grant`` plus a ``match`` share of it, collects the yearly
    payments of its earlier loans (level payments, starting the year after lending, no
    defaults) and lends all it holds. The multiple is cumulative lending over cumulative
    grants, the match excluded as the US EPA counts the Clean Water State Revolving Fund
    (federal capitalisation grants with a 20% state match, loans at low rates over 20 to 30
    years: 2.53x in 2009, 3.29x over 1987-2022).

    Args:
        years: Years to run.
        grant: Capitalisation grant per year (EUR).
        match: Match per unit of grant (1).
        rate: Loan interest rate per year (1).
        term: Loan term (years).

    Returns:
        The multiple at the end of each year 1..years.
    """
    loans: list[Loan] = []
    lent = 0.0
    multiples = np.empty(years)
    for year in range(years):
        repaid = sum(loan.pay() for loan in loans)
        loan = Loan(grant * (1.0 + match) + repaid, rate, term)
        loans.append(loan)
        lent += loan.principal
        multiples[year] = lent / (grant * (year + 1))
    return multiples


# ---------------------------------------------------------------- blended finance


def waterfall(cash: float, claims: Sequence[Sequence[float]]) -> list[list[float]]:
    """Distribute cash over claims by priority, pro rata within a priority group.

    Args:
        cash: Money to distribute (EUR, non-negative).
        claims: Groups of claims (EUR), most senior group first.

    Returns:
        Payments in the same shape as ``claims``; their sum is min(cash, total claims).
    """
    left = max(0.0, cash)
    paid = []
    for group in claims:
        total = sum(group)
        share = min(1.0, left / total) if total > 0 else 0.0
        paid.append([claim * share for claim in group])
        left -= total * share
    return paid


@dataclass(frozen=True)
class Stack:
    """A blended capital stack for one pilot's public part (EUR).

    Attributes:
        first_loss: Concessional, junior tranche.
        public: The city's tranche, senior with the commercial one.
        senior: Commercial senior tranche.
    """

    first_loss: float
    public: float
    senior: float

    @property
    def total(self) -> float:
        """The whole stack (EUR)."""
        return self.first_loss + self.public + self.senior


def stack_claims(
    stack: Stack, *, coupon: float, first_loss_rate: float, years: float
) -> list[list[float]]:
    """Return the waterfall claims at maturity: [[senior, public], [first loss]] (EUR).

    The senior tranche accrues its coupon, the first-loss tranche its concessional rate, the
    public tranche is owed at par.
    """
    return [
        [stack.senior * (1.0 + coupon) ** years, stack.public],
        [stack.first_loss * (1.0 + first_loss_rate) ** years],
    ]


def stack_cash(
    stack: Stack,
    *,
    success: bool,
    coupon: float,
    first_loss_rate: float,
    years: float,
    loss_given_default: float,
) -> float:
    """Return the cash a pilot's results return to its stack at maturity (EUR).

    A success pays every claim in full; a failure returns ``1 - loss_given_default`` of the
    stack (salvage and recoveries).
    """
    if success:
        claims = stack_claims(stack, coupon=coupon, first_loss_rate=first_loss_rate, years=years)
        return sum(sum(group) for group in claims)
    return (1.0 - loss_given_default) * stack.total


def senior_expected_return(
    stack: Stack,
    *,
    success_prob: float,
    coupon: float,
    first_loss_rate: float,
    years: float,
    loss_given_default: float,
) -> float:
    """Return the commercial tranche's expected yearly return after first-loss protection (1).

    The expected multiple over the deal's life is the success-weighted mix of its two
    waterfall payoffs; the return is that multiple annualised over ``years``.
    """
    if stack.senior <= 0:
        return math.nan
    claims = stack_claims(stack, coupon=coupon, first_loss_rate=first_loss_rate, years=years)
    multiple = 0.0
    for success, weight in ((True, success_prob), (False, 1.0 - success_prob)):
        cash = stack_cash(
            stack,
            success=success,
            coupon=coupon,
            first_loss_rate=first_loss_rate,
            years=years,
            loss_given_default=loss_given_default,
        )
        multiple += weight * waterfall(cash, claims)[0][0] / stack.senior
    return multiple ** (1.0 / years) - 1.0 if multiple > 0 else -1.0


# ---------------------------------------------------------------- outcome-based finance


def measurement_sd(noise: float, measurability: float, competence: float) -> float:
    """Return the evaluator's measurement error (outcome standard deviations).

    Noise falls linearly with the outcome's measurability and the evaluator's competence,
    reaching zero only when both are perfect.

    Args:
        noise: Error at zero measurability and competence (SD).
        measurability: How well the domain's outcome can be measured (0 to 1).
        competence: The evaluator's evaluation competence (0 to 1).
    """
    return noise * (1.0 - 0.5 * measurability - 0.5 * competence)


def true_outcome(draw: float, success_prob: float) -> float:
    """Return a pilot's true outcome (SD around its success boundary) from its uniform draw.

    The outcome is normal with mean ``Phi^-1(success_prob)``: it is at least 0 exactly when
    ``draw < success_prob``, so it agrees with the model's success draw (common random
    numbers across instruments).
    """
    eps = 1e-12
    return float(norm.ppf(min(max(success_prob, eps), 1 - eps)) - norm.ppf(max(draw, eps)))


def payment_fraction(measured: float, *, rule: str, threshold: float, band: float) -> float:
    """Return the share of the maximum outcome payment a measured outcome earns (1).

    Args:
        measured: The evaluator's measured outcome (SD).
        rule: ``threshold`` (all or nothing at ``threshold``) or ``pro_rata`` (linear over a
            band of width ``band`` centred on ``threshold``).
        threshold: Contract threshold (SD, relative to the success boundary).
        band: Width of the pro-rata band (SD).
    """
    if rule == "threshold":
        return 1.0 if measured >= threshold else 0.0
    return float(min(1.0, max(0.0, (measured - threshold + band / 2) / band)))


def _expected_excess(mean: float, sd: float, strike: float) -> float:
    """Return E[(X - strike)^+] for X ~ N(mean, sd^2)."""
    if sd == 0:
        return max(0.0, mean - strike)
    d = (mean - strike) / sd
    return (mean - strike) * norm.cdf(d) + sd * norm.pdf(d)


def expected_payment_fraction(
    success_prob: float, noise_sd: float, *, rule: str, threshold: float, band: float
) -> float:
    """Return the expected share of the maximum payment before the outcome is known (1).

    The measured outcome is normal with mean ``Phi^-1(success_prob)`` and variance
    ``1 + noise_sd^2`` (true spread plus measurement error).
    """
    mean = true_outcome(0.5, success_prob)
    sd = math.sqrt(1.0 + noise_sd**2)
    if rule == "threshold":
        return float(norm.cdf((mean - threshold) / sd))
    low, high = threshold - band / 2, threshold + band / 2
    return (_expected_excess(mean, sd, low) - _expected_excess(mean, sd, high)) / band


def break_even_rate(expected_fraction: float, *, hurdle: float, years: float) -> float:
    """Return the yearly return the maximum payment must promise for investors to break even.

    Investors pre-finance 1 EUR and expect ``expected_fraction`` of ``(1 + r)^years``; they
    need at least ``(1 + hurdle)^years``, so ``r = (1 + hurdle) / f^(1/years) - 1``
    (infinite when nothing is expected).
    """
    if expected_fraction <= 0:
        return math.inf
    return (1.0 + hurdle) / expected_fraction ** (1.0 / years) - 1.0
