"""What a pilot is worth to each party, and what each could get elsewhere.

Values are money-equivalents: each party weighs the pilot's public value, knowledge and
legitimacy by its own objective weights (DOMAIN: incentives); the money a party gets back is
counted at face value beside them (:mod:`sim.finance.deals`), and the weight on profit enters
how far objectives are aligned (:func:`sim.model.consortium.alignment`). Misaligned incentives
show up as parties that value the same pilot very differently. Pure functions over arrays;
index 0 of the per-party arrays is whoever the caller lists first.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.fields import SECTORS
from sim.scenario.processes import PilotConfig

FIRM = SECTORS.index("firm")
CIVIL_SOCIETY = SECTORS.index("civil_society")


def party_values(
    sectors: np.ndarray,
    weights: np.ndarray,
    *,
    success: float,
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
        sectors: Sector code of each party (index into :data:`SECTORS`).
        weights: Objective weights, one row per party (profit, public value, knowledge,
            legitimacy).
        success: The pilot's success probability.
        cost: The pilot's cost (EUR).
        cfg: Pilot parameters (value and knowledge multiples).
    """
    n = len(np.asarray(sectors))
    public = success * cfg.value_multiple * cost
    knowledge = np.full(n, cfg.knowledge_multiple * cost / n)
    components = np.column_stack([np.zeros(n), np.full(n, public), knowledge, np.full(n, public)])
    return np.einsum("ij,ij->i", np.asarray(weights, dtype=float), components)


def outside_options(
    sectors: np.ndarray,
    hurdle: np.ndarray,
    *,
    cost: float,
    years: float,
    public_rate: float,
    participation_cost: float,
) -> np.ndarray:
    """Return each party's outside option: the return it forgoes by tying money up (EUR).

    Each party expects to commit an equal share of the cost for the pilot's duration; firms
    forgo their hurdle rate on it, other organisations a public discount rate, and citizen
    groups also give up their participation cost.

    Args:
        sectors: Sector code of each party.
        hurdle: Each party's required return (1/year; used for firms).
        cost: The pilot's cost (EUR).
        years: The pilot's duration (years).
        public_rate: Required return of non-firm parties (1/year).
        participation_cost: A citizen group's cost of taking part (EUR).
    """
    sectors = np.asarray(sectors)
    rate = np.where(sectors == FIRM, np.asarray(hurdle, dtype=float), public_rate)
    outside = rate * years * cost / len(sectors)
    return outside + np.where(sectors == CIVIL_SOCIETY, participation_cost, 0.0)
