"""Citizens as arrays: where they live, how satisfied they are, how far they trust their city.

One row per citizen of one city. Citizens are too many to be Mesa agents in a large city (100,000
is a normal size), and they act only in aggregate here: public value delivered in their
neighbourhood raises satisfaction; what they see of the city's pilots moves their trust in it by
the same asymmetric rule as organisations' trust (:mod:`sim.model.trust`).
"""

from __future__ import annotations

import numpy as np

from sim.model.trust import TrustParams, observe_alike
from sim.scenario.actors import CitizenConfig


class Citizens:
    """The citizens of one city.

    Args:
        count: Number of citizens.
        neighbourhoods: Number of neighbourhoods (citizens are spread evenly at random).
        trust: Initial mean trust in the city, in [0, 1].
        cfg: Satisfaction parameters.
        rng: The ``init`` stream.
    """

    def __init__(
        self,
        count: int,
        neighbourhoods: int,
        trust: float,
        cfg: CitizenConfig,
        rng: np.random.Generator,
    ) -> None:
        self.cfg = cfg
        self.neighbourhood = rng.integers(0, neighbourhoods, size=count)
        self.members = [np.flatnonzero(self.neighbourhood == k) for k in range(neighbourhoods)]
        self.sensitivity = rng.lognormal(0.0, 0.5, size=count)
        self.satisfaction = np.full(count, cfg.satisfaction_initial)
        self.trust = np.clip(rng.normal(trust, 0.1, size=count), 0.0, 1.0)
        self.reputation = np.zeros(count)
        self.benefit = np.zeros(neighbourhoods)
        """Cumulative public value delivered per neighbourhood (EUR)."""

    def drift(self) -> None:
        """Pull satisfaction back towards neutral (memories fade)."""
        self.satisfaction += self.cfg.satisfaction_decay * (0.5 - self.satisfaction)

    def deliver(self, neighbourhood: int, value: float) -> None:
        """Deliver public value (EUR) to a neighbourhood: satisfaction there rises."""
        self.benefit[neighbourhood] += value
        here = self.members[neighbourhood]
        if len(here) == 0 or value <= 0:
            return
        per_citizen = value / len(here) / 1e3
        gain = self.cfg.value_sensitivity * per_citizen * self.sensitivity[here]
        self.satisfaction[here] = np.minimum(1.0, self.satisfaction[here] + gain)

    def witness(self, neighbourhood: int, performance: float, params: TrustParams) -> None:
        """Update the trust in the city of a neighbourhood's citizens after a pilot ends.

        Args:
            neighbourhood: Where the pilot ran.
            performance: What they saw, against a baseline of 0 (success > 0, failure < 0,
                a cancelled pilot is a broken promise).
            params: Trust dynamics.
        """
        here = self.members[neighbourhood]
        self.trust[here], self.reputation[here] = observe_alike(
            self.trust[here], self.reputation[here], performance, 0.0, params
        )

    def support(self, neighbourhood: int) -> float:
        """Return a neighbourhood's support for scaling a pilot up, in [0, 1].

        Legitimacy needs both: the mean over its citizens of the average of their
        satisfaction and their trust in the city.
        """
        here = self.members[neighbourhood]
        if not len(here):
            return 0.5
        return float((0.5 * (self.satisfaction[here] + self.trust[here])).mean())
