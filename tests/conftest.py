"""Shared fixtures: small scenarios that run in a fraction of a second."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st
from scipy import stats

from sim.finance.public_cost import net_present_public_cost
from sim.model.lifecycle import PilotState, is_legal_path
from sim.model.model import PartnershipModel
from sim.runs.runner import collect
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.yaml"


def scenario(**overrides) -> Scenario:
    """Return the default scenario with nested overrides, validated."""
    return Scenario().override(overrides)


@pytest.fixture
def small() -> Scenario:
    """A small city run for 12 steps: every mechanism fires, fast."""
    return scenario(
        time={"steps": 12, "election_interval": 8},
        population={"startups": 15, "incumbents": 8, "academia": 3, "citizen_groups": 6},
        cities=[{"citizens": 500, "neighbourhoods": 4, "annual_budget": 5e6}],
        pilots={"duration_mean": 4.0, "duration_sd": 1.0, "start_delay": 1, "proposal_rate": 0.2},
    )


def run_model(config: Scenario, seed: int) -> PartnershipModel:
    """Build a model and run it for the scenario's steps."""
    model = PartnershipModel(config, seed=seed)
    for _ in range(config.time.steps):
        model.step()
    return model


def check_invariants(model: PartnershipModel) -> None:
    """Money conserved to the cent, no overdraft, trust in [0, 1], legal pilot paths."""
    ledger = model.ledger
    assert ledger.total_cents() == 0
    ledger.check()  # replays the journal; raises on an account below its floor
    frame = ledger.accounts_frame()
    floors = -frame["credit_limit"]
    assert (frame["balance"] >= floors - 1e-9).all()
    assert all(is_legal_path(path) for path in model.log.paths().values())
    trust = model.network.trust_by_organisation()
    assert ((trust >= 0) & (trust <= 1)).all()
    for citizens in model.citizens:
        assert ((citizens.trust >= 0) & (citizens.trust <= 1)).all()
        assert ((citizens.satisfaction >= 0) & (citizens.satisfaction <= 1)).all()
    # every pilot that ended has an empty account
    for pilot in model.pilots.values():
        if (
            pilot.state
            in (PilotState.SUCCEEDED, PilotState.FAILED, PilotState.SCALED, PilotState.CANCELLED)
            and pilot.account in ledger.accounts()
        ):
            assert ledger.balance_cents(pilot.account) == 0


def table_cost(model: PartnershipModel, rate: float | None = None) -> float:
    """The net present public cost recomputed from the run's tables (the pure function)."""
    result = collect(model)
    return net_present_public_cost(
        result.tables["transfers"],
        result.tables["accounts"],
        result.tables["claims"],
        horizon=model.now,
        rate=model.config.finance.public_discount_rate if rate is None else rate,
        steps_per_year=model.config.time.steps_per_year,
    )


def check_economy(model: PartnershipModel) -> None:
    """No money from nowhere, and the public cost reported is that of the run's own tables.

    The economy pays each pilot only its own stream of savings or its salvage; the net present
    public cost the model keeps step by step equals the pure function of its tables, to the
    cent, or where the money moved is beyond what a float holds to the cent (2^53 cents, 9e13
    EUR), to the rounding of summing it in another order: each of n additions may be off by
    2^-53 of the running total, at most the money moved.
    """
    transfers = model.ledger.to_frame()
    economy = transfers[transfers.src == "economy"]
    for pid, rows in economy.groupby("pilot_id"):
        pilot = model.pilots[int(pid)]
        drawn = sum(s.per_step * pilot.service_steps for s in pilot.streams)
        if pilot.state is PilotState.FAILED:
            drawn += pilot.salvage
        assert rows.amount.sum() <= drawn + 0.01 * len(rows), f"pilot {pid} drew too much"
    rounding = len(transfers) * 2.0**-53 * float(transfers.amount.abs().sum())
    assert model.net_public_cost() == pytest.approx(table_cost(model), abs=max(1.0, rounding))


def paired_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Return the mean of b - a and its 95% t-interval over replicates where both are defined."""
    d = (b - a)[~np.isnan(a) & ~np.isnan(b)]
    assert len(d) >= 5, "too few replicates with a defined metric"
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def assert_increases(a: np.ndarray, b: np.ndarray) -> None:
    """Assert that the paired 95% interval of b - a lies above zero."""
    mean, lo, hi = paired_interval(a, b)
    assert lo > 0, f"b - a = {mean:.3f}, 95% CI ({lo:.3f}, {hi:.3f}) does not exclude 0"


FINANCE_PARAMS = st.fixed_dictionaries(
    {
        "rule": st.sampled_from(["order", "cheapest"]),
        "screens": st.booleans(),
        "protect": st.booleans(),
        "public_discount_rate": st.floats(0, 0.1),
        "public_providers": st.lists(
            st.sampled_from(["philanthropy", "development_bank", "impact", "commercial"]),
            unique=True,
        ),
        # finite capital, small enough to bind sometimes
        "capital": st.fixed_dictionaries(
            {
                "philanthropy": st.floats(0, 5e6),
                "development_bank": st.floats(0, 5e6),
                "impact": st.floats(0, 5e6),
                "commercial": st.floats(0, 5e6),
            }
        ),
        "savings": st.fixed_dictionaries(
            {
                "multiple_mean": st.floats(0.1, 5),
                "multiple_sd": st.floats(0, 1.5),
                "realisation_sd": st.floats(0, 1),
                "service_years": st.integers(1, 20),
                "salvage_share": st.floats(0, 1),
            }
        ),
        "blended": st.fixed_dictionaries(
            {
                "commercial_share": st.floats(0, 1),
                "max_first_loss": st.floats(0, 1),
                "coupon": st.floats(0, 0.6),
                "term_years": st.integers(1, 20),
                "hurdle": st.floats(-0.2, 0.2),
            }
        ),
        "revolving": st.fixed_dictionaries(
            {
                "initial_capital": st.floats(0, 1e7),
                "yearly_share": st.floats(0, 1),
                "match_rate": st.floats(0, 1),
                "rate": st.floats(0, 0.2),
                "term_years": st.integers(1, 30),
                "min_coverage": st.floats(0, 3),
                "scaleups": st.booleans(),
            }
        ),
        "outcome_based": st.fixed_dictionaries(
            {
                "prefinance": st.sampled_from(["investors", "providers"]),
                "payment": st.sampled_from(["threshold", "pro_rata"]),
                "threshold": st.floats(-3, 0.5),
                "hurdle": st.floats(-0.05, 0.05),
                "return_cap": st.floats(0.05, 1),
                "measurement_noise": st.floats(0, 2),
                "evaluation_cost": st.floats(0, 0.2),
            }
        ),
    }
)
"""Random settings of every instrument (hypothesis), for conservation tests."""
