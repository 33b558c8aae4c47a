"""Robustness measures: known answers on small hand-made performance tables."""

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiments import robustness as rb
from sim.experiments.decision_spec import Objective

NAN = math.nan

COST = Objective(metric="cost", direction="minimise", threshold=5)
SUCC = Objective(metric="succ", direction="maximise", threshold=2)
OBJECTIVES = [COST, SUCC]

# Two policies, four futures, two replicates. Replicate means (the value in a future):
#   cost  A: 2, 4, 7, 1      B: 3, 3, undefined (one replicate NaN), undefined (both NaN)
#   succ  A: 2, 1, 0, 4      B: 2, 3, 2, 1
RUNS = {
    "A": {"cost": [(1, 3), (4, 4), (6, 8), (1, 1)], "succ": [(2, 2), (1, 1), (0, 0), (3, 5)]},
    "B": {
        "cost": [(3, 3), (2, 4), (NAN, 5), (NAN, NAN)],
        "succ": [(1, 3), (3, 3), (2, 2), (1, 1)],
    },
}


def table(runs=RUNS) -> pd.DataFrame:
    rows = []
    for policy, metrics in runs.items():
        futures = len(next(iter(metrics.values())))
        for future in range(futures):
            for replicate in range(2):
                row = {"policy": policy, "future": future, "replicate": replicate}
                row |= {metric: values[future][replicate] for metric, values in metrics.items()}
                rows.append(row)
    return pd.DataFrame(rows)


def by_policy(frame: pd.DataFrame, column: str, objective: str | None = None) -> dict:
    if objective is not None:
        frame = frame[frame["objective"] == objective]
    return dict(zip(frame["policy"], frame[column], strict=True))


def test_future_values_are_replicate_means_undefined_if_any_replicate_is():
    values = rb.future_values(table(), OBJECTIVES)
    assert values["cost"].tolist()[:4] == [2, 4, 7, 1]
    b = values[values["policy"] == "B"]
    assert b["cost"].iloc[:2].tolist() == [3, 3] and b["cost"].iloc[2:].isna().all()
    assert values["succ"].tolist() == [2, 1, 0, 4, 2, 3, 2, 1]


def test_regret_against_the_best_policy_in_each_future():
    regret = rb.regret(table(), OBJECTIVES)
    assert len(regret) == 2 * 4 * 2  # no row dropped, undefined values included
    cost = regret[regret["objective"] == "cost"]
    # worst cost observed anywhere is 7 (A in future 2): B's undefined values count as 7
    assert cost["regret"].tolist() == [0, 1, 0, 0, 1, 0, 0, 6]
    assert cost["best"].tolist() == [2, 3, 7, 1] * 2
    assert cost["undefined"].tolist() == [False] * 6 + [True, True]
    succ = regret[regret["objective"] == "succ"]
    assert succ["regret"].tolist() == [0, 2, 2, 0, 0, 0, 0, 3]


def test_regret_summary_gives_maximum_quantile_and_mean():
    summary = rb.regret_summary(rb.regret(table(), OBJECTIVES), 0.9)
    assert by_policy(summary, "max_regret", "cost") == {"A": 1, "B": 6}
    # linear interpolation at 0.9 of four values: 0.7 of the way from the 3rd to the 4th
    assert by_policy(summary, "quantile_regret", "cost") == pytest.approx({"A": 0.7, "B": 4.5})
    assert by_policy(summary, "mean_regret", "cost") == {"A": 0.25, "B": 1.75}
    assert by_policy(summary, "undefined", "cost") == {"A": 0, "B": 2}
    assert by_policy(summary, "max_regret", "succ") == {"A": 2, "B": 3}
    assert by_policy(summary, "quantile_regret", "succ") == pytest.approx({"A": 2.0, "B": 2.1})
    median = rb.regret_summary(rb.regret(table(), OBJECTIVES), 0.5)
    assert by_policy(median, "quantile_regret", "cost") == {"A": 0, "B": 0.5}


def test_an_undefined_value_is_never_better_than_a_defined_one():
    # A policy undefined everywhere but one future, where it is the worst policy anyway
    runs = {
        "good": {"cost": [(1, 1), (2, 2)], "succ": [(1, 1), (1, 1)]},
        "gone": {"cost": [(NAN, NAN), (9, 9)], "succ": [(1, 1), (1, 1)]},
    }
    regret = rb.regret(table(runs), OBJECTIVES)
    cost = regret[regret["objective"] == "cost"]
    assert cost["regret"].tolist() == [0, 0, 8, 7]  # worst observed cost 9 stands in for NaN


def test_satisficing_per_future_and_shares():
    met = rb.satisficing(table(), OBJECTIVES)
    assert met["meets:cost"].tolist() == [True, True, False, True, True, True, False, False]
    assert met["meets:succ"].tolist() == [True, False, False, True, True, True, True, False]
    assert met["meets_all"].tolist() == [True, False, False, True, True, True, False, False]
    shares = rb.satisficing_summary(met).set_index("policy")
    assert shares.loc["A"].tolist() == [0.75, 0.5, 0.5]
    assert shares.loc["B"].tolist() == [0.5, 0.75, 0.5]
    assert list(shares.columns) == ["share:cost", "share:succ", "share_all"]


