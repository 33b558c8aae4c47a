"""The agent version of a docking game: N agents per population revising by pairwise comparison.

Each population (enterprises, citizens and governments; or firms and city inspectors) is a
Mesa ``AgentSet`` of :class:`Player` agents, each playing C or D. A step gives every agent a
revision opportunity with probability ``r`` (the revision rate); the populations revise one after
another, in an order drawn afresh each step, each against the current shares of the others.

Revision by pairwise proportional imitation (Schlag 1998; Sandholm 2010, ch. 5): a reviser meets an
agent of its own population drawn uniformly at random; if the other's strategy earns more against
the current mixed state of the other populations, the reviser switches to it with probability
``(payoff difference) / M``, where ``M = max |delta|`` is the largest payoff difference over every
population and state (:attr:`sim.docking.games.MatrixGame.max_advantage`), so that it is a
probability. A D-player meets a C-player with probability ``x`` and a C-player a D-player with
probability ``1 - x``, so the expected change of the share of C in a step is

    E[x' - x] = r x (1 - x) delta(x, y, z) / M,

the replicator equation ``dx/dt = x (1 - x) delta`` advanced by ``dt = r / M`` units of its time.
**One step is r / M units of equation time** (:attr:`GameModel.time_step`); as N grows the
shares follow the equations with fluctuations of order ``1/sqrt(N)``, and the step itself leaves
a discretisation error of order ``r / M`` (the mean-field map, :func:`mean_field_path`, measures
it). Because the populations revise in turn, each map is close to area-preserving, which keeps
the inspection game's orbits from spiralling outwards as a simultaneous update would.

Speed: each agent's strategy lives in its population's boolean array (index ``Player.slot``);
:attr:`Player.strategy` reads it. A revision draws the number of revisers, who they are, whom
they meet and whether they switch as numpy arrays from ``model.rng``, so a step costs O(r N) and
no Python loop runs over agents. All randomness comes from ``model.rng``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import mesa
import numpy as np

from sim.docking.games import MatrixGame


class Player(mesa.Agent):
    """An agent of one population of a docking game, playing C or D.

    Args:
        model: The :class:`GameModel`.
        slot: Index of the agent's strategy in its population's array.
    """

    population: ClassVar[str] = ""
    """Name of the population the class stands for (a name of :attr:`MatrixGame.populations`)."""

    def __init__(self, model: GameModel, slot: int) -> None:
        super().__init__(model)
        self.slot = slot

    @property
    def cooperates(self) -> bool:
        """Whether the agent plays C (controls, participates, regulates, is diligent, inspects)."""
        return bool(self.model.strategies[self.population][self.slot])

    @property
    def strategy(self) -> str:
        """The agent's strategy, ``"C"`` or ``"D"``."""
        return "C" if self.cooperates else "D"


class Enterprise(Player):
    """A firm that controls its pollution (C) or not (D) (WANG-2023)."""

    population = "enterprise"


class Citizen(Player):
    """A citizen who participates in environmental supervision (C) or not (D) (WANG-2023)."""

    population = "public"


class Regulator(Player):
    """A government decision that regulates (C) or not (D); the share is the regulating time."""

    population = "government"


class InspectedFirm(Player):
    """A firm in the inspection game: diligent (C) or shirking (D)."""

    population = "firm"


class Inspector(Player):
    """A city agent in the inspection game: inspects (C) or not (D)."""

    population = "city"


PLAYER_TYPES: dict[str, type[Player]] = {
    cls.population: cls for cls in (Enterprise, Citizen, Regulator, InspectedFirm, Inspector)
}
"""The agent class of each population name."""


