"""Whether invited organisations join a consortium: one rule, decided for many candidates at once.

A lead's invitation (:class:`Invitation`) fixes what every candidate of a search weighs: the
pilot, the share of its cost each expects to pay and what a success's stream would bring back
under the pilot's instrument. Each candidate then decides by its own state: its odds-adjusted
value of the pilot against its outside option, how far it believes its partners' promises
(:func:`sim.model.negotiation.max_acceptable_share`), its free capital, and (firms) its risk
tolerance. :func:`join_decisions` is that rule over arrays, one element per candidate, so the
candidates of a search hop are decided in one call (see :func:`sim.model.consortium.recruit`).

What a candidate weighs depends on who joined before it only through a few numbers: the odds
its joining gives the pilot, the parties the knowledge is split among and the part of the cost
it expects to pay. Its value, outside option and money back are linear in them, so everything
else is read and combined once per search (:class:`Candidates`), and a decision costs a few
operations on arrays of the queue's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.finance.deals import StreamTerms
from sim.model.pilot import Pilot


class Candidates(NamedTuple):
    """What a partner search reads of its candidates, one element per candidate.

    None of it changes while the search goes on, so it is read once per search
    (:meth:`sim.model.proposals.Proposing.invitation`). A candidate's value of the pilot is
    ``odds * public + knowledge / parties`` (:func:`sim.model.valuation.party_values`), its
    outside option ``forgone / parties + participation``
    (:func:`sim.model.valuation.outside_options`), and what it expects back per EUR of its share
    ``odds * back + (1 - odds) * cover`` (:func:`sim.model.valuation.partner_money_back`).

    Attributes:
        capability: Capability in the pilot's domain, in [0, 1].
        data: A firm's willingness to share data, in [0, 1]; inf for other organisations,
            which leave a consortium's data sharing as it is.
        codesign: True for a citizen group (it co-designs the pilot).
        public: Its value of the pilot's public value and legitimacy at certain success (EUR).
        knowledge: Its value of the pilot's whole knowledge, before it is split (EUR).
        forgone: What it forgoes by tying up the pilot's whole cost for its duration (EUR).
        participation: Its cost of taking part besides (EUR).
        back: Money back per EUR of its share if the pilot succeeds (EUR/EUR).
        cover: Money back per EUR of its share if the pilot fails (EUR/EUR).
        trust: Its trust in the lead, in [0, 1].
        doubt: ``(1 - trust) / cost``: how much of its value it discounts per EUR of cost its
            partners promise (1/EUR).
        least: The lowest odds at which it joins (:func:`least_odds`).
    """

    capability: np.ndarray
    data: np.ndarray
    codesign: np.ndarray
    public: np.ndarray
    knowledge: np.ndarray
    forgone: np.ndarray
    participation: np.ndarray
    back: np.ndarray
    cover: np.ndarray
    trust: np.ndarray
    doubt: np.ndarray
    least: np.ndarray


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
        position: Column of each organisation the search may invite in ``table``.
        table: What the search read of them (:class:`Candidates`), one row per attribute.
    """

    pilot: Pilot
    size: int
    share: float
    public: float
    terms: StreamTerms
    position: dict[int, int]
    table: np.ndarray

    def candidates(self, candidates: np.ndarray) -> Candidates:
        """Return what the search read of ``candidates`` (indices), in their order."""
        position = self.position
        columns = np.array([position[c] for c in candidates.tolist()], dtype=np.intp)
        return Candidates(*self.table.take(columns, axis=1))


def least_odds(
    tolerance: np.ndarray, base_success: float, capacity: np.ndarray, share: float
) -> np.ndarray:
    """Return the lowest success probability at which each candidate joins (1).

    A candidate declines a pilot too risky for it, with odds below
    ``(1 - tolerance) * base_success`` (academia and civil society have tolerance 1), and one
    whose free capital cannot pay the share it expects to pay declines whatever the odds (inf).

    Args:
        tolerance: Each candidate's risk tolerance, in [0, 1].
        base_success: The base success rate (``pilots.base_success``).
        capacity: Each candidate's free capital (EUR).
        share: The share each expects to pay (EUR).
    """
    return np.where(capacity >= share, (1.0 - tolerance) * base_success, np.inf)


def join_decisions(
    *, success: np.ndarray, stakes: Candidates, parties: int, paid: float, cost: float, share: float
) -> np.ndarray:
    """Return which candidates join (one bool each).

    A candidate joins if the odds are at least its :attr:`Candidates.least` and the largest
    share it would accept (:func:`sim.model.negotiation.max_acceptable_share`) is at least the
    share it expects to pay. Paying ``c`` of the cost ``C``, with trust ``t``, value ``v``,
    outside option ``o`` and money back ``b``, its surplus over the outside option is
    ``f(c) = t (v + b) - o - c beta`` with ``beta = 1 - (1 - t) v / C``. The largest share it
    accepts is the root of ``f`` where ``f`` falls (beta > 0), so it accepts ``share`` if
    ``f(share) >= 0``; where ``f`` does not fall it accepts any share up to ``C`` if
    ``f(C) >= 0``. As ``share <= C``, either way it accepts if ``f(share) >= 0`` or
    ``f(C) >= 0``, which needs no division and no case for the sign of beta.

    Args:
        success: The pilot's odds with each candidate in the consortium.
        stakes: What the search read of the candidates (:class:`Candidates`).
        parties: Parties to the consortium each candidate's joining makes (the city included).
        paid: The part of the cost each expects its money back on: an equal part of what the
            public part leaves among the non-government parties (EUR).
        cost: The pilot's cost (EUR, > 0).
        share: The share each expects to pay (EUR, at most ``cost``).
    """
    value = success * stakes.public + stakes.knowledge / parties
    outside = stakes.forgone / parties + stakes.participation
    back = paid * (success * stakes.back + (1.0 - success) * stakes.cover)
    level = stakes.trust * (value + back) - outside
    beta = 1.0 - stakes.doubt * value
    return (success >= stakes.least) & ((level >= share * beta) | (level >= cost * beta))
