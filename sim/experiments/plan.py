"""Everything a sweep checks and decides before its first run: the plan.

:func:`plan_sweep` reads the sweep file (or takes a :class:`sim.experiments.spec.SweepSpec` built in
Python), resolves the base scenario, checks that every parameter key leads to a value of the right
kind, samples the design, builds every point's scenario and validates it. Any problem is a
:class:`sim.scenario.errors.ScenarioError` naming the sweep file and the key; a bad point is named
with its parameter values. Only then does anything run, so a sweep never fails half-way on input
that could have been checked.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from sim.experiments.design import Design, build_design, points_table, run_seed, seed_child
from sim.experiments.spec import Level, SweepSpec, load_sweep, relative_file
from sim.experiments.worker import RunTask, resolve_model
from sim.scenario.errors import ScenarioError
from sim.scenario.files import StrPath, load, validate_data
from sim.scenario.keypaths import with_values
from sim.scenario.schema import Scenario

_BASE_WORDS = "the path of a scenario file, relative to the folder of the file naming it"
_KEY_WORDS = "a dot path to a value in the base scenario, list items by index"


@runtime_checkable
class RunPlan(Protocol):
    """What :func:`sim.experiments.sweep.run_sweep` runs: a checked design of runs.

    :class:`SweepPlan` is one; a robust decision's plan
    (:class:`sim.experiments.decision_plan.DecisionPlan`) is another.
    """

    spec: Any
    """The spec; ``spec.name`` names the progress bar and the default folder."""

    @property
    def runs(self) -> int:
        """Runs in the plan."""
        ...

    def tasks(self, skip: Container[int] = ()) -> Iterator[RunTask]:
        """Yield the runs in run-id order, leaving out the ids in ``skip``."""
        ...

    def points_table(self) -> pd.DataFrame:
        """Return one row per point (``points.parquet``)."""
        ...

    def parameter_dtypes(self) -> dict[str, str]:
        """Return the dtype of each recorded input by key."""
        ...

    def manifest(self) -> dict[str, Any]:
        """Return the plan's part of ``manifest.json`` (``kind``, ``spec_hash``, ``runs``...)."""
        ...


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep, ready to run.

    Attributes:
        spec: The sweep.
        source: The sweep file, or None for a spec built in Python.
        scenario: The resolved base scenario's data (with ``steps`` applied); None for a
            reference model.
        design: The design points.
        metrics: The metric columns, when known before running (partnersim, or a subset the
            spec names); None when a reference model's output decides.
        spec_hash: SHA-256 of the resolved spec and base scenario; a resumed sweep must match.
    """

    spec: SweepSpec
    source: str | None
    scenario: dict[str, Any] | None
    design: Design
    metrics: list[str] | None
    spec_hash: str

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.spec.name

    @property
    def runs(self) -> int:
        """Runs in the sweep: points times replicates."""
        return self.design.points * self.spec.replicates

    def tasks(self, skip: Container[int] = ()) -> Iterator[RunTask]:
        """Yield the runs in run-id order, leaving out the ids in ``skip`` (already recorded).

        Tasks are built one at a time, so a sweep of any size holds only those in flight.
        """
        spec = self.spec
        keys = [p.key for p in spec.parameters]
        metrics = tuple(spec.metrics) if spec.metrics else None
        for point, values in enumerate(self.design.applied):
            changes = dict(zip(keys, values, strict=True))
            scenario = None if self.scenario is None else with_values(self.scenario, changes)
            for replicate in range(spec.replicates):
                run = point * spec.replicates + replicate
                if run in skip:
                    continue
                yield RunTask(
                    run=run,
                    point=point,
                    replicate=replicate,
                    seed=run_seed(spec.seed, seed_child(spec, point, replicate)),
                    parameters=changes,
                    model=spec.model,
                    scenario=scenario,
                    record_steps=spec.record == "steps",
                    metrics=metrics,
                )

    def points_table(self) -> pd.DataFrame:
        """Return the points table (see :func:`sim.experiments.design.points_table`)."""
        return points_table(self.spec, self.design)

    def parameter_dtypes(self) -> dict[str, str]:
        """Return the dtype of each parameter's applied values over all points, by key."""
        return {
            p.key: str(pd.Series([row[i] for row in self.design.applied]).dtype)
            for i, p in enumerate(self.spec.parameters)
        }

    def manifest(self) -> dict[str, Any]:
        """Return what the results' ``manifest.json`` says about the sweep itself."""
        spec = self.spec
        return {
            "kind": "sweep",
            "name": spec.name,
            "description": spec.description,
            "source": self.source,
            "spec": spec.model_dump(mode="json"),
            "spec_hash": self.spec_hash,
            "model": spec.model,
            "method": self.design.method,
            "options": self.design.options,
            "problem": self.design.problem,
            "points": self.design.points,
            "replicates": spec.replicates,
            "runs": self.runs,
            "seed": spec.seed,
            "seeds": spec.seeds,
            "record": spec.record,
            "metrics": self.metrics,
            "scenario": self.scenario,
        }


