"""The house style of every figure: palettes, sizes, units, axes and saving.

Figures are built on Matplotlib's Agg canvas without pyplot, so nothing is shown and no global
figure list grows; they are sized for an A4 page with fonts of at least 8 pt. Every scenario
keeps one colour from :func:`scenario_colours` in every figure (Okabe-Ito, safe for colour-blind
readers). The comparison's figures (:mod:`sim.outputs.plotting`), the analyses' figures
(:mod:`sim.outputs.analysis_figures`) and the app's live charts (:mod:`sim.app.figures`) share
these helpers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, FigureBase

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


PAGE_WIDTH = 7.0
"""Figure width in inches: an A4 page (8.27 in) less margins, so fonts keep their size."""


FONT_SIZE = 8.5
"""Font size in points for ticks, labels and legends; titles are one point larger."""


MILLION = 1e6

LINE_STYLES: tuple[tuple[str, str], ...] = (
    ("-", "o"),
    ("--", "s"),
    (":", "^"),
    ("-.", "D"),
    ((0, (5, 1, 1, 1, 1, 1)), "v"),
    ((0, (1, 3)), "P"),
)
"""Line style and marker of each scenario in turn, so that lines that overlap (two scenarios
at zero) stay apart by more than their colour, also in grey print."""


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


def display_unit(unit: str, *, share: bool = False) -> tuple[float, str]:
    """Return the divisor and the plain words to show a unit: money in millions of EUR.

    Args:
        unit: A unit from :data:`sim.model.metrics.METRICS` or the scenario schema, e.g. "EUR",
            "EUR/pilot", "EUR/EUR", "1".
        share: Whether the value is a share in [0, 1] (unit "1" is then called a share).

    Returns:
        ``(scale, words)``: divide values by ``scale`` and name the unit with ``words``, e.g.
        ``(1e6, "M EUR per pilot")``; words are "" for a plain number (unit "1", not a share).
    """
    money, _, per = unit.partition("/")
    if money == "EUR" and per != "EUR":
        return MILLION, f"M EUR per {per}" if per else "M EUR"
    if unit == "EUR/EUR":
        return 1.0, "EUR per EUR"
    if unit == "1":
        return 1.0, "share" if share else ""
    return 1.0, unit.replace("/", " per ")


def metric_label(metric: str) -> str:
    """Return a metric's plain-language label from the registry (else its name in words)."""
    from sim.model.metrics import METRICS

    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def metric_unit(metric: str, unit: str | None = None) -> tuple[float, str]:
    """Return the divisor and unit words of a metric (:func:`display_unit` from the registry).

    Args:
        metric: The metric's name.
        unit: Its unit when the registry lacks it (e.g. from a table's ``unit`` column).
    """
    from sim.model.metrics import METRICS

    known = METRICS.get(metric)
    if known is None:
        return display_unit(unit or "")
    return display_unit(known.unit, share=known.share)


def metric_title(metric: str, width: int = 24) -> str:
    """Return a panel title for a metric: its plain-language label, wrapped."""
    import textwrap

    return textwrap.fill(metric_label(metric), width=width)


def axis_label(metric: str, unit: str | None = None) -> str:
    """Return an axis label naming a metric in words and its unit: "Public spend (M EUR)"."""
    _, words = metric_unit(metric, unit)
    return f"{metric_label(metric)} ({words})" if words else metric_label(metric)


def parameter_unit(key: str) -> str:
    """Return a sweep parameter's unit from the scenario schema ("" for a key it does not know).

    Args:
        key: Dot path, list items by index (``cities.0.annual_budget``: "EUR/year").
    """
    from sim.scenario.diff import describe

    path = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in key.split(".")).lstrip(".")
    return describe(path)[1]


def parameter_scale(key: str) -> float:
    """Return what to divide a parameter's values by to read them in :func:`parameter_label`'s unit.

    ``cities.0.annual_budget`` is labelled in M EUR per year, so its values are divided by 1e6.
    """
    unit = parameter_unit(key)
    return display_unit(unit)[0] if unit else 1.0


