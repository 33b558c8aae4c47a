"""The standard figures of a comparison, as pure functions of result tables.

Each figure has a data-preparation function returning a tidy DataFrame (checked with numbers by
the tests) and a plot function that draws it and returns a :class:`matplotlib.figure.Figure`:

============================  =================================================================
preparation                   figure
============================  =================================================================
:func:`timeseries_bands`      :func:`plot_timeseries`
:func:`end_intervals`         :func:`plot_end_metrics`
:func:`capital_by_source`     :func:`plot_capital_by_source`
:func:`funnel`                :func:`plot_funnel`
:func:`yearly_increments`     :func:`plot_timeseries` (flows per year of cumulative metrics)
============================  =================================================================

A plot function takes either the step table (and prepares it itself) or the preparation's output.
The house style (palettes, sizes, units) is :mod:`sim.outputs.style`. The module is longer than
most because each of the four figures keeps its data preparation beside it: what is drawn and how
it is computed are read together. A requested metric missing
from the table raises a ValueError naming it; a metric that is NaN throughout for one scenario is
drawn as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, FigureBase

from sim.outputs.style import (
    FONT_SIZE,
    MILLION,
    SOURCE_COLOURS,
    colours_for,
    figure_or_axes,
    figure_width,
    from_zero,
    legend_columns,
    line_styles,
    metric_title,
    metric_unit,
    own_axes,
    panel_grid,
    scenario_colours,
    style_axes,
)
from sim.runs.compare import (
    check_columns,
    end_of_horizon,
    scenario_order,
    summary,
    units,
)

TIMESERIES_METRICS: tuple[str, ...] = (
    "pilots_agreed",
    "pilots_succeeded",
    "net_public_cost",
    "public_spend",
    "fund_balance",
    "trust_org_mean",
)
"""Metrics drawn over time by default."""

END_METRICS: tuple[str, ...] = (
    "pilots_succeeded",
    "pilots_scaled",
    "public_cost_per_success",
    "net_public_cost",
    "public_spend",
    "public_failure_cost",
    "investor_failure_cost",
    "leverage",
    "recycling_multiple",
    "survival_rate",
    "savings_to_treasury",
    "investor_multiple",
)
"""Metrics drawn at the end of the horizon by default."""

CAPITAL_SOURCES: dict[str, str] = {
    "public_spend": "Public cash (net, incl. fund capitalisation)",
    "private_capital": "Firms",
    "partner_capital": "Academia and civil society",
    "concessional_capital": "Concessional (first-loss cover, fund match)",
    "commercial_capital": "Commercial senior loans",
    "impact_capital": "Outcome investors",
}
"""Cumulative-EUR columns of the step table by the label of their source of capital. Each euro
is counted once, where it comes from: a fund's capitalisation and match are sources, its loans
(lent out of them) a use, so they are not here."""

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


BAND = (0.025, 0.975)
"""Quantiles of the band drawn around the mean across replicates."""


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


def yearly_increments(
    steps: pd.DataFrame,
    metrics: Sequence[str],
    *,
    steps_per_year: int | Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Return how much each cumulative metric grew in each year of each run.

    Counts such as ``pilots_agreed`` or money such as ``appropriated`` accumulate from step 0;
    their totals hide when in the horizon things happen. This turns them into flows per year,
    a step table again (one row per run and year end, ``step`` the step that ends the year), so
    that :func:`timeseries_bands` and :func:`plot_timeseries` draw them as they draw any metric.

    Args:
        steps: Step table with ``scenario``, ``replicate`` and ``step`` columns.
        metrics: Cumulative metric columns.
        steps_per_year: Steps per year, one number or one per scenario (see
            :func:`timeseries_bands`).

    Returns:
        Columns ``scenario``, ``replicate``, ``step`` and the metrics: the growth of each over
        the year ending at ``step`` (whole years only).

    Raises:
        ValueError: A metric is not in the table.
    """
    metrics = list(metrics)
    check_columns(steps, metrics)
    frames = []
    for name in scenario_order(steps):
        runs = steps[steps["scenario"] == name]
        per_year = int(_steps_per_year(runs, name, steps_per_year))
        ends = runs[runs["step"] % per_year == 0].sort_values(["replicate", "step"])
        grown = ends.groupby("replicate", sort=False)[metrics].diff()
        frame = ends[["scenario", "replicate", "step"]].join(grown)
        frames.append(frame[frame["step"] > 0])
    columns = ["scenario", "replicate", "step", *metrics]
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