def plan_sweep(sweep: SweepSpec | StrPath, *, source: StrPath | None = None) -> SweepPlan:
    """Check a sweep completely and return its plan; nothing runs.

    Args:
        sweep: A sweep file, or a spec built in Python or read already.
        source: For a spec, the file it was read from: a relative ``base`` is taken from that
            file's folder (from the working folder when None), and errors name it.

    Returns:
        The :class:`SweepPlan`.

    Raises:
        ScenarioError: The sweep file, its base scenario, a parameter key, the model, a metric
            or a design point is invalid; the message names the sweep file and the key.
    """
    if isinstance(sweep, SweepSpec):
        spec, source = sweep, None if source is None else str(source)
    else:
        spec, source = load_sweep(sweep), str(sweep)
    scenario = _base_scenario(spec, source)
    if scenario is not None:
        for i, parameter in enumerate(spec.parameters):
            check_key(
                scenario,
                parameter.key,
                integer=parameter.integer,
                bounded=parameter.bounds is not None,
                source=source,
                where=f"parameters[{i}].key",
            )
    else:
        _check_model(spec, source)
    metrics = _metrics(spec, source)
    design = build_design(spec)
    if scenario is not None:
        _check_points(spec, design, scenario, source)
    digest = json.dumps(
        {"spec": spec.model_dump(mode="json"), "scenario": scenario}, sort_keys=True
    )
    return SweepPlan(
        spec=spec,
        source=source,
        scenario=scenario,
        design=design,
        metrics=metrics,
        spec_hash=hashlib.sha256(digest.encode()).hexdigest(),
    )


def _base_scenario(spec: SweepSpec, source: str | None) -> dict[str, Any] | None:
    """Return the base scenario's resolved data, with the sweep's ``steps`` applied."""
    if not spec.is_partnersim:
        return None
    config = scenario_of(spec.base or {}, source, "base")
    if spec.steps is not None:
        config = config.override({"time": {"steps": spec.steps}})
    return config.model_dump(mode="json")


def scenario_of(base: str | Mapping[str, Any], source: str | None, where: str) -> Scenario:
    """Return a scenario named in a sweep or decision file: a file, or its values inline.

    Args:
        base: A scenario file's path, relative to the folder of ``source``, or scenario data.
        source: The sweep or decision file (None: a spec built in Python; then relative to the
            working folder).
        where: The key holding ``base``, for messages (e.g. ``base``, ``policies[2].scenario``).

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: The file is missing (named by ``where``) or invalid (named by itself),
            or the inline values are invalid (their keys placed under ``where``).
    """
    if isinstance(base, str):
        path = relative_file(base, source)
        if not path.is_file():
            raise ScenarioError(
                f"scenario file not found: {path}",
                path=source,
                key=where,
                value=base,
                allowed=_BASE_WORDS,
            )
        return load(path, Scenario)
    try:
        return validate_data(base, Scenario, source=source)
    except ScenarioError as err:
        raise under_key(err, where) from None


def under_key(err: ScenarioError, prefix: str) -> ScenarioError:
    """Return ``err`` with its key placed under ``prefix`` (an inline section of the file)."""
    key = f"{prefix}.{err.key}" if err.key else prefix
    return ScenarioError(
        err.problem, path=err.path, key=key, value=err.value, allowed=err.allowed, more=err.more
    )


def check_key(
    data: Mapping[str, Any],
    key: str,
    *,
    integer: bool = False,
    bounded: bool = True,
    source: str | None = None,
    where: str = "key",
) -> None:
    """Check that a dot path leads to a single value of the scenario that can be varied.

    Args:
        data: The scenario's data.
        key: The dot path, e.g. ``cities.0.annual_budget``.
        integer: Whether the parameter takes whole numbers.
        bounded: Whether the parameter is given by bounds (then the value must be a number).
        source: The sweep file, for the message.
        where: The key of the sweep file that holds ``key``, for the message.

    Raises:
        ScenarioError: A part of the path does not exist, the path ends at a section or a
            list, or bounds vary a value that is not a number (or a whole number without
            ``integer: true``).
    """
    found = key_problem(data, key, integer=integer, bounded=bounded)
    if found is not None:
        problem, allowed = found
        raise ScenarioError(problem, path=source, key=where, value=key, allowed=allowed)


