"""Every scenario the schema accepts runs: no exception, finite metrics, money conserved.

Scenarios are drawn across the full declared bounds of every behavioural parameter, read from
the schema itself (``tests/scenario_strategies.py``), so a new field is covered without a
change here; draws lean to the edges (the bounds, 0, tiny values) as well as the interior. Every
instrument alone and every mix of instruments (in any order) is its own case, with one to three
cities.

Population and horizon are drawn within a small range so that the default suite stays fast
(:data:`SMALL`): a horizon of 1 to 20 steps; per city 0 to 6 start-ups, incumbents, academic
institutions and citizen groups, 1 to 300 citizens; 0 to 4 capital providers; 1 to 3 cities.
Their maxima run once each, one at a time with every instrument, in the test marked ``slow``
(``pytest -m slow``, about 5 minutes): the schema's largest horizon (2,000 steps), citizens
(10 million) with neighbourhoods (1,000) and capital providers (10,000); organisations and
cities at stated limits (:data:`ORGANISATIONS_LIMIT`, :data:`CITIES_LIMIT`).

The default suite draws :data:`EXAMPLES` scenarios per mix of instruments (15 mixes); set
``PARTNERSIM_BOUNDS_EXAMPLES`` for a longer run, e.g. ``PARTNERSIM_BOUNDS_EXAMPLES=200 pytest
tests/test_full_bounds.py -n 2``.

Each run must: raise nothing; report every metric finite at every step, except NaN where the
metric registry says it may be undefined (:attr:`sim.model.metrics.Metric.undefined`), with
shares inside [0, 1]; conserve money to the cent, with no overdraft, trust in [0, 1] and legal
pilot paths (``check_invariants``); take from the economy no more than each pilot's own stream
and salvage, and report the net present public cost of its own tables (``check_economy``).
"""

import itertools
import os
import typing

import numpy as np
import pytest
from conftest import check_economy, check_invariants, run_model, scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from scenario_strategies import scenarios

from sim.model.metrics import METRICS
from sim.runs.runner import step_table
from sim.scenario.actors import PopulationConfig
from sim.scenario.extends import deep_merge
from sim.scenario.files import field_bounds, validate_data
from sim.scenario.finance import FinanceConfig
from sim.scenario.schema import CityConfig, Scenario, TimeConfig

SMALL = {
    "time.steps": (1, 20),
    "population.startups": (0, 6),
    "population.incumbents": (0, 6),
    "population.academia": (0, 6),
    "population.citizen_groups": (0, 6),
    "population.capital_providers": (0, 4),
    "cities": (1, 3),
    "cities[].citizens": (1, 300),
}
"""Population and horizon of the default suite: inclusive ranges by key path."""

INSTRUMENTS = typing.get_args(
    typing.get_args(FinanceConfig.model_fields["instruments"].annotation)[0]
)
"""Every instrument the schema knows."""

MIXES = [
    mix
    for size in range(1, len(INSTRUMENTS) + 1)
    for mix in itertools.combinations(INSTRUMENTS, size)
]
"""Every instrument alone and every mix of them."""

EXAMPLES = int(os.environ.get("PARTNERSIM_BOUNDS_EXAMPLES", "6"))
"""Scenarios drawn per mix of instruments."""


def check_metrics(model) -> None:
    """Every metric finite at every step where it is defined; shares in [0, 1]."""
    steps = step_table(model)
    for name, metric in METRICS.items():
        values = steps[name].to_numpy(dtype=float)
        bad = np.isinf(values) if metric.undefined else ~np.isfinite(values)
        assert not bad.any(), f"{name} is {values[bad][0]} at step {np.flatnonzero(bad)[0]}"
        if metric.share:
            defined = values[~np.isnan(values)]
            assert ((defined >= 0) & (defined <= 1)).all(), f"{name} leaves [0, 1]: {defined}"


def check_run(config: Scenario, seed: int) -> None:
    """Run a scenario and hold it to every check of this module."""
    model = run_model(config, seed=seed)
    check_invariants(model)
    check_economy(model)
    check_metrics(model)


@pytest.mark.parametrize("mix", MIXES, ids="+".join)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), seed=st.integers(0, 2**31 - 1))
def test_every_scenario_the_schema_accepts_runs(mix, data, seed):
    mixes = st.permutations(list(mix))
    drawn = data.draw(scenarios(Scenario, {**SMALL, "finance.instruments": mixes}))
    check_run(validate_data(drawn, Scenario), seed)


def largest(section: type[BaseModel], key: str) -> int:
    """The largest whole number the schema allows for a field."""
    return int(field_bounds(section.model_fields[key])["le"])


