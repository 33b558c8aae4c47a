"""The standard figures of a comparison, as pure functions of result tables.

Each figure has a data-preparation function returning a tidy DataFrame (checked with numbers by
the tests) and a plot function that draws it and returns a :class:`matplotlib.figure.Figure`:

============================  ===============================
preparation                   figure
============================  ===============================
:func:`timeseries_bands`      :func:`plot_timeseries`
:func:`end_intervals`         :func:`plot_end_metrics`
:func:`capital_by_source`     :func:`plot_capital_by_source`
:func:`funnel`                :func:`plot_funnel`
:func:`sobol_bars`            :func:`plot_sobol`
:func:`morris_points`         :func:`plot_morris`
:func:`prim_ranges`           :func:`plot_prim_box`
(a PRIM trajectory)           :func:`plot_prim_tradeoff`
============================  ===============================

A plot function takes either the step table (and prepares it itself) or the preparation's output;
the sensitivity figures take the index table of :mod:`sim.experiments.sensitivity` instead of the
step table, the PRIM figures a box of :mod:`sim.experiments.discovery`. Every scenario keeps one
colour from :func:`scenario_colours` in every figure (Okabe-Ito, safe for colour-blind readers).
Figures are built on Matplotlib's Agg canvas without pyplot, so nothing is shown, no global figure
list grows, and they are sized for an A4 page with fonts of at least 8 pt. A requested metric
missing from the table raises a ValueError naming it; a metric that is NaN throughout for one
scenario is drawn as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, FigureBase

from sim.runs.compare import (
    check_columns,
    end_of_horizon,
    scenario_order,
    summary,
    units,
)

OKABE_ITO: tuple[str, ...] = (
    "#0072b2",  # blue
    "#d55e00",  # vermillion
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#000000",  # black
    "#f0e442",  # yellow (last: faint on white)
)
"""Okabe and Ito's colour-blind-safe palette (Okabe & Ito 2008, *Color Universal Design*)."""

SOURCE_COLOURS: tuple[str, ...] = (
    "#332288",  # indigo
    "#88ccee",  # cyan
    "#117733",  # green
    "#ddcc77",  # sand
    "#cc6677",  # rose
    "#aa4499",  # purple
    "#44aa99",  # teal
    "#999933",  # olive
    "#882255",  # wine
)
"""Paul Tol's colour-blind-safe "muted" palette, for sources of capital (not scenarios)."""

TIMESERIES_METRICS: tuple[str, ...] = (
    "pilots_active",
    "pilots_succeeded",
    "pilots_scaled",
    "public_spend",
    "fund_balance",
    "trust_org_mean",
)
"""Metrics drawn over time by default."""

END_METRICS: tuple[str, ...] = (
    "pilots_succeeded",
    "pilots_scaled",
    "public_spend",
    "public_cost_per_success",
    "public_failure_cost",
    "investor_failure_cost",
    "leverage",
    "recycling_multiple",
    "investor_multiple",
    "election_survival",
    "trust_org_mean",
    "benefit_gini",
)
"""Metrics drawn at the end of the horizon by default."""

CAPITAL_SOURCES: dict[str, str] = {
    "public_spend": "Public spend (net, incl. fund capital)",
    "private_capital": "Firms",
    "partner_capital": "Academia and civil society",
    "concessional_capital": "Concessional (first loss, fund match)",
    "commercial_capital": "Commercial senior",
    "impact_capital": "Outcome investors",
    "fund_lending": "Revolving-fund loans",
}
"""Cumulative-EUR columns of the step table by the label of their source of capital."""

FUNNEL_STAGES: dict[str, str] = {
    "pilots_proposed": "Proposed",
    "pilots_negotiated": "Negotiated",
    "pilots_agreed": "Agreed",
    "pilots_financed": "Financed",
    "pilots_launched": "Launched",
    "pilots_succeeded": "Succeeded",
    "pilots_scaled": "Scaled",
}
"""Cumulative pilot counts from proposal to scale-up, with their labels."""

STEPS_PER_YEAR = 4
"""Steps per year assumed when neither the caller nor the data says (quarterly steps)."""

PAGE_WIDTH = 7.0
"""Figure width in inches: an A4 page (8.27 in) less margins, so fonts keep their size."""

