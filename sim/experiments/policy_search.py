"""A search for better policies: many-objective robust optimisation of one policy's terms.

The decision file's ``search`` names a policy and the terms (levers) to search over, as sweep
parameters (a key with bounds, whole numbers or discrete values). Each candidate is a setting
of the levers applied to that policy's scenario; it is judged by running it in a Latin
hypercube of ``search.futures`` futures of the same uncertainties, ``search.replicates`` runs
each, with the seeds every named policy gets there (common random numbers), and by computing
the robustness criteria of :func:`sim.experiments.robustness.criteria` against the named
policies in those futures:

* per objective, the chosen quantile of its regret over futures, the regret taken against the
  best of the named policies and the candidate itself in each future (minimised);
* with thresholds, the share of futures meeting every one (maximised).

The evolutionary search is NSGA-II (Deb et al. 2002, doi:10.1109/4235.996017) from Platypus
(Hadka, the optimiser behind EMA Workbench's many-objective robust optimisation; Kasprzyk et
al. 2013, doi:10.1016/j.envsoft.2012.12.007). Each generation's candidates are run together
on the sweep machinery's executors (serial, a process pool or Dask), so a search runs where
sweeps run. A candidate with a failed run (for example terms that make an invalid scenario) is
infeasible, by as many runs as failed. Platypus draws from Python's global ``random``; the
search seeds it and restores its state afterwards, so a search with the same seed gives the
same candidates and nothing else sees the change.

The result is the Pareto set of the feasible candidates judged (none better on one criterion
without being worse on another), beside the named policies on the same criteria and futures.
"""

from __future__ import annotations

import dataclasses
import importlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments import robustness as measures
from sim.experiments.decision_plan import DecisionPlan, plan_decision, policy_sweep, policy_task
from sim.experiments.decision_spec import DecisionSpec, Policy, SearchSpec
from sim.experiments.design import apply, sampled_range
from sim.experiments.ema import INSTALL_HINT
from sim.experiments.plan import SweepPlan, plan_sweep
from sim.experiments.sweep import start_executor
from sim.experiments.worker import RunRecord, RunTask, run_task
from sim.runs.execution import Executor
from sim.scenario.files import StrPath
from sim.scenario.keypaths import with_values

CANDIDATE = "candidate"
"""Column numbering the candidates in the order they were judged (0, 1, ...)."""


@dataclass(frozen=True, eq=False)
class SearchResult:
    """What a search found.

    Attributes:
        policy: The policy whose terms were searched.
        levers: The lever keys.
        criteria: The criteria, as :func:`sim.experiments.robustness.criteria` names them.
        candidates: One row per candidate judged: ``candidate``, each lever's value (by key,
            as applied), ``feasible``, ``failed`` (runs), each criterion's value
            (``satisficing`` as a share, higher better; ``regret:<metric>`` in the metric's
            unit, lower better) and ``pareto``.
        reference: The named policies on the same criteria and futures: ``policy`` and each
            criterion.
        units: Each regret criterion's unit (the metric's; "" for a reference model's).
        futures: Futures each candidate was judged in.
        replicates: Replicates per candidate and future.
        seed: The search's seed.
    """

    policy: str
    levers: list[str]
    criteria: list[str]
    candidates: pd.DataFrame
    reference: pd.DataFrame
    units: dict[str, str]
    futures: int
    replicates: int
    seed: int

    @property
    def pareto(self) -> pd.DataFrame:
        """The Pareto set: feasible candidates no other judged candidate dominates.

        A setting the search judged more than once (evolution revisits good terms) is listed
        once, as its first candidate.
        """
        front = self.candidates[self.candidates["pareto"]]
        return front.drop_duplicates(subset=self.levers).reset_index(drop=True)


