"""Known answers of the finance mechanics (sim.finance.formulas), without a model."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from sim.finance.formulas import (
    Loan,
    Stack,
    annuity_payment,
    break_even_rate,
    expected_payment_fraction,
    measurement_sd,
    payment_fraction,
    revolving_recurrence,
    senior_expected_return,
    stack_cash,
    true_outcome,
    waterfall,
)

# ---------------------------------------------------------------- loans


def test_annuity_payment_known_values():
    # 100 over 10 years at 5%: 12.950457... (standard annuity tables)
    assert annuity_payment(100, 0.05, 10) == pytest.approx(12.9504575, rel=1e-8)
    assert annuity_payment(120, 0.0, 12) == 10.0
    with pytest.raises(ValueError, match="term"):
        annuity_payment(100, 0.05, 0)


@given(
    principal=st.floats(1, 1e8),
    rate=st.floats(0, 0.2),
    term=st.integers(1, 40),
)
def test_loan_repays_principal_plus_interest_exactly(principal, rate, term):
    loan = Loan(principal, rate, term)
    paid = [loan.pay() for _ in range(term + 3)]
    assert paid[term:] == [0.0, 0.0, 0.0]
    assert loan.outstanding == 0.0 and not loan.live
    # The present value of the payments at the loan rate is the principal.
    pv = sum(p / (1 + rate) ** (k + 1) for k, p in enumerate(paid[:term]))
    assert pv == pytest.approx(principal, rel=1e-9)


def test_loan_default_splits_outstanding():
    loan = Loan(1000.0, 0.02, 20)
    loan.pay()
    outstanding = loan.outstanding
    recovered, written_off = loan.default(0.6)
    assert recovered == pytest.approx(0.4 * outstanding)
    assert recovered + written_off == pytest.approx(outstanding)
    assert loan.pay() == 0.0


def test_revolving_recurrence_reproduces_the_clean_water_srf_range():
    # Yearly grant plus a 20% match, everything lent each year at 2% over 20 years, the match
    # excluded from the denominator as the EPA counts it: about 2.4 by year 22 and 3.5 by 35
    # (US Clean Water SRF: 2.53x in 2009, 3.29x over 1987-2022).
    multiple = revolving_recurrence(35, grant=1.0, match=0.2, rate=0.02, term=20)
    assert multiple[0] == pytest.approx(1.2)
    assert multiple[21] == pytest.approx(2.40, abs=0.01)
    assert multiple[34] == pytest.approx(3.54, abs=0.01)
    assert np.all(np.diff(multiple) > 0)


def test_revolving_recurrence_closed_form_before_the_first_loan_matures():
    # While no loan has matured, lending L_t = g(1+m) + a * sum(L_k, k<t) with a the annuity
    # factor: L_t = g(1+m)(1+a)^(t-1), a geometric series.
    a = annuity_payment(1.0, 0.02, 20)
    multiple = revolving_recurrence(10, grant=1.0, match=0.2, rate=0.02, term=20)
    years = np.arange(1, 11)
    lent = 1.2 * ((1 + a) ** years - 1) / a
    np.testing.assert_allclose(multiple, lent / years, rtol=1e-12)


def test_revolving_recurrence_without_interest_or_match_lends_each_unit_once_per_term():
    # At 0% a loan of 1 returns 1/term a year; over the first term lending grows linearly.
    multiple = revolving_recurrence(2, grant=1.0, match=0.0, rate=0.0, term=1)
    # Year 1 lends 1; year 2 lends 1 new plus 1 repaid: cumulative 3 over 2 grants.
    np.testing.assert_allclose(multiple, [1.0, 1.5])


# ---------------------------------------------------------------- blended finance


def test_waterfall_priority_and_pro_rata():
    assert waterfall(150, [[100, 50], [30]]) == [[100, 50], [0]]
    assert waterfall(75, [[100, 50], [30]]) == [[50, 25], [0]]
    assert waterfall(170, [[100, 50], [30]]) == [[100, 50], [20]]
    assert waterfall(500, [[100, 50], [30]]) == [[100, 50], [30]]
    assert waterfall(0, [[100], [0]]) == [[0], [0]]


def closed_form_senior_return(p, f, s, coupon, years, lgd):
    """The senior's expected yearly return written out by hand for a stack of size 1.

    Public share 1 - f - s is senior with the commercial tranche and owed at par; on failure the
    recovery 1 - lgd goes first to the senior claims pro rata, so the senior receives its claim
    times min(1, (1 - lgd) / (senior claim + public)).
    """
    senior_claim = s * (1 + coupon) ** years
    public = 1 - f - s
    failure = senior_claim * min(1.0, (1 - lgd) / (senior_claim + public))
    multiple = (p * senior_claim + (1 - p) * failure) / s
    return multiple ** (1 / years) - 1


@given(
    p=st.floats(0.01, 0.99),
    f=st.floats(0.0, 0.5),
    s=st.floats(0.05, 0.5),
    coupon=st.floats(0.0, 0.3),
    years=st.floats(0.5, 10),
    lgd=st.floats(0.0, 1.0),
)
def test_senior_expected_return_matches_the_closed_form(p, f, s, coupon, years, lgd):
    stack = Stack(first_loss=f, public=1 - f - s, senior=s)
    got = senior_expected_return(
        stack,
        success_prob=p,
        coupon=coupon,
        first_loss_rate=0.0,
        years=years,
        loss_given_default=lgd,
    )
    assert got == pytest.approx(closed_form_senior_return(p, f, s, coupon, years, lgd), abs=1e-9)


def test_more_first_loss_raises_the_senior_return():
    def ret(f):
        stack = Stack(first_loss=f, public=0.5 - f, senior=0.5)
        return senior_expected_return(
            stack,
            success_prob=0.5,
            coupon=0.2,
            first_loss_rate=0.0,
            years=3.0,
            loss_given_default=0.5,
        )

    returns = [ret(f) for f in (0.0, 0.1, 0.2, 0.3, 0.4)]
    assert returns == sorted(returns) and returns[-1] > returns[0]


def test_stack_cash_pays_all_claims_on_success_and_the_recovery_on_failure():
    stack = Stack(first_loss=10, public=40, senior=50)
    kw = {"coupon": 0.1, "first_loss_rate": 0.0, "years": 2.0, "loss_given_default": 0.7}
    assert stack_cash(stack, success=True, **kw) == pytest.approx(10 + 40 + 50 * 1.21)
    assert stack_cash(stack, success=False, **kw) == pytest.approx(30.0)


# ---------------------------------------------------------------- outcome-based finance


def test_true_outcome_agrees_with_the_success_draw():
    rng = np.random.default_rng(3)
    for p, u in zip(rng.uniform(0.01, 0.99, 500), rng.random(500), strict=True):
        assert (true_outcome(u, p) >= 0) == (u < p)


def test_true_outcome_distribution_has_the_success_probability():
    u = (np.arange(20_000) + 0.5) / 20_000
    outcomes = np.array([true_outcome(x, 0.3) for x in u])
    assert (outcomes >= 0).mean() == pytest.approx(0.3, abs=1e-3)
    assert outcomes.mean() == pytest.approx(norm.ppf(0.3), abs=1e-3)


def test_measurement_sd_falls_with_measurability_and_competence():
    assert measurement_sd(0.0, 0.2, 0.3) == 0.0
    assert measurement_sd(1.0, 1.0, 1.0) == 0.0
    assert measurement_sd(1.0, 0.0, 0.0) == 1.0
    assert measurement_sd(1.0, 0.5, 0.0) > measurement_sd(1.0, 0.8, 0.0)
    assert measurement_sd(1.0, 0.5, 0.2) > measurement_sd(1.0, 0.5, 0.9)


def test_payment_fraction_rules():
    assert payment_fraction(0.1, rule="threshold", threshold=0.0, band=1.0) == 1.0
    assert payment_fraction(-0.1, rule="threshold", threshold=0.0, band=1.0) == 0.0
    assert payment_fraction(0.0, rule="pro_rata", threshold=0.0, band=1.0) == 0.5
    assert payment_fraction(0.25, rule="pro_rata", threshold=0.0, band=1.0) == 0.75
    assert payment_fraction(2.0, rule="pro_rata", threshold=0.0, band=1.0) == 1.0
    assert payment_fraction(-2.0, rule="pro_rata", threshold=0.0, band=1.0) == 0.0


@pytest.mark.parametrize("rule", ["threshold", "pro_rata"])
@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_expected_payment_fraction_matches_simulation(rule, noise):
    rng = np.random.default_rng(7)
    p, threshold, band = 0.6, -0.3, 1.0
    u = rng.random(200_000)
    outcomes = norm.ppf(p) - norm.ppf(u)
    measured = outcomes + noise * rng.standard_normal(u.size)
    if rule == "threshold":
        simulated = (measured >= threshold).mean()
    else:
        simulated = np.clip((measured - threshold + band / 2) / band, 0, 1).mean()
    expected = expected_payment_fraction(p, noise, rule=rule, threshold=threshold, band=band)
    assert expected == pytest.approx(simulated, abs=0.005)


def test_noise_lowers_the_payout_odds_of_likely_pilots():
    quiet = expected_payment_fraction(0.7, 0.0, rule="threshold", threshold=0.0, band=1.0)
    noisy = expected_payment_fraction(0.7, 1.0, rule="threshold", threshold=0.0, band=1.0)
    assert quiet == pytest.approx(0.7)
    assert noisy == pytest.approx(norm.cdf(norm.ppf(0.7) / math.sqrt(2)))
    assert noisy < quiet


def test_break_even_rate():
    # Certain payment: the investor's hurdle itself.
    assert break_even_rate(1.0, hurdle=0.03, years=3.0) == pytest.approx(0.03)
    # Half the chance over one year: (1.03 / 0.5) - 1.
    assert break_even_rate(0.5, hurdle=0.03, years=1.0) == pytest.approx(1.06)
    assert break_even_rate(0.0, hurdle=0.03, years=1.0) == math.inf
