"""Figures of a robust decision, as pure functions of its analysis.

Each figure has its data preparation beside it, returning a tidy table the tests check with
numbers:

============================  ===============================
preparation                   figure
============================  ===============================
:func:`regret_data`           :func:`plot_regret`
:func:`satisficing_data`      :func:`plot_satisficing`
:func:`vulnerability_limits`  :func:`plot_vulnerability`
(a search's candidates)       :func:`plot_search`
============================  ===============================

The analysis is :class:`sim.experiments.robust.RobustAnalysis`, the search's result
:class:`sim.experiments.policy_search.SearchResult`; the house style is
:mod:`sim.outputs.style`; the tables, files and report are :mod:`sim.outputs.robustness`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from sim.outputs import analysis_figures, style

if TYPE_CHECKING:
    from sim.experiments.policy_search import SearchResult
    from sim.experiments.robust import RobustAnalysis, Vulnerability

LABEL_WIDTH = 28
"""Characters per line of an uncertainty's label beside a vulnerability box."""


def regret_data(analysis: RobustAnalysis) -> pd.DataFrame:
    """Return the regret of every policy in every future, per objective, in display units.

    Returns:
        Columns ``objective``, ``policy``, ``future``, ``regret`` (divided by the unit's
        display scale, e.g. in M EUR), ``quantile`` and ``max`` (of that policy and objective,
        same scale), ``unit`` (the display unit).
    """
    frames = []
    for objective in analysis.objectives:
        scale, shown = style.display_unit(analysis.unit(objective.metric))
        rows = analysis.regret[analysis.regret["objective"] == objective.metric]
        frame = rows[["objective", "policy", "future"]].copy()
        frame["regret"] = rows["regret"].to_numpy() / scale
        groups = frame.groupby("policy", sort=False)["regret"]
        frame["quantile"] = groups.transform(lambda r: r.quantile(analysis.quantile))
        frame["max"] = groups.transform("max")
        frame["unit"] = shown
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def plot_regret(analysis: RobustAnalysis) -> Figure:
    """Draw each policy's regret over the futures, one panel per objective.

    Each policy's row shows the regret in every future as dots (0: the best policy there), its
    chosen quantile as a bar and its maximum as a diamond; lower is more robust.

    Args:
        analysis: The analysis.

    Returns:
        The figure.
    """
    data = regret_data(analysis)
    policies = analysis.policies
    colours = style.scenario_colours(policies)
    fig, axes = style.panel_grid(len(analysis.objectives), 2, 0.45 * len(policies) + 1.3)
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, size=len(data))
    percent = round(analysis.quantile * 100)
    for ax, objective in zip(axes, analysis.objectives, strict=True):
        mine = data[data["objective"] == objective.metric]
        for y, policy in enumerate(policies):
            rows = mine[mine["policy"] == policy]
            ax.scatter(
                rows["regret"],
                y + jitter[rows.index],
                s=6,
                alpha=0.35,
                color=colours[policy],
                linewidths=0,
            )
            if len(rows):
                ax.plot([rows["quantile"].iloc[0]] * 2, [y - 0.3, y + 0.3], color="black", lw=1.6)
                ax.scatter(rows["max"].iloc[0], y, marker="D", s=22, color="black", zorder=3)
        ax.set_yticks(range(len(policies)), policies)
        ax.set_ylim(len(policies) - 0.5, -0.5)
        unit = mine["unit"].iloc[0] if len(mine) else ""
        style.style_axes(ax, title=style.metric_title(analysis.title(objective.metric), 40))
        ax.set_xlabel(f"regret ({unit})" if unit else "regret")
    fig.suptitle(
        f"Regret in each future: bar = {percent}th percentile, diamond = maximum",
        fontsize=style.FONT_SIZE + 1,
    )
    return fig


def satisficing_data(analysis: RobustAnalysis) -> pd.DataFrame:
    """Return each policy's share of futures meeting each threshold and all of them.

    Returns:
        Columns ``policy``, ``threshold`` (the objective's words with its threshold, or
        "every threshold"), ``share``; empty without thresholds.
    """
    if analysis.satisficing_summary is None:
        return pd.DataFrame(columns=["policy", "threshold", "share"])
    long = analysis.satisficing_summary.melt(
        id_vars="policy", var_name="column", value_name="share"
    )
    words = {"share_all": "every threshold"}
    for objective in analysis.objectives:
        if objective.threshold is not None:
            words[f"share:{objective.metric}"] = threshold_words(analysis, objective.metric)
    long["threshold"] = long["column"].map(words)
    return long[["policy", "threshold", "share"]]


