import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.trust import (
    TrustParams,
    beta_reputation,
    decay_evidence,
    observe,
    observe_alike,
    trust_signal,
    update_reputation,
    update_trust,
)

DEFAULT = TrustParams()


# --- known answer -------------------------------------------------------------------------------


def test_known_answer_scalar():
    t1, r1 = observe(0.5, 0.0, 6.5, 5.0, DEFAULT)
    t2, r2 = observe(t1, r1, 6.5, 5.0, DEFAULT)
    assert t1 == pytest.approx(0.545257, abs=1e-6)
    assert t2 == pytest.approx(0.586418, abs=1e-6)
    assert r1 == r2 == 0.0
    assert np.ndim(t2) == 0 and np.ndim(r2) == 0


@pytest.mark.parametrize("shape", [(5,), (2, 3)])
def test_known_answer_array(shape):
    trust, reputation = np.full(shape, 0.5), np.zeros(shape)
    for _ in range(2):
        trust, reputation = observe(trust, reputation, np.full(shape, 6.5), 5.0, DEFAULT)
    assert trust.shape == shape
    np.testing.assert_allclose(trust, 0.586418, atol=1e-6)
    np.testing.assert_array_equal(reputation, 0.0)


def test_observe_is_elementwise():
    trust = np.array([0.1, 0.5, 0.9])
    reputation = np.array([0.0, 0.3, 0.6])
    performance = np.array([7.0, 2.0, 5.0])
    dependence = np.array([0.0, 1.0, 0.5])
    new_t, new_r = observe(trust, reputation, performance, 5.0, DEFAULT, dependence)
    for i in range(3):
        t_i, r_i = observe(trust[i], reputation[i], performance[i], 5.0, DEFAULT, dependence[i])
        assert new_t[i] == t_i
        assert new_r[i] == r_i


def test_trust_signal_is_bounded_tanh():
    assert trust_signal(6.5, 5.0, 1.0) == pytest.approx(np.tanh(1.5))
    assert trust_signal(5.0, 5.0, 2.0) == 0.0
    np.testing.assert_allclose(trust_signal([105.0, -95.0], 5.0, 1.0), [1.0, -1.0])


# --- asymmetry, dependence, reputation ----------------------------------------------------------


@pytest.mark.parametrize(("ratio", "expected"), [(3.0, 3.0), (1.0, 1.0)])
def test_loss_exceeds_gain_by_erosion_ratio(ratio, expected):
    params = TrustParams.from_ratio(0.1, ratio)
    signal = 0.8
    gain = update_trust(0.5, 0.0, signal, params) - 0.5
    loss = 0.5 - update_trust(0.5, 0.0, -signal, params)
    assert gain > 0
    assert loss / gain == pytest.approx(expected)


def test_dependence_deepens_erosion_only():
    independent = update_trust(0.6, 0.0, -0.7, DEFAULT, dependence=0.0)
    dependent = update_trust(0.6, 0.0, -0.7, DEFAULT, dependence=1.0)
    assert dependent < independent < 0.6
    assert (0.6 - dependent) / (0.6 - independent) == pytest.approx(1.0 + DEFAULT.xi)
    assert update_trust(0.6, 0.0, 0.7, DEFAULT, 1.0) == update_trust(0.6, 0.0, 0.7, DEFAULT, 0.0)


def test_reputation_damage_caps_trust_building():
    assert update_trust(0.5, 0.6, 0.9, DEFAULT) == 0.5  # ceiling 1 - R = 0.4 is below T
    assert update_trust(0.2, 0.6, 0.9, DEFAULT) == pytest.approx(0.2 + 0.1 * 0.9 * 0.2)


def test_reputation_rises_after_violation_and_decays_otherwise():
    assert update_reputation(0.2, -0.5, DEFAULT) == pytest.approx(0.2 + 0.6 * 0.5 * 0.8)
    assert update_reputation(0.2, 0.5, DEFAULT) == pytest.approx(0.2 * 0.97)
    assert update_reputation(0.2, 0.0, DEFAULT) == pytest.approx(0.2 * 0.97)
    assert update_reputation(0.0, 0.5, DEFAULT) == 0.0


def test_violation_then_recovery_leaves_trust_lower():
    trust, reputation = 0.5, 0.0
    trust, reputation = observe(trust, reputation, 3.0, 5.0, DEFAULT)
    trust, reputation = observe(trust, reputation, 7.0, 5.0, DEFAULT)
    assert reputation > 0
    assert trust < 0.5


# --- parameters ---------------------------------------------------------------------------------


def test_defaults():
    assert dataclasses.astuple(DEFAULT) == (0.10, 0.30, 0.60, 0.03, 0.50, 1.0)
    assert DEFAULT.l_minus / DEFAULT.l_plus == pytest.approx(3.0)


