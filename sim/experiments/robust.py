"""Run a robust decision and analyse it: which policy holds up across futures, and where each fails.

From Python (a script or a notebook)::

    from sim.experiments.robust import analyse, run_decision

    result = run_decision("scenarios/decisions/funding_choice.yaml", workers=2)
    analysis = analyse(result.out)
    analysis.ranking            # criteria, policies, ranks and how sure they are

From the shell: ``partnersim robust DECISION.yaml [--workers N] [--scheduler ADDRESS|local]
[--resume] [--out DIR] [--search N]`` (:mod:`sim.cli.robust`).

:func:`run_decision` checks the decision completely (:func:`sim.experiments.decision_plan.
plan_decision`) and runs every policy in every future on the sweep machinery
(:func:`sim.experiments.sweep.run_sweep`), so the runs stream to disk, resume after an
interruption and run serially, on a process pool or on Dask with identical tables.
:func:`analyse` reads the results folder into a performance table (policy x future x
replicate) and computes the measures of :mod:`sim.experiments.robustness`, then the
vulnerabilities of the leading policies: PRIM boxes (:func:`sim.experiments.discovery.prim_boxes`)
of the futures in which a policy misses a threshold, in the uncertainties' own values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments import robustness as measures
from sim.experiments.decision_plan import DecisionPlan, plan_decision
from sim.experiments.decision_spec import DecisionSpec, Objective
from sim.experiments.discovery import Box, model_inputs, prim_boxes
from sim.experiments.sensitivity import ResultsError, SweepResults, load_results
from sim.experiments.spec import PARTNERSIM
from sim.experiments.sweep import SweepResult, run_sweep
from sim.scenario.files import StrPath

DEFAULT_OUT = Path("results")
"""Folder under which a decision's default output folder ``robust-<name>`` goes."""


@dataclass(frozen=True, eq=False)
class Vulnerability:
    """Where a policy misses its thresholds: the futures and the PRIM boxes around them.

    Attributes:
        policy: The policy.
        cases: One row per future: ``future``, each uncertainty's value (by key) and ``y``
            (True where the policy misses at least one threshold).
        boxes: PRIM boxes of the futures where it misses (empty when there is nothing to
            separate: it never misses, always misses, or PRIM is not installed).
        note: Why there are no boxes, if there are none.
    """

    policy: str
    cases: pd.DataFrame
    boxes: list[Box] = field(default_factory=list)
    note: str | None = None

    @property
    def misses(self) -> int:
        """Futures in which the policy misses a threshold."""
        return int(self.cases["y"].sum())


@dataclass(frozen=True, eq=False)
class RobustAnalysis:
    """Everything the robustness analysis of a decision's results found.

    Attributes:
        folder: The results folder.
        manifest: Its ``manifest.json``.
        objectives: The objectives.
        uncertainties: One entry per uncertainty: ``key``, ``label``, ``unit``.
        policies: Policy names in the decision's order.
        quantile: The regret quantile reported.
        resamples: Bootstrap resamples behind the ranking's confidence and the differences.
        performance: The performance table (:func:`performance_table`).
        futures: One row per future: ``future`` and each uncertainty's value (by key).
        summary: :func:`sim.experiments.robustness.summary`.
        regret: :func:`sim.experiments.robustness.regret`.
        regret_summary: :func:`sim.experiments.robustness.regret_summary`.
        satisficing: :func:`sim.experiments.robustness.satisficing` (None without thresholds).
        satisficing_summary: Its summary (None without thresholds).
        ranking: :func:`sim.experiments.robustness.ranking`.
        differences: :func:`sim.experiments.robustness.paired_differences` of every policy
            against the leader, per objective.
        leaders: The leading policies, best first.
        vulnerabilities: One per leading policy.
    """

    folder: Path
    manifest: dict[str, Any]
    objectives: list[Objective]
    uncertainties: list[dict[str, str]]
    policies: list[str]
    quantile: float
    resamples: int
    performance: pd.DataFrame
    futures: pd.DataFrame
    summary: pd.DataFrame
    regret: pd.DataFrame
    regret_summary: pd.DataFrame
    satisficing: pd.DataFrame | None
    satisficing_summary: pd.DataFrame | None
    ranking: pd.DataFrame
    differences: pd.DataFrame
    leaders: list[str]
    vulnerabilities: list[Vulnerability]

    @property
    def name(self) -> str:
        """The decision's name."""
        return str(self.manifest["name"])

    def label(self, key: str) -> str:
        """Return an uncertainty's label with its unit, e.g. ``"trust building rate (1/obs)"``.

        A dimensionless unit ("1") is not shown.
        """
        entry = next(u for u in self.uncertainties if u["key"] == key)
        shown = entry["unit"] not in ("", "1")
        return f"{entry['label']} ({entry['unit']})" if shown else entry["label"]

    def objective(self, metric: str) -> Objective:
        """Return the objective of a metric."""
        return next(o for o in self.objectives if o.metric == metric)

    def title(self, metric: str) -> str:
        """Return an objective's words: its label, else the metric's label, else its name."""
        label = self.objective(metric).label
        return label or (self._metric(metric).label if self._metric(metric) else metric)

    def unit(self, metric: str) -> str:
        """Return an objective's unit ("" for a reference model's metric)."""
        found = self._metric(metric)
        return found.unit if found else ""

    def _metric(self, metric: str) -> Any:
        """Return the partnership model's registered metric of that name, or None."""
        if self.manifest.get("model") != PARTNERSIM:
            return None
        from sim.model.metrics import METRICS

        return METRICS.get(metric)


