import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.network import PartnerNetwork
from sim.model.sums import pairwise_sum


def test_pairwise_sum_known_answers():
    assert pairwise_sum([]) == 0.0
    assert pairwise_sum([2.5]) == 2.5
    # left to right below 8 numbers: (1e16 + 1) + 1 loses both ones, 1e16 + (1 + 1) would not
    assert pairwise_sum([1e16, 1.0, 1.0]) == 1e16
    # from 8 numbers, eight partial sums combined as a tree, then the ninth: left to right each
    # 2^53 + 1 rounds back to 2^53; here (2^53 + 1 + 2) + 4 = 2^53 + 6, and + 1 ties to 2^53 + 8
    assert pairwise_sum([2.0**53] + [1.0] * 8) == 2.0**53 + 8.0
    assert math.copysign(1.0, pairwise_sum([-0.0, -0.0])) == 1.0  # the reduction starts at +0


@pytest.mark.parametrize("n", [*range(20), 127, 128, 129, 136, 255, 256, 257, 1000, 1031])
def test_pairwise_sum_is_numpys_sum_to_the_bit(n):
    rng = np.random.default_rng(n)
    for _ in range(50):
        values = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, n)
        expected = np.add.reduce(values)
        assert pairwise_sum(values.tolist()) == expected
        assert pairwise_sum(tuple(values.tolist())) == values.sum()


@given(st.lists(st.floats(-1e300, 1e300, allow_nan=False), max_size=40))
def test_pairwise_sum_matches_numpy_on_any_floats(values):
    expected = float(np.add.reduce(np.array(values, dtype=float)))
    total = pairwise_sum(values)
    assert total == expected or (math.isnan(expected) and math.isnan(total))


def _mean_trust_of_matrix(network: PartnerNetwork, parties: list[int]) -> np.ndarray:
    """The definition: each row of the pairwise trust matrix (diagonal 1), less the diagonal."""
    matrix = np.array([[1.0 if i == j else network.trust(i, j) for j in parties] for i in parties])
    return (matrix.sum(axis=1) - 1.0) / max(len(parties) - 1, 1)


def test_mean_trust_known_answer():
    network = PartnerNetwork(np.array([0.5, 0.2, 0.8]))
    network._trust[(0, 1)] = 0.9
    network._trust[(2, 0)] = 0.1
    # 0 trusts 1 at 0.9 and 2 as a stranger (0.5); 1 trusts both as a stranger (0.2); 2 trusts
    # 0 at 0.1 and 1 as a stranger (0.8)
    np.testing.assert_allclose(network.mean_trust([0, 1, 2]), [0.7, 0.2, 0.45], rtol=1e-15)
    np.testing.assert_array_equal(network.mean_trust([1]), [0.0])


def test_mean_trust_is_the_matrix_mean_to_the_bit():
    rng = np.random.default_rng(3)
    network = PartnerNetwork(rng.random(60))
    for _ in range(1500):
        truster, trustee = rng.integers(60, size=2).tolist()
        network._trust[(truster, trustee)] = float(rng.random())
    for _ in range(500):
        parties = rng.choice(60, size=int(rng.integers(1, 35)), replace=False).tolist()
        np.testing.assert_array_equal(
            network.mean_trust(parties), _mean_trust_of_matrix(network, parties)
        )
