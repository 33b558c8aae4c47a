"""Compare scenarios over replicates with common random numbers: ``compare([...], reps=10)``.

Replicate *k* of every scenario runs with seed ``base_seed + k``. The model draws each kind of
decision from its own stream spawned from the seed, so two scenarios differ only where their
rules differ, and differences between scenarios are paired by replicate.

The experiment design (:func:`design`) is a pure function returning run specs; execution goes
through :func:`sim.runs.execution.run_many`; :func:`summary` reduces the step table to
end-of-horizon means with Student-t intervals across replicates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.runs.execution import RunSpec, run_many
from sim.runs.provenance import provenance
from sim.runs.results import TABLES
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load
from sim.scenario.schema import Scenario

HEADLINE_METRICS: tuple[str, ...] = (
    "pilots_succeeded",
    "public_cost_per_success",
    "net_public_cost",
    "public_spend",
    "public_failure_cost",
    "investor_failure_cost",
    "leverage",
    "recycling_multiple",
    "survival_rate",
    "pilots_agreed",
    "pilots_scaled",
    "appropriated",
    "savings_to_treasury",
    "private_capital",
    "fund_balance",
    "investor_multiple",
    "trust_org_mean",
    "citizen_satisfaction",
)
"""A comparison's headline: the end metrics ``partnersim compare`` prints and the report tabulates
(those of them that the step table has)."""

RUN_COLUMNS: tuple[str, ...] = ("scenario", "seed", "replicate")
"""Columns that identify a run in every table."""

NOT_METRICS: frozenset[str] = frozenset({*RUN_COLUMNS, "step"})
"""Columns of the step table that are not metrics."""


@dataclass
class Comparison:
    """Tables and manifest of a comparison of scenarios over replicates.

    Attributes:
        tables: Concatenated tidy tables by name, those of :data:`sim.runs.results.TABLES` that the
            runs produced (``steps``, ``events``, ``pilots``, ``negotiations``, ``elections``,
            ``transfers``, ..., ``agents`` when recorded); every row carries ``scenario``,
            ``seed`` and ``replicate``.
        scenarios: Scenario names in the order they were given; figures colour them this way.
        manifest: Provenance, ``reps``, ``base_seed``, ``seeds``, ``steps`` and, under
            ``scenarios``, each scenario's name, source file, description and resolved values.
    """

    tables: dict[str, pd.DataFrame]
    scenarios: list[str]
    manifest: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        """Give tables as attributes: ``comparison.steps``, ``comparison.pilots``, ..."""
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def steps_per_year(self) -> dict[str, int]:
        """Return each scenario's steps per year, from the resolved scenarios in the manifest."""
        return {
            entry["name"]: entry["scenario"]["time"]["steps_per_year"]
            for entry in self.manifest.get("scenarios", [])
        }

    def summary(self, metrics: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Return :func:`summary` of this comparison's step table, in scenario order."""
        return summary(self.tables["steps"], metrics, level=level, order=self.scenarios)

    def write(self, out: str | Path) -> Path:
        """Write every table as Parquet, the manifest as JSON and the summary as CSV.

        Args:
            out: Folder to write into (created if missing).

        Returns:
            The folder.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in self.tables.items():
            table.to_parquet(out / f"{name}.parquet", index=False)
        (out / "manifest.json").write_text(json.dumps(self.manifest, indent=2, default=str))
        self.summary().to_csv(out / "summary.csv", index=False)
        return out

    @classmethod
    def read(cls, folder: str | Path) -> Comparison:
        """Read a comparison written by :meth:`write`."""
        folder = Path(folder)
        tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
        manifest = json.loads((folder / "manifest.json").read_text())
        names = [entry["name"] for entry in manifest["scenarios"]]
        return cls(tables=tables, scenarios=names, manifest=manifest)


def resolve(scenarios: Sequence[Scenario | str | Path]) -> list[tuple[str | None, Scenario]]:
    """Load every scenario and check that their names are unique.

    Args:
        scenarios: Scenarios or paths of scenario files.

    Returns:
        Each scenario with the file it came from (None for a :class:`Scenario` given directly).

    Raises:
        ScenarioError: A file is invalid, or two scenarios share a name (naming both).
    """
    resolved: list[tuple[str | None, Scenario]] = []
    for item in scenarios:
        if isinstance(item, Scenario):
            resolved.append((None, item))
        else:
            resolved.append((str(item), load(item, Scenario)))
    seen: dict[str, str] = {}
    for i, (source, config) in enumerate(resolved):
        where = source or f"scenario #{i + 1}"
        if config.name in seen:
            raise ScenarioError(
                f"scenario name already used by {seen[config.name]}",
                path=where,
                key="name",
                value=config.name,
                allowed="a name no other compared scenario has",
            )
        seen[config.name] = where
    return resolved


def design(
    scenarios: Sequence[Scenario], *, reps: int, base_seed: int = 0, steps: int | None = None
) -> list[RunSpec]:
    """Return the run specs of a comparison: replicate k of every scenario uses base_seed + k.

    Args:
        scenarios: The scenarios, in order.
        reps: Replicates per scenario (at least 1).
        base_seed: Seed of replicate 0.
        steps: Steps to run, or None for each scenario's ``time.steps``.

    Returns:
        Specs ordered by scenario, then replicate.

    Raises:
        ValueError: ``reps`` is less than 1 or ``base_seed`` is negative.
    """
    if reps < 1:
        raise ValueError(f"reps must be at least 1; got {reps}")
    if base_seed < 0:
        raise ValueError(f"base_seed must be non-negative; got {base_seed}")
    return [
        RunSpec(config.model_dump(mode="json"), seed=base_seed + k, replicate=k, steps=steps)
        for config in scenarios
        for k in range(reps)
    ]


def compare(
    scenarios: Sequence[Scenario | str | Path],
    *,
    reps: int,
    workers: int = 1,
    base_seed: int = 0,
    steps: int | None = None,
    progress: bool | None = None,
) -> Comparison:
    """Run scenarios side by side over replicates with common random numbers.

    Args:
        scenarios: Scenarios or paths of scenario files; names must be unique.
        reps: Replicates per scenario.
        workers: Processes to run in (1 runs serially here; see
            :func:`sim.runs.execution.run_many`).
        base_seed: Seed of replicate 0; replicate k uses ``base_seed + k`` in every scenario.
        steps: Steps to run, or None for each scenario's ``time.steps``.
        progress: True draws a progress bar, None a bar on a terminal and periodic log lines
            otherwise, False nothing (see :mod:`sim.runs.progress`).

    Returns:
        The :class:`Comparison`.

    Raises:
        ScenarioError: A file is invalid or two scenarios share a name; nothing has run then.
        ValueError: ``reps`` or ``workers`` is less than 1, or ``base_seed`` is negative.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    resolved = resolve(scenarios)
    configs = [
        config if steps is None else config.override({"time": {"steps": steps}})
        for _, config in resolved
    ]
    specs = design(configs, reps=reps, base_seed=base_seed, steps=steps)
    results = run_many(specs, workers=workers, progress=progress, desc="compare")
    names = [config.name for config in configs]
    tables = {
        name: _concat([r.tables[name] for r in results])
        for name in TABLES
        if all(name in r.tables for r in results)
    }
    manifest = {
        **provenance(),
        "reps": reps,
        "base_seed": base_seed,
        "seeds": [base_seed + k for k in range(reps)],
        "steps": steps,
        "workers": workers,
        "scenarios": [
            {
                "name": config.name,
                "source": source,
                "description": config.description,
                "scenario": config.model_dump(mode="json"),
            }
            for (source, _), config in zip(resolved, configs, strict=True)
        ],
    }
    return Comparison(tables=tables, scenarios=names, manifest=manifest)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate run tables, leaving out empty ones (they carry no rows, only a schema)."""
    rows = [frame for frame in frames if len(frame)]
    return pd.concat(rows or frames[:1], ignore_index=True)


def check_columns(table: pd.DataFrame, names: Sequence[str], *, what: str = "metric") -> None:
    """Raise a ValueError naming any of ``names`` that ``table`` lacks, and what it has.

    Args:
        table: The table to look in.
        names: Columns that must be there.
        what: What the columns are, for the message.

    Raises:
        ValueError: A column is missing.
    """
    missing = [name for name in names if name not in table.columns]
    if missing:
        available = ", ".join(str(c) for c in table.columns if c not in NOT_METRICS)
        raise ValueError(
            f"{what} column{'s' if len(missing) > 1 else ''} not in the table: "
            f"{', '.join(missing)}; available: {available}"
        )


def scenario_order(table: pd.DataFrame, order: Sequence[str] | None = None) -> list[str]:
    """Return the scenarios of ``table`` in ``order``, else in order of first appearance."""
    present = list(pd.unique(table["scenario"]))
    if order is None:
        return present
    return [name for name in order if name in present] + [n for n in present if n not in order]


def end_of_horizon(steps: pd.DataFrame) -> pd.DataFrame:
    """Return the last step's row of every run of a step table.

    A run is identified by whichever of ``scenario``, ``seed`` and ``replicate`` the table has,
    so the step table of a single :func:`sim.run` works too.
    """
    run = [column for column in RUN_COLUMNS if column in steps.columns]
    last = steps.groupby(run, sort=False)["step"].transform("max")
    return steps[steps["step"] == last].reset_index(drop=True)


def units(metrics: Sequence[str]) -> dict[str, str]:
    """Return each metric's unit from :data:`sim.model.metrics.METRICS` ("" when not registered)."""
    from sim.model.metrics import METRICS

    return {name: METRICS[name].unit if name in METRICS else "" for name in metrics}


def metric_columns(steps: pd.DataFrame) -> list[str]:
    """Return the numeric metric columns of a step table, in table order."""
    return [
        str(c)
        for c in steps.columns
        if c not in NOT_METRICS and pd.api.types.is_numeric_dtype(steps[c])
    ]


def summary(
    steps: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    *,
    level: float = 0.95,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summarise each metric at the end of the horizon, per scenario, across replicates.

    The value of a run is its last step's. Runs where a metric is NaN (for example a cost per
    success before any success) are left out, and ``n`` shows how many remain. The interval is
    the Student-t interval of the mean, or for a share (``Metric.share``) the bootstrap
    percentile interval (:func:`share_interval`), which stays in [0, 1]; it is NaN for fewer
    than two values. ``p5`` and ``p95`` are the 5th and 95th percentiles across runs: what one
    run (one city) might live through, beside how precisely the mean is known.

    Args:
        steps: Step table with ``scenario`` and ``step`` columns and, for several runs per
            scenario, ``replicate`` (or ``seed``).
        metrics: Metric columns (default: every numeric metric column).
        level: Confidence level of the interval.
        order: Scenario order (default: order of first appearance).

    Returns:
        One row per scenario and metric (scenarios in order, metrics as asked) with columns
        scenario, metric, unit, step (the last), n, mean, lower, upper, level, p5, p95.

    Raises:
        ValueError: A metric is not in the table, or ``level`` is not between 0 and 1.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level}")
    from sim.model.metrics import METRICS

    metrics = metric_columns(steps) if metrics is None else list(metrics)
    check_columns(steps, metrics)
    unit = units(metrics)
    end = end_of_horizon(steps)
    rows = []
    for name in scenario_order(steps, order):
        runs = end[end["scenario"] == name]
        for metric in metrics:
            values = runs[metric].to_numpy(dtype=float)
            kept = values[~np.isnan(values)]
            share = metric in METRICS and METRICS[metric].share
            mean, lower, upper = (share_interval if share else mean_interval)(kept, level)
            p5, p95 = np.percentile(kept, [5, 95]) if len(kept) else (math.nan, math.nan)
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "unit": unit[metric],
                    "step": int(runs["step"].max()),
                    "n": len(kept),
                    "mean": mean,
                    "lower": lower,
                    "upper": upper,
                    "level": level,
                    "p5": float(p5),
                    "p95": float(p95),
                }
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