def search_policies(
    decision: DecisionSpec | DecisionPlan | StrPath,
    *,
    evaluations: int | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int | None = None,
) -> SearchResult:
    """Search for robust terms of the decision's ``search`` policy.

    Args:
        decision: A decision file, a spec built in Python, or its plan.
        evaluations: Candidates to judge (default: ``search.evaluations``).
        workers: Worker processes (1: serially in this process), or Dask workers.
        scheduler: A Dask scheduler address, ``"local"``, or None.
        seed: Seed of the search (default: the decision's seed).

    Returns:
        The :class:`SearchResult`.

    Raises:
        ScenarioError: The decision is invalid.
        ValueError: The decision has no ``search``, ``evaluations`` is below 1, or the named
            policies give no value of an objective in any search future.
        SweepError: The executor cannot start.
    """
    plan = decision if isinstance(decision, DecisionPlan) else plan_decision(decision)
    spec, search = plan.spec, plan.spec.search
    if search is None:
        raise ValueError(f"decision {spec.name} has no search: add a search section")
    evaluations = search.evaluations if evaluations is None else evaluations
    if evaluations < 1:
        raise ValueError(f"evaluations must be at least 1; got {evaluations}")
    seed = spec.seed if seed is None else seed
    sweeps = _search_sweeps(plan, search)
    with start_executor(workers, scheduler) as executor:
        names = [p.name for p in spec.policies]
        batches = [_tasks(spec, p, s) for p, s in zip(spec.policies, sweeps, strict=True)]
        reference, failed = _performance(executor, batches, names)
        if failed:
            name, first = failed[0]
            raise ValueError(
                f"{len(failed)} runs of the named policies failed in the search futures; the "
                f"first, of {name}: {first.error}: {first.message}"
            )
        try:
            measures.cube(reference, spec.objectives)
        except ValueError as err:
            raise ValueError(f"the named policies in the search futures: {err}") from None
        searched = names.index(search.policy)
        judge = _Judge(plan, batches[searched], reference, executor)
        _optimise(judge, search, evaluations, seed)
    criteria = measures.criteria(spec.objectives)
    named = measures.criterion_values(
        measures.cube(reference, spec.objectives).means(), spec.objectives, spec.regret_quantile
    )
    return SearchResult(
        policy=search.policy,
        levers=[lever.key for lever in search.levers],
        criteria=criteria,
        candidates=judge.table(criteria),
        reference=_criteria_table({measures.POLICY: names}, named, criteria),
        units={c: _unit(spec, c) for c in criteria if c != measures.SATISFICING},
        futures=search.futures,
        replicates=search.replicates,
        seed=seed,
    )


def _unit(spec: DecisionSpec, criterion: str) -> str:
    """Return a regret criterion's unit: its metric's, for the partnership model."""
    if not spec.is_partnersim:
        return ""
    from sim.model.metrics import METRICS

    return METRICS[criterion.removeprefix(measures.REGRET_PREFIX)].unit


def _search_sweeps(plan: DecisionPlan, search: SearchSpec) -> list[SweepPlan]:
    """Return every named policy's sweep over the search futures (one design, shared seeds)."""
    return [
        plan_sweep(
            policy_sweep(
                plan.spec,
                policy,
                policy_plan.scenario,
                design={"method": "lhs", "samples": search.futures},
                replicates=search.replicates,
            )
        )
        for policy, policy_plan in zip(plan.spec.policies, plan.plans, strict=True)
    ]


def _tasks(spec: DecisionSpec, policy: Policy, sweep: SweepPlan) -> list[RunTask]:
    """Return the runs of a policy's sweep, as the policy runs them."""
    return [policy_task(spec, policy, task) for task in sweep.tasks()]


def _performance(
    executor: Executor, batches: Sequence[list[RunTask]], names: Sequence[str]
) -> tuple[pd.DataFrame, list[tuple[str, RunRecord]]]:
    """Run batches of tasks, one per named policy or candidate, as one; return the performance.

    Returns:
        The performance table of the runs that finished, and the records of those that failed
        (each with the name it belongs to).
    """
    tasks = [task for batch in batches for task in batch]
    owners = [name for name, batch in zip(names, batches, strict=True) for _ in batch]
    rows, failed = [], []
    for i, record in executor.imap(run_task, tasks):
        if record.ok:
            rows.append(_row(owners[i], record))
        else:
            failed.append((owners[i], record))
    columns = [measures.POLICY, measures.FUTURE, measures.REPLICATE]
    return (pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)), failed


def _row(name: str, record: RunRecord) -> dict[str, Any]:
    """Return a run's row of a performance table."""
    task = record.task
    return {
        measures.POLICY: name,
        measures.FUTURE: task.point,
        measures.REPLICATE: task.replicate,
        **(record.metrics or {}),
    }


