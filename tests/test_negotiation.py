import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.negotiation import (
    Concession,
    NoZoneOfAgreement,
    alternating_offers,
    max_acceptable_share,
    nash_split,
    negotiate_terms,
    rubinstein_share,
    zeuthen,
)

# --- Nash, Rubinstein, finite alternating offers ------------------------------------------------


def test_nash_split_known_answer():
    np.testing.assert_allclose(nash_split(10.0, [2.0, 1.0], [0.5, 0.5]), [5.5, 4.5])


def test_nash_split_weights_are_relative():
    np.testing.assert_allclose(nash_split(10.0, [2.0, 1.0], [7.0, 3.0]), [6.9, 3.1])


def test_nash_split_without_zone():
    assert issubclass(NoZoneOfAgreement, ValueError)
    with pytest.raises(NoZoneOfAgreement):
        nash_split(2.0, [2.0, 1.0], [1.0, 1.0])


def test_a_zone_lost_to_rounding_is_an_empty_zone_not_none():
    # 1.1 + 2.2 is 3.3000000000000003 in floating point: the zone is 0, not negative.
    np.testing.assert_allclose(nash_split(3.3, [1.1, 2.2], [2, 5]), [1.1, 2.2])
    result = zeuthen(3.3, [1.1, 2.2], [2, 5], step=0.05)
    assert (result.agreed, result.reason) == (True, "agreed")
    np.testing.assert_allclose(result.shares, [1.1, 2.2])


def test_a_zone_short_by_more_than_rounding_is_still_none():
    with pytest.raises(NoZoneOfAgreement):
        nash_split(3.3 - 1e-9, [1.1, 2.2], [2, 5])
    assert zeuthen(3.3 - 1e-9, [1.1, 2.2], [2, 5], step=0.05).reason == "no_zone"


@given(
    st.lists(st.floats(0.01, 1e9, allow_nan=False), min_size=1, max_size=6),
    st.lists(st.floats(0.1, 10), min_size=6, max_size=6),
)
def test_a_surplus_equal_to_the_disagreement_total_always_has_a_zone(payoffs, weights):
    surplus = math.fsum(payoffs)  # the exact sum, rounded once; np.sum may differ in the last bit
    split = nash_split(surplus, payoffs, weights[: len(payoffs)])
    np.testing.assert_allclose(split, payoffs, atol=1e-12 * surplus)
    assert zeuthen(surplus, payoffs, weights[: len(payoffs)], step=0.1).agreed


@pytest.mark.parametrize("weights", [[1.0, 0.0], [1.0, -1.0], [1.0]])
def test_nash_split_rejects_bad_weights(weights):
    with pytest.raises(ValueError):
        nash_split(10.0, [2.0, 1.0], weights)


def test_rubinstein_known_answer():
    assert rubinstein_share(0.9, 0.8) == pytest.approx(0.714286, abs=1e-6)
    assert rubinstein_share(0.0, 0.0) == 1.0


@pytest.mark.parametrize(("dp", "dr"), [(1.0, 0.5), (0.5, 1.0), (-0.1, 0.5), (0.5, 1.2)])
def test_rubinstein_rejects_bad_discounts(dp, dr):
    with pytest.raises(ValueError):
        rubinstein_share(dp, dr)


def test_alternating_offers_backward_induction():
    assert alternating_offers(0.9, 0.8, 1) == 1.0
    assert alternating_offers(0.9, 0.8, 2) == pytest.approx(1 - 0.8)
    assert alternating_offers(0.9, 0.8, 3) == pytest.approx(1 - 0.8 * (1 - 0.9))
    assert alternating_offers(0.9, 0.8, 500) == pytest.approx(0.714286, abs=1e-6)
    assert alternating_offers(0.9, 0.8, 500) == pytest.approx(rubinstein_share(0.9, 0.8))


def test_alternating_offers_rejects_bad_horizon():
    with pytest.raises(ValueError):
        alternating_offers(0.9, 0.8, 0)


# --- Zeuthen ------------------------------------------------------------------------------------


def test_zeuthen_converges_to_nash_split():
    step = 1e-3
    result = zeuthen(10.0, [2.0, 1.0], [0.5, 0.5], step=step)
    assert result.agreed and result.reason == "agreed"
    np.testing.assert_allclose(result.shares, [5.5, 4.5], atol=step * 7.0)


def test_zeuthen_weighted_converges_to_weighted_nash_split():
    step = 1e-3
    result = zeuthen(10.0, [2.0, 1.0], [0.7, 0.3], step=step)
    assert result.agreed
    np.testing.assert_allclose(
        result.shares, nash_split(10.0, [2.0, 1.0], [0.7, 0.3]), atol=step * 7.0
    )


