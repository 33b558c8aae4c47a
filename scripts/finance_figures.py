"""Draw the figures of docs/finance.md from the driver checks' results.

    make drivers    # results/drivers: the four instruments and the driver runs, then this script

writes docs/figures/finance_agreements_per_year.png (flows per year of the funnel and of the
budget, per instrument) and docs/figures/finance_fund_multiple.png (the fund's recycling
multiple over time, beside the fund that lends all it has with no failures and the US Clean
Water SRF).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.finance.formulas import CWSRF_MULTIPLES, revolving_recurrence
from sim.outputs.plotting import plot_timeseries, timeseries_bands, yearly_increments
from sim.outputs.style import save_figure, scenario_colours
from sim.runs.compare import Comparison

ROOT = Path(__file__).resolve().parents[1]

FIGURES = ROOT / "docs" / "figures"
FLOWS = ("pilots_proposed", "pilots_agreed", "pilots_financed", "pilots_succeeded", "appropriated")
"""Cumulative metrics drawn as flows per year."""
INSTRUMENTS = ("grant", "blended", "revolving", "outcome_based")
"""The driver comparison's four instrument scenarios (those of ``make demo``)."""
FUNDS = ("revolving", "revolving-small-fund")
"""The driver comparison's fund scenarios drawn in the multiple figure."""


def agreements_per_year(drivers: Comparison) -> None:
    """Flows per year of the funnel and the budget, per instrument."""
    spy = drivers.steps_per_year()
    steps = drivers.steps[drivers.steps["scenario"].isin(INSTRUMENTS)]
    flows = yearly_increments(steps, FLOWS, steps_per_year=spy)
    bands = timeseries_bands(flows, FLOWS, steps_per_year=spy, order=list(INSTRUMENTS))
    fig = plot_timeseries(bands, colours=scenario_colours(list(INSTRUMENTS)))
    fig.suptitle("Per year of the horizon: mean and 2.5-97.5 % of replicates", y=1.06)
    save_figure(fig, FIGURES, "finance_agreements_per_year")


def fund_multiple(drivers: Comparison) -> None:
    """The fund's multiple over time, beside the recurrence and the CWSRF."""
    spy = drivers.steps_per_year()
    steps = drivers.steps[drivers.steps["scenario"].isin(FUNDS)]
    bands = timeseries_bands(steps, ["recycling_multiple"], steps_per_year=spy, order=list(FUNDS))
    fig = plot_timeseries(bands, colours=scenario_colours(list(FUNDS)))
    ax = fig.axes[0]
    entry = next(e for e in drivers.manifest["scenarios"] if e["name"] == "revolving")
    fund = entry["scenario"]["finance"]["revolving"]
    years = int(entry["scenario"]["time"]["steps"] // entry["scenario"]["time"]["steps_per_year"])
    path = revolving_recurrence(
        years, match=fund["match_rate"], rate=fund["rate"], term=fund["term_years"]
    )
    ax.plot(np.arange(1, years + 1), path, color="0.3", linestyle=(0, (1, 1)), linewidth=1.2)
    mid = int(years * 0.6)
    ax.annotate(
        "lends all it holds each year, no failures (revolving_recurrence)",
        (mid + 1, path[mid]),
        xytext=(6, -4),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7,
    )
    for when, level in CWSRF_MULTIPLES.items():
        ax.axhline(level, color="0.3", linestyle="--", linewidth=0.8)
        ax.annotate(
            f"US Clean Water SRF, {when}",
            (0, level),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=7,
        )
    ax.set_ylim(0, max(*CWSRF_MULTIPLES.values(), float(path.max())) * 1.08)
    save_figure(fig, FIGURES, "finance_fund_multiple")


def main() -> None:
    """Draw both figures from results/drivers."""
    drivers = Comparison.read(ROOT / "results" / "drivers")
    agreements_per_year(drivers)
    fund_multiple(drivers)
    print(f"wrote finance_agreements_per_year and finance_fund_multiple (PNG, PDF) to {FIGURES}")


if __name__ == "__main__":
    main()
