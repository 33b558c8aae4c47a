"""Calibration of the model to the EU pilot figures: targets, distance, and a grid search.

The targets are the figures of EU CIP ICT-PSP pilot calls as encoded in the GREAT-SKIN model
(GREAT-SKIN, as given in the project's domain brief): public co-funding about 49% of a pilot's
cost, consortia of 17.3 partners on average (sd 8.95, range 5-58), durations of 31.8 months on
average (sd 5.1, range 23-49) and a start about 9 months after the call.

* :func:`pilot_figures` measures those figures on one run's tables (pure, no model);
* :func:`distance` says how far the mean figures of a candidate are from the targets, each
  in units of the target's accepted half-width (pure);
* :func:`calibrate` runs every point of a grid of parameter values over a few seeds and ranks
  the points by distance; :func:`scenario_text` writes the best point as a scenario file that
  records, in comments, what was calibrated to what and the values achieved.

``python -m sim.experiments.calibration`` runs the grid (:data:`GRID` over
:data:`CALIBRATION_SEEDS`, 81 runs, about 30 s on 2 cores), checks the best point on the fresh
:data:`CHECK_SEEDS`, prints both tables and writes ``scenarios/calibrated/eu_pilots.yaml``; the
tables go to ``results/calibration/``. ``docs/calibration.md`` describes the method and the results.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runs.compare import mean_interval
from sim.runs.cores import workers_option
from sim.runs.execution import RunSpec, run_many
from sim.runs.text import markdown_table
from sim.scenario.files import load
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.yaml"
"""The scenario the calibrated one extends."""
CALIBRATED = ROOT / "scenarios" / "calibrated" / "eu_pilots.yaml"
"""The calibrated scenario this module writes."""

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Target:
    """A published figure the model should reproduce, and the range accepted around it.

    Attributes:
        figure: Name of the figure in :func:`pilot_figures`.
        value: The published value.
        low: Lowest accepted model value.
        high: Highest accepted model value.
        unit: Unit of the figure.
        rule: Where ``low`` and ``high`` come from.
    """

    figure: str
    value: float
    low: float
    high: float
    unit: str
    rule: str

    @property
    def half_width(self) -> float:
        """Half the accepted range: the unit of :func:`distance`."""
        return (self.high - self.low) / 2

    def accepts(self, value: float) -> bool:
        """Tell whether a model value lies in the accepted range (bounds included)."""
        return self.low <= value <= self.high


MEAN_TOLERANCE = 0.05
"""Relative tolerance around a published mean given without its sample size (so without a
standard error): a model mean within 5% of it counts as a match."""
SPREAD_TOLERANCE = 0.20
"""Relative tolerance around a published standard deviation given without its sample size."""


def _mean_target(figure: str, value: float, unit: str) -> Target:
    """A published mean, accepted within :data:`MEAN_TOLERANCE`."""
    low, high = value * (1 - MEAN_TOLERANCE), value * (1 + MEAN_TOLERANCE)
    rule = f"published mean ±{MEAN_TOLERANCE:.0%}"
    return Target(figure, value, low, high, unit, rule)


def _spread_target(figure: str, value: float, unit: str) -> Target:
    """A published standard deviation, accepted within :data:`SPREAD_TOLERANCE`."""
    low, high = value * (1 - SPREAD_TOLERANCE), value * (1 + SPREAD_TOLERANCE)
    rule = f"published sd ±{SPREAD_TOLERANCE:.0%}"
    return Target(figure, value, low, high, unit, rule)


TARGETS: tuple[Target, ...] = (
    _mean_target("public_share", 0.49, "1"),
    _mean_target("consortium_size", 17.3, "parties"),
    _mean_target("duration_months", 31.8, "months"),
)
"""The calibration targets: :func:`distance` is measured against these."""

CHECKS: tuple[Target, ...] = (
    _spread_target("duration_sd_months", 5.1, "months"),
    _mean_target("start_delay_months", 9.0, "months"),
)
"""Published figures the calibrated scenario must also land on, set from their sources rather
than calibrated (``pilots.duration_sd`` and ``pilots.start_delay``)."""

NOT_MATCHED: tuple[Target, ...] = (_spread_target("consortium_size_sd", 8.95, "parties"),)
"""Published figures the model is known not to reproduce (reported, not required): target
sizes are drawn uniformly between ``consortium_min`` and ``consortium_max``, which cannot give
the published spread and right tail (sd 8.95, up to 58) together with the mean and minimum."""

ALSO_MEASURED: tuple[str, ...] = (
    "financed",
    "ended",
    "success_share",
    "expected_success_share",
    "consortium_size_min",
    "consortium_size_max",
    "duration_p01_months",
    "duration_p99_months",
)
"""Figures reported beside the targets: no published counterpart is calibrated to."""

SIZE_RANGE = (5, 58)
"""Smallest and largest consortium of the EU pilots (parties; GREAT-SKIN)."""
DURATION_RANGE = (23.0, 49.0)
"""Shortest and longest EU pilot (months; GREAT-SKIN)."""

FIXED: dict[str, Any] = {
    "pilots": {
        # The smallest published consortium; smaller ones are cancelled (no_consortium).
        "consortium_min": SIZE_RANGE[0],
        # The shortest published pilot, 23 months, in whole quarters: 8 (24 months).
        "duration_min": math.ceil(DURATION_RANGE[0] / 3),
        # sd 5.1 months = 1.7 quarters, and start about 9 months = 3 quarters after the call.
        "duration_sd": 1.7,
        "start_delay": 3,
    }
}
"""Settings taken from the published figures directly (not calibrated), over the base."""


@dataclass(frozen=True)
class Parameter:
    """A scenario parameter the grid varies.

    Attributes:
        path: Key path in a scenario, e.g. ``("finance", "grant", "max_public_share")``.
        values: Candidate values.
    """

    path: tuple[str, ...]
    values: tuple[float, ...]

    @property
    def key(self) -> str:
        """The dotted key path."""
        return ".".join(self.path)

    def override(self, value: float) -> dict[str, Any]:
        """Return the nested scenario change that sets this parameter to ``value``."""
        return functools.reduce(lambda inner, key: {key: inner}, reversed(self.path), value)


GRID: tuple[Parameter, ...] = (
    # The city's negotiated share lands below its cap: the cap drives the public share.
    Parameter(("finance", "grant", "max_public_share"), (0.54, 0.56, 0.58)),
    # Target sizes are uniform on [consortium_min, consortium_max]: the max drives the mean.
    Parameter(("pilots", "consortium_max"), (28, 30, 32)),
    # Duration in quarters (31.8 months = 10.6), shifted by the floor and by selection.
    Parameter(("pilots", "duration_mean"), (10.5, 10.7, 10.9)),
)
"""The parameters calibrated and their candidate values (27 points)."""

CALIBRATION_SEEDS: tuple[int, ...] = (0, 1, 2)
"""Seeds each grid point runs with."""
CHECK_SEEDS: tuple[int, ...] = (10, 11, 12, 13, 14)
"""Fresh seeds on which the chosen point is checked (and ``tests/test_calibration.py`` runs)."""


# ------------------------------------------------------------------------------ figures


def pilot_figures(pilots: pd.DataFrame, events: pd.DataFrame, steps_per_year: int) -> dict:
    """Measure the calibration figures on one run's tables.

    Figures are taken over the pilots that were financed (a ``financed`` event), since the
    published figures describe funded pilots.

    Args:
        pilots: The run's ``pilots`` table (``pilot_id``, ``parties``, ``duration`` in steps,
            ``public_share``, ``success_prob``).
        events: The run's ``events`` table (``pilot_id``, ``step``, ``to_state``).
        steps_per_year: Steps in a year, to turn steps into months.

    Returns:
        ``financed`` (pilots); ``public_share`` (mean city share of cost); ``consortium_size``
        and ``consortium_size_sd`` (parties, the city included), ``consortium_size_min`` and
        ``_max``; ``duration_months``, ``duration_sd_months``, and the 1st and 99th
        percentiles ``duration_p01_months`` and ``duration_p99_months``; ``start_delay_months``
        (mean from the call that proposed a pilot to its start, over pilots that started);
        ``ended`` (pilots that succeeded or failed), ``success_share`` (succeeded over those)
        and ``expected_success_share`` (their mean success probability, which the outcome
        draw honours). NaN where no pilot qualifies.
    """
    months = MONTHS_PER_YEAR / steps_per_year
    step_of = {
        state: events[events["to_state"] == state].set_index("pilot_id")["step"]
        for state in ("proposed", "financed", "running")
    }
    financed = pilots[pilots["pilot_id"].isin(step_of["financed"].index)]
    sizes = financed["parties"].to_numpy(dtype=float)
    durations = financed["duration"].to_numpy(dtype=float) * months
    started = step_of["running"]
    delays = (started - step_of["proposed"].reindex(started.index)).to_numpy(dtype=float)
    ended = events[events["to_state"].isin(["succeeded", "failed"])].set_index("pilot_id")
    odds = pilots.set_index("pilot_id")["success_prob"].reindex(ended.index).to_numpy(dtype=float)
    return {
        "financed": len(financed),
        "public_share": _mean(financed["public_share"].to_numpy(dtype=float)),
        "consortium_size": _mean(sizes),
        "consortium_size_sd": _sd(sizes),
        "consortium_size_min": float(sizes.min()) if sizes.size else math.nan,
        "consortium_size_max": float(sizes.max()) if sizes.size else math.nan,
        "duration_months": _mean(durations),
        "duration_sd_months": _sd(durations),
        "duration_p01_months": _percentile(durations, 1),
        "duration_p99_months": _percentile(durations, 99),
        "start_delay_months": _mean(delays * months),
        "ended": len(ended),
        "success_share": _mean((ended["to_state"] == "succeeded").to_numpy(dtype=float)),
        "expected_success_share": _mean(odds),
    }


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else math.nan


def _sd(values: np.ndarray) -> float:
    return float(values.std(ddof=1)) if values.size > 1 else math.nan


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q)) if values.size else math.nan


def distance(figures: Mapping[str, float], targets: Sequence[Target] = TARGETS) -> float:
    """Return the root of the summed squared misses, each in units of its target's half-width.

    A candidate whose every figure lies inside its accepted range is at most ``sqrt(len(
    targets))`` away; one exactly on every published value is at 0. A missing (NaN) figure
    gives an infinite distance.

    Args:
        figures: Mean figures of a candidate (as from :func:`pilot_figures`).
        targets: The targets.

    Returns:
        The distance (1).
    """
    misses = [(figures[t.figure] - t.value) / t.half_width for t in targets]
    if any(math.isnan(miss) for miss in misses):
        return math.inf
    return math.sqrt(sum(miss**2 for miss in misses))


def grid_points(grid: Sequence[Parameter] = GRID) -> list[dict[str, float]]:
    """Return every combination of the grid's values, as ``{key: value}``, first key slowest."""
    keys = [p.key for p in grid]
    combinations = itertools.product(*(p.values for p in grid))
    return [dict(zip(keys, values, strict=True)) for values in combinations]