def _legend_handles(names: Sequence[str], colours: Mapping[str, str], *, band: str | None) -> list:
    """Return legend handles: one line per scenario in its colour and style, then the band."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    styles = line_styles(names)
    lines = [
        Line2D([], [], color=colours[name], label=name, **{**styles[name], "linewidth": 1.6})
        for name in names
    ]
    shade = [Patch(color="0.5", alpha=0.3, linewidth=0, label=band)] if band else []
    return [*lines, *shade]


def _drawable(table: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    """Return the metrics of a prepared table that have a value for some scenario."""
    return [
        metric
        for metric in metrics
        if np.isfinite(table.loc[table["metric"] == metric, "mean"].to_numpy(dtype=float)).any()
    ]


def plot_timeseries(
    data: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    steps_per_year: int | Mapping[str, int] | None = None,
    axes: Sequence[Axes] | None = None,
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """Draw each metric over time: the mean across replicates and its 2.5-97.5 % band.

    Panels are titled with the metric's plain-language label and unit (the registry's); a
    metric without a value in any scenario gets no panel (on given ``axes``, an empty one).
    Each scenario has its colour and its own line style and marker, earlier scenarios wider
    and below, so overlapping lines (two at zero) stay apart. Quantities that are never
    negative have their axis start at zero.

    Args:
        data: The step table, or the output of :func:`timeseries_bands`.
        metrics: Metrics to draw, one panel each (default: :data:`TIMESERIES_METRICS` for a
            step table, every metric of a prepared table).
        steps_per_year: For a step table: steps per year (see :func:`timeseries_bands`).
        axes: Axes to draw into, one per metric (default: a new figure).
        colours: Colour by scenario (default: :func:`scenario_colours` in data order).

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
    colours = colours_for(names, colours)
    styles = line_styles(names)
    given = own_axes(axes, len(metrics))
    if given is None:
        metrics = _drawable(bands, metrics)
        fig, panels = panel_grid(max(len(metrics), 1), ncols=3, row_height=2.1)
    else:
        fig, panels = given[0].figure, given
    for ax, metric in zip(panels, metrics, strict=False):
        rows = bands[bands["metric"] == metric]
        unit = str(rows["unit"].iloc[0]) if len(rows) else ""
        scale, words = metric_unit(metric, unit)
        drawn: list[np.ndarray] = []
        for name in names:
            line = rows[rows["scenario"] == name]
            mean = line["mean"].to_numpy(dtype=float)
            if not np.isfinite(mean).any():
                continue  # absent for this scenario (e.g. no fund, no recycling)
            x = line["year"].to_numpy(dtype=float)
            lower = line["lower"].to_numpy(dtype=float) / scale
            upper = line["upper"].to_numpy(dtype=float) / scale
            style = styles[name]
            ax.fill_between(x, lower, upper, color=colours[name], alpha=0.15, linewidth=0)
            ax.plot(
                x,
                mean / scale,
                color=colours[name],
                markevery=max(1, len(x) // 8),
                markersize=3.5,
                **style,
            )
            drawn += [lower, upper, mean / scale]
        style_axes(ax, title=metric_title(metric, 30))
        ax.set_xlabel("year")
        ax.set_ylabel(words)
        if drawn:
            from_zero(ax, np.concatenate(drawn))
    _legend(fig, panels, names, colours, own=given is None, band="2.5-97.5 % of replicates")
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


def _legend(
    fig: FigureBase,
    panels: Sequence[Axes],
    names: Sequence[str],
    colours: Mapping,
    *,
    own: bool,
    band: str | None = None,
) -> None:
    """Put one scenario legend outside the panels (in the caller's first axes if theirs)."""
    handles = _legend_handles(names, colours, band=band)
    if own:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=legend_columns([h.get_label() for h in handles], figure_width(fig)),
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
) -> Figure:
    """Draw each metric at the end of the horizon: per scenario, a point and its intervals.

    One small panel per metric, since their units differ, titled with its label and unit. The
    dot is the mean across replicates and the thick line its 95 % interval (for a share, the
    bootstrap interval, inside [0, 1]); for money, a thin line beside it spans the 5th to
    95th percentile across runs: what one city might live through. A metric without a value
    in any scenario gets no panel (on given ``axes``, an empty one); a scenario without a
    value has no point. A quantity whose runs are never negative starts at zero, and the
    Student-t interval of a small count that reaches below zero is cut there.

    Args:
        data: The output of :func:`end_intervals` (or :func:`sim.runs.compare.summary`), or a step
            table, summarised here at the 95 % level.
        metrics: Metrics to draw (default: :data:`END_METRICS` for a step table, every metric
            of a summary).
        axes: Axes to draw into, one per metric (default: a new figure).
        colours: Colour by scenario (default: :func:`scenario_colours` in data order).

    Returns:
        The figure.

    Raises:
        ValueError: A metric is not in the data, or ``axes`` does not match the metrics.
    """
    table, metrics = _prepared(data, "metric", metrics, END_METRICS, end_intervals)
    names = scenario_order(table)
    colours = colours_for(names, colours)
    given = own_axes(axes, len(metrics))
    if given is None:
        metrics = _drawable(table, metrics)
        row_height = max(1.5, 0.8 + 0.25 * len(names))
        fig, panels = panel_grid(max(len(metrics), 1), ncols=4, row_height=row_height)
    else:
        fig, panels = given[0].figure, given
    positions = {name: i for i, name in enumerate(names)}
    spread = False
    for k, (ax, metric) in enumerate(zip(panels, metrics, strict=False)):
        rows = table[table["metric"] == metric].set_index("scenario")
        unit = str(rows["unit"].iloc[0]) if len(rows) else ""
        scale, words = metric_unit(metric, unit)
        money = scale == MILLION
        runs: list[float] = []  # means and single runs' percentiles: can the quantity be < 0?
        ends: list[float] = []  # the intervals' ends, which the axis must reach
        for name in names:
            if name not in rows.index or not np.isfinite(rows.loc[name, "mean"]):
                continue
            row = rows.loc[name]
            y = positions[name]
            if money and {"p5", "p95"} <= set(row.index) and np.isfinite(row["p5"]):
                ax.plot(
                    [row["p5"] / scale, row["p95"] / scale],
                    [y + 0.22, y + 0.22],
                    color=colours[name],
                    lw=0.9,
                    alpha=0.7,
                    solid_capstyle="butt",
                    marker="|",
                    markersize=5,
                )
                runs += [row["p5"] / scale, row["p95"] / scale]
                spread = True
            if np.isfinite(row["lower"]) and np.isfinite(row["upper"]):
                ends += [row["lower"] / scale, row["upper"] / scale]
                ax.plot(
                    [row["lower"] / scale, row["upper"] / scale],
                    [y, y],
                    color=colours[name],
                    lw=2.2,
                )
            ax.plot([row["mean"] / scale], [y], "o", color=colours[name], markersize=4.5)
            runs.append(row["mean"] / scale)
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
        ax.set_xlabel(words)
        from_zero(ax, runs, axis="x", drawn=ends)
    if given is None:
        level = table["level"].iloc[0] if "level" in table.columns and len(table) else 0.95
        extra = "\nthin line under money: 5th to 95th percentile of single runs" if spread else ""
        fig.suptitle(
            f"End of horizon: mean (dot) and {level:.0%} interval of the mean (thick line){extra}",
            fontsize=FONT_SIZE + 1,
        )
    return fig.figure


