"""Whether invited organisations join a consortium: one rule, decided for many candidates at once.

A lead's invitation (:class:`Invitation`) fixes what every candidate of a search weighs: the
pilot, the share of its cost each expects to pay and what a success's stream would bring back
under the pilot's instrument. Each candidate then decides by its own state: its odds-adjusted
value of the pilot against its outside option, how far it believes its partners' promises
(:func:`sim.model.negotiation.max_acceptable_share`), its free capital, and (firms) its risk
tolerance. :func:`join_decisions` is that rule over arrays, one element per candidate, so the
candidates of a search hop are decided in one call (see :func:`sim.model.consortium.recruit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.finance.deals import StreamTerms
from sim.model.negotiation import max_acceptable_share
from sim.model.pilot import Pilot


@dataclass(frozen=True)
class Invitation:
    """What a lead's invitation means to every candidate of one partner search.

    Attributes:
        pilot: The pilot.
        size: Parties the lead wants in all (the city included).
        share: The cost share each candidate expects to pay: an equal part of what the city's
            largest share leaves to private partners (EUR).
        public: The public part the parties expect: the city's cap of the cost (EUR).
        terms: The pilot's stream under its instrument at that public part.
        failure_cover: Share of a firm's loss on failure the city reimburses (1).
        fear_factor: 1, or 0 under innovation procurement (firms lose no IP).
        position: Row of each organisation the search may invite in ``trust`` and
            ``capacity`` (what does not change while the search goes on, read once).
        trust: Each one's trust in the lead, in [0, 1].
        capacity: Each one's free capital (EUR).
    """

    pilot: Pilot
    size: int
    share: float
    public: float
    terms: StreamTerms
    failure_cover: float
    fear_factor: float
    position: dict[int, int]
    trust: np.ndarray
    capacity: np.ndarray

    def rows(self, candidates: np.ndarray) -> np.ndarray:
        """Return the rows of ``candidates`` in :attr:`trust` and :attr:`capacity`."""
        position = self.position
        return np.array([position[c] for c in candidates.tolist()], dtype=np.intp)


def join_decisions(
    *,
    success: np.ndarray,
    tolerance: np.ndarray,
    base_success: float,
    value: np.ndarray,
    outside: np.ndarray,
    returns: np.ndarray,
    trust: np.ndarray,
    capacity: np.ndarray,
    cost: float,
    share: float,
) -> np.ndarray:
    """Return which candidates join (one bool each).

    A candidate declines a pilot too risky for it: success probability below
    ``(1 - tolerance) * base_success`` (academia and civil society have tolerance 1). Otherwise
    it joins if the largest share it would accept is at least the share it expects to pay.

    Args:
        success: The pilot's odds with each candidate in the consortium.
        tolerance: Each candidate's risk tolerance, in [0, 1].
        base_success: The base success rate (``pilots.base_success``).
        value: Each candidate's non-monetary value of the pilot (EUR).
        outside: Each candidate's outside option (EUR).
        returns: Money each expects back at the share it expects to pay (EUR).
        trust: Each candidate's trust in the lead, in [0, 1].
        capacity: Each candidate's free capital (EUR).
        cost: The pilot's cost (EUR).
        share: The share each expects to pay (EUR).
    """
    most = max_acceptable_share(value, cost, outside, trust, capacity=capacity, returns=returns)
    return (success >= (1.0 - tolerance) * base_success) & (most >= share)