ORGANISATIONS_LIMIT = 2_000
"""Organisations of each kind in the slow test of the largest population: a stated limit far
below the schema's (1,000,000 start-ups, incumbents and citizen groups, 100,000 academic
institutions), because a run's cost grows with organisations times proposals (6,500
organisations and 10,000 capital providers took 25 CPU seconds for two steps; 65,000
organisations did not finish two steps in five minutes). The largest benchmarked city
(``benchmarks/run.py``) has 5,000."""

CITIES_LIMIT = 10
"""Cities in the slow test: the schema sets no largest number; ten is a stated limit."""

SMALL_CITY = {"citizens": 100, "neighbourhoods": 2}

SMALL_SCENARIO = {
    "time": {"steps": 4},
    "population": {"startups": 6, "incumbents": 3, "academia": 1, "citizen_groups": 2},
    "cities": [SMALL_CITY],
    "finance": {"instruments": list(INSTRUMENTS), "rule": "cheapest"},
}
"""Where each maximum runs: a small city with every instrument."""

MAXIMA = {
    "horizon": {"time": {"steps": largest(TimeConfig, "steps")}},
    "citizens and neighbourhoods": {
        "cities": [
            {
                "citizens": largest(CityConfig, "citizens"),
                "neighbourhoods": largest(CityConfig, "neighbourhoods"),
            }
        ]
    },
    "organisations": {
        "population": {
            "startups": ORGANISATIONS_LIMIT,
            "incumbents": ORGANISATIONS_LIMIT,
            "academia": ORGANISATIONS_LIMIT,
            "citizen_groups": ORGANISATIONS_LIMIT,
            "capital_providers": largest(PopulationConfig, "capital_providers"),
        }
    },
    "cities": {"cities": [{**SMALL_CITY, "name": f"city {i}"} for i in range(CITIES_LIMIT)]},
}
"""Each maximum of population and horizon, with the others small (:data:`SMALL_SCENARIO`)."""


@pytest.mark.slow
@pytest.mark.parametrize("dimension", MAXIMA)
def test_the_largest_population_and_horizon_run(dimension):
    config = scenario(**deep_merge(SMALL_SCENARIO, MAXIMA[dimension]))
    check_run(config, seed=1)


REGRESSIONS = {
    "capability beta shape underflows to 0": {
        "organisations": {"capability_concentration": 5e-324}
    },
    "measurability beta shape underflows to 0": {
        "finance": {"savings": {"measurability_mean": 5e-324, "measurability_concentration": 1e-3}}
    },
    "a city's only priority underflows times a capability": {
        "cities": [{"priorities": {"mobility": 5e-324}}]
    },
    "a senior lender's discount factor overflows (hurdle -99% over centuries)": {
        "time": {"steps_per_year": 1},
        "pilots": {"duration_mean": 400, "duration_sd": 0, "proposal_rate": 1},
        "finance": {"instruments": ["blended"], "blended": {"hurdle": -0.99, "coupon": 0}},
    },
    "a loan's grace-period interest overflows (100% a year over centuries)": {
        "time": {"steps_per_year": 1},
        "pilots": {"duration_mean": 400, "duration_sd": 400, "start_delay": 40, "proposal_rate": 1},
        "finance": {
            "instruments": ["blended", "revolving"],
            "blended": {"coupon": 1},
            "revolving": {"rate": 1, "initial_capital": 1e9},
        },
    },
    "a sector's only objective weight is tiny (its norm underflows to 0)": {
        "objectives": {
            "firm": {"profit": 5e-324, "public_value": 0, "knowledge": 0, "legitimacy": 0}
        }
    },
    "a city that trusts nobody values a deal the market will not close": {
        "trust": {"initial_mean": 0.0, "initial_sd": 0.0},
        "finance": {"instruments": ["blended"], "blended": {"hurdle": 1.0}},
    },
    "outcome contract known in the step it closes": {
        "pilots": {"duration_sd": 77.25, "duration_min": 1, "start_delay": 0},
        "finance": {"instruments": ["outcome_based"]},
    },
}
"""The smallest scenario of every crash this test found, each fixed at its root (CHANGELOG).
The tiny objective weight was found by reading the code beside a crash (all weights 0, now
refused by the schema: ``tests/test_scenario_files.py``)."""


def test_public_cost_agrees_with_the_tables_beyond_exact_cents():
    """Found at the bounds: search costs of 1e12 EUR a candidate move more money than a float
    holds to the cent, and the two sums of the public cost differed by 1.5 EUR in 1.4e15."""
    model = run_model(scenario(consortium={"search_cost": 1e12}), seed=2)
    assert model.ledger.to_frame().amount.sum() > 2**53 / 100
    check_economy(model)


@pytest.mark.parametrize("case", REGRESSIONS)
def test_crashes_found_at_the_bounds_stay_fixed(case):
    check_run(scenario(**deep_merge({"time": {"steps": 12}}, REGRESSIONS[case])), seed=1)
