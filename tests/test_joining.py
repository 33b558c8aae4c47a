"""Joining a consortium: the rule decided for a whole queue of candidates at once."""

import numpy as np
import pytest
from conftest import run_model

from sim.model.agents import Organisation
from sim.model.consortium import recruit
from sim.model.joining import join_decisions
from sim.model.success import success_probability
from sim.scenario.processes import PilotConfig


def test_join_decisions_known_answers():
    # full trust, nothing back: the largest acceptable share is value - outside (10 - 2 = 8)
    common = dict(
        tolerance=np.array([1.0, 1.0, 0.0]),
        base_success=0.35,
        value=np.array([10.0, 10.0, 10.0]),
        outside=np.array([2.0, 2.0, 2.0]),
        returns=np.zeros(3),
        trust=np.ones(3),
        capacity=np.array([100.0, 7.0, 100.0]),
        cost=20.0,
    )
    # first joins (8 >= 8); second cannot pay more than its free capital 7; third is a firm
    # with no tolerance for risk, and odds of 0.3 are below (1 - 0) * 0.35
    got = join_decisions(success=np.array([0.3, 0.3, 0.3]), share=8.0, **common)
    assert got.tolist() == [True, False, False]
    assert join_decisions(success=np.full(3, 0.3), share=8.01, **common).tolist() == [False] * 3
    # at odds of 0.35 the firm no longer declines on risk
    assert join_decisions(success=np.full(3, 0.35), share=8.0, **common)[2]


def test_success_probability_over_arrays_equals_one_at_a_time():
    rng = np.random.default_rng(5)
    cfg = PilotConfig()
    capability, data = rng.random(50), rng.random(50)
    codesign = rng.random(50) < 0.5
    batch = success_probability(
        capability=capability,
        codesign=codesign,
        data_sharing=data,
        bonus=0.3,
        capability_mean=0.4,
        cfg=cfg,
    )
    alone = [
        success_probability(
            capability=float(c),
            codesign=bool(d),
            data_sharing=float(s),
            bonus=0.3,
            capability_mean=0.4,
            cfg=cfg,
        )
        for c, d, s in zip(capability, codesign, data, strict=True)
    ]
    assert batch.tolist() == alone  # bit for bit: a batch decides as each would alone


def test_recruit_decides_the_queue_again_after_each_join():
    # 11 joins only once 10 is in; 10 scores lower, so 11 is asked first and declines, and a
    # candidate that declined is not asked again (examined one by one, in order of score)
    scores = {10: 0.5, 11: 0.9, 12: 0.1}
    calls = []

    def accepts(queue, members):
        calls.append((queue.tolist(), members))
        return np.array([c != 11 or 10 in members for c in queue.tolist()])

    formation = recruit(
        [np.array([10, 11, 12])],
        lambda c, m: np.array([scores[int(x)] for x in c]),
        accepts,
        needed=3,
    )
    assert formation.members == (10, 12)
    assert formation.examined == 3
    assert calls == [([11, 10, 12], ()), ([12], (10,))]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_batch_of_candidates_decides_as_each_would_alone(small, seed):
    model = run_model(small, seed)
    pilots = [p for p in model.pilots.values() if len(p.members) > 1 and p.instrument]
    assert pilots
    pool = model.partner_pool[0]
    decided = 0
    for pilot in pilots[:5]:
        members = [pilot.lead, *[m for m in pilot.members if m != pilot.lead][:1]]
        candidates = np.array([c for c in pool.tolist() if c not in members])
        invitation = model.invitation(pilot, len(pilot.parties), candidates)
        batch = Organisation.accept(model, invitation, candidates, members)
        alone = [
            bool(Organisation.accept(model, invitation, np.array([c]), members)[0])
            for c in candidates.tolist()
        ]
        assert batch.tolist() == alone
        decided += len(alone)
        assert 0 < batch.sum() < len(batch) or len(batch) < 3
    assert decided > 50


@pytest.mark.parametrize("seed", [0, 1])
def test_a_candidates_odds_are_those_of_the_consortium_it_would_join(small, seed):
    model = run_model(small, seed)
    pool = model.partner_pool[0]
    city = model.cities[0].idx
    checked = 0
    for pilot in [p for p in model.pilots.values() if len(p.members) > 1][:5]:
        base = np.array([*pilot.members[:2], city])
        candidates = np.array([c for c in pool.tolist() if c not in base])
        batch = model.success_odds(pilot, base, candidates)
        for c, odds in zip(candidates.tolist(), batch.tolist(), strict=True):
            assert odds == model.success_odds(pilot, np.array([*base, c]))  # to the bit
            checked += 1
    assert checked > 50
