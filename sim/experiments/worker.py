"""What a worker does with one run of a sweep: run it, and turn what happened into a record.

:func:`run_task` is the function every executor (:mod:`sim.runs.execution`) runs; it is
module-level and takes a small picklable :class:`RunTask`, so it works in this process, in
spawned pool workers and on Dask workers. A run that raises does not stop the sweep: the
exception becomes a failure record (type, message, traceback) and the next run goes on.
"""

from __future__ import annotations

import functools
import importlib
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.experiments.spec import PARTNERSIM, Level

if TYPE_CHECKING:
    import pandas as pd

RUN_COLUMNS: tuple[str, ...] = ("run", "point", "replicate")
"""Columns that identify a run of a sweep, first in every table."""

type ReferenceModel = Callable[[dict[str, Level], int], Mapping[str, float]]
"""A reference model: ``fn(params, seed) -> {metric: value}``.

See :mod:`sim.experiments.reference_models`.
"""


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep, small and picklable.

    Attributes:
        run: Run id, ``point * replicates + replicate``.
        point: Design point.
        replicate: Replicate at that point.
        seed: The run's seed.
        parameters: Applied value of each parameter, by key.
        model: ``"partnersim"`` or ``"module:function"`` of a reference model.
        scenario: For partnersim, the point's resolved scenario data; else None.
        record_steps: Also return the step table (partnersim).
        metrics: Metrics to keep, or None for all the model reports.
    """

    run: int
    point: int
    replicate: int
    seed: int
    parameters: dict[str, Level]
    model: str
    scenario: dict[str, Any] | None = None
    record_steps: bool = False
    metrics: tuple[str, ...] | None = None


@dataclass
class RunRecord:
    """What became of one run.

    Attributes:
        task: The task.
        metrics: End-of-run value of each metric; None if the run failed.
        steps: The step table (``record: steps``), with ``run``, ``point`` and ``replicate``
            first and every metric as float; else None.
        error: The exception's type name if the run failed.
        message: The exception's message.
        traceback: The formatted traceback.
    """

    task: RunTask
    metrics: dict[str, float] | None = None
    steps: pd.DataFrame | None = None
    error: str | None = None
    message: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the run finished without raising."""
        return self.error is None


def run_task(task: RunTask) -> RunRecord:
    """Run one task; return its metrics, or its failure (an exception never escapes).

    ``KeyboardInterrupt`` and ``SystemExit`` are not caught: they stop the sweep, which keeps
    what finished.

    Args:
        task: What to run.

    Returns:
        The :class:`RunRecord`.
    """
    try:
        if task.model == PARTNERSIM:
            metrics, steps = _run_partnersim(task)
        else:
            metrics, steps = _run_reference(task), None
    except Exception as err:
        return RunRecord(
            task,
            error=type(err).__name__,
            message=str(err),
            traceback=traceback.format_exc(),
        )
    return RunRecord(task, metrics=metrics, steps=steps)


def _run_partnersim(task: RunTask) -> tuple[dict[str, float], pd.DataFrame | None]:
    """Run the partnership model; return its end-of-run metrics and, if asked, its step table."""
    from sim.model.metrics import METRICS
    from sim.runs.runner import final_metrics, simulate, step_table

    model = simulate(
        task.scenario or {},
        seed=task.seed,
        metrics=task.metrics,
        collect_every=1 if task.record_steps else None,
    )
    names = list(task.metrics or METRICS)
    metrics = final_metrics(model, names)
    if not task.record_steps:
        return metrics, None
    steps = step_table(model)
    steps.insert(0, "scenario", model.config.name)
    steps.insert(1, "seed", model.seed)
    table = steps[["scenario", "seed", "step", *names]].astype(dict.fromkeys(names, "float64"))
    for i, column in enumerate(RUN_COLUMNS):
        table.insert(i, column, getattr(task, column))
    return metrics, table


def _run_reference(task: RunTask) -> dict[str, float]:
    """Run a reference model; return the metrics it reports (those asked for, if a subset)."""
    output = resolve_model(task.model)(dict(task.parameters), task.seed)
    if not isinstance(output, Mapping):
        raise TypeError(
            f"{task.model} returned {type(output).__name__}, not a mapping of metric names to "
            "numbers"
        )
    names = list(task.metrics or output)
    missing = [name for name in names if name not in output]
    if missing:
        raise KeyError(
            f"{task.model} returned no {', '.join(missing)}; it returned {', '.join(output)}"
        )
    return {name: float(output[name]) for name in names}


@functools.cache
def resolve_model(name: str) -> ReferenceModel:
    """Import a reference model by its ``"module:function"`` name.

    Args:
        name: E.g. ``"sim.experiments.reference_models:ishigami"``.

    Returns:
        The function.

    Raises:
        ImportError: The module cannot be imported.
        AttributeError: The module has no such function, or it is not callable.
    """
    module_name, _, function_name = name.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    if not callable(function):
        raise AttributeError(f"{name} is not a function")
    return function