FONT_SIZE = 8.5
"""Font size in points for ticks, labels and legends; titles are one point larger."""

BAND = (0.025, 0.975)
"""Quantiles of the band drawn around the mean across replicates."""

MILLION = 1e6


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """Return one colour per scenario, in order: Okabe-Ito for up to 8, else viridis samples.

    Args:
        names: Scenario names in the comparison's order (duplicates are ignored).

    Returns:
        A colour (hex string) by scenario name; the same names in the same order always get
        the same colours, so every figure of a comparison agrees.
    """
    unique = list(dict.fromkeys(names))
    if len(unique) <= len(OKABE_ITO):
        palette = list(OKABE_ITO)
    else:
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        cmap = colormaps["viridis"]
        palette = [to_hex(cmap(x)) for x in np.linspace(0, 0.95, len(unique))]
    return dict(zip(unique, palette, strict=False))


def display_unit(unit: str) -> tuple[float, str]:
    """Return the divisor and label to show a unit: money in millions of EUR ("M EUR").

    Args:
        unit: A unit from :data:`sim.model.metrics.METRICS`, e.g. "EUR", "EUR/pilot", "1".

    Returns:
        ``(scale, label)``: divide values by ``scale`` and label the axis with ``label``.
    """
    if unit.startswith("EUR") and unit != "EUR/EUR":
        return MILLION, f"M {unit}"
    if unit == "1":
        return 1.0, "dimensionless"
    return 1.0, unit


def metric_title(metric: str, width: int = 24) -> str:
    """Return a panel title for a metric column: words instead of underscores, wrapped."""
    import textwrap

    return textwrap.fill(metric.replace("_", " "), width=width)


def axis_label(metric: str, unit: str) -> str:
    """Return an axis label naming a metric and its display unit."""
    _, shown = display_unit(unit)
    return f"{metric} ({shown})" if shown else metric


# --- data preparation ----------------------------------------------------------------------------