def parameter_label(key: str) -> str:
    """Return a sweep parameter's key path in words, with its unit from the scenario schema.

    ``cities.0.annual_budget`` becomes "annual budget, city 1 (M EUR per year)",
    ``finance.blended.max_first_loss`` "max first loss (blended)" and
    ``time.election_interval`` "election interval (time, steps)"; a key the schema does not
    know (a reference model's input) keeps its words.

    Args:
        key: Dot path, list items by index (``cities.0.annual_budget``).
    """
    parts = key.split(".")
    words = parts[-1].replace("_", " ")
    unit = parameter_unit(key)
    notes = [display_unit(unit)[1]] if unit else []
    if len(parts) > 1 and parts[-2].isdigit():
        words += f", {'city' if parts[-3] == 'cities' else parts[-3]} {int(parts[-2]) + 1}"
    elif len(parts) > 1:
        notes.insert(0, parts[-2].replace("_", " "))
    notes = [note for note in notes if note]
    return f"{words} ({', '.join(notes)})" if notes else words


def new_figure(width: float, height: float) -> Figure:
    """Return an empty figure on an Agg canvas with constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_width(fig: FigureBase) -> float:
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


def panel_grid(n: int, ncols: int, row_height: float) -> tuple[Figure, list[Axes]]:
    """Return a new page-wide figure with ``n`` panels in rows of ``ncols``, the rest removed."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = new_figure(PAGE_WIDTH, row_height * nrows + 0.5)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    cells = list(grid.flat)
    for ax in cells[n:]:
        ax.remove()
    return fig, cells[:n]


def line_styles(names: Sequence[str]) -> dict[str, dict[str, object]]:
    """Return Matplotlib line keywords per scenario: line style, marker, width and drawing order.

    Earlier scenarios are drawn wider and below later ones, so a line exactly on top of
    another (both at zero) still shows both: the wide one under the narrow one.

    Args:
        names: Scenario names in the comparison's order.
    """
    unique = list(dict.fromkeys(names))
    return {
        name: {
            "linestyle": LINE_STYLES[i % len(LINE_STYLES)][0],
            "marker": LINE_STYLES[i % len(LINE_STYLES)][1],
            "linewidth": 1.2 + 1.2 * (len(unique) - 1 - i) / max(len(unique) - 1, 1),
            "zorder": 2 + i,
        }
        for i, name in enumerate(unique)
    }


def from_zero(
    ax: Axes,
    values: Sequence[float] | np.ndarray,
    *,
    axis: str = "y",
    drawn: Sequence[float] | np.ndarray = (),
) -> None:
    """Start a quantity's axis at zero when none of its values is negative.

    The axis starts a hair below zero (2 % of the range), so that a line or a point at zero is
    drawn whole rather than half hidden by the axis line.

    Args:
        ax: The axes.
        values: The values that say whether the quantity can be negative (NaN ignored).
        axis: "x" or "y".
        drawn: Further values drawn on that axis (an interval's ends), which the axis must
            reach but which do not decide where it starts.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not len(finite) or finite.min() < 0:
        return
    reach = np.r_[finite, np.asarray(drawn, dtype=float)]
    top = max(float(np.nanmax(reach)), 1e-12)
    limits = (-0.02 * top, top * 1.05)
    ax.set_xlim(*limits) if axis == "x" else ax.set_ylim(*limits)


def colours_for(names: Sequence[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    """Return the colour of every scenario: given ones, defaults for any the mapping lacks."""
    default = scenario_colours(names)
    if colours is None:
        return default
    return {name: colours.get(name, default[name]) for name in names}


def legend_columns(labels: Sequence[str], width: float = PAGE_WIDTH) -> int:
    """Return how many legend columns fit across ``width`` inches for these labels."""
    char = 0.6 * FONT_SIZE / 72  # an average character, in inches
    entry = max((len(label) for label in labels), default=1) * char + 0.55  # plus the handle
    return max(1, min(len(labels), int(width / entry)))


def own_axes(axes: Sequence[Axes] | Axes | None, n: int) -> list[Axes] | None:
    """Return caller-supplied axes as a list, checking there is one per panel."""
    if axes is None:
        return None
    axes = [axes] if isinstance(axes, Axes) else list(np.ravel(axes))
    if len(axes) != n:
        raise ValueError(f"need {n} axes, one per panel; got {len(axes)}")
    return axes


def no_data(ax: Axes) -> None:
    """Mark a panel that has nothing to draw."""
    ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="0.5")


def figure_or_axes(ax: Axes | None, *, height: float) -> tuple[FigureBase, Axes]:
    """Return the caller's axes and their figure, or a new page-wide figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = new_figure(PAGE_WIDTH, height)
    return fig, fig.add_subplot()


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
    fig.savefig(paths[0], dpi=200, bbox_inches="tight", pad_inches=0.05)
    fig.savefig(paths[1], bbox_inches="tight", pad_inches=0.05)
    return paths
