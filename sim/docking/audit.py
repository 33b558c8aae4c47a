"""Validation by docking: the agent model against the replicator equations it must follow.

For a docking scenario (:mod:`sim.docking.schema`) this module runs both descriptions of the same
game and compares them:

* the equations (:mod:`sim.docking.games`): the corner rest points with their eigenvalues, the
  stable point reached from the scenario's start and from every start on the grid
  {0.1, 0.5, 0.9}^n, and (inspection game) the drift of the conserved H;
* the agents (:mod:`sim.docking.agent_model`): for each size N, several seeds; the corner their
  shares reach, and the distance between their shares and the equations' trajectory (Euclidean
  norm over populations at every step, its maximum and root mean square over time), with the
  mean-field map (N -> infinity) as the floor left by the time step. One agent step is
  ``revision_rate / max|advantage|`` units of equation time
  (:class:`sim.docking.agent_model.GameModel`); the comparison uses that rescaling.

Results are tables (pandas) and figures (matplotlib, drawn on ``Figure`` objects, never pyplot).
Entry points:

* ``partnersim dock SCENARIO [--out DIR] [--sizes N ...] [--seeds K]`` (:mod:`sim.cli.dock`);
* ``python -m sim.docking.audit docs``: regenerates ``docs/validation.md`` and ``docs/figures/``.

Heavy libraries (numpy, scipy, pandas, matplotlib, Mesa) are imported inside the functions that
use them, so that the command line can register this subcommand without slowing ``--help``.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.docking.agent_model import AgentPath
    from sim.docking.games import MatrixGame, Trajectory
    from sim.docking.schema import DockingScenario

from sim.runs.text import markdown_table

logger = logging.getLogger(__name__)

DOCS_COMMAND = "python -m sim.docking.audit docs"
"""The command that regenerates ``docs/validation.md`` and its figures."""

SHIPPED: tuple[str, ...] = ("baseline", "strong_policy", "inspection")
"""The docking scenarios in ``scenarios/docking/``, in the order the docs show them."""

GRID: tuple[float, ...] = (0.1, 0.5, 0.9)
"""Start values per population of the grid of starts for the equations."""

EQUATIONS_TOL = 1e-3
"""Max-norm distance within which the equations count as having reached a corner."""
AGENTS_TOL = 0.02
"""Max-norm distance within which the agents' shares count as having reached a corner."""

_SAMPLES = 1201
"""Samples of the equations' trajectory kept for tables and figures."""


# ------------------------------------------------------------------------------ results


@dataclass(eq=False)
class Docking:
    """Everything one docking run produced.

    Attributes:
        scenario: The docking scenario.
        game: Its game.
        corners: One row per corner rest point: eigenvalues per population and kind.
        equations: The equations' trajectory from the scenario's start over the horizon.
        grid: One row per grid start (three-population games): final state, corner reached.
        grid_paths: The equations' trajectory from each grid start (empty for cycling games).
        runs: One row per agent run (size, seed): distances, final shares, corner reached,
            and for the inspection game turns, mean shares and change of H.
        summary: One row per size, means over seeds, plus the mean-field floor.
        checks: The published answers against the computed ones, one row each.
        paths: The first seed's agent path for each size (for figures).
        mean_field: The mean-field path (N -> infinity).
        reference: The equations sampled at the agents' step times.
    """

    scenario: DockingScenario
    game: MatrixGame
    corners: pd.DataFrame
    equations: Trajectory
    grid: pd.DataFrame | None
    grid_paths: dict[tuple[float, ...], Trajectory]
    runs: pd.DataFrame
    summary: pd.DataFrame
    checks: pd.DataFrame
    paths: dict[int, AgentPath]
    mean_field: AgentPath
    reference: Trajectory

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    @property
    def window(self) -> float:
        """Equation time over which paths are compared point by point."""
        return self.scenario.window or self.scenario.horizon


# ------------------------------------------------------------------------------ equations


def corner_table(game: MatrixGame) -> pd.DataFrame:
    """Return the corner rest points with their eigenvalues and kind (ESS, saddle, source)."""
    import pandas as pd

    from sim.docking.games import corners

    rows = []
    for corner in corners(game):
        row: dict[str, Any] = {"corner": corner.label, "state": _tuple_text(corner.state)}
        for name, value in zip(game.populations, corner.eigenvalues, strict=True):
            row[f"eig_{name}"] = value
        row["kind"] = corner.kind
        rows.append(row)
    return pd.DataFrame(rows)


