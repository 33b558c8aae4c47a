"""Shared fixtures: small scenarios that run in a fraction of a second."""

from pathlib import Path

import pytest

from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.yaml"


def scenario(**overrides) -> Scenario:
    """Return the default scenario with nested overrides, validated."""
    return Scenario().override(overrides)


@pytest.fixture
def small() -> Scenario:
    """A small city run for 12 steps: every mechanism fires, fast."""
    return scenario(
        time={"steps": 12, "election_interval": 8},
        population={"startups": 15, "incumbents": 8, "academia": 3, "citizen_groups": 6},
        cities=[{"citizens": 500, "neighbourhoods": 4, "annual_budget": 5e6}],
        pilots={"duration_mean": 4.0, "duration_sd": 1.0, "start_delay": 1, "proposal_rate": 0.2},
    )
