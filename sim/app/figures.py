"""The app's figures: one run's metrics as they grow, and the partner network as it forms.

Pure functions of a step table (or the model's DataCollector frame, one row per step from
step 0) and of the partner network, drawn on Matplotlib ``Figure`` objects without pyplot, as in
:mod:`sim.outputs.plotting`, whose colours, fonts and unit conventions they share: money in M EUR,
Okabe-Ito colours for series and for sectors, Paul Tol's palette for sources of capital.

* :data:`CHARTS` and :func:`plot_series`: pilots by state, public spend and capital by source,
  money in hand (revolving fund and unspent budget), mean trust; the x axis spans the whole
  horizon so a run fills it from the left.
* :func:`network_tables`, :class:`NetworkLayout` and :func:`plot_network`: the organisations
  that have completed a pilot together, coloured by sector and sized by how many partners they
  have, linked by lines as wide and dark as the pair's mutual trust; the layout is warm-started
  from the previous one so that the drawing grows rather than jumps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.model.network import PartnerNetwork
from sim.outputs.plotting import CAPITAL_SOURCES
from sim.outputs.style import (
    FONT_SIZE,
    OKABE_ITO,
    SOURCE_COLOURS,
    display_unit,
    legend_columns,
    no_data,
    scenario_colours,
    style_axes,
)
from sim.runs.compare import check_columns, units
from sim.scenario.fields import SECTORS

SECTOR_COLOURS: dict[str, str] = scenario_colours(SECTORS)
"""One Okabe-Ito colour per sector, in :data:`sim.scenario.fields.SECTORS` order."""

SECTOR_LABELS: dict[str, str] = {name: name.replace("_", " ") for name in SECTORS}

WIDTH = 5.0
"""Width of every app figure (inches): half the main area of a 1600-pixel-wide window."""
AXES_HEIGHT = 1.9
"""Height of a chart's axes (inches); the legend below adds to the figure's height."""
MARGINS = {"left": 0.7, "right": 0.2, "top": 0.35, "xlabel": 0.5, "legend_row": 0.2}
"""Fixed margins around a chart's axes (inches): a fixed layout draws faster than
Matplotlib's constrained layout, which matters when the page redraws every step."""
NETWORK_HEIGHT = 4.2
"""Height of the network drawing (inches)."""


@dataclass(frozen=True)
class Chart:
    """A chart of some step-table columns over time.

    Attributes:
        title: The chart's title.
        series: Label by column; all columns share one unit (:data:`sim.model.metrics.METRICS`).
        colours: Colours in series order.
        hide_zero: Leave out series that are zero throughout (sources a scenario does not use).
        limits: Fixed y limits, e.g. (0, 1) for shares.
    """

    title: str
    series: Mapping[str, str]
    colours: Sequence[str] = OKABE_ITO
    hide_zero: bool = False
    limits: tuple[float, float] | None = field(default=None)


CHARTS: dict[str, Chart] = {
    "pilots": Chart(
        "Pilots by state",
        {
            "pilots_active": "running now",
            "pilots_succeeded": "succeeded (cumulative)",
            "pilots_failed": "failed (cumulative)",
            "pilots_scaled": "scaled (cumulative)",
        },
    ),
    "capital": Chart(
        "Public spend and capital by source (cumulative)",
        CAPITAL_SOURCES,
        SOURCE_COLOURS,
        hide_zero=True,
    ),
    "money": Chart(
        "Money in hand now",
        {"fund_balance": "revolving fund balance", "budget_balance": "unspent city budget"},
    ),
    "trust": Chart(
        "Mean trust",
        {
            "trust_org_mean": "organisations in their partners",
            "citizen_trust_mean": "citizens in their city",
        },
        limits=(0.0, 1.0),
    ),
}
"""The app's live charts by name."""


def _steps(table: pd.DataFrame) -> np.ndarray:
    """Return the step of each row: the ``step`` column, else the row position."""
    if "step" in table.columns:
        return table["step"].to_numpy(dtype=float)
    return np.arange(len(table), dtype=float)