def grid_paths(game: MatrixGame, horizon: float) -> dict[tuple[float, ...], Trajectory]:
    """Integrate the equations from every start on :data:`GRID` (400 samples each)."""
    import itertools

    import numpy as np

    from sim.docking.games import integrate

    times = np.linspace(0.0, horizon, 400)
    return {
        start: integrate(game, horizon, start=start, t_eval=times)
        for start in itertools.product(GRID, repeat=game.size)
    }


def grid_table(paths: dict[tuple[float, ...], Trajectory]) -> pd.DataFrame:
    """Name the corner the equations reach from each start on the grid.

    Args:
        paths: From :func:`grid_paths`.

    Returns:
        One row per start: the start, the final state, its max-norm distance from the nearest
        corner, and that corner's label, or ``"none"`` when it is farther than
        :data:`EQUATIONS_TOL`.
    """
    import numpy as np
    import pandas as pd

    from sim.docking.games import nearest_corner

    rows = []
    for start, path in paths.items():
        final = path.final
        corner = nearest_corner(final, tol=EQUATIONS_TOL)
        rows.append(
            {
                "start": _tuple_text(start),
                "final": _tuple_text(final, digits=4),
                "distance": float(np.max(np.abs(final - np.rint(final)))),
                "reached": _label(corner),
            }
        )
    return pd.DataFrame(rows)


def _label(corner: tuple[int, ...] | None) -> str:
    """Return the C/D letters of a corner (``"DDD"`` for (0, 0, 0)), or ``"none"``."""
    return "none" if corner is None else "".join("C" if v else "D" for v in corner)


def _tuple_text(values: Sequence[float], *, digits: int = 3) -> str:
    """Format numbers as ``(0.1, 0.5, 0.9)``, dropping trailing zeros (and the sign of -0)."""

    def number(value: float) -> str:
        text = f"{float(value):.{digits}f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text

    return "(" + ", ".join(number(v) for v in values) + ")"


# ------------------------------------------------------------------------------ comparison


def distances(agents: np.ndarray, equations: np.ndarray) -> np.ndarray:
    """Return the Euclidean distance between two paths of shares at each common time.

    Args:
        agents: Shares, shape ``(steps, populations)``.
        equations: Shares at the same times, same shape.

    Returns:
        One distance per time.
    """
    import numpy as np

    return np.linalg.norm(np.asarray(agents) - np.asarray(equations), axis=1)


def path_metrics(
    path: AgentPath, reference: np.ndarray, *, window: float, game: MatrixGame
) -> dict[str, Any]:
    """Measure one agent path against the equations sampled at the same times.

    Args:
        path: The agents' shares at every step.
        reference: The equations' shares at ``path.t``.
        window: Equation time over which distances are taken.
        game: The game (its population names label the final shares).

    Returns:
        ``max_distance`` and ``rms_distance`` over the window, the final shares, and the corner
        reached (within :data:`AGENTS_TOL`).
    """
    import numpy as np

    from sim.docking.games import nearest_corner

    inside = path.t <= window + 1e-12
    gaps = distances(path.states[inside], reference[inside])
    row: dict[str, Any] = {
        "max_distance": float(gaps.max()),
        "rms_distance": float(np.sqrt(np.mean(gaps**2))),
    }
    for name, value in zip(game.populations, path.states[-1], strict=True):
        row[f"final_{name}"] = float(value)
    row["reached"] = _label(nearest_corner(path.states[-1], tol=AGENTS_TOL))
    return row


