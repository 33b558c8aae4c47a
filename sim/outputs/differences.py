"""The figure of a comparison's paired differences from its reference scenario.

Replicate k of every scenario shares its seed and random streams with replicate k of the
reference (the first scenario), so scenario minus reference, replicate by replicate, removes
the luck both runs share (:func:`sim.runs.contrast.paired_differences`). This figure draws
those differences with their 95 % intervals, one panel per metric: an interval clear of the
zero line is a difference beyond chance at this number of replicates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.outputs.style import (
    FONT_SIZE,
    colours_for,
    metric_title,
    metric_unit,
    panel_grid,
    style_axes,
)
from sim.runs.compare import scenario_order


def plot_differences(data: pd.DataFrame, *, colours: Mapping[str, str] | None = None) -> Figure:
    """Draw each scenario's paired difference from the reference, one panel per metric.

    Args:
        data: The output of :func:`sim.runs.contrast.paired_differences` (one reference).
        colours: Colour by scenario (default: :func:`sim.outputs.style.scenario_colours` of the
            reference and the scenarios in data order).

    Returns:
        The figure: per metric with a difference to show, a dot (the mean difference) and a
        line (its 95 % interval) per scenario, and a dashed line at zero; the axis names the
        metric's unit in words (money in M EUR).

    Raises:
        ValueError: The table compares with more than one reference.
    """
    bases = list(pd.unique(data["base"]))
    if len(bases) > 1:
        raise ValueError(f"one reference scenario per figure; got {', '.join(bases)}")
    names = scenario_order(data)
    colours = colours_for([*bases, *names], colours)
    metrics = [
        metric
        for metric in pd.unique(data["metric"])
        if np.isfinite(data.loc[data["metric"] == metric, "mean"].to_numpy(dtype=float)).any()
    ]
    row_height = max(1.4, 0.8 + 0.25 * len(names))
    fig, panels = panel_grid(max(len(metrics), 1), ncols=3, row_height=row_height)
    for k, (ax, metric) in enumerate(zip(panels, metrics, strict=False)):
        rows = data[data["metric"] == metric].set_index("scenario")
        scale, words = metric_unit(metric, str(rows["unit"].iloc[0]))
        span = [0.0]
        for y, name in enumerate(names):
            if name not in rows.index or not np.isfinite(rows.loc[name, "mean"]):
                continue
            row = rows.loc[name]
            if np.isfinite(row["lower"]) and np.isfinite(row["upper"]):
                ax.plot([row["lower"] / scale, row["upper"] / scale], [y, y], color=colours[name])
                span += [row["lower"] / scale, row["upper"] / scale]
            ax.plot([row["mean"] / scale], [y], "o", color=colours[name], markersize=4.5)
            span.append(row["mean"] / scale)
        ax.axvline(0.0, color="0.35", linestyle="--", linewidth=0.8, zorder=1)
        reach = max(abs(min(span)), abs(max(span))) * 1.1 or 1.0
        ax.set_xlim(min(min(span) * 1.1, -0.05 * reach), max(max(span) * 1.1, 0.05 * reach))
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names if k % 3 == 0 else [])
        for label, name in zip(ax.get_yticklabels(), names, strict=False):
            label.set_color(colours[name])
        style_axes(ax, title=metric_title(metric, 28))
        ax.grid(False, axis="y")
        ax.set_xlabel(f"minus {bases[0]}" + (f" ({words})" if words else ""))
    level = data["level"].iloc[0] if len(data) else 0.95
    fig.suptitle(
        f"Difference from {bases[0] if bases else 'the reference'} at the end of the horizon, "
        f"paired by replicate: mean and {level:.0%} interval",
        fontsize=FONT_SIZE + 1,
    )
    return fig
