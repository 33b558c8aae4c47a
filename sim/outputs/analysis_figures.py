"""Figures of sweep analyses: Sobol and Morris indices, PRIM boxes and their trade-off.

Each figure has a data-preparation function returning a tidy DataFrame (checked with numbers by
the tests) and a plot function that draws it and returns a :class:`matplotlib.figure.Figure`:

============================  ===============================
preparation                   figure
============================  ===============================
:func:`sobol_bars`            :func:`plot_sobol`
:func:`morris_points`         :func:`plot_morris`
:func:`prim_ranges`           :func:`plot_prim_box`
(a PRIM trajectory)           :func:`plot_prim_tradeoff`
============================  ===============================

The sensitivity figures take the index table of :mod:`sim.experiments.sensitivity`, the PRIM
figures a box of :mod:`sim.experiments.discovery`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.outputs.style import (
    FONT_SIZE,
    OKABE_ITO,
    figure_or_axes,
    legend_columns,
    metric_label,
    metric_title,
    metric_unit,
    parameter_label,
    parameter_scale,
    style_axes,
)

SOBOL_LABELS: dict[str, str] = {"S1": "first order S1", "ST": "total ST"}
"""Sobol indices drawn as bars, with their legend labels."""


MORRIS_MARKERS: tuple[str, ...] = ("o", "s", "^", "D")
"""Markers of the Morris plane, changing after each round of the eight Okabe-Ito colours."""


def sobol_bars(indices: pd.DataFrame) -> pd.DataFrame:
    """Return the first-order and total Sobol index of every parameter with its interval.

    Args:
        indices: Tidy index table of one metric (:func:`sim.experiments.sensitivity.sensitivity`):
            parameter, index, value, conf.

    Returns:
        One row per index (S1, then ST) and parameter (in table order) with columns metric,
        parameter, index, value, lower, upper (value minus and plus the interval half-width).

    Raises:
        ValueError: The table has no S1 and ST rows, or holds several metrics.
    """
    rows = indices[indices["index"].isin(list(SOBOL_LABELS))]
    _check_one_metric(rows, "S1 and ST")
    bars = rows[["metric", "parameter", "index", "value"]].copy()
    bars["lower"] = rows["value"] - rows["conf"]
    bars["upper"] = rows["value"] + rows["conf"]
    order = {name: i for i, name in enumerate(SOBOL_LABELS)}
    bars = bars.sort_values("index", key=lambda s: s.map(order), kind="stable")
    return bars.reset_index(drop=True)


def morris_points(indices: pd.DataFrame) -> pd.DataFrame:
    """Return one row per parameter with its Morris measures, for the mu*-sigma plane.

    Args:
        indices: Tidy index table of one metric from a Morris design.

    Returns:
        Columns metric, parameter, mu, mu_star, mu_star_conf, sigma; parameters in table
        order.

    Raises:
        ValueError: The table has no Morris rows, or holds several metrics.
    """
    rows = indices[indices["index"].isin(["mu", "mu_star", "sigma"])]
    _check_one_metric(rows, "Morris (mu, mu_star, sigma)")
    params = list(pd.unique(rows["parameter"]))
    wide = rows.pivot(index="parameter", columns="index", values="value").reindex(params)
    conf = rows[rows["index"] == "mu_star"].set_index("parameter")["conf"].reindex(params)
    table = pd.DataFrame(
        {
            "metric": rows["metric"].iloc[0],
            "parameter": params,
            "mu": wide["mu"].to_numpy(dtype=float),
            "mu_star": wide["mu_star"].to_numpy(dtype=float),
            "mu_star_conf": conf.to_numpy(dtype=float),
            "sigma": wide["sigma"].to_numpy(dtype=float),
        }
    )
    return table


def _check_one_metric(rows: pd.DataFrame, what: str) -> None:
    """Raise a ValueError unless ``rows`` is non-empty and about a single metric."""
    if rows.empty:
        raise ValueError(f"no {what} rows in the index table")
    metrics = list(pd.unique(rows["metric"]))
    if len(metrics) > 1:
        raise ValueError(f"one metric per figure; got {', '.join(map(str, metrics))}")


def plot_sobol(data: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Draw S1 and ST of every parameter as paired bars with their bootstrap intervals.

    A parameter whose total index ST clearly exceeds its first-order S1 acts through
    interactions; one with ST near zero can be fixed anywhere in its range.

    Args:
        data: The index table of one metric from a Sobol design, or :func:`sobol_bars`.
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure.

    Raises:
        ValueError: See :func:`sobol_bars`.
    """
    bars = data if "lower" in data.columns else sobol_bars(data)
    params = list(pd.unique(bars["parameter"]))
    names = [parameter_label(str(p)) for p in params]
    fig, ax = figure_or_axes(ax, height=2.8 + 0.04 * max(len(n) for n in names))
    x = np.arange(len(params))
    width = 0.38
    for i, (index, label) in enumerate(SOBOL_LABELS.items()):
        rows = bars[bars["index"] == index].set_index("parameter").reindex(params)
        value = rows["value"].to_numpy(dtype=float)
        lower = rows["lower"].to_numpy(dtype=float)
        upper = rows["upper"].to_numpy(dtype=float)
        ax.bar(
            x + (i - 0.5) * width,
            value,
            width=width,
            yerr=np.vstack([value - lower, upper - value]),
            color=OKABE_ITO[i],
            label=label,
            error_kw={"elinewidth": 1.0, "capsize": 3, "ecolor": "0.2"},
        )
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xticks(x)
    long = max(len(n) for n in names) > 10
    ax.set_xticklabels(names, rotation=25 if long else 0, ha="right" if long else "center")
    title = (
        f"Sobol indices of {metric_label(str(bars['metric'].iloc[0]))} (bars: bootstrap interval)"
    )
    style_axes(ax, title=metric_title(title, 80))
    ax.grid(False, axis="x")
    ax.set_xlabel("parameter")
    ax.set_ylabel("share of output variance")
    ax.legend(fontsize=FONT_SIZE, frameon=False)
    return fig


