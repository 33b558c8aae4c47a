"""partnersim: an agent-based simulation of urban innovation partnerships and their finance.

The public API is loaded lazily so that ``import sim`` (and the command line) stays fast:
Mesa is imported only when a model runs.

Example:
    >>> import sim
    >>> result = sim.run("scenarios/base.yaml", seed=1)  # doctest: +SKIP
    >>> result.steps[["step", "pilots_succeeded", "public_spend"]].tail()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["PartnershipModel", "RunResult", "Scenario", "load_scenario", "run"]


def __getattr__(name: str) -> Any:
    """Import the public API on first use."""
    if name == "run":
        from sim.runs.runner import run

        return run
    if name == "PartnershipModel":
        from sim.model.model import PartnershipModel

        return PartnershipModel
    if name == "RunResult":
        from sim.runs.results import RunResult

        return RunResult
    if name == "Scenario":
        from sim.scenario.schema import Scenario

        return Scenario
    if name == "load_scenario":
        from sim.runs.runner import as_scenario

        return as_scenario
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
