"""Bargaining over the terms of a partnership, as pure functions.

Axiomatic and strategic solutions (generalised Nash bargaining, Rubinstein alternating offers),
a process model of monotonic concession (Zeuthen 1930 in Harsanyi's 1956 weighted form), and
:func:`negotiate_terms`, which turns the parties' valuations of a pilot and their trust in each
other into cost shares, loss shares, a savings split and a data-sharing level.

All money amounts share one unit chosen by the caller (e.g. EUR); weights, shares, trust and
discount factors are dimensionless.

The module is longer than most because the protocols share their checks of the zone of
agreement and their bookkeeping of rounds: they are one family and are read together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import truediv
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.model.sums import pairwise_sum

__all__ = [
    "Concession",
    "NoZoneOfAgreement",
    "Outcome",
    "Terms",
    "alternating_offers",
    "max_acceptable_share",
    "nash_split",
    "negotiate_terms",
    "rubinstein_share",
    "zeuthen",
]

Outcome = Literal["agreed", "no_zone", "costs_exhausted", "deadline"]
"""Why a negotiation ended."""

TIE_TOLERANCE = 1e-9
"""Relative tolerance within which Zeuthen pressures count as tied (tied parties all concede)."""

ZONE_TOLERANCE = 1e-12
"""Relative tolerance within which a negative zone of agreement counts as empty but not missing.

Sums of money in floating point carry rounding of a few units in the last place (1.1 + 2.2 is
3.3000000000000003), so a surplus that equals the disagreement total on paper may fall short by
that much; a shortfall within this share of the amounts involved is rounding, and the zone is 0."""

FloatVector = NDArray[np.float64]


class NoZoneOfAgreement(ValueError):
    """Raised when the surplus does not cover the parties' disagreement payoffs."""


