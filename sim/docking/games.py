"""Evolutionary games for validation by docking: payoffs, replicator equations, equilibria.

Pure functions over numpy arrays; no Mesa. Both games, their equations, equilibria and
Jacobians stay in one module because the audit treats them through one interface
(:class:`MatrixGame`); splitting by game would repeat that interface.

Two games are used to dock the agent model (see ``docs/validation.md``):

* The three-population game of enterprises, the public and the government (WANG-2023: Wang, Jia,
  He, Wang and Huang 2023, "Engaging stakeholders in collaborative control of air pollution: a
  tripartite evolutionary game of enterprises, public and government", Journal of Cleaner
  Production 418, 138074, doi:10.1016/j.jclepro.2023.138074), with the payoff table of the
  authors' own script and its parameter vectors in their order.
* The two-population inspection game (a firm is diligent or shirks, a city inspects or not),
  whose replicator orbits cycle around a centre and conserve a first integral ``H``.

Both are binary-strategy games among populations: strategy C (index 0: control, participate,
regulate, be diligent, inspect) or D (index 1). A game is a payoff tensor ``T`` of shape
``(n, 2, ..., 2)`` (``n`` populations, then one axis per population's strategy), and everything
else follows from it: the advantage ``delta_k`` of C over D for population ``k`` against the
mixed state of the others, the replicator right-hand side
``ds_k/dt = s_k (1 - s_k) delta_k(s)``, its Jacobian, and the corner equilibria.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

C, D = 0, 1
"""Strategy indices along each strategy axis of a payoff tensor."""

ENTERPRISE_KEYS: tuple[str, ...] = ("x0", "PA", "Pe", "CA", "eA", "Rc", "alpha", "beta", "gamma")
"""The enterprise parameter vector, in the authors' order (WANG-2023 script)."""
PUBLIC_KEYS: tuple[str, ...] = (
    "y0",
    "CH",
    "CB1",
    "delta",
    "CB0",
    "epsilon",
    "Rp",
    "zeta",
    "eta",
    "theta",
    "lambda",
)
"""The public parameter vector, in the authors' order; eta (the enterprise's innovation gain)
travels with it because the authors' script passes it there."""
GOVERNMENT_KEYS: tuple[str, ...] = ("z0", "CG1", "CE", "gov", "G0", "kappa", "G1")
"""The government parameter vector, in the authors' order."""

THREE_POPULATIONS: tuple[str, ...] = ("enterprise", "public", "government")
"""Population names of the three-population game, in state order (x, y, z)."""
INSPECTION_POPULATIONS: tuple[str, ...] = ("firm", "city")
"""Population names of the inspection game, in state order (x, y)."""

RTOL = 1e-10
"""Relative tolerance of :func:`integrate`."""
ATOL = 1e-12
"""Absolute tolerance of :func:`integrate`."""


# ----------------------------------------------------------------------------- generic game


@dataclass(frozen=True, eq=False)
class MatrixGame:
    """A game among populations that each choose C or D, given by its payoff tensor.

    Attributes:
        payoffs: Array of shape ``(n, 2, ..., 2)`` with ``n`` strategy axes: ``payoffs[k, i, j,
            ...]`` is population ``k``'s payoff when population 0 plays ``i``, population 1 plays
            ``j``, and so on (index 0 is C, 1 is D).
        populations: Names of the populations, in state order.
        start: Initial shares of C, one per population.
    """

    payoffs: np.ndarray
    populations: tuple[str, ...]
    start: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.populations)
        if self.payoffs.shape != (n, *([2] * n)):
            raise ValueError(f"payoff tensor shape {self.payoffs.shape} does not fit {n} players")
        if len(self.start) != n:
            raise ValueError(f"start has {len(self.start)} shares, expected {n}")
        object.__setattr__(self, "_gains", _gain_matrix(self.payoffs))

    @property
    def size(self) -> int:
        """Number of populations."""
        return len(self.populations)

    def advantage(self, state: Sequence[float] | np.ndarray) -> np.ndarray:
        """Return each population's expected payoff of C minus that of D against ``state``.

        Args:
            state: Share of C in each population.

        Returns:
            ``delta`` with one entry per population (payoff units).
        """
        weights = np.array([1.0])
        for share in state:
            weights = np.multiply.outer(weights, (share, 1.0 - share))
        return self._gains @ weights.ravel()

    def rhs(self, t: float, state: np.ndarray) -> np.ndarray:
        """Return the replicator right-hand side at ``state`` (``t`` unused; for solve_ivp)."""
        return state * (1.0 - state) * self.advantage(state)

    def jacobian(self, t: float, state: np.ndarray) -> np.ndarray:
        """Return the analytic Jacobian at ``state`` (``t`` unused; for solve_ivp)."""
        return replicator_jacobian(self.payoffs, state)

    @property
    def max_advantage(self) -> float:
        """Largest ``|delta_k|`` over all populations and all states (payoff units).

        Each ``delta_k`` is multilinear in the other populations' shares, so its extremes over
        the unit cube are at the corners; this is the normaliser that turns a payoff difference
        into a switching probability in the agent model.
        """
        return max_advantage(self.payoffs)