def key_problem(
    data: Mapping[str, Any], key: str, *, integer: bool, bounded: bool
) -> tuple[str, str] | None:
    """Return what is wrong with a parameter's dot path and what is allowed, or None if fine.

    See :func:`check_key` for the arguments and the rules.
    """
    node: Any = data
    parts = key.split(".")
    for depth, part in enumerate(parts):
        reached = ".".join(parts[:depth]) or "the top level"
        if isinstance(node, Mapping):
            if part not in node:
                names = [str(name) for name in node]
                return (
                    f"no {part!r} in {reached}{did_you_mean(part, names)}",
                    f"{_KEY_WORDS}; {reached} has {', '.join(names)}",
                )
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return (
                    f"{reached} is a list of {len(node)}; {part!r} is not an index in it",
                    f"{_KEY_WORDS}: 0 to {len(node) - 1} here",
                )
            node = node[int(part)]
        else:
            return f"{reached} is a single value; the path goes on past it", _KEY_WORDS
    if isinstance(node, Mapping | list):
        kind = "a section" if isinstance(node, Mapping) else "a list"
        return f"{key} is {kind}, not a single value", f"{_KEY_WORDS}, ending at a single value"
    if bounded and (isinstance(node, bool) or not isinstance(node, int | float)):
        return (
            f"{key} is not a number ({node!r} in the base scenario), so it cannot have bounds",
            "values: [...] for a value that is not a number",
        )
    if bounded and isinstance(node, int) and not integer:
        return (
            f"{key} is a whole number in the scenario",
            "integer: true beside whole-number bounds",
        )
    return None


def did_you_mean(name: str, names: Sequence[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest of ``names`` to ``name``, else ``""``."""
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_model(spec: SweepSpec, source: str | None) -> None:
    """Check that a reference model's function can be imported here."""
    try:
        resolve_model(spec.model)
    except (ImportError, AttributeError) as err:
        raise ScenarioError(
            f"cannot load the model ({err})",
            path=source,
            key="model",
            value=spec.model,
            allowed="partnersim, or module:function of an importable function "
            "(e.g. sim.experiments.reference_models:ishigami)",
        ) from None


def _metrics(spec: SweepSpec, source: str | None) -> list[str] | None:
    """Return the metric columns known before running; check partnersim's names."""
    if not spec.is_partnersim:
        return list(spec.metrics) if spec.metrics else None
    from sim.model.metrics import METRICS

    for i, name in enumerate(spec.metrics or []):
        if name not in METRICS:
            raise ScenarioError(
                f"unknown metric{did_you_mean(name, list(METRICS))}",
                path=source,
                key=f"metrics[{i}]",
                value=name,
                allowed=f"metrics of sim/model/metrics.py: {', '.join(METRICS)}",
            )
    return list(spec.metrics or METRICS)


def _check_points(
    spec: SweepSpec, design: Design, scenario: Mapping[str, Any], source: str | None
) -> None:
    """Validate every design point's scenario; report the first bad one and count the rest."""
    keys = [p.key for p in spec.parameters]
    bad: list[tuple[int, ScenarioError]] = []
    for point, values in enumerate(design.applied):
        try:
            validate_data(with_values(scenario, dict(zip(keys, values, strict=True))), Scenario)
        except ScenarioError as err:
            bad.append((point, err))
    if not bad:
        return
    point, err = bad[0]
    shown = ", ".join(f"{k}={_short(v)}" for k, v in zip(keys, design.applied[point], strict=True))
    raise ScenarioError(
        f"design point {point} ({shown}) is not a valid scenario: {err.problem}",
        path=source,
        key=err.key,
        value=err.value,
        allowed=err.allowed,
        more=len(bad) - 1,
    )


def _short(value: Level) -> str:
    """Format a parameter value for a message (floats to 6 significant digits)."""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def describe(plan: SweepPlan) -> str:
    """Return one line on a plan, e.g. ``"sobol: 64 points x 2 replicates = 128 runs"``."""
    spec = plan.spec
    model = "" if spec.is_partnersim else f" of {spec.model}"
    return (
        f"{plan.design.method}{model}: {plan.design.points} points x "
        f"{spec.replicates} replicate{'s' if spec.replicates > 1 else ''} = {plan.runs} runs"
    )