def timeseries_bands(
    steps: pd.DataFrame,
    metrics: Sequence[str] = TIMESERIES_METRICS,
    *,
    steps_per_year: int | Mapping[str, int] | None = None,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return each metric's mean and 2.5-97.5 percentile band across replicates, by step.

    NaN values (a metric not yet defined in a run) are left out; ``n`` counts the rest.
    Percentiles interpolate linearly between order statistics.

    Args:
        steps: Step table with ``scenario``, ``replicate`` and ``step`` columns.
        metrics: Metric columns.
        steps_per_year: Steps per year, one number or one per scenario (default: the
            ``steps_per_year`` column if the table has one, else 4).
        order: Scenario order (default: order of first appearance).

    Returns:
        One row per scenario, metric and step, with columns scenario, metric, unit, step,
        year, n, mean, lower, upper.

    Raises:
        ValueError: A metric is not in the table.
    """
    metrics = list(metrics)
    check_columns(steps, metrics)
    unit = units(metrics)
    frames = []
    for name in scenario_order(steps, order):
        runs = steps[steps["scenario"] == name]
        grouped = runs.groupby("step", sort=True)[metrics]
        stats = {
            "n": grouped.count(),
            "mean": grouped.mean(),
            "lower": grouped.quantile(BAND[0]),
            "upper": grouped.quantile(BAND[1]),
        }
        per_year = _steps_per_year(runs, name, steps_per_year)
        for metric in metrics:
            frame = pd.DataFrame({key: value[metric] for key, value in stats.items()})
            frame = frame.reset_index()
            frame.insert(0, "scenario", name)
            frame.insert(1, "metric", metric)
            frame.insert(2, "unit", unit[metric])
            frame.insert(4, "year", frame["step"] / per_year)
            frames.append(frame)
    columns = ["scenario", "metric", "unit", "step", "year", "n", "mean", "lower", "upper"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _steps_per_year(
    runs: pd.DataFrame, name: str, steps_per_year: int | Mapping[str, int] | None
) -> float:
    """Return the steps per year of scenario ``name``: argument, then column, then default."""
    if isinstance(steps_per_year, Mapping):
        return float(steps_per_year.get(name, STEPS_PER_YEAR))
    if steps_per_year is not None:
        return float(steps_per_year)
    if "steps_per_year" in runs.columns and len(runs):
        return float(runs["steps_per_year"].iloc[0])
    return float(STEPS_PER_YEAR)


def end_intervals(
    steps: pd.DataFrame,
    metrics: Sequence[str] = END_METRICS,
    *,
    level: float = 0.95,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return end-of-horizon means with Student-t intervals: :func:`sim.runs.compare.summary`."""
    return summary(steps, metrics, level=level, order=order)


def capital_by_source(
    steps: pd.DataFrame,
    sources: Mapping[str, str] = CAPITAL_SOURCES,
    *,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the mean cumulative EUR per scenario and source at the end of the horizon.

    Args:
        steps: Step table.
        sources: Cumulative-EUR columns by label.
        order: Scenario order (default: order of first appearance).

    Returns:
        One row per scenario and source (in the order of ``sources``) with columns scenario,
        source, label, n (replicates with a value), mean (EUR).

    Raises:
        ValueError: A source column is not in the table.
    """
    return _end_means(steps, sources, order=order, key="source")


def funnel(
    steps: pd.DataFrame,
    stages: Mapping[str, str] = FUNNEL_STAGES,
    *,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the mean cumulative pilot count per scenario and stage at the end of the horizon.

    Args:
        steps: Step table.
        stages: Count columns by label, from proposal to scale-up.
        order: Scenario order (default: order of first appearance).

    Returns:
        One row per scenario and stage (in the order of ``stages``) with columns scenario,
        stage, label, n, mean (pilots).

    Raises:
        ValueError: A stage column is not in the table.
    """
    return _end_means(steps, stages, order=order, key="stage")


def _end_means(
    steps: pd.DataFrame, columns: Mapping[str, str], *, order: Sequence[str] | None, key: str
) -> pd.DataFrame:
    """Return the end-of-horizon mean across replicates of each column, per scenario."""
    check_columns(steps, list(columns), what=key)
    end = end_of_horizon(steps)
    rows = []
    for name in scenario_order(steps, order):
        runs = end[end["scenario"] == name]
        for column, label in columns.items():
            values = runs[column].to_numpy(dtype=float)
            finite = values[~np.isnan(values)]
            mean = float(finite.mean()) if len(finite) else float("nan")
            rows.append(
                {"scenario": name, key: column, "label": label, "n": len(finite), "mean": mean}
            )
    return pd.DataFrame(rows, columns=["scenario", key, "label", "n", "mean"])


# --- figures -------------------------------------------------------------------------------------


def _is_prepared(data: pd.DataFrame, key: str) -> bool:
    """Tell whether ``data`` is a preparation's output (long format) rather than a step table."""
    return {key, "mean"} <= set(data.columns) and "replicate" not in data.columns


def _new_figure(width: float, height: float) -> Figure:
    """Return an empty figure on an Agg canvas with constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


Canvas = Callable[[float, float], FigureBase]
"""Gives the figure or subfigure to draw on, from a figure's natural width and height (in)."""


def _canvas(width: float, height: float, canvas: Canvas | None) -> FigureBase:
    """Return ``canvas(width, height)``, or a new figure of that size when ``canvas`` is None."""
    return _new_figure(width, height) if canvas is None else canvas(width, height)


def _width(fig: FigureBase) -> float:
    """Return the width of a figure or subfigure in inches."""
    return fig.bbox.width / fig.dpi


def style_axes(ax: Axes, *, title: str | None = None) -> None:
    """Apply the house style: readable fonts, light grid, no top and right spines."""
    ax.tick_params(labelsize=FONT_SIZE)
    ax.xaxis.label.set_size(FONT_SIZE)
    ax.yaxis.label.set_size(FONT_SIZE)
    if title is not None:
        ax.set_title(title, fontsize=FONT_SIZE + 1)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _grid(
    n: int, ncols: int, row_height: float, canvas: Canvas | None = None
) -> tuple[FigureBase, list[Axes]]:
    """Return a new (sub)figure with ``n`` panels in rows of ``ncols``, unused cells removed."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = _canvas(PAGE_WIDTH, row_height * nrows + 0.5, canvas)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    cells = list(grid.flat)
    for ax in cells[n:]:
        ax.remove()
    return fig, cells[:n]


def _colours_for(names: Sequence[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    """Return the colour of every scenario: given ones, defaults for any the mapping lacks."""
    default = scenario_colours(names)
    if colours is None:
        return default
    return {name: colours.get(name, default[name]) for name in names}


def _legend_handles(names: Sequence[str], colours: Mapping[str, str]) -> list:
    """Return legend handles: one line per scenario in its colour, then what the band shows."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lines = [Line2D([], [], color=colours[name], linewidth=2, label=name) for name in names]
    band = Patch(color="0.5", alpha=0.3, linewidth=0, label="2.5-97.5 % of replicates")
    return [*lines, band]


def legend_columns(labels: Sequence[str], width: float = PAGE_WIDTH) -> int:
    """Return how many legend columns fit across ``width`` inches for these labels."""
    char = 0.6 * FONT_SIZE / 72  # an average character, in inches
    entry = max((len(label) for label in labels), default=1) * char + 0.55  # plus the handle
    return max(1, min(len(labels), int(width / entry)))


def _own_axes(axes: Sequence[Axes] | Axes | None, n: int) -> list[Axes] | None:
    """Return caller-supplied axes as a list, checking there is one per panel."""
    if axes is None:
        return None
    axes = [axes] if isinstance(axes, Axes) else list(np.ravel(axes))
    if len(axes) != n:
        raise ValueError(f"need {n} axes, one per panel; got {len(axes)}")
    return axes


def plot_timeseries(
    data: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    steps_per_year: int | Mapping[str, int] | None = None,
    axes: Sequence[Axes] | None = None,
    colours: Mapping[str, str] | None = None,
    canvas: Canvas | None = None,
) -> Figure:
    """Draw each metric over time: the mean across replicates and its 2.5-97.5 % band.

    Args:
        data: The step table, or the output of :func:`timeseries_bands`.
        metrics: Metrics to draw, one panel each (default: :data:`TIMESERIES_METRICS` for a
            step table, every metric of a prepared table).
        steps_per_year: For a step table: steps per year (see :func:`timeseries_bands`).
        axes: Axes to draw into, one per metric (default: a new figure).
        colours: Colour by scenario (default: :func:`scenario_colours` in data order).
        canvas: Without ``axes``, gives the (sub)figure to draw on (see :data:`Canvas`), e.g.
            a region of a report page; default: a new figure.

    Returns:
        The figure.

    Raises:
        ValueError: A metric is not in the data, or ``axes`` does not match the metrics.
    """
    bands, metrics = _prepared(
        data,
        "metric",
        metrics,
        TIMESERIES_METRICS,
        lambda steps, wanted: timeseries_bands(steps, wanted, steps_per_year=steps_per_year),
    )
    names = scenario_order(bands)
    colours = _colours_for(names, colours)
    given = _own_axes(axes, len(metrics))
    if given is None:
        fig, panels = _grid(len(metrics), ncols=3, row_height=2.1, canvas=canvas)
    else:
        fig, panels = given[0].figure, given
    for ax, metric in zip(panels, metrics, strict=True):
        rows = bands[bands["metric"] == metric]
        unit = str(rows["unit"].iloc[0]) if len(rows) else ""
        scale, shown = display_unit(unit)
        drawn = False
        for name in names:
            line = rows[rows["scenario"] == name]
            if not np.isfinite(line["mean"].to_numpy(dtype=float)).any():
                continue  # absent for this scenario (e.g. no fund, no recycling)
            x = line["year"].to_numpy(dtype=float)
            ax.fill_between(
                x,
                line["lower"].to_numpy(dtype=float) / scale,
                line["upper"].to_numpy(dtype=float) / scale,
                color=colours[name],
                alpha=0.18,
                linewidth=0,
            )
            ax.plot(x, line["mean"].to_numpy(dtype=float) / scale, color=colours[name], lw=1.5)
            drawn = True
        if not drawn:
            no_data(ax)
        style_axes(ax, title=metric_title(metric, 30))
        ax.set_xlabel("year")
        ax.set_ylabel(shown or "value")
    _legend(fig, panels, names, colours, own=given is None)
    return fig.figure


def _prepared(
    data: pd.DataFrame,
    key: str,
    wanted: Sequence[str] | Mapping[str, str] | None,
    default: Sequence[str] | Mapping[str, str],
    prepare: Callable[[pd.DataFrame, Sequence[str] | Mapping[str, str]], pd.DataFrame],
) -> tuple[pd.DataFrame, list[str]]:
    """Return a plot's prepared table and the rows to draw, from a step table or a prepared one.

    Args:
        data: A step table, or the output of ``prepare`` (long format keyed by ``key``).
        key: The prepared table's row column ("metric", "source", "stage").
        wanted: Rows to draw (a mapping gives labels too); None for all, or ``default``.
        default: What a step table is prepared for when ``wanted`` is None.
        prepare: The data-preparation function, ``prepare(steps, wanted)``.
    """
    if _is_prepared(data, key):
        rows = list(pd.unique(data[key])) if wanted is None else list(wanted)
        _check_prepared(data, key, rows)
        return data[data[key].isin(rows)], rows
    chosen = default if wanted is None else wanted
    return prepare(data, chosen), list(chosen)


def _check_prepared(data: pd.DataFrame, key: str, wanted: Sequence[str]) -> None:
    """Raise a ValueError naming requested rows that a prepared table does not have."""
    have = list(pd.unique(data[key]))
    missing = [name for name in wanted if name not in have]
    if missing:
        raise ValueError(
            f"{key}{'s' if len(missing) > 1 else ''} not in the data: {', '.join(missing)}; "
            f"available: {', '.join(map(str, have))}"
        )


def no_data(ax: Axes) -> None:
    """Mark a panel that has nothing to draw."""
    ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="0.5")


def _legend(
    fig: FigureBase, panels: Sequence[Axes], names: Sequence[str], colours: Mapping, *, own: bool
) -> None:
    """Put one scenario legend outside the panels (in the caller's first axes if theirs)."""
    handles = _legend_handles(names, colours)
    if own:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=legend_columns([h.get_label() for h in handles], _width(fig)),
            fontsize=FONT_SIZE,
            frameon=False,
        )
    else:
        panels[0].legend(handles=handles, fontsize=FONT_SIZE, frameon=False)