def _gain_matrix(payoffs: np.ndarray) -> np.ndarray:
    """Return the matrix that maps the profile weights to every population's advantage.

    Row k holds population k's gain of C over D at each profile (flattened), with its own
    strategy axis broadcast: as its own weights (s_k, 1 - s_k) sum to one, the product of this
    row with the weights of all profiles is ``delta_k``. One matrix-vector product then gives
    every advantage, which is what makes the agent model's step cheap.
    """
    n = payoffs.shape[0]
    rows = []
    for k in range(n):
        gain = np.take(payoffs[k], C, axis=k) - np.take(payoffs[k], D, axis=k)
        rows.append(np.broadcast_to(np.expand_dims(gain, k), (2,) * n).ravel())
    return np.array(rows)


def _weights(share: float) -> np.ndarray:
    """Return the mixed strategy (C, D) of a population with share ``share`` of C."""
    return np.array([share, 1.0 - share])


_SLOPE = np.array([1.0, -1.0])
"""Derivative of :func:`_weights` with respect to the share."""


def _expected(payoffs: np.ndarray, k: int, vectors: Sequence[np.ndarray]) -> np.ndarray:
    """Contract population k's payoffs with one vector per other population; return (C, D)."""
    tensor = payoffs[k]
    for m in reversed(range(len(vectors))):
        if m != k:
            tensor = np.tensordot(tensor, vectors[m], axes=([m], [0]))
    return tensor