def plot_capital_by_source(
    data: pd.DataFrame,
    *,
    sources: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    colours: Mapping[str, str] | None = None,
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

    Returns:
        The figure.

    Raises:
        ValueError: A source column is not in the data.
    """
    table, _ = _prepared(data, "source", sources, CAPITAL_SOURCES, capital_by_source)
    names = scenario_order(table)
    colours = colours_for(names, colours)
    labels = dict(zip(table["source"], table["label"], strict=False))
    own = ax is None
    fig, ax = figure_or_axes(ax, height=2.2 + 0.4 * len(names))
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
        columns = legend_columns(list(labels.values()), figure_width(fig))
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
) -> Figure:
    """Draw the pilot funnel: mean cumulative count at each stage, bars grouped by stage.

    Args:
        data: The output of :func:`funnel`, or a step table.
        stages: Stage columns by label (default: :data:`FUNNEL_STAGES` for a step table,
            every stage of a prepared table).
        ax: Axes to draw into (default: a new figure).
        colours: Colour by scenario (default: :func:`scenario_colours` in data order).

    Returns:
        The figure.

    Raises:
        ValueError: A stage column is not in the data.
    """
    table, _ = _prepared(data, "stage", stages, FUNNEL_STAGES, funnel)
    names = scenario_order(table)
    colours = colours_for(names, colours)
    labels = dict(zip(table["stage"], table["label"], strict=False))
    own = ax is None
    fig, ax = figure_or_axes(ax, height=3.2)
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
        columns = legend_columns(names, figure_width(fig))
        fig.legend(loc="outside lower center", ncols=columns, **legend)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **legend)
    return fig.figure


LEFT_OUT_REASONS: dict[str, str] = {
    "missing": "not in the step table",
    "empty": "zero or undefined in every run",
    "fixed": "fixed by construction (the same value in every replicate)",
}
"""Why :func:`standard_figures` leaves a metric out, by key of its ``left_out`` mapping."""


def standard_figures(
    steps: pd.DataFrame,
    *,
    order: Sequence[str] | None = None,
    steps_per_year: int | Mapping[str, int] | None = None,
) -> tuple[dict[str, Callable[[], Figure]], dict[str, list[str]]]:
    """Prepare the standard figures of a comparison, ready to draw, and name what they leave out.

    The command line, the report and the notebooks all draw a comparison with this. A metric
    of the default lists (:data:`TIMESERIES_METRICS`, :data:`END_METRICS`,
    :data:`CAPITAL_SOURCES`, :data:`FUNNEL_STAGES`) is left out of the figures, and named, when
    the step table lacks it (rather than failing a comparison after it has run), when it is
    zero or undefined in every run (nothing to show), or when it takes the same value in every
    replicate (fixed by its inputs, :func:`sim.runs.fixed.metric_kinds`: not a finding).
    With two scenarios or more, the differences from the first (the reference) are drawn too,
    paired by replicate (:func:`sim.outputs.differences.plot_differences`).

    Args:
        steps: Step table of the comparison.
        order: Scenario order, which also fixes the colours (default: order of appearance);
            the first is the reference.
        steps_per_year: Steps per year, one number or one per scenario (see
            :func:`timeseries_bands`).

    Returns:
        ``(figures, left_out)``: by name (``timeseries``, ``end_metrics``, ``differences``
        with two scenarios or more, ``capital_by_source``, ``funnel``), a function that
        draws the figure from data prepared here; and the metrics left out by reason (the
        keys of :data:`LEFT_OUT_REASONS`), in list order.
    """
    from sim.outputs.differences import plot_differences
    from sim.runs.contrast import paired_differences
    from sim.runs.fixed import metric_kinds

    order = scenario_order(steps, order)
    colours = scenario_colours(order)
    wanted = list(dict.fromkeys([*TIMESERIES_METRICS, *END_METRICS]))
    missing = [
        name
        for name in dict.fromkeys([*wanted, *CAPITAL_SOURCES, *FUNNEL_STAGES])
        if name not in steps.columns
    ]
    kinds = metric_kinds(steps, [name for name in wanted if name not in missing])
    over_time = {name: "empty" if not _ever_nonzero(steps[name]) else kinds[name] for name in kinds}
    left_out = {
        "missing": missing,
        "empty": [name for name in wanted if over_time.get(name) == "empty"],
        "fixed": [name for name in wanted if kinds.get(name) == "fixed"],
    }
    series = [name for name in TIMESERIES_METRICS if over_time.get(name) == "varies"]
    ends = [name for name in END_METRICS if kinds.get(name) == "varies"]
    sources = {key: label for key, label in CAPITAL_SOURCES.items() if key not in missing}
    stages = {key: label for key, label in FUNNEL_STAGES.items() if key not in missing}
    bands = timeseries_bands(steps, series, steps_per_year=steps_per_year, order=order)
    figures: dict[str, Callable[[], Figure]] = {
        "timeseries": partial(plot_timeseries, bands, colours=colours),
        "end_metrics": partial(
            plot_end_metrics, end_intervals(steps, ends, order=order), colours=colours
        ),
    }
    if len(order) > 1:
        differences = paired_differences(steps, ends, base=order[0], order=order)
        figures["differences"] = partial(plot_differences, differences, colours=colours)
    figures["capital_by_source"] = partial(
        plot_capital_by_source, capital_by_source(steps, sources, order=order), colours=colours
    )
    figures["funnel"] = partial(plot_funnel, funnel(steps, stages, order=order), colours=colours)
    return figures, left_out


def _ever_nonzero(column: pd.Series) -> bool:
    """Tell whether a step-table column has a finite value other than zero at some step."""
    values = column.to_numpy(dtype=float)
    return bool(np.any(np.isfinite(values) & (values != 0)))
