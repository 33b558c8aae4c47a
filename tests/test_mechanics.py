"""Unit tests of the small pure mechanics: consortium search, odds, valuation, politics, streams."""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.consortium import alignment, candidate_hops, recruit, score_candidates
from sim.model.incentives import pilot_cost, private_payment
from sim.model.metrics import gini
from sim.model.partnership import MODELS, PartnershipModel
from sim.model.politics import logistic, logit, redraw_budget, reelection_probability
from sim.model.streams import Streams, weighted_choice
from sim.model.success import scaleup_probability, success_probability
from sim.model.valuation import outside_options, outside_parts, party_values
from sim.scenario.processes import PilotConfig, ScaleUpConfig
from sim.scenario.schema import IncentivesConfig, PoliticsConfig


def test_hops_follow_skin_order():
    g = nx.Graph([(0, 1), (0, 2), (1, 3), (2, 4), (3, 5)])
    g.add_nodes_from(range(10))
    hops = candidate_hops(g, 0, np.arange(10), depth=3, per_hop=10, rng=np.random.default_rng(0))
    assert set(hops[0]) == {1, 2}  # previous partners
    assert set(hops[1]) == {3, 4}  # partners' partners
    assert not set(hops[2]) & {0, 1, 2, 3, 4}  # others exclude the known
    assert len(hops) == 3


def test_hops_respect_depth_exclusion_and_cap():
    g = nx.star_graph(30)  # node 0 linked to 1..30
    hops = candidate_hops(
        g, 0, np.arange(31), depth=1, per_hop=5, rng=np.random.default_rng(1), exclude=(7,)
    )
    assert len(hops) == 1
    assert len(hops[0]) == 5
    assert 7 not in hops[0]


def test_second_hop_asks_at_most_referrals_partners():
    # Lead 0 has 30 partners (1..30); each partner p has one partner of its own, 100 + p.
    g = nx.star_graph(30)
    g.add_edges_from((p, 100 + p) for p in range(1, 31))

    def second_hop(referrals):
        rng = np.random.default_rng(5)
        return candidate_hops(
            g, 0, np.arange(131), depth=2, per_hop=40, rng=rng, referrals=referrals
        )[1]

    # Hop 1 (30 partners, at most 40) draws nothing; hop 2 asks partners in this order:
    asked = np.random.default_rng(5).permutation(30)[:4] + 1
    assert sorted(second_hop(4)) == sorted(asked + 100)  # one referral from each partner asked
    assert sorted(second_hop(None)) == list(range(101, 131))  # all 30 asked
    assert sorted(second_hop(30)) == list(range(101, 131))


def test_recruit_takes_best_first_until_enough():
    hops = [[10, 11, 12], [20, 21]]
    scores = {10: 0.1, 11: 0.9, 12: 0.5, 20: 1.0, 21: 0.2}
    formation = recruit(
        hops,
        lambda c, members: [scores[x] for x in c],
        # 12 declines
        lambda queue, members: next((i for i, c in enumerate(queue) if c != 12), None),
        needed=3,
    )
    assert formation.members == (11, 10, 20)
    assert formation.examined == 4  # 11, 12 (declined), 10, then 20
    assert formation.hops_used == 2


def test_recruit_asks_best_first_and_equal_scores_in_the_hops_order():
    asked = []
    recruit([[3, 1, 2]], lambda c, m: [0.5, 0.9, 0.5], lambda q, m: asked.append(q), 1)
    assert asked == [[1, 3, 2]]


def test_recruit_stops_short_when_nobody_accepts():
    formation = recruit([[1, 2]], lambda c, m: [0.0] * len(c), lambda queue, m: None, 2)
    assert formation.members == ()
    assert formation.examined == 2


def test_score_weights_each_component():
    s = score_candidates(
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0, 0, 1],
        trust_weight=2.0,
        capability_weight=3.0,
        history_weight=4.0,
    )
    np.testing.assert_allclose(s, [2.0, 3.0, 2.0])