def plot_end_metrics(
    data: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    axes: Sequence[Axes] | None = None,
    colours: Mapping[str, str] | None = None,
    canvas: Canvas | None = None,
) -> Figure:
    """Draw each metric at the end of the horizon: a point and its interval per scenario.

    One small panel per metric, since their units differ. A scenario whose metric has no
    value is marked "n/a"; one with a single value has a point without an interval.

    Args:
        data: The output of :func:`end_intervals` (or :func:`sim.runs.compare.summary`), or a step
            table, summarised here at the 95 % level.
        metrics: Metrics to draw (default: :data:`END_METRICS` for a step table, every metric
            of a summary).
        axes: Axes to draw into, one per metric (default: a new figure).
        colours: Colour by scenario (default: :func:`scenario_colours` in data order).
        canvas: Without ``axes``, gives the (sub)figure to draw on (see :data:`Canvas`);
            default: a new figure.

    Returns:
        The figure.

    Raises:
        ValueError: A metric is not in the data, or ``axes`` does not match the metrics.
    """
    table, metrics = _prepared(data, "metric", metrics, END_METRICS, end_intervals)
    names = scenario_order(table)
    colours = _colours_for(names, colours)
    given = _own_axes(axes, len(metrics))
    if given is None:
        row_height = max(1.5, 0.8 + 0.25 * len(names))
        fig, panels = _grid(len(metrics), ncols=4, row_height=row_height, canvas=canvas)
    else:
        fig, panels = given[0].figure, given
    positions = {name: i for i, name in enumerate(names)}
    for k, (ax, metric) in enumerate(zip(panels, metrics, strict=True)):
        rows = table[table["metric"] == metric]
        unit = str(rows["unit"].iloc[0]) if len(rows) else ""
        scale, shown = display_unit(unit)
        for name in names:
            row = rows[rows["scenario"] == name]
            y = positions[name]
            mean = float(row["mean"].iloc[0]) if len(row) else float("nan")
            if np.isnan(mean):
                ax.text(
                    0.02,
                    y,
                    "n/a",
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    fontsize=FONT_SIZE,
                    color="0.5",
                )
                continue
            lower, upper = float(row["lower"].iloc[0]), float(row["upper"].iloc[0])
            if np.isfinite(lower) and np.isfinite(upper):
                ax.plot([lower / scale, upper / scale], [y, y], color=colours[name], lw=1.5)
            ax.plot([mean / scale], [y], "o", color=colours[name], markersize=4.5)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_yticks(range(len(names)))
        if given is not None or k % 4 == 0:
            ax.set_yticklabels(names)
            for label, name in zip(ax.get_yticklabels(), names, strict=True):
                label.set_color(colours[name])
        else:
            ax.set_yticklabels([])
        style_axes(ax, title=metric_title(metric, 22))
        ax.grid(False, axis="y")
        ax.set_xlabel(shown or "value")
    if given is None:
        level = table["level"].iloc[0] if "level" in table.columns and len(table) else 0.95
        fig.suptitle(
            f"End of horizon: mean and {level:.0%} interval of the mean across replicates",
            fontsize=FONT_SIZE + 1,
        )
    return fig.figure


