"""What a pilot is worth to each party, and what each could get elsewhere.

Values are money-equivalents: each party weighs the pilot's public value, knowledge and
legitimacy by its own objective weights (DOMAIN: incentives); the money a party gets back is
counted at face value beside them (:mod:`sim.finance.deals`), and the weight on profit enters
how far objectives are aligned (:func:`sim.model.consortium.alignment`). Misaligned incentives
show up as parties that value the same pilot very differently. Pure functions over arrays;
index 0 of the per-party arrays is whoever the caller lists first.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.scenario.fields import SECTORS
from sim.scenario.processes import PilotConfig

FIRM = SECTORS.index("firm")
CIVIL_SOCIETY = SECTORS.index("civil_society")


def party_values(
    weights: np.ndarray,
    *,
    parties: int,
    success: float | np.ndarray,
    cost: float,
    cfg: PilotConfig,
) -> np.ndarray:
    """Return each party's expected non-monetary value of a pilot going ahead (EUR-equivalent).

    - public value: ``success * value_multiple * cost``, non-rival, counted by every party;
    - knowledge: ``knowledge_multiple * cost`` split equally, earned whether or not it succeeds;
    - legitimacy: visible local benefit, the expected public value, counted by every party.

    Money a party gets back (its share of the pilot's savings, a loan's repayments) is not a
    weighted objective: it offsets what the party pays, one for one, in
    :func:`sim.model.negotiation.max_acceptable_share` (``returns``). The weight on profit
    therefore no longer enters here.

    Args:
        weights: Objective weights, one row per party valued (profit, public value, knowledge,
            legitimacy): every party of one consortium, or one candidate per row, each valuing
            the consortium its joining would make.
        parties: Parties to the consortium (the knowledge is split among them).
        success: The pilot's success probability, or one per row.
        cost: The pilot's cost (EUR).
        cfg: Pilot parameters (value and knowledge multiples).
    """
    weights = np.asarray(weights, dtype=float)
    public = success * cfg.value_multiple * cost
    knowledge = cfg.knowledge_multiple * cost / parties
    # (profit 0 + knowledge) + (public value + legitimacy): the order in which NumPy's einsum
    # summed the four products, kept so that values stay the same to the bit
    return weights[:, 2] * knowledge + (weights[:, 1] * public + weights[:, 3] * public)


class OutsideParts(NamedTuple):
    """What each party's outside option is made of, whatever the consortium's size.

    Attributes:
        forgone: The return it forgoes by tying up the whole cost for the pilot's duration (EUR).
        participation: What taking part costs it besides (EUR).
    """

    forgone: np.ndarray
    participation: np.ndarray


def outside_parts(
    sectors: np.ndarray,
    hurdle: np.ndarray,
    *,
    cost: float,
    years: float,
    public_rate: float,
    participation_cost: float,
) -> OutsideParts:
    """Return the parts of each party's outside option (:func:`outside_options`).

    Firms forgo their hurdle rate, other organisations a public discount rate; citizen groups
    also give up their participation cost.

    Args:
        sectors: Sector code of each party valued (every party of one consortium, or one
            candidate per element).
        hurdle: Each one's required return (1/year; used for firms).
        cost: The pilot's cost (EUR).
        years: The pilot's duration (years).
        public_rate: Required return of non-firm parties (1/year).
        participation_cost: A citizen group's cost of taking part (EUR).
    """
    sectors = np.asarray(sectors)
    rate = np.where(sectors == FIRM, np.asarray(hurdle, dtype=float), public_rate)
    return OutsideParts(
        forgone=rate * years * cost,
        participation=np.where(sectors == CIVIL_SOCIETY, participation_cost, 0.0),
    )


def outside_options(parts: OutsideParts, parties: int) -> np.ndarray:
    """Return each party's outside option: the return it forgoes by tying money up (EUR).

    Each party expects to commit an equal share of the cost for the pilot's duration and
    forgoes its return on it (:func:`outside_parts`), plus its cost of taking part.

    Args:
        parts: The parts of each one's outside option (:func:`outside_parts`).
        parties: Parties to the consortium (the cost is split among them).
    """
    return parts.forgone / parties + parts.participation


def partner_money_back(
    partner_return: float | np.ndarray,
    firm: np.ndarray,
    fear: np.ndarray,
    cover: float | np.ndarray,
) -> np.ndarray:
    """Return what each private party expects back per EUR of its cost share (EUR/EUR).

    Its share of the pilot's residual stream (``partner_return``, :mod:`sim.finance.deals`),
    a firm's discounted by its fear of losing IP, plus, for firms, the part of a failure's
    loss the city covers under innovation procurement (``cover``, already weighted by the
    odds of failure).

    Args:
        partner_return: Expected money back per EUR of cost share (one, or one per party).
        firm: Whether each party is a firm.
        fear: Each party's fear of losing IP, in [0, 1] (0 under innovation procurement).
        cover: Expected failure cover per EUR (one, or one per party).
    """
    return partner_return * np.where(firm, 1.0 - fear, 1.0) + np.where(firm, cover, 0.0)