def threshold_words(analysis: RobustAnalysis, metric: str) -> str:
    """Return an objective's threshold in words, e.g. ``"Pilots succeeded at least 8"``."""
    objective = analysis.objective(metric)
    scale, shown = style.display_unit(analysis.unit(metric))
    bound = "at most" if objective.direction == "minimise" else "at least"
    value = f"{(objective.threshold or 0) / scale:.3g}"
    unit = "" if shown in ("", "dimensionless") else f" {shown}"
    return f"{analysis.title(metric)} {bound} {value}{unit}"


def plot_satisficing(analysis: RobustAnalysis, *, ax: Axes | None = None) -> FigureBase:
    """Draw the share of futures in which each policy meets every threshold, and each one.

    Args:
        analysis: The analysis.
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure: one bar per policy (every threshold), a marker per single threshold.
    """
    data = satisficing_data(analysis)
    policies = analysis.policies
    fig, ax = style.figure_or_axes(ax, height=2.0 + 0.4 * len(policies))
    if data.empty:
        style.no_data(ax)
        return fig
    colours = style.scenario_colours(policies)
    every = data[data["threshold"] == "every threshold"].set_index("policy")["share"]
    ax.barh(
        range(len(policies)),
        [every[p] for p in policies],
        color=[colours[p] for p in policies],
        alpha=0.8,
    )
    handles = [Patch(color="0.6", label="every threshold (bar)")]
    markers = ("o", "s", "^", "v", "D")
    singles = [t for t in dict.fromkeys(data["threshold"]) if t != "every threshold"]
    for k, words in enumerate(singles):
        rows = data[data["threshold"] == words].set_index("policy")["share"]
        handles.append(
            ax.scatter(
                [rows[p] for p in policies],
                range(len(policies)),
                marker=markers[k % len(markers)],
                color="black",
                s=22,
                zorder=3,
                label=words,
            )
        )
    ax.set_yticks(range(len(policies)), policies)
    ax.set_ylim(len(policies) - 0.5, -0.5)
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("share of futures")
    style.style_axes(ax, title="Good enough: share of futures meeting the thresholds")
    labels = [h.get_label() for h in handles]
    columns = style.legend_columns(labels, style.figure_width(fig))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=columns,
        fontsize=style.FONT_SIZE,
        frameon=False,
    )
    return fig


def vulnerability_limits(analysis: RobustAnalysis, vulnerable: Vulnerability) -> pd.DataFrame:
    """Return the limits of a policy's first PRIM box with each uncertainty's label and unit.

    Returns:
        The box's limits (:class:`sim.experiments.discovery.Box`) with ``parameter`` in words
        (label and unit), ``key`` beside it and ``kept`` (the share of the range of the futures
        inside the box); restricted uncertainties first, the most restricted first. Empty when
        the policy has no box.
    """
    if not vulnerable.boxes:
        return pd.DataFrame(columns=["key", "parameter", "lower", "upper", "kept"])
    limits = vulnerable.boxes[0].limits.copy()
    limits.insert(0, "key", limits["parameter"])
    limits["parameter"] = [analysis.label(key) for key in limits["key"]]
    span = (limits["maximum"] - limits["minimum"]).to_numpy(dtype=float)
    inside = (limits["upper"] - limits["lower"]).to_numpy(dtype=float)
    limits["kept"] = np.divide(inside, span, out=np.ones_like(span), where=span > 0)
    order = limits.sort_values(["restricted", "kept"], ascending=[False, True], kind="stable")
    return order.reset_index(drop=True)


