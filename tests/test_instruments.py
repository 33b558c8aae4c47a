"""Finance instruments in the model: money conserved, known answers, and the seeds' claims.

Known answers recompute what an instrument did from the run's own tables with the closed forms of
:mod:`sim.finance.formulas`. Behaviour is measured over replicates with common random numbers (seed
k in every arm) and paired 95% intervals; nothing is tuned to pass.
"""

import numpy as np
import pytest
from conftest import (
    FINANCE_PARAMS,
    ROOT,
    assert_increases,
    check_invariants,
    run_model,
    scenario,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.finance.formulas import Loan, Stack, senior_expected_return
from sim.runs.runner import as_scenario, run

FINANCE = ROOT / "scenarios" / "finance"
SEEDS = range(10)


def small_finance(instruments, steps=16, **finance):
    """A small, busy city whose pilots run short, financed by ``instruments``."""
    return scenario(
        time={"steps": steps, "election_interval": 8},
        population={"startups": 15, "incumbents": 8, "academia": 3, "citizen_groups": 6},
        cities=[{"citizens": 500, "neighbourhoods": 4, "annual_budget": 5e6}],
        pilots={"duration_mean": 4.0, "duration_sd": 1.0, "start_delay": 1, "proposal_rate": 0.3},
        finance={"instruments": instruments, **finance},
    )


# ---------------------------------------------------------------- conservation


@pytest.mark.parametrize(
    "instruments",
    [
        ["grant"],
        ["blended"],
        ["revolving"],
        ["outcome_based"],
        ["revolving", "grant"],
        ["outcome_based", "blended", "grant"],
        ["blended", "revolving", "outcome_based", "grant"],
    ],
    ids=lambda x: "+".join(x),
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=FINANCE_PARAMS, seed=st.integers(0, 2**31 - 1), cut=st.floats(0, 1))
def test_every_instrument_and_mix_conserves_money(instruments, params, seed, cut):
    config = small_finance(instruments, **params).override(
        {"politics": {"cut_probability": cut, "cancel_share": cut, "reelection_base": 0.3}}
    )
    model = run_model(config, seed=seed)
    check_invariants(model)  # conserved to the cent, no account below its floor
    for name in instruments:
        used = any(p.instrument == name for p in model.pilots.values())
        event(f"{name} financed a pilot: {used}")


def test_each_instrument_finances_pilots_in_its_scenario():
    for name in ("grant", "blended", "revolving", "outcome_based"):
        config = as_scenario(FINANCE / f"{name}.yaml").override({"time": {"steps": 24}})
        result = run(config, seed=1)
        assert (result.pilots["instrument"] == name).sum() > 0, name
        assert (result.deals["instrument"] == name).all()


# ---------------------------------------------------------------- known answers


def test_revolving_fund_repayments_follow_level_payment_schedules():
    """Each fiscal year the fund collects exactly the level payments of its live loans."""
    config = small_finance(["revolving"], steps=24)
    model = run_model(config, seed=3)
    check_invariants(model)
    journal = model.ledger.to_frame()
    loans = journal[journal.reason == "loan"]
    assert len(loans) > 5
    events = model.log.to_frame()
    defaulted = events[events.to_state.isin(["failed", "cancelled"])]
    ended = {int(r.pilot_id): int(r.step) for r in defaulted.itertuples()}
    cfg = config.finance.revolving
    schedule = {
        int(r.pilot_id): (int(r.step), Loan(r.amount, cfg.rate, cfg.term_years))
        for r in loans.itertuples()
    }
    spy = config.time.steps_per_year
    for year_end in range(spy, config.time.steps + 1, spy):
        # the fiscal year ends at year_end - 0.25, before that quarter's step, where pilots
        # default; a fund's pilots are ring-fenced, so no election cancels them earlier
        expected = sum(
            loan.pay()
            for pid, (lent_at, loan) in schedule.items()
            if lent_at <= year_end <= ended.get(pid, year_end)
        )
        got = journal[(journal.reason == "repayment") & (journal.step == year_end)].amount.sum()
        assert got == pytest.approx(expected, abs=0.01 * len(schedule)), year_end
    # the recycling multiple is cumulative lending over cumulative capitalisation
    final = run(config, seed=3).final()
    capital = journal[journal.reason == "fund_capitalisation"].amount.sum()
    assert final["recycling_multiple"] == pytest.approx(loans.amount.sum() / capital)


def test_outcome_contracts_without_noise_pay_exactly_when_the_true_outcome_clears():
    config = small_finance(
        ["outcome_based"],
        steps=24,
        outcome_based={"measurement_noise": 0.0, "threshold": -1.0, "return_cap": 0.5},
    )
    contracts = run(config, seed=2).outcome_contracts
    assert len(contracts) >= 5
    assert (contracts["measured"] == contracts["outcome"]).all()
    np.testing.assert_array_equal(contracts["paid_share"], (contracts["outcome"] >= -1.0) * 1.0)
    # ...and with noise the measured outcome sometimes lands on the other side
    noisy = small_finance(
        ["outcome_based"],
        steps=24,
        outcome_based={"measurement_noise": 3.0, "threshold": -1.0, "return_cap": 0.5},
    )
    contracts = run(noisy, seed=2).outcome_contracts
    assert ((contracts["measured"] >= -1.0) != (contracts["outcome"] >= -1.0)).any()


def test_blended_admits_commercial_money_exactly_when_the_closed_form_clears_the_hurdle():
    config = small_finance(["blended"], steps=24)
    result = run(config, seed=4)
    cfg = config.finance.blended
    deals = result.deals.merge(result.pilots[["pilot_id", "duration"]], on="pilot_id")
    years = (config.pilots.start_delay + deals["duration"]) / config.time.steps_per_year
    senior = cfg.commercial_share
    public = 1 - cfg.first_loss_share - senior
    claim = senior * (1 + cfg.coupon) ** years
    failure = claim * np.minimum(1.0, (1 - cfg.loss_given_default) / (claim + public))
    closed_form = (
        (deals["success_prob"] * claim + (1 - deals["success_prob"]) * failure) / senior
    ) ** (1 / years) - 1
    np.testing.assert_allclose(deals["expected_return"], closed_form, rtol=1e-9)
    clears = closed_form >= cfg.hurdle
    assert clears.any() and (~clears).any()
    assert (deals.loc[~clears, "reason"] == "below_hurdle").all()
    assert (deals.loc[clears, "reason"] != "below_hurdle").all()
    # the library function agrees for a stack of any size
    stack = Stack(first_loss=20, public=30, senior=50)
    assert senior_expected_return(
        stack,
        success_prob=0.6,
        coupon=cfg.coupon,
        first_loss_rate=0.0,
        years=2.0,
        loss_given_default=cfg.loss_given_default,
    ) == pytest.approx(
        (0.6 * 1.2**2 + 0.4 * 1.2**2 * min(1, 0.5 * 100 / (50 * 1.2**2 + 30))) ** 0.5 - 1
    )


# ---------------------------------------------------------------- behaviour


def finals(name: str, metric: str, steps: int = 40, **overrides) -> np.ndarray:
    """Final ``metric`` of a finance scenario over the replicates."""
    config = as_scenario(FINANCE / f"{name}.yaml").override({"time": {"steps": steps}, **overrides})
    return np.array([run(config, seed=s).final()[metric] for s in SEEDS])


VOLATILE = {
    "time": {"steps": 40, "election_interval": 8},
    "politics": {"cut_probability": 1.0, "budget_cut": 0.4, "cancel_share": 0.8},
}


def survival(name: str) -> np.ndarray:
    """Share of pilots at risk that survived elections, per replicate, under volatile politics."""
    config = as_scenario(FINANCE / f"{name}.yaml").override(VOLATILE)
    finals_ = [run(config, seed=s).final() for s in SEEDS]
    return np.array(
        [f["pilots_survived_elections"] / f["pilots_at_risk_elections"] for f in finals_]
    )


@pytest.mark.parametrize("ring_fenced", ["revolving", "outcome_based"])
def test_ring_fenced_instruments_keep_more_pilots_alive_through_cuts(ring_fenced):
    assert_increases(survival("grant"), survival(ring_fenced))


def test_outcome_based_finance_moves_the_cost_of_failure_to_investors():
    assert_increases(
        finals("outcome_based", "public_failure_cost"), finals("grant", "public_failure_cost")
    )
    assert_increases(
        finals("grant", "investor_failure_cost"), finals("outcome_based", "investor_failure_cost")
    )


def outcome_deals(noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Contracts signed and their mean premium per replicate at a measurement noise."""
    config = as_scenario(FINANCE / "outcome_based.yaml").override(
        {"time": {"steps": 40}, "finance": {"outcome_based": {"measurement_noise": noise}}}
    )
    deals = [run(config, seed=s).deals for s in SEEDS]
    signed = np.array([d.closed.sum() for d in deals], dtype=float)
    premium = np.array([d[d.closed].expected_return.mean() for d in deals])
    return signed, premium


def test_more_measurement_noise_means_fewer_contracts_and_higher_premiums():
    quiet_signed, quiet_premium = outcome_deals(0.0)
    noisy_signed, noisy_premium = outcome_deals(2.0)
    assert_increases(noisy_signed, quiet_signed)
    assert_increases(quiet_premium, noisy_premium)


def test_a_larger_first_loss_tranche_brings_more_commercial_capital():
    thin = {"finance": {"blended": {"first_loss_share": 0.1}}}
    thick = {"finance": {"blended": {"first_loss_share": 0.3}}}
    assert_increases(
        finals("blended", "commercial_capital", **thin),
        finals("blended", "commercial_capital", **thick),
    )


def test_replicas_spread_proven_pilots_across_the_city_network():
    config = as_scenario(FINANCE / "multi_city.yaml").override({"time": {"steps": 40}})
    pilots = run(config, seed=1).pilots
    replicas = pilots[pilots.replica_of >= 0]
    assert len(replicas) > 0
    originals = pilots.set_index("pilot_id").loc[replicas.replica_of]
    assert (originals["state"].isin(["succeeded", "scaled"])).all()
    assert (originals["city"].to_numpy() != replicas["city"].to_numpy()).all()
    discount = config.replication.cost_discount
    np.testing.assert_allclose(replicas["cost"], originals["cost"].to_numpy() * (1 - discount))
