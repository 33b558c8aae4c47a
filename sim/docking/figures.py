"""Figures of a docking: trajectories, phase portraits, the inspection orbit and distance by N.

Drawn on ``Figure`` objects (never pyplot) from a :class:`sim.docking.audit.Docking`. Heavy
libraries are imported inside the functions that draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sim.docking.audit import Docking, game_centre, inspection_h_of, tuple_text
from sim.runs.outdir import safe_name

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _colours(sizes: Sequence[int]) -> dict[int, Any]:
    """One distinct colour per size, smallest N first (orange, blue, green, ...)."""
    palette = ("tab:orange", "tab:blue", "tab:green", "tab:purple", "tab:brown", "tab:pink")
    return {n: palette[i % len(palette)] for i, n in enumerate(sorted(sizes))}


CYCLE_SHOWN = 10.0
"""Equation time the trajectory figure shows for a cycling game (about four turns)."""


def shown_time(docking: Docking, *, settle: float = 2e-3) -> float:
    """Return the time span worth plotting in the trajectory figure.

    For games that converge, plots stop at 1.5 times the moment the equations come within
    ``settle`` (max norm) of their final state, so the transient is not squeezed to the left;
    for cycling games they show :data:`CYCLE_SHOWN` (or the horizon if shorter).
    """
    import numpy as np

    t, states = docking.reference.t, docking.reference.states
    if docking.scenario.kind == "inspection":
        return float(min(t[-1], CYCLE_SHOWN))
    keep = t <= docking.window + 1e-12
    gap = np.max(np.abs(states[keep] - states[keep][-1]), axis=1)
    unsettled = np.flatnonzero(gap > settle)
    settled_at = t[unsettled[-1] + 1] if unsettled.size else t[0]
    return float(min(t[keep][-1], max(1.5 * settled_at, t[1])))


def plot_trajectories(docking: Docking) -> Figure:
    """Plot each population's share over time, agents against equations, and their difference.

    Top row, one panel per population: the equations (black, dashed) and the first seed's
    agent path for each N (colour). Bottom row: agents minus equations, which shrinks as N
    grows.
    """
    from matplotlib.figure import Figure

    game = docking.game
    fig = Figure(figsize=(4.3 * game.size, 5.8), layout="constrained")
    axes = fig.subplots(2, game.size, sharex=True, height_ratios=(1.6, 1), squeeze=False)
    colours = _colours(list(docking.paths))
    until = shown_time(docking) + 1e-12
    ref = docking.reference
    for k in range(game.size):
        top, bottom = axes[0, k], axes[1, k]
        for n, path in sorted(docking.paths.items()):
            keep = path.t <= until
            label = f"agents, N={n:,}"
            top.plot(path.t[keep], path.states[keep, k], color=colours[n], lw=1.1, label=label)
            gap = path.states[keep, k] - ref.states[: keep.sum(), k]
            bottom.plot(path.t[keep], gap, color=colours[n], lw=0.9)
        keep = ref.t <= until
        top.plot(
            ref.t[keep], ref.states[keep, k], color="black", lw=1.5, ls="--", label="equations"
        )
        bottom.axhline(0.0, color="black", lw=1.0, ls="--")
        if docking.window < until:
            bottom.axvspan(0.0, docking.window, color="0.85", zorder=0, label="distance window")
        top.set_title(f"{game.populations[k]}: share playing C")
        bottom.set_xlabel("equation time")
        top.grid(alpha=0.3)
        bottom.grid(alpha=0.3)
    axes[0, 0].set_ylabel("share of C")
    axes[1, 0].set_ylabel("agents − equations")
    # One legend below the panels, so that it never hides a curve.
    handles, labels = axes[0, -1].get_legend_handles_labels()
    window = axes[1, -1].get_legend_handles_labels()
    fig.legend(
        handles + window[0],
        labels + window[1],
        loc="outside lower center",
        ncol=len(labels) + len(window[1]),
        fontsize=8,
    )
    fig.suptitle(
        f"{docking.name}: agents (first seed) against the replicator equations "
        f"(one step = {docking.mean_field.time_step:.2e} equation time)"
    )
    return fig


def plot_phase(docking: Docking) -> Figure:
    """Plot the three-population phase space: equations from every grid start, and the agents.

    Grey: the equations from each start on the grid; black: from the scenario's start; colour:
    the first seed's agent path for the largest N; a star marks each evolutionarily stable
    corner.
    """
    from matplotlib.figure import Figure

    from sim.docking.games import stable_corners

    game = docking.game
    if game.size != 3:
        raise ValueError("plot_phase draws three-population games; use plot_orbit for two")
    fig = Figure(figsize=(6.4, 5.6), layout="constrained")
    ax = fig.add_subplot(projection="3d")
    for start, path in docking.grid_paths.items():
        ax.plot(*path.states.T, color="0.6", lw=0.7)
        ax.scatter(*start, color="0.4", s=6)
    ax.plot(*docking.equations.states.T, color="black", lw=1.8, label="equations from start")
    largest = max(docking.paths)
    ax.plot(
        *docking.paths[largest].states.T,
        color=_colours(list(docking.paths))[largest],
        lw=1.2,
        ls="--",
        label=f"agents, N={largest:,}",
    )
    for corner in stable_corners(game):
        ax.scatter(*corner.state, marker="*", s=220, color="crimson", label=f"ESS {corner.label}")
    ax.set_xlabel(f"x ({game.populations[0]})")
    ax.set_ylabel(f"y ({game.populations[1]})")
    ax.set_zlabel(f"z ({game.populations[2]})")
    ax.set(xlim=(0, 1), ylim=(0, 1), zlim=(0, 1))
    ax.view_init(elev=22, azim=-60)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{docking.name}: trajectories from the grid {{0.1, 0.5, 0.9}}³")
    return fig


def plot_orbit(docking: Docking) -> Figure:
    """Plot the inspection game: the orbit in the (x, y) plane, and H over time.

    Left: the equations' closed orbit (black), the agents' paths (first seed of the two largest
    sizes) cycling around it, the centre (cross) and the agents' time-averaged shares (dots).
    Right: H along each path (the equations keep it constant).
    """
    import numpy as np
    from matplotlib.figure import Figure

    game = docking.game
    centre = game_centre(docking.scenario)
    if centre is None:
        raise ValueError("plot_orbit draws the inspection game")
    fig = Figure(figsize=(11.5, 5.4), layout="constrained")
    orbit_ax, h_ax = fig.subplots(1, 2, width_ratios=(1, 1.25))
    colours = _colours(list(docking.paths))
    shown = sorted(docking.paths)[-2:]
    for n in shown:
        path = docking.paths[n]
        interior = np.all((path.states > 0) & (path.states < 1), axis=1)
        end = len(interior) if interior.all() else int(np.argmin(interior))
        states = path.states[:end]
        orbit_ax.plot(*states.T, color=colours[n], lw=0.6, alpha=0.8, label=f"agents, N={n:,}")
        h_ax.plot(path.t[:end], inspection_h_of(game, states), color=colours[n], lw=0.8)
    orbit_ax.plot(*docking.equations.states.T, color="black", lw=1.6, label="equations")
    orbit_ax.plot(*centre, "+", color="crimson", ms=22, mew=1.5, label="centre (1 - C/A, G/F)")
    for n in shown:
        mean = docking.runs.loc[docking.runs["n"] == n, [f"mean_{p}" for p in game.populations]]
        orbit_ax.plot(*mean.mean().to_numpy(), "o", color=colours[n], mec="black", ms=6)
    orbit_ax.plot([], [], "o", color="0.6", mec="black", label="agents' time average (seeds)")
    orbit_ax.set(xlabel="x (share of diligent firms)", ylabel="y (share of inspecting city)")
    orbit_ax.set_title(f"{docking.name}: orbits around the centre {tuple_text(centre, digits=4)}")
    orbit_ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=8, markerscale=0.6
    )
    orbit_ax.grid(alpha=0.3)
    mf = docking.mean_field
    h_ax.plot(mf.t, inspection_h_of(game, mf.states), color="0.35", lw=1.4, ls=":")
    h_ax.plot(docking.equations.t, inspection_h_of(game, docking.equations.states), color="black")
    h_ax.legend(
        [*(f"agents, N={n:,}" for n in shown), "mean field (N → ∞)", "equations"],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncol=4,
        fontsize=8,
    )
    h_ax.set(xlabel="equation time", ylabel="H = (A-C) ln x + C ln(1-x) + G ln y + (F-G) ln(1-y)")
    h_ax.set_title("conserved quantity H along each path")
    h_ax.grid(alpha=0.3)
    return fig


def distance_frame(dockings: Sequence[Docking]) -> pd.DataFrame:
    """Return the distance between agents and equations per scenario and size.

    Args:
        dockings: Docking runs, in the order the table and :func:`plot_distance` show them.

    Returns:
        One row per scenario and size ``n``: ``runs`` (seeds), the mean ``max_distance`` and
        ``rms_distance`` over the seeds, and ``ratio``, the mean max distance over that of the
        scenario's next smaller size (NaN for the smallest; about 0.32 per tenfold N when
        sampling noise dominates).
    """
    import pandas as pd

    frames = []
    for docking in dockings:
        groups = docking.runs.groupby("n", sort=True)
        means = groups[["max_distance", "rms_distance"]].mean().reset_index()
        means.insert(1, "runs", groups.size().to_numpy())
        means.insert(0, "scenario", docking.name)
        means["ratio"] = means["max_distance"] / means["max_distance"].shift()
        frames.append(means)
    return pd.concat(frames, ignore_index=True)


def plot_distance(data: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Plot mean max distance (solid) and RMS distance (dotted) against N, log-log.

    Args:
        data: From :func:`distance_frame`.
        ax: Axes to draw on; a new figure when None.

    Returns:
        The figure drawn on.
    """
    import numpy as np
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(6.4, 4.6), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()
    for i, (name, group) in enumerate(data.groupby("scenario", sort=False)):
        colour = f"C{i}"
        ax.loglog(group["n"], group["max_distance"], "o-", color=colour, label=f"{name}: max")
        ax.loglog(group["n"], group["rms_distance"], "s:", color=colour, label=f"{name}: RMS")
    sizes = np.array(sorted(data["n"].unique()), dtype=float)
    anchor = data[data["n"] == sizes[0]]["max_distance"].max()
    ax.loglog(sizes, anchor * np.sqrt(sizes[0] / sizes), color="0.4", lw=1, ls="--")
    ax.text(sizes[-1], anchor * math.sqrt(sizes[0] / sizes[-1]), "  ∝ 1/√N", va="center")
    ax.set_xlabel("agents per population N")
    ax.set_ylabel("distance, agents vs equations")
    ax.set_title("agents approach the equations as N grows (mean over seeds)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    ax.set_xlim(sizes[0] / 1.6, sizes[-1] * 3.5)
    return fig


def figures(docking: Docking) -> dict[str, Figure]:
    """Return the figures of one docking run by file stem (its name made safe for a path)."""
    stem = safe_name(docking.name)
    out = {f"docking_{stem}_trajectories": plot_trajectories(docking)}
    if docking.game.size == 3:
        out[f"docking_{stem}_phase"] = plot_phase(docking)
    if docking.scenario.inspection is not None:
        out[f"docking_{stem}_orbit"] = plot_orbit(docking)
    return out