def candidate(point: Mapping[str, float], grid: Sequence[Parameter] = GRID) -> Scenario:
    """Return the base scenario with :data:`FIXED` and a grid point's values, validated."""
    scenario = load(BASE, Scenario).override(FIXED)
    for parameter in grid:
        scenario = scenario.override(parameter.override(point[parameter.key]))
    return scenario


# ------------------------------------------------------------------------------ running


def evaluate(
    scenarios: Sequence[Scenario], seeds: Sequence[int], *, workers: int = 1
) -> pd.DataFrame:
    """Run each scenario once per seed and return the figures of every run.

    Args:
        scenarios: The scenarios.
        seeds: Seeds for each (the same for every scenario: common random numbers).
        workers: Processes to run in (1: serially in this one).

    Returns:
        One row per scenario and seed: ``candidate`` (index into ``scenarios``), ``seed`` and
        the figures of :func:`pilot_figures`.
    """
    specs = [
        RunSpec(s.model_dump(mode="json"), seed, i)
        for s in scenarios
        for i, seed in enumerate(seeds)
    ]
    results = run_many(specs, workers=workers)
    rows = []
    for k, (index, seed) in enumerate(itertools.product(range(len(scenarios)), seeds)):
        figures = pilot_figures(
            results[k].pilots, results[k].events, scenarios[index].time.steps_per_year
        )
        rows.append({"candidate": index, "seed": seed, **figures})
    return pd.DataFrame(rows)


