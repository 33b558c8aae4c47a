"""Run one scenario with one seed and gather its tables: ``sim.run(scenario, seed=...)``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.finance.public_cost import public_cost_parts_at
from sim.model.lifecycle import PilotState
from sim.model.model import PartnershipModel
from sim.runs.provenance import provenance
from sim.runs.results import RunResult
from sim.scenario.files import load, validate_data
from sim.scenario.schema import Scenario


def as_scenario(scenario: Scenario | str | Path | dict[str, Any]) -> Scenario:
    """Return a validated scenario from a Scenario, a YAML path or a mapping."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return validate_data(scenario, Scenario, source=None)
    return load(scenario, Scenario)


def run(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    seed: int = 0,
    steps: int | None = None,
) -> RunResult:
    """Run a scenario and return its tables.

    Args:
        scenario: A :class:`Scenario`, a path to a YAML scenario file, or a mapping.
        seed: Run seed (non-negative int); the same seed gives identical tables.
        steps: Steps to run (default: the scenario's ``time.steps``).

    Returns:
        The :class:`RunResult`.
    """
    return collect(simulate(scenario, seed=seed, steps=steps))


def simulate(
    scenario: Scenario | str | Path | dict[str, Any],
    *,
    seed: int = 0,
    steps: int | None = None,
    metrics: Sequence[str] | None = None,
    collect_every: int | None = 1,
) -> PartnershipModel:
    """Build a model and run it to its horizon; return the model.

    For callers that need only part of what :func:`collect` gathers, such as a sweep that keeps
    the step table (:func:`step_table`), or only its last row (:func:`final_metrics`):
    ``collect_every=None`` and the metrics kept spare the run the others (see
    :class:`PartnershipModel`).

    Args:
        scenario: As for :func:`run`.
        seed: As for :func:`run`.
        steps: As for :func:`run`.
        metrics: The metrics to collect; None for all.
        collect_every: Collect every this many steps (and at the horizon); None: at the
            horizon only.
    """
    config = as_scenario(scenario)
    if steps is not None:
        config = config.override({"time": {"steps": steps}})
    model = PartnershipModel(config, seed=seed, metrics=metrics, collect_every=collect_every)
    for _ in range(config.time.steps):
        model.step()
    return model


def step_table(model: PartnershipModel) -> pd.DataFrame:
    """Return the model's metrics, one row per step collected (step 0 is the initial state)."""
    steps = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    steps.insert(0, "step", pd.Series(model.collected_steps, dtype="int64"))
    return steps


def final_metrics(model: PartnershipModel, names: Sequence[str]) -> dict[str, float]:
    """Return each of these metrics' last collected value as a float: the step table's last row.

    Read from the collector's lists, without building the table: a sweep that keeps only the
    end of each run needs no frame.
    """
    collected = model.datacollector.model_vars
    return {name: float(collected[name][-1]) for name in names}


def collect(model: PartnershipModel) -> RunResult:
    """Gather a model's tables and manifest."""
    tables = {
        "steps": step_table(model),
        "events": model.log.to_frame(),
        "pilots": pilot_table(model),
        "negotiations": pd.DataFrame(model.negotiations, columns=NEGOTIATION_COLUMNS),
        "elections": pd.DataFrame(model.elections, columns=ELECTION_COLUMNS),
        "deals": pd.DataFrame(model.deals, columns=DEAL_COLUMNS),
        "outcome_contracts": pd.DataFrame(model.outcome_records, columns=OUTCOME_COLUMNS),
        "transfers": model.ledger.to_frame(),
        "accounts": model.accounts_table(),
        "claims": model.claims_table(),
    }
    tables |= public_cost_tables(model, tables)
    if model.config.output.agent_state:
        agents = model.datacollector.get_agent_vars_dataframe().reset_index()
        agents = agents.rename(columns={"Step": "step", "AgentID": "agent_id"})
        tables["agents"] = agents.astype({"step": "int64"})
    for table in tables.values():
        stamp(table, model.config.name, model.seed)
    manifest = {
        **provenance(),
        "seed": model.seed,
        "steps": model.config.time.steps,
        "scenario": model.config.model_dump(mode="json"),
    }
    return RunResult(tables=tables, manifest=manifest)


