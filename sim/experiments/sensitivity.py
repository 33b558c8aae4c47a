"""Global sensitivity analysis of a sweep's results: Sobol indices and Morris screening.

Reading a sweep's folder, checking it and reducing replicates stay beside the two analyses
that need them (discovery reuses them from here), so the module is longer than most.

A sweep (``partnersim sweep``) writes a results folder; this module reads it and, per metric,
averages the replicates of every design point and hands the means to SALib (Herman & Usher
2017, doi:10.21105/joss.00097):

* a ``sobol`` design (Saltelli's extension of the Sobol' sequence) gives first-order and total
  indices ``S1`` and ``ST`` (and ``S2`` when the design has second-order columns) with
  bootstrap intervals, by the estimators of Saltelli et al. (2010,
  doi:10.1016/j.cpc.2009.09.018);
* a ``morris`` design (trajectories of one-at-a-time steps) gives the mean elementary effect
  ``mu``, the mean absolute effect ``mu_star`` with its bootstrap interval, and their standard
  deviation ``sigma`` (Morris 1991, doi:10.1080/00401706.1991.10484804; Campolongo et al.
  2007, doi:10.1016/j.envsoft.2006.10.004).

The results folder (the contract the sweep writes):

* ``manifest.json``: ``kind`` ("sweep"), ``complete``, ``method``, ``options`` (the sampler's,
  e.g. ``calc_second_order``, ``levels``), ``problem`` (SALib's: ``num_vars``, ``names`` as
  scenario key paths, ``bounds``), ``metrics``, ``replicates``, ``runs``, ``failed``;
* ``points.parquet``: one row per design point in the sampler's order, ``point`` then one
  column per parameter with the raw sample value (the X given to SALib);
* ``runs.parquet``: one row per run, ``run``, ``point``, ``replicate``, ``seed``, ``status``
  ("ok" or "failed"), the applied parameter values, then one column per metric (NaN when the
  run failed or the metric is undefined, e.g. a cost per success without a success).

Both methods need every design point: a Saltelli matrix or a Morris trajectory with a hole in
it has no estimator. A point without a single replicate that gave the metric therefore stops
the analysis of that metric with an error naming the points; nothing is dropped silently.
Bootstrap intervals are seeded, so the same folder always gives the same table.

Everything here is a pure function of tables, except :func:`load_results` (reads a folder) and
:func:`write` (writes tables and figures).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.errors import ScenarioError

RESULTS_FILES: tuple[str, ...] = ("manifest.json", "points.parquet", "runs.parquet")
"""Files a sweep results folder must hold for the analysis."""

METHODS: tuple[str, ...] = ("sobol", "morris")
"""Sweep designs that have sensitivity indices."""

INDEX_COLUMNS: list[str] = ["metric", "method", "parameter", "pair", "index", "value", "conf"]
"""Columns of the tidy index table (``pair`` names the second parameter of an ``S2`` row)."""

SEED = 20240601
"""Default seed of the bootstrap resampling (any positive integer; SALib ignores 0)."""

RESAMPLES = 1000
"""Default bootstrap resamples for the intervals."""

LEVEL = 0.95
"""Default confidence level of the intervals."""

DEFAULT_LEVELS = 4
"""Morris grid levels assumed when the manifest's options do not say (SALib's default)."""

_SHOWN_POINTS = 10
"""How many offending design points an error message lists before "and N more"."""


class ResultsError(ScenarioError):
    """A results folder, or a question put to it, that cannot be analysed.

    A :class:`sim.scenario.errors.ScenarioError`, so it reads as one line naming the file, the key,
    the value and what is allowed, and the command line reports it with exit code 2.
    """


@dataclass(frozen=True, eq=False)
class SweepResults:
    """The tables of a sweep's results folder.

    Attributes:
        folder: The folder read.
        manifest: ``manifest.json``.
        points: One row per design point, ordered by ``point`` (0, 1, ...).
        runs: One row per run.
    """

    folder: Path
    manifest: dict[str, Any]
    points: pd.DataFrame
    runs: pd.DataFrame

    @property
    def method(self) -> str:
        """The design's sampling method ("grid", "lhs", "sobol" or "morris")."""
        return str(self.manifest.get("method", ""))

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem: ``num_vars``, ``names`` (key paths), ``bounds``."""
        return dict(self.manifest["problem"])

    @property
    def parameters(self) -> list[str]:
        """The varied parameters' key paths, in the problem's order."""
        return [str(name) for name in self.manifest["problem"]["names"]]

    @property
    def metrics(self) -> list[str]:
        """The metric columns of the run table."""
        return [str(name) for name in self.manifest.get("metrics", [])]

    @property
    def options(self) -> dict[str, Any]:
        """The sampler's options (``calc_second_order``, ``levels``, ``N``, ...)."""
        return dict(self.manifest.get("options") or {})

    def inputs(self) -> np.ndarray:
        """Return the raw sample values, one row per point in order, one column per parameter."""
        return self.points[self.parameters].to_numpy(dtype=float)


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """The sensitivity analysis of one metric of one sweep.

    Attributes:
        metric: The metric analysed.
        method: "sobol" or "morris".
        indices: Tidy table, columns :data:`INDEX_COLUMNS`, one row per parameter and index.
        means: One row per design point: ``point``, ``n`` (replicates with a value),
            ``mean`` and ``sd`` (standard deviation across replicates) of the metric.
        spread: Replicate spread from :func:`replicate_spread`.
        unit: The metric's unit ("" when it has none registered).
    """

    metric: str
    method: str
    indices: pd.DataFrame
    means: pd.DataFrame
    spread: dict[str, float]
    unit: str = ""