def calibrate(
    grid: Sequence[Parameter] = GRID,
    seeds: Sequence[int] = CALIBRATION_SEEDS,
    *,
    workers: int = 1,
) -> pd.DataFrame:
    """Run every grid point over ``seeds`` and rank the points by :func:`distance`.

    Args:
        grid: The parameters and their candidate values.
        seeds: Seeds per point (the same for every point: common random numbers).
        workers: Processes to run in (1: serially in this one).

    Returns:
        One row per point, nearest first: the parameter values, the mean of every figure over
        the seeds and ``distance``.
    """
    points = grid_points(grid)
    runs = evaluate([candidate(point, grid) for point in points], seeds, workers=workers)
    means = runs.drop(columns="seed").groupby("candidate", sort=True).mean()
    table = pd.concat([pd.DataFrame(points), means.reset_index(drop=True)], axis=1)
    table["distance"] = [distance(row) for _, row in means.iterrows()]
    return table.sort_values("distance", kind="stable", ignore_index=True)


def nearest(table: pd.DataFrame, grid: Sequence[Parameter] = GRID) -> dict[str, float]:
    """Return the first point of a ranked table (:func:`calibrate`) as ``{key: value}``.

    The values come back as Python numbers: a table's cells are NumPy scalars, and the
    scenario schema refuses ``np.int64`` where it asks for a whole number.
    """
    return {p.key: table[p.key].iloc[0].item() for p in grid}