class GameModel(mesa.Model):
    """N agents per population of a binary-strategy game, revising by pairwise imitation.

    Args:
        game: The game (payoff tensor, population names, start shares).
        n: Agents per population.
        revision_rate: Chance that an agent gets a revision opportunity in a step.
        start: Initial shares of C; the game's own start when None. Each population starts
            with ``round(share * n)`` C-players at random places.
        rng: Seed (or generator) for ``model.rng``, the only source of randomness.

    Raises:
        ValueError: Bad sizes or rates, a population without an agent class, or a game in which
            no strategy ever earns more than the other (nothing to imitate).
    """

    def __init__(
        self,
        game: MatrixGame,
        n: int,
        *,
        revision_rate: float = 0.02,
        start: Sequence[float] | None = None,
        rng: int | np.random.Generator | None = None,
    ) -> None:
        super().__init__(rng=rng)
        if n < 1:
            raise ValueError(f"need at least one agent per population; got {n}")
        if not 0 < revision_rate <= 1:
            raise ValueError(f"revision_rate must be in (0, 1]; got {revision_rate}")
        unknown = [name for name in game.populations if name not in PLAYER_TYPES]
        if unknown:
            raise ValueError(f"no agent class for population(s) {unknown}")
        self.game = game
        self.n = n
        self.revision_rate = revision_rate
        self.max_advantage = game.max_advantage
        if self.max_advantage <= 0:
            raise ValueError("every payoff difference is zero: no strategy to imitate")
        self.time_step = revision_rate / self.max_advantage
        """Equation time per step, ``r / M``."""
        shares = np.asarray(game.start if start is None else start, dtype=float)
        self.strategies: dict[str, np.ndarray] = {}
        """Each population's strategies, True for C, indexed by ``Player.slot``."""
        self.counts = np.zeros(game.size, dtype=np.int64)
        """Number of C-players in each population."""
        for k, name in enumerate(game.populations):
            PLAYER_TYPES[name].create_agents(self, n, list(range(n)))
            cooperators = round(float(shares[k]) * n)
            plays_c = np.zeros(n, dtype=bool)
            plays_c[self.rng.choice(n, cooperators, replace=False)] = True
            self.strategies[name] = plays_c
            self.counts[k] = cooperators
        self._history = [self.shares]

    @property
    def shares(self) -> np.ndarray:
        """Current share of C in each population, in the game's population order."""
        return self.counts / self.n

    @property
    def equation_time(self) -> float:
        """Time of the replicator equations the model has reached: ``steps * time_step``."""
        return self.steps * self.time_step

    def players(self, population: str) -> mesa.agent.AgentSet:
        """Return the AgentSet of one population's agents."""
        return self.agents_by_type[PLAYER_TYPES[population]]

    def step(self) -> None:
        """Let each population revise once, in a random order, then record the shares."""
        for k in self.rng.permutation(self.game.size):
            self._revise(int(k))
        self._history.append(self.shares)

    def _revise(self, k: int) -> None:
        """Give each agent of population ``k`` a revision opportunity with the revision rate."""
        plays_c = self.strategies[self.game.populations[k]]
        rng = self.rng
        m = int(rng.binomial(self.n, self.revision_rate))
        if m == 0:
            return
        revisers = rng.choice(self.n, m, replace=False, shuffle=False)
        partners = rng.integers(0, self.n, m)
        own, other = plays_c[revisers], plays_c[partners]
        delta = self.game.advantage(self.shares)[k]
        # What the partner's strategy earns over the reviser's: +delta for C over D.
        gain = np.where(other, delta, -delta) * (own != other)
        movers = revisers[rng.random(m) * self.max_advantage < gain]
        if movers.size == 0:
            return
        plays_c[movers] = ~plays_c[movers]
        to_c = int(np.count_nonzero(plays_c[movers]))
        self.counts[k] += 2 * to_c - movers.size

    def run(self, steps: int) -> None:
        """Run ``steps`` steps."""
        for _ in range(steps):
            self.step()

    def path(self) -> AgentPath:
        """Return the shares recorded at every step so far (step 0 is the start)."""
        states = np.array(self._history)
        t = np.arange(len(states)) * self.time_step
        return AgentPath(t=t, states=states, n=self.n, time_step=self.time_step)


@dataclass(frozen=True, eq=False)
class AgentPath:
    """Population shares of an agent run, step by step, on the equations' time axis.

    Attributes:
        t: Equation time of each recorded step (``step * time_step``).
        states: Shares of C, shape ``(len(t), populations)``.
        n: Agents per population.
        time_step: Equation time per step.
    """

    t: np.ndarray
    states: np.ndarray
    n: int
    time_step: float


def steps_for(horizon: float, time_step: float) -> int:
    """Return the number of steps that covers ``horizon`` units of equation time."""
    return int(np.ceil(horizon / time_step - 1e-9))


def run_agents(
    game: MatrixGame,
    n: int,
    *,
    horizon: float,
    revision_rate: float = 0.02,
    seed: int | None = 0,
    start: Sequence[float] | None = None,
) -> AgentPath:
    """Run the agent model for ``horizon`` units of equation time and return its path.

    Args:
        game: The game.
        n: Agents per population.
        horizon: Equation time to cover.
        revision_rate: Chance of a revision opportunity per agent and step.
        seed: Seed of ``model.rng``.
        start: Initial shares; the game's start when None.

    Returns:
        The shares at every step.
    """
    model = GameModel(game, n, revision_rate=revision_rate, start=start, rng=seed)
    model.run(steps_for(horizon, model.time_step))
    return model.path()


def mean_field_path(
    game: MatrixGame,
    *,
    horizon: float,
    revision_rate: float = 0.02,
    seed: int | None = 0,
    start: Sequence[float] | None = None,
) -> AgentPath:
    """Return the expected path of the agent model in the limit of infinitely many agents.

    Each step applies ``s_k += (r / M) s_k (1 - s_k) delta_k(s)`` to the populations in a random
    order, as :class:`GameModel` does; its distance from the equations is the discretisation
    error left when sampling noise vanishes.

    Args:
        game: The game.
        horizon: Equation time to cover.
        revision_rate: Chance of a revision opportunity per agent and step.
        seed: Seed of the generator that draws the population order.
        start: Initial shares; the game's start when None.

    Returns:
        The path, with ``n = 0`` standing for infinitely many agents.
    """
    rng = np.random.default_rng(seed)
    dt = revision_rate / game.max_advantage
    steps = steps_for(horizon, dt)
    s = np.array(game.start if start is None else start, dtype=float)
    states = np.empty((steps + 1, game.size))
    states[0] = s
    for i in range(1, steps + 1):
        for k in rng.permutation(game.size):
            s[k] += dt * s[k] * (1 - s[k]) * game.advantage(s)[k]
        states[i] = s
    return AgentPath(t=np.arange(steps + 1) * dt, states=states, n=0, time_step=dt)
