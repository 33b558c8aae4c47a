"""Everything a robust decision checks and decides before its first run: the plan.

A decision is a sweep per policy over one design of futures. :func:`plan_decision` builds, for
every policy, the sweep of its scenario over a Latin hypercube of the uncertainties and plans
it with :func:`sim.experiments.plan.plan_sweep` (so every key is checked and every policy in
every future is validated before anything runs). All the policies' sweeps share the design
(the same uncertainties and seed give the same futures) and the seeds: with ``seeds:
independent`` the seed of replicate k of future f is child ``f * replicates + k`` of the base
seed in every policy's sweep, so replicate k of future f has one seed for every policy (common
random numbers) while futures differ in their luck.

The :class:`DecisionPlan` then numbers the runs of all policies as one sweep, policy by policy
(``point = policy * futures + future``, ``run = point * replicates + replicate``), which
:func:`sim.experiments.sweep.run_sweep` executes, streams and resumes like any sweep. Its
``points.parquet`` has ``policy`` and ``future`` beside the uncertainties, and its manifest a
``decision`` entry with the policies' resolved scenarios, the uncertainties with their labels
and units, and the objectives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Container, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.experiments.decision_spec import DecisionSpec, Policy, load_decision
from sim.experiments.plan import (
    SweepPlan,
    check_key,
    did_you_mean,
    plan_sweep,
    scenario_of,
    under_key,
)
from sim.experiments.spec import SweepSpec
from sim.experiments.worker import RunTask
from sim.scenario.errors import IN_MEMORY, ScenarioError
from sim.scenario.extends import deep_merge
from sim.scenario.files import StrPath, key_path, validate_data
from sim.scenario.schema import Scenario

SEEDS = "common across policies, independent across futures"
"""How a decision's runs are seeded, as its manifest says."""


@dataclass(frozen=True)
class DecisionPlan:
    """A checked decision, ready to run as one sweep.

    Attributes:
        spec: The decision.
        source: The decision file, or None for a spec built in Python.
        plans: One sweep plan per policy, in the decision's order, with one design.
        spec_hash: SHA-256 of the decision and every policy's resolved scenario; a resumed run
            must match.
    """

    spec: DecisionSpec
    source: str | None
    plans: tuple[SweepPlan, ...]
    spec_hash: str

    @property
    def name(self) -> str:
        """The decision's name."""
        return self.spec.name

    @property
    def futures(self) -> int:
        """Sampled futures."""
        return self.spec.futures

    @property
    def runs(self) -> int:
        """Runs in the decision: policies x futures x replicates."""
        return len(self.plans) * self.futures * self.spec.replicates

    def tasks(self, skip: Container[int] = ()) -> Iterator[RunTask]:
        """Yield the runs in run-id order, leaving out the ids in ``skip`` (already recorded).

        A reference model receives the policy's inputs (its ``override``) beside the future's.
        """
        per_policy = self.futures * self.spec.replicates
        for index, (policy, plan) in enumerate(zip(self.spec.policies, self.plans, strict=True)):
            for task in plan.tasks():
                run = index * per_policy + task.run
                if run in skip:
                    continue
                yield dataclasses.replace(
                    policy_task(self.spec, policy, task),
                    run=run,
                    point=index * self.futures + task.point,
                )

    def points_table(self) -> pd.DataFrame:
        """Return one row per policy and future: ``point``, ``policy``, ``future``, the samples.

        The sample columns are those of :func:`sim.experiments.design.points_table`.
        """
        frames = []
        for index, (policy, plan) in enumerate(zip(self.spec.policies, self.plans, strict=True)):
            table = plan.points_table()
            table.insert(1, "policy", policy.name)
            table.insert(2, "future", table["point"])
            table["point"] = index * self.futures + table["point"]
            frames.append(table)
        return pd.concat(frames, ignore_index=True)

    def parameter_dtypes(self) -> dict[str, str]:
        """Return the dtype of each recorded input by key (a reference model's levers too)."""
        levers = {} if self.spec.is_partnersim else self.spec.policies[0].override
        dtypes = {
            key: str(pd.Series([p.override[key] for p in self.spec.policies]).dtype)
            for key in levers
        }
        return {**dtypes, **self.plans[0].parameter_dtypes()}

    def manifest(self) -> dict[str, Any]:
        """Return what ``manifest.json`` says about the decision: a sweep's, plus ``decision``."""
        spec = self.spec
        return {
            **self.plans[0].manifest(),
            "name": spec.name,
            "description": spec.description,
            "source": self.source,
            "spec": spec.model_dump(mode="json"),
            "spec_hash": self.spec_hash,
            "points": len(self.plans) * self.futures,
            "runs": self.runs,
            "seeds": SEEDS,
            "scenario": None,
            "decision": {
                "policies": [
                    {"name": p.name, "description": p.description, "scenario": plan.scenario}
                    for p, plan in zip(spec.policies, self.plans, strict=True)
                ],
                "futures": self.futures,
                "uncertainties": [
                    {"key": u.key, "label": u.label or u.key, "unit": unit}
                    for u, unit in zip(spec.uncertainties, uncertainty_units(spec), strict=True)
                ],
                "objectives": [o.model_dump(mode="json") for o in spec.objectives],
                "regret_quantile": spec.regret_quantile,
                "leaders": spec.leaders,
            },
        }