# --- reading a results folder --------------------------------------------------------------------


def load_results(folder: str | Path) -> SweepResults:
    """Read a sweep's results folder and check that it is complete.

    Args:
        folder: The folder ``partnersim sweep`` wrote.

    Returns:
        Its tables, points ordered by ``point``.

    Raises:
        ResultsError: The folder or one of its files is missing or unreadable, it is not a
            sweep, the sweep is not complete, or the points do not match the problem.
    """
    folder = Path(folder)
    if not folder.is_dir():
        problem = "not a folder" if folder.exists() else "no such results folder"
        raise ResultsError(
            f"{problem}; expected the output folder of partnersim sweep", path=folder
        )
    missing = [name for name in RESULTS_FILES if not (folder / name).is_file()]
    if missing:
        raise ResultsError(
            f"not a sweep results folder: {', '.join(missing)} missing",
            path=folder,
            allowed="a folder written by partnersim sweep",
        )
    manifest = _read_manifest(folder / "manifest.json")
    points = _read_table(folder / "points.parquet")
    runs = _read_table(folder / "runs.parquet")
    results = SweepResults(folder, manifest, points.sort_values("point", ignore_index=True), runs)
    _check_points(results)
    return results


def _read_manifest(path: Path) -> dict[str, Any]:
    """Read a sweep manifest: JSON, ``kind`` "sweep", ``complete``, with a problem."""
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ResultsError(f"cannot read the manifest ({err})", path=path) from None
    if not isinstance(manifest, dict):
        raise ResultsError("manifest is not a JSON object", path=path)
    if manifest.get("kind") != "sweep":
        raise ResultsError(
            "not a sweep manifest",
            path=path,
            key="kind",
            value=manifest.get("kind"),
            allowed="'sweep'",
        )
    if manifest.get("complete") is not True:
        done = f"{manifest.get('finished', '?')} of {manifest.get('runs', '?')} runs finished"
        raise ResultsError(
            f"the sweep is not complete ({done}): finish it before analysing",
            path=path,
            key="complete",
            value=manifest.get("complete"),
        )
    problem = manifest.get("problem")
    if not isinstance(problem, Mapping) or not {"names", "bounds"} <= set(problem):
        raise ResultsError(
            "missing the SALib problem",
            path=path,
            key="problem",
            allowed="a mapping with num_vars, names and bounds",
        )
    return manifest


