"""Whether invited organisations join a consortium: one rule, asked of a queue of candidates.

A lead's invitation (:class:`Invitation`) fixes what every candidate of a search weighs: the
pilot, the share of its cost each expects to pay and what a success's stream would bring back
under the pilot's instrument. Each candidate then decides by its own state: its odds-adjusted
value of the pilot against its outside option, how far it believes its partners' promises
(:func:`sim.model.negotiation.max_acceptable_share`), its free capital, and (firms) its risk
tolerance. :func:`first_to_join` asks a queue of candidates in order and stops at the first
that joins (see :func:`sim.model.consortium.recruit`).

What a candidate weighs depends on who joined before it only through a few numbers: the odds
its joining gives the pilot, the parties the knowledge is split among and the part of the cost
it expects to pay. Its value, outside option and money back are linear in them, so everything
else is read once: per run what depends on the organisation alone (:func:`constant_table`),
per candidate asked what depends on the pilot, the lead and the moment (:func:`stake`), and only
when a search asks it (:attr:`Invitation.read`). A decision then costs a few operations on
Python floats.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.finance.deals import StreamTerms
from sim.finance.formulas import failure_cover
from sim.model.pilot import Pilot
from sim.model.success import success_probability
from sim.model.valuation import outside_parts, partner_money_back, party_values
from sim.scenario.fields import CIVIL_SOCIETY, FIRM

if TYPE_CHECKING:
    from sim.model.population import Population
    from sim.scenario.processes import PilotConfig
    from sim.scenario.schema import Scenario


class Candidates(NamedTuple):
    """What a partner search reads of a candidate, as Python floats (:func:`stake`).

    None of it changes while the search goes on, so it is read once per search, when the
    candidate is asked (:attr:`Invitation.read`). A candidate's value of the pilot is
    ``odds * public + knowledge / parties`` (:func:`sim.model.valuation.party_values`), its
    outside option ``forgone / parties + participation``
    (:func:`sim.model.valuation.outside_options`), and what it expects back per EUR of its share
    ``odds * back + (1 - odds) * cover`` (:func:`sim.model.valuation.partner_money_back`).
    The attributes up to ``least`` are, per EUR of the pilot's cost (or of the partners' return
    for ``back``), the same in every search of a run (:func:`constant_table`).

    Attributes:
        data: A firm's willingness to share data, in [0, 1]; inf for other organisations,
            which leave a consortium's data sharing as it is.
        codesign: 1 for a citizen group (it co-designs the pilot), else 0.
        public: Its value of the pilot's public value and legitimacy at certain success (EUR).
        knowledge: Its value of the pilot's whole knowledge, before it is split (EUR).
        forgone: What it forgoes by tying up the pilot's whole cost for its duration (EUR).
        participation: Its cost of taking part besides (EUR).
        back: Money back per EUR of its share if the pilot succeeds (EUR/EUR).
        cover: Money back per EUR of its share if the pilot fails (EUR/EUR).
        least: The lowest odds at which it joins: a firm declines a pilot too risky for it,
            with odds below ``(1 - risk_tolerance) * pilots.base_success`` (academia and civil
            society have tolerance 1).
        capability: Capability in the pilot's domain, in [0, 1].
        trust: Its trust in the lead, in [0, 1].
        doubt: ``(1 - trust) / cost``: how much of its value it discounts per EUR of cost its
            partners promise (1/EUR).
    """

    data: float
    codesign: float
    public: float
    knowledge: float
    forgone: float
    participation: float
    back: float
    cover: float
    least: float
    capability: float
    trust: float
    doubt: float


ROW = {
    name: row
    for row, name in enumerate(Candidates._fields[: Candidates._fields.index("least") + 1])
}
"""Row of each attribute of :class:`Candidates` that stays the same in a run, up to ``least``, in
:func:`constant_table`."""


def constant_table(population: Population, cfg: Scenario) -> np.ndarray:
    """Return what stays the same in a run of each organisation as a candidate.

    One row per attribute of :class:`Candidates` up to ``least`` (:data:`ROW`), one column per
    organisation: the parts of its value and outside option per EUR of a pilot's cost (its
    outside option's forgone return per EUR and year), its money back per EUR of the partners'
    return, and the least odds at which it joins. :func:`stake` adds what changes.

    Args:
        population: The organisations.
        cfg: The scenario.
    """
    sectors = population.sector
    firm = sectors == FIRM
    weights = population.weights
    outside = outside_parts(
        sectors,
        population.hurdle,
        cost=1.0,
        years=1.0,
        public_rate=cfg.organisations.public_rate,
        participation_cost=cfg.organisations.participation_cost,
    )
    # under innovation procurement firms lose no IP, and the city covers part of their loss
    fear = population.ip_fear * (0.0 if cfg.incentives.innovation_procurement else 1.0)
    return np.array(
        [
            np.where(firm, population.data_willingness, np.inf),
            sectors == CIVIL_SOCIETY,
            party_values(weights, parties=np.inf, success=1.0, cost=1.0, cfg=cfg.pilots),
            party_values(weights, parties=1, success=0.0, cost=1.0, cfg=cfg.pilots),
            outside.forgone,
            outside.participation,
            partner_money_back(1.0, firm, fear, 0.0),
            partner_money_back(0.0, firm, fear, failure_cover(cfg.incentives)),
            (1.0 - population.risk_tolerance) * cfg.pilots.base_success,
        ],
        dtype=float,
    )


def stake(
    constant: Sequence[float],
    *,
    capability: float,
    trust: float,
    capacity: float,
    cost: float,
    years: float,
    partner_return: float,
    share: float,
) -> Candidates | None:
    """Return what one search reads of one candidate (:class:`Candidates`, as Python floats).

    None for a candidate whose free capital cannot pay the share it expects to pay: it declines
    whatever the odds, so neither its odds nor its value are worked out (in a base run, one
    candidate asked in four).

    Args:
        constant: The candidate's column of the run's :func:`constant_table`.
        capability: Its capability in the pilot's domain, in [0, 1].
        trust: Its trust in the lead, in [0, 1].
        capacity: Its free capital (EUR).
        cost: The pilot's cost (EUR, > 0).
        years: The pilot's duration (years).
        partner_return: The partners' money back per EUR of cost share at certain success
            (EUR/EUR; :meth:`sim.finance.deals.StreamTerms.partner_return`).
        share: The share each expects to pay (EUR).
    """
    if capacity < share:
        return None
    data, codesign, public, knowledge, forgone, participation, back, cover, least = constant
    return Candidates(
        data,
        codesign,
        public * cost,
        knowledge * cost,
        forgone * (cost * years),
        participation,
        back * partner_return,
        cover,
        least,
        capability,
        trust,
        (1.0 - trust) / cost,
    )


class Consortium(NamedTuple):
    """What a candidate's odds read of the consortium it would join, itself left out.

    Attributes:
        capability: Sum of the capability in the pilot's domain of its non-government parties,
            added in NumPy's order (:func:`sim.model.sums.pairwise_sum`).
        doers: Number of its non-government parties.
        codesign: Whether a citizen group is among them.
        data: Its firms' least willingness to share data, in [0, 1] (1 without firms).
        parties: Number of its parties, the city included.
    """

    capability: float
    doers: int
    codesign: bool
    data: float
    parties: int


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
        bonus: The success log-odds the pilot's levers add.
        read: Returns what the search reads of a candidate when it asks it: a
            :class:`Candidates` of Python floats from :func:`stake`, or None if it cannot pay
            its share. A search asks each candidate once (:func:`sim.model.consortium.recruit`
            goes on after the one that joined), so what it reads is not kept.
    """

    pilot: Pilot
    size: int
    share: float
    public: float
    terms: StreamTerms
    bonus: float
    read: Callable[[int], Candidates | None]