def plan_decision(decision: DecisionSpec | StrPath, **changes: Any) -> DecisionPlan:
    """Check a decision completely and return its plan; nothing runs.

    Args:
        decision: A decision file, or a spec built in Python (relative files are then taken
            from the working folder).
        **changes: Top-level fields of the decision to replace, e.g. ``futures=8,
            replicates=1`` for a small run that checks a file; None leaves a field as it is.
            Scenario files stay relative to the decision file.

    Returns:
        The :class:`DecisionPlan`.

    Raises:
        ScenarioError: The decision file, a scenario it names, a key, an objective's metric,
            a search lever or a policy in a future is invalid; the message names the decision
            file and the key.
    """
    if isinstance(decision, DecisionSpec):
        spec, source = decision, None
    else:
        spec, source = load_decision(decision), str(decision)
    changes = {name: value for name, value in changes.items() if value is not None}
    if changes:
        data = {**spec.model_dump(mode="json", exclude_unset=True), **changes}
        # a value out of range came from the change, not from the file: the message says so
        given = ", ".join(f"{name}={value}" for name, value in changes.items())
        spec = validate_data(data, DecisionSpec, source=f"{source or IN_MEMORY} (with {given})")
    _check_objectives(spec, source)
    base = _base_scenario(spec, source)
    plans = []
    for index, policy in enumerate(spec.policies):
        scenario = policy_scenario(spec, index, base, source)
        try:
            plans.append(plan_sweep(policy_sweep(spec, policy, scenario)))
        except ScenarioError as err:
            raise _in_decision(err, policy, source) from None
    if spec.search is not None:
        _check_levers(spec, plans, source)
    digest = json.dumps(
        {"spec": spec.model_dump(mode="json"), "policies": [p.spec_hash for p in plans]},
        sort_keys=True,
    )
    return DecisionPlan(
        spec=spec,
        source=source,
        plans=tuple(plans),
        spec_hash=hashlib.sha256(digest.encode()).hexdigest(),
    )


def describe(plan: DecisionPlan) -> str:
    """Return one line on a plan, e.g. ``"6 policies x 200 futures x 3 replicates = 3600 runs"``."""
    replicates = plan.spec.replicates
    return (
        f"{len(plan.plans)} policies x {plan.futures} futures x {replicates} "
        f"replicate{'s' if replicates > 1 else ''} = {plan.runs} runs"
    )


def policy_sweep(
    spec: DecisionSpec, policy: Policy, scenario: dict[str, Any] | None, **changes: Any
) -> SweepSpec:
    """Return the sweep of one policy over the decision's futures.

    Args:
        spec: The decision.
        policy: One of its policies.
        scenario: The policy's resolved scenario (None for a reference model).
        **changes: Fields of the sweep to change, e.g. ``design`` and ``replicates`` for the
            futures of a search.

    Returns:
        The sweep: the uncertainties as parameters, a Latin hypercube of ``futures`` points,
        the decision's replicates and seed, seeds independent across points (so one per future
        and replicate, whatever the policy).
    """
    fields: dict[str, Any] = {
        "name": f"{spec.name}.{policy.name}",
        "model": spec.model,
        "base": scenario,
        "parameters": [u.as_parameter() for u in spec.uncertainties],
        "design": {"method": "lhs", "samples": spec.futures},
        "replicates": spec.replicates,
        "seed": spec.seed,
        "seeds": "independent",
        "steps": spec.steps,
    }
    return SweepSpec.model_validate({**fields, **changes})


