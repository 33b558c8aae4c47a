"""The arithmetic of finance instruments as pure functions (DOMAIN: finance instruments).

No model here: discounting, level streams and debt serviced from them (revolving-fund loans,
senior tranches), the revolving fund's own recurrence, the senior lender's expected value and
the smallest first-loss cover that clears its hurdle (blended finance), and outcome measurement
and payment (outcome-based finance). The instruments (:mod:`sim.finance.instruments`) and the
valuation of deals (:mod:`sim.finance.deals`) call these; tests and docs check them against
closed forms and published figures.

Units: money in EUR; rates per year unless the name says per step; terms and horizons in steps
(quarters by default) or years as named; outcomes in standard deviations of the true outcome
around the pilot's success boundary (a pilot succeeds when its true outcome is at least 0).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from sim.scenario.fields import MONEY_MAX
from sim.scenario.schema import IncentivesConfig

_NORMAL = NormalDist()

# ---------------------------------------------------------------- risk sharing


def failure_cover(cfg: IncentivesConfig) -> float:
    """Return the share of a private partner's loss on failure the city reimburses (1)."""
    return cfg.procurement_risk_share if cfg.innovation_procurement else 0.0


# ---------------------------------------------------------------- discounting and streams


def step_rate(rate: float, steps_per_year: int) -> float:
    """Return the rate per step equivalent to a yearly rate: (1 + rate)^(1/steps_per_year) - 1."""
    return (1.0 + rate) ** (1.0 / steps_per_year) - 1.0


def growth(rate: float, periods: float) -> float:
    """Return (1 + rate) ** periods, the growth of 1 over ``periods`` at ``rate`` per period.

    A discount factor is the growth over minus the periods. Where the result exceeds the
    largest float it is ``inf``, the limit it tends to: a lender who requires -99% a year values
    a payment 400 years ahead at 10^800 times its face; a loan at 100% a year grows 2^400-fold.

    Args:
        rate: Rate per period (> -1).
        periods: Periods (any sign; negative discounts).
    """
    try:
        return (1.0 + rate) ** periods
    except OverflowError:
        return math.inf


def accrued(principal: float, rate: float, steps: int) -> float:
    """Return a loan with its interest over ``steps`` (the grace period), at most ``MONEY_MAX``.

    Money stays within the schema's limit (:data:`sim.scenario.fields.MONEY_MAX`, 1e12 EUR,
    where whole cents are exact in a float) here too: a loan at 100% a year over a pilot of four
    centuries would owe 2^400 times its principal, which no stream repays; it is held at the
    limit and defaults like any debt its stream cannot serve.

    Args:
        principal: What is lent at close (EUR).
        rate: Interest rate per step.
        steps: Steps from close to the outcome.
    """
    return min(principal * growth(rate, steps), MONEY_MAX)


def annuity_factor(rate: float, periods: int) -> float:
    """Return the present value of 1 paid at the end of each of ``periods`` periods.

    Args:
        rate: Discount rate per period (> -1).
        periods: Number of payments (>= 0).
    """
    if periods <= 0:
        return 0.0
    if rate == 0:
        return float(periods)
    return -math.expm1(-periods * math.log1p(rate)) / rate


def present_value(payments: np.ndarray, rate_step: float) -> float:
    """Return the present value of payments at the end of steps 1, 2, ... (EUR).

    Args:
        payments: The payment of each step (EUR); empty when there is no debt.
        rate_step: Discount rate per step.
    """
    if not len(payments):
        return 0.0  # grants and outcome contracts: no NumPy calls on empty arrays
    return float((payments * _discounts(rate_step, len(payments))).sum())


@functools.lru_cache(maxsize=1024)
def _discounts(rate_step: float, periods: int) -> np.ndarray:
    """Return the discount factors (1 + rate_step)^-k of periods k = 1 .. ``periods`` (read-only).

    Made once for each rate and length: every loan of every valuation of the claims, and every
    deal valued before signing, reads them.
    """
    factors = (1.0 + rate_step) ** -np.arange(1, periods + 1)
    factors.flags.writeable = False
    return factors


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
    return principal / annuity_factor(rate, term)


