"""The partner network: who has worked with whom, and how much each trusts the other.

An undirected networkx graph holds collaborations (edge attribute ``pilots``); directed trust
and reputation live in dicts keyed by ``(truster, trustee)``. A pair that has never worked
together falls back to the truster's generalised trust. Updates use the asymmetric rule of
:mod:`sim.model.trust`, vectorised over all ordered pairs of a consortium.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.model.sums import pairwise_sum
from sim.model.trust import TrustParams, observe


class PartnerNetwork:
    """Collaborations and pairwise trust between organisations.

    Args:
        generalised_trust: Each organisation's trust in strangers, in [0, 1]; it stays the same
            in a run.
    """

    def __init__(self, generalised_trust: np.ndarray) -> None:
        self.graph = nx.Graph()
        self.graph.add_nodes_from(range(len(generalised_trust)))
        self.generalised = generalised_trust
        self._strangers: list[float] = generalised_trust.tolist()
        """Each organisation's trust in strangers as Python floats: a partner search reads it
        for one candidate at a time, where a NumPy scalar costs more than the rest of the read."""
        self._trust: dict[tuple[int, int], float] = {}
        self._reputation: dict[tuple[int, int], float] = {}
        self._trust_total = np.zeros(len(generalised_trust))
        """Per truster: sum of its trust in the partners it has observed (kept up to date)."""
        self._trust_count = np.zeros(len(generalised_trust))
        """Per truster: number of partners it has observed."""

    def trust(self, truster: int, trustee: int) -> float:
        """Return ``truster``'s trust in ``trustee`` in [0, 1]."""
        return self._trust.get((truster, trustee), self._strangers[truster])

    def trust_from(self, truster: int, trustees: list[int]) -> list[float]:
        """Return ``truster``'s trust in each of ``trustees`` (as :meth:`trust`, at once)."""
        get = self._trust.get
        stranger = self._strangers[truster]
        return [get((truster, t), stranger) for t in trustees]

    def mean_trust(self, parties: list[int]) -> np.ndarray:
        """Return each party's mean trust in the other parties, in [0, 1].

        The mean of its row of the parties' pairwise trust (diagonal 1), less the diagonal:
        each row is summed in NumPy's order with its 1 in place, then the 1 taken off, so the
        means are those of the matrix to the bit, without building it.
        """
        get = self._trust.get
        strangers = [self._strangers[p] for p in parties]
        others = max(len(parties) - 1, 1)
        return np.array(
            [
                (pairwise_sum([1.0 if j == i else get((i, j), s) for j in parties]) - 1.0) / others
                for i, s in zip(parties, strangers, strict=True)
            ]
        )

    def collaborations_of(self, a: int, others: list[int]) -> list[int]:
        """Return how many pilots ``a`` has completed with each of ``others``."""
        # the adjacency dict itself: its read-only view costs a Python call per lookup, and a
        # city's partners are read for every search it leads
        known = self.graph._adj[a]
        return [known[b]["pilots"] if b in known else 0 for b in others]

    def record_collaboration(self, members: list[int]) -> None:
        """Add one completed pilot to every pair of members (network memory)."""
        adjacency = self.graph._adj  # as in collaborations_of: no view per lookup
        for a, i in enumerate(members):
            known = adjacency[i]
            for j in members[a + 1 :]:
                if j in known:
                    known[j]["pilots"] += 1  # one dictionary per edge, seen from both ends
                else:
                    self.graph.add_edge(i, j, pilots=1)

    def observe(
        self,
        observers: list[int],
        performance: dict[int, float],
        baseline: float,
        params: TrustParams,
        dependence: dict[int, float],
    ) -> None:
        """Update every observer's trust in every other party from its observed performance.

        Args:
            observers: Organisations that worked together.
            performance: Observed performance of each party (any real number).
            baseline: The expected performance; above it trust builds, below it erodes.
            params: Trust dynamics.
            dependence: How far the others depended on each party, in [0, 1] (its share of
                the pilot's cost); deepens erosion by the factor 1 + xi * dependence.
        """
        pairs = [(i, j) for i in observers for j in performance if i != j]
        if not pairs:
            return
        trust = np.array([self.trust(i, j) for i, j in pairs])
        reputation = np.array([self._reputation.get(p, 0.0) for p in pairs])
        perf = np.array([performance[j] for _, j in pairs])
        depends = np.array([dependence[j] for _, j in pairs])
        new_trust, new_rep = observe(trust, reputation, perf, baseline, params, depends)
        for p, t, r in zip(pairs, new_trust.tolist(), new_rep.tolist(), strict=True):
            old = self._trust.get(p)
            if old is None:
                self._trust_count[p[0]] += 1
                old = 0.0
            self._trust_total[p[0]] += t - old
            self._trust[p] = t
            self._reputation[p] = r

    def trust_by_organisation(self) -> np.ndarray:
        """Return each organisation's mean trust in its partners (generalised trust if none)."""
        count = self._trust_count
        mean = self._trust_total / np.maximum(count, 1)
        return np.clip(np.where(count > 0, mean, self.generalised), 0.0, 1.0)

    def density(self) -> float:
        """Return the density of the collaboration graph (share of possible pairs linked)."""
        return nx.density(self.graph)