def policy_task(spec: DecisionSpec, policy: Policy, task: RunTask) -> RunTask:
    """Return a run of a policy's sweep as the policy runs it.

    A partnersim policy's scenario is already in the task; a reference model receives the
    policy's inputs (its ``override``) beside the future's.
    """
    if spec.is_partnersim:
        return task
    return dataclasses.replace(task, parameters={**policy.override, **task.parameters})


def policy_scenario(
    spec: DecisionSpec, index: int, base: dict[str, Any] | None, source: str | None
) -> dict[str, Any] | None:
    """Return a policy's resolved scenario: its file or the base, its override, its name.

    Args:
        spec: The decision.
        index: The policy's position in ``spec.policies``.
        base: The base scenario's resolved data (None without one).
        source: The decision file, for messages.

    Returns:
        The scenario's data, validated, named after the policy; None for a reference model.

    Raises:
        ScenarioError: The policy's file is missing or invalid, or its override makes an
            invalid scenario.
    """
    if not spec.is_partnersim:
        return None
    policy = spec.policies[index]
    where = f"policies[{index}]"
    if policy.scenario is not None:
        start = scenario_of(policy.scenario, source, f"{where}.scenario").model_dump(mode="json")
    else:
        start = base or {}
    data = deep_merge(start, policy.override)
    data["name"] = policy.name
    if policy.description:
        data["description"] = policy.description
    try:
        return validate_data(data, Scenario, source=source).model_dump(mode="json")
    except ScenarioError as err:
        raise under_key(err, f"{where}.override") from None


def uncertainty_units(spec: DecisionSpec) -> list[str]:
    """Return each uncertainty's unit: as given, else the scenario schema's ("" if none)."""
    from sim.scenario.diff import describe as describe_key

    units = []
    for uncertainty in spec.uncertainties:
        if uncertainty.unit is not None or not spec.is_partnersim:
            units.append(uncertainty.unit or "")
            continue
        parts = [int(part) if part.isdigit() else part for part in uncertainty.key.split(".")]
        units.append(describe_key(key_path(parts))[1])
    return units


def _base_scenario(spec: DecisionSpec, source: str | None) -> dict[str, Any] | None:
    """Return the base scenario's resolved data, if the decision has one."""
    if spec.base is None:
        return None
    return scenario_of(spec.base, source, "base").model_dump(mode="json")


def _check_objectives(spec: DecisionSpec, source: str | None) -> None:
    """Check that partnersim objectives name metrics (a reference model's show when it runs)."""
    if not spec.is_partnersim:
        return
    from sim.model.metrics import METRICS

    for index, objective in enumerate(spec.objectives):
        if objective.metric not in METRICS:
            raise ScenarioError(
                f"unknown metric{did_you_mean(objective.metric, list(METRICS))}",
                path=source,
                key=f"objectives[{index}].metric",
                value=objective.metric,
                allowed=f"metrics of sim/model/metrics.py: {', '.join(METRICS)}",
            )


def _check_levers(spec: DecisionSpec, plans: list[SweepPlan], source: str | None) -> None:
    """Check that every search lever leads to a value of the searched policy."""
    search = spec.search
    assert search is not None
    index = [p.name for p in spec.policies].index(search.policy)
    for number, lever in enumerate(search.levers):
        where = f"search.levers[{number}].key"
        scenario = plans[index].scenario
        if scenario is not None:
            check_key(
                scenario,
                lever.key,
                integer=lever.integer,
                bounded=lever.bounds is not None,
                source=source,
                where=where,
            )
        elif lever.key not in spec.policies[index].override:
            inputs = ", ".join(spec.policies[index].override) or "none"
            raise ScenarioError(
                "not an input the policy sets",
                path=source,
                key=where,
                value=lever.key,
                allowed=f"an input in the override of policy {search.policy}: {inputs}",
            )


def _in_decision(err: ScenarioError, policy: Policy, source: str | None) -> ScenarioError:
    """Return an error of a policy's sweep in the decision file's words and keys."""
    key = err.key
    if key.startswith("parameters"):
        key = "uncertainties" + key.removeprefix("parameters")
    problem = err.problem.replace("design point", "future")
    return ScenarioError(
        f"policy {policy.name}: {problem}",
        path=source,
        key=key,
        value=err.value,
        allowed=err.allowed,
        more=err.more,
    )
