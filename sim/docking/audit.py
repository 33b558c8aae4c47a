"""Validation by docking: the agent model against the replicator equations it must follow.

For a docking scenario (:mod:`sim.docking.schema`) this module runs both descriptions of the same
game and compares them (one job, hence one module of some length: the tables and the checks
that decide whether ``partnersim dock`` passes are read together):

* the equations (:mod:`sim.docking.games`): the corner rest points with their eigenvalues, the
  stable point reached from the scenario's start and from every start on the grid
  {0.1, 0.5, 0.9}^n, and (inspection game) the drift of the conserved H;
* the agents (:mod:`sim.docking.agent_model`): for each size N, several seeds; the corner their
  shares reach, and the distance between their shares and the equations' trajectory (Euclidean
  norm over populations at every step, its maximum and root mean square over time), with the
  mean-field map (N -> infinity) as the floor left by the time step. One agent step is
  ``revision_rate / max|advantage|`` units of equation time
  (:class:`sim.docking.agent_model.GameModel`); the comparison uses that rescaling.

Results are tables (pandas) and the checks that make ``partnersim dock`` (:mod:`sim.cli.dock`)
pass or fail: among them, that the distance falls with N at the rate of sampling noise
(:func:`distance_slope`, :data:`RATE_BOUNDS`), so agents that drift from the equations fail even
when they end in the right corner, and that the published stable point is the only stable
corner; the figures are :mod:`sim.docking.figures`, the documentation page and the files a
docking writes are :mod:`sim.docking.page`.

Heavy libraries (numpy, scipy, pandas, matplotlib, Mesa) are imported inside the functions that
use them, so that the command line can register this subcommand without slowing ``--help``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from sim.docking.agent_model import AgentPath
    from sim.docking.games import MatrixGame, Trajectory
    from sim.docking.schema import DockingScenario

from sim.runs.text import markdown_table

logger = logging.getLogger(__name__)


SHIPPED: tuple[str, ...] = ("baseline", "strong_policy", "inspection")
"""The docking scenarios in ``scenarios/docking/``, in the order the docs show them."""

GRID: tuple[float, ...] = (0.1, 0.5, 0.9)
"""Start values per population of the grid of starts for the equations."""

EQUATIONS_TOL = 1e-3
"""Max-norm distance within which the equations count as having reached a corner."""
AGENTS_TOL = 0.02
"""Max-norm distance within which the agents' shares count as having reached a corner."""

RATE_EXPECTED = -0.5
"""Slope of log distance on log N that sampling noise gives: the distance falls like 1/sqrt(N)."""
RATE_BOUNDS: tuple[float, float] = (-0.7, -0.3)
"""Fitted slopes accepted as that rate (:func:`distance_slope`). Over sizes 100 to 10,000 with 5
seeds the shipped scenarios give -0.46 to -0.57; agents that revise 15% slower than the
equations assume give -0.01 to -0.30 (their lag does not shrink with N)."""
FLOOR_FACTOR = 2.0
"""Sizes whose distance is within this factor of the mean-field floor are left out of the fit:
there the time step's error, not sampling noise, makes the distance."""

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
        row: dict[str, Any] = {"corner": corner.label, "state": tuple_text(corner.state)}
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
                "start": tuple_text(start),
                "final": tuple_text(final, digits=4),
                "distance": float(np.max(np.abs(final - np.rint(final)))),
                "reached": corner_label(corner),
            }
        )
    return pd.DataFrame(rows)


def corner_label(corner: tuple[int, ...] | None) -> str:
    """Return the C/D letters of a corner (``"DDD"`` for (0, 0, 0)), or ``"none"``."""
    return "none" if corner is None else "".join("C" if v else "D" for v in corner)