def default_out(name: str) -> Path:
    """Return the default output folder of a decision: ``results/robust-<name>``."""
    return DEFAULT_OUT / f"robust-{name}"


def run_decision(
    decision: DecisionSpec | DecisionPlan | StrPath,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    out: StrPath | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run every policy of a decision in every future; return where the results are.

    Args:
        decision: A decision file, a spec built in Python, or its plan.
        workers: Worker processes (1: serially in this process).
        scheduler: A Dask scheduler address, ``"local"``, or None.
        resume: Carry on with the runs already recorded in ``out``.
        out: Output folder (default ``results/robust-<name>``).
        progress: Show a progress bar; None shows it when stderr is a terminal.

    Returns:
        The sweep's result (see :func:`sim.experiments.sweep.run_sweep`).

    Raises:
        ScenarioError: The decision is invalid (nothing has run).
        SweepError: ``out`` holds other results, or the decision changed since they were made.
        SweepInterrupted: Ctrl-C; the finished runs are on disk, resume with ``resume=True``.
    """
    plan = decision if isinstance(decision, DecisionPlan) else plan_decision(decision)
    return run_sweep(
        plan,
        workers=workers,
        scheduler=scheduler,
        resume=resume,
        out=out if out is not None else default_out(plan.name),
        progress=progress,
    )


def load_decision_results(folder: StrPath) -> SweepResults:
    """Read a decision's results folder: a complete sweep with a ``decision`` manifest entry.

    Raises:
        ResultsError: The folder is not a complete sweep, not a decision's, or has failed runs.
    """
    results = load_results(folder)
    if not isinstance(results.manifest.get("decision"), dict):
        raise ResultsError(
            "not the results of a robust decision (no 'decision' in the manifest)",
            path=results.folder / "manifest.json",
            allowed="a folder written by partnersim robust",
        )
    failed = results.runs[results.runs["status"] != "ok"]
    if len(failed):
        raise ResultsError(
            f"{len(failed)} of {len(results.runs)} runs failed, so some policies lack futures; "
            f"see {results.folder / 'failures.parquet'}, fix the cause and run again",
            path=results.folder,
        )
    return results


def performance_table(results: SweepResults) -> pd.DataFrame:
    """Return a decision's performance table: ``policy``, ``future``, ``replicate``, metrics.

    Args:
        results: A decision's results (:func:`load_decision_results`).

    Returns:
        One row per run, in run order, with every recorded metric.
    """
    points = results.points[["point", measures.POLICY, measures.FUTURE]]
    runs = results.runs.merge(points, on="point", how="left", validate="many_to_one")
    return runs[[measures.POLICY, measures.FUTURE, measures.REPLICATE, *results.metrics]]


def future_inputs(results: SweepResults) -> pd.DataFrame:
    """Return one row per future: ``future`` and each uncertainty's value as the model saw it.

    Numbers as applied (whole numbers rounded, numeric levels); an uncertainty given by text
    values appears as its sample, the position among its values (0 to n).
    """
    inputs = model_inputs(results)
    first = results.points[measures.POLICY] == results.points[measures.POLICY].iloc[0]
    table = inputs[first.to_numpy()].reset_index(drop=True)
    table.insert(0, measures.FUTURE, results.points.loc[first, measures.FUTURE].to_numpy())
    return table


def analyse(
    folder: StrPath,
    *,
    resamples: int = measures.RESAMPLES,
    seed: int = measures.SEED,
    boxes: int = 1,
) -> RobustAnalysis:
    """Analyse a decision's results: mean and spread, regret, satisficing, ranking, vulnerabilities.

    Args:
        folder: The folder ``partnersim robust`` (or :func:`run_decision`) wrote.
        resamples: Bootstrap resamples for the ranking's confidence and the differences.
        seed: Seed of the bootstrap.
        boxes: PRIM boxes sought per leading policy.

    Returns:
        The :class:`RobustAnalysis`.

    Raises:
        ResultsError: The folder is not a complete decision's results, has failed runs, or an
            objective's metric is not among the recorded ones or undefined in every run.
    """
    results = load_decision_results(folder)
    decision = results.manifest["decision"]
    objectives = [Objective.model_validate(o) for o in decision["objectives"]]
    for index, objective in enumerate(objectives):
        if objective.metric not in results.metrics:
            raise ResultsError(
                "the model did not report this metric",
                path=results.folder / "manifest.json",
                key=f"decision.objectives[{index}].metric",
                value=objective.metric,
                allowed=", ".join(results.metrics),
            )
    quantile = float(decision["regret_quantile"])
    performance = performance_table(results)
    try:
        measures.cube(performance, objectives)
    except ValueError as err:
        raise ResultsError(str(err), path=results.folder / "runs.parquet") from None
    regret = measures.regret(performance, objectives)
    thresholds = any(o.threshold is not None for o in objectives)
    met = measures.satisficing(performance, objectives) if thresholds else None
    ranking = measures.ranking(
        performance, objectives, quantile=quantile, resamples=resamples, seed=seed
    )
    leaders = measures.leaders(ranking, int(decision["leaders"]))
    differences = pd.concat(
        [
            measures.paired_differences(
                performance, objective, leaders[0], resamples=resamples, seed=seed
            )
            for objective in objectives
        ],
        ignore_index=True,
    )
    futures = future_inputs(results)
    return RobustAnalysis(
        folder=results.folder,
        manifest=results.manifest,
        objectives=objectives,
        uncertainties=list(decision["uncertainties"]),
        policies=[p["name"] for p in decision["policies"]],
        quantile=quantile,
        resamples=resamples,
        performance=performance,
        futures=futures,
        summary=measures.summary(performance, objectives),
        regret=regret,
        regret_summary=measures.regret_summary(regret, quantile),
        satisficing=met,
        satisficing_summary=None if met is None else measures.satisficing_summary(met),
        ranking=ranking,
        differences=differences,
        leaders=leaders,
        vulnerabilities=[vulnerability(futures, met, policy, boxes=boxes) for policy in leaders],
    )


def vulnerability(
    futures: pd.DataFrame, met: pd.DataFrame | None, policy: str, *, boxes: int = 1
) -> Vulnerability:
    """Find the PRIM boxes of the futures in which a policy misses a threshold.

    Args:
        futures: One row per future: ``future`` and the uncertainties (:func:`future_inputs`).
        met: The satisficing table (:func:`sim.experiments.robustness.satisficing`), or None
            when no objective has a threshold.
        policy: The policy.
        boxes: PRIM boxes to seek.

    Returns:
        The :class:`Vulnerability`; without boxes, its note says why.
    """
    cases = futures.copy()
    if met is None:
        cases["y"] = False
        return Vulnerability(policy, cases, note="no objective has a threshold to miss")
    mine = met[met[measures.POLICY] == policy].set_index(measures.FUTURE)["meets_all"]
    cases["y"] = ~mine.reindex(cases[measures.FUTURE]).to_numpy(dtype=bool)
    misses = int(cases["y"].sum())
    if misses in (0, len(cases)):
        words = "meets every threshold in" if misses == 0 else "misses a threshold in"
        return Vulnerability(policy, cases, note=f"{policy} {words} every future")
    inputs = cases.drop(columns=[measures.FUTURE, "y"])
    try:
        found = prim_boxes(inputs, cases["y"].to_numpy(), boxes=boxes)
    except ImportError as err:
        return Vulnerability(policy, cases, note=str(err))
    return Vulnerability(policy, cases, boxes=found)