def summarise(runs: pd.DataFrame, figures: Sequence[str]) -> pd.DataFrame:
    """Return the mean of each figure over the runs with its Student-t 95% interval.

    Args:
        runs: One row per run, as from :func:`evaluate`.
        figures: Figure columns to summarise.

    Returns:
        One row per figure: ``figure``, ``model`` (the mean), ``lower``, ``upper``, ``runs``.
    """
    rows = []
    for figure in figures:
        mean, lower, upper = mean_interval(runs[figure].to_numpy(dtype=float))
        rows.append(
            {"figure": figure, "model": mean, "lower": lower, "upper": upper, "runs": len(runs)}
        )
    return pd.DataFrame(rows)


def achieved(runs: pd.DataFrame, targets: Sequence[Target] = TARGETS + CHECKS) -> pd.DataFrame:
    """Compare the figures of runs with targets: published value, accepted range, model, verdict.

    Args:
        runs: One row per run, as from :func:`evaluate`.
        targets: Targets to compare with.

    Returns:
        One row per target: figure, published value, accepted range and its rule, unit, the
        model's mean with its 95% interval over the runs (:func:`summarise`), and ``ok`` (the
        mean in the accepted range).
    """
    table = summarise(runs, [t.figure for t in targets])
    table.insert(1, "published", [t.value for t in targets])
    table.insert(2, "accepted", [f"[{t.low:.4g}, {t.high:.4g}]" for t in targets])
    table.insert(3, "rule", [t.rule for t in targets])
    table.insert(4, "unit", [t.unit for t in targets])
    table["ok"] = [t.accepts(mean) for t, mean in zip(targets, table["model"], strict=True)]
    return table


# ------------------------------------------------------------------------------ writing


