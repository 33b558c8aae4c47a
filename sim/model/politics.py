"""Elections and fiscal years as pure functions (DOMAIN: politics).

The model schedules these on Mesa's event list; here are only the rules.
"""

from __future__ import annotations

import math

import numpy as np

from sim.scenario.schema import PoliticsConfig


def logit(p: float) -> float:
    """Return the log-odds of a probability in (0, 1).

    ``log(p) - log1p(-p)`` keeps full precision near 0 and 1, where ``p / (1 - p)`` loses it.

    Raises:
        ValueError: ``p`` is not strictly between 0 and 1.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"a probability strictly between 0 and 1 has log-odds; got {p!r}")
    return math.log(p) - math.log1p(-p)


def logistic(x: float) -> float:
    """Return the probability of log-odds ``x``, for any finite or infinite ``x``.

    ``exp`` is only ever taken of ``-|x|``, so it cannot overflow: large positive log-odds give
    1.0 and large negative ones a tiny probability (0.0 below about -745), never an error.
    """
    z = math.exp(-abs(x))
    return 1.0 / (1.0 + z) if x >= 0 else z / (1.0 + z)


def reelection_probability(satisfaction: float, cfg: PoliticsConfig) -> float:
    """Return the incumbent's chance of re-election; it rises with citizen satisfaction.

    Args:
        satisfaction: Mean citizen satisfaction in [0, 1].
        cfg: Election parameters (base odds at satisfaction 0.5, log-odds per unit above it).
    """
    return logistic(logit(cfg.reelection_base) + cfg.satisfaction_effect * (satisfaction - 0.5))


def annual_budget(base: float, *, election_next_year: bool, cfg: PoliticsConfig) -> float:
    """Return the budget appropriated for a fiscal year (EUR): it rises before an election (ZEW)."""
    return base * (1.0 + cfg.pre_election_rise) if election_next_year else base


def redraw_budget(current: float, level: float, shock: float, cfg: PoliticsConfig) -> float:
    """Return the innovation budget a new administration sets (EUR/year): both ways.

    On the log scale, x' = (1 - k) x + k log(level) + s z - c, with k = ``mean_reversion``,
    s = ``budget_volatility`` and z a standard-normal ``shock``. The offset c makes ``level``
    the long-run mean of the budget itself (not of its log): c = k V / 2 with the stationary
    variance V = s^2 / (k (2 - k)); without mean reversion (k = 0) the budget is a martingale,
    c = s^2 / 2. Budgets therefore rise as often as the ratchet of cuts alone would lower them.

    Args:
        current: The budget now (EUR/year, > 0).
        level: The city's long-run level (its configured ``annual_budget``, EUR/year).
        shock: A standard-normal draw.
        cfg: Politics parameters.
    """
    if current <= 0 or level <= 0:
        return level
    k, sd = cfg.mean_reversion, cfg.budget_volatility
    offset = k * sd**2 / (k * (2.0 - k)) / 2.0 if k > 0 else sd**2 / 2.0
    x = (1.0 - k) * math.log(current) + k * math.log(level) + sd * shock - offset
    return math.exp(x)


def reweight_priorities(
    priorities: np.ndarray, rng: np.random.Generator, concentration: float = 20.0
) -> np.ndarray:
    """Return a new administration's domain priorities: a Dirichlet draw around the old ones."""
    return rng.dirichlet(concentration * priorities / priorities.sum() + 1e-3)
