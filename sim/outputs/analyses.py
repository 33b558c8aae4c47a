"""Writing analyses of sweeps: their tables (CSV) and figures (PNG and PDF).

The analyses themselves are computed in :mod:`sim.experiments.sensitivity` (Sobol and Morris
indices) and :mod:`sim.experiments.discovery` (PRIM boxes); ``partnersim sensitivity`` and
``partnersim discover`` (:mod:`sim.cli.analysis`) write them with these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs import analysis_figures, style
from sim.runs.provenance import write_manifest

if TYPE_CHECKING:
    from sim.experiments.discovery import Box, Outcome
    from sim.experiments.sensitivity import Sensitivity


def write_sensitivity(analyses: Iterable[Sensitivity], out: str | Path) -> list[Path]:
    """Write the indices, the point means and one figure per metric.

    Args:
        analyses: From :func:`sim.experiments.sensitivity.sensitivity`, one per metric.
        out: Folder to write into (created if missing).

    Returns:
        The files written (besides ``manifest.json``): ``indices.csv`` (every metric, tidy),
        ``point_means.csv`` (every metric's mean, sd and n per point), and per metric
        ``<method>_<metric>.png`` and ``.pdf`` (the bar chart of S1 and ST, or the mu*-sigma
        scatter).
    """
    analyses = list(analyses)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "indices.csv", out / "point_means.csv"]
    write_manifest(out, "sensitivity", metrics=[a.metric for a in analyses])
    pd.concat([a.indices for a in analyses], ignore_index=True).to_csv(written[0], index=False)
    means = [a.means.assign(metric=a.metric)[["metric", *a.means.columns]] for a in analyses]
    pd.concat(means, ignore_index=True).to_csv(written[1], index=False)
    for analysis in analyses:
        if analysis.method == "sobol":
            fig = analysis_figures.plot_sobol(analysis.indices)
        else:
            fig = analysis_figures.plot_morris(analysis.indices, unit=analysis.unit)
        written += style.save_figure(fig, out, f"{analysis.method}_{analysis.metric}")
    return written


def write_discovery(outcome: Outcome, found: Sequence[Box], out: str | Path) -> list[Path]:
    """Write the answers, the boxes, their trajectories and figures.

    Args:
        outcome: The question.
        found: Its boxes.
        out: Folder to write into (created if missing).

    Returns:
        The files written (besides ``manifest.json``): ``cases.csv`` (points, parameters,
        values, answer), ``boxes.csv`` (limits per box with its coverage, density and mass),
        ``trajectory.csv``, and per box ``prim_box<k>`` and ``prim_tradeoff<k>`` (PNG and
        PDF).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "cases.csv", out / "boxes.csv", out / "trajectory.csv"]
    write_manifest(out, "discovery", boxes=len(found))
    outcome.cases.to_csv(written[0], index=False)
    limits = [
        box.limits.assign(box=box.number, coverage=box.coverage, density=box.density, mass=box.mass)
        for box in found
    ]
    pd.concat(limits, ignore_index=True).to_csv(written[1], index=False)
    pd.concat([box.trajectory for box in found], ignore_index=True).to_csv(written[2], index=False)
    for box in found:
        written += style.save_figure(
            analysis_figures.plot_prim_box(box.limits), out, f"prim_box{box.number}"
        )
        written += style.save_figure(
            analysis_figures.plot_prim_tradeoff(box.trajectory, density=box.sought),
            out,
            f"prim_tradeoff{box.number}",
        )
    return written
