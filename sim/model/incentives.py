"""How each incentive lever changes what it plausibly changes (DOMAIN: incentives).

Pure functions of an :class:`~sim.scenario.schema.IncentivesConfig`; the model calls them where a
lever acts. Each lever changes one thing and nothing else:

- co-funding match rate: the city adds ``match_rate`` EUR per private EUR (lowers private cost);
- innovation procurement: the city takes a share of partners' loss on failure and leaves them
  the IP (no IP-fear discount on firms' value);
- test-bed district or regulatory sandbox: cheaper, less risky pilots inside it;
- open data: cheaper data, so cheaper pilots, and more proposals from start-ups;
- neutral convening platform: cheaper partner search and negotiation rounds;
- capacity building: capabilities grow faster with participation.
"""

from __future__ import annotations

from sim.finance.formulas import failure_cover
from sim.scenario.schema import IncentivesConfig

__all__ = [
    "convening_factor",
    "failure_cover",
    "learning_multiplier",
    "pilot_cost",
    "private_payment",
    "proposal_multiplier",
    "success_bonus",
]


def pilot_cost(base_cost: float, *, in_testbed: bool, cfg: IncentivesConfig) -> float:
    """Return a pilot's cost after the test-bed and open-data savings (EUR)."""
    cost = base_cost
    if cfg.testbed and in_testbed:
        cost *= 1.0 - cfg.testbed_cost_reduction
    if cfg.open_data:
        cost *= 1.0 - cfg.open_data_cost_reduction
    return cost


def success_bonus(*, in_testbed: bool, cfg: IncentivesConfig) -> float:
    """Return the success log-odds a pilot gains from the levers (log-odds)."""
    return cfg.testbed_risk_reduction if (cfg.testbed and in_testbed) else 0.0


def proposal_multiplier(*, is_startup: bool, cfg: IncentivesConfig) -> float:
    """Return the factor on an organisation's proposal rate (open data draws start-ups in)."""
    return cfg.open_data_proposal_boost if (cfg.open_data and is_startup) else 1.0


def convening_factor(cfg: IncentivesConfig) -> float:
    """Return the factor on search and negotiation costs (a platform lowers them)."""
    return 1.0 - cfg.convening_cost_reduction if cfg.convening_platform else 1.0


def learning_multiplier(cfg: IncentivesConfig) -> float:
    """Return the factor on capability growth from taking part in a pilot."""
    return cfg.capacity_learning_boost if cfg.capacity_building else 1.0


def private_payment(share: float, cfg: IncentivesConfig) -> tuple[float, float]:
    """Split a private partner's cost share into what it pays and what the city matches (EUR).

    A match rate m means the city adds m EUR per EUR the partner pays, so a share s costs the
    partner s / (1 + m) and the city s m / (1 + m).
    """
    own = share / (1.0 + cfg.match_rate)
    return own, share - own
