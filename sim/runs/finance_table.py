"""The finance officer's table of a comparison: pure functions of its result tables.

Beside the end-of-horizon metrics (:func:`sim.runs.compare.summary`) a finance comparison needs
three things read from the other tables, each the same for every instrument:

* :func:`cost_by_rate`: the net present public cost per success at several public discount
  rates (from each run's ``public_cost`` table), with its rank per rate, so that a ranking that
  turns on the rate is seen to do so;
* :func:`deal_leverage`: commercial money per EUR of first-loss cover *across deals* (from the
  ``deals`` table), whose spread shows whether leverage is set by the pilots' economics or by
  construction;
* :func:`multiple_at`: a revolving fund's recycling multiple after given years (from the step
  table), to set beside the US Clean Water SRF's (``sim.finance.formulas.CWSRF_MULTIPLES``);
* :func:`cost_lines`: the net present public cost line by line (from each run's
  ``public_cost_parts`` table): what the purse paid out and got back by reason, what the
  vehicles still hold, the open claims, so that the total can be checked and each difference
  between instruments traced to the money that makes it.

Intervals are Student-t intervals of the mean over replicates
(:func:`sim.runs.compare.mean_interval`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.finance.public_cost import PARTS
from sim.runs.compare import Comparison, mean_interval, scenario_order

MULTIPLE_YEARS: tuple[int, ...] = (5, 10, 20)
"""Years after which a fund's recycling multiple is reported."""

LINES_RATE = 0.035
"""Public discount rate of the cost lines when the scenarios' own rates differ (the UK Green
Book's 3.5%, one of :data:`sim.model.books.REPORTED_RATES`)."""