def _read_table(path: Path) -> pd.DataFrame:
    """Read a Parquet table, as a ResultsError if it cannot be read."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise ResultsError(f"cannot read the table ({err})", path=path) from None


def _check_points(results: SweepResults) -> None:
    """Check the point table: points 0..P-1, a column per parameter, runs' points among them."""
    path = results.folder / "points.parquet"
    absent = [name for name in ["point", *results.parameters] if name not in results.points]
    if absent:
        raise ResultsError(
            "columns missing",
            path=path,
            value=absent,
            allowed=f"point and the problem's names: {', '.join(results.parameters)}",
        )
    numbers = results.points["point"].to_numpy()
    if not np.array_equal(numbers, np.arange(len(numbers))):
        raise ResultsError("points are not numbered 0, 1, ..., P-1", path=path, key="point")
    needed = ["point", "status", *results.metrics]
    absent = [name for name in needed if name not in results.runs]
    if absent:
        raise ResultsError(
            "columns missing",
            path=results.folder / "runs.parquet",
            value=absent,
            allowed="point, status and every metric of the manifest",
        )


def failures_note(results: SweepResults) -> str | None:
    """Return a line on the sweep's failed runs, or None when none failed.

    Args:
        results: The sweep.

    Returns:
        How many runs failed and where their tracebacks are (``failures.parquet``).
    """
    failed = int((results.runs["status"] != "ok").sum())
    if not failed:
        return None
    return (
        f"{failed} of {len(results.runs)} runs failed (tracebacks in "
        f"{results.folder / 'failures.parquet'}); their points' means use the other replicates"
    )


def check_metric(results: SweepResults, metric: str) -> None:
    """Raise a ResultsError unless ``metric`` is one of the sweep's metrics.

    Args:
        results: The sweep.
        metric: A metric name.

    Raises:
        ResultsError: Naming the metric and the sweep's metrics.
    """
    if metric not in results.metrics:
        raise ResultsError(
            "unknown metric",
            path=results.folder,
            value=metric,
            allowed=", ".join(results.metrics) or "(the sweep recorded none)",
        )


def check_design(results: SweepResults) -> None:
    """Raise a ResultsError unless the sweep's design has sensitivity indices.

    Args:
        results: The sweep.

    Raises:
        ResultsError: The method is not one of :data:`METHODS` (a grid or Latin hypercube
            has no Sobol or Morris estimator).
    """
    if results.method not in METHODS:
        raise ResultsError(
            f"method {results.method} has no sensitivity indices: use a sobol or morris design",
            path=results.folder / "manifest.json",
            key="method",
            value=results.method,
            allowed=" or ".join(METHODS),
        )


# --- replicates ----------------------------------------------------------------------------------


def replicate_means(runs: pd.DataFrame, metric: str, points: int) -> pd.DataFrame:
    """Average a metric over the replicates of every design point.

    Failed runs and runs where the metric is NaN are left out of the mean; ``n`` counts the
    rest, so a point with ``n == 0`` has no value.

    Args:
        runs: Run table with ``point``, ``status`` and the metric column.
        metric: The metric column.
        points: Number of design points P (every point 0..P-1 gets a row).

    Returns:
        One row per point in order: ``point``, ``n``, ``mean``, ``sd`` (sample standard
        deviation across replicates, NaN for fewer than two).
    """
    ok = runs[runs["status"] == "ok"]
    values = ok[["point", metric]].astype({metric: float}).dropna()
    grouped = values.groupby("point")[metric]
    table = pd.DataFrame({"n": grouped.count(), "mean": grouped.mean(), "sd": grouped.std()})
    table = table.reindex(pd.RangeIndex(points, name="point"))
    table["n"] = table["n"].fillna(0).astype(int)
    return table.reset_index()