def first_to_join(
    invitation: Invitation,
    queue: Iterable[int],
    consortium: Consortium,
    *,
    capability_mean: float,
    cfg: PilotConfig,
) -> int | None:
    """Return the position in ``queue`` of the first candidate that joins; None if none does.

    Candidates are asked in order, each given ``consortium`` (who joined before it): one that
    cannot pay its share declines (:func:`stake`), the others decide by :func:`joins`; asking
    stops at the first that joins. Each one's odds are those
    of the consortium with it (:func:`sim.model.success.success_probability`): the sum of the
    capabilities in the consortium's order, the candidate's last, as the consortium's own mean
    adds them.

    Args:
        invitation: The lead's invitation.
        queue: The candidates, in the order they are asked (organisation indices, none of them
            a government).
        consortium: The consortium so far, the city included.
        capability_mean: Population mean capability (the odds' reference).
        cfg: Pilot parameters (the odds).
    """
    read, bonus, share = invitation.read, invitation.bonus, invitation.share
    cost = invitation.pilot.cost
    total, doers, codesign, least_data, parties = consortium
    doers += 1  # with the candidate, never a government
    parties += 1
    # the part of the cost each expects its money back on: an equal part of what the public
    # part leaves among the non-government parties
    paid = (cost - invitation.public) / doers
    for position, candidate in enumerate(queue):
        stake = read(candidate)
        if stake is None:  # it cannot pay its share: it declines whatever the odds
            continue
        success = success_probability(
            capability=(total + stake.capability) / doers,
            codesign=codesign or stake.codesign,
            # a joining firm's willingness caps the consortium's data sharing (others' is inf)
            data_sharing=min(least_data, stake.data),
            bonus=bonus,
            capability_mean=capability_mean,
            cfg=cfg,
        )
        if joins(success, stake, parties=parties, paid=paid, cost=cost, share=share):
            return position
    return None


def joins(
    success: float, stake: Candidates, *, parties: int, paid: float, cost: float, share: float
) -> bool:
    """Return whether a candidate joins.

    A candidate that can pay its share (:func:`stake`) joins if the odds are at least its
    :attr:`Candidates.least` and the largest share it would accept
    (:func:`sim.model.negotiation.max_acceptable_share`) is at least the share it expects to
    pay. Paying ``c`` of the cost ``C``, with trust ``t``, value ``v``,
    outside option ``o`` and money back ``b``, its surplus over the outside option is
    ``f(c) = t (v + b) - o - c beta`` with ``beta = 1 - (1 - t) v / C``. The largest share it
    accepts is the root of ``f`` where ``f`` falls (beta > 0), so it accepts ``share`` if
    ``f(share) >= 0``; where ``f`` does not fall it accepts any share up to ``C`` if
    ``f(C) >= 0``. As ``share <= C``, either way it accepts if ``f(share) >= 0`` or
    ``f(C) >= 0``, which needs no division and no case for the sign of beta.

    Args:
        success: The pilot's odds with the candidate in the consortium.
        stake: What the search read of the candidate, as Python floats
            (:attr:`Invitation.read`).
        parties: Parties to the consortium its joining makes (the city included).
        paid: The part of the cost it expects its money back on: an equal part of what the
            public part leaves among the non-government parties (EUR).
        cost: The pilot's cost (EUR, > 0).
        share: The share it expects to pay (EUR, at most ``cost``).
    """
    if success < stake.least:
        return False
    value = success * stake.public + stake.knowledge / parties
    outside = stake.forgone / parties + stake.participation
    money = paid * (success * stake.back + (1.0 - success) * stake.cover)
    level = stake.trust * (value + money) - outside
    beta = 1.0 - stake.doubt * value
    return level >= share * beta or level >= cost * beta
