"""The finance officer's table on small hand-built result tables (sim.runs.finance_table)."""

import math

import pandas as pd
import pytest

from sim.runs.finance_table import (
    cost_by_rate,
    cost_lines,
    deal_leverage,
    finance_text,
    multiple_at,
)


def test_cost_per_success_by_rate_ranks_each_rate_on_its_own():
    rows = [
        # scenario, replicate, rate, cost, successes
        ("fund", 0, 0.0, -4.0, 2),
        ("fund", 1, 0.0, -2.0, 2),
        ("grant", 0, 0.0, 2.0, 2),
        ("grant", 1, 0.0, 4.0, 2),
        ("fund", 0, 0.04, 8.0, 2),
        ("fund", 1, 0.04, 8.0, 2),
        ("grant", 0, 0.04, 4.0, 2),
        ("grant", 1, 0.04, 6.0, 0),  # no success: no cost per success
    ]
    table = pd.DataFrame(
        rows, columns=["scenario", "replicate", "rate", "net_public_cost", "successes"]
    )
    table["per_success"] = [
        c / s if s else math.nan
        for c, s in zip(table.net_public_cost, table.successes, strict=True)
    ]
    out = cost_by_rate(table, order=["grant", "fund"]).set_index(["rate", "scenario"])
    assert out.loc[(0.0, "fund"), "mean"] == pytest.approx(-1.5)
    assert out.loc[(0.0, "grant"), "mean"] == pytest.approx(1.5)
    assert out.loc[(0.0, "fund"), "rank"] == 1 and out.loc[(0.0, "grant"), "rank"] == 2
    # at 4% the ranking turns, and the run without a success is left out of the mean
    assert out.loc[(0.04, "grant"), "n"] == 1
    assert out.loc[(0.04, "grant"), "mean"] == pytest.approx(2.0)
    assert out.loc[(0.04, "grant"), "rank"] == 1 and out.loc[(0.04, "fund"), "rank"] == 2
    assert out.loc[(0.04, "grant"), "cost"] == pytest.approx(5.0)


def test_leverage_across_deals_leaves_out_deals_needing_no_cover():
    deals = pd.DataFrame(
        {
            "scenario": ["b"] * 5,
            "instrument": ["blended", "blended", "blended", "blended", "grant"],
            "closed": [True, True, True, False, True],
            "leverage": [2.0, 4.0, math.inf, 9.0, 100.0],
        }
    )
    row = deal_leverage(deals).iloc[0]
    assert (row.deals, row.uncovered) == (3, 1)
    assert row["mean"] == pytest.approx(3.0)
    assert row["sd"] == pytest.approx(math.sqrt(2.0))


def test_fund_multiple_read_at_whole_years_only_where_the_run_reaches():
    steps = pd.DataFrame(
        {
            "scenario": ["f"] * 6,
            "replicate": [0, 0, 0, 1, 1, 1],
            "step": [4, 20, 40, 4, 20, 40],
            "recycling_multiple": [0.1, 0.5, 1.0, 0.3, 0.7, 1.2],
        }
    )
    out = multiple_at(steps, steps_per_year=4, years=(5, 10, 20))
    assert out["year"].tolist() == [5, 10]
    assert out["mean"].tolist() == pytest.approx([0.6, 1.1])


def test_cost_lines_average_over_runs_count_a_missing_line_as_zero_and_sum_to_the_total():
    parts = pd.DataFrame(
        [
            # scenario, replicate, rate, part, item, value
            ("fund", 0, 0.035, "paid", "fund_capitalisation", 100.0),
            ("fund", 0, 0.035, "held", "fund", -60.0),
            ("fund", 1, 0.035, "paid", "fund_capitalisation", 80.0),
            ("fund", 1, 0.035, "held", "fund", -50.0),
            ("fund", 1, 0.035, "claimed", "loan", -10.0),
            ("fund", 1, 0.0, "claimed", "loan", -99.0),  # another rate: not read
            ("grant", 0, 0.035, "received", "savings_share", -5.0),
            ("grant", 0, 0.035, "paid", "grant", 30.0),
        ],
        columns=["scenario", "replicate", "rate", "part", "item", "value"],
    )
    out = cost_lines(parts, 0.035, order=["grant", "fund"])
    assert list(out.columns) == ["rate", "part", "item", "grant", "fund"]
    assert list(zip(out.part, out["item"], strict=True)) == [
        ("paid", "fund_capitalisation"),
        ("paid", "grant"),
        ("received", "savings_share"),
        ("held", "fund"),
        ("claimed", "loan"),
        ("total", ""),
    ]
    assert out["fund"].tolist() == pytest.approx([90.0, 0.0, 0.0, -55.0, -5.0, 30.0])
    assert out["grant"].tolist() == pytest.approx([0.0, 30.0, -5.0, 0.0, 0.0, 25.0])
    text = finance_text({"public_cost_lines": out})
    assert "at 3.5%" in text
    labels = [line.split()[:2] for line in text.splitlines() if line.startswith("  paid:")]
    assert labels == [["paid:", "fund_capitalisation"], ["paid:", "grant"]]
    assert text.splitlines()[-1].split()[0] == "total"
