"""Organisation attributes as NumPy arrays, one row per organisation.

Many agents share these (capabilities, generalised trust, objective weights), so they live in
arrays owned by the model and are read through the agents; large cities stay fast because
nothing here loops over agents in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.fields import ACADEMIA, CIVIL_SOCIETY, DOMAINS, FIRM, GOVERNMENT, SECTORS
from sim.scenario.schema import Scenario


@dataclass
class Population:
    """Per-organisation state (row ``i`` is the organisation with ``idx == i``).

    Attributes:
        sector: Sector code (index into :data:`SECTORS`).
        city: Home city index.
        startup: True for start-ups.
        neighbourhood: Neighbourhood a citizen group speaks for (-1 for others).
        capability: Capability per domain in [0, 1], shape (n, len(DOMAINS)).
        generalised_trust: Trust in strangers in [0, 1].
        hurdle: Required return (1/year).
        data_willingness: Willingness to share data in [0, 1] (1 for non-firms).
        ip_fear: Fear of losing IP in [0, 1] (0 for non-firms).
        risk_tolerance: Tolerance of pilot risk in [0, 1] (1 for non-firms).
        weights: Objective weights, shape (n, 4), by sector.
        capital: Starting capital (EUR).
    """

    sector: np.ndarray
    city: np.ndarray
    startup: np.ndarray
    neighbourhood: np.ndarray
    capability: np.ndarray
    generalised_trust: np.ndarray
    hurdle: np.ndarray
    data_willingness: np.ndarray
    ip_fear: np.ndarray
    risk_tolerance: np.ndarray
    weights: np.ndarray
    capital: np.ndarray

    def __len__(self) -> int:
        """Number of organisations."""
        return len(self.sector)


def beta(rng: np.random.Generator, mean: float, concentration: float, size=None) -> np.ndarray:
    """Draw from a beta distribution with the given mean and concentration (a + b).

    The mean is kept within [1e-6, 1 - 1e-6]; a shape parameter that still underflows to 0 (a
    concentration near 0) is raised to the smallest normal float, where the draws are 0 or 1:
    the limit the distribution tends to.
    """
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    tiny = np.finfo(float).tiny
    a, b = max(mean * concentration, tiny), max((1 - mean) * concentration, tiny)
    return rng.beta(a, b, size=size)


def lognormal(rng: np.random.Generator, mean: float, sigma: float, size=None) -> np.ndarray:
    """Draw lognormal values with the given arithmetic mean and log-scale spread ``sigma``."""
    return mean * np.exp(rng.normal(-0.5 * sigma**2, sigma, size=size))


def build_population(scenario: Scenario, rng: np.random.Generator) -> Population:
    """Draw every organisation's attributes; each city comes first in its own block.

    Per city the order is: the city government, start-ups, incumbents, academia, citizen groups.

    Args:
        scenario: The validated scenario.
        rng: The ``init`` stream.
    """
    pop, org, tr = scenario.population, scenario.organisations, scenario.trust
    per_city = [
        (GOVERNMENT, False, 1),
        (FIRM, True, pop.startups),
        (FIRM, False, pop.incumbents),
        (ACADEMIA, False, pop.academia),
        (CIVIL_SOCIETY, False, pop.citizen_groups),
    ]
    sector, city, startup, neighbourhood = [], [], [], []
    for c, city_cfg in enumerate(scenario.cities):
        for code, is_startup, count in per_city:
            sector += [code] * count
            city += [c] * count
            startup += [is_startup] * count
            neighbourhood += (
                [i % city_cfg.neighbourhoods for i in range(count)]
                if code == CIVIL_SOCIETY
                else [-1] * count
            )
    sector_a = np.asarray(sector, dtype=np.int8)
    n = len(sector_a)
    is_firm = sector_a == FIRM
    is_gov = sector_a == GOVERNMENT
    startup_a = np.asarray(startup, dtype=bool)

    capability = beta(rng, org.capability_mean, org.capability_concentration, (n, len(DOMAINS)))
    capability[is_gov] = 0.0
    trust = np.clip(rng.normal(tr.initial_mean, tr.initial_sd, size=n), 0.0, 1.0)
    hurdle = np.where(is_firm, org.hurdle_rate, org.public_rate)
    data = np.where(is_firm, beta(rng, org.data_willingness, 4.0, n), 1.0)
    ip_fear = np.where(is_firm, beta(rng, org.ip_fear, 4.0, n), 0.0)
    tolerance = np.where(is_firm, beta(rng, org.risk_tolerance, 4.0, n), 1.0)
    by_sector = np.array(
        [getattr(scenario.objectives, name).vector() for name in SECTORS], dtype=float
    )
    mean_capital = np.select(
        [startup_a, is_firm, sector_a == ACADEMIA, sector_a == CIVIL_SOCIETY],
        [
            org.startup_capital,
            org.incumbent_capital,
            org.academia_capital,
            org.citizen_group_capital,
        ],
        default=0.0,
    )
    capital = lognormal(rng, 1.0, org.capital_sd, n) * mean_capital
    return Population(
        sector=sector_a,
        city=np.asarray(city, dtype=np.int64),
        startup=startup_a,
        neighbourhood=np.asarray(neighbourhood, dtype=np.int64),
        capability=capability,
        generalised_trust=trust,
        hurdle=hurdle,
        data_willingness=data,
        ip_fear=ip_fear,
        risk_tolerance=tolerance,
        weights=by_sector[sector_a],
        capital=capital,
    )