def test_from_ratio():
    params = TrustParams.from_ratio(0.05, 9.0, xi=0.5, k=2.0)
    assert params.l_minus == pytest.approx(0.45)
    assert params.k == 2.0


def test_rejects_rates_that_could_drive_trust_negative():
    with pytest.raises(ValueError, match=r"l_minus \* \(1 \+ xi\)"):
        TrustParams.from_ratio(0.1, 9.0)  # 0.9 * 1.5 > 1
    TrustParams.from_ratio(0.1, 9.0, xi=0.1)  # 0.9 * 1.1 <= 1


@pytest.mark.parametrize(
    "bad",
    [
        {"l_plus": 0.0},
        {"l_plus": 1.5},
        {"l_minus": -0.1},
        {"mu_r": 1.1},
        {"delta_r": -0.01},
        {"xi": 1.5},
        {"k": 0.0},
        {"k": float("inf")},
        {"l_plus": float("nan")},
    ],
)
def test_rejects_out_of_range(bad):
    with pytest.raises(ValueError):
        TrustParams(**bad)


def test_params_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.l_plus = 0.2  # type: ignore[misc]


# --- beta reputation ----------------------------------------------------------------------------


def test_beta_reputation_values():
    assert beta_reputation(0, 0) == 0.5
    assert beta_reputation(8, 0) == pytest.approx(0.9)
    assert beta_reputation(0, 8) == pytest.approx(0.1)
    np.testing.assert_allclose(beta_reputation([0, 8], [0, 0]), [0.5, 0.9])


def test_beta_reputation_rejects_negative_evidence():
    with pytest.raises(ValueError):
        beta_reputation(-1, 0)


def test_decay_evidence():
    np.testing.assert_allclose(decay_evidence([10.0, 0.0], 0.9), [9.0, 0.0])
    assert decay_evidence(4.0, 1.0) == 4.0
    # Forgetting pulls reputation back towards the uninformed 0.5.
    assert 0.5 < beta_reputation(decay_evidence(8, 0.5), 0) < beta_reputation(8, 0)


@pytest.mark.parametrize("forgetting", [0.0, -0.5, 1.5])
def test_decay_evidence_rejects_bad_factor(forgetting):
    with pytest.raises(ValueError):
        decay_evidence(1.0, forgetting)


# --- properties ---------------------------------------------------------------------------------

unit = st.floats(min_value=0.0, max_value=1.0)
perf = st.floats(min_value=-100.0, max_value=100.0)


@st.composite
def valid_params(draw):
    xi = draw(unit)
    l_plus = draw(st.floats(min_value=1e-3, max_value=1.0))
    # Any l_minus up to the stability bound 1 / (1 + xi).
    l_minus = draw(st.floats(min_value=1e-3, max_value=1.0)) / (1.0 + xi) * (1.0 - 1e-12)
    return TrustParams(
        l_plus=l_plus,
        l_minus=l_minus,
        mu_r=draw(unit),
        delta_r=draw(unit),
        xi=xi,
        k=draw(st.floats(min_value=1e-3, max_value=100.0)),
    )


@given(
    trust=unit,
    reputation=unit,
    dependence=unit,
    performance=perf,
    baseline=perf,
    params=valid_params(),
)
def test_outputs_in_range_and_signal_direction(
    trust, reputation, dependence, performance, baseline, params
):
    new_t, new_r = observe(trust, reputation, performance, baseline, params, dependence)
    assert 0.0 <= new_t <= 1.0
    assert 0.0 <= new_r <= 1.0
    signal = trust_signal(performance, baseline, params.k)
    if signal > 0:
        assert new_t >= trust
    else:
        assert new_t <= trust


@given(
    trust=unit,
    reputation=unit,
    dependence=unit,
    signal=st.floats(min_value=-1.0, max_value=1.0),
)
def test_unclipped_update_stays_in_range_with_defaults(trust, reputation, dependence, signal):
    # The stability condition makes clipping a float safeguard, not a modelling device.
    if signal > 0:
        delta = DEFAULT.l_plus * signal * max(0.0, 1.0 - reputation - trust)
    else:
        delta = DEFAULT.l_minus * signal * trust * (1.0 + DEFAULT.xi * dependence)
    assert -1e-12 <= trust + delta <= 1.0 + 1e-12


@given(
    performance=st.one_of(st.just(0.0), perf),
    params=valid_params(),
    seed=st.integers(0, 2**32 - 1),
)
def test_observe_alike_is_observe_to_the_bit(performance, params, seed):
    # one signal for all computes only its own branch: what np.where picks, the same bits
    rng = np.random.default_rng(seed)
    trust, reputation = rng.random(50), rng.random(50) * rng.integers(0, 2, 50)
    expected = observe(trust, reputation, performance, 0.0, params)
    alike = observe_alike(trust, reputation, performance, 0.0, params)
    for got, want in zip(alike, expected, strict=True):
        np.testing.assert_array_equal(got, want)