def cycle_metrics(path: AgentPath, game: MatrixGame, centre: Sequence[float]) -> dict[str, Any]:
    """Measure how a two-population path cycles around ``centre`` (inspection game).

    The path counts until a share first reaches 0 or 1 (then the population has lost one
    strategy for good and the cycle ends). Time averages run over whole turns only (from the
    start to the last time the path completes a turn), as the replicator equations' time
    average over a full period is exactly the centre.

    Args:
        path: The agents' (or mean field's) shares.
        game: The game (its payoffs give H through :func:`inspection_h_of`).
        centre: The centre of the orbits.

    Returns:
        ``turns`` (turns around the centre, unsigned), ``mean_<population>`` (shares averaged
        over the whole turns made; over the path if it made none), ``absorbed_at`` (equation
        time a share first hit 0 or 1, NaN if never) and ``h_change`` (H at the end minus H at
        the start).
    """
    import numpy as np

    from sim.docking.games import unwrapped_angle

    interior = np.all((path.states > 0) & (path.states < 1), axis=1)
    end = len(interior) if interior.all() else int(np.argmin(interior))
    states = path.states[:end]
    h = inspection_h_of(game, states)
    swept = np.abs(unwrapped_angle(states, centre) - unwrapped_angle(states[:1], centre)[0])
    whole = np.flatnonzero(swept >= 2 * np.pi * np.floor(swept[-1] / (2 * np.pi)))
    averaged = states[: whole[0] + 1] if swept[-1] >= 2 * np.pi else states
    row: dict[str, Any] = {"turns": float(swept[-1] / (2 * np.pi))}
    for name, value in zip(game.populations, averaged.mean(axis=0), strict=True):
        row[f"mean_{name}"] = float(value)
    row["absorbed_at"] = float(path.t[end]) if end < len(path.t) else math.nan
    row["h_change"] = float(h[-1] - h[0])
    return row


def inspection_h_of(game: MatrixGame, states: np.ndarray) -> np.ndarray:
    """Return H along interior ``states`` of an inspection game given as a payoff tensor.

    F, G, L and C are read back from the payoffs (see
    :func:`sim.docking.games.inspection_payoff_table`).
    """
    from sim.docking.games import InspectionParams, inspection_h

    firm, city = game.payoffs
    params = InspectionParams(
        F=float(firm[1, 1] - firm[1, 0]),
        G=float(firm[1, 1]),
        L=float(-city[1, 1]),
        C=float(-city[0, 0]),
    )
    return inspection_h(params, states[:, 0], states[:, 1])