def test_zeuthen_three_parties():
    step = 1e-3
    result = zeuthen(12.0, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0], step=step)
    assert result.agreed
    expected = nash_split(12.0, [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(result.shares, expected, atol=step * 6.0)
    assert result.shares.sum() == pytest.approx(12.0)


def test_zeuthen_per_party_steps_keep_the_split():
    slow = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=1e-3)
    fast = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=1e-2)
    mixed = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=[1e-3, 1e-2])
    assert mixed.agreed
    assert fast.rounds < mixed.rounds <= slow.rounds
    np.testing.assert_allclose(mixed.shares, [5.5, 4.5], atol=1e-2 * 7.0)


def test_zeuthen_zero_step_hits_deadline():
    result = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=0.0, max_rounds=50)
    assert not result.agreed
    assert (result.reason, result.rounds) == ("deadline", 50)
    np.testing.assert_array_equal(result.shares, [0.0, 0.0])


def test_zeuthen_round_cost_exhausts_zone():
    result = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=0.01, round_cost=2.0)
    assert not result.agreed
    assert result.reason == "costs_exhausted"
    assert result.rounds == 4  # zone 7, 5, 3, 1 in rounds 1-4, then exhausted


def test_zeuthen_no_zone():
    result = zeuthen(2.0, [2.0, 1.0], [1.0, 1.0], step=0.01)
    assert (result.agreed, result.reason, result.rounds) == (False, "no_zone", 0)


def test_zeuthen_zero_zone_agrees_on_disagreement_point():
    result = zeuthen(3.0, [2.0, 1.0], [1.0, 1.0], step=0.01, round_cost=1.0)
    assert result.agreed and result.rounds == 1
    np.testing.assert_allclose(result.shares, [2.0, 1.0])


def test_zeuthen_modest_openings_take_fewer_rounds():
    greedy = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=0.01)
    modest = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=0.01, opening=[5.0, 5.0])
    compatible = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=0.01, opening=[3.0, 3.0])
    assert compatible.rounds == 1 < modest.rounds < greedy.rounds
    np.testing.assert_allclose(compatible.shares, [5.5, 4.5])


def test_concession_is_frozen():
    result = zeuthen(10.0, [2.0, 1.0], [1.0, 1.0], step=0.1)
    assert isinstance(result, Concession)
    with pytest.raises(ValueError):
        result.shares[0] = 0.0


@settings(deadline=None, max_examples=150)
@given(
    data=st.data(),
    n=st.integers(min_value=2, max_value=4),
    surplus=st.floats(min_value=-10.0, max_value=1e4),
    step=st.floats(min_value=0.005, max_value=0.5),
    round_cost=st.floats(min_value=0.0, max_value=50.0),
)
def test_zeuthen_properties(data, n, surplus, step, round_cost):
    money = st.floats(min_value=0.0, max_value=1e3)
    disagreement = np.array(data.draw(st.lists(money, min_size=n, max_size=n)))
    weights = data.draw(st.lists(st.floats(min_value=0.05, max_value=10.0), min_size=n, max_size=n))
    opening = data.draw(st.none() | st.lists(money, min_size=n, max_size=n))
    result = zeuthen(
        surplus, disagreement, weights, step=step, opening=opening, round_cost=round_cost
    )
    if not result.agreed:
        return
    assert result.rounds >= 1
    expected = surplus - (result.rounds - 1) * round_cost
    scale = abs(surplus) + disagreement.sum() + result.rounds * round_cost
    assert math.isclose(result.shares.sum(), expected, rel_tol=1e-9, abs_tol=1e-9 * scale)
    assert np.all(result.shares >= disagreement)


def _zeuthen_on_arrays(surplus, disagreement, weights, step, opening, round_cost, max_rounds):
    """Zeuthen's rounds as NumPy array operations, as they were: (reason, rounds, shares)."""
    d = np.asarray(disagreement, dtype=float)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    zone0 = surplus - d.sum()
    demands = np.minimum(np.asarray(opening, dtype=float), zone0)
    concession = np.broadcast_to(np.asarray(step, dtype=float), d.shape) * zone0
    for t in range(1, max_rounds + 1):
        zone = zone0 - (t - 1) * round_cost
        if t > 1 and zone <= 0.0:
            return "costs_exhausted", t - 1, None
        excess = demands.sum() - zone
        if excess <= 0.0:
            return "agreed", t, d + demands - w * excess
        pressure = demands / w
        concedes = pressure >= pressure.max() * (1.0 - 1e-9)
        demands = np.where(concedes, np.maximum(demands - concession, 0.0), demands)
    return "deadline", max_rounds, None