def scenario_text(point: Mapping[str, float], check: pd.DataFrame) -> str:
    """Return the calibrated scenario file: the base, :data:`FIXED` and the chosen point.

    Args:
        point: The chosen values by key path (one of :func:`grid_points`).
        check: :func:`achieved` on the check seeds, quoted in the comments.

    Returns:
        YAML text with comments saying what was set or calibrated to what.
    """
    by_figure = check.set_index("figure")

    def got(figure: str) -> str:
        row = by_figure.loc[figure]
        return f"achieved {row['model']:.4g} [{row['lower']:.4g}, {row['upper']:.4g}]"

    fixed = FIXED["pilots"]
    body = [
        ("pilots:", ""),
        ("  # set from the published figures", ""),
        (f"  consortium_min: {fixed['consortium_min']}", "smallest published consortium"),
        (f"  duration_min: {fixed['duration_min']}", "shortest, 23 months, in whole quarters"),
        (f"  duration_sd: {fixed['duration_sd']}", f"sd 5.1 months; {got('duration_sd_months')}"),
        (f"  start_delay: {fixed['start_delay']}", f"9 months; {got('start_delay_months')}"),
        ("  # calibrated", ""),
        (
            f"  consortium_max: {point['pilots.consortium_max']:g}",
            f"mean 17.3 parties; {got('consortium_size')}",
        ),
        (
            f"  duration_mean: {point['pilots.duration_mean']:g}",
            f"mean 31.8 months; {got('duration_months')}",
        ),
        ("finance:", ""),
        ("  grant:", ""),
        ("    # calibrated", ""),
        (
            f"    max_public_share: {point['finance.grant.max_public_share']:g}",
            f"public share 0.49; {got('public_share')}",
        ),
    ]
    width = max(len(line) for line, _ in body) + 2
    lines = [
        "# Calibrated to the EU pilot figures (GREAT-SKIN: EU CIP ICT-PSP pilot calls, as given",
        "# in shared/DOMAIN.md). Written by `python -m sim.experiments.calibration`: see "
        "docs/calibration.md.",
        f"# A grid of {len(grid_points())} points, each run with seeds "
        f"{', '.join(map(str, CALIBRATION_SEEDS))};",
        f"# achieved: mean [95% interval] over the fresh seeds {', '.join(map(str, CHECK_SEEDS))}.",
        "extends: ../base.yaml",
        "name: eu_pilots",
        "description: >-",
        "  The base city running pilots shaped like EU CIP ICT-PSP pilots: large consortia, about",
        "  half the cost public, two to four years long; calibrated to the GREAT-SKIN figures.",
        *(f"{line:<{width}}# {note}" if note else line for line, note in body),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.experiments.calibration [--workers N] [--out DIR] [--scenario FILE]``.

    Returns:
        0 when the chosen point lands in every accepted range on the check seeds, 1 when it
        does not (the scenario file is written either way), 2 for bad options.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sim.experiments.calibration", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--workers",
        type=workers_option,
        default=1,
        help="processes, or 'auto' for one per core (default 1)",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("results/calibration"), help="folder for the tables"
    )
    parser.add_argument(
        "--scenario", type=Path, default=CALIBRATED, help="calibrated scenario file to write"
    )
    args = parser.parse_args(argv)
    if args.workers < 1:
        print(f"error: --workers must be at least 1; got {args.workers}", file=sys.stderr)
        return 2
    total = len(grid_points()) * len(CALIBRATION_SEEDS) + len(CHECK_SEEDS)
    print(f"calibrating: {total} runs on {args.workers} worker(s)", flush=True)
    grid = calibrate(workers=args.workers)
    args.out.mkdir(parents=True, exist_ok=True)
    grid.to_csv(args.out / "grid.csv", index=False)  # kept if the check below fails
    best = nearest(grid)
    runs = evaluate([candidate(best)], CHECK_SEEDS, workers=args.workers)
    check = achieved(runs, TARGETS + CHECKS + NOT_MATCHED)
    runs.to_csv(args.out / "check_runs.csv", index=False)
    check.to_csv(args.out / "check.csv", index=False)
    args.scenario.parent.mkdir(parents=True, exist_ok=True)
    args.scenario.write_text(scenario_text(best, check), encoding="utf-8")
    shown = [p.key for p in GRID] + [t.figure for t in TARGETS] + ["distance"]
    print(f"### Grid, nearest first (means over seeds {list(CALIBRATION_SEEDS)})\n")
    print(markdown_table(grid[shown].head(10)))
    print(f"\n### Chosen point on the check seeds {list(CHECK_SEEDS)}\n")
    print(markdown_table(check))
    print("\n### Also measured (no target)\n")
    print(markdown_table(summarise(runs, ALSO_MEASURED)))
    print(f"\nwrote {args.scenario} and {args.out}/grid.csv, check.csv, check_runs.csv")
    required = check["figure"].isin([t.figure for t in TARGETS + CHECKS])
    return 0 if bool(check.loc[required, "ok"].all()) else 1


if __name__ == "__main__":
    sys.exit(main())