def cost_by_rate(public_cost: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Return the net present public cost per success per scenario and discount rate.

    Args:
        public_cost: The comparison's ``public_cost`` table (``scenario``, ``replicate``,
            ``rate``, ``net_public_cost``, ``successes``, ``per_success``).
        order: Scenario order (default: order of first appearance).

    Returns:
        One row per rate and scenario: ``rate``, ``scenario``, ``n`` (replicates with a
        success), ``mean``, ``lower``, ``upper`` (EUR per success), ``cost`` (mean net present
        public cost, EUR) and ``rank`` (1 = cheapest per success at that rate).
    """
    order = scenario_order(public_cost, order)
    rows = []
    for (rate, scenario), group in public_cost.groupby(["rate", "scenario"], sort=False):
        values = group["per_success"].dropna().to_numpy(dtype=float)
        mean, lower, upper = mean_interval(values)
        rows.append(
            {
                "rate": float(rate),
                "scenario": scenario,
                "n": len(values),
                "mean": mean,
                "lower": lower,
                "upper": upper,
                "cost": float(group["net_public_cost"].mean()),
            }
        )
    table = pd.DataFrame(rows)
    table["order"] = table["scenario"].map({name: i for i, name in enumerate(order)})
    table = table.sort_values(["rate", "order"]).drop(columns="order").reset_index(drop=True)
    table["rank"] = table.groupby("rate")["mean"].rank(method="min").astype("Int64")
    return table


def deal_leverage(deals: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Return commercial money per EUR of first-loss cover across closed blended deals.

    Args:
        deals: The comparison's ``deals`` table.
        order: Scenario order.

    Returns:
        One row per scenario with blended deals: ``deals`` (closed), ``mean``, ``sd``, ``p5``,
        ``p95`` of the deals' leverage (a deal with no cover needed has none: it is counted in
        ``uncovered`` and left out of the statistics).
    """
    closed = deals[(deals["instrument"] == "blended") & deals["closed"]]
    rows = []
    for scenario in scenario_order(deals, order):
        mine = closed[closed["scenario"] == scenario]
        if mine.empty:
            continue
        leverage = mine["leverage"].replace([np.inf], np.nan).dropna().to_numpy(dtype=float)
        rows.append(
            {
                "scenario": scenario,
                "deals": len(mine),
                "uncovered": int(len(mine) - len(leverage)),
                "mean": float(leverage.mean()) if len(leverage) else np.nan,
                "sd": float(leverage.std(ddof=1)) if len(leverage) > 1 else np.nan,
                "p5": float(np.percentile(leverage, 5)) if len(leverage) else np.nan,
                "p95": float(np.percentile(leverage, 95)) if len(leverage) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def multiple_at(
    steps: pd.DataFrame,
    steps_per_year: int,
    years: Sequence[int] = MULTIPLE_YEARS,
    order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return the recycling multiple after each of ``years`` per scenario (mean and interval).

    Args:
        steps: The comparison's step table (with ``recycling_multiple``).
        steps_per_year: Steps in a year.
        years: Years after which to read the multiple (those beyond a run's horizon are left
            out).
        order: Scenario order.

    Returns:
        One row per scenario with a fund and year: ``scenario``, ``year``, ``n``, ``mean``,
        ``lower``, ``upper``.
    """
    rows = []
    for scenario in scenario_order(steps, order):
        mine = steps[steps["scenario"] == scenario]
        for year in years:
            at = mine[mine["step"] == year * steps_per_year]["recycling_multiple"].dropna()
            if at.empty:
                continue
            mean, lower, upper = mean_interval(at.to_numpy(dtype=float))
            rows.append(
                {
                    "scenario": scenario,
                    "year": year,
                    "n": len(at),
                    "mean": mean,
                    "lower": lower,
                    "upper": upper,
                }
            )
    return pd.DataFrame(rows)


def cost_lines(
    parts: pd.DataFrame, rate: float, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return the mean net present public cost per run, line by line, at one discount rate.

    Args:
        parts: The comparison's ``public_cost_parts`` table (``scenario``, ``replicate``,
            ``rate``, ``part``, ``item``, ``value``).
        rate: Public discount rate per year (1/year) of the lines.
        order: Scenario order.

    Returns:
        One row per line (``rate``, ``part``, ``item``) and one column per scenario: the mean
        over the scenario's runs of the line's value (EUR at step 0; a line a run does not
        have counts as 0 in it), then a last row ``total``: the mean net present public cost,
        which the lines above it sum to.
    """
    order = scenario_order(parts, order)
    chosen = parts[np.isclose(parts["rate"], rate, rtol=0, atol=1e-12)]
    runs = chosen.groupby("scenario")["replicate"].nunique().reindex(order)
    sums = chosen.groupby(["part", "item", "scenario"])["value"].sum().unstack("scenario")
    lines = sums.reindex(columns=order).fillna(0.0) / runs
    lines = lines.reset_index()
    lines = lines.sort_values(["part", "item"], key=_line_order, kind="stable")
    total = {"part": "total", "item": "", **lines[order].sum().to_dict()}
    table = pd.concat([lines, pd.DataFrame([total])], ignore_index=True)
    table.insert(0, "rate", rate)
    return table


def finance_tables(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """Return a comparison's finance tables by file stem (empty ones left out).

    ``public_cost_by_rate`` (:func:`cost_by_rate`), ``deal_leverage`` (:func:`deal_leverage`),
    ``fund_multiples`` (:func:`multiple_at`) and ``public_cost_lines`` (:func:`cost_lines`, at
    the scenarios' own discount rate if they share one, else :data:`LINES_RATE`).
    """
    tables = comparison.tables
    order = comparison.scenarios
    spy = max(comparison.steps_per_year().values(), default=4)
    own = {
        entry["scenario"]["finance"]["public_discount_rate"]
        for entry in comparison.manifest.get("scenarios", [])
    }
    found = {
        "public_cost_lines": cost_lines(
            tables["public_cost_parts"], own.pop() if len(own) == 1 else LINES_RATE, order
        )
        if "public_cost_parts" in tables
        else None,
        "public_cost_by_rate": cost_by_rate(tables["public_cost"], order)
        if "public_cost" in tables
        else pd.DataFrame(),
        "deal_leverage": deal_leverage(tables["deals"], order) if "deals" in tables else None,
        "fund_multiples": multiple_at(tables["steps"], spy, order=order),
    }
    return {name: table for name, table in found.items() if table is not None and len(table)}


def finance_text(tables: dict[str, pd.DataFrame]) -> str:
    """Return :func:`finance_tables` as text for the terminal (money in M EUR)."""
    by_rate = tables.get("public_cost_by_rate", pd.DataFrame(columns=["rate"]))
    leverage = tables.get("deal_leverage", pd.DataFrame())
    multiples = tables.get("fund_multiples", pd.DataFrame())
    lines = ["net present public cost per success (M EUR) by public discount rate [95% interval]"]
    for rate, group in by_rate.groupby("rate", sort=True):
        cells = ", ".join(
            f"{row.scenario} {_m(row.mean)} [{_m(row.lower)}, {_m(row.upper)}] #{row.rank}"
            for row in group.itertuples()
        )
        lines.append(f"  {rate:.1%}: {cells}")
    if len(leverage):
        lines.append("commercial per concessional EUR across closed blended deals")
        for row in leverage.itertuples():
            lines.append(
                f"  {row.scenario}: {row.deals} deals, mean {row.mean:.2f}, sd {row.sd:.2f}, "
                f"5-95% {row.p5:.2f}-{row.p95:.2f} ({row.uncovered} needed no cover)"
            )
    lines_table = tables.get("public_cost_lines", pd.DataFrame())
    if len(lines_table):
        lines += _lines_text(lines_table)
    if len(multiples):
        lines.append("fund recycling multiple after 5 / 10 / 20 years [95% interval]")
        for scenario, group in multiples.groupby("scenario", sort=False):
            cells = ", ".join(
                f"year {row.year}: {row.mean:.2f} [{row.lower:.2f}, {row.upper:.2f}]"
                for row in group.itertuples()
            )
            lines.append(f"  {scenario}: {cells}")
    return "\n".join(lines)


def _lines_text(table: pd.DataFrame) -> list[str]:
    """Return :func:`cost_lines` as aligned text lines (M EUR, mean per run)."""
    scenarios = [c for c in table.columns if c not in ("rate", "part", "item")]
    rate = float(table["rate"].iloc[0])
    labels = [f"{row.part}: {row.item}" if row.item else row.part for row in table.itertuples()]
    width = max(map(len, labels))
    cells = [[_m(v) for v in table[s]] for s in scenarios]
    widths = [
        max(len(s), *(len(c) for c in column)) for s, column in zip(scenarios, cells, strict=True)
    ]
    head = "  ".join(f"{s:>{w}}" for s, w in zip(scenarios, widths, strict=True))
    out = [
        f"net present public cost, line by line (M EUR per run, mean; at {rate:.1%}): "
        "paid out and got back by the purse, held by the vehicles and claimed at the horizon",
        f"  {'':<{width}}  {head}",
    ]
    for i, label in enumerate(labels):
        row = "  ".join(f"{column[i]:>{w}}" for column, w in zip(cells, widths, strict=True))
        out.append(f"  {label:<{width}}  {row}")
    return out


def _line_order(column: pd.Series) -> pd.Series:
    """Sort key of :func:`cost_lines`: parts in the order of :data:`PARTS`, items by name."""
    return (
        column.map({part: i for i, part in enumerate(PARTS)}) if column.name == "part" else column
    )


def _m(value: float) -> str:
    """Format EUR as M EUR with two decimals (n/a for NaN)."""
    return "n/a" if value != value else f"{value / 1e6:.2f}"