def test_alignment_identical_and_orthogonal():
    assert alignment(np.array([[1, 0, 0, 0], [2, 0, 0, 0]])) == pytest.approx(1.0)
    assert alignment(np.array([[1, 0, 0, 0], [0, 1, 0, 0]])) == pytest.approx(0.0)
    assert math.isnan(alignment(np.array([[1, 0, 0, 0]])))
    # a row of tiny weights has a direction too (its norm alone underflows to 0)
    assert alignment(np.array([[5e-324, 0, 0, 0], [1, 0, 0, 0]])) == 1.0


def test_alignment_is_the_mean_pairwise_cosine_to_the_bit():
    rng = np.random.default_rng(4)
    for _ in range(2000):
        n = int(rng.integers(2, 32))
        weights = rng.random((n, 4)) ** 2
        weights[rng.random((n, 4)) < 0.2] = 0.0
        weights[:, int(rng.integers(4))] += 1e-3
        # the definition, with NumPy's own maxima, norms and mean
        unit = weights / weights.max(axis=1, keepdims=True)
        unit /= np.linalg.norm(unit, axis=1, keepdims=True)
        expected = (unit @ unit.T)[np.triu_indices(n, k=1)].mean()
        assert alignment(weights) == expected


def test_success_probability_is_base_rate_for_average_consortium():
    cfg = PilotConfig()
    p = success_probability(
        capability=0.4, codesign=False, data_sharing=0.5, bonus=0.0, capability_mean=0.4, cfg=cfg
    )
    assert p == pytest.approx(cfg.base_success)
    better = success_probability(
        capability=0.8, codesign=True, data_sharing=1.0, bonus=0.5, capability_mean=0.4, cfg=cfg
    )
    assert better > p


def test_scaleup_probability_rises_with_support():
    cfg = ScaleUpConfig()
    low = scaleup_probability(support=0.2, private_share=0.5, cfg=cfg)
    mid = scaleup_probability(support=0.5, private_share=0.5, cfg=cfg)
    high = scaleup_probability(support=0.9, private_share=0.5, cfg=cfg)
    assert low < mid < high
    assert mid == pytest.approx(cfg.base)


def test_party_values_by_sector():
    cfg = PilotConfig(value_multiple=2.0, knowledge_multiple=0.6)
    sectors = np.array([0, 1, 2])  # government, a firm, academia
    weights = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]], dtype=float)
    v = party_values(weights, parties=len(sectors), success=0.5, cost=100.0, cfg=cfg)
    # government: public value 0.5 * 2 * 100; a firm weighing only profit: nothing here (money
    # back counts in max_acceptable_share); academia: its third of the knowledge, 0.6 * 100 / 3
    np.testing.assert_allclose(v, [100.0, 0.0, 20.0])


def test_party_values_of_candidates_each_at_its_own_odds():
    """Candidates valued at once: a row each, at the odds their joining gives."""
    cfg = PilotConfig(value_multiple=2.0, knowledge_multiple=0.6)
    weights = np.array([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0.5, 0.5, 0]], dtype=float)
    v = party_values(weights, parties=4, success=np.array([0.5, 0.25, 0.1]), cost=100.0, cfg=cfg)
    # public value 2 * 100 * odds; knowledge 0.6 * 100 / 4 = 15
    np.testing.assert_allclose(v, [100.0, 15.0, 0.5 * 20.0 + 0.5 * 15.0])
    one = party_values(weights[1:2], parties=4, success=0.25, cost=100.0, cfg=cfg)
    assert one[0] == v[1]  # a batch values each candidate exactly as it would alone