def plot_capital_by_source(
    data: pd.DataFrame,
    *,
    sources: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    colours: Mapping[str, str] | None = None,
    canvas: Canvas | None = None,
) -> Figure:
    """Draw the mean cumulative capital per scenario as horizontal bars stacked by source.

    Sources take colours from :data:`SOURCE_COLOURS` (a palette distinct from the scenarios');
    scenario names on the axis keep their scenario colour. Negative amounts (net public money
    returned) stack to the left of zero.

    Args:
        data: The output of :func:`capital_by_source`, or a step table.
        sources: Source columns by label (default: :data:`CAPITAL_SOURCES` for a step table,
            every source of a prepared table).
        ax: Axes to draw into (default: a new figure).
        colours: Colour by scenario, for the scenario labels.
        canvas: Without ``ax``, gives the (sub)figure to draw on (see :data:`Canvas`);
            default: a new figure.

    Returns:
        The figure.

    Raises:
        ValueError: A source column is not in the data.
    """
    table, _ = _prepared(data, "source", sources, CAPITAL_SOURCES, capital_by_source)
    names = scenario_order(table)
    colours = _colours_for(names, colours)
    labels = dict(zip(table["source"], table["label"], strict=False))
    own = ax is None
    fig, ax = _figure_or(ax, height=2.2 + 0.4 * len(names), canvas=canvas)
    positive = np.zeros(len(names))
    negative = np.zeros(len(names))
    for i, (source, label) in enumerate(labels.items()):
        rows = table[table["source"] == source].set_index("scenario").reindex(names)
        values = np.nan_to_num(rows["mean"].to_numpy(dtype=float)) / MILLION
        left = np.where(values >= 0, positive, negative)
        ax.barh(
            range(len(names)),
            values,
            left=left,
            height=0.6,
            color=SOURCE_COLOURS[i % len(SOURCE_COLOURS)],
            label=label,
            edgecolor="white",
            linewidth=0.5,
        )
        positive += np.where(values >= 0, values, 0)
        negative += np.where(values < 0, values, 0)
    for y, total in enumerate(positive):
        ax.annotate(
            f"{total:,.1f}",
            (total, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT_SIZE,
        )
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names)
    for label, name in zip(ax.get_yticklabels(), names, strict=True):
        label.set_color(colours[name])
    ax.set_ylim(len(names) - 0.5, -0.5)
    span = max(float(positive.max() - negative.min()), 1e-9) if len(names) else 1.0
    low = float(negative.min())
    ax.set_xlim(low - 0.05 * span if low < 0 else 0.0, float(positive.max()) + 0.12 * span)
    style_axes(ax, title="Money mobilised by source, end of horizon (mean over replicates)")
    ax.grid(False, axis="y")
    ax.set_xlabel("cumulative capital (M EUR)")
    legend = {"fontsize": FONT_SIZE, "frameon": False}
    if own:
        columns = legend_columns(list(labels.values()), _width(fig))
        fig.legend(loc="outside lower center", ncols=columns, **legend)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **legend)
    return fig.figure