def test_zeuthen_rounds_equal_the_array_rounds_to_the_bit():
    rng = np.random.default_rng(11)
    for _ in range(400):
        n = int(rng.integers(2, 31))
        disagreement = rng.random(n) * 100.0
        surplus = disagreement.sum() + rng.random() * 1000.0
        weights = rng.uniform(0.1, 3.0, n)
        step = rng.uniform(0.005, 0.2, n) if rng.random() < 0.5 else float(rng.uniform(0.005, 0.2))
        opening = rng.random(n) * 1500.0
        round_cost = float(rng.choice([0.0, rng.uniform(0.0, 30.0)]))
        result = zeuthen(
            surplus,
            disagreement,
            weights,
            step=step,
            opening=opening,
            round_cost=round_cost,
            max_rounds=60,
        )
        reason, rounds, shares = _zeuthen_on_arrays(
            surplus, disagreement, weights, step, opening, round_cost, 60
        )
        assert (result.reason, result.rounds) == (reason, rounds)
        if shares is not None:
            np.testing.assert_array_equal(result.shares, shares)


def test_negotiated_zeuthen_terms_are_zeuthens_split_of_the_zone():
    rng = np.random.default_rng(12)
    agreed = uncapped = 0
    for _ in range(300):
        n = int(rng.integers(2, 20))
        cost = float(rng.uniform(1e4, 1e6))
        values = rng.uniform(0.5, 2.0, n) * cost
        trust = rng.uniform(0.3, 1.0, n)
        weights = rng.uniform(0.1, 3.0, n)
        terms = negotiate_terms(cost, values, np.zeros(n), trust, weights, step=0.05)
        m = max_acceptable_share(values, cost, np.zeros(n), trust)
        zone = m.sum() - cost
        if (m < 0.0).any() or zone < 0.0:
            assert terms.reason == "no_zone"
            continue
        w = weights / weights.sum()
        opening = np.minimum(m, w * zone * (1.0 + (1.0 - trust)))
        outcome = zeuthen(zone, np.zeros(n), w, step=0.05, opening=opening, max_rounds=200)
        assert (terms.reason, terms.rounds) == (outcome.reason, outcome.rounds)
        agreed += outcome.agreed
        if outcome.agreed and (outcome.shares <= m).all():  # no saving capped
            uncapped += 1
            np.testing.assert_allclose(terms.cost_shares, m - outcome.shares, rtol=1e-12)
    assert agreed > 250 and uncapped > 20


# --- maximum acceptable share -------------------------------------------------------------------


def test_max_acceptable_share_formula():
    m = max_acceptable_share([80.0, 60.0, 200.0], 100.0, [0.0, 10.0, 0.0], [0.6, 0.5, 0.5])
    beta = [1 - 0.4 * 0.8, 1 - 0.5 * 0.6]
    np.testing.assert_allclose(m, [80 * 0.6 / beta[0], (60 * 0.5 - 10) / beta[1], 100.0])


def test_max_acceptable_share_is_classic_at_full_trust_and_capped_by_capacity():
    m = max_acceptable_share([80.0, 60.0], 100.0, [5.0, 0.0], [1.0, 1.0], capacity=[50.0, 99.0])
    np.testing.assert_allclose(m, [50.0, 60.0])


def test_max_acceptable_share_at_zero_trust():
    m = max_acceptable_share([120.0, 90.0, 90.0], 100.0, [10.0, 5.0, 0.0], [0.0, 0.0, 0.0])
    assert m[0] == 100.0  # values it above cost plus outside option: pays anything
    assert m[1] == pytest.approx(-50.0)  # would have to be paid
    assert m[2] == 0.0  # accepts nothing positive


def test_max_acceptable_share_with_a_deal_that_cannot_close():
    # a deal the market will not close values the public's money back at -inf: a party that
    # trusts its partners at all accepts no share; one that trusts nobody counts no money back
    # at all (found by tests/test_full_bounds.py: 0 x -inf gave NaN and a RuntimeWarning)
    value, outside, back = [120.0, 120.0], [10.0, 10.0], [-np.inf, 5.0]
    m = max_acceptable_share(value, 100.0, outside, [0.5, 0.0], returns=back)
    assert m[0] == -np.inf
    nothing_back = max_acceptable_share(value, 100.0, outside, [0.0, 0.0])
    assert m[1] == nothing_back[1] == 100.0
    blind = max_acceptable_share(value, 100.0, outside, [0.0, 0.0], returns=back)
    np.testing.assert_array_equal(blind, nothing_back)