def stamp(table: pd.DataFrame, scenario: str, seed: int) -> None:
    """Put the run's ``scenario`` (str) and ``seed`` (int64) first in one of its tables.

    The columns are made whole rather than broadcast from the scalars, which pandas does slowly
    for Arrow-backed strings.
    """
    rows = len(table)
    table.insert(0, "scenario", pd.array([scenario] * rows, dtype=str))
    table.insert(1, "seed", np.full(rows, seed, dtype=np.int64))


NEGOTIATION_COLUMNS = [
    "step",
    "pilot_id",
    "city",
    "instrument",
    "parties",
    "agreed",
    "rounds",
    "reason",
    "alignment",
    "success_prob",
    "savings_multiple",
    "measurability",
]
DEAL_COLUMNS = [
    "step",
    "pilot_id",
    "city",
    "instrument",
    "closed",
    "reason",
    "public_part",
    "success_prob",
    "savings_multiple",
    "measurability",
    "expected_public_cost",
    "partner_return",
    "senior",
    "first_loss",
    "leverage",
    "expected_return",
    "expected_fraction",
    "noise_sd",
    "rate",
]
"""One row per attempt of an instrument to close a pilot's financing; terms an instrument does
not set are NaN (expected_return: the outcome contract's premium, 1/year; leverage: senior loan
per EUR of first-loss cover; expected_public_cost: the deal's expected net present public cost,
EUR; partner_return: EUR back per EUR of cost share)."""
OUTCOME_COLUMNS = ["pilot_id", "outcome", "measured", "paid_share", "maximum", "succeeded"]
"""One row per evaluated outcome contract (outcomes in SD around the success boundary)."""
ELECTION_COLUMNS = [
    "step",
    "city",
    "satisfaction",
    "reelection_probability",
    "reelected",
    "budget_before",
    "budget_after",
    "budget_cut",
    "pilots_at_risk",
    "pilots_exposed",
    "pilots_cancelled",
    "pilots_survived",
]


def public_cost_tables(
    model: PartnershipModel, tables: dict[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """Return the run's net present public cost and its lines at each rate its claims are valued at.

    Computed from the run's own tables by :func:`sim.finance.public_cost.public_cost_parts`:
    ``public_cost_parts`` has one row per rate and line (``rate``, ``part``, ``item``, ``value``),
    ``public_cost`` one row per rate with their sum (``rate``, ``net_public_cost``,
    ``successes``, ``per_success``).
    """
    successes = int(model.entered[PilotState.SUCCEEDED])
    rates = sorted(tables["claims"]["rate"].unique()) or [model.config.finance.public_discount_rate]
    parts = public_cost_parts_at(
        tables["transfers"],
        tables["accounts"],
        tables["claims"],
        horizon=model.now,
        rates=[float(rate) for rate in rates],
        steps_per_year=model.config.time.steps_per_year,
    )
    totals = parts.groupby("rate", sort=False)["value"].sum().rename("net_public_cost")
    totals = totals.reindex([float(rate) for rate in rates], fill_value=0.0).reset_index()
    totals["successes"] = successes
    totals["per_success"] = totals["net_public_cost"] / successes if successes else float("nan")
    return {"public_cost": totals, "public_cost_parts": parts}


def pilot_table(model: PartnershipModel) -> pd.DataFrame:
    """Return one row per pilot: attributes, terms and final state."""
    rows = []
    for p in model.pilots.values():
        rows.append(
            {
                "pilot_id": p.id,
                "city": p.city,
                "lead": p.lead,
                "domain": p.domain,
                "neighbourhood": p.neighbourhood,
                "cost": p.cost,
                "duration": p.duration,
                "in_testbed": p.in_testbed,
                "parties": len(p.parties),
                "success_prob": p.success_prob,
                "alignment": p.alignment,
                "rounds": p.terms.rounds if p.terms else 0,
                "instrument": p.instrument,
                "public_share": p.public / p.cost if p.terms and p.terms.agreed else float("nan"),
                "savings_multiple": p.savings_multiple,
                "measurability": p.measurability,
                "luck": p.luck,
                "public_net": model.pilot_public.get(p.id, 0.0),
                "invested": model.pilot_invested.get(p.id, 0) / 100,
                "returned": model.pilot_returned.get(p.id, 0) / 100,
                "replica_of": p.replica_of,
                "state": p.state.value,
            }
        )
    return pd.DataFrame(rows)