def plot_funnel(
    data: pd.DataFrame,
    *,
    stages: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    colours: Mapping[str, str] | None = None,
    canvas: Canvas | None = None,
) -> Figure:
    """Draw the pilot funnel: mean cumulative count at each stage, bars grouped by stage.

    Args:
        data: The output of :func:`funnel`, or a step table.
        stages: Stage columns by label (default: :data:`FUNNEL_STAGES` for a step table,
            every stage of a prepared table).
        ax: Axes to draw into (default: a new figure).
        colours: Colour by scenario (default: :func:`scenario_colours` in data order).
        canvas: Without ``ax``, gives the (sub)figure to draw on (see :data:`Canvas`);
            default: a new figure.

    Returns:
        The figure.

    Raises:
        ValueError: A stage column is not in the data.
    """
    table, _ = _prepared(data, "stage", stages, FUNNEL_STAGES, funnel)
    names = scenario_order(table)
    colours = _colours_for(names, colours)
    labels = dict(zip(table["stage"], table["label"], strict=False))
    own = ax is None
    fig, ax = _figure_or(ax, height=3.2, canvas=canvas)
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(labels))
    for i, name in enumerate(names):
        rows = table[table["scenario"] == name].set_index("stage").reindex(list(labels))
        offset = (i - (len(names) - 1) / 2) * width
        ax.bar(
            x + offset,
            np.nan_to_num(rows["mean"].to_numpy(dtype=float)),
            width=width,
            color=colours[name],
            label=name,
        )
    ax.set_xticks(x)
    ax.set_xticklabels(list(labels.values()))
    style_axes(ax, title="Pilot funnel, end of horizon (mean over replicates)")
    ax.grid(False, axis="x")
    unit = units([next(iter(labels))])[next(iter(labels))] if labels else ""
    ax.set_xlabel("stage reached")
    ax.set_ylabel(f"cumulative count ({unit or 'pilots'})")
    legend = {"fontsize": FONT_SIZE, "frameon": False}
    if own:
        columns = legend_columns(names, _width(fig))
        fig.legend(loc="outside lower center", ncols=columns, **legend)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **legend)
    return fig.figure