def test_max_acceptable_share_rises_with_trust():
    trust = np.linspace(0.0, 1.0, 11)
    m = max_acceptable_share(np.full(11, 70.0), 100.0, np.zeros(11), trust)
    assert np.all(np.diff(m) >= 0)
    assert m[-1] == 70.0


# --- negotiate_terms ----------------------------------------------------------------------------

EASY = {
    "cost": 100.0,
    "values": [80.0, 60.0, 50.0],
    "outside": [0.0, 0.0, 0.0],
    "trust": [0.6, 0.6, 0.6],
    "weights": [1.0, 1.0, 1.0],
}


def test_easy_agreement():
    terms = negotiate_terms(**EASY)
    m = max_acceptable_share(EASY["values"], 100.0, EASY["outside"], EASY["trust"])
    assert terms.agreed and terms.reason == "agreed"
    assert terms.rounds >= 1
    assert terms.cost_shares.sum() == pytest.approx(100.0, rel=1e-9)
    assert np.all(terms.cost_shares >= 0.0)
    assert np.all(terms.cost_shares <= m)
    assert terms.loss_shares.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(terms.savings_split, terms.cost_shares / 100.0)
    assert terms.data_sharing == 1.0


def test_zero_trust_and_values_below_cost_give_no_zone():
    terms = negotiate_terms(**{**EASY, "trust": [0.0, 0.0, 0.0]})
    assert (terms.agreed, terms.reason, terms.rounds) == (False, "no_zone", 0)
    np.testing.assert_array_equal(terms.cost_shares, 0.0)


def test_values_not_covering_cost_give_no_zone():
    terms = negotiate_terms(**{**EASY, "values": [30.0, 30.0, 30.0], "trust": [1.0, 1.0, 1.0]})
    assert terms.reason == "no_zone"


def test_full_trust_agrees_at_once():
    terms = negotiate_terms(**{**EASY, "trust": [1.0, 1.0, 1.0]})
    assert terms.agreed and terms.rounds == 1


def test_higher_trust_gives_fewer_rounds_and_more_agreements():
    rng = np.random.default_rng(2024)
    outcomes = {0.4: [], 0.8: []}
    for _ in range(200):
        n = int(rng.integers(2, 5))
        case = {
            "cost": 100.0,
            "values": rng.uniform(40.0, 150.0, n),
            "outside": rng.uniform(0.0, 20.0, n),
            "weights": rng.uniform(0.5, 2.0, n),
            "round_cost": 0.5,
            "formal_rounds": int(rng.integers(0, 5)),
        }
        for trust, results in outcomes.items():
            results.append(negotiate_terms(trust=np.full(n, trust), **case))
    low, high = outcomes[0.4], outcomes[0.8]
    assert sum(t.agreed for t in high) > sum(t.agreed for t in low)
    both = [
        (lo.rounds, hi.rounds) for lo, hi in zip(low, high, strict=True) if lo.agreed and hi.agreed
    ]
    assert len(both) >= 20
    assert np.mean([hi for _, hi in both]) < np.mean([lo for lo, _ in both])


def test_formal_rounds_add_rounds():
    base = negotiate_terms(**EASY)
    formal = negotiate_terms(**EASY, formal_rounds=5)
    assert formal.agreed
    assert formal.rounds == base.rounds + 5


def test_large_round_cost_exhausts_zone():
    formal = negotiate_terms(**EASY, formal_rounds=3, round_cost=20.0)  # 60 > zone of 55.5
    assert (formal.agreed, formal.reason, formal.rounds) == (False, "costs_exhausted", 3)
    bargaining = negotiate_terms(**EASY, round_cost=5.0)
    assert (bargaining.agreed, bargaining.reason) == (False, "costs_exhausted")


def test_deadline():
    assert negotiate_terms(**EASY, max_rounds=3).reason == "deadline"
    stalled = negotiate_terms(**EASY, formal_rounds=10, max_rounds=10)
    assert (stalled.reason, stalled.rounds) == ("deadline", 10)


def test_round_costs_are_paid_outside_cost_shares():
    terms = negotiate_terms(**EASY, formal_rounds=2, round_cost=0.1)
    assert terms.agreed
    assert terms.cost_shares.sum() == pytest.approx(100.0, rel=1e-9)