# ---------------------------------------------------------------- debt serviced from a stream


@dataclass
class Loan:
    """A level-payment loan serviced from what its borrower earns, in arrears if short.

    Each period the borrower owes the scheduled payment plus any arrears; it pays what it can
    (:meth:`pay`), and what it cannot pay stays owed, with interest. At the end of the
    borrower's earnings whatever is outstanding defaults (:meth:`default`).

    Attributes:
        principal: Amount lent (EUR).
        rate: Interest rate per period (1).
        term: Number of scheduled payments (periods).
        outstanding: Principal and interest not yet repaid (EUR).
        payments_made: Scheduled periods passed.
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
        """The scheduled level payment per period (EUR)."""
        return annuity_payment(self.principal, self.rate, self.term)

    @property
    def live(self) -> bool:
        """Whether anything is still owed."""
        return self.outstanding > 0

    def due(self) -> float:
        """Return what the borrower owes this period: the schedule plus arrears (EUR)."""
        if not self.live:
            return 0.0
        owed = self.outstanding * (1.0 + self.rate)
        if self.payments_made + 1 >= self.term:
            return owed  # the last scheduled period, or after it: everything
        scheduled_left = self.principal * _remaining_factor(
            self.rate, self.term, self.payments_made + 1
        )
        return max(0.0, owed - scheduled_left)

    def pay(self, available: float) -> float:
        """Pay this period's due from ``available`` (EUR); return what was paid.

        Interest accrues on the outstanding balance; the payment reduces it; a shortfall stays
        owed (arrears).
        """
        if not self.live:
            return 0.0
        paid = min(max(available, 0.0), self.due())
        self.outstanding = self.outstanding * (1.0 + self.rate) - paid
        if self.outstanding < 0.005:  # less than half a cent: repaid
            self.outstanding = 0.0
        self.payments_made += 1
        return paid

    def default(self, recovered: float) -> tuple[float, float]:
        """Default on what is outstanding: return (recovered, written off) in EUR.

        Args:
            recovered: What the borrower's assets pay (EUR); at most what is outstanding.
        """
        recovered = min(max(recovered, 0.0), self.outstanding)
        written_off = self.outstanding - recovered
        self.outstanding = 0.0
        return recovered, written_off


def _remaining_factor(rate: float, term: int, made: int) -> float:
    """Return the scheduled balance left after ``made`` payments, per EUR of principal."""
    if made >= term:
        return 0.0
    if rate == 0:
        return 1.0 - made / term
    grown = math.expm1(made * math.log1p(rate))  # (1 + rate)^made - 1, exact for small rates
    return 1.0 + grown - grown / rate / annuity_factor(rate, term)


def serviced_path(
    principal: float, rate: float, term: int, stream: float, periods: int
) -> tuple[np.ndarray, float]:
    """Return what a loan collects each period from a level stream, and what then defaults.

    The borrower pays the scheduled level payment when the stream covers it; when it does not,
    the loan takes the whole stream each period (it is always in arrears) until it is repaid.
    Both cases are closed forms, the same as running :class:`Loan` period by period.

    Args:
        principal: Amount owed at the first period's start (EUR).
        rate: Interest rate per period.
        term: Scheduled payments (periods).
        stream: What the borrower earns each period (EUR).
        periods: How many periods it earns.

    Returns:
        ``(paid, written_off)``: the payment of each of the ``periods`` periods (EUR) and what
        is still outstanding when the stream ends (EUR).
    """
    paid = np.zeros(max(periods, 0))
    if principal <= 0 or periods <= 0:
        return paid, max(principal, 0.0)
    term = max(term, 1)
    scheduled = annuity_payment(principal, rate, term)
    if stream >= scheduled:
        k = min(term, periods)
        paid[:k] = scheduled
        return paid, principal * _remaining_factor(rate, term, k) if k < term else 0.0
    if stream <= 1e-12 * principal:  # nothing worth a cent ever comes in
        return paid, principal * (1.0 + rate) ** periods
    # all of the stream, every period, until the balance O (1+i)^j - s ((1+i)^j - 1)/i is paid
    if rate < 1e-12:  # too small to tell from 0 in these logarithms
        rate = 0.0
    if rate == 0:
        full = math.floor(principal / stream)
    elif principal * rate >= stream:
        full = periods  # the stream never even covers the interest
    else:
        full = math.floor(-math.log1p(-principal * rate / stream) / math.log1p(rate))
    full = min(full, periods)
    paid[:full] = stream
    grown = math.expm1(full * math.log1p(rate)) if rate else 0.0
    left = principal * (1.0 + grown) - (stream * grown / rate if rate else stream * full)
    if left < 0.005:  # less than half a cent left after the full payments: repaid (as Loan)
        return paid, 0.0
    if full < periods:
        last = min(stream, max(left * (1.0 + rate), 0.0))
        paid[full] = last
        left = max(left * (1.0 + rate) - last, 0.0)
        if left < 0.005:
            left = 0.0
        # a balance left after the last full payment is repaid by the next one
        return paid, left * (1.0 + rate) ** (periods - full - 1) if left else 0.0
    return paid, left


CWSRF_MULTIPLES: dict[str, float] = {"2009": 2.53, "1987-2022": 3.29}
"""The US Clean Water State Revolving Fund's recycling multiple: loans made per dollar of
federal capitalisation grants, by the period it was measured over (US EPA: 2009 annual report;
$163B of loans on $49.6B of federal money over 1987-2022). The benchmark a fund's multiple is
read against."""


def revolving_recurrence(
    years: int, *, grant: float = 1.0, match: float = 0.2, rate: float = 0.02, term: int = 20
) -> np.ndarray:
    """Return the recycling multiple of a fund that lends everything it has, each year.

    Each year the fund receives ``grant`` plus a ``match`` share of it, collects the yearly
    payments of its earlier loans (level payments, starting the year after lending, no
    defaults) and lends all it holds. The multiple is cumulative lending over cumulative
    grants, the match excluded as the US EPA counts the Clean Water State Revolving Fund
    (federal capitalisation grants with a 20% state match, loans at low rates over 20 to 30
    years: ``CWSRF_MULTIPLES``).

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
        repaid = sum(loan.pay(loan.due()) for loan in loans)
        loan = Loan(grant * (1.0 + match) + repaid, rate, term)
        loans.append(loan)
        lent += loan.principal
        multiples[year] = lent / (grant * (year + 1))
    return multiples