def plot_series(
    steps: pd.DataFrame,
    chart: Chart,
    *,
    steps_per_year: int,
    horizon: int,
    band: Sequence[pd.DataFrame] = (),
    ax: Axes | None = None,
) -> Figure:
    """Draw a chart's columns against years, over the whole horizon, marking the latest values.

    Args:
        steps: One row per step from step 0 (a step table or a DataCollector frame).
        chart: What to draw.
        steps_per_year: Steps per year of the scenario.
        horizon: The run's last step (the x axis ends there).
        band: Step tables of other runs of the same settings (other seeds): each series gets
            a shaded band from the lowest to the highest of them and the run, step by step.
        ax: Axes to draw into (default: a new figure).

    Returns:
        The figure.

    Raises:
        ValueError: A column is not in the table, or the columns' units differ.
    """
    columns = list(chart.series)
    check_columns(steps, columns)
    unit = set(units(columns).values())
    if len(unit) != 1:
        raise ValueError(f"{chart.title}: columns of one chart need one unit; got {sorted(unit)}")
    scale, shown = display_unit(unit.pop())
    colours = dict(zip(columns, chart.colours, strict=False))
    values = {column: steps[column].to_numpy(dtype=float) / scale for column in columns}
    if chart.hide_zero:
        values = {c: v for c, v in values.items() if np.nan_to_num(v).any()}
    labels = [chart.series[column] for column in values]
    columns_of_legend = legend_columns(labels, WIDTH)
    own = ax is None
    if own:
        fig, ax = _chart_figure(rows=-(-len(labels) // columns_of_legend))
    else:
        fig = ax.figure
    years = _steps(steps) / steps_per_year
    for column, series in values.items():
        if band:
            runs = np.vstack([series, *(_aligned(b[column], len(series)) / scale for b in band)])
            low, high = np.nanmin(runs, axis=0), np.nanmax(runs, axis=0)
            ax.fill_between(years, low, high, color=colours[column], alpha=0.18, linewidth=0)
        ax.plot(years, series, color=colours[column], lw=1.6, label=chart.series[column])
        ax.plot(years[-1:], series[-1:], "o", color=colours[column], markersize=4)
    drawn = len(values)
    if not drawn:
        no_data(ax)
    ax.set_xlim(0, horizon / steps_per_year)
    if chart.limits is not None:
        ax.set_ylim(*chart.limits)
    else:
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    style_axes(ax, title=chart.title)
    ax.set_xlabel("year")
    ax.set_ylabel(shown or "value")
    if drawn and own:
        fig.legend(loc="lower center", ncols=columns_of_legend, fontsize=FONT_SIZE, frameon=False)
    elif drawn:
        ax.legend(fontsize=FONT_SIZE, frameon=False)
    return fig


def _aligned(column: pd.Series, length: int) -> np.ndarray:
    """Return a column's first ``length`` values as floats, NaN where it is shorter."""
    values = column.to_numpy(dtype=float)[:length]
    return np.pad(values, (0, length - len(values)), constant_values=np.nan)


def _figure(height: float) -> Figure:
    """Return an empty app-wide figure on an Agg canvas (no pyplot, no automatic layout)."""
    fig = Figure(figsize=(WIDTH, height))
    FigureCanvasAgg(fig)
    return fig


def _chart_figure(rows: int) -> tuple[Figure, Axes]:
    """Return a chart figure with room for ``rows`` legend rows below the axes."""
    m = MARGINS
    bottom = m["xlabel"] + m["legend_row"] * rows
    height = AXES_HEIGHT + m["top"] + bottom
    fig = _figure(height)
    ax = fig.add_axes(
        (
            m["left"] / WIDTH,
            bottom / height,
            1 - (m["left"] + m["right"]) / WIDTH,
            AXES_HEIGHT / height,
        )
    )
    return fig, ax


# ------------------------------------------------------------------------------ the network


def network_tables(
    network: PartnerNetwork, sectors: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the organisations that have partnered and the pairs that have worked together.

    Args:
        network: The partner network.
        sectors: Sector code of every organisation (index into :data:`SECTORS`).

    Returns:
        ``(nodes, edges)``: nodes with columns id, sector (name), partners (degree);
        edges with columns source, target, pilots (completed together), trust (the mean of
        each one's trust in the other, in [0, 1]).
    """
    graph = network.graph
    partnered = [node for node, degree in graph.degree() if degree > 0]
    nodes = pd.DataFrame(
        {
            "id": partnered,
            "sector": [SECTORS[int(sectors[node])] for node in partnered],
            "partners": [graph.degree(node) for node in partnered],
        },
        columns=["id", "sector", "partners"],
    )
    rows = [
        {
            "source": a,
            "target": b,
            "pilots": data["pilots"],
            "trust": (network.trust(a, b) + network.trust(b, a)) / 2,
        }
        for a, b, data in graph.edges(data=True)
    ]
    edges = pd.DataFrame(rows, columns=["source", "target", "pilots", "trust"])
    return nodes, edges


@dataclass
class NetworkLayout:
    """Node positions that persist from one drawing to the next.

    Each update places new nodes beside a partner already placed (or at random when none is)
    and relaxes the spring layout from the previous positions; the result is turned to fit the
    previous drawing (:func:`align`), and nodes drawn before move only part of the way to their
    relaxed place, so the drawing settles over several updates instead of jumping. An
    unchanged network keeps its positions.

    Attributes:
        seed: Seed of the layout's own random numbers (not the model's).
        iterations: Spring-layout iterations per update.
        easing: Share of the way to its relaxed place a node drawn before moves per update.
        positions: Position of every node placed so far.
        links: The links of the last layout.
    """

    seed: int = 0
    iterations: int = 20
    easing: float = 0.3
    positions: dict[int, np.ndarray] = field(default_factory=dict)
    links: frozenset[frozenset[int]] = frozenset()

    def update(self, nodes: pd.DataFrame, edges: pd.DataFrame) -> dict[int, np.ndarray]:
        """Return positions for ``nodes`` (from :func:`network_tables`), keeping earlier ones.

        Args:
            nodes: The nodes to place (column id).
            edges: Their links (columns source, target, pilots).

        Returns:
            A position (x, y) for every node (in the units of a spring layout, about [-1, 1]).
        """
        graph = nx.Graph()
        graph.add_nodes_from(nodes["id"].tolist())
        graph.add_weighted_edges_from(
            edges[["source", "target", "pilots"]].itertuples(index=False, name=None)
        )
        if graph.number_of_nodes() == 0:
            return {}
        links = frozenset(frozenset(edge) for edge in graph.edges)
        if links == self.links and set(graph.nodes) <= self.positions.keys():
            return {node: self.positions[node] for node in graph.nodes}
        self.links = links
        rng = np.random.default_rng([self.seed, len(self.positions)])
        start = {}
        for node in graph.nodes:
            if node in self.positions:
                start[node] = self.positions[node]
                continue
            placed = [n for n in graph.neighbors(node) if n in self.positions]
            centre = self.positions[placed[0]] if placed else rng.uniform(-1, 1, 2)
            start[node] = centre + rng.normal(0.0, 0.05, 2)
        k = 2.0 / np.sqrt(graph.number_of_nodes())
        layout = nx.spring_layout(
            graph,
            pos=start,
            k=k,
            iterations=self.iterations,
            seed=self.seed,
            weight=None,
            method="force",
        )
        kept = {node: self.positions[node] for node in layout if node in self.positions}
        layout = align(layout, kept)
        for node, old in kept.items():
            layout[node] = old + self.easing * (layout[node] - old)
        self.positions.update(layout)
        return {node: self.positions[node] for node in graph.nodes}


def align(
    positions: Mapping[int, np.ndarray], previous: Mapping[int, np.ndarray]
) -> dict[int, np.ndarray]:
    """Rotate (or reflect) and shift ``positions`` to lie closest to the ``previous`` ones.

    A spring layout is the same drawing in any rotation, so a relaxed layout may come back
    turned; this least-squares fit over the nodes both have (orthogonal Procrustes, via the
    SVD) undoes that, leaving only the real movement.

    Args:
        positions: New position of every node.
        previous: Earlier positions of some of them (fewer than two: nothing to fit).

    Returns:
        Every node's position, moved as a whole.
    """
    common = list(previous)
    if len(common) < 2:
        return {node: np.asarray(xy, dtype=float) for node, xy in positions.items()}
    new = np.array([positions[node] for node in common], dtype=float)
    old = np.array([previous[node] for node in common], dtype=float)
    new_mean, old_mean = new.mean(axis=0), old.mean(axis=0)
    u, _, vt = np.linalg.svd((new - new_mean).T @ (old - old_mean))
    rotation = u @ vt
    return {
        node: (np.asarray(xy, dtype=float) - new_mean) @ rotation + old_mean
        for node, xy in positions.items()
    }


def plot_network(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    positions: Mapping[int, np.ndarray],
    *,
    organisations: int,
    ax: Axes | None = None,
) -> Figure:
    """Draw the partner network: sector colours, size by partners, line width by trust.

    Args:
        nodes: Nodes from :func:`network_tables`.
        edges: Edges from :func:`network_tables`.
        positions: A position for every node (:class:`NetworkLayout`).
        organisations: How many organisations there are in all (for the title).
        ax: Axes to draw into (default: a new square figure).

    Returns:
        The figure.
    """
    if ax is None:
        fig = _figure(NETWORK_HEIGHT)
        ax = fig.add_axes((0.0, 0.0, 0.74, 0.86))
    else:
        fig = ax.figure
    title = (
        f"Partner network: {len(nodes)} of {organisations} organisations\n"
        "have completed a pilot together"
    )
    style_axes(ax, title=title)
    ax.grid(False)
    ax.set_axis_off()
    if nodes.empty:
        ax.text(
            0.5,
            0.5,
            "no pilot completed yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
            fontsize=FONT_SIZE + 1,
        )
        return fig
    graph = nx.Graph()
    graph.add_nodes_from(nodes["id"].tolist())
    pairs = list(edges[["source", "target"]].itertuples(index=False, name=None))
    graph.add_edges_from(pairs)
    trust = edges["trust"].to_numpy(dtype=float)
    nx.draw_networkx_edges(
        graph,
        positions,
        edgelist=pairs,
        width=(0.4 + 3.0 * trust).tolist(),
        alpha=(0.15 + 0.7 * trust).tolist(),
        edge_color="0.25",
        ax=ax,
    )
    nx.draw_networkx_nodes(
        graph,
        positions,
        nodelist=nodes["id"].tolist(),
        node_color=[SECTOR_COLOURS[s] for s in nodes["sector"]],
        node_size=(18 + 10 * nodes["partners"].clip(upper=30)).tolist(),
        edgecolors="white",
        linewidths=0.6,
        ax=ax,
    )
    ax.legend(
        handles=_network_legend(sorted(set(nodes["sector"]), key=SECTORS.index)),
        fontsize=FONT_SIZE,
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set_aspect("equal")
    return fig


def _network_legend(sectors: Sequence[str]) -> list[Line2D]:
    """Return legend handles: one dot per sector drawn, then line widths for trust levels."""
    dots = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7,
            color=SECTOR_COLOURS[name],
            label=SECTOR_LABELS[name],
        )
        for name in sectors
    ]
    lines = [
        Line2D([], [], color="0.25", lw=0.4 + 3.0 * t, alpha=0.15 + 0.7 * t, label=f"trust {t:.1f}")
        for t in (0.2, 0.5, 0.8)
    ]
    return [*dots, *lines]
