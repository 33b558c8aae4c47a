"""What a pilot is worth to each party, and what each could get elsewhere.

Values are money-equivalents: each party weighs the pilot's profit, public value, knowledge and
legitimacy by its own objective weights (DOMAIN: incentives). Misaligned incentives show up as
parties that value the same pilot very differently. Pure functions over arrays; index 0 of the
per-party arrays is whoever the caller lists first.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.fields import SECTORS
from sim.scenario.processes import PilotConfig

FIRM = SECTORS.index("firm")
GOVERNMENT = SECTORS.index("government")
CIVIL_SOCIETY = SECTORS.index("civil_society")


def party_values(
    sectors: np.ndarray,
    weights: np.ndarray,
    ip_fear: np.ndarray,
    *,
    success: float,
    cost: float,
    cfg: PilotConfig,
) -> np.ndarray:
    """Return each party's expected value of a pilot going ahead (EUR-equivalent).

    - profit: firms share the expected revenue ``success * revenue_multiple * cost`` equally,
      discounted by their fear of losing IP;
    - public value: ``success * value_multiple * cost``, non-rival, counted by every party;
    - knowledge: ``knowledge_multiple * cost`` split equally, earned whether or not it succeeds;
    - legitimacy: visible local benefit, the expected public value, counted by every party.

    Args:
        sectors: Sector code of each party (index into :data:`SECTORS`).
        weights: Objective weights, one row per party (profit, public value, knowledge,
            legitimacy).
        ip_fear: Each party's IP-fear discount on profit in [0, 1] (0 where irrelevant).
        success: The pilot's success probability.
        cost: The pilot's cost (EUR).
        cfg: Pilot parameters (value, revenue and knowledge multiples).
    """
    sectors = np.asarray(sectors)
    n = len(sectors)
    is_firm = sectors == FIRM
    n_firms = max(int(is_firm.sum()), 1)
    revenue = success * cfg.revenue_multiple * cost
    public = success * cfg.value_multiple * cost
    profit = np.where(is_firm, revenue / n_firms * (1.0 - np.asarray(ip_fear)), 0.0)
    knowledge = np.full(n, cfg.knowledge_multiple * cost / n)
    components = np.column_stack([profit, np.full(n, public), knowledge, np.full(n, public)])
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