# ---------------------------------------------------------------- blended finance


def senior_expected_value(
    owed: float,
    *,
    success_prob: float,
    collected: np.ndarray,
    recovery_on_failure: float,
    hurdle_step: float,
    steps_to_outcome: int,
) -> float:
    """Return the senior lender's expected present value of a deal at close, at its hurdle (EUR).

    On success it collects ``collected`` (one payment per period, starting the period after the
    outcome); on failure it recovers ``recovery_on_failure`` at the outcome, at most what it is
    owed then. Discounting is at the lender's hurdle rate per step from financial close.

    Args:
        owed: What the loan is owed at the outcome (principal and grace-period interest, EUR).
        success_prob: The pilot's chance of success.
        collected: Payments collected on success, one per period after the outcome (EUR).
        recovery_on_failure: Cash recovered at the outcome if it fails (EUR).
        hurdle_step: The lender's required return per step.
        steps_to_outcome: Steps from close to the outcome.
    """
    # what it collects on success, discounted by the factors made once per hurdle and term
    success_pv = present_value(collected, hurdle_step)
    return _senior_value(
        success_pv, owed, success_prob, recovery_on_failure, hurdle_step, steps_to_outcome
    )


def _senior_value(
    success_pv: float,
    owed: float,
    success_prob: float,
    recovery_on_failure: float,
    hurdle_step: float,
    steps_to_outcome: int,
) -> float:
    """Return :func:`senior_expected_value` given the present value of its success (EUR)."""
    failure = min(recovery_on_failure, owed)
    value = success_prob * success_pv + (1.0 - success_prob) * failure
    return growth(hurdle_step, -steps_to_outcome) * value if value else 0.0