def _figure_or(
    ax: Axes | None, *, height: float, canvas: Canvas | None = None
) -> tuple[FigureBase, Axes]:
    """Return the caller's axes and their figure, or a new page-wide (sub)figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = _canvas(PAGE_WIDTH, height, canvas)
    return fig, fig.add_subplot()


def standard_figures(
    steps: pd.DataFrame,
    *,
    order: Sequence[str] | None = None,
    steps_per_year: int | Mapping[str, int] | None = None,
) -> tuple[dict[str, Callable[..., Figure]], list[str]]:
    """Prepare the standard figures of a comparison, ready to draw, and name what they leave out.

    The command line, the report and the notebooks all draw a comparison with this. Metrics of
    the default lists (:data:`TIMESERIES_METRICS`, :data:`END_METRICS`, :data:`CAPITAL_SOURCES`,
    :data:`FUNNEL_STAGES`) that the step table lacks are left out of the figures and reported,
    rather than failing a comparison after it has run.

    Args:
        steps: Step table of the comparison.
        order: Scenario order, which also fixes the colours (default: order of appearance).
        steps_per_year: Steps per year, one number or one per scenario (see
            :func:`timeseries_bands`).

    Returns:
        ``(figures, left_out)``: by name (``timeseries``, ``end_metrics``,
        ``capital_by_source``, ``funnel``), a function that draws the figure from data
        prepared here, once (call it, optionally with ``canvas=``, to get the
        :class:`~matplotlib.figure.Figure`); and the metrics left out, in list order.
    """
    order = scenario_order(steps, order)
    colours = scenario_colours(order)
    wanted = [*TIMESERIES_METRICS, *END_METRICS, *CAPITAL_SOURCES, *FUNNEL_STAGES]
    left_out = list(dict.fromkeys(name for name in wanted if name not in steps.columns))

    def present(names: Sequence[str]) -> list[str]:
        return [name for name in names if name not in left_out]

    bands = timeseries_bands(
        steps, present(TIMESERIES_METRICS), steps_per_year=steps_per_year, order=order
    )
    end = end_intervals(steps, present(END_METRICS), order=order)
    sources = {key: CAPITAL_SOURCES[key] for key in present(list(CAPITAL_SOURCES))}
    stages = {key: FUNNEL_STAGES[key] for key in present(list(FUNNEL_STAGES))}
    figures = {
        "timeseries": partial(plot_timeseries, bands, colours=colours),
        "end_metrics": partial(plot_end_metrics, end, colours=colours),
        "capital_by_source": partial(
            plot_capital_by_source, capital_by_source(steps, sources, order=order), colours=colours
        ),
        "funnel": partial(plot_funnel, funnel(steps, stages, order=order), colours=colours),
    }
    return figures, left_out


def save_figure(fig: Figure, out_dir: str | Path, name: str) -> list[Path]:
    """Write a figure as PNG (200 dpi) and PDF.

    Args:
        fig: The figure.
        out_dir: Folder to write into (created if missing).
        name: File name without extension.

    Returns:
        The paths written, PNG first.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.png", out_dir / f"{name}.pdf"]
    fig.savefig(paths[0], dpi=200)
    fig.savefig(paths[1])
    return paths


