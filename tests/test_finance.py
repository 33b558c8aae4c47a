"""Known answers of the finance mechanics (sim.finance.formulas), without a model."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from sim.finance.commitments import instalment_years
from sim.finance.formulas import (
    Loan,
    annuity_factor,
    annuity_payment,
    break_even_rate,
    expected_payment_fraction,
    growth,
    measurement_sd,
    minimum_first_loss,
    payment_fraction,
    revolving_recurrence,
    senior_expected_value,
    serviced_path,
    step_rate,
    true_outcome,
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
    paid = [loan.pay(loan.due()) for _ in range(term + 3)]
    assert paid[term:] == [0.0, 0.0, 0.0]
    assert loan.outstanding == 0.0 and not loan.live
    # The present value of the payments at the loan rate is the principal.
    pv = sum(p / (1 + rate) ** (k + 1) for k, p in enumerate(paid[:term]))
    assert pv == pytest.approx(principal, rel=1e-9)
    assert paid[0] == pytest.approx(annuity_payment(principal, rate, term), rel=1e-9)


def test_a_short_stream_falls_into_arrears_and_catches_up():
    # 1,000 at 0% over 4 periods is 250 a period; a stream of 100, then 400, 400, 400 pays the
    # schedule late but in full: arrears carry over, nothing more is asked than is owed.
    loan = Loan(1000.0, 0.0, 4)
    paid = [loan.pay(x) for x in (100.0, 400.0, 400.0, 400.0)]
    assert paid == [100.0, 400.0, 250.0, 250.0]
    assert not loan.live


def test_serviced_path_defaults_on_what_the_stream_cannot_pay():
    # 1,000 at 0% over 10 periods from a stream of 50 for 10 periods: half is written off.
    paid, left = serviced_path(1000.0, 0.0, 10, 50.0, 10)
    np.testing.assert_allclose(paid, np.full(10, 50.0))
    assert left == pytest.approx(500.0)
    # A rich stream repays on schedule.
    paid, left = serviced_path(1000.0, 0.01, 10, 500.0, 12)
    np.testing.assert_allclose(paid[:10], annuity_payment(1000.0, 0.01, 10))
    assert left == 0.0 and paid[10:].sum() == 0.0


@given(
    principal=st.floats(1, 1e7),
    rate=st.floats(0, 0.05),
    term=st.integers(1, 60),
    cover=st.floats(0, 2),
    periods=st.integers(1, 90),
)
def test_serviced_path_is_the_loan_run_period_by_period(principal, rate, term, cover, periods):
    stream = cover * principal / term
    loan = Loan(principal, rate, term)
    by_hand = np.array([loan.pay(stream) for _ in range(periods)])
    paid, left = serviced_path(principal, rate, term, stream, periods)
    np.testing.assert_allclose(paid, by_hand, rtol=1e-7, atol=1e-4)
    assert left == pytest.approx(loan.outstanding, rel=1e-6, abs=1e-3)


def test_loan_default_recovers_up_to_what_is_owed():
    loan = Loan(1000.0, 0.02, 20)
    loan.pay(loan.due())
    outstanding = loan.outstanding
    recovered, written_off = loan.default(0.4 * outstanding)
    assert recovered == pytest.approx(0.4 * outstanding)
    assert recovered + written_off == pytest.approx(outstanding)
    assert loan.pay(100.0) == 0.0
    again = Loan(100.0, 0.0, 1)
    assert again.default(500.0) == (100.0, 0.0)


def test_step_rate_and_annuity_factor():
    assert (1 + step_rate(0.035, 4)) ** 4 == pytest.approx(1.035)
    assert annuity_factor(0.0, 7) == 7.0
    assert annuity_factor(0.05, 10) == pytest.approx(7.7217349, rel=1e-7)


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


def test_senior_expected_value_known_answer():
    # Lent 100, owed 110 at the outcome two steps on; on success two payments of 60; on failure
    # 30 recovered. At a 0 hurdle: 0.5 * 120 + 0.5 * 30 = 75.
    value = senior_expected_value(
        110.0,
        success_prob=0.5,
        collected=np.array([60.0, 60.0]),
        recovery_on_failure=30.0,
        hurdle_step=0.0,
        steps_to_outcome=2,
    )
    assert value == pytest.approx(75.0)
    # Recovery is capped at what is owed.
    capped = senior_expected_value(
        110.0,
        success_prob=0.0,
        collected=np.zeros(0),
        recovery_on_failure=500.0,
        hurdle_step=0.0,
        steps_to_outcome=0,
    )
    assert capped == 110.0


def test_minimum_first_loss_is_the_smallest_cover_that_clears_the_hurdle():
    kwargs = dict(collected=np.array([60.0, 60.0]), hurdle_step=0.01, steps_to_outcome=2)
    cover = minimum_first_loss(100.0, owed=110.0, success_prob=0.5, salvage=10.0, **kwargs)
    assert cover > 0
    # At that cover the senior's expected value is exactly what it lent; a cent less falls short.
    at = senior_expected_value(110.0, success_prob=0.5, recovery_on_failure=10.0 + cover, **kwargs)
    below = senior_expected_value(
        110.0, success_prob=0.5, recovery_on_failure=10.0 + cover - 0.01, **kwargs
    )
    assert at == pytest.approx(100.0)
    assert below < 100.0
    # Riskier pilots need more cover; a pilot sure to succeed needs none; a hopeless one, any.
    riskier = minimum_first_loss(100.0, owed=110.0, success_prob=0.4, salvage=10.0, **kwargs)
    assert riskier > cover
    assert minimum_first_loss(100.0, owed=110.0, success_prob=1.0, salvage=0.0, **kwargs) == 0.0
    hopeless = minimum_first_loss(100.0, owed=90.0, success_prob=0.0, salvage=0.0, **kwargs)
    assert hopeless == math.inf


def test_growth_tends_to_its_limits_beyond_the_floats():
    assert growth(0.5, 2) == 2.25 and growth(0.25, -1) == 0.8
    assert growth(-0.99, -400) == math.inf  # 100^400 = 1e800
    assert growth(1.0, -2000) == 0.0  # underflow, as the discount tends to
    # a lender requiring -99% over 400 years is satisfied with no cover; one that gets nothing
    # back has no value, not 0 times infinity
    kwargs = dict(hurdle_step=-0.99, steps_to_outcome=400)
    assert (
        minimum_first_loss(
            100.0, owed=90.0, success_prob=0.5, salvage=0.0, collected=np.array([1.0]), **kwargs
        )
        == 0.0
    )
    assert (
        senior_expected_value(
            90.0, success_prob=1.0, collected=np.zeros(2), recovery_on_failure=0.0, **kwargs
        )
        == 0.0
    )


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
    # known values: half measurable, contracted evaluator (competence 0.5)
    assert measurement_sd(2.0, 0.5, 0.5) == pytest.approx(0.75)
    assert measurement_sd(2.0, 1.0, 0.0) == 0.0  # perfectly measurable: no error at all


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
    # so little expected that its root underflows to 0: no finite rate breaks even
    assert break_even_rate(1e-300, hurdle=0.03, years=0.05) == math.inf
    # an outcome known at once: only a certain payment breaks even
    assert break_even_rate(0.9, hurdle=0.03, years=0.0) == math.inf
    assert break_even_rate(1.0, hurdle=0.03, years=0.0) == 0.03


def test_instalment_years_known_shares_made_once_and_read_only():
    # steps 3 and 4 fall in fiscal year 0, 5 and 6 in year 1 (year y holds steps 4y+1..4y+4)
    shares = instalment_years(3, 4, 4)
    assert dict(shares) == {0: 0.5, 1: 0.5}
    assert instalment_years(3, 4, 4) is shares  # made once
    with pytest.raises(TypeError):
        shares[2] = 1.0  # type: ignore[index]
    assert dict(instalment_years(1, 3, 4)) == {0: pytest.approx(1.0)}
    assert dict(instalment_years(0, 1, 4)) == {0: 1.0}  # set-up belongs to year 0