def minimum_first_loss(
    lent: float,
    *,
    owed: float,
    success_prob: float,
    collected: np.ndarray,
    salvage: float,
    hurdle_step: float,
    steps_to_outcome: int,
) -> float:
    """Return the smallest first-loss cover that gives the senior lender its hurdle (EUR).

    The cover pays the senior's shortfall on failure (salvage first, then the cover, up to what
    it is owed). The senior's expected value rises one for one with the cover (times the failure
    odds and the discount) until salvage and cover reach what is owed, so the smallest cover is
    a closed form (minimum concessionality, DFI-BF); ``inf`` when even a full cover falls short
    of the amount lent.

    Args:
        lent: The senior loan at close (EUR): what its expected value must reach.
        owed: What it is owed at the outcome (EUR).
        success_prob: The pilot's chance of success.
        collected: The senior's payments on success, one per period after the outcome (EUR).
        salvage: What a failure's assets return to the senior (EUR).
        hurdle_step: The senior's required return per step.
        steps_to_outcome: Steps from close to the outcome.
    """
    if lent <= 0:
        return 0.0
    # the success's value is the same with or without the cover: valued once
    success_pv = present_value(collected, hurdle_step)
    base = _senior_value(success_pv, owed, success_prob, salvage, hurdle_step, steps_to_outcome)
    if base >= lent:
        return 0.0
    full = _senior_value(success_pv, owed, success_prob, owed, hurdle_step, steps_to_outcome)
    if full < lent:
        return math.inf
    per_eur = (1.0 - success_prob) * growth(hurdle_step, -steps_to_outcome)
    return (lent - base) / per_eur


# ---------------------------------------------------------------- outcome-based finance


def measurement_sd(noise: float, measurability: float, competence: float) -> float:
    """Return the evaluator's measurement error (outcome standard deviations).

    Noise falls in proportion to how measurable the outcome is and, by up to a half, with the
    evaluator's competence: a perfectly measurable outcome is measured without error by anyone,
    an unmeasurable one is guessed at, however competent the evaluator (an assumption).

    Args:
        noise: Error at zero measurability and competence (SD).
        measurability: How well the pilot's outcome can be measured (0 to 1).
        competence: The evaluator's evaluation competence (0 to 1).
    """
    return noise * (1.0 - measurability) * (1.0 - 0.5 * competence)


def true_outcome(draw: float, success_prob: float) -> float:
    """Return a pilot's true outcome (SD around its success boundary) from its uniform draw.

    The outcome is normal with mean ``Phi^-1(success_prob)``: it is at least 0 exactly when
    ``draw < success_prob``, so it agrees with the model's success draw (common random
    numbers across instruments).
    """
    eps = 1e-12
    p = min(max(success_prob, eps), 1 - eps)
    return _NORMAL.inv_cdf(p) - _NORMAL.inv_cdf(min(max(draw, eps), 1 - eps))


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
    return (mean - strike) * _NORMAL.cdf(d) + sd * _NORMAL.pdf(d)


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
        return _NORMAL.cdf((mean - threshold) / sd)
    low, high = threshold - band / 2, threshold + band / 2
    return (_expected_excess(mean, sd, low) - _expected_excess(mean, sd, high)) / band


def break_even_rate(expected_fraction: float, *, hurdle: float, years: float) -> float:
    """Return the yearly return the maximum payment must promise for investors to break even.

    Investors pre-finance 1 EUR and expect ``expected_fraction`` of ``(1 + r)^years``; they
    need at least ``(1 + hurdle)^years``, so ``r = (1 + hurdle) / f^(1/years) - 1``
    (infinite when nothing is expected, or so little that ``f^(1/years)`` underflows to 0).
    An outcome known at once (``years`` 0: no start delay and a one-step pilot) is paid the
    principal whatever the rate, so only a certain payment breaks even, at the hurdle.
    """
    if years <= 0:
        return hurdle if expected_fraction >= 1 else math.inf
    root = expected_fraction ** (1.0 / years) if expected_fraction > 0 else 0.0
    if root == 0:
        return math.inf
    return (1.0 + hurdle) / root - 1.0