def plot_morris(data: pd.DataFrame, *, unit: str = "", ax: Axes | None = None) -> Figure:
    """Draw every parameter on the Morris plane: mean absolute effect mu* against sigma.

    Parameters far right matter; parameters high up act non-linearly or through
    interactions. The dashed line sigma = mu* separates mostly linear, additive effects
    (below) from mostly non-linear or interacting ones (above). Each parameter has its own
    colour (and marker, past eight) in a legend; the horizontal bars are the bootstrap
    interval of mu*. Parameters are named in words (:func:`parameter_label`), and one with no
    effect at all (mu* and sigma zero) says so in the legend. Money is shown in millions.

    Args:
        data: The index table of one metric from a Morris design, or :func:`morris_points`.
        unit: The metric's unit, for the axis labels (effects are per full parameter range).
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure.

    Raises:
        ValueError: See :func:`morris_points`.
    """
    table = data if "mu_star" in data.columns else morris_points(data)
    own = ax is None
    fig, ax = figure_or_axes(ax, height=4.2)
    metric = str(table["metric"].iloc[0])
    scale, shown = metric_unit(metric, unit)
    shown = shown or "output units"
    mu_star = table["mu_star"].to_numpy(dtype=float) / scale
    conf = table["mu_star_conf"].to_numpy(dtype=float) / scale
    sigma = table["sigma"].to_numpy(dtype=float) / scale
    labels = [
        parameter_label(str(name)) + (" (no effect)" if mu_star[i] == 0 and sigma[i] == 0 else "")
        for i, name in enumerate(table["parameter"])
    ]
    for i, label in enumerate(labels):
        ax.errorbar(
            [mu_star[i]],
            [sigma[i]],
            xerr=[conf[i]],
            fmt=MORRIS_MARKERS[i // len(OKABE_ITO) % len(MORRIS_MARKERS)],
            color=OKABE_ITO[i % len(OKABE_ITO)],
            elinewidth=1.0,
            capsize=3,
            markersize=6,
            label=label,
        )
    top = float(np.nanmax(np.r_[mu_star + np.nan_to_num(conf), sigma]))
    top = top * 1.1 if top > 0 else 1.0
    ax.plot([0, top], [0, top], "--", color="0.5", linewidth=0.8, label="σ = μ*")
    ax.set_xlim(-0.02 * top, top)  # a margin so that points at zero show whole
    ax.set_ylim(-0.02 * top, top)
    style_axes(ax, title=metric_title(f"Morris screening of {metric_label(metric)}", 80))
    ax.set_xlabel(f"μ*, mean absolute elementary effect ({shown} per parameter range)")
    ax.set_ylabel(f"σ of the effects ({shown})")
    legend = {"fontsize": FONT_SIZE, "frameon": False}
    if own:
        columns = legend_columns([*labels, "σ = μ*"], fig.get_figwidth())
        fig.legend(loc="outside lower center", ncols=columns, **legend)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **legend)
    return fig


