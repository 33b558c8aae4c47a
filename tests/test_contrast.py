"""Paired differences between scenarios, checked by hand on a small step table."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.runs.contrast import paired_differences


@pytest.fixture
def steps() -> pd.DataFrame:
    """Three scenarios, three replicates, steps 0 and 1; only the last step counts."""
    end = {
        # scenario: (pilots_succeeded, public_cost_per_success) of replicates 0, 1, 2
        "base": ([4, 6, 5], [2e6, 1e6, math.nan]),
        "lever": ([7, 8, 9], [1e6, 1e6, 5e5]),
        "same": ([4, 6, 5], [2e6, 1e6, 1e6]),
    }
    rows = []
    for name, (succeeded, cost) in end.items():
        for rep in range(3):
            rows.append((name, 10 + rep, rep, 0, 0, math.nan))  # step 0: nothing yet
            rows.append((name, 10 + rep, rep, 1, succeeded[rep], cost[rep]))
    columns = [
        "scenario",
        "seed",
        "replicate",
        "step",
        "pilots_succeeded",
        "public_cost_per_success",
    ]
    return pd.DataFrame(rows, columns=columns)


def t_half(values: list[float], level: float = 0.95) -> float:
    values = np.asarray(values, dtype=float)
    return (
        stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    )


def test_differences_are_paired_by_replicate(steps):
    table = paired_differences(steps, ["pilots_succeeded"], base="base")
    assert list(table["scenario"]) == ["lever", "same"]
    lever = table.iloc[0]
    # 7-4, 8-6, 9-5 = 3, 2, 4
    assert lever["mean"] == pytest.approx(3.0)
    assert (lever["lower"], lever["upper"]) == pytest.approx(
        (3 - t_half([3, 2, 4]), 3 + t_half([3, 2, 4]))
    )
    assert lever["n"] == 3 and lever["unit"] == "pilots" and lever["base"] == "base"
    # the same numbers under another name differ by exactly zero
    same = table.iloc[1]
    assert (same["mean"], same["lower"], same["upper"]) == (0.0, 0.0, 0.0)


def test_pairs_with_a_missing_value_are_left_out(steps):
    table = paired_differences(steps, ["public_cost_per_success"], base="base", level=0.9)
    lever = table[table["scenario"] == "lever"].iloc[0]
    # replicate 2 of the base has no value: pairs (1e6 - 2e6, 1e6 - 1e6)
    assert lever["n"] == 2 and lever["mean"] == pytest.approx(-5e5)
    half = t_half([-1e6, 0.0], level=0.9)
    assert (lever["lower"], lever["upper"]) == pytest.approx((-5e5 - half, -5e5 + half))
    assert lever["level"] == 0.9


def test_runs_pair_by_seed_without_a_replicate_column(steps):
    by_seed = paired_differences(steps.drop(columns="replicate"), ["pilots_succeeded"], base="base")
    by_replicate = paired_differences(steps, ["pilots_succeeded"], base="base")
    pd.testing.assert_frame_equal(by_seed, by_replicate)


def test_order_and_bad_input(steps):
    table = paired_differences(steps, ["pilots_succeeded"], base="lever", order=["same", "base"])
    assert list(table["scenario"]) == ["same", "base"]
    assert table["mean"].tolist() == pytest.approx([-3.0, -3.0])
    with pytest.raises(ValueError, match="base scenario not in the table: nobody; available: base"):
        paired_differences(steps, ["pilots_succeeded"], base="nobody")
    with pytest.raises(ValueError, match="no_such_metric"):
        paired_differences(steps, ["no_such_metric"], base="base")