def test_satisficing_needs_a_threshold():
    with pytest.raises(ValueError, match="no objective has a threshold"):
        rb.satisficing(table(), [COST.model_copy(update={"threshold": None})])


def test_summary_mean_spread_quantiles_and_replicate_noise():
    summary = rb.summary(table(), OBJECTIVES).set_index(["policy", "objective"])
    a = summary.loc[("A", "cost")]
    assert a["mean"] == 3.5 and a["sd"] == pytest.approx(math.sqrt(7))
    assert (a["q10"], a["q50"], a["q90"]) == pytest.approx((1.3, 3.0, 6.1))
    assert (a["futures"], a["undefined"]) == (4, 0)
    assert a["replicate_sd"] == pytest.approx(math.sqrt(2) / 2)  # sd 1.414, 0, 1.414, 0
    b = summary.loc[("B", "cost")]
    assert (b["mean"], b["sd"], b["futures"], b["undefined"]) == (3, 0, 2, 2)
    assert b["replicate_sd"] == pytest.approx(math.sqrt(2) / 2)  # over futures with a value


def test_ranking_point_values_and_ties():
    ranks = rb.ranking(table(), OBJECTIVES, quantile=0.9, resamples=200, seed=1)
    assert list(dict.fromkeys(ranks["criterion"])) == ["satisficing", "regret:cost", "regret:succ"]
    first = ranks[ranks["criterion"] == "satisficing"]
    assert first["value"].tolist() == [0.5, 0.5] and first["rank"].tolist() == [1, 1]
    cost = ranks[ranks["criterion"] == "regret:cost"]
    assert cost["policy"].tolist() == ["A", "B"] and cost["rank"].tolist() == [1, 2]
    assert cost["value"].tolist() == pytest.approx([0.7, 4.5])
    assert rb.leaders(ranks, 1) == ["A"]  # first of the tie, in the table's order


def noisy(shift: float, futures: int = 40, replicates: int = 4, seed: int = 0) -> pd.DataFrame:
    """Two policies, A and B = A + shift, each with its own replicate noise (sd 1)."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0, 10, size=futures)
    rows = [
        {
            "policy": policy,
            "future": f,
            "replicate": r,
            "cost": level[f] + (shift if policy == "B" else 0.0) + rng.normal(),
        }
        for policy in ("A", "B")
        for f in range(futures)
        for r in range(replicates)
    ]
    return pd.DataFrame(rows)


def test_a_clear_winner_is_sure_and_noise_alone_is_not():
    objective = [Objective(metric="cost", direction="minimise")]
    clear = rb.ranking(noisy(shift=3.0), objective, quantile=0.9, resamples=300)
    assert by_policy(clear, "p_best") == {"A": 1.0, "B": 0.0}
    assert by_policy(clear, "rank_high") == {"A": 1, "B": 2}
    same = rb.ranking(noisy(shift=0.0), objective, quantile=0.9, resamples=300)
    p_best = by_policy(same, "p_best")
    assert min(p_best.values()) > 0.1  # replicate noise alone leaves the order open
    assert set(by_policy(same, "rank_low").values()) == {1}
    assert set(by_policy(same, "rank_high").values()) == {2}


def test_paired_differences_against_a_reference():
    diff = rb.paired_differences(table(), COST, "A", resamples=200)
    row = diff.iloc[0]
    assert row["policy"] == "B" and row["reference"] == "A"
    # B's advantage per future: 2-3, 4-3, 7-7 (undefined counts as worst), 1-7
    assert row["advantage"] == -1.5
    assert (row["share_ahead"], row["share_behind"]) == (0.25, 0.5)
    assert row["low"] <= -1.5 <= row["high"]
    clear = rb.paired_differences(noisy(shift=3.0), COST, "B", resamples=200).iloc[0]
    assert clear["advantage"] == pytest.approx(3.0, abs=0.3) and clear["low"] > 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop(columns="succ"), "lacks columns"),
        (lambda t: pd.concat([t, t.iloc[:1]]), "appears twice"),
        (lambda t: t.iloc[1:], "not complete: no run for policy A, future 0, replicate 0"),
        (lambda t: t.assign(succ=NAN), "undefined in every run: \\['succ'\\]"),
    ],
)
def test_a_bad_performance_table_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        rb.cube(change(table()), OBJECTIVES)


def test_replicate_noise_alone_makes_a_ranking_unsure():
    # one future: resampling futures changes nothing, so only the replicates can move the ranks
    objective = [Objective(metric="cost", direction="minimise")]
    ranks = rb.ranking(noisy(shift=0.0, futures=1, replicates=20), objective, quantile=0.9)
    p_best = by_policy(ranks, "p_best")
    assert 0.05 < p_best["A"] < 0.95 and 0.05 < p_best["B"] < 0.95
