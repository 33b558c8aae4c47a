"""The docking games' equations (sim.docking.games).

Payoffs, Jacobian, equilibria, published answers.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.docking.games import (
    ENTERPRISE_KEYS,
    GOVERNMENT_KEYS,
    PUBLIC_KEYS,
    InspectionParams,
    ThreePopulationParams,
    advantages,
    corners,
    inspection_game,
    inspection_h,
    inspection_rhs,
    integrate,
    nearest_corner,
    payoff_table,
    replicator_jacobian,
    replicator_rhs,
    stable_corners,
    three_population_advantages,
    three_population_game,
    turns,
    unwrapped_angle,
)

# VALIDATION.md: the authors' two parameter sets and their published answers.
BASELINE = (
    [0.2, 40, 20, 35, 0.1, 10, 0, 0, 0.1],
    [0.2, -30, 30, 0.8, 18, 0, 25, 0.1, 0.1, 0.1, 0.1],
    [0.2, 25, 30, 0.5, 10, 0.8, 5],
)
STRONG = (
    [0.2, 40, 20, 35, 0.5, 20, 0.1, 0.2, 0.1],
    [0.2, -30, 30, 0.7, 18, 0.1, 25, 0.1, 0.1, 0.1, 0.1],
    [0.2, 25, 30, 0.5, 25, 0.8, 15],
)
PUBLISHED = {
    "baseline": (BASELINE, (0, 0, 0), (-3.15, -6.5, -10.0)),
    "strong_policy": (STRONG, (1, 1, 1), (-6.75, -1.6, -12.4)),
}
INSPECTION = InspectionParams(F=10, G=4, L=6, C=5, x0=0.5, y0=0.4)


def params(name: str) -> ThreePopulationParams:
    return ThreePopulationParams.from_vectors(*PUBLISHED[name][0])


# --- parameter vectors ---------------------------------------------------------------------


def test_vectors_in_the_authors_order() -> None:
    p = params("baseline")
    assert (p.x0, p.PA, p.gamma) == (0.2, 40, 0.1)
    assert (p.y0, p.CH, p.eta, p.lambda_) == (0.2, -30, 0.1, 0.1)
    assert (p.z0, p.CG1, p.G1) == (0.2, 25, 5)
    assert p.vectors() == tuple(list(map(float, v)) for v in BASELINE)
    shorthand = p.P
    assert shorthand == pytest.approx(40 + 0.9 * 0.5 * 20)
    assert (len(ENTERPRISE_KEYS), len(PUBLIC_KEYS), len(GOVERNMENT_KEYS)) == (9, 11, 7)


def test_wrong_vector_length_is_refused() -> None:
    enterprise, public, government = BASELINE
    with pytest.raises(ValueError, match=r"public vector has 10 numbers, expected 11"):
        ThreePopulationParams.from_vectors(enterprise, public[:-1], government)


# --- payoffs and advantages ----------------------------------------------------------------


def test_payoff_table_matches_hand_computed_entries() -> None:
    p = params("strong_policy")
    table = payoff_table(p)
    assert sorted(table) == sorted("".join(t) for t in itertools.product("CD", repeat=3))
    big_p = 40 + 0.5 * 0.5 * 20  # P = PA + (1 - eA)(1 - gov) Pe = 45
    # (1+eta)PA + (1-eA)(1-gov)Pe - eA(1-gamma)CA + eA Rc + alpha P
    assert table["CCC"][0] == pytest.approx(1.1 * 40 + 5 - 0.5 * 0.9 * 35 + 0.5 * 20 + 0.1 * big_p)
    assert table["DDD"] == pytest.approx((40 + 0.5 * 20, -30 - 18, -0.2 * 30 + 0.8 * 0.5 * 20 - 25))
    assert table["DCC"][1] == pytest.approx(1.1 * -30 + 0.1 * 25 - 0.9 * 0.7 * 30)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_closed_form_advantages_equal_expectation_over_the_table(name: str) -> None:
    p = params(name)
    game = three_population_game(p)
    for state in np.random.default_rng(1).random((20, 3)):
        closed = three_population_advantages(p, *state)
        assert advantages(game.payoffs, state) == pytest.approx(closed, abs=1e-12)
        assert game.advantage(state) == pytest.approx(closed, abs=1e-12)


def test_inspection_payoffs_give_the_textbook_equations() -> None:
    game = inspection_game(INSPECTION)
    for state in np.random.default_rng(2).random((10, 2)):
        assert game.rhs(0.0, state) == pytest.approx(inspection_rhs(INSPECTION, state), abs=1e-12)
    assert game.max_advantage == pytest.approx(11.0)


def test_max_advantage_is_the_largest_corner_difference() -> None:
    assert three_population_game(params("baseline")).max_advantage == pytest.approx(10.0)
    assert three_population_game(params("strong_policy")).max_advantage == pytest.approx(25.9)


# --- Jacobian ------------------------------------------------------------------------------


def finite_difference_jacobian(payoffs: np.ndarray, state: np.ndarray, h: float = 1e-6):
    jac = np.empty((len(state), len(state)))
    for m in range(len(state)):
        step = np.zeros(len(state))
        step[m] = h
        up = replicator_rhs(payoffs, state + step)
        down = replicator_rhs(payoffs, state - step)
        jac[:, m] = (up - down) / (2 * h)
    return jac


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_analytic_jacobian_matches_finite_differences(name: str) -> None:
    game = three_population_game(params(name))
    for state in np.random.default_rng(3).uniform(0.05, 0.95, (10, 3)):
        analytic = replicator_jacobian(game.payoffs, state)
        assert analytic == pytest.approx(finite_difference_jacobian(game.payoffs, state), abs=1e-7)
        assert not np.allclose(analytic - np.diag(np.diag(analytic)), 0.0)


def test_inspection_jacobian_matches_finite_differences() -> None:
    game = inspection_game(INSPECTION)
    for state in np.random.default_rng(4).uniform(0.05, 0.95, (10, 2)):
        assert replicator_jacobian(game.payoffs, state) == pytest.approx(
            finite_difference_jacobian(game.payoffs, state), abs=1e-7
        )


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=24, max_size=24),
    st.lists(st.floats(0.05, 0.95), min_size=3, max_size=3),
)
def test_jacobian_matches_finite_differences_for_any_payoffs(values, state) -> None:
    payoffs = np.array(values).reshape(3, 2, 2, 2)
    s = np.array(state)
    assert replicator_jacobian(payoffs, s) == pytest.approx(
        finite_difference_jacobian(payoffs, s), abs=1e-6
    )


# --- equilibria and published answers ------------------------------------------------------


def test_hand_check_of_the_baseline_enterprise_eigenvalue() -> None:
    p = params("baseline")
    hand = p.eA * (p.Rc - p.Pe * (1 - p.gov) - p.CA * (1 - p.gamma))
    assert hand == pytest.approx(0.1 * (10 - 10 - 31.5)) == pytest.approx(-3.15)
    origin = corners(three_population_game(p))[0]
    assert origin.state == (0, 0, 0)
    assert origin.eigenvalues[0] == pytest.approx(hand, abs=1e-12)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_stable_point_and_eigenvalues(name: str) -> None:
    _, point, eigenvalues = PUBLISHED[name]
    game = three_population_game(params(name))
    stable = stable_corners(game)
    assert [c.state for c in stable] == [point]
    assert stable[0].eigenvalues == pytest.approx(eigenvalues, abs=1e-6)
    assert stable[0].kind == "ESS"
    assert stable[0].label == "".join("C" if v else "D" for v in point)
    assert len(corners(game)) == 8


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_equations_reach_the_stable_point_from_every_grid_start(name: str) -> None:
    _, point, _ = PUBLISHED[name]
    game = three_population_game(params(name))
    for start in itertools.product((0.1, 0.5, 0.9), repeat=3):
        final = integrate(game, 30.0, start=start, t_eval=np.array([0.0, 30.0])).final
        assert final == pytest.approx(point, abs=1e-6), start
        assert nearest_corner(final) == point


def test_corner_eigenvalues_are_those_of_a_linearisation() -> None:
    """Near the stable point, the distance shrinks at the rate of the slowest eigenvalue."""
    game = three_population_game(params("strong_policy"))
    start = np.array([0.999, 0.999, 0.999])
    t = integrate(game, 4.0, start=start, t_eval=np.array([0.0, 4.0]))
    gap = 1.0 - t.final
    assert gap[1] / 0.001 == pytest.approx(math.exp(-1.6 * 4.0), rel=0.05)


# --- inspection game -----------------------------------------------------------------------


def test_inspection_centre() -> None:
    assert INSPECTION.centre == pytest.approx((0.6875, 0.4))
    assert INSPECTION.A == 16
    assert inspection_rhs(INSPECTION, INSPECTION.centre) == pytest.approx((0.0, 0.0), abs=1e-15)


def test_inspection_h_is_conserved_by_the_equations() -> None:
    game = inspection_game(INSPECTION)
    t = np.linspace(0.0, 50.0, 5001)
    path = integrate(game, 50.0, t_eval=t)
    h = inspection_h(INSPECTION, path.states[:, 0], path.states[:, 1])
    assert np.max(np.abs(h - h[0])) < 1e-6
    # ... and the orbit really cycles: many turns around the centre, clockwise.
    assert turns(path.states, INSPECTION.centre) < -15


def test_h_is_largest_at_the_centre() -> None:
    x, y = INSPECTION.centre
    top = inspection_h(INSPECTION, x, y)
    for dx, dy in [(0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)]:
        assert inspection_h(INSPECTION, x + dx, y + dy) < top


def test_turns_counts_full_turns_around_a_centre() -> None:
    angle = np.linspace(0.0, 5 * 2 * np.pi, 500)
    circle = np.column_stack([0.5 + 0.1 * np.cos(angle), 0.4 + 0.1 * np.sin(angle)])
    assert turns(circle, (0.5, 0.4)) == pytest.approx(5.0)
    assert turns(circle[::-1], (0.5, 0.4)) == pytest.approx(-5.0)
    assert np.all(np.diff(unwrapped_angle(circle, (0.5, 0.4))) > 0)