def replicate_spread(means: pd.DataFrame) -> dict[str, float]:
    """Summarise how noisy the point means are compared with how much they vary.

    Args:
        means: The output of :func:`replicate_means`.

    Returns:
        ``replicates_min`` and ``replicates_max`` (replicates with a value per point),
        ``within_sd`` (root mean within-point variance across replicates, NaN with one
        replicate), ``between_sd`` (standard deviation of the point means) and
        ``noise_share``, the share of the variance being decomposed that is replicate noise
        rather than the parameters (NaN with one replicate): noise / (noise + signal), where
        noise is the mean variance of a point mean due to replicates (``sd**2 / n``) and
        signal the variance of the point means beyond it, ``max(between - noise, 0)``. It is
        1 when the point means vary no more than noise alone would make them; the variance
        of the means estimates noise + signal, so their ratio alone can exceed 1.
    """
    valid = means[means["n"] > 0]
    within = (valid["sd"] ** 2).mean()
    noise = (valid["sd"] ** 2 / valid["n"]).mean()
    between = valid["mean"].var()
    total = max(between, noise)  # noise + max(between - noise, 0)
    return {
        "replicates_min": float(valid["n"].min()) if len(valid) else 0.0,
        "replicates_max": float(valid["n"].max()) if len(valid) else 0.0,
        "within_sd": float(math.sqrt(within)) if within == within else math.nan,
        "between_sd": float(math.sqrt(between)) if between == between else math.nan,
        "noise_share": float(noise / total) if total and noise == noise else math.nan,
    }


def without_effect(indices: pd.DataFrame) -> list[str]:
    """Return the parameters that have no effect at all on a metric in this design.

    With common random numbers a parameter the model ignores leaves every output unchanged,
    so its Morris mu* (the mean absolute elementary effect) or its Sobol total index ST is
    zero, up to rounding (1e-9 of the largest such index of the metric).

    Args:
        indices: The index table of one metric (:attr:`Sensitivity.indices`).

    Returns:
        The parameters, in table order.
    """
    rows = indices[indices["index"].isin(["mu_star", "ST"]) & (indices["pair"] == "")]
    values = rows["value"].abs().to_numpy(dtype=float)
    if not len(values) or not np.isfinite(values).any():
        return []
    tolerance = 1e-9 * float(np.nanmax(values))
    return [str(p) for p, v in zip(rows["parameter"], values, strict=True) if v <= tolerance]


def require_every_point(means: pd.DataFrame, metric: str, folder: str | Path) -> np.ndarray:
    """Return the point means as an array, or stop if a point has no value or all are equal.

    Args:
        means: The output of :func:`replicate_means`.
        metric: The metric (for the message).
        folder: The results folder (for the message).

    Returns:
        The means in point order.

    Raises:
        ResultsError: Some points have no successful replicate with a value (listed), or the
            metric does not vary over the design.
    """
    empty = means.loc[means["n"] == 0, "point"].tolist()
    if empty:
        raise ResultsError(
            f"{len(empty)} of {len(means)} design points have no run with a value of {metric} "
            f"(failed, or the metric undefined there): {listed(empty)}; the design needs every "
            "point, so rerun those points or choose another metric",
            path=folder,
        )
    y = means["mean"].to_numpy(dtype=float)
    if len(y) and np.ptp(y) == 0:
        raise ResultsError(
            f"{metric} is {y[0]:g} at every design point: there is no variance to attribute",
            path=folder,
        )
    return y


def listed(items: Sequence[int]) -> str:
    """List up to :data:`_SHOWN_POINTS` items (design points) and say how many more there are."""
    shown = ", ".join(str(i) for i in items[:_SHOWN_POINTS])
    more = len(items) - _SHOWN_POINTS
    return f"{shown} and {more} more" if more > 0 else shown


# --- indices -------------------------------------------------------------------------------------