def prim_ranges(limits: pd.DataFrame) -> pd.DataFrame:
    """Return a PRIM box's limits as positions within each parameter's range of points.

    Args:
        limits: One row per parameter with columns parameter, lower, upper (the box),
            minimum, maximum (the range of the points) and restricted
            (:mod:`sim.experiments.discovery`).

    Returns:
        The same rows, restricted parameters first (in table order), with ``start`` and
        ``end``: the box's limits as shares of the range (0 = minimum, 1 = maximum; 0 and 1
        for a parameter without range).
    """
    table = limits.copy()
    span = (table["maximum"] - table["minimum"]).to_numpy(dtype=float)
    safe = np.where(span > 0, span, 1.0)
    table["start"] = np.where(span > 0, (table["lower"] - table["minimum"]) / safe, 0.0)
    table["end"] = np.where(span > 0, (table["upper"] - table["minimum"]) / safe, 1.0)
    table = table.sort_values("restricted", ascending=False, kind="stable")
    return table.reset_index(drop=True)


def plot_prim_box(data: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Draw a PRIM box: for every parameter, the part of its range the box keeps.

    Args:
        data: A box's limits (see :func:`prim_ranges`) or their output.
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure: one row per parameter, the full range as a grey line, the box as a bar
        (coloured where the box restricts the parameter), its limits written to the right.
    """
    table = data if "start" in data.columns else prim_ranges(data)
    fig, ax = figure_or_axes(ax, height=1.2 + 0.4 * len(table))
    for y, row in enumerate(table.itertuples(index=False)):
        scale = parameter_scale(str(row.parameter))  # the limits in the label's unit
        ax.plot([0, 1], [y, y], color="0.75", linewidth=1.0)
        colour = OKABE_ITO[1] if row.restricted else "0.6"
        ax.plot([row.start, row.end], [y, y], color=colour, linewidth=6, solid_capstyle="butt")
        ax.annotate(
            f"{row.lower / scale:.3g} to {row.upper / scale:.3g}",
            (1.0, y),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT_SIZE,
            color="black" if row.restricted else "0.4",
            annotation_clip=False,
        )
    ax.set_yticks(range(len(table)))
    ax.set_yticklabels([parameter_label(str(p)) for p in table["parameter"]])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xticks(np.linspace(0.0, 1.0, 5))
    style_axes(ax, title="PRIM box (coloured where it restricts a parameter)")
    ax.grid(False, axis="y")
    ax.set_xlabel("position in the range of the points (0 = lowest, 1 = highest)")
    return fig


def plot_prim_tradeoff(
    trajectory: pd.DataFrame, *, density: float | None = None, ax: Axes | None = None
) -> Figure:
    """Draw PRIM's peeling trajectory: each candidate box's coverage against its density.

    Args:
        trajectory: One row per candidate box with columns coverage, density, res_dim
            (parameters restricted) and chosen (True for the box reported).
        density: The density the chosen box had to reach, drawn as a dashed line (None:
            no line).
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure: points coloured by the number of restricted parameters, the chosen box
        circled.
    """
    fig, ax = figure_or_axes(ax, height=3.4)
    for k in sorted(pd.unique(trajectory["res_dim"])):
        rows = trajectory[trajectory["res_dim"] == k]
        ax.scatter(
            rows["coverage"],
            rows["density"],
            s=18,
            color=OKABE_ITO[int(k) % len(OKABE_ITO)],
            label=f"{int(k)} restricted",
        )
    chosen = trajectory[trajectory["chosen"]]
    ax.scatter(
        chosen["coverage"],
        chosen["density"],
        s=120,
        facecolors="none",
        edgecolors="black",
        linewidths=1.2,
        label="chosen box",
    )
    if density is not None:
        ax.axhline(density, color="0.5", linestyle="--", linewidth=0.8, label="density sought")
    ax.set_xlim(-0.02, 1.05)
    ax.set_ylim(-0.02, 1.05)
    style_axes(ax, title="PRIM peeling trajectory")
    ax.set_xlabel("coverage (share of all cases of interest inside the box)")
    ax.set_ylabel("density (share of the box that are cases of interest)")
    ax.legend(fontsize=FONT_SIZE, frameon=False, loc="lower left")
    return fig
