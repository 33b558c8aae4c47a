"""Scenario discovery on sweep results: boxes of the parameter space where a question holds.

A question turns every design point of a sweep into yes or no, from replicate means:

* a threshold on one sweep's metric (:func:`threshold_outcome`): "public cost per success
  below 1 M EUR";
* a paired comparison of two sweeps with the same design and seeds but different base
  scenarios (:func:`paired_outcome`): "outcome-based finance beats grants on public cost per
  success". Common random numbers make each pair of replicate means comparable point by point;
  the two designs are checked to be identical first.

PRIM, the patient rule induction method (Friedman & Fisher 1999, doi:10.1023/A:1008894516817),
then peels the parameter space down to boxes where the answer is mostly yes, trading
coverage (the share of all yes-points inside the box) against density (the share of yes-points
in the box); scenario discovery uses it to describe where a policy fails or succeeds (Bryant &
Lempert 2010, doi:10.1016/j.techfore.2009.08.002). The implementation is EMA Workbench's
(Kwakkel 2017, doi:10.1016/j.envsoft.2017.06.054), the optional ``discovery`` extra; integer
columns are cast to float because its PRIM breaks on them under pandas 3. From each peeling
trajectory the box reported is the one of highest coverage among those at least
:data:`DENSITY` dense, the denser of equals (the densest box if none is that dense).

Points where the metric is undefined in every successful replicate (a cost per success without
a success) are often the worst cases, so by default they count as a "no" (they fail the
question); ``undefined="yes"`` counts them as a yes and ``undefined="drop"`` leaves them out.
Either way they are counted and listed, as are points whose metric is undefined in some
replicates (their means use the others) and points whose every run failed (no answer; left out).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiments.sensitivity import (
    ResultsError,
    SweepResults,
    check_metric,
    listed,
    replicate_means,
)

DENSITY = 0.8
"""Smallest density of the box chosen from a peeling trajectory."""

PEEL_ALPHA = 0.05
"""Share of the points peeled off per PRIM step (EMA Workbench's default)."""

MASS_MIN = 0.05
"""Smallest share of all points a PRIM box may keep (EMA Workbench's default)."""

BETTER: tuple[str, ...] = ("lower", "higher")
"""Directions in which one sweep's metric can beat another's."""

UNDEFINED: tuple[str, ...] = ("no", "yes", "drop")
"""What a point whose metric is undefined counts as: a no (the default), a yes, or left out."""


@dataclass(frozen=True, eq=False)
class Outcome:
    """A yes/no question answered at every design point of a sweep.

    Attributes:
        question: The question in words.
        cases: One row per point with an answer: ``point``, the parameter columns (the values
            the model saw), the metric value(s), ``defined`` (whether the metric has a value
            there) and ``y`` (bool).
        parameters: The parameter columns of ``cases``.
        left_out: Points without an answer: every run failed, or (``undefined="drop"``) the
            metric is undefined.
        undefined: Points whose runs succeeded but where the metric is undefined in every one.
        partly: Points where the metric is undefined in some successful runs, not all.
        rule: What an undefined point counts as, one of :data:`UNDEFINED`.
    """

    question: str
    cases: pd.DataFrame
    parameters: list[str]
    left_out: list[int]
    undefined: list[int]
    partly: list[int]
    rule: str


@dataclass(frozen=True, eq=False)
class Box:
    """One PRIM box and the trajectory it was chosen from.

    Attributes:
        number: 1 for the first box found, 2 for the next, ...
        limits: One row per parameter: ``parameter``, ``lower``, ``upper`` (the box),
            ``minimum``, ``maximum`` (the range of the points PRIM saw) and ``restricted``.
        coverage: Share of all yes-points inside the box.
        density: Share of the points inside the box that are yes-points.
        mass: Share of all points inside the box.
        res_dim: Number of restricted parameters.
        sought: The density the box had to reach to be chosen.
        trajectory: One row per candidate box of the peeling and pasting trajectory:
            ``box``, ``step``, ``coverage``, ``density``, ``mass``, ``res_dim``, ``n``
            (points inside), ``k`` (yes-points inside), ``chosen``.
    """

    number: int
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    res_dim: int
    sought: float
    trajectory: pd.DataFrame


# --- questions -----------------------------------------------------------------------------------


def model_inputs(results: SweepResults) -> pd.DataFrame:
    """Return the parameter values the model saw, one row per point in order.

    The ``<key>:applied`` column of a parameter (rounded integers, levels) when it is numeric,
    else the raw sample value.
    """
    columns = {}
    for name in results.parameters:
        applied = f"{name}:applied"
        numeric = applied in results.points and pd.api.types.is_numeric_dtype(
            results.points[applied]
        )
        columns[name] = results.points[applied if numeric else name].to_numpy()
    return pd.DataFrame(columns)


def threshold_outcome(
    results: SweepResults,
    metric: str,
    *,
    below: float | None = None,
    above: float | None = None,
    undefined: str = "no",
) -> Outcome:
    """Ask, at every point, whether a metric's replicate mean is below (or above) a threshold.

    Args:
        results: The sweep.
        metric: One of its metrics.
        below: Yes where the mean is strictly below this.
        above: Yes where the mean is strictly above this.
        undefined: What a point where the metric is undefined counts as (:data:`UNDEFINED`).

    Returns:
        The outcome, with the metric's mean as the ``value`` column.

    Raises:
        ValueError: Not exactly one of ``below`` and ``above`` is given, or ``undefined`` is
            not one of :data:`UNDEFINED`.
        ResultsError: The metric is unknown, no point has a value, or every answer is the
            same (nothing to discover).
    """
    if (below is None) == (above is None):
        raise ValueError("give exactly one of below and above")
    _check_rule(undefined)
    check_metric(results, metric)
    means = replicate_means(results.runs, metric, len(results.points))
    value = means["mean"].to_numpy(dtype=float)
    y = value < below if below is not None else value > above
    words = f"below {below:g}" if below is not None else f"above {above:g}"
    question = f"{metric} {words} (mean over replicates)"
    cases = _cases(results, {"value": value}, y, means["n"].to_numpy() > 0)
    return _outcome(question, cases, results, [(results, metric)], undefined)


def paired_outcome(
    a: SweepResults,
    b: SweepResults,
    metric: str,
    *,
    better: str = "lower",
    undefined: str = "no",
) -> Outcome:
    """Ask, at every point, whether sweep A beats sweep B on a metric's replicate mean.

    Args:
        a: The sweep whose win is the case of interest.
        b: The sweep it is compared with: the same design and seeds.
        metric: A metric of both.
        better: "lower" or "higher": which direction wins. Ties are not wins.
        undefined: What a point where the metric is undefined in A or in B counts as
            (:data:`UNDEFINED`).

    Returns:
        The outcome, with the means as ``value_a`` and ``value_b``.

    Raises:
        ValueError: ``better`` is not one of :data:`BETTER`, or ``undefined`` not one of
            :data:`UNDEFINED`.
        ResultsError: The designs differ, the metric is unknown to either, or every answer
            is the same.
    """
    if better not in BETTER:
        raise ValueError(f"better must be one of {', '.join(BETTER)}; got {better!r}")
    _check_rule(undefined)
    check_metric(a, metric)
    check_metric(b, metric)
    check_same_design(a, b)
    mean_a = replicate_means(a.runs, metric, len(a.points))
    mean_b = replicate_means(b.runs, metric, len(b.points))
    value_a = mean_a["mean"].to_numpy(dtype=float)
    value_b = mean_b["mean"].to_numpy(dtype=float)
    y = value_a < value_b if better == "lower" else value_a > value_b
    answered = (mean_a["n"].to_numpy() > 0) & (mean_b["n"].to_numpy() > 0)
    question = (
        f"{metric} of A ({_label(a)}) {better} than of B ({_label(b)}) (means over replicates)"
    )
    cases = _cases(a, {"value_a": value_a, "value_b": value_b}, y, answered)
    return _outcome(question, cases, a, [(a, metric), (b, metric)], undefined)


def _check_rule(undefined: str) -> None:
    """Raise a ValueError unless ``undefined`` is one of :data:`UNDEFINED`."""
    if undefined not in UNDEFINED:
        raise ValueError(f"undefined must be one of {', '.join(UNDEFINED)}; got {undefined!r}")


def _label(results: SweepResults) -> str:
    """Return a sweep's name from its manifest, else its folder's name."""
    return str(results.manifest.get("name") or results.folder.name)


def check_same_design(a: SweepResults, b: SweepResults) -> None:
    """Raise a ResultsError unless two sweeps share method, problem, points and seeds.

    Args:
        a: One sweep.
        b: The other.

    Raises:
        ResultsError: Naming B's folder and the first thing that differs.
    """
    checks = [
        ("method", a.method == b.method, f"{a.method} vs {b.method}"),
        ("problem", a.problem == b.problem, f"{a.problem} vs {b.problem}"),
        (
            "points",
            a.points.shape == b.points.shape
            and np.array_equal(a.inputs(), b.inputs(), equal_nan=True),
            f"{len(a.points)} vs {len(b.points)} points, or different sample values",
        ),
        ("seeds", _seeds(a).equals(_seeds(b)), "different runs or seeds per point and replicate"),
    ]
    for what, same, detail in checks:
        if not same:
            raise ResultsError(
                f"the two sweeps differ in their {what} ({detail})",
                path=b.folder,
                allowed=f"the same design and seeds as {a.folder}",
            )


def _seeds(results: SweepResults) -> pd.DataFrame:
    """Return the (point, replicate, seed) triples of a sweep's runs, sorted."""
    columns = [c for c in ("point", "replicate", "seed") if c in results.runs]
    return results.runs[columns].sort_values(columns, ignore_index=True)


def _cases(
    results: SweepResults, values: dict[str, np.ndarray], y: np.ndarray, defined: np.ndarray
) -> pd.DataFrame:
    """Return the table of every point: point, parameters, values, defined, y."""
    table = model_inputs(results)
    table.insert(0, "point", results.points["point"].to_numpy())
    for name, column in values.items():
        table[name] = column
    table["defined"] = defined
    table["y"] = y
    return table


def _outcome(
    question: str,
    cases: pd.DataFrame,
    results: SweepResults,
    asked: list[tuple[SweepResults, str]],
    rule: str,
) -> Outcome:
    """Apply the rule for undefined points, check that both answers remain, and package it.

    Args:
        question: The question in words.
        cases: Every point (:func:`_cases`).
        results: The sweep whose points the cases are.
        asked: Each sweep and metric the answer reads, to tell failed runs from undefined
            values.
        rule: What an undefined point counts as (:data:`UNDEFINED`).
    """
    points = len(results.points)
    ran = np.ones(points, dtype=bool)
    partly: set[int] = set()
    for sweep, metric in asked:
        ok = sweep.runs[sweep.runs["status"] == "ok"]
        ran &= ok.groupby("point").size().reindex(range(points), fill_value=0).to_numpy() > 0
        missing = ok[metric].isna().groupby(ok["point"]).agg(["any", "all"])
        partly |= set(missing.index[missing["any"] & ~missing["all"]])
    undefined = ran & ~cases["defined"].to_numpy(dtype=bool)
    keep = ran & (cases["defined"].to_numpy(dtype=bool) | (rule != "drop"))
    cases = cases.assign(y=np.where(undefined, rule == "yes", cases["y"].to_numpy(dtype=bool)))
    kept = cases[keep].reset_index(drop=True)
    yes = int(kept["y"].sum())
    if yes in (0, len(kept)):
        answer = "no" if yes == 0 else "yes"
        raise ResultsError(
            f"{question}: the answer is {answer} at all {len(kept)} points with an answer, "
            "so there is nothing to discover; choose another threshold or question",
            path=results.folder,
        )
    return Outcome(
        question=question,
        cases=kept,
        parameters=list(results.parameters),
        left_out=[int(p) for p in cases["point"][~keep]],
        undefined=[int(p) for p in cases["point"][undefined]],
        partly=sorted(int(p) for p in partly),
        rule=rule,
    )


# --- PRIM ----------------------------------------------------------------------------------------


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    boxes: int = 1,
    density: float = DENSITY,
    peel_alpha: float = PEEL_ALPHA,
    mass_min: float = MASS_MIN,
) -> list[Box]:
    """Find boxes of the parameter space where ``y`` is mostly true, with EMA Workbench's PRIM.

    Args:
        x: One row per point, one numeric column per parameter (integer and boolean columns
            are cast to float).
        y: One boolean per point.
        boxes: How many boxes to look for; each next box is sought among the points outside
            the boxes before it. Fewer come back when PRIM runs out of points.
        density: From each trajectory, the box of highest coverage with at least this
            density is chosen, the denser of equals (the densest if none reaches it).
        peel_alpha: Share of points peeled off per step.
        mass_min: Smallest share of all points a box may keep.

    Returns:
        The boxes found, in order.

    Raises:
        ValueError: ``y`` is not one answer per row of ``x`` or is all true or all false, or
            a column of ``x`` is not numeric.
        ImportError: EMA Workbench is not installed.
    """
    from sim.experiments.ema import quiet, require_ema

    y = np.asarray(y, dtype=bool)
    if y.shape != (len(x),):
        raise ValueError(f"need one answer per point: {len(x)} points, y of shape {y.shape}")
    if y.all() or not y.any():
        raise ValueError("y is all true or all false: PRIM has nothing to separate")
    text = [str(c) for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    if text:
        raise ValueError(f"parameters must be numbers; not numeric: {', '.join(text)}")
    prim = require_ema("analysis.prim")
    x = x.reset_index(drop=True).astype(float)
    found: list[Box] = []
    with quiet():
        finder = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        for number in range(1, boxes + 1):
            box = finder.find_box()
            if box is None or box.peeling_trajectory["k"].max() == 0:
                break  # no points left, or no case of interest among them
            found.append(_chosen(box, finder.box_init, number, density))
    return found


def _chosen(box, box_init: pd.DataFrame, number: int, density: float) -> Box:
    """Select the reported box on a PRIM trajectory and return it with its trajectory."""
    steps = box.peeling_trajectory.reset_index(drop=True)
    dense = steps[steps["density"] >= density]
    ranked = dense.sort_values(["coverage", "density"], ascending=False, kind="stable")
    i = int(ranked.index[0]) if len(dense) else int(steps["density"].idxmax())
    box.select(i)
    lims = box.box_lims[i]
    limits = pd.DataFrame(
        {
            "parameter": [str(c) for c in box_init.columns],
            "lower": lims.iloc[0].to_numpy(dtype=float),
            "upper": lims.iloc[1].to_numpy(dtype=float),
            "minimum": box_init.iloc[0].to_numpy(dtype=float),
            "maximum": box_init.iloc[1].to_numpy(dtype=float),
        }
    )
    limits["restricted"] = (limits["lower"] > limits["minimum"]) | (
        limits["upper"] < limits["maximum"]
    )
    trajectory = pd.DataFrame(
        {
            "box": number,
            "step": np.arange(len(steps)),
            **{name: steps[name].to_numpy(dtype=float) for name in ("coverage", "density", "mass")},
            **{name: steps[name].to_numpy(dtype=int) for name in ("res_dim", "n", "k")},
        }
    )
    trajectory["chosen"] = trajectory["step"] == i
    row = trajectory.iloc[i]
    return Box(
        number=number,
        limits=limits,
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        res_dim=int(row["res_dim"]),
        sought=density,
        trajectory=trajectory,
    )


def discover(outcome: Outcome, *, boxes: int = 1, density: float = DENSITY) -> list[Box]:
    """Run PRIM on a question's answers (see :func:`prim_boxes`)."""
    cases = outcome.cases
    return prim_boxes(
        cases[outcome.parameters], cases["y"].to_numpy(), boxes=boxes, density=density
    )


# --- text and files ------------------------------------------------------------------------------


def boxes_text(outcome: Outcome, found: Sequence[Box]) -> str:
    """Describe a question and its boxes: counts, then per box its statistics and limits.

    Args:
        outcome: The question.
        found: Its boxes.

    Returns:
        Lines of text: the question and how often the answer is yes; the points left out;
        per box the coverage, density and mass and a table of the restricted parameters'
        limits within the range of the points.
    """
    cases = outcome.cases
    yes = int(cases["y"].sum())
    lines = [
        f"question: {outcome.question}",
        f"yes at {yes} of {len(cases)} points ({yes / len(cases):.1%})",
    ]
    if outcome.undefined:
        counted = {
            "no": "counted as no (they fail the question)",
            "yes": "counted as yes",
            "drop": "left out",
        }[outcome.rule]
        lines.append(
            f"{_points(len(outcome.undefined))} where the metric is undefined in every run "
            f"(for example no success to divide by), {counted}: {listed(outcome.undefined)}"
        )
    failed = sorted(set(outcome.left_out) - set(outcome.undefined))
    if failed:
        lines.append(f"left out {_points(len(failed))} whose every run failed: {listed(failed)}")
    if outcome.partly:
        lines.append(
            f"{_points(len(outcome.partly))} where the metric is undefined in some runs; their "
            f"means use the others: {listed(outcome.partly)}"
        )
    for box in found:
        lines.append(
            f"box {box.number}: coverage {box.coverage:.3f}, density {box.density:.3f}, "
            f"mass {box.mass:.3f}, {box.res_dim} of {len(box.limits)} parameters restricted"
            + (
                f" (no box reached density {box.sought:g}: the densest is shown)"
                if box.density < box.sought
                else ""
            )
        )
        restricted = box.limits[box.limits["restricted"]]
        if restricted.empty:
            lines.append("  no parameter restricted: the box is the whole sampled space")
            continue
        header = ["parameter", "lower", "upper", "range of the points"]
        rows = [
            [
                r.parameter,
                _number(r.lower),
                _number(r.upper),
                f"[{_number(r.minimum)}, {_number(r.maximum)}]",
            ]
            for r in restricted.itertuples(index=False)
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            lines.append(
                "  "
                + "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
    return "\n".join(lines)


def _points(n: int) -> str:
    """Return ``"1 point"`` or ``"12 points"``."""
    return f"{n} point{'' if n == 1 else 's'}"


def _number(value: float) -> str:
    """Format a limit with four significant figures."""
    return "n/a" if math.isnan(value) else f"{value:.4g}"
