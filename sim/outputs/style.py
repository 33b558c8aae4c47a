"""The house style of every figure: palettes, sizes, units, axes and saving.

Figures are built on Matplotlib's Agg canvas without pyplot, so nothing is shown and no global
figure list grows; they are sized for an A4 page with fonts of at least 8 pt. Every scenario
keeps one colour from :func:`scenario_colours` in every figure (Okabe-Ito, safe for colour-blind
readers). The comparison's figures (:mod:`sim.outputs.plotting`), the analyses' figures
(:mod:`sim.outputs.analysis_figures`) and the app's live charts (:mod:`sim.app.figures`) share
these helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def new_figure(width: float, height: float) -> Figure:
    """Return an empty figure on an Agg canvas with constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


Canvas = Callable[[float, float], FigureBase]
"""Gives the figure or subfigure to draw on, from a figure's natural width and height (in)."""


def draw_area(width: float, height: float, canvas: Canvas | None) -> FigureBase:
    """Return ``canvas(width, height)``, or a new figure of that size when ``canvas`` is None."""
    return new_figure(width, height) if canvas is None else canvas(width, height)


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


def panel_grid(
    n: int, ncols: int, row_height: float, canvas: Canvas | None = None
) -> tuple[FigureBase, list[Axes]]:
    """Return a new (sub)figure with ``n`` panels in rows of ``ncols``, unused cells removed."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = draw_area(PAGE_WIDTH, row_height * nrows + 0.5, canvas)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    cells = list(grid.flat)
    for ax in cells[n:]:
        ax.remove()
    return fig, cells[:n]


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


def figure_or_axes(
    ax: Axes | None, *, height: float, canvas: Canvas | None = None
) -> tuple[FigureBase, Axes]:
    """Return the caller's axes and their figure, or a new page-wide (sub)figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = draw_area(PAGE_WIDTH, height, canvas)
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
    fig.savefig(paths[0], dpi=200)
    fig.savefig(paths[1])
    return paths