def dock(
    scenario: DockingScenario,
    *,
    sizes: Sequence[int] | None = None,
    seeds: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Docking:
    """Run the equations and the agents of a docking scenario and compare them.

    Args:
        scenario: The docking scenario.
        sizes: Agents per population to compare; the scenario's ``sizes`` when None.
        seeds: Agent runs per size; the scenario's ``seeds`` when None. Run ``i`` of every size
            uses seed ``scenario.seed + i``.
        progress: Called with a short line after each agent run (e.g. ``print``), or None.

    Returns:
        The tables, paths and checks.
    """
    import numpy as np
    import pandas as pd

    from sim.docking.agent_model import mean_field_path, run_agents
    from sim.docking.games import integrate

    game = scenario.game()
    sizes = list(scenario.sizes if sizes is None else sizes)
    seeds = scenario.seeds if seeds is None else seeds
    horizon, rate = scenario.horizon, scenario.revision_rate
    equations = integrate(game, horizon, t_eval=np.linspace(0.0, horizon, _SAMPLES))
    mean_field = mean_field_path(game, horizon=horizon, revision_rate=rate, seed=scenario.seed)
    reference = integrate(game, float(mean_field.t[-1]), t_eval=mean_field.t)
    window = scenario.window or horizon
    is_cycle = scenario.kind == "inspection"
    centre = game_centre(scenario)

    rows = []
    paths: dict[int, AgentPath] = {}
    for n in sizes:
        for i in range(seeds):
            seed = scenario.seed + i
            began = time.perf_counter()
            path = run_agents(game, n, horizon=horizon, revision_rate=rate, seed=seed)
            seconds = time.perf_counter() - began
            row: dict[str, Any] = {"n": n, "seed": seed, "steps": len(path.t) - 1}
            row |= path_metrics(path, reference.states, window=window, game=game)
            if is_cycle:
                row |= cycle_metrics(path, game, centre)
            row["seconds"] = seconds
            rows.append(row)
            paths.setdefault(n, path)
            if progress is not None:
                progress(
                    f"{scenario.name}: N={n:,} seed {seed}: max distance "
                    f"{row['max_distance']:.4f} ({seconds:.2f} s)"
                )
    runs = pd.DataFrame(rows)
    floor = path_metrics(mean_field, reference.states, window=window, game=game)
    if is_cycle:
        floor |= cycle_metrics(mean_field, game, centre)
    summary = summarise(runs, floor, cycle=is_cycle)
    corners = corner_table(game)
    grid_runs = {} if is_cycle else grid_paths(game, horizon)
    grid = None if is_cycle else grid_table(grid_runs)
    docking = Docking(
        scenario=scenario,
        game=game,
        corners=corners,
        equations=equations,
        grid=grid,
        grid_paths=grid_runs,
        runs=runs,
        summary=summary,
        checks=pd.DataFrame(),
        paths=paths,
        mean_field=mean_field,
        reference=reference,
    )
    docking.checks = check_table(docking)
    return docking


def game_centre(scenario: DockingScenario) -> tuple[float, ...] | None:
    """Return the inspection game's centre, or None for a game without one."""
    if scenario.inspection is None:
        return None
    return scenario.inspection.params().centre


def summarise(runs: pd.DataFrame, floor: dict[str, Any], *, cycle: bool) -> pd.DataFrame:
    """Average the agent runs per size and add the mean-field floor as the last row.

    Args:
        runs: One row per run, as in :attr:`Docking.runs`.
        floor: The mean-field path's metrics (same keys as a run's).
        cycle: Whether the game cycles (adds turns, mean shares, H change and absorptions).

    Returns:
        One row per size (``n``; the floor has ``n`` = ``"mean field"``) with ``runs``, the mean
        and standard deviation of ``max_distance``, the mean ``rms_distance``, ``ratio`` (mean
        max distance over that of the previous size), and either ``reached`` (the corner most
        runs reached, with how many) or the cycle columns.
    """
    import pandas as pd

    rows = []
    previous = None
    for n, group in runs.groupby("n", sort=True):
        row: dict[str, Any] = {
            "n": f"{int(n):,}",
            "runs": len(group),
            "max_distance": group["max_distance"].mean(),
            "max_distance_sd": group["max_distance"].std(ddof=1) if len(group) > 1 else math.nan,
            "rms_distance": group["rms_distance"].mean(),
            "ratio": math.nan if previous is None else group["max_distance"].mean() / previous,
        }
        previous = row["max_distance"]
        if cycle:
            row |= _cycle_summary(group)
        else:
            counts = group["reached"].value_counts()
            row["reached"] = f"{counts.index[0]} ({counts.iloc[0]}/{len(group)})"
        row["seconds"] = group["seconds"].mean()
        rows.append(row)
    last: dict[str, Any] = {
        "n": "mean field",
        "runs": 1,
        "max_distance": floor["max_distance"],
        "max_distance_sd": math.nan,
        "rms_distance": floor["rms_distance"],
        "ratio": math.nan,
    }
    if cycle:
        last |= _cycle_summary(pd.DataFrame([floor]))
    else:
        last["reached"] = f"{floor['reached']} (1/1)"
    last["seconds"] = math.nan
    rows.append(last)
    return pd.DataFrame(rows)


def _cycle_summary(group: pd.DataFrame) -> dict[str, Any]:
    """Means of the cycle columns of a group of runs, and how many runs were absorbed."""
    means = {
        column: group[column].mean()
        for column in group.columns
        if column.startswith("mean_") or column in {"turns", "h_change"}
    }
    means["absorbed"] = f"{int(group['absorbed_at'].notna().sum())}/{len(group)}"
    return means


def check_table(docking: Docking) -> pd.DataFrame:
    """Compare the published answers of the scenario with the computed ones.

    Returns:
        One row per check: ``check``, ``published``, ``computed`` and ``ok``.
    """
    import numpy as np
    import pandas as pd

    from sim.docking.games import inspection_h, stable_corners

    scenario, published = docking.scenario, docking.scenario.published
    rows: list[dict[str, Any]] = []

    def add(check: str, expected: str, computed: str, ok: bool) -> None:
        rows.append({"check": check, "published": expected, "computed": computed, "ok": ok})

    stable = stable_corners(docking.game)
    reached_eq = _label(_nearest(docking.equations.final))
    if published.stable_point is not None:
        target = tuple(round(v) for v in published.stable_point)
        found = [c for c in stable if c.state == target]
        add(
            "evolutionarily stable corner(s) of the equations",
            _tuple_text(target),
            ", ".join(_tuple_text(c.state) for c in stable) or "none",
            len(found) == 1,
        )
        add(
            "equations from the scenario's start reach",
            _label(target),
            reached_eq,
            reached_eq == _label(target),
        )
        if published.eigenvalues is not None and found:
            got = np.array(found[0].eigenvalues)
            diff = float(np.max(np.abs(got - np.array(published.eigenvalues))))
            add(
                "eigenvalues at the stable point (max abs difference)",
                _tuple_text(published.eigenvalues, digits=4),
                f"{_tuple_text(got, digits=6)} ({diff:.1e})",
                diff < 1e-6,
            )
        if docking.grid is not None:
            hits = int((docking.grid["reached"] == _label(target)).sum())
            add(
                f"grid starts {{{', '.join(f'{g:g}' for g in GRID)}}}^{docking.game.size} "
                "reaching it",
                f"{len(docking.grid)}/{len(docking.grid)}",
                f"{hits}/{len(docking.grid)}",
                hits == len(docking.grid),
            )
        for n, group in docking.runs.groupby("n", sort=True):
            hits = int((group["reached"] == _label(target)).sum())
            add(
                f"agent runs with N = {int(n):,} reaching it",
                f"{len(group)}/{len(group)}",
                f"{hits}/{len(group)}",
                hits == len(group),
            )
    if published.centre is not None and scenario.inspection is not None:
        p = scenario.inspection.params()
        centre = p.centre
        add(
            "centre (1 - C/A, G/F)",
            _tuple_text(published.centre, digits=4),
            _tuple_text(centre, digits=4),
            bool(np.allclose(centre, published.centre, atol=1e-12)),
        )
        h = inspection_h(p, *docking.equations.states.T)
        drift = float(np.max(np.abs(h - h[0])))
        add(
            f"drift of H along the equations over [0, {scenario.horizon:g}]",
            "0",
            f"{drift:.1e}",
            drift < 1e-6,
        )
        largest = max(docking.runs["n"])
        group = docking.runs[docking.runs["n"] == largest]
        means = group[[f"mean_{name}" for name in docking.game.populations]].mean().to_numpy()
        gap = float(np.max(np.abs(means - np.array(centre))))
        add(
            f"time-averaged agent shares, N = {largest:,} (max abs gap to the centre)",
            _tuple_text(centre, digits=4),
            f"{_tuple_text(means, digits=4)} ({gap:.2g})",
            gap < 0.01,
        )
        add(
            f"full turns around the centre, N = {largest:,}, t in [0, {scenario.horizon:g}]",
            "> 0 (cycles)",
            f"{group['turns'].mean():.1f}",
            bool((group["turns"] >= 1).all()),
        )
    return pd.DataFrame(rows)


def _nearest(state: np.ndarray) -> tuple[int, ...] | None:
    from sim.docking.games import nearest_corner

    return nearest_corner(state, tol=EQUATIONS_TOL)


# ------------------------------------------------------------------------------ figures


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
    orbit_ax.set_title(f"{docking.name}: orbits around the centre {_tuple_text(centre, digits=4)}")
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
    """Return the figures of one docking run by file stem."""
    out = {f"docking_{docking.name}_trajectories": plot_trajectories(docking)}
    if docking.game.size == 3:
        out[f"docking_{docking.name}_phase"] = plot_phase(docking)
    if docking.scenario.inspection is not None:
        out[f"docking_{docking.name}_orbit"] = plot_orbit(docking)
    return out


# ------------------------------------------------------------------------------ writing


def write(docking: Docking, out: Path) -> list[Path]:
    """Write the tables (CSV) and figures (PNG) of a docking run into ``out``.

    Returns:
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {
        "corners": docking.corners,
        "runs": docking.runs,
        "summary": docking.summary,
        "checks": docking.checks,
    }
    if docking.grid is not None:
        tables["grid"] = docking.grid
    for stem, table in tables.items():
        path = out / f"{stem}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    for stem, fig in figures(docking).items():
        path = out / f"{stem}.png"
        fig.savefig(path, dpi=130)
        written.append(path)
    return written


def report_text(docking: Docking) -> str:
    """Return the tables of a docking run as Markdown text for the terminal or the docs."""
    summary = docking.summary.drop(columns=["seconds"])
    parts = [
        f"### Checks\n\n{markdown_table(docking.checks)}",
        "### Corner rest points (eigenvalues of the Jacobian)\n\n"
        + markdown_table(docking.corners),
        "### Agents against equations, by N (mean over "
        f"{int(docking.runs.groupby('n').size().max())} seeds; distances over "
        f"t in [0, {docking.window:g}])\n\n{markdown_table(summary)}",
    ]
    return "\n\n".join(parts)


# ------------------------------------------------------------------------------ docs


def build_docs(out: Path = Path("docs"), *, scenarios: Path | None = None) -> Path:
    """Run the shipped docking scenarios and write ``validation.md`` with its figures.

    Args:
        out: The docs folder; figures go into ``out / "figures"``.
        scenarios: Folder of the docking scenarios; ``scenarios/docking`` next to the package
            when None.

    Returns:
        The Markdown file written.
    """
    from sim.docking.schema import load_docking

    folder = scenarios or Path(__file__).resolve().parents[2] / "scenarios" / "docking"
    figures_dir = out / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    dockings = []
    for name in SHIPPED:
        docking = dock(load_docking(folder / f"{name}.yaml"), progress=logger.info)
        for stem, fig in figures(docking).items():
            fig.savefig(figures_dir / f"{stem}.png", dpi=110)
        dockings.append(docking)
    plot_distance(distance_frame(dockings)).savefig(figures_dir / "docking_distance.png", dpi=110)
    page = out / "validation.md"
    page.write_text(render_docs(dockings), encoding="utf-8")
    return page


def render_docs(dockings: Sequence[Docking]) -> str:
    """Return the text of ``docs/validation.md`` for the given docking runs."""
    by_name = {d.name: d for d in dockings}
    lines = [
        "# Validation by docking",
        "",
        f"<!-- Generated by `{DOCS_COMMAND}`; do not edit by hand. -->",
        "",
        "An agent model earns trust when a simplified mode of it reproduces a result someone else",
        "derived. Here the agent model of `sim/docking/agent_model.py` (N agents per population,",
        "each revising its strategy by pairwise proportional imitation) is docked to the",
        "replicator equations of the same payoff table (`sim/docking/games.py`), for two games:",
        "",
        "* the three-population game of enterprises, the public and the government of Wang, Jia,",
        "  He, Wang and Huang (2023), *Engaging stakeholders in collaborative control of air",
        "  pollution: a tripartite evolutionary game of enterprises, public and government*,",
        "  Journal of Cleaner Production 418, 138074, doi:10.1016/j.jclepro.2023.138074, with",
        "  the payoff table of the authors' script and their two parameter sets",
        "  (`scenarios/docking/baseline.yaml`, `scenarios/docking/strong_policy.yaml`);",
        "* the inspection game (firm diligent or shirking, city inspecting or not), whose orbits",
        "  cycle around a centre and conserve H (`scenarios/docking/inspection.yaml`).",
        "",
        "## How the two descriptions are compared",
        "",
        "* **Equations.** `ds_k/dt = s_k (1 - s_k) delta_k(s)`, where `delta_k` is population k's",
        "  expected payoff of C minus that of D against the others' mixed state, integrated with",
        "  `scipy.integrate.solve_ivp` (DOP853, rtol 1e-10, atol 1e-12). At a corner the",
        "  Jacobian is diagonal with entries `(1 - 2 s_k) delta_k`; a corner is evolutionarily",
        "  stable (ESS) when all are negative.",
        "* **Agents.** Each step every agent gets a revision opportunity with probability r",
        "  (`revision_rate`); the populations revise in turn, in a random order, against the",
        "  others' current shares. A reviser meets a random agent of its own population and, if",
        "  that agent's strategy earns more, switches to it with probability (payoff difference)",
        "  / M, where M = max |delta| over all populations and states. The expected change of a",
        "  share per step is then r x(1-x) delta / M, so **one step is r / M units of equation",
        "  time**; agents at step k are compared with the equations at t = k r / M.",
        "* **Distance.** At every step, the Euclidean norm of the difference between the agents'",
        "  shares and the equations' (over populations); its maximum and root mean square over",
        "  the comparison window, averaged over seeds. The *mean field* row is the agents'",
        "  expected map with infinitely many agents: what remains of the distance when sampling",
        "  noise vanishes (the discretisation error of the time step, of order r / M).",
        "",
        "Sampling noise shrinks like 1/√N, so each tenfold increase of N should cut the distance",
        "by about √10 ≈ 3.2 (ratio ≈ 0.32) until it meets the mean-field floor.",
        "",
        "![distance against N](figures/docking_distance.png)",
        "",
        "The same numbers (distances over each scenario's comparison window, means over seeds):",
        "",
        markdown_table(distance_frame(dockings).assign(n=lambda f: f["n"].map("{:,}".format))),
        "",
    ]
    titles = {
        "baseline": "Three-population game, baseline set: stable point (0, 0, 0)",
        "strong_policy": "Three-population game, strong-policy set: stable point (1, 1, 1)",
        "inspection": "Inspection game: cycles around the centre (0.6875, 0.4)",
    }
    for name in SHIPPED:
        if name not in by_name:
            continue
        docking = by_name[name]
        s = docking.scenario
        lines += [f"## {titles.get(name, name)}", "", s.description, ""]
        lines += [_parameter_text(docking), ""]
        if s.kind == "inspection":
            lines += [_CYCLE_NOTE, ""]
        lines += [report_text(docking), ""]
        if docking.grid is not None:
            lines += [
                "### Equations from every start on the grid",
                "",
                "<details><summary>27 starts</summary>",
                "",
                markdown_table(docking.grid),
                "",
                "</details>",
                "",
            ]
        for stem in figures(docking):
            lines += [f"![{stem}](figures/{stem}.png)", ""]
    lines += [
        "## Reproducing",
        "",
        "```bash",
        DOCS_COMMAND + "                     # this page and docs/figures/docking_*.png",
        "make docs                                      # the same, and docs/parameters.md",
        "partnersim dock scenarios/docking/baseline.yaml --sizes 100 1000 --seeds 3",
        ".venv/bin/python -m pytest -q tests/test_games.py tests/test_docking.py",
        "```",
        "",
        "Every agent run is seeded (run i of each size uses seed `seed + i`), so the tables",
        "above are the same on every regeneration.",
        "",
    ]
    return "\n".join(lines)


_CYCLE_NOTE = """\
Orbits of the inspection game are neutral: nothing pulls a path back to its orbit, so the
agents' sampling noise makes H wander like a random walk (variance growing as t / N) and
small differences in the period add up to a phase lag. Agents and equations are therefore
compared point by point over about one turn (the window below); over the whole horizon the
comparison is by what the equations promise for every orbit: the time average over whole
turns equals the centre, and the path keeps turning round it. With N = 100 a population
soon loses a strategy for good (a share reaches 0 or 1: "absorbed"), which ends its cycle;
its means are taken up to that moment."""


def _parameter_text(docking: Docking) -> str:
    """Describe the scenario's parameters and run settings in a short paragraph."""
    s = docking.scenario
    if s.inspection is not None:
        p = s.inspection
        game = (
            f"F = {p.F:g}, G = {p.G:g}, L = {p.L:g}, C = {p.C:g}; "
            f"start (x, y) = ({p.x0:g}, {p.y0:g})"
        )
    else:
        enterprise, public, government = s.three_population_params().vectors()
        game = (
            f"enterprise {_list_text(enterprise)}, public {_list_text(public)}, "
            f"government {_list_text(government)}"
        )
    dt = docking.mean_field.time_step
    return (
        f"Parameters: {game}. Revision rate r = {s.revision_rate:g}, M = "
        f"{docking.game.max_advantage:g}, so one step = {dt:.3g} equation time; horizon "
        f"{s.horizon:g} ({len(docking.mean_field.t) - 1:,} steps); sizes "
        f"{', '.join(f'{n:,}' for n in sorted(docking.paths))}; seeds {s.seed} to "
        f"{s.seed + int(docking.runs.groupby('n').size().max()) - 1}."
    )


def _list_text(values: Sequence[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def _command(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.docking.audit docs``: regenerate docs/validation.md and its figures."""
    summary = (__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m sim.docking.audit", description=summary)
    parser.add_argument("command", choices=["docs"], help="what to regenerate")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="docs folder (default docs)")
    args = parser.parse_args(argv)
    # Progress lines from this module only (Mesa logs every step at INFO level).
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    page = build_docs(args.out)
    print(f"wrote {page} and {args.out / 'figures'}/docking_*.png")
    return 0


if __name__ == "__main__":
    sys.exit(_command())