def advantages(payoffs: np.ndarray, state: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return ``E[payoff | C] - E[payoff | D]`` for each population against the others' mix.

    Args:
        payoffs: Payoff tensor of shape ``(n, 2, ..., 2)`` (see :class:`MatrixGame`).
        state: Share of C in each population.

    Returns:
        One advantage per population (payoff units).
    """
    weights = [_weights(float(s)) for s in state]
    out = np.empty(len(weights))
    for k in range(len(weights)):
        expected = _expected(payoffs, k, weights)
        out[k] = expected[C] - expected[D]
    return out


def replicator_rhs(payoffs: np.ndarray, state: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return the replicator right-hand side ``ds_k/dt = s_k (1 - s_k) delta_k(s)``.

    Args:
        payoffs: Payoff tensor of shape ``(n, 2, ..., 2)``.
        state: Share of C in each population.

    Returns:
        The time derivative of each share.
    """
    s = np.asarray(state, dtype=float)
    return s * (1.0 - s) * advantages(payoffs, s)


def replicator_jacobian(payoffs: np.ndarray, state: Sequence[float] | np.ndarray) -> np.ndarray:
    """Return the analytic Jacobian of :func:`replicator_rhs`.

    ``J[k, k] = (1 - 2 s_k) delta_k`` and ``J[k, m] = s_k (1 - s_k) d delta_k / d s_m``, where the
    derivative replaces population m's mixed strategy (s_m, 1 - s_m) by its slope (1, -1); this
    is exact because ``delta_k`` is multilinear in the other shares.

    Args:
        payoffs: Payoff tensor of shape ``(n, 2, ..., 2)``.
        state: Share of C in each population.

    Returns:
        An ``(n, n)`` array.
    """
    s = np.asarray(state, dtype=float)
    n = len(s)
    weights = [_weights(float(v)) for v in s]
    delta = advantages(payoffs, s)
    jac = np.diag((1.0 - 2.0 * s) * delta)
    for k in range(n):
        for m in range(n):
            if m == k:
                continue
            vectors = [_SLOPE if i == m else weights[i] for i in range(n)]
            expected = _expected(payoffs, k, vectors)
            jac[k, m] = s[k] * (1.0 - s[k]) * (expected[C] - expected[D])
    return jac


def max_advantage(payoffs: np.ndarray) -> float:
    """Return the largest ``|delta_k|`` over all populations and corners of the unit cube."""
    n = payoffs.shape[0]
    return float(
        max(
            np.max(np.abs(advantages(payoffs, corner)))
            for corner in itertools.product((0.0, 1.0), repeat=n)
        )
    )


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A solution of the replicator equations sampled at given times.

    Attributes:
        t: Sample times (equation time).
        states: Shares of C, shape ``(len(t), n)``.
    """

    t: np.ndarray
    states: np.ndarray

    @property
    def final(self) -> np.ndarray:
        """The state at the last sample time."""
        return self.states[-1]


def integrate(
    game: MatrixGame,
    t_end: float,
    *,
    start: Sequence[float] | None = None,
    t_eval: np.ndarray | None = None,
    rtol: float = RTOL,
    atol: float = ATOL,
    method: str = "DOP853",
) -> Trajectory:
    """Integrate the replicator equations of ``game`` with scipy's ``solve_ivp``.

    Args:
        game: The game.
        t_end: End time (equation time).
        start: Initial shares; the game's own start when None.
        t_eval: Times to sample; 401 evenly spaced points when None.
        rtol: Relative tolerance.
        atol: Absolute tolerance.
        method: A ``solve_ivp`` method; implicit ones (Radau, BDF, LSODA) use the analytic
            Jacobian.

    Returns:
        The trajectory at ``t_eval``.

    Raises:
        RuntimeError: The integrator failed.
    """
    # Imported here: scipy takes about a second to import, and scenario validation (which
    # imports this module for the parameter orders) must stay quick.
    from scipy.integrate import solve_ivp

    s0 = np.asarray(game.start if start is None else start, dtype=float)
    times = np.linspace(0.0, t_end, 401) if t_eval is None else np.asarray(t_eval, dtype=float)
    implicit = method in {"Radau", "BDF", "LSODA"}
    solution = solve_ivp(
        game.rhs,
        (0.0, t_end),
        s0,
        method=method,
        t_eval=times,
        rtol=rtol,
        atol=atol,
        **({"jac": game.jacobian} if implicit else {}),
    )
    if not solution.success:
        raise RuntimeError(f"replicator integration failed: {solution.message}")
    return Trajectory(t=solution.t, states=solution.y.T)


@dataclass(frozen=True)
class Corner:
    """A pure-strategy rest point (a corner of the unit cube) and its stability.

    Attributes:
        state: The corner, e.g. (0, 0, 0) is everyone playing D.
        eigenvalues: Eigenvalues of the Jacobian there, one per population in state order (the
            Jacobian at a corner is diagonal, so these are its diagonal entries).
        stable: Whether it is evolutionarily stable: every eigenvalue negative.
    """

    state: tuple[int, ...]
    eigenvalues: tuple[float, ...]
    stable: bool

    @property
    def label(self) -> str:
        """The profile as letters, e.g. ``"DDD"`` for (0, 0, 0) (share of C zero everywhere)."""
        return "".join("C" if s else "D" for s in self.state)

    @property
    def kind(self) -> str:
        """``"ESS"`` (all eigenvalues negative), ``"source"`` (all positive) or ``"saddle"``."""
        if self.stable:
            return "ESS"
        if all(value > 0 for value in self.eigenvalues):
            return "source"
        return "saddle"


def corners(game: MatrixGame) -> list[Corner]:
    """Return the corner rest points with their eigenvalues, (0, ..., 0) first.

    Args:
        game: The game.

    Returns:
        One :class:`Corner` per corner of the unit cube, in lexicographic order of the state.

    Raises:
        ArithmeticError: A corner's Jacobian is not diagonal (cannot happen for a replicator
            system; guards the analytic Jacobian).
    """
    found = []
    for corner in itertools.product((0, 1), repeat=game.size):
        jac = replicator_jacobian(game.payoffs, corner)
        off = jac - np.diag(np.diag(jac))
        if np.any(off != 0):
            raise ArithmeticError(f"Jacobian at corner {corner} is not diagonal")
        values = tuple(float(v) for v in np.diag(jac))
        found.append(Corner(corner, values, all(v < 0 for v in values)))
    return found


def stable_corners(game: MatrixGame) -> list[Corner]:
    """Return the corners that are evolutionarily stable (all eigenvalues negative)."""
    return [corner for corner in corners(game) if corner.stable]


def nearest_corner(state: Sequence[float], *, tol: float = 1e-3) -> tuple[int, ...] | None:
    """Return the corner within ``tol`` (max norm) of ``state``, or None if there is none."""
    s = np.asarray(state, dtype=float)
    corner = np.rint(s)
    if np.max(np.abs(s - corner)) <= tol:
        return tuple(int(v) for v in corner)
    return None


# ------------------------------------------------------------- three-population game (WANG-2023)


@dataclass(frozen=True)
class ThreePopulationParams:
    """Parameters of the enterprise-public-government game (WANG-2023), named as in the paper.

    Attributes:
        x0: Initial share of enterprises that control pollution.
        PA: Enterprise's normal profit.
        Pe: Enterprise's externality profit.
        CA: Cost of full abatement.
        eA: Abatement effort level (0 to 1).
        Rc: Enterprise's benefit from reduction.
        alpha: Subsidy coefficient (share of P paid to a controlling enterprise).
        beta: Penalty coefficient (share of P fined from a non-controlling enterprise).
        gamma: Innovation capability (share of abatement cost saved).
        y0: Initial share of citizens who participate.
        CH: Health loss (negative).
        CB1: Cost of participating.
        delta: Difficulty of the participation channel (0 to 1).
        CB0: Cost of self-protection when not participating.
        epsilon: Participation subsidy (share of delta CB1 the government pays).
        Rp: Environmental benefit to participants.
        zeta: Share of expert public.
        eta: Enterprise's innovation gain (share of PA) when the public participates.
        theta: Reputation multiplier from public participation.
        lambda_: Psychological loss multiplier when enterprises do not control.
        z0: Initial share of time the government regulates.
        CG1: Administrative cost of regulating.
        CE: Environmental damage.
        gov: Government's share of the externality.
        G0: Reputation loss when not regulating.
        kappa: Decentralisation coefficient.
        G1: Reputation gain from regulating.
    """

    x0: float
    PA: float
    Pe: float
    CA: float
    eA: float
    Rc: float
    alpha: float
    beta: float
    gamma: float
    y0: float
    CH: float
    CB1: float
    delta: float
    CB0: float
    epsilon: float
    Rp: float
    zeta: float
    eta: float
    theta: float
    lambda_: float
    z0: float
    CG1: float
    CE: float
    gov: float
    G0: float
    kappa: float
    G1: float

    @classmethod
    def from_vectors(
        cls,
        enterprise: Sequence[float],
        public: Sequence[float],
        government: Sequence[float],
    ) -> ThreePopulationParams:
        """Build the parameters from the authors' three vectors (orders in the ``*_KEYS``).

        Args:
            enterprise: x0, PA, Pe, CA, eA, Rc, alpha, beta, gamma.
            public: y0, CH, CB1, delta, CB0, epsilon, Rp, zeta, eta, theta, lambda.
            government: z0, CG1, CE, gov, G0, kappa, G1.

        Returns:
            The parameters.

        Raises:
            ValueError: A vector has the wrong length.
        """
        values: list[float] = []
        for name, vector, keys in (
            ("enterprise", enterprise, ENTERPRISE_KEYS),
            ("public", public, PUBLIC_KEYS),
            ("government", government, GOVERNMENT_KEYS),
        ):
            if len(vector) != len(keys):
                raise ValueError(
                    f"{name} vector has {len(vector)} numbers, expected {len(keys)}: "
                    f"{', '.join(keys)}"
                )
            values.extend(float(v) for v in vector)
        return cls(*values)

    def vectors(self) -> tuple[list[float], list[float], list[float]]:
        """Return the three vectors in the authors' order (inverse of :meth:`from_vectors`)."""
        flat = [getattr(self, f.name) for f in fields(self)]
        n_e, n_p = len(ENTERPRISE_KEYS), len(PUBLIC_KEYS)
        return flat[:n_e], flat[n_e : n_e + n_p], flat[n_e + n_p :]

    @property
    def P(self) -> float:
        """Shorthand ``P = PA + (1 - eA)(1 - gov) Pe``, the base of subsidy and penalty."""
        return self.PA + (1 - self.eA) * (1 - self.gov) * self.Pe

    @property
    def start(self) -> tuple[float, float, float]:
        """Initial shares (x0, y0, z0)."""
        return (self.x0, self.y0, self.z0)