def test_party_values_equal_the_weighted_sum_of_the_four_objectives():
    """The explicit sum equals the dot product of each row of weights with the components."""
    rng = np.random.default_rng(3)
    cfg = PilotConfig(value_multiple=2.5, knowledge_multiple=0.7)
    for _ in range(200):
        n = int(rng.integers(1, 30))
        weights = rng.random((n, 4))
        success, cost, parties = (
            rng.random(n),
            float(rng.uniform(1e3, 1e6)),
            int(rng.integers(2, 9)),
        )
        components = np.zeros((n, 4))
        components[:, 1] = components[:, 3] = success * cfg.value_multiple * cost
        components[:, 2] = cfg.knowledge_multiple * cost / parties
        expected = np.einsum("ij,ij->i", weights, components)
        got = party_values(weights, parties=parties, success=success, cost=cost, cfg=cfg)
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_outside_options_use_hurdle_for_firms_and_participation_cost():
    parts = outside_parts(
        np.array([1, 2, 3]),
        np.array([0.1, 0.1, 0.1]),
        cost=300.0,
        years=2.0,
        public_rate=0.05,
        participation_cost=7.0,
    )
    d = outside_options(parts, parties=3)
    np.testing.assert_allclose(d, [0.1 * 2 * 100, 0.05 * 2 * 100, 0.05 * 2 * 100 + 7.0])


def test_reelection_rises_with_satisfaction():
    cfg = PoliticsConfig()
    assert reelection_probability(0.5, cfg) == pytest.approx(cfg.reelection_base)
    assert reelection_probability(0.8, cfg) > reelection_probability(0.3, cfg)


@pytest.mark.parametrize("reversion", [0.2, 0.5, 1.0])
def test_budgets_redrawn_by_new_administrations_stay_near_their_long_run_level(reversion):
    # Over 20,000 turnovers the mean budget is within 10% of the long-run level (it is exact in
    # expectation), and budgets rise about as often as they fall.
    cfg = PoliticsConfig(budget_volatility=0.25, mean_reversion=reversion)
    rng = np.random.default_rng(1)
    budget, budgets = 2e6, []
    for z in rng.standard_normal(20_000):
        budget = redraw_budget(budget, 2e6, float(z), cfg)
        budgets.append(budget)
    budgets = np.array(budgets)
    assert abs(budgets.mean() / 2e6 - 1) < 0.1
    rises = (np.diff(budgets) > 0).mean()
    assert 0.4 < rises < 0.6


def test_budget_redraw_known_values():
    # Full reversion, no spread: the long-run level; no reversion, no spread: unchanged.
    flat = PoliticsConfig(budget_volatility=0.0, mean_reversion=1.0)
    assert redraw_budget(3e6, 2e6, 1.5, flat) == pytest.approx(2e6)
    still = PoliticsConfig(budget_volatility=0.0, mean_reversion=0.0)
    assert redraw_budget(3e6, 2e6, 1.5, still) == pytest.approx(3e6)
    # A martingale without reversion: E[B'] = B
    walk = PoliticsConfig(budget_volatility=0.3, mean_reversion=0.0)
    z = np.random.default_rng(2).standard_normal(200_000)
    mean = np.mean([redraw_budget(1.0, 5.0, float(x), walk) for x in z])
    assert mean == pytest.approx(1.0, abs=0.01)


def test_incentive_levers():
    off = IncentivesConfig()
    on = IncentivesConfig(
        testbed=True,
        testbed_cost_reduction=0.2,
        open_data=True,
        open_data_cost_reduction=0.1,
        match_rate=1.0,
    )
    assert pilot_cost(100.0, in_testbed=True, cfg=off) == 100.0
    assert pilot_cost(100.0, in_testbed=True, cfg=on) == pytest.approx(72.0)
    assert pilot_cost(100.0, in_testbed=False, cfg=on) == pytest.approx(90.0)
    assert private_payment(10.0, on) == pytest.approx((5.0, 5.0))
    assert private_payment(10.0, off) == (10.0, 0.0)


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=50))
def test_gini_in_unit_interval(values):
    g = gini(np.array(values))
    assert -1e-9 <= g <= 1.0


def test_gini_known_values():
    assert gini(np.array([1.0, 1.0, 1.0])) == pytest.approx(0.0)
    assert gini(np.array([0.0, 0.0, 1.0])) == pytest.approx(2 / 3)
    assert gini(np.zeros(4)) == 0.0