def sobol_indices(
    problem: Mapping[str, Any],
    y: np.ndarray,
    *,
    calc_second_order: bool,
    seed: int = SEED,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Return Sobol indices from outputs in the order of SALib's Saltelli/Sobol sampler.

    Args:
        problem: SALib's problem (``num_vars``, ``names``, ``bounds``).
        y: One output per design point, in the sampler's order: ``N * (D + 2)`` values, or
            ``N * (2D + 2)`` with ``calc_second_order``.
        calc_second_order: Whether the design has the second-order columns.
        seed: Seed of the bootstrap (a positive integer).
        resamples: Bootstrap resamples.
        level: Confidence level of the intervals.

    Returns:
        Tidy rows (``parameter``, ``pair``, ``index``, ``value``, ``conf``) for ``S1`` and
        ``ST`` of every parameter, then ``S2`` of every pair when asked; ``conf`` is the
        half-width of the bootstrap interval.

    Raises:
        ValueError: ``y`` has the wrong length for the problem, or ``seed`` is not positive.
    """
    from SALib.analyze import sobol

    _check_seed(seed)
    d = int(problem["num_vars"])
    per_n = 2 * d + 2 if calc_second_order else d + 2
    if len(y) == 0 or len(y) % per_n:
        raise ValueError(
            f"a Sobol design with {d} parameters and calc_second_order={calc_second_order} "
            f"has a multiple of {per_n} points; got {len(y)}"
        )
    found = sobol.analyze(
        dict(problem),
        np.asarray(y, dtype=float),
        calc_second_order=calc_second_order,
        num_resamples=resamples,
        conf_level=level,
        seed=seed,
    )
    names = list(problem["names"])
    rows = [
        (name, "", index, float(found[index][j]), float(found[f"{index}_conf"][j]))
        for index in ("S1", "ST")
        for j, name in enumerate(names)
    ]
    if calc_second_order:
        rows += [
            (names[j], names[k], "S2", float(found["S2"][j, k]), float(found["S2_conf"][j, k]))
            for j in range(d)
            for k in range(j + 1, d)
        ]
    return pd.DataFrame(rows, columns=["parameter", "pair", "index", "value", "conf"])


def morris_indices(
    problem: Mapping[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    levels: int = DEFAULT_LEVELS,
    seed: int = SEED,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Return Morris screening measures from a design of trajectories.

    Elementary effects are output differences divided by the step as a share of each
    parameter's range, so ``mu``, ``mu_star`` and ``sigma`` are in the output's unit per full
    range of the parameter.

    Args:
        problem: SALib's problem.
        x: Raw sample values, one row per point in the sampler's order (T trajectories of
            D + 1 points).
        y: One output per point.
        levels: Grid levels of the design (the step is ``levels / (2 (levels - 1))``).
        seed: Seed of the bootstrap (a positive integer).
        resamples: Bootstrap resamples.
        level: Confidence level of the interval of ``mu_star``.

    Returns:
        Tidy rows (``parameter``, ``pair`` (""), ``index``, ``value``, ``conf``) for ``mu``,
        ``mu_star`` and ``sigma`` of every parameter; only ``mu_star`` has a ``conf``.

    Raises:
        ValueError: The number of points is not a multiple of D + 1 or ``seed`` is not
            positive.
    """
    from SALib.analyze import morris

    _check_seed(seed)
    d = int(problem["num_vars"])
    if len(y) == 0 or len(y) % (d + 1) or len(x) != len(y):
        raise ValueError(
            f"a Morris design with {d} parameters has trajectories of {d + 1} points and one "
            f"output per point; got {len(x)} points and {len(y)} outputs"
        )
    found = morris.analyze(
        dict(problem),
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        num_resamples=resamples,
        conf_level=level,
        num_levels=levels,
        seed=seed,
    )
    rows = [
        (
            name,
            "",
            index,
            float(found[index][j]),
            float(found["mu_star_conf"][j]) if index == "mu_star" else math.nan,
        )
        for index in ("mu", "mu_star", "sigma")
        for j, name in enumerate(problem["names"])
    ]
    return pd.DataFrame(rows, columns=["parameter", "pair", "index", "value", "conf"])


def _check_seed(seed: int) -> None:
    """Refuse seeds SALib would ignore (it treats 0 as "no seed" and draws at random)."""
    if int(seed) < 1:
        raise ValueError(f"seed must be a positive integer (SALib ignores 0); got {seed}")


def sensitivity(
    results: SweepResults,
    metric: str,
    *,
    seed: int = SEED,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> Sensitivity:
    """Analyse one metric of a sweep with the method its design was drawn for.

    Args:
        results: From :func:`load_results`.
        metric: One of the sweep's metrics.
        seed: Seed of the bootstrap.
        resamples: Bootstrap resamples.
        level: Confidence level of the intervals.

    Returns:
        The indices, the point means and the replicate spread.

    Raises:
        ResultsError: The design has no indices (not sobol or morris), the metric is unknown,
            a point has no value, the metric is constant, or the point count does not fit the
            design.
    """
    from sim.runs.compare import units

    check_design(results)
    check_metric(results, metric)
    means = replicate_means(results.runs, metric, len(results.points))
    y = require_every_point(means, metric, results.folder)
    try:
        if results.method == "sobol":
            second = bool(results.options.get("calc_second_order", True))
            table = sobol_indices(
                results.problem,
                y,
                calc_second_order=second,
                seed=seed,
                resamples=resamples,
                level=level,
            )
        else:
            levels = int(results.options.get("levels", DEFAULT_LEVELS))
            table = morris_indices(
                results.problem,
                results.inputs(),
                y,
                levels=levels,
                seed=seed,
                resamples=resamples,
                level=level,
            )
    except ValueError as err:
        raise ResultsError(str(err), path=results.folder / "points.parquet") from None
    table.insert(0, "metric", metric)
    table.insert(1, "method", results.method)
    return Sensitivity(
        metric=metric,
        method=results.method,
        indices=table[INDEX_COLUMNS],
        means=means,
        spread=replicate_spread(means),
        unit=units([metric])[metric],
    )


# --- text and files ------------------------------------------------------------------------------


def indices_text(analysis: Sensitivity) -> str:
    """Format one metric's indices as an aligned text table, one line per parameter.

    Args:
        analysis: From :func:`sensitivity`.

    Returns:
        A title naming the metric and method, a header, one line per parameter with each
        index as ``value ± conf``, the second-order pairs (Sobol) below, then the replicate
        spread.
    """
    table = analysis.indices
    first = table[table["pair"] == ""]
    kinds = list(pd.unique(first["index"]))
    cells = {
        (row.parameter, row.index): _estimate(row.value, row.conf)
        for row in first.itertuples(index=False)
    }
    params = list(pd.unique(first["parameter"]))
    header = ["parameter", *kinds]
    body = [[name, *(cells[(name, kind)] for kind in kinds)] for name in params]
    unit = f" ({analysis.unit})" if analysis.unit and analysis.method == "morris" else ""
    lines = [f"{analysis.metric}: {analysis.method} indices{unit}, value ± interval half-width"]
    lines += _aligned([header, *body])
    pairs = table[table["pair"] != ""]
    if len(pairs):
        lines.append("second order:")
        rows = [
            [f"{r.parameter} × {r.pair}", _estimate(r.value, r.conf)] for r in pairs.itertuples()
        ]
        lines += _aligned([["pair", "S2"], *rows])
    spread = analysis.spread
    share = spread["noise_share"]
    lines.append(
        f"replicates per point: {spread['replicates_min']:g}-{spread['replicates_max']:g}; "
        f"sd within points {_number(spread['within_sd'])}, between point means "
        f"{_number(spread['between_sd'])}; replicate noise share of the variance "
        + ("n/a (one replicate)" if share != share else f"{share:.0%}")
        + (
            " (all of it: the point means vary no more than replicate noise makes them, so "
            "the indices say nothing; add replicates)"
            if share == 1
            else ""
        )
    )
    inert = without_effect(table)
    if inert:
        measure = "mu*" if analysis.method == "morris" else "ST"
        lines.append(
            f"no effect in this design ({measure} = 0: {analysis.metric} does not change when "
            f"{'it moves' if len(inert) == 1 else 'they move'}): {', '.join(inert)}"
        )
    return "\n".join(lines)


def _estimate(value: float, conf: float) -> str:
    """Return ``value ± conf`` (or the value alone without an interval)."""
    if conf != conf:
        return _number(value)
    return f"{_number(value)} ± {_number(conf)}"


def _number(value: float) -> str:
    """Format an index: four significant figures, n/a for NaN."""
    return "n/a" if value != value else f"{value:.4g}"


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    """Align rows of cells: the first column left, the others right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