def payoff_table(p: ThreePopulationParams) -> dict[str, tuple[float, float, float]]:
    """Return the payoffs (enterprise, public, government) of each of the eight profiles.

    Profiles are written enterprise-public-government with C or D each (``"CCC"`` ... ``"DDD"``);
    the entries are those of the authors' script (WANG-2023), transcribed in VALIDATION.md.

    Args:
        p: The parameters.

    Returns:
        Mapping from profile to payoffs.
    """
    big_p = p.P
    # Enterprise: controlling (C) vs not (D); the innovation gain needs a participating public.
    ent_c = p.PA + (1 - p.eA) * (1 - p.gov) * p.Pe - p.eA * (1 - p.gamma) * p.CA + p.eA * p.Rc
    ent_d = p.PA + (1 - p.gov) * p.Pe
    gain = p.eta * p.PA
    # Public: participating (C) vs not (D), given the enterprise's choice.
    pub_c_vs_c = (1 - p.eA) * p.CH + p.zeta * p.Rp
    pub_c_vs_d = (1 + p.lambda_) * p.CH + p.zeta * p.Rp
    channel = p.delta * p.CB1
    # Government: regulating (C) vs not (D); environmental terms depend on the enterprise.
    env_c = (1 - p.kappa) * (p.eA - 1) * p.CE + p.kappa * (1 - p.eA) * p.gov * p.Pe
    env_d = -(1 - p.kappa) * p.CE + p.kappa * p.gov * p.Pe
    reg_pub = (1 + p.theta) * p.G1 - p.CG1 - p.epsilon * channel
    reg_nopub = p.G1 - p.CG1
    return {
        "CCC": (
            ent_c + gain + p.alpha * big_p,
            pub_c_vs_c - (1 - p.epsilon) * channel,
            env_c + reg_pub - p.alpha * big_p,
        ),
        "DCC": (
            ent_d - p.beta * big_p,
            pub_c_vs_d - (1 - p.epsilon) * channel,
            env_d + reg_pub + p.beta * big_p,
        ),
        "CDC": (
            ent_c + p.alpha * big_p,
            (1 - p.eA) * p.CH - p.CB0,
            env_c + reg_nopub - p.alpha * big_p,
        ),
        "DDC": (ent_d - p.beta * big_p, p.CH - p.CB0, env_d + reg_nopub + p.beta * big_p),
        "CCD": (ent_c + gain, pub_c_vs_c - channel, env_c - (1 + p.theta) * p.G0),
        "DCD": (ent_d, pub_c_vs_d - channel, env_d - (1 + p.theta) * p.G0),
        "CDD": (ent_c, (1 - p.eA) * p.CH - p.CB0, env_c - p.G0),
        "DDD": (ent_d, p.CH - p.CB0, env_d - p.G0),
    }