def test_streams_are_named_reproducible_and_independent():
    a, b = Streams(5), Streams(5)
    assert a["politics"].random() == b["politics"].random()
    # drawing from one stream does not shift another (common random numbers)
    c, d = Streams(5), Streams(5)
    c["proposals"].random(100)
    assert c["politics"].random() == d["politics"].random()
    assert Streams(5)["politics"].random() != Streams(6)["politics"].random()
    with pytest.raises(KeyError, match="unknown random stream"):
        a["politic"]


def test_each_proposal_has_its_own_stream_keyed_by_city_step_and_index():
    a, b = Streams(5), Streams(5)
    # the same key gives the same luck, whatever was drawn before or elsewhere
    a["proposals"].random(50)
    a.for_proposal("call", 0, 3, 7).random(10)
    assert a.for_proposal("call", 0, 3, 7).random() == b.for_proposal("call", 0, 3, 7).random()
    draws = {
        key: Streams(5).for_proposal(*key).random()
        for key in [
            ("call", 0, 3, 7),
            ("call", 1, 3, 7),
            ("call", 0, 4, 7),
            ("call", 0, 3, 8),
            ("replica", 0, 3, 7),
        ]
    }
    assert len(set(draws.values())) == len(draws)
    assert Streams(6).for_proposal("call", 0, 3, 7).random() != draws[("call", 0, 3, 7)]


def test_weighted_choice_known_answer():
    class Fixed:  # a stream whose uniform numbers are given
        def __init__(self, u):
            self.u = u

        def random(self, size=None):
            return self.u if size is None else np.full(size, self.u)

    # cumulative 0.2, 0.5, 1.0: 0.1 falls in the first, 0.2 on its right edge in the second
    assert weighted_choice(Fixed(0.1), [0.2, 0.3, 0.5]) == 0
    assert weighted_choice(Fixed(0.2), [0.2, 0.3, 0.5]) == 1
    assert weighted_choice(Fixed(0.99), [0.2, 0.3, 0.5]) == 2
    assert weighted_choice(Fixed(0.3), [0.0, 1.0, 0.0], size=3).tolist() == [1, 1, 1]


@pytest.mark.parametrize("size", [None, 0, 1, 7, 40])
def test_weighted_choice_draws_as_the_generators_choice(size):
    for seed in range(300):
        k = 1 + seed % 9
        weights = np.random.default_rng(10_000 + seed).random(k) ** 3
        if seed % 4 == 0:
            weights[seed % k] = 0.0
            weights[(seed + 1) % k] += 0.1
        p = weights / weights.sum()
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        expected = a.choice(k, size=size, p=p)
        drawn = weighted_choice(b, p, size=size)
        if size is None:
            assert type(drawn) is int and drawn == expected
        else:
            np.testing.assert_array_equal(drawn, expected)
        assert a.random() == b.random()  # and the stream goes on from the same place


def test_partnership_models_are_the_five_types():
    assert [m.letter for m in MODELS.values()] == ["A", "B", "C", "D", "E"]
    # that the SPC is ring-fenced is held by what an election does to its pilots
    # (tests/test_behaviour.py), not by its flag
    assert MODELS["city_led"].lead[0] == 1.0
    with pytest.raises(ValueError, match="lead must sum to 1"):
        PartnershipModel("x", "X", "", (0.5, 0, 0, 0), (1, 1, 1, 1), 0.5, (1, 1, 1, 1), 1, False)


# --- politics: log-odds ------------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1e308, -1e4, -800.0, 800.0, 2600.0, 1e308, math.inf, -math.inf])
def test_logistic_never_overflows(x: float) -> None:
    p = logistic(x)
    assert 0.0 <= p <= 1.0
    assert p == (1.0 if x > 0 else pytest.approx(0.0, abs=1e-300))


@given(st.floats(-700, 700))
def test_logistic_is_the_inverse_of_logit(x: float) -> None:
    p = logistic(x)
    if abs(x) < 10:  # beyond, p is too close to 0 or 1 to keep the digits of x
        assert logit(p) == pytest.approx(x, abs=1e-9)
    assert logistic(-x) == pytest.approx(1.0 - p, abs=1e-15)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_logit_refuses_what_is_not_a_probability(p: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        logit(p)
