"""Findings in words: sentences made from paired differences, and what is fixed or empty."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.outputs.findings import amount, findings, fixed_sentence, interval_cell, unclear_metrics
from sim.runs.fixed import metric_kinds


def differences(rows):
    columns = ["scenario", "base", "metric", "unit", "n", "mean", "lower", "upper", "level"]
    return pd.DataFrame([(*row, 0.95) for row in rows], columns=columns)


def test_a_clear_difference_in_money_reads_in_millions_with_its_interval():
    table = differences(
        [("revolving", "grant", "public_cost_per_success", "EUR/pilot", 10, -3.1e5, -5.0e5, -1.2e5)]
    )
    (finding,) = findings(table)
    assert finding.clear
    assert finding.sentence == (
        "Under revolving, net public cost per successful pilot was 0.31 M EUR per pilot lower than "
        "under grant (95% interval 0.12 to 0.50 M EUR per pilot lower)."
    )


def test_a_table_cell_holds_the_signed_difference_and_interval_in_the_header_unit():
    cell = interval_cell(-1.9e5, -3.2e5, -5.3e4, "public_cost_per_success", "EUR/pilot")
    assert cell == "-0.19 [-0.32, -0.053]"  # M EUR per pilot, named in the column's header
    assert interval_cell(3.2, -1.42, 7.82, "pilots_succeeded", "pilots") == "+3.20 [-1.42, +7.82]"
    assert interval_cell(math.nan, math.nan, math.nan, "leverage", "EUR/EUR") == "n/a"


def test_an_unclear_difference_says_so_with_signed_numbers_and_comes_after_clear_ones():
    table = differences(
        [
            ("a", "ref", "pilots_succeeded", "pilots", 10, 1.5, -0.5, 3.5),
            ("a", "ref", "pilots_agreed", "pilots", 10, 4.0, 1.0, 7.0),
            ("b", "ref", "pilots_agreed", "pilots", 10, 8.0, 7.0, 9.0),
        ]
    )
    found = findings(table)
    assert [(f.scenario, f.metric, f.clear) for f in found] == [
        ("b", "pilots_agreed", True),  # 8 / 1: furthest beyond chance first
        ("a", "pilots_agreed", True),
        ("a", "pilots_succeeded", False),
    ]
    assert found[2].sentence == (
        "Under a, pilots succeeded was not clearly different from ref: +1.50 pilots "
        "(95% interval -0.50 pilots to +3.50 pilots)."
    )
    assert unclear_metrics(found) == ["Pilots succeeded"]


def test_rows_without_an_interval_or_equal_in_every_run_are_no_findings():
    table = differences(
        [
            ("a", "ref", "fund_balance", "EUR", 10, 0.0, 0.0, 0.0),
            ("a", "ref", "recycling_multiple", "EUR/EUR", 0, math.nan, math.nan, math.nan),
        ]
    )
    assert findings(table) == []


def test_amounts_use_the_registry_unit_in_words():
    assert amount(2.5, "leverage") == "2.50 EUR per EUR"
    assert amount(0.3, "trust_org_mean") == "0.30 share"
    assert amount(0.03, "trust_org_mean") == "0.030 share"
    assert amount(123_456_789, "public_spend") == "123 M EUR"
    assert amount(0, "public_spend") == "0 M EUR"
    assert fixed_sentence("appropriated", {"grant": 35e6}) == (
        "Budget appropriated is 35.0 M EUR in grant, in every replicate: set by the scenario's "
        "budgets and what its elections set, the same rule in every arm."
    )
    # a metric without a stated cause still says that its inputs fixed it
    assert fixed_sentence("leverage", {"blended": 2.5}).endswith("set by the scenario's inputs.")


def test_metric_kinds_tell_varying_from_fixed_and_empty():
    steps = pd.DataFrame(
        {
            "scenario": np.repeat(["a", "b"], 3),
            "replicate": [0, 1, 2] * 2,
            "step": 5,
            "varies": [1.0, 2.0, 3.0, 1.0, 1.0, 1.0],
            "fixed": [2.5, 2.5000000001, 2.5, math.nan, math.nan, math.nan],
            "empty": [0.0, 0.0, math.nan, 0.0, 0.0, 0.0],
        }
    )
    assert metric_kinds(steps, ["varies", "fixed", "empty"]) == {
        "varies": "varies",
        "fixed": "fixed",
        "empty": "empty",
    }
    one_run = steps[steps["replicate"] == 0]
    assert metric_kinds(one_run, ["fixed"]) == {"fixed": "varies"}  # one run cannot tell


@pytest.mark.parametrize("spread", [1e-3, 0.1])
def test_a_metric_that_moves_a_little_is_not_fixed(spread):
    steps = pd.DataFrame(
        {"scenario": "a", "replicate": [0, 1], "step": 1, "m": [2.5, 2.5 + spread]}
    )
    assert metric_kinds(steps, ["m"]) == {"m": "varies"}