def tuple_text(values: Sequence[float], *, digits: int = 3) -> str:
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
    row["reached"] = corner_label(nearest_corner(path.states[-1], tol=AGENTS_TOL))
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

    slope, used = distance_slope(docking)
    low, high = RATE_BOUNDS
    add(
        "distance falls with N: slope of log distance on log N"
        + (f" (N = {', '.join(f'{n:,}' for n in used)})" if used else ""),
        f"{RATE_EXPECTED:g} (1/√N), accepted in [{low:g}, {high:g}]",
        "n/a (needs two sizes above the mean-field floor)" if slope is None else f"{slope:.2f}",
        slope is not None and low <= slope <= high,
    )
    stable = stable_corners(docking.game)
    reached_eq = corner_label(_nearest(docking.equations.final))
    if published.stable_point is not None:
        target = tuple(round(v) for v in published.stable_point)
        found = [c for c in stable if c.state == target]
        add(
            "evolutionarily stable corner(s) of the equations: the published one, alone",
            tuple_text(target),
            ", ".join(tuple_text(c.state) for c in stable) or "none",
            [c.state for c in stable] == [target],
        )
        add(
            "equations from the scenario's start reach",
            corner_label(target),
            reached_eq,
            reached_eq == corner_label(target),
        )
        if published.eigenvalues is not None and found:
            got = np.array(found[0].eigenvalues)
            diff = float(np.max(np.abs(got - np.array(published.eigenvalues))))
            add(
                "eigenvalues at the stable point (max abs difference)",
                tuple_text(published.eigenvalues, digits=4),
                f"{tuple_text(got, digits=6)} ({diff:.1e})",
                diff < 1e-6,
            )
        if docking.grid is not None:
            hits = int((docking.grid["reached"] == corner_label(target)).sum())
            add(
                f"grid starts {{{', '.join(f'{g:g}' for g in GRID)}}}^{docking.game.size} "
                "reaching it",
                f"{len(docking.grid)}/{len(docking.grid)}",
                f"{hits}/{len(docking.grid)}",
                hits == len(docking.grid),
            )
        for n, group in docking.runs.groupby("n", sort=True):
            hits = int((group["reached"] == corner_label(target)).sum())
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
            tuple_text(published.centre, digits=4),
            tuple_text(centre, digits=4),
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
            tuple_text(centre, digits=4),
            f"{tuple_text(means, digits=4)} ({gap:.2g})",
            gap < 0.01,
        )
        add(
            f"full turns around the centre, N = {largest:,}, t in [0, {scenario.horizon:g}]",
            "> 0 (cycles)",
            f"{group['turns'].mean():.1f}",
            bool((group["turns"] >= 1).all()),
        )
    return pd.DataFrame(rows)


def distance_slope(docking: Docking) -> tuple[float | None, list[int]]:
    """Fit how fast the agents' distance from the equations falls as N grows.

    The mean maximum distance over seeds of each size N is reduced by the mean-field floor (the
    distance left with infinitely many agents, from the time step), as independent errors add
    in squares: ``excess = sqrt(d^2 - floor^2)``. Sizes within :data:`FLOOR_FACTOR` of the floor
    are left out. The slope of log excess on log N is fitted by least squares.

    Args:
        docking: A docking run.

    Returns:
        The slope (None with fewer than two sizes to fit) and the sizes fitted.
    """
    import numpy as np

    means = docking.runs.groupby("n")["max_distance"].mean()
    floor = float(docking.summary.set_index("n").loc["mean field", "max_distance"])
    kept = means[means > FLOOR_FACTOR * floor]
    if len(kept) < 2:
        return None, [int(n) for n in kept.index]
    excess = np.sqrt(kept.to_numpy() ** 2 - floor**2)
    slope = np.polyfit(np.log(kept.index.to_numpy(dtype=float)), np.log(excess), 1)[0]
    return float(slope), [int(n) for n in kept.index]


def _nearest(state: np.ndarray) -> tuple[int, ...] | None:
    from sim.docking.games import nearest_corner

    return nearest_corner(state, tol=EQUATIONS_TOL)


# ------------------------------------------------------------------------------ text


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