def plot_vulnerability(
    analysis: RobustAnalysis,
    vulnerable: Vulnerability,
    *,
    ax: Axes | None = None,
) -> FigureBase:
    """Draw where a policy misses its thresholds: its PRIM box in the uncertainties' words.

    Args:
        analysis: The analysis.
        vulnerable: One of ``analysis.vulnerabilities`` with a box.
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure of :func:`sim.outputs.analysis_figures.plot_prim_box`, titled with the
        policy, the box's density and coverage.

    Raises:
        ValueError: The policy has no box (see ``vulnerable.note``).
    """
    if not vulnerable.boxes:
        raise ValueError(f"{vulnerable.policy} has no vulnerability box: {vulnerable.note}")
    box = vulnerable.boxes[0]
    limits = vulnerability_limits(analysis, vulnerable)
    limits["parameter"] = [
        textwrap.fill(label, LABEL_WIDTH, break_long_words=False) for label in limits["parameter"]
    ]
    fig, ax = style.figure_or_axes(ax, height=1.2 + 0.55 * len(limits))
    analysis_figures.plot_prim_box(limits, ax=ax)
    ax.set_title(
        f"Where {vulnerable.policy} misses a threshold: {box.density:.0%} of the futures in "
        f"the box miss; it holds {box.coverage:.0%} of all misses",
        fontsize=style.FONT_SIZE + 1,
    )
    return fig


def plot_search(result: SearchResult, *, ax: Axes | None = None) -> Figure:
    """Draw a search's candidates on its first two criteria, the Pareto set and named policies.

    Args:
        result: The search.
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure: candidates judged as grey dots, the Pareto set in colour, the named
        policies as labelled crosses.
    """
    fig, ax = style.figure_or_axes(ax, height=3.6)
    x, y = (result.criteria * 2)[:2] if len(result.criteria) == 1 else result.criteria[:2]
    (sx, x_unit), (sy, y_unit) = (style.display_unit(result.units.get(c, "")) for c in (x, y))
    feasible = result.candidates[result.candidates["feasible"]]
    ax.scatter(feasible[x] / sx, feasible[y] / sy, s=10, color="0.7", label="candidates judged")
    front = result.pareto
    ax.scatter(front[x] / sx, front[y] / sy, s=22, color=style.OKABE_ITO[1], label="Pareto set")
    named = result.reference
    ax.scatter(named[x] / sx, named[y] / sy, marker="x", color="black", s=36)
    label_points(ax, [str(p) for p in named["policy"]], named[x] / sx, named[y] / sy)
    ax.set_xlabel(_criterion_words(x, x_unit))
    ax.set_ylabel(_criterion_words(y, y_unit))
    style.style_axes(ax, title=f"Search over the terms of {result.policy}")
    ax.legend(fontsize=style.FONT_SIZE, frameon=False)
    return fig


LABEL_SIDES: tuple[tuple[int, int, str, str], ...] = (
    (4, 3, "left", "bottom"),
    (4, -3, "left", "top"),
    (-4, 3, "right", "bottom"),
    (-4, -3, "right", "top"),
)
"""Where a point's label may go, in the order tried: offset (points) and the text's anchor."""


def label_points(ax: Axes, labels: Sequence[str], xs: Sequence[float], ys: Sequence[float]) -> None:
    """Label points, each on the first side of :data:`LABEL_SIDES` clear of markers and labels.

    A label keeps clear of every point's marker and of the labels placed before it. Named
    policies often lie close together (two that differ in one term), and labels all put
    above-right of their points then print over each other or over a neighbour's marker. A
    label that overlaps on every side keeps the last.
    """
    fig = ax.get_figure(root=True)
    fig.draw_without_rendering()  # limits and layout as they will be drawn
    half = 3 * fig.dpi / 72  # a marker's half-width, 3 points, in pixels
    centres = ax.transData.transform(np.column_stack([xs, ys]))
    placed = [Bbox.from_bounds(cx - half, cy - half, 2 * half, 2 * half) for cx, cy in centres]
    for label, x, y in zip(labels, xs, ys, strict=True):
        for dx, dy, ha, va in LABEL_SIDES:
            text = ax.annotate(
                label,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=style.FONT_SIZE,
            )
            box = text.get_window_extent()
            if not any(box.overlaps(other) for other in placed) or (dx, dy) == LABEL_SIDES[-1][:2]:
                placed.append(box)
                break
            text.remove()


def _criterion_words(criterion: str, unit: str) -> str:
    """Return a search criterion in words, with its display unit."""
    if criterion == "satisficing":
        return "share of futures meeting every threshold (higher is better)"
    shown = f", {unit}" if unit and unit != "dimensionless" else ""
    return f"regret on {criterion.removeprefix('regret:')} (lower is better{shown})"
