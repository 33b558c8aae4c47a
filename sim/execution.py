"""Run many independent model runs: the one entry point for executing an experiment's runs.

*What* runs is a list of :class:`RunSpec` (a resolved scenario, a seed, a replicate number);
*how* it runs is chosen by :func:`run_many`'s arguments. Today that is ``workers``: 1 runs the
specs one after another in this process (for debugging, profiling and notebooks), more runs them
in a pool of that many processes. Results come back in the order of the specs either way, and
serial and parallel runs give identical tables (a test holds this).

Later back ends (a Dask cluster, streaming results to disk instead of returning them) are meant
to arrive as further keyword arguments of :func:`run_many`, so that callers such as
:func:`sim.compare.compare` keep a single call.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sim.results import RunResult


@dataclass(frozen=True)
class RunSpec:
    """One run to do: small and picklable, so it can be sent to a worker process.

    Attributes:
        scenario: The fully resolved scenario, ``Scenario.model_dump(mode="json")``.
        seed: Run seed.
        replicate: Replicate number, written into every table as the ``replicate`` column.
        steps: Steps to run, or None for the scenario's ``time.steps``.
    """

    scenario: dict[str, Any]
    seed: int
    replicate: int
    steps: int | None = None


def run_spec(spec: RunSpec) -> RunResult:
    """Run one spec and return its result, with a ``replicate`` column after ``seed``.

    Module-level (not a closure or lambda) so that worker processes can unpickle it.

    Args:
        spec: What to run.

    Returns:
        The run's :class:`RunResult`; every table carries ``scenario``, ``seed`` and
        ``replicate``, and the manifest records the replicate.
    """
    from sim.runner import run
    from sim.scenario import Scenario

    result = run(Scenario.model_validate(spec.scenario), seed=spec.seed, steps=spec.steps)
    for table in result.tables.values():
        table.insert(table.columns.get_loc("seed") + 1, "replicate", spec.replicate)
    result.manifest["replicate"] = spec.replicate
    return result


def run_many(tasks: Sequence[RunSpec], *, workers: int = 1) -> list[RunResult]:
    """Run every spec and return the results in the order of ``tasks``.

    Args:
        tasks: The runs to do.
        workers: 1 runs the specs serially in this process; more runs them in a pool of at
            most that many worker processes (started with "spawn", which is safe under
            threads, and reused for all tasks).

    Returns:
        One :class:`RunResult` per spec, in the order of ``tasks``.

    Raises:
        ValueError: ``workers`` is less than 1.

    Note:
        "spawn" starts each worker by importing the calling program's main module, so a script
        that asks for ``workers > 1`` must keep its top-level code under
        ``if __name__ == "__main__":`` (the ``partnersim`` command, pytest and notebooks do).
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    if workers == 1 or len(tasks) <= 1:
        return [run_spec(spec) for spec in tasks]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
        return list(pool.map(run_spec, tasks))
