"""What a deal under each instrument is worth to the parties, before they sign: pure functions.

When a pilot is proposed its economics are known to the parties (:class:`Proposal`): its cost,
the public part the city expects to carry, its odds, the stream of savings a success would
yield, the salvage of a failure, and how measurable its outcome is. :func:`value_deal` turns
these and an instrument's terms into a :class:`Deal`:

* what a partner gets back per EUR of its cost share (``partner_return``): its share of the
  expected *residual* stream, what is left after the contract's claims on the stream (a fund's
  loan, a senior lender's debt service) are served;
* the expected net present public cost of the deal (``public_cost``), with the same perimeter,
  discounting and order of claims as the metric (:mod:`sim.finance.public_cost`): the city's
  outlays, less what comes back to the public (its share of the residual, loan repayments and
  recoveries), plus expected draws on public guarantees and outcome payments;
* the instrument's own terms: the smallest first-loss cover that lets commercial money clear its
  hurdle, or the outcome contract's break-even premium, and whether the deal can close at all.

Residual streams are split in proportion to cost shares, the city's public part included
however it is financed: a loan or a senior tranche is served first, so every party's residual
shrinks. That is how a loan makes the partners co-finance the public part out of the savings,
and why pilots with thin savings do not form under it.

All money in EUR valued at financial close, discounted at the public rate per step.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from sim.finance.formulas import (
    accrued,
    annuity_factor,
    break_even_rate,
    expected_payment_fraction,
    minimum_first_loss,
    present_value,
    serviced_path,
    step_rate,
)
from sim.scenario.finance import FinanceConfig


class Proposal(NamedTuple):
    """A pilot's economics as the parties know them when it is proposed.

    This record, :class:`Deal` and :class:`StreamTerms` are named tuples: immutable, and each
    made several times per proposal (its instrument chosen, its partners searched, its terms
    negotiated, its financing closed) at about a quarter of a frozen dataclass's cost.

    Attributes:
        cost: Total cost (EUR).
        public_part: What the city carries: its share plus any match (EUR).
        success_prob: Chance of success.
        stream: Expected savings and revenues per step of a success (EUR/step).
        service_steps: Steps the stream lasts.
        salvage: What a failure's assets return at its end (EUR).
        steps_to_outcome: Steps from financial close to the outcome.
        noise_sd: The outcome evaluator's measurement error (SD), for outcome contracts.
        measurability: How well its outcome can be measured (0 to 1).
    """

    cost: float
    public_part: float
    success_prob: float
    stream: float
    service_steps: int
    salvage: float
    steps_to_outcome: int
    noise_sd: float
    measurability: float


class Deal(NamedTuple):
    """An instrument's deal for one proposal, valued before signing.

    Attributes:
        instrument: The instrument's name.
        closes: Whether the deal can close on its terms (the market's hurdles and caps).
        reason: Why not, or the instrument's name when it closes.
        partner_return: Expected money back per EUR of cost share, at close (EUR/EUR).
        public_cost: Expected net present public cost of the deal at close (EUR).
        debt: Principal the stream must serve first (EUR): a fund loan or a senior loan.
        first_loss: First-loss cover posted for the senior loan (EUR).
        premium: Outcome contract's yearly return on the maximum payment (1/year).
        maximum: Outcome contract's maximum payment (EUR).
        expected_fraction: Expected share of the maximum payment paid (1).
        coverage: Yearly savings of a success per EUR of yearly debt service, the lenders'
            debt-service coverage ratio (1; inf without debt).
        public_part: What the city carries of the proposal valued (EUR).
    """

    instrument: str
    closes: bool
    reason: str
    partner_return: float
    public_cost: float
    debt: float = 0.0
    first_loss: float = 0.0
    premium: float = math.nan
    maximum: float = 0.0
    expected_fraction: float = math.nan
    coverage: float = math.inf
    public_part: float = 0.0

    @property
    def city_return(self) -> float:
        """What comes back to the public per EUR of the public part (1 - cost per EUR)."""
        return 1.0 - self.public_cost / self.public_part if self.public_part > 0 else 0.0


def _discount(rate_step: float, steps: float) -> float:
    return (1.0 + rate_step) ** -steps


def residual_value(stream: float, collected: np.ndarray, rate_step: float, steps: int) -> float:
    """Return the present value at the outcome of a stream less a debt collected from it (EUR).

    Args:
        stream: The stream per step (EUR).
        collected: What the debt collects each step, from the step after the outcome (EUR).
        rate_step: Discount rate per step.
        steps: Steps the stream lasts.
    """
    return stream * annuity_factor(rate_step, steps) - present_value(collected, rate_step)


def debt_terms(
    instrument: str, proposal: Proposal, cfg: FinanceConfig, steps_per_year: int
) -> tuple[float, float, float, int]:
    """Return the stream's debt: (amount lent, owed at the outcome, rate per step, term in steps).

    A fund lends the public part; a blended stack's senior lender lends ``commercial_share`` of
    it at its coupon. Interest accrues from close to the outcome (the grace period) and is
    added to what is owed; repayment runs over the term, capped at the stream's life. Grants and
    outcome contracts put no debt on the stream.
    """
    if instrument == "revolving":
        r = cfg.revolving
        term = min(r.term_years * steps_per_year, proposal.service_steps)
        rate = step_rate(r.rate, steps_per_year)
        lent = proposal.public_part
        return lent, accrued(lent, rate, proposal.steps_to_outcome), rate, term
    if instrument == "blended":
        b = cfg.blended
        term = min(b.term_years * steps_per_year, proposal.service_steps)
        rate = step_rate(b.coupon, steps_per_year)
        lent = b.commercial_share * proposal.public_part
        return lent, accrued(lent, rate, proposal.steps_to_outcome), rate, term
    return 0.0, 0.0, 0.0, 1


class StreamTerms(NamedTuple):
    """What a success's stream leaves the parties under an instrument, whatever the odds.

    Attributes:
        rate_step: Public discount rate per step.
        at_outcome: Discount factor from close to the outcome (1).
        owed: What the stream's debt owes at the outcome (EUR).
        rate: The debt's rate per step.
        term: The debt's term (steps).
        principal: The debt's principal at close (EUR).
        collected: What the debt collects each step after the outcome (EUR).
        residual: Present value at the outcome of the stream less the debt (EUR).
    """

    rate_step: float
    at_outcome: float
    owed: float
    rate: float
    term: int
    principal: float
    collected: np.ndarray
    residual: float

    def partner_return(self, success: float | np.ndarray, cost: float) -> float | np.ndarray:
        """Return the expected money back per EUR of cost share at these odds (EUR/EUR).

        ``success`` may be an array (one consortium's odds per element): the candidates of a
        partner search are valued at once, each with the odds its joining would give.
        """
        return success * self.at_outcome * self.residual / cost


def stream_terms(
    instrument: str, proposal: Proposal, cfg: FinanceConfig, *, steps_per_year: int
) -> StreamTerms:
    """Return the stream's debt and residual under an instrument (the odds play no part).

    Args:
        instrument: ``grant``, ``blended``, ``revolving`` or ``outcome_based``.
        proposal: The pilot's economics (``success_prob`` is not read).
        cfg: The scenario's finance section.
        steps_per_year: Steps in a year.
    """
    d = step_rate(cfg.public_discount_rate, steps_per_year)
    at_outcome = _discount(d, proposal.steps_to_outcome)
    principal, owed, rate, term = debt_terms(instrument, proposal, cfg, steps_per_year)
    collected = np.zeros(0)
    if principal > 0:
        collected, _ = serviced_path(owed, rate, term, proposal.stream, proposal.service_steps)
    residual = residual_value(proposal.stream, collected, d, proposal.service_steps)
    return StreamTerms(d, at_outcome, owed, rate, term, principal, collected, residual)


def value_deal(
    instrument: str,
    proposal: Proposal,
    cfg: FinanceConfig,
    *,
    steps_per_year: int,
    public_cover: bool,
) -> Deal:
    """Value a proposal under an instrument, as the parties do before signing.

    Args:
        instrument: ``grant``, ``blended``, ``revolving`` or ``outcome_based``.
        proposal: The pilot's economics.
        cfg: The scenario's finance section (terms, discount rate).
        steps_per_year: Steps in a year.
        public_cover: Whether a blended deal's first-loss cover would come from a public
            provider (its expected draw is then public cost).
    """
    terms = stream_terms(instrument, proposal, cfg, steps_per_year=steps_per_year)
    d, at_outcome, owed, rate = terms.rate_step, terms.at_outcome, terms.owed, terms.rate
    term, principal, collected = terms.term, terms.principal, terms.collected
    p, cost, public = proposal.success_prob, proposal.cost, proposal.public_part
    partner_return = terms.partner_return(p, cost)
    city_share = public / cost if cost > 0 else 0.0
    # the city's share of the residual, whichever instrument finances its part
    public_back = city_share * partner_return * cost
    yearly_debt = owed / annuity_factor(rate, term) * steps_per_year if owed else 0.0
    coverage = proposal.stream * steps_per_year / yearly_debt if yearly_debt else math.inf
    common = dict(partner_return=partner_return, public_part=public, debt=principal)
    if instrument == "grant":
        return Deal(instrument, True, "grant", public_cost=public - public_back, **common)
    if instrument == "revolving":
        repaid = present_value(collected, d)
        recovered = min(proposal.salvage, owed)
        returned = at_outcome * (p * repaid + (1.0 - p) * recovered)
        return Deal(
            instrument,
            True,
            "loan",
            public_cost=public - returned - public_back,
            coverage=coverage,
            **common,
        )
    if instrument == "blended":
        b = cfg.blended
        cover = minimum_first_loss(
            principal,
            owed=owed,
            success_prob=p,
            collected=collected,
            salvage=min(proposal.salvage, owed),
            hurdle_step=step_rate(b.hurdle, steps_per_year),
            steps_to_outcome=proposal.steps_to_outcome,
        )
        closes = cover <= b.max_first_loss * principal
        draw = (1.0 - p) * min(cover, max(owed - proposal.salvage, 0.0)) * at_outcome
        cost_public = (public - principal) - public_back + (draw if public_cover else 0.0)
        return Deal(
            instrument,
            closes,
            "blended" if closes else "below_hurdle",
            public_cost=cost_public if closes else math.inf,
            first_loss=cover if closes else math.inf,
            coverage=coverage,
            **common,
        )
    o = cfg.outcome_based
    years = proposal.steps_to_outcome / steps_per_year
    fraction = expected_payment_fraction(
        p, proposal.noise_sd, rule=o.payment, threshold=o.threshold, band=o.band
    )
    premium = break_even_rate(fraction, hurdle=o.hurdle, years=years)
    closes = premium <= o.return_cap
    maximum = public * (1.0 + premium) ** years if closes else 0.0
    evaluation = o.evaluation_cost * cost
    paid = at_outcome * fraction * maximum + evaluation
    return Deal(
        instrument,
        closes,
        "outcome_contract" if closes else "premium_above_cap",
        public_cost=paid - public_back if closes else math.inf,
        premium=premium,
        maximum=maximum,
        expected_fraction=fraction,
        partner_return=partner_return,
        public_part=public,
    )


def passes_screens(deal: Deal, proposal: Proposal, cfg: FinanceConfig) -> bool:
    """Return whether a proposal passes the instrument's eligibility screens (if they are on).

    The fund requires expected savings of ``min_coverage`` times the debt service; outcome
    contracts require ``min_measurability``. Grants and blended stacks have no screen (the
    senior lender's hurdle is a market test, not a screen).
    """
    if not cfg.screens:
        return True
    if deal.instrument == "revolving":
        return deal.coverage >= cfg.revolving.min_coverage
    if deal.instrument == "outcome_based":
        return proposal.measurability >= cfg.outcome_based.min_measurability
    return True