def payoff_tensor(table: dict[str, tuple[float, ...]]) -> np.ndarray:
    """Turn a profile table (``"CCD"`` -> payoffs) into a payoff tensor ``(n, 2, ..., 2)``.

    Args:
        table: Payoffs per profile; every profile of C/D letters must be present.

    Returns:
        The tensor with index 0 for C and 1 for D on each strategy axis.
    """
    n = len(next(iter(table)))
    tensor = np.empty((n, *([2] * n)))
    for profile, values in table.items():
        index = tuple(C if letter == "C" else D for letter in profile)
        tensor[(slice(None), *index)] = values
    return tensor


def three_population_game(p: ThreePopulationParams) -> MatrixGame:
    """Return the enterprise-public-government game for parameters ``p``."""
    return MatrixGame(payoff_tensor(payoff_table(p)), THREE_POPULATIONS, p.start)


def three_population_advantages(
    p: ThreePopulationParams, x: float, y: float, z: float
) -> tuple[float, float, float]:
    """Return the closed-form expected payoff differences (C minus D) at (x, y, z).

    Worked out by hand from :func:`payoff_table`; tests check them against the generic
    expectation over the table.

    Args:
        p: The parameters.
        x: Share of enterprises that control.
        y: Share of citizens who participate.
        z: Share of time the government regulates.

    Returns:
        (delta_x, delta_y, delta_z).
    """
    delta_x = (
        p.eta * p.PA * y
        + (p.alpha + p.beta) * p.P * z
        + p.eA * (p.Rc - (1 - p.gov) * p.Pe - (1 - p.gamma) * p.CA)
    )
    delta_y = (
        p.zeta * p.Rp
        + p.CB0
        - p.delta * p.CB1
        + p.epsilon * p.delta * p.CB1 * z
        + p.lambda_ * p.CH * (1 - x)
    )
    delta_z = (
        p.G1
        + p.G0
        - p.CG1
        + (p.theta * (p.G1 + p.G0) - p.epsilon * p.delta * p.CB1) * y
        - p.alpha * p.P * x
        + p.beta * p.P * (1 - x)
    )
    return (delta_x, delta_y, delta_z)