def test_alternating_protocol_splits_as_rubinstein():
    patience = np.array([0.9, 0.8, 0.8])
    terms = negotiate_terms(
        **{**EASY, "weights": [1.0, 1.0, 3.0]},
        protocol="alternating",
        patience=patience,
        formal_rounds=2,
        max_rounds=500,
    )
    m = max_acceptable_share(EASY["values"], 100.0, EASY["outside"], EASY["trust"])
    zone = m.sum() - 100.0
    savings = m - terms.cost_shares
    assert terms.agreed and terms.rounds == 3
    assert savings[0] == pytest.approx(rubinstein_share(0.9, 0.8) * zone, rel=1e-9)
    assert savings[2] == pytest.approx(3.0 * savings[1])


def test_savings_above_a_cap_go_to_the_others():
    # Party 2 would pay at most 5 but its weight would award it most of the zone.
    for protocol in ("zeuthen", "alternating"):
        terms = negotiate_terms(
            100.0,
            [200.0, 200.0, 105.0],
            [0.0, 0.0, 100.0],
            [1.0, 1.0, 1.0],
            [1.0, 1.0, 10.0],
            protocol=protocol,
        )
        assert terms.agreed
        assert terms.cost_shares[2] == 0.0
        assert terms.cost_shares.sum() == pytest.approx(100.0, rel=1e-9)


def test_loss_shares_follow_bearer_weights():
    lead_bears_all = negotiate_terms(**EASY, bearer_weights=[1.0, 0.0, 0.0])
    np.testing.assert_allclose(lead_bears_all.loss_shares, [1.0, 0.0, 0.0])
    nobody = negotiate_terms(**EASY, bearer_weights=[0.0, 0.0, 0.0])
    np.testing.assert_allclose(nobody.loss_shares, nobody.cost_shares / 100.0)


def test_data_sharing_is_least_willing_party():
    terms = negotiate_terms(**EASY, data_willingness=[0.9, 0.3, 0.7])
    assert terms.data_sharing == 0.3


@pytest.mark.parametrize(
    "change",
    [
        {"values": [80.0]},
        {"outside": [0.0, 0.0]},
        {"trust": [0.6, 0.6, 1.5]},
        {"weights": [1.0, 0.0, 1.0]},
        {"cost": 0.0},
        {"protocol": "auction"},
        {"patience": [0.9, 1.0, 0.9]},
        {"data_willingness": [0.9, 1.2, 0.9]},
        {"bearer_weights": [1.0, -1.0, 0.0]},
    ],
)
def test_rejects_malformed_inputs(change):
    with pytest.raises(ValueError):
        negotiate_terms(**{**EASY, **change})


@settings(deadline=None, max_examples=150)
@given(
    data=st.data(),
    n=st.integers(min_value=2, max_value=5),
    cost=st.floats(min_value=1.0, max_value=1e6),
    protocol=st.sampled_from(["zeuthen", "alternating"]),
    step=st.floats(min_value=0.01, max_value=1.0),
    formal_rounds=st.integers(min_value=0, max_value=5),
    round_cost_share=st.floats(min_value=0.0, max_value=0.05),
)
def test_negotiated_terms_are_consistent(
    data, n, cost, protocol, step, formal_rounds, round_cost_share
):
    def vector(low, high):
        return np.array(
            data.draw(st.lists(st.floats(low, high), min_size=n, max_size=n)), dtype=float
        )

    values = vector(0.0, 2.0) * cost
    outside = vector(0.0, 0.5) * cost
    trust = vector(0.0, 1.0)
    terms = negotiate_terms(
        cost,
        values,
        outside,
        trust,
        vector(0.1, 10.0),
        protocol=protocol,
        step=step,
        formal_rounds=formal_rounds,
        round_cost=round_cost_share * cost,
        patience=vector(0.05, 0.99),
        bearer_weights=vector(0.0, 1.0),
        data_willingness=vector(0.0, 1.0),
    )
    if not terms.agreed:
        assert terms.reason in ("no_zone", "costs_exhausted", "deadline")
        return
    m = max_acceptable_share(values, cost, outside, trust)
    assert np.all(terms.cost_shares >= 0.0)
    assert np.all(terms.cost_shares <= m)
    assert math.isclose(terms.cost_shares.sum(), cost, rel_tol=1e-9)
    assert math.isclose(terms.loss_shares.sum(), 1.0, rel_tol=1e-9)
    assert math.isclose(terms.savings_split.sum(), 1.0, rel_tol=1e-9)
    assert np.all(terms.loss_shares >= 0.0)
    assert 1 <= terms.rounds <= 200