# --- sensitivity analysis and scenario discovery -------------------------------------------------

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
    fig, ax = _figure_or(ax, height=2.8 + 0.04 * max(len(p) for p in params))
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
    long = max(len(p) for p in params) > 10
    ax.set_xticklabels(params, rotation=25 if long else 0, ha="right" if long else "center")
    title = f"Sobol indices of {bars['metric'].iloc[0]} (bars: bootstrap interval)"
    style_axes(ax, title=metric_title(title, 80))
    ax.grid(False, axis="x")
    ax.set_xlabel("parameter")
    ax.set_ylabel("share of output variance (dimensionless)")
    ax.legend(fontsize=FONT_SIZE, frameon=False)
    return fig


def plot_morris(data: pd.DataFrame, *, unit: str = "", ax: Axes | None = None) -> Figure:
    """Draw every parameter on the Morris plane: mean absolute effect mu* against sigma.

    Parameters far right matter; parameters high up act non-linearly or through
    interactions. The dashed line sigma = mu* separates mostly linear, additive effects
    (below) from mostly non-linear or interacting ones (above). Each parameter has its own
    colour (and marker, past eight) in a legend; the horizontal bars are the bootstrap
    interval of mu*. Money is shown in millions (:func:`display_unit`).

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
    fig, ax = _figure_or(ax, height=4.2)
    scale, shown = display_unit(unit) if unit else (1.0, "output units")
    mu_star = table["mu_star"].to_numpy(dtype=float) / scale
    conf = table["mu_star_conf"].to_numpy(dtype=float) / scale
    sigma = table["sigma"].to_numpy(dtype=float) / scale
    for i, name in enumerate(table["parameter"]):
        ax.errorbar(
            [mu_star[i]],
            [sigma[i]],
            xerr=[conf[i]],
            fmt=MORRIS_MARKERS[i // len(OKABE_ITO) % len(MORRIS_MARKERS)],
            color=OKABE_ITO[i % len(OKABE_ITO)],
            elinewidth=1.0,
            capsize=3,
            markersize=6,
            label=str(name),
        )
    top = float(np.nanmax(np.r_[mu_star + np.nan_to_num(conf), sigma]))
    top = top * 1.1 if top > 0 else 1.0
    ax.plot([0, top], [0, top], "--", color="0.5", linewidth=0.8, label="σ = μ*")
    ax.set_xlim(-0.02 * top, top)  # a margin so that points at zero show whole
    ax.set_ylim(-0.02 * top, top)
    style_axes(ax, title=metric_title(f"Morris screening of {table['metric'].iloc[0]}", 80))
    ax.set_xlabel(f"μ*, mean absolute elementary effect ({shown} per parameter range)")
    ax.set_ylabel(f"σ of the effects ({shown})")
    legend = {"fontsize": FONT_SIZE, "frameon": False}
    if own:
        labels = [*map(str, table["parameter"]), "σ = μ*"]
        columns = legend_columns(labels, fig.get_figwidth())
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
    fig, ax = _figure_or(ax, height=1.2 + 0.4 * len(table))
    for y, row in enumerate(table.itertuples(index=False)):
        ax.plot([0, 1], [y, y], color="0.75", linewidth=1.0)
        colour = OKABE_ITO[1] if row.restricted else "0.6"
        ax.plot([row.start, row.end], [y, y], color=colour, linewidth=6, solid_capstyle="butt")
        ax.annotate(
            f"{row.lower:.3g} to {row.upper:.3g}",
            (1.0, y),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            fontsize=FONT_SIZE,
            color="black" if row.restricted else "0.4",
            annotation_clip=False,
        )
    ax.set_yticks(range(len(table)))
    ax.set_yticklabels(list(table["parameter"]))
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
    fig, ax = _figure_or(ax, height=3.4)
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