def _vector(name: str, values: ArrayLike, n: int | None = None) -> list[float]:
    """Return ``values``, a finite 1-D vector of length ``n`` when given, as a list of floats.

    A consortium has a handful of parties: its numbers are checked and bargained over as Python
    floats, which cost less than NumPy's calls on arrays of a few elements and give the same bits
    (sums in NumPy's order, :func:`pairwise_sum`).
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{name} must have length {n}, got {array.shape[0]}")
    floats = array.tolist()
    if not all(map(math.isfinite, floats)):
        raise ValueError(f"{name} must be finite")
    return floats


def _normalised_weights(weights: ArrayLike, n: int) -> list[float]:
    """Return positive bargaining weights of length ``n`` rescaled to sum to 1."""
    w = _vector("weights", weights, n)
    if not all(x > 0.0 for x in w):
        raise ValueError("weights must be positive")
    return _normalise(w)


def _check_unit_interval(
    name: str, values: float | list[float], *, open_low: bool, open_high: bool
) -> None:
    """Raise ValueError unless each value (one, or a list) lies in the (half-)open unit interval."""
    for v in values if isinstance(values, list) else (values,):
        if not ((v > 0.0 if open_low else v >= 0.0) and (v < 1.0 if open_high else v <= 1.0)):
            interval = f"{'(' if open_low else '['}0, 1{')' if open_high else ']'}"
            raise ValueError(f"{name} must be in {interval}, got {values!r}")


def _zone(surplus: float, disagreement: list[float]) -> float:
    """Return the zone of agreement ``surplus - sum(disagreement)``, rounding noise taken as 0.

    A negative zone within :data:`ZONE_TOLERANCE` of the amounts is 0; a larger shortfall stays
    negative (no zone). Sums are NumPy's (:func:`pairwise_sum`).
    """
    zone = surplus - pairwise_sum(disagreement)
    scale = max(abs(surplus), pairwise_sum([abs(x) for x in disagreement]))
    return 0.0 if -ZONE_TOLERANCE * scale <= zone < 0.0 else float(zone)


def _read_only(array: ArrayLike) -> FloatVector:
    """Return a read-only float copy of ``array`` (so frozen results stay frozen)."""
    out = np.array(array, dtype=np.float64)
    out.setflags(write=False)
    return out


def nash_split(surplus: float, disagreement: ArrayLike, weights: ArrayLike) -> FloatVector:
    """Divide a surplus by the generalised (asymmetric) Nash bargaining solution.

    With linear utilities the maximiser of prod_i (x_i - d_i)^(a_i) subject to sum x = S is
    x_i = d_i + a_i / sum(a) * (S - sum d) (Nash 1950; Kalai 1977 for the weighted form).

    Args:
        surplus: Total amount S to divide, money.
        disagreement: Each party's disagreement payoff d_i, money.
        weights: Each party's bargaining weight a_i > 0, dimensionless.

    Returns:
        Each party's payoff x_i, money; the payoffs sum to ``surplus``.

    Raises:
        NoZoneOfAgreement: If ``surplus < sum(disagreement)`` by more than rounding
            (:data:`ZONE_TOLERANCE`).
        ValueError: If the weights are not positive or the lengths differ.

    """
    d = _vector("disagreement", disagreement)
    w = _normalised_weights(weights, len(d))
    zone = _zone(surplus, d)
    if zone < 0.0:
        total = pairwise_sum(d)
        raise NoZoneOfAgreement(f"surplus {surplus!r} is below the disagreement total {total!r}")
    return np.array(d) + np.array(w) * zone


def rubinstein_share(delta_proposer: float, delta_responder: float) -> float:
    """Return the first proposer's share of a unit pie in Rubinstein's infinite game.

    The unique subgame-perfect equilibrium of alternating offers gives the first proposer
    (1 - δ_r) / (1 - δ_p δ_r) (Rubinstein 1982, "Perfect equilibrium in a bargaining model",
    *Econometrica* 50(1)).

    Args:
        delta_proposer: First proposer's discount factor per round, in [0, 1).
        delta_responder: First responder's discount factor per round, in [0, 1).

    Returns:
        The first proposer's share, in (0, 1].

    Raises:
        ValueError: If a discount factor is outside [0, 1).

    """
    _check_unit_interval("delta_proposer", delta_proposer, open_low=False, open_high=True)
    _check_unit_interval("delta_responder", delta_responder, open_low=False, open_high=True)
    return (1.0 - delta_responder) / (1.0 - delta_proposer * delta_responder)


def alternating_offers(delta_proposer: float, delta_responder: float, horizon: int) -> float:
    """Return the first proposer's share in the finite alternating-offers game.

    Solved by backward induction (Ståhl 1972): in the last round the proposer takes the whole
    pie; in every earlier round the proposer offers the responder exactly the discounted value
    of proposing next round. Converges to :func:`rubinstein_share` as ``horizon`` grows.

    Args:
        delta_proposer: First proposer's discount factor per round, in [0, 1].
        delta_responder: First responder's discount factor per round, in [0, 1].
        horizon: Number of rounds, >= 1; round ``horizon`` is the last offer.

    Returns:
        The first proposer's share of a unit pie, in [0, 1].

    Raises:
        ValueError: If a discount factor is outside [0, 1] or ``horizon < 1``.

    """
    _check_unit_interval("delta_proposer", delta_proposer, open_low=False, open_high=False)
    _check_unit_interval("delta_responder", delta_responder, open_low=False, open_high=False)
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon!r}")
    share = 1.0
    for round_ in range(horizon - 1, 0, -1):
        # The responder in an odd round is the first responder, in an even one the first proposer.
        delta = delta_responder if round_ % 2 == 1 else delta_proposer
        share = 1.0 - delta * share
    return share


@dataclass(frozen=True, eq=False)
class Concession:
    """Result of a monotonic-concession negotiation (:func:`zeuthen`).

    Attributes:
        agreed: Whether the parties reached agreement.
        shares: Each party's payoff, money, including its disagreement point; zeros when not
            agreed. Read-only.
        rounds: Rounds held (the agreeing round included); 0 when there was no zone.
        reason: ``"agreed"``, ``"no_zone"``, ``"costs_exhausted"`` or ``"deadline"``.

    """

    agreed: bool
    shares: FloatVector
    rounds: int
    reason: Outcome

    def __post_init__(self) -> None:
        object.__setattr__(self, "shares", _read_only(self.shares))


def zeuthen(
    surplus: float,
    disagreement: ArrayLike,
    weights: ArrayLike,
    *,
    step: float | ArrayLike,
    opening: ArrayLike | None = None,
    round_cost: float = 0.0,
    max_rounds: int = 10_000,
) -> Concession:
    """Divide a surplus by n-party monotonic concession (weighted Zeuthen-Harsanyi rule).

    Parties demand gains g_i over their disagreement points d_i out of the zone
    Z_0 = S - sum d. In round t = 1, 2, ... the zone left is Z_t = Z_0 - (t - 1) * round_cost.
    If sum g <= Z_t they agree: x_i = d_i + g_i + a_i / sum(a) * (Z_t - sum g). Otherwise each
    party's Zeuthen risk, the share of its demand it would lose by taking the residual, is
    r_i = (sum g - Z_t) / g_i, and the parties with the smallest weighted risk a_i * r_i
    (equivalently the largest demand per unit weight g_i / a_i; ties within a relative
    ``TIE_TOLERANCE`` all concede, so symmetric parties concede together) lower their demands
    by ``step_i * Z_0``, not below 0. A party demanding nothing has infinite risk and never
    concedes.

    Zeuthen's (1930) rule lets the party with the smaller risk concede; Harsanyi (1956, "Approaches
    to the bargaining problem before and after the theory of games", *Econometrica* 24(2))
    showed it leads to the Nash solution. This is its weighted form: the concession order
    equalises g_i / a_i, the first-order condition of max prod_i g_i^(a_i), so with small steps
    and no round cost the agreement converges to the weighted Nash split (:func:`nash_split`)
    within about one step. (Ranking by r_i / a_i instead would converge to gains proportional
    to 1 / a_i.)

    Args:
        surplus: Total amount S to divide, money.
        disagreement: Each party's disagreement payoff d_i, money.
        weights: Bargaining weights a_i > 0, dimensionless.
        step: Concession per round as a fraction of Z_0, >= 0; a scalar or one per party.
        opening: Opening demands as gains over disagreement, money, >= 0; each is capped at
            Z_0. Default: every party demands Z_0.
        round_cost: Total cost of one failed round to all parties, money, >= 0; it shrinks the
            zone each round.
        max_rounds: Rounds allowed, >= 1.

    Returns:
        The outcome. ``rounds`` counts rounds held: the agreeing round; for
        ``"costs_exhausted"`` the rounds held before the zone was used up (Z_t <= 0 for some
        t > 1); ``max_rounds`` for ``"deadline"``; 0 for ``"no_zone"`` (Z_0 < 0).

    Raises:
        ValueError: On malformed inputs (lengths, non-positive weights, negative step, opening
            or round cost, ``max_rounds < 1``).

    """
    d = _vector("disagreement", disagreement)
    n = len(d)
    w = _normalised_weights(weights, n)
    steps = np.broadcast_to(np.asarray(step, dtype=np.float64), (n,))
    if not ((steps >= 0.0) & np.isfinite(steps)).all():
        raise ValueError(f"step must be finite and >= 0, got {step!r}")
    if not round_cost >= 0.0:
        raise ValueError(f"round_cost must be >= 0, got {round_cost!r}")
    if max_rounds < 1:
        raise ValueError(f"max_rounds must be >= 1, got {max_rounds!r}")
    failed = np.zeros(n)
    zone0 = _zone(surplus, d)
    if zone0 < 0.0:
        return Concession(False, failed, 0, "no_zone")
    if opening is None:
        demands = [zone0] * n
    else:
        demands = _vector("opening", opening, n)
        if any(g < 0.0 for g in demands):
            raise ValueError("opening demands must be >= 0")
        demands = [_minimum(g, zone0) for g in demands]
    reason, rounds, agreed, excess = _concede(
        zone0, demands, w, (steps * zone0).tolist(), round_cost, max_rounds
    )
    if agreed is None:
        return Concession(False, failed, rounds, reason)
    return Concession(True, np.array(d) + np.array(agreed) - np.array(w) * excess, rounds, reason)


def _concede(
    zone0: float,
    demands: list[float],
    weights: list[float],
    concession: list[float],
    round_cost: float,
    max_rounds: int,
) -> tuple[Outcome, int, list[float] | None, float]:
    """Run :func:`zeuthen`'s rounds on validated inputs, as Python floats.

    A consortium has a handful of parties and a negotiation tens of rounds: each round's
    arithmetic on Python floats costs less than NumPy's calls on arrays of a few elements,
    and gives the same bits (the demands are summed in NumPy's order, :func:`pairwise_sum`).

    Args:
        zone0: The zone Z_0, money, >= 0.
        demands: Opening demands, money, each in [0, Z_0].
        weights: Normalised bargaining weights.
        concession: Each party's concession per round, money.
        round_cost: Cost of a failed round, money.
        max_rounds: Rounds allowed.

    Returns:
        The reason the rounds ended, the rounds held, the demands agreed on (None without
        agreement) and by how much the zone then exceeded them (<= 0, money; 0 without).
    """
    keep = 1.0 - TIE_TOLERANCE
    for t in range(1, max_rounds + 1):
        zone = zone0 - (t - 1) * round_cost
        if t > 1 and zone <= 0.0:
            return "costs_exhausted", t - 1, None, 0.0
        excess = pairwise_sum(demands) - zone
        if excess <= 0.0:
            return "agreed", t, demands, excess
        pressure = list(map(truediv, demands, weights))
        bar = max(pressure) * keep
        # the lists have one element per party (not checked here: strict zips cost 30%)
        demands = [
            (left if (left := g - c) >= 0.0 else 0.0) if p >= bar else g
            for g, c, p in zip(demands, concession, pressure, strict=False)
        ]
    return "deadline", max_rounds, None, 0.0


@dataclass(frozen=True, eq=False)
class Terms:
    """Negotiated terms of a partnership (:func:`negotiate_terms`).

    Attributes:
        agreed: Whether the parties reached agreement.
        reason: ``"agreed"``, ``"no_zone"``, ``"costs_exhausted"`` or ``"deadline"``.
        rounds: Rounds held, formal procurement stages included.
        cost_shares: Money each party pays towards the project cost; sums to the cost when
            agreed, zeros otherwise. Read-only.
        loss_shares: Fraction of any loss on failure each party bears; sums to 1 when agreed,
            zeros otherwise. Read-only.
        savings_split: Fraction of savings or revenue each party receives; sums to 1 when
            agreed, zeros otherwise. Read-only.
        data_sharing: Agreed level of data sharing in [0, 1]; 0 when not agreed.

    """

    agreed: bool
    reason: Outcome
    rounds: int
    cost_shares: FloatVector
    loss_shares: FloatVector
    savings_split: FloatVector
    data_sharing: float

    def __post_init__(self) -> None:
        for name in ("cost_shares", "loss_shares", "savings_split"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))


def _failed_terms(reason: Outcome, rounds: int, n: int) -> Terms:
    """Return the terms recorded for a failed negotiation among ``n`` parties."""
    zeros = [0.0] * n
    return Terms(False, reason, rounds, zeros, zeros, zeros, 0.0)


def max_acceptable_share(
    value: ArrayLike,
    cost: float,
    outside: ArrayLike,
    trust: ArrayLike,
    capacity: ArrayLike | None = None,
    returns: ArrayLike | None = None,
) -> FloatVector:
    """Return the largest cost share each party accepts, given how far it trusts its partners.

    A party believes its partners' promised contributions only in proportion to its trust, so
    it expects the pilot to deliver only the part of its value that the believed resources buy:
    paying c_i of a cost C, it expects value_i * (trust_i + (1 - trust_i) * c_i / C) and its
    perceived utility is that minus c_i, plus the money it expects back, b_i (its share of the
    pilot's savings, a loan's repayments: :mod:`sim.finance.deals`), counted as far as it trusts
    its partners to deliver the pilot that earns it, trust_i b_i. Like the outside option, the
    money back is valued at the share the party expects to pay. Requiring the utility to be at
    least the outside option o_i gives c_i * beta_i <= value_i * trust_i + trust_i b_i - o_i with
    beta_i = 1 - (1 - trust_i) value_i / C:

    - beta_i > 0: m_i = (value_i * trust_i + trust_i b_i - o_i) / beta_i;
    - beta_i <= 0 (the party values the pilot so much that paying more only helps it): it
      accepts any share up to the whole cost if value_i + trust_i b_i - C - o_i >= 0
      (m_i = C), none otherwise (m_i = -inf).

    With full trust and nothing back this is the classic m_i = value_i - o_i; with zero trust a
    party that values the pilot below its cost accepts no positive share, so there is no zone of
    agreement. The
    result is capped at the cost and at ``capacity`` (what the party can pay). A negative m_i
    means the party would have to be paid to take part.

    Args:
        value: Each party's value from the project, money.
        cost: Total project cost to be shared, money, >= 0.
        outside: Each party's outside option (value of not joining), money.
        trust: Each party's trust in its partners' promises, in [0, 1].
        capacity: The most each party can pay, money, >= 0; default unlimited.
        returns: Money each party expects back at the share it expects to pay, money; default
            0 each. Negative where a party expects to lose money on its share (the public's
            net cost beyond its part), -inf where the deal cannot close on the market's terms
            (:attr:`sim.finance.deals.Deal.public_cost` is then infinite).

    Returns:
        m_i for each party, money, at most ``cost`` and ``capacity`` (possibly -inf).

    Raises:
        ValueError: If ``cost`` is negative or a trust is outside [0, 1].

    """
    if not 0.0 <= cost < np.inf:
        raise ValueError(f"cost must be finite and >= 0, got {cost!r}")
    t = np.asarray(trust, dtype=np.float64)
    if not ((t >= 0.0) & (t <= 1.0)).all():
        raise ValueError(f"trust must be in [0, 1], got {trust!r}")
    v, o, t, b, c = np.broadcast_arrays(
        np.asarray(value, dtype=np.float64),
        np.asarray(outside, dtype=np.float64),
        t,
        np.asarray(0.0 if returns is None else returns, dtype=np.float64),
        np.asarray(np.inf if capacity is None else capacity, dtype=np.float64),
    )
    shares = _acceptable_shares(
        v.ravel().tolist(),
        cost,
        o.ravel().tolist(),
        t.ravel().tolist(),
        c.ravel().tolist(),
        b.ravel().tolist(),
    )
    return np.array(shares, dtype=np.float64).reshape(v.shape)


def _acceptable_shares(
    value: list[float],
    cost: float,
    outside: list[float],
    trust: list[float],
    capacity: list[float],
    returns: list[float],
) -> list[float]:
    """Return :func:`max_acceptable_share`'s m_i for checked inputs, one float per party.

    A consortium has a handful of parties: the arithmetic on Python floats costs less than
    NumPy's calls on arrays of a few elements, and each m_i is the same expression, so the
    same bits. The caps take the cap when they tie, as ``numpy.minimum`` does (:func:`_minimum`).
    """
    shares = []
    for v, o, t, c, b in zip(value, outside, trust, capacity, returns, strict=True):
        # counted as far as the party trusts its partners: one that trusts nobody counts none of
        # it, even a deal that cannot close (b = -inf), where t * b would be 0 * -inf, not a number
        tb = t * (b if t > 0.0 else 0.0)
        beta = 1.0 - (1.0 - t) * v / cost if cost > 0 else 1.0
        if beta > 0.0:
            m = (v * t + tb - o) / beta
        else:
            m = cost if v + tb - cost - o >= 0.0 else -math.inf
        shares.append(_minimum(_minimum(m, cost), c))
    return shares


def _minimum(a: float, b: float) -> float:
    """Return ``numpy.minimum(a, b)`` of two floats: NaN if either is, ``b`` when they tie.

    A tie of 0.0 and -0.0 then keeps the sign NumPy's vectorised minimum keeps (Python's
    ``min`` returns the first of equal values).
    """
    return a if a < b or a != a else b


def _cap_savings(savings: list[float], caps: list[float], weights: list[float]) -> list[float]:
    """Cap each saving at its party's maximum share, passing the excess on by weight.

    Savings above a cap are cut to it and the excess is shared among the uncapped parties in
    proportion to their weights, repeatedly (water-filling) until no cap binds. This always
    succeeds when sum(savings) <= sum(caps). Sums are NumPy's (:func:`pairwise_sum`).
    """
    s = list(savings)
    capped = [False] * len(s)
    while over := [
        i for i, (x, cap) in enumerate(zip(s, caps, strict=True)) if not capped[i] and x > cap
    ]:
        excess = pairwise_sum([s[i] - caps[i] for i in over])
        for i in over:
            s[i] = caps[i]
            capped[i] = True
        free = [i for i, c in enumerate(capped) if not c]
        if not free:
            break
        total = pairwise_sum([weights[i] for i in free])
        for i in free:
            s[i] += excess * weights[i] / total
    return s


def _normalise(x: list[float]) -> list[float]:
    """Rescale non-negative ``x`` to sum to 1."""
    total = pairwise_sum(x)
    return [v / total for v in x]


def negotiate_terms(
    cost: float,
    values: ArrayLike,
    outside: ArrayLike,
    trust: ArrayLike,
    weights: ArrayLike,
    *,
    protocol: Literal["zeuthen", "alternating"] = "zeuthen",
    step: float = 0.02,
    opening_premium: float = 1.0,
    formal_rounds: int = 0,
    round_cost: float = 0.0,
    max_rounds: int = 200,
    patience: ArrayLike | None = None,
    bearer_weights: ArrayLike | None = None,
    data_willingness: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    returns: ArrayLike | None = None,
) -> Terms:
    """Negotiate how the parties of a partnership share its cost, risk, savings and data.

    1. Each party's maximum acceptable cost share m_i comes from
       :func:`max_acceptable_share`; if any m_i < 0, or sum m < cost, there is no zone of
       agreement (``"no_zone"``).
    2. The zone Z = sum m - cost is first reduced by the formal procurement stages,
       ``formal_rounds * round_cost``; if that leaves less than 0 the result is
       ``"costs_exhausted"``.
    3. The remaining zone is divided as gains over paying m_i, by the chosen protocol:

       - ``"zeuthen"``: :func:`zeuthen` over the zone with zero disagreement points, the given
         weights, a concession of ``step`` of the zone per round and ``round_cost`` per failed
         round. Distrust inflates opening demands (a modelling assumption; trust goes with more
         cooperative, faster negotiation in the meta-analysis of Kong, Dirks and Ferrin 2014,
         "Interpersonal trust within negotiations", *Academy of Management Journal* 57(5)):
         party i opens by demanding
         min(m_i, w_i * zone * (1 + opening_premium * (1 - trust_i))), where w_i is its
         normalised weight. Fully trusting parties open at the weighted Nash split and agree at
         once; the concession rounds needed grow roughly in proportion to
         ``opening_premium * (1 - trust) / step``. Because concessions equalise demand per
         unit weight, trust changes how long bargaining takes (and so how much of the zone its
         costs consume), not the split.
       - ``"alternating"``: Rubinstein bargaining between the lead (party 0) and the other
         parties as one side, with each side's per-round discount factor the mean of its
         members' ``patience``; the lead's side gets :func:`alternating_offers` with the rounds
         left before ``max_rounds`` as horizon, the others split the rest by weight. Agreement
         is immediate (one round).

    4. Negotiation costs (the formal stages and every failed concession round) are paid outside
       the cost shares, equally by all parties, so each party's saving on its maximum is its
       bargaining gain plus its share of the negotiation costs, and the savings sum to Z. A
       saving above m_i (which would make a cost share negative) is capped at m_i and the excess
       passed to the uncapped parties by weight. Then cost_shares = m - savings, which sum to
       the cost; loss shares are the cost shares times ``bearer_weights``, normalised (the
       cost shares themselves if those products are all 0); savings are split pro rata to the
       cost shares; data sharing is the least willing party's level.

    Args:
        cost: Total project cost to share, money, > 0.
        values: Each party's value from the project, money; party 0 is the lead.
        outside: Each party's outside option, money.
        trust: Each party's trust in its partners, in [0, 1] (e.g. from :mod:`sim.model.trust`).
        weights: Bargaining weights > 0, dimensionless.
        protocol: ``"zeuthen"`` or ``"alternating"``.
        step: Concession per round as a fraction of the zone, in [0, 1].
        opening_premium: How far a fully distrustful party's opening demand exceeds its
            weighted Nash share, as a fraction of that share, >= 0; scaled by 1 - trust.
        formal_rounds: Formal procurement stages held before bargaining, >= 0.
        round_cost: Total cost of one round (formal stage or failed concession round) to all
            parties, money, >= 0.
        max_rounds: Rounds allowed in all, formal stages included, >= 1.
        patience: Per-party discount factors per round in (0, 1) for ``"alternating"``;
            default 0.9 each.
        bearer_weights: Per-party weights >= 0 on bearing losses; default 1 each.
        data_willingness: Per-party willingness to share data in [0, 1]; default 1 each.
        capacity: The most each party can pay (budget, capital), money; default unlimited.
        returns: Money each party expects back per unit it pays (see
            :func:`max_acceptable_share`); default 0 each.

    Returns:
        The terms. On failure the shares are zeros and ``rounds`` counts rounds held: 0 for
        ``"no_zone"``; ``formal_rounds`` when the formal stages exhaust the zone or reach
        ``max_rounds``; formal stages plus concession rounds otherwise.

    Raises:
        ValueError: On malformed inputs (lengths differ, fewer than 2 parties, values out of
            range, unknown protocol).

    """
    v = _vector("values", values)
    n = len(v)
    if n < 2:
        raise ValueError(f"need at least 2 parties, got {n}")
    o = _vector("outside", outside, n)
    t = _vector("trust", trust, n)
    _check_unit_interval("trust", t, open_low=False, open_high=False)
    w = _normalised_weights(weights, n)
    if protocol not in ("zeuthen", "alternating"):
        raise ValueError(f"protocol must be 'zeuthen' or 'alternating', got {protocol!r}")
    if not 0.0 < cost < np.inf:
        raise ValueError(f"cost must be finite and > 0, got {cost!r}")
    _check_unit_interval("step", step, open_low=False, open_high=False)
    if not (opening_premium >= 0.0 and round_cost >= 0.0 and formal_rounds >= 0):
        raise ValueError("opening_premium, round_cost and formal_rounds must be >= 0")
    if max_rounds < 1:
        raise ValueError(f"max_rounds must be >= 1, got {max_rounds!r}")
    delta = [0.9] * n if patience is None else _vector("patience", patience, n)
    _check_unit_interval("patience", delta, open_low=True, open_high=True)
    bearer = [1.0] * n if bearer_weights is None else _vector("bearer_weights", bearer_weights, n)
    if any(b < 0.0 for b in bearer):
        raise ValueError("bearer_weights must be >= 0")
    willing = (
        [1.0] * n if data_willingness is None else _vector("data_willingness", data_willingness, n)
    )
    _check_unit_interval("data_willingness", willing, open_low=False, open_high=False)

    m = _acceptable_shares(
        v, cost, o, t, _per_party(capacity, n, math.inf), _per_party(returns, n, 0.0)
    )
    zone = _zone(pairwise_sum(m), [cost])
    if zone < 0.0 or any(x < 0.0 for x in m):
        return _failed_terms("no_zone", 0, n)
    bargaining_zone = zone - formal_rounds * round_cost
    if bargaining_zone < 0.0:
        return _failed_terms("costs_exhausted", formal_rounds, n)
    rounds_left = max_rounds - formal_rounds
    if rounds_left < 1:
        return _failed_terms("deadline", formal_rounds, n)

    if protocol == "zeuthen":
        # zeuthen()'s rounds on the inputs checked here, over the zone with zero disagreement
        # points; the weights normalised again as zeuthen() does any weights (normalised
        # weights may sum to 1 but for the last bit)
        wz = _normalise(w)
        opening = [
            _minimum(
                _minimum(mi, wi * bargaining_zone * (1.0 + opening_premium * (1.0 - ti))),
                bargaining_zone,
            )
            for mi, wi, ti in zip(m, w, t, strict=True)
        ]
        reason, rounds, agreed, excess = _concede(
            bargaining_zone, opening, wz, [step * bargaining_zone] * n, round_cost, rounds_left
        )
        if agreed is None:
            return _failed_terms(reason, formal_rounds + rounds, n)
        gains = [g - wi * excess for g, wi in zip(agreed, wz, strict=True)]
    else:
        # the others' mean patience as NumPy's mean: their sum over their number
        lead = alternating_offers(delta[0], pairwise_sum(delta[1:]) / (n - 1), horizon=rounds_left)
        others = [bargaining_zone * ((1.0 - lead) * x) for x in _normalise(w[1:])]
        gains = [bargaining_zone * lead, *others]
        rounds = 1

    each = max(zone - pairwise_sum(gains), 0.0) / n  # negotiation costs; clamp float round-off
    savings = _cap_savings([g + each for g in gains], m, w)
    cost_shares = [mi - si for mi, si in zip(m, savings, strict=True)]
    borne = [c * b for c, b in zip(cost_shares, bearer, strict=True)]
    return Terms(
        agreed=True,
        reason="agreed",
        rounds=formal_rounds + rounds,
        cost_shares=cost_shares,
        loss_shares=_normalise(borne if pairwise_sum(borne) > 0.0 else cost_shares),
        savings_split=_normalise(cost_shares),
        data_sharing=min(willing),
    )


def _per_party(values: ArrayLike | None, n: int, default: float) -> list[float]:
    """Return one float per party: ``values`` broadcast to ``n`` parties, or ``default``."""
    if values is None:
        return [default] * n
    array = np.asarray(values, dtype=np.float64)
    return (array if array.shape == (n,) else np.broadcast_to(array, (n,))).tolist()
