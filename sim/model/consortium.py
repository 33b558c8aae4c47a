"""Consortium formation as in the SKIN family of innovation-network models.

A lead looks for partners the way SKIN agents do (Gilbert, Pyka and Ahrweiler 2001; Ahrweiler,
Gilbert and Pyka 2004): previous partners first, then partners' partners, then others, up to a
search depth. Candidates at each hop are scored by trust, complementary capability and past
collaboration; a candidate joins when its expected utility beats its outside option. Vetting a
candidate costs the lead money (lowered by a convening platform).

Everything here is a pure function of arrays and a graph, so it can be tested without a model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

import networkx as nx
import numpy as np


@dataclass(frozen=True)
class Formation:
    """The outcome of one partner search.

    Attributes:
        members: Recruited partners in the order they joined (organisation indices).
        examined: Candidates vetted (each costs the search cost).
        hops_used: Deepest hop a member came from (0 when nobody joined).
    """

    members: tuple[int, ...]
    examined: int
    hops_used: int


def candidate_hops(
    graph: nx.Graph,
    lead: int,
    pool: np.ndarray,
    *,
    depth: int,
    per_hop: int,
    rng: np.random.Generator,
    exclude: Sequence[int] = (),
    referrals: int | None = None,
) -> list[list[int]]:
    """Return the candidates at each hop of a SKIN search, at most ``per_hop`` each.

    Hop 1 holds the lead's previous partners, hop 2 its partners' partners (gathered from at
    most ``referrals`` of the partners, asked in random order, until twice ``per_hop`` are
    found), hop 3 a random draw from
    ``pool`` (organisations the lead does not know). Sampling hop 3 by index draws keeps a
    search O(per_hop), however large the city: the classic ``random.choice(list(agents))`` trap
    is O(N) per search.

    Args:
        graph: Partner network; an edge means the two have worked together.
        lead: The searching organisation.
        pool: Organisations eligible as partners (indices), e.g. those of the lead's city.
        depth: 1 = previous partners only, 2 = also partners' partners, 3 = also others.
        per_hop: Largest number of candidates examined at one hop.
        rng: Random stream for sampling within a hop.
        exclude: Organisations that may not be candidates (the lead is always excluded).
        referrals: Largest number of partners asked for their partners (None: all). A hub
            (a city with hundreds of past partners) otherwise asks every one of them whenever
            their partners are already known to it; the bound keeps a search O(referrals x
            degree). The partners' random order is drawn in full either way: where the
            bound does not bind, the search is the same, random numbers included.

    Returns:
        One list of organisation indices per hop searched (possibly empty).
    """
    seen = {lead, *exclude}
    hops: list[list[int]] = []
    adjacency = graph._adj  # the dictionaries themselves: networkx's views cost a call per read
    partners = adjacency.get(lead, {})
    if any(s in partners for s in seen):
        first = [n for n in partners if n not in seen]
    else:  # a hub (a city with thousands of partners) is copied at C speed
        first = list(partners)
    hops.append(_sample(first, per_hop, rng))
    seen.update(first)
    if depth >= 2:
        second = _partners_of_partners(adjacency, first, seen, 2 * per_hop, rng, referrals)
        hops.append(_sample(second, per_hop, rng))
        seen.update(second)
    if depth >= 3 and len(pool):
        draw = pool[rng.integers(0, len(pool), size=min(len(pool), 2 * per_hop))]
        others = [c for c in dict.fromkeys(draw.tolist()) if c not in seen]
        hops.append(others[:per_hop])
    return hops


def _partners_of_partners(
    adjacency: dict[int, dict[int, dict]],
    partners: list[int],
    seen: set[int],
    enough: int,
    rng: np.random.Generator,
    referrals: int | None,
) -> list[int]:
    """Collect partners' partners, asking at most ``referrals`` partners in random order.

    Stopping at ``enough`` keeps the search O(enough x degree) in a dense network rather than
    O(degree^2); stopping at ``referrals`` keeps it bounded when little is new.
    """
    found: dict[int, None] = {}
    for i in rng.permutation(len(partners))[:referrals].tolist():
        for m in adjacency[partners[i]]:
            if m not in seen:
                found[m] = None
        if len(found) >= enough:
            break
    return list(found)


def _sample(candidates: list[int], k: int, rng: np.random.Generator) -> list[int]:
    """Return at most ``k`` of ``candidates`` drawn without replacement (all if fewer).

    Draws their positions: the same random numbers and the same sample as
    ``rng.choice(np.asarray(candidates), k, replace=False)``, without first converting all of
    a hub's partners to an array.
    """
    if len(candidates) > k:
        positions = rng.choice(len(candidates), size=k, replace=False).tolist()
        return [candidates[i] for i in positions]
    return candidates


def score_candidates(
    trust: Sequence[float],
    complementarity: Sequence[float],
    history: Sequence[int],
    *,
    trust_weight: float,
    capability_weight: float,
    history_weight: float,
) -> list[float]:
    """Score candidates for a consortium (higher is better).

    On Python numbers: a hop has a few candidates, fewer than NumPy needs to pay its calls.

    Args:
        trust: The lead's trust in each candidate, in [0, 1].
        complementarity: Each candidate's complementary capability for the challenge (>= 0).
        history: Number of pilots each candidate completed with the lead (>= 0).
        trust_weight: Weight of trust (1).
        capability_weight: Weight of complementarity (1).
        history_weight: Weight of past collaboration (1); saturates as h / (1 + h).

    Returns:
        The scores, one per candidate.
    """
    return [
        trust_weight * t + capability_weight * c + history_weight * h / (1.0 + h)
        for t, c, h in zip(trust, complementarity, history, strict=True)
    ]


def recruit(
    hops: Sequence[list[int]],
    score: Callable[[list[int], tuple[int, ...]], Sequence[float]],
    accepts: Callable[[list[int], tuple[int, ...]], int | None],
    needed: int,
) -> Formation:
    """Recruit partners hop by hop, best score first, until ``needed`` have joined.

    Candidates are examined one by one in order of score (equal scores in the hop's order),
    each deciding given the partners who joined before it. ``accepts`` asks a queue in order,
    given the partners so far, and stops at the first that joins; the rest of the queue is
    then asked again, given the new partner. A hop thus costs one call per join, plus one.

    Args:
        hops: Candidates per hop, nearest first (see :func:`candidate_hops`).
        score: Scores a hop's candidates given the partners so far; called once per non-empty
            hop.
        accepts: The position in a queue of the first candidate that joins, given the partners
            so far (its expected utility against its outside option), or None; every
            candidate examined costs one examination, whether it joins or not.
        needed: Partners wanted (besides the lead).

    Returns:
        The :class:`Formation`.
    """
    members: list[int] = []
    examined = 0
    hops_used = 0
    for hop, candidates in enumerate(hops, start=1):
        if len(members) >= needed:
            break
        if not candidates:
            continue
        # a stable sort, so equal scores keep the hop's order (reverse=True keeps it too)
        scored = sorted(
            zip(score(candidates, tuple(members)), candidates, strict=True),
            key=itemgetter(0),
            reverse=True,
        )
        queue = [c for _, c in scored]
        while queue and len(members) < needed:
            first = accepts(queue, tuple(members))
            if first is None:
                examined += len(queue)
                break
            examined += first + 1
            members.append(queue[first])
            hops_used = hop
            queue = queue[first + 1 :]
    return Formation(members=tuple(members), examined=examined, hops_used=hops_used)


def alignment(weights: np.ndarray) -> float:
    """Return how aligned a consortium's objectives are: mean pairwise cosine similarity.

    Args:
        weights: One row of objective weights per party (profit, public value, knowledge,
            legitimacy); rows must not be all zero.

    Returns:
        A number in [0, 1] for non-negative weights: 1 when every party wants the same, lower as
        their objectives diverge. NaN for fewer than two parties.
    """
    weights = np.asarray(weights, dtype=float)
    if len(weights) < 2:
        return float("nan")
    # scaled to a largest weight of 1 first, so that a row of tiny weights (5e-324) has a norm;
    # the row maxima, norms and the mean as the ufunc reductions that .max, np.linalg.norm and
    # .mean make, without their Python wrappers (one consortium per negotiation)
    unit = weights / np.maximum.reduce(weights, axis=1, keepdims=True)
    unit /= np.sqrt(np.add.reduce(unit * unit, axis=1, keepdims=True))
    rows, cols = _pairs(len(weights))
    return float(np.add.reduce((unit @ unit.T)[rows, cols]) / len(rows))


@cache
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the row and column indices of the upper triangle of an n x n matrix.

    Cached per size (NumPy builds them in about 30 us, more than the rest of
    :func:`alignment`); the arrays are read-only, as they are shared.
    """
    rows, cols = np.triu_indices(n, k=1)
    rows.setflags(write=False)
    cols.setflags(write=False)
    return rows, cols