# ------------------------------------------------------------------------------ inspection game


@dataclass(frozen=True)
class InspectionParams:
    """The inspection game: a firm is diligent (C) or shirks (D); a city inspects (C) or not.

    Attributes:
        F: Fine a shirking firm pays when inspected.
        G: Firm's gain from shirking.
        L: City's loss from an undetected shirking firm.
        C: City's cost of an inspection.
        x0: Initial share of diligent firms.
        y0: Initial share of inspecting city agents.
    """

    F: float
    G: float
    L: float
    C: float
    x0: float = 0.5
    y0: float = 0.4

    @property
    def A(self) -> float:
        """``A = F + L``: what an inspection of a shirking firm is worth to the city."""
        return self.F + self.L

    @property
    def centre(self) -> tuple[float, float]:
        """The interior rest point ``(1 - C/A, G/F)``."""
        return (1.0 - self.C / self.A, self.G / self.F)

    @property
    def start(self) -> tuple[float, float]:
        """Initial shares (x0, y0)."""
        return (self.x0, self.y0)


def inspection_payoff_table(p: InspectionParams) -> dict[str, tuple[float, float]]:
    """Return the payoffs (firm, city) of each profile (firm letter first).

    A diligent firm earns 0; a shirking firm gains G and pays the fine F if inspected. An
    inspecting city pays C and, facing a shirking firm, collects F; an uninspected shirker costs
    the city L. Hence ``delta_x = F y - G`` and ``delta_y = (F + L)(1 - x) - C``.
    """
    return {
        "CC": (0.0, -p.C),
        "CD": (0.0, 0.0),
        "DC": (p.G - p.F, p.F - p.C),
        "DD": (p.G, -p.L),
    }


def inspection_game(p: InspectionParams) -> MatrixGame:
    """Return the inspection game for parameters ``p``."""
    return MatrixGame(payoff_tensor(inspection_payoff_table(p)), INSPECTION_POPULATIONS, p.start)


def inspection_rhs(p: InspectionParams, state: Sequence[float]) -> np.ndarray:
    """Return ``(x(1-x)(F y - G), y(1-y)(A(1-x) - C))`` at ``state = (x, y)``."""
    x, y = float(state[0]), float(state[1])
    return np.array([x * (1 - x) * (p.F * y - p.G), y * (1 - y) * (p.A * (1 - x) - p.C)])


def inspection_h(p: InspectionParams, x: np.ndarray | float, y: np.ndarray | float) -> np.ndarray:
    """Return the conserved quantity ``H = (A-C) ln x + C ln(1-x) + G ln y + (F-G) ln(1-y)``.

    ``dH/dt = 0`` along every interior orbit, so orbits are closed curves around the centre
    (where H is largest).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return (
        (p.A - p.C) * np.log(x) + p.C * np.log1p(-x) + p.G * np.log(y) + (p.F - p.G) * np.log1p(-y)
    )


def unwrapped_angle(states: np.ndarray, centre: Sequence[float]) -> np.ndarray:
    """Return the continuous angle (radians) of 2-D ``states`` around ``centre``.

    Counter-clockwise is positive; full turns accumulate (``np.unwrap``), so
    ``|angle[-1] - angle[0]| / (2 pi)`` counts the turns made.
    """
    rel = np.asarray(states, dtype=float)[:, :2] - np.asarray(centre, dtype=float)
    return np.unwrap(np.arctan2(rel[:, 1], rel[:, 0]))


def turns(states: np.ndarray, centre: Sequence[float]) -> float:
    """Return the number of full turns (signed, counter-clockwise positive) around ``centre``."""
    angle = unwrapped_angle(states, centre)
    return float((angle[-1] - angle[0]) / (2 * math.pi))
