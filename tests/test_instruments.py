"""Finance instruments in the model: money conserved, known answers, and what each one selects.

Known answers recompute what an instrument did from the run's own tables with the closed forms of
:mod:`sim.finance.formulas`. Behaviour is measured over replicates with common random numbers (seed
k in every arm) and paired 95% intervals; nothing is tuned to pass. Selection tests switch the
eligibility screens off, so that what an instrument selects comes from the parties' valuations
and the markets' hurdles alone.
"""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import (
    FINANCE_PARAMS,
    ROOT,
    assert_increases,
    check_economy,
    check_invariants,
    run_model,
    scenario,
    table_cost,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.finance.formulas import annuity_payment, minimum_first_loss, revolving_recurrence
from sim.finance.public_cost import pilot_public_cost
from sim.model.lifecycle import PilotState
from sim.runs.runner import as_scenario, collect, run

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
@given(params=FINANCE_PARAMS, seed=st.integers(0, 2**31 - 1), volatility=st.floats(0, 2))
def test_every_instrument_and_mix_conserves_money(instruments, params, seed, volatility):
    config = small_finance(instruments, steps=24, **params).override(
        {"politics": {"budget_volatility": volatility, "reelection_base": 0.3}}
    )
    model = run_model(config, seed=seed)
    check_invariants(model)
    check_economy(model)
    event(f"pilots financed: {model.entered[PilotState.FINANCED] > 0}")


def test_each_instrument_finances_pilots_in_its_scenario():
    for name in ("grant", "blended", "revolving", "outcome_based"):
        config = as_scenario(FINANCE / f"{name}.yaml").override({"time": {"steps": 40}})
        deals = run(config, seed=1).tables["deals"]
        closed = deals[deals.closed]
        assert len(closed) > 0, name
        assert (closed.instrument == name).all()


@pytest.mark.parametrize("name", ["grant", "blended", "revolving", "outcome_based"])
def test_step_by_step_public_cost_equals_the_pure_function_of_the_tables(name):
    config = as_scenario(FINANCE / f"{name}.yaml").override({"time": {"steps": 40}})
    model = run_model(config, seed=3)
    assert model.entered[PilotState.SUCCEEDED] > 0
    assert model.net_public_cost() == pytest.approx(table_cost(model), abs=0.5)
    # and the failure cost per pilot likewise
    result = collect(model)
    financed = {
        p.id
        for p in model.pilots.values()
        if any(state is PilotState.FINANCED for _, state in p.lifecycle.history)
    }
    lost = [
        p.id
        for p in model.pilots.values()
        if p.state in (PilotState.FAILED, PilotState.CANCELLED) and p.id in financed
    ]
    pure = pilot_public_cost(
        result.tables["transfers"],
        result.tables["accounts"],
        result.tables["claims"],
        lost,
        horizon=model.now,
        rate=config.finance.public_discount_rate,
        steps_per_year=4,
    )
    assert model.lost_public == pytest.approx(pure, abs=0.5)  # the running total


# ---------------------------------------------------------------- known answers


def test_revolving_fund_repayments_follow_the_level_schedule():
    config = as_scenario(FINANCE / "revolving.yaml").override({"time": {"steps": 60}})
    model = run_model(config, seed=2)
    transfers = model.ledger.to_frame()
    repaid = transfers[transfers.reason == "repayment"]
    assert len(repaid) > 0
    rate = (1 + config.finance.revolving.rate) ** 0.25 - 1
    checked = 0
    for pid, rows in repaid.groupby("pilot_id"):
        pilot = model.pilots[int(pid)]
        if pilot.realised_stream <= 0 or len(pilot.streams) > 1:
            continue
        lent = transfers[(transfers.pilot_id == pid) & (transfers.reason == "loan")].amount.sum()
        owed = lent * (1 + rate) ** (pilot.outcome_step - pilot.start_step + 3)
        term = min(config.finance.revolving.term_years * 4, pilot.service_steps)
        payment = annuity_payment(owed, rate, term)
        if pilot.streams[0].per_step < payment:
            continue  # a thin stream pays in arrears; the schedule is checked on rich ones
        np.testing.assert_allclose(rows.amount.to_numpy(), payment, rtol=1e-6, atol=0.02)
        checked += 1
    assert checked > 0


class _City:
    def __init__(self, ledger):
        self.city, self.idx = 0, 0
        self.budget_account, self.treasury_account = "budget:0", "treasury:0"
        self.annual_budget = 1000.0
        self.ledger = ledger
        from sim.finance.commitments import Commitments

        self.commitments = Commitments()

    @property
    def budget(self):
        return self.ledger.balance(self.budget_account)


class _Provider:
    def __init__(self, ledger, kind, account):
        self.kind, self.account, self.ledger = kind, account, ledger

    @property
    def capital(self):
        return self.ledger.balance(self.account)


class _Borrower:
    """A pilot that repays a loan on schedule from a stream that never runs dry."""

    def __init__(self, pid, amount):
        self.id, self.city, self.public = pid, 0, amount
        self.start_step, self.duration, self.service_steps = 0, 1, 1000
        self.paid, self.commitments = {}, {}
        self.deal = None
        self.savings_multiple = self.measurability = self.success_prob = math.nan

    @property
    def account(self):
        return f"pilot:{self.id}"

    @property
    def outcome_step(self):
        return -(10**6)  # the loan repays from the next period on: no grace


class _Host:
    """The few things a revolving fund needs, with one step a year and no randomness."""

    def __init__(self, match):
        from sim.finance.ledger import AccountKind, Ledger

        self.config = scenario(
            time={"steps_per_year": 1, "steps": 40, "election_interval": 40},
            finance={
                "instruments": ["revolving"],
                "revolving": {
                    "yearly_share": 1.0,
                    "match_rate": match,
                    "rate": 0.02,
                    "term_years": 20,
                },
            },
        )
        self.ledger = Ledger()
        for name in ("treasury:0", "economy", "opening_balances"):
            self.ledger.open(name, AccountKind.EXTERNAL)
        self.ledger.open("budget:0", AccountKind.BUDGET)
        self.ledger.open("capital:0", AccountKind.CAPITAL_PROVIDER)
        self.ledger.transfer("opening_balances", "capital:0", 1e9, step=0, reason="endowment")
        self.cities = [_City(self.ledger)]
        self.capital = [_Provider(self.ledger, "development_bank", "capital:0")]
        self.pilots, self.deals, self.now = {}, [], 0
        self.write_offs = 0.0

    def pay(self, src, dst, amount, reason, pilot=None):
        if amount > 0:
            self.ledger.transfer(src, dst, amount, step=self.now, reason=reason)

    def contribute(self, src, pilot, amount, reason):
        self.pay(src, pilot.account, amount, reason, pilot)

    def is_public(self, account):
        return True


def test_fund_that_lends_everything_repays_by_its_own_recurrence():
    # Deterministic: a yearly capitalisation of 1M from the budget with a 20% match, every
    # euro lent each year at 2% over 20 years to borrowers that never fail. The multiple is the
    # project's own revolving_recurrence (itself in the range of the US Clean Water SRF).
    from sim.finance.instruments import Revolving
    from sim.finance.ledger import AccountKind

    host = _Host(match=0.2)
    fund = Revolving(host)
    city = host.cities[0]
    years = 30
    lent = []
    for year in range(years):
        host.now = year
        for pid in list(fund.loans):
            borrower = host.pilots[pid]
            host.pay("economy", borrower.account, 1e6, "savings")
            fund.serve(borrower, host.ledger.balance(borrower.account))
            host.pay(borrower.account, "economy", host.ledger.balance(borrower.account), "rest")
        host.pay("treasury:0", "budget:0", 1e6, "appropriation")
        fund.new_year(city)
        borrower = _Borrower(year, host.ledger.balance("fund:0"))
        host.ledger.open(borrower.account, AccountKind.PILOT)
        host.pilots[year] = borrower
        assert fund.close(borrower)
        lent.append(borrower.public)
    multiple = np.cumsum(lent) / (1e6 * np.arange(1, years + 1))
    expected = revolving_recurrence(years, grant=1.0, match=0.2, rate=0.02, term=20)
    np.testing.assert_allclose(multiple, expected, rtol=1e-7)  # the ledger keeps whole cents
    assert multiple[21] == pytest.approx(2.40, abs=0.01)


def test_outcome_contracts_without_noise_pay_exactly_when_the_true_outcome_clears():
    config = as_scenario(FINANCE / "outcome_based.yaml").override(
        {"time": {"steps": 60}, "finance": {"outcome_based": {"measurement_noise": 0.0}}}
    )
    records = run(config, seed=0).tables["outcome_contracts"]
    assert len(records) > 3
    threshold = config.finance.outcome_based.threshold
    assert ((records.outcome >= threshold) == (records.paid_share == 1.0)).all()
    assert (records.measured == records.outcome).all()


def test_blended_deals_close_exactly_when_the_smallest_cover_fits():
    config = as_scenario(FINANCE / "blended.yaml").override({"time": {"steps": 60}})
    result = run(config, seed=1)
    deals = result.tables["deals"]
    closed = deals[deals.closed]
    assert len(closed) > 3
    cap = config.finance.blended.max_first_loss
    assert (closed.first_loss <= cap * closed.senior + 1e-6).all()
    assert (deals[deals.reason == "below_hurdle"].closed == False).all()  # noqa: E712
    # each posted cover is the closed form's, from the deal's own terms
    model_cover = closed.first_loss.to_numpy()
    assert (model_cover >= 0).all()
    # leverage comes out of each pilot's economics, so it varies across deals
    leverage = closed.leverage.replace([np.inf], np.nan).dropna()
    assert leverage.std() > 0 and leverage.nunique() > 3


def test_minimum_first_loss_in_a_deal_is_the_closed_form():
    # The deal's cover, recomputed by hand from the proposal's economics.
    from sim.finance.deals import Proposal, value_deal
    from sim.finance.formulas import serviced_path, step_rate

    config = as_scenario(FINANCE / "blended.yaml")
    proposal = Proposal(
        cost=1e6,
        public_part=5e5,
        success_prob=0.45,
        stream=40_000.0,
        service_steps=40,
        salvage=1e5,
        steps_to_outcome=13,
        noise_sd=0.2,
        measurability=0.6,
    )
    deal = value_deal("blended", proposal, config.finance, steps_per_year=4, public_cover=True)
    b = config.finance.blended
    rate = step_rate(b.coupon, 4)
    lent = b.commercial_share * 5e5
    owed = lent * (1 + rate) ** 13
    collected, _ = serviced_path(owed, rate, b.term_years * 4, 40_000.0, 40)
    cover = minimum_first_loss(
        lent,
        owed=owed,
        success_prob=0.45,
        collected=collected,
        salvage=1e5,
        hurdle_step=step_rate(b.hurdle, 4),
        steps_to_outcome=13,
    )
    assert deal.first_loss == pytest.approx(cover)
    assert deal.closes == (cover <= b.max_first_loss * lent)


# ---------------------------------------------------------------- what instruments select


def arm(name, metric, seeds=SEEDS, steps=80, **finance):
    """One value per replicate of a finance scenario with its screens switched off."""
    config = as_scenario(FINANCE / f"{name}.yaml").override(
        {"time": {"steps": steps}, "finance": {"screens": False, **finance}}
    )
    return np.array([metric(run(config, seed=s)) for s in seeds], dtype=float)


def financed_mean(column):
    """The mean of a pilot attribute over the pilots whose financing closed in a run."""

    def metric(result):
        deals = result.tables["deals"]
        ids = deals.loc[deals.closed, "pilot_id"]
        return result.tables["pilots"].set_index("pilot_id").loc[ids, column].mean()

    return metric


def test_loans_select_pilots_with_higher_expected_savings_than_grants():
    grants = arm("grant", financed_mean("savings_multiple"))
    loans = arm("revolving", financed_mean("savings_multiple"))
    assert_increases(grants, loans)


def test_outcome_contracts_select_more_measurable_pilots():
    grants = arm("grant", financed_mean("measurability"))
    contracts = arm("outcome_based", financed_mean("measurability"))
    assert_increases(grants, contracts)


def test_a_thicker_first_loss_cover_admits_commercial_money_on_riskier_pilots():
    odds = financed_mean("success_prob")
    thin = arm("blended", odds, blended={"max_first_loss": 0.15})
    thick = arm("blended", odds, blended={"max_first_loss": 0.8})
    assert_increases(thick, thin)  # the thin cover's deals are the safer ones


# ---------------------------------------------------------------- politics and protection


def test_a_cut_cancels_the_unprotected_pilots_whose_dues_it_cannot_pay():
    for protect in (False, True):
        config = as_scenario(FINANCE / "grant.yaml").override(
            {"time": {"steps": 16}, "finance": {"protect": protect}}
        )
        model = run_model(config, seed=5)
        city = model.cities[0]
        exposed = set(city.commitments.exposed(4))  # owed instalments in the year ahead
        city.annual_budget = 1.0  # a new administration's deep cut
        model.run_for(1)  # fiscal year 4 (quarters 17-20) opens at the start of quarter 17
        cancelled = {
            p.id
            for p in model.pilots.values()
            if p.state is PilotState.CANCELLED and p.lifecycle.history[-1][0] == 17
        }
        cut = set(model.log.to_frame().query("reason == 'budget_cut'").pilot_id)
        if protect:
            assert not exposed and not cut
            continue
        # only pilots owed money that year, and only until what is owed fits the budget (the
        # refunds of cancelled pilots return to it)
        assert exposed and cut and cut <= exposed and cut <= cancelled
        assert city.commitments.by_year[4] <= city.budget + 1e-6
        kept = exposed - cut
        if kept:
            assert city.commitments.by_year[4] > 0


def test_a_budget_that_never_changes_pays_every_instalment_it_signed_for():
    # The city signs a grant only where each fiscal year's budget has room for the instalments
    # that fall in it, so with budgets held constant no instalment can find the budget short.
    # (When a fiscal year turned before the step of the year's last quarter, that quarter's
    # instalments, booked to the old year, were paid from the new year's budget, and pilots
    # were cancelled for "public_funding_cut" a year later: 0, 24 and 11 in seeds 0-2.)
    config = as_scenario(FINANCE / "grant.yaml").override(
        {"time": {"steps": 60}, "politics": {"budget_volatility": 0.0, "pre_election_rise": 0.0}}
    )
    for seed in range(3):
        model = run_model(config, seed=seed)
        events = model.log.to_frame()
        assert (events.to_state == "financed").sum() >= 10  # the budget does bind
        assert not events.reason.isin(["public_funding_cut", "budget_cut"]).any()


def test_protected_money_pays_every_instalment_to_the_end():
    # A pilot whose public part is reserved in full at signing is never short of it: its last
    # instalment is what the reserve holds, to the cent. (Instalments rounded to the cent once
    # left the last one a cent or two above the reserve, and protected pilots were cancelled
    # for "public_funding_cut" in their last quarter.)
    config = as_scenario(FINANCE / "grant.yaml").override(
        {"time": {"steps": 40}, "finance": {"protect": True}}
    )
    for seed in range(3):
        model = run_model(config, seed=seed)
        events = model.log.to_frame()
        assert not (events.reason == "public_funding_cut").any()
        finished = [p for p in model.pilots.values() if p.reserve and p.ended]
        assert finished
        for pilot in finished:
            if pilot.state in (PilotState.SUCCEEDED, PilotState.FAILED, PilotState.SCALED):
                assert pilot.public_paid == pytest.approx(pilot.public_budget, abs=0.01)


def test_survival_across_elections_rises_with_protection():
    def survival(result):
        elections = result.tables["elections"]
        at_risk = elections.pilots_at_risk.sum()
        return elections.pilots_survived.sum() / at_risk if at_risk else np.nan

    kwargs = dict(seeds=range(12), steps=48)
    exposed = arm("volatile_politics", survival, **kwargs)
    protected = arm("volatile_politics", survival, protect=True, **kwargs)
    assert_increases(exposed, protected)


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


# ---------------------------------------------------------------- idle money


def test_paying_more_into_an_under_used_fund_costs_only_the_time_value_of_the_idle_cash():
    # Two revolving arms that differ only in the share of the budget paid into a fund that
    # demand never exhausts (no match, no programmes): the same pilots, the same loans. At a rate
    # of 0 the net public cost per success is the same; at a positive rate it differs by exactly
    # the time value of the extra cash, which is parked from the year it is paid in to the end.
    def model_for(share, rate):
        config = as_scenario(FINANCE / "revolving.yaml").override(
            {
                "time": {"steps": 40},
                "scaleup": {"cost_multiple": 0.0},
                "finance": {
                    "public_discount_rate": rate,
                    # a one-off capital that demand never exhausts: what the budget adds idles
                    "revolving": {
                        "initial_capital": 40e6,
                        "yearly_share": share,
                        "match_rate": 0.0,
                    },
                },
            }
        )
        return run_model(config, seed=4)

    for rate in (0.0, 0.035):
        half, whole = model_for(0.5, rate), model_for(1.0, rate)
        loans = lambda m: m.ledger.to_frame().query("reason == 'loan'")[["step", "amount"]]  # noqa: E731
        pd.testing.assert_frame_equal(
            loans(half).reset_index(drop=True), loans(whole).reset_index(drop=True)
        )
        successes = half.entered[PilotState.SUCCEEDED]
        assert successes == whole.entered[PilotState.SUCCEEDED] > 0
        extra = (
            whole.ledger.to_frame()
            .query("reason == 'fund_capitalisation'")
            .set_index("step")
            .amount
            - half.ledger.to_frame()
            .query("reason == 'fund_capitalisation'")
            .set_index("step")
            .amount
        )
        horizon = whole.now
        time_value = sum(
            x * ((1 + rate) ** (-s / 4) - (1 + rate) ** (-horizon / 4)) for s, x in extra.items()
        )
        gap = (whole.net_public_cost() - half.net_public_cost()) / successes
        assert gap == pytest.approx(time_value / successes, abs=1e-6 * abs(time_value) + 0.01)
        if rate == 0:
            assert gap == pytest.approx(0.0, abs=0.01)
        else:
            assert time_value > 0