class _Judge:
    """Runs a batch of candidates in the search futures and gives each its criteria.

    Used as Platypus's evaluator: :meth:`evaluate_all` receives a generation's jobs.
    """

    def __init__(
        self,
        plan: DecisionPlan,
        tasks: list[RunTask],
        reference: pd.DataFrame,
        executor: Executor,
    ) -> None:
        self.spec = plan.spec
        self.search = plan.spec.search
        self.tasks = tasks
        self.reference = reference
        self.executor = executor
        self.rows: list[dict[str, Any]] = []
        self.solutions: list[Any] = []
        # criteria and failed runs by setting: a setting judged before (an offspring that
        # crossover and mutation left as its parent) runs in the same futures with the same
        # seeds, so its runs would give the same results; they are not run again
        self.judged: dict[tuple[tuple[str, Any], ...], tuple[np.ndarray | None, int]] = {}

    def applied(self, variables: Sequence[float]) -> dict[str, Any]:
        """Return the lever values a candidate's variables stand for (as sweeps apply them)."""
        return {
            lever.key: apply(lever, float(value), grid=False)
            for lever, value in zip(self.search.levers, variables, strict=True)
        }

    def candidate_tasks(self, levers: dict[str, Any]) -> list[RunTask]:
        """Return the runs of one candidate: the searched policy's runs with the levers set."""
        if self.spec.is_partnersim:
            return [
                dataclasses.replace(task, scenario=with_values(task.scenario or {}, levers))
                for task in self.tasks
            ]
        return [
            dataclasses.replace(task, parameters={**task.parameters, **levers})
            for task in self.tasks
        ]

    def evaluate_all(self, jobs: list[Any], **kwargs: Any) -> list[Any]:
        """Judge a generation's candidates (Platypus's evaluator interface)."""
        settings = [self.applied(job.solution.variables) for job in jobs]
        keys = [tuple(levers.items()) for levers in settings]
        new = dict.fromkeys(k for k in keys if k not in self.judged)  # in order, each once
        names = [f"{CANDIDATE}-{len(self.judged) + k}" for k in range(len(new))]
        batches = [self.candidate_tasks(dict(key)) for key in new]
        table, failures = _performance(self.executor, batches, names)
        for key, name in zip(new, names, strict=True):
            failed = sum(owner == name for owner, _ in failures)
            mine = table[table[measures.POLICY] == name]
            self.judged[key] = (None if failed else self._costs(mine), failed)
        for job, levers, key in zip(jobs, settings, keys, strict=True):
            costs, failed = self.judged[key]
            solution = job.solution
            solution.objectives[:] = (
                list(costs) if costs is not None else [0.0] * len(solution.objectives)
            )
            solution.constraints[:] = [float(failed)]
            solution.constraint_violation = float(failed)
            solution.feasible = not failed
            solution.evaluated = True
            solution.candidate = len(self.rows)
            self.solutions.append(solution)
            self.rows.append(
                {CANDIDATE: len(self.rows), **levers, "failed": failed, "costs": costs}
            )
        return jobs

    def _costs(self, rows: pd.DataFrame) -> np.ndarray:
        """Return a candidate's criteria as costs, against the named policies."""
        table = pd.concat([self.reference, rows], ignore_index=True)
        data = measures.cube(table, self.spec.objectives)
        values = measures.criterion_values(
            data.means(), self.spec.objectives, self.spec.regret_quantile
        )
        return values[data.policies.index(rows[measures.POLICY].iloc[0])]

    def table(self, names: list[str]) -> pd.DataFrame:
        """Return one row per candidate judged, with its criteria and whether it is Pareto."""
        front = {s.candidate for s in platypus().nondominated(self.solutions) if s.feasible}
        levers = pd.DataFrame([{k: v for k, v in r.items() if k != "costs"} for r in self.rows])
        costs = np.array(
            [r["costs"] if r["costs"] is not None else [np.nan] * len(names) for r in self.rows]
        )
        table = _criteria_table(levers.to_dict("list"), costs, names)
        table.insert(table.columns.get_loc("failed"), "feasible", table["failed"] == 0)
        table["pareto"] = table[CANDIDATE].isin(front)
        return table


def _criteria_table(
    columns: dict[str, list[Any]], costs: np.ndarray, names: list[str]
) -> pd.DataFrame:
    """Return a table of given columns and criteria (satisficing as a share, not a cost)."""
    table = pd.DataFrame(columns)
    for c, name in enumerate(names):
        values = costs[:, c]
        table[name] = -values if name == measures.SATISFICING else values
    return table


def _optimise(judge: _Judge, search: SearchSpec, evaluations: int, seed: int) -> None:
    """Run NSGA-II over the levers' sampled ranges with Platypus, seeded and contained."""
    optimiser = platypus()
    criteria = measures.criteria(judge.spec.objectives)
    problem = optimiser.Problem(len(search.levers), len(criteria), 1)
    problem.types[:] = [
        optimiser.Real(*sampled_range(lever, grid=False)) for lever in search.levers
    ]
    state = random.getstate()
    random.seed(seed)
    try:
        algorithm = optimiser.NSGAII(problem, population_size=search.population, evaluator=judge)
        algorithm.run(evaluations)
    finally:
        random.setstate(state)


def platypus() -> ModuleType:
    """Import Platypus, with a clear message when it is missing.

    Raises:
        ImportError: Platypus is not installed; the message says how to install the extra
            that brings it (with EMA Workbench).
    """
    try:
        return importlib.import_module("platypus")
    except ImportError as err:
        raise ImportError(f"Platypus is not available ({err}); {INSTALL_HINT}") from err