SUMMARY_COLUMNS = [
    "scenario",
    "metric",
    "unit",
    "step",
    "n",
    "mean",
    "lower",
    "upper",
    "level",
    "p5",
    "p95",
]
"""Columns of :func:`summary`."""

BOOTSTRAP_RESAMPLES = 4000
"""Resamples of a share's bootstrap interval."""

BOOTSTRAP_SEED = 20240501
"""Seed of the bootstrap, fixed so that the same runs always give the same interval."""


def share_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Return the mean of shares in [0, 1] and its bootstrap percentile interval.

    A Student-t interval is symmetric and runs past 0 or 1 when the mean is near either (an
    interval of a share reaching 1.032); the percentile interval of resampled means (Efron &
    Tibshirani 1993, ch. 13) is made of means of values in [0, 1], so it stays inside. The
    resampling is seeded (:data:`BOOTSTRAP_SEED`).

    Args:
        values: One share per run, NaN removed.
        level: Confidence level.

    Returns:
        ``(mean, lower, upper)``; NaN bounds for fewer than two values.
    """
    n = len(values)
    if n < 2:
        return mean_interval(values, level)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = values[rng.integers(0, n, size=(BOOTSTRAP_RESAMPLES, n))].mean(axis=1)
    lower, upper = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return float(values.mean()), float(lower), float(upper)


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Return the mean and its Student-t interval (NaN bounds for fewer than two values)."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def summary_text(table: pd.DataFrame, *, title: str | None = None) -> str:
    """Format a :func:`summary` as an aligned text table: ``mean [lower, upper]`` with units.

    Args:
        table: The output of :func:`summary`.
        title: First line (default names the level and the number of replicates).

    Returns:
        The table, one line per metric and scenario (scenarios of a metric together, the metric
        named on the first of them).
    """
    if title is None:
        level = table["level"].iloc[0] if len(table) else 0.95
        reps = int(table["n"].max()) if len(table) else 0
        title = (
            f"end of horizon: mean [{level:.0%} interval of the mean] over up to {reps} replicates"
        )
    metric_rank = {name: i for i, name in enumerate(pd.unique(table["metric"]))}
    rows = sorted(table.itertuples(index=False), key=lambda row: metric_rank[row.metric])
    cells = [
        (str(row.metric), str(row.scenario), _estimate(row), str(row.n), str(row.unit))
        for row in rows
    ]
    header = ("metric", "scenario", "mean [interval]", "n", "unit")
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    lines = [title, _line(header, widths), _line(tuple("-" * w for w in widths), widths)]
    previous = None
    for cell in cells:
        shown = cell if cell[0] != previous else ("", *cell[1:])
        previous = cell[0]
        lines.append(_line(shown, widths))
    return "\n".join(lines)


def _estimate(row: Any) -> str:
    """Return ``mean [lower, upper]``, the mean alone without an interval, or n/a."""
    if row.mean != row.mean:  # NaN: no replicate has a value
        return "n/a"
    if row.lower != row.lower or row.upper != row.upper:
        return _number(row.mean)
    return f"{_number(row.mean)} [{_number(row.lower)}, {_number(row.upper)}]"


def _line(cells: tuple[str, ...], widths: list[int]) -> str:
    """Align one row: text columns to the left, the numbers (mean and n) to the right."""
    metric, scenario, value, n, unit = cells
    return (
        f"{metric:<{widths[0]}}  {scenario:<{widths[1]}}  {value:>{widths[2]}}  "
        f"{n:>{widths[3]}}  {unit}"
    ).rstrip()


def _number(value: float) -> str:
    """Format a number for the summary: n/a for NaN, separators for large values."""
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1e3:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1e-2 and value != 0 else f"{value:,.3f}"
