"""Robust decisions: decision files, the pipeline on a reference model whose robust choice is
known by construction, killed and resumed runs, the search for better terms, the command."""

import json
import random

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import scenario
from matplotlib.transforms import Bbox
from test_sweep import SLOW, TINY, assert_same_tables, kill_then_stop, tables

import sim.experiments.policy_search as policy_search
from sim.cli.main import main
from sim.experiments.decision_plan import plan_decision
from sim.experiments.policy_search import search_policies
from sim.experiments.robust import analyse, run_decision
from sim.experiments.sensitivity import ResultsError
from sim.experiments.sweep import run_sweep
from sim.experiments.worker import run_task
from sim.outputs import robust_figures as figures
from sim.outputs import robustness as out
from sim.outputs import style
from sim.scenario.errors import ScenarioError
from sim.scenario.files import dump

CHOICE = {
    "name": "hedge",
    "model": "sim.experiments.reference_models:policy_choice",
    "policies": [
        {"name": "exposed", "override": {"hedge": 0.0}},
        {"name": "half", "override": {"hedge": 0.5}},
        {"name": "hedged", "override": {"hedge": 1.0}},
    ],
    "uncertainties": [
        {"key": "u", "bounds": [0.0, 1.0], "label": "severity", "unit": "1"},
        {"key": "v", "bounds": [0.0, 1.0]},
    ],
    "futures": 100,
    "replicates": 2,
    "seed": 5,
    "objectives": [
        {"metric": "cost", "direction": "minimise", "threshold": 1.2},
        {"metric": "benefit", "direction": "maximise", "threshold": 0.8},
    ],
    "search": {
        "policy": "half",
        "levers": [{"key": "hedge", "bounds": [0.0, 1.0]}],
        "futures": 16,
        "population": 8,
        "evaluations": 32,
    },
}
"""The reference model's choice (sim.experiments.reference_models.policy_choice): "half" is
robust by construction (minimax regret 0.5 against 1, 90th percentile 0.45 against 0.8, good
enough in 70% of futures against 60% and 0%)."""

CITY = {
    "name": "tiny-choice",
    "base": "base.yaml",
    "policies": [
        {"name": "grants"},
        {"name": "fund", "override": {"finance": {"instruments": ["revolving"]}}},
    ],
    "uncertainties": [
        {"key": "trust.l_plus", "bounds": [0.05, 0.2], "label": "trust building rate"},
        {"key": "politics.mean_reversion", "bounds": [0.0, 1.0]},
    ],
    "futures": 10,
    "replicates": 3,
    "seed": 4,
    "objectives": [
        {"metric": "pilots_agreed", "direction": "maximise", "threshold": 1},
        {"metric": "public_spend", "direction": "minimise"},
    ],
}
"""Grants against a revolving fund in the tiny city of the sweep tests: 60 short runs."""


def write(folder, data, name="decision.yaml"):
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def folder(tmp_path):
    """A folder holding the tiny city as ``base.yaml``."""
    dump(scenario(**TINY), tmp_path / "base.yaml")
    return tmp_path


@pytest.fixture(scope="module")
def choice(tmp_path_factory):
    """The reference choice, run and analysed once."""
    folder = tmp_path_factory.mktemp("choice")
    result = run_decision(write(folder, CHOICE), out=folder / "out")
    return analyse(result.out)


def row(table, **where):
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= table[column].to_numpy() == value
    (found,) = table[mask].to_dict("records")
    return found


# ------------------------------------------------------------------ the known robust choice


def test_every_policy_runs_in_the_same_futures_with_the_same_seeds(choice):
    runs = choice.performance.assign(seed=pd.read_parquet(choice.folder / "runs.parquet")["seed"])
    by_policy = [g.reset_index(drop=True) for _, g in runs.groupby("policy", sort=False)]
    seeds = [g[["future", "replicate", "seed"]] for g in by_policy]
    assert all(s.equals(seeds[0]) for s in seeds)
    assert seeds[0]["seed"].nunique() == 100 * 2  # replicate k of future f: one seed per pair
    points = pd.read_parquet(choice.folder / "points.parquet")
    futures = [g[["u", "v"]].reset_index(drop=True) for _, g in points.groupby("policy")]
    assert all(f.equals(futures[0]) for f in futures)


def test_regret_and_satisficing_match_the_closed_forms(choice):
    regret = choice.regret_summary
    for policy, q90, worst in (("exposed", 0.8, 1.0), ("half", 0.45, 0.5), ("hedged", 0.8, 1.0)):
        found = row(regret, policy=policy, objective="cost")
        assert found["quantile_regret"] == pytest.approx(q90, abs=0.03)
        assert found["max_regret"] == pytest.approx(worst, abs=0.05)
    shares = choice.satisficing_summary.set_index("policy")["share_all"]
    assert shares.to_dict() == pytest.approx({"exposed": 0.6, "half": 0.7, "hedged": 0.0}, abs=0.03)
    assert row(choice.summary, policy="half", objective="cost")["mean"] == pytest.approx(
        1, abs=0.05
    )


def test_the_robust_choice_is_half_and_the_ranking_is_sure_of_it(choice):
    assert choice.leaders == ["half", "exposed"]
    for criterion in ("satisficing", "regret:cost"):
        best = row(choice.ranking, criterion=criterion, policy="half")
        assert (best["rank"], best["rank_high"]) == (1, 1) and best["p_best"] > 0.95
    assert row(choice.ranking, criterion="regret:benefit", policy="exposed")["rank"] == 1


def test_vulnerabilities_are_boxes_in_the_uncertainties_own_values(choice):
    expected = {"half": 0.7, "exposed": 0.6}  # misses where severity u exceeds these
    for vulnerable in choice.vulnerabilities:
        limits = figures.vulnerability_limits(choice, vulnerable).set_index("key")
        assert limits.loc["u", "restricted"] and not limits.loc["v", "restricted"]
        assert limits.index[0] == "u" and limits.loc["v", "kept"] == 1.0
        assert limits.loc["u", "lower"] == pytest.approx(expected[vulnerable.policy], abs=0.05)
        assert limits.loc["u", "upper"] > 0.95
        assert limits.loc["u", "parameter"] == "severity"  # a dimensionless unit is not shown
        box = vulnerable.boxes[0]
        inside = vulnerable.cases["u"].between(limits.loc["u", "lower"], limits.loc["u", "upper"])
        assert box.density == pytest.approx(vulnerable.cases.loc[inside, "y"].mean())


def test_an_undefined_objective_gets_the_worst_regret_and_no_row_is_dropped(tmp_path):
    data = {
        **CHOICE,
        "policies": [
            {"name": p["name"], "override": {**p["override"], "undefined_above": 2.0}}
            for p in CHOICE["policies"]
        ]
        + [{"name": "fragile", "override": {"hedge": 0.5, "undefined_above": 0.9}}],
    }
    analysis = analyse(run_decision(write(tmp_path, data), out=tmp_path / "out").out)
    regret = analysis.regret[analysis.regret["objective"] == "cost"]
    assert len(regret) == 4 * 100  # every policy in every future
    fragile = regret[regret["policy"] == "fragile"]
    assert fragile["undefined"].sum() == pytest.approx(10, abs=1)  # u > 0.9
    worst = regret.groupby("future")["regret"].max()
    lost = fragile[fragile["undefined"]]
    assert (lost["regret"].to_numpy() == worst[lost["future"]].to_numpy()).all()
    assert row(analysis.summary, policy="fragile", objective="cost")["undefined"] == len(lost)
    met = analysis.satisficing.set_index(["policy", "future"])["meets_all"]
    assert not met[[("fragile", f) for f in lost["future"]]].any()


# ------------------------------------------------------------------ outputs


def test_robustness_table_and_figure_data_agree_with_the_measures(choice):
    table = out.robustness_table(choice)
    assert table["policy"].tolist() == ["half", "exposed", "hedged"]
    assert table[out.SATISFICING_COLUMN].tolist() == pytest.approx([0.7, 0.6, 0.0], abs=0.03)
    half = row(choice.regret_summary, policy="half", objective="cost")
    assert table.loc[0, "cost: regret q90"] == half["quantile_regret"]
    data = figures.regret_data(choice)
    mine = data[(data["objective"] == "cost") & (data["policy"] == "half")]
    assert mine["quantile"].iloc[0] == pytest.approx(half["quantile_regret"])
    assert mine["max"].iloc[0] == half["max_regret"]
    shares = figures.satisficing_data(choice).set_index(["policy", "threshold"])["share"]
    assert shares[("hedged", "benefit at least 0.8")] == 0.0
    assert shares[("hedged", "cost at most 1.2")] == 1.0
    ranks = out.display_ranking(choice)
    first = ranks[ranks["criterion"] == out.SATISFICING_COLUMN].iloc[0]
    assert (first["policy"], first["ranks in 95% of resamples"]) == ("half", "1")
    diffs = out.display_differences(choice).set_index(["goal", "policy"])
    exposed = row(choice.differences, policy="exposed", objective="benefit")
    assert diffs.loc[("benefit", "exposed"), "advantage over half"] == f"{exposed['advantage']:.3g}"


def test_write_robustness_writes_tables_and_figures(choice, tmp_path):
    written = {p.name for p in out.write_robustness(choice, tmp_path)}
    assert {"robustness.csv", "regret.csv", "ranking.csv", "vulnerabilities.csv"} <= written
    assert {"regret.png", "satisficing.png", "vulnerability_half.png"} <= written
    boxes = pd.read_csv(tmp_path / "vulnerabilities.csv")
    assert set(boxes["policy"]) == {"half", "exposed"}


# ------------------------------------------------------------------ the partnership model


def test_a_partnersim_decision_plans_every_policy_in_every_future(folder):
    plan = plan_decision(write(folder, CITY))
    assert plan.runs == 2 * 10 * 3
    points = plan.points_table()
    assert points["policy"].tolist() == ["grants"] * 10 + ["fund"] * 10
    tasks = list(plan.tasks())
    assert [t.scenario["name"] for t in tasks[::30]] == ["grants", "fund"]
    assert tasks[30].scenario["finance"]["instruments"] == ["revolving"]
    assert tasks[0].seed == tasks[30].seed and tasks[0].parameters == tasks[30].parameters
    units = {u["key"]: u["unit"] for u in plan.manifest()["decision"]["uncertainties"]}
    assert units == {"trust.l_plus": "1/observation", "politics.mean_reversion": "1"}


BAD = {
    "unknown uncertainty key": (
        {"uncertainties": [{"key": "trust.l_plu", "bounds": [0.05, 0.2]}]},
        ["uncertainties[0].key", "no 'l_plu' in trust", "did you mean 'l_plus'"],
    ),
    "missing policy file": (
        {"policies": [{"name": "a"}, {"name": "b", "scenario": "missing.yaml"}]},
        ["policies[1].scenario", "scenario file not found", "relative to the folder"],
    ),
    "bad override": (
        {"policies": [{"name": "a"}, {"name": "b", "override": {"finance": {"instrument": 1}}}]},
        ["policies[1].override.finance.instrument", "unknown key", "instruments"],
    ),
    "unknown metric": (
        {"objectives": [{"metric": "pilots_succeded", "direction": "maximise"}]},
        ["objectives[0].metric", "did you mean 'pilots_succeeded'", "got 'pilots_succeded'"],
    ),
    "bad direction": (
        {"objectives": [{"metric": "pilots_agreed", "direction": "more"}]},
        ["objectives[0].direction", "'minimise'", "'maximise'"],
    ),
    "one policy": ({"policies": [{"name": "a"}]}, ["policies", "at least 2"]),
    "policies twice": (
        {"policies": [{"name": "a"}, {"name": "a"}]},
        ["policy names listed twice: ['a']"],
    ),
    "no base": ({"base": None}, ["base (the scenario policies start from) is needed"]),
    "invalid future": (
        {"uncertainties": [{"key": "pilots.consortium_min", "bounds": [3, 30], "integer": True}]},
        ["policy grants: future", "must not exceed", "more problems"],
    ),
    "search policy": (
        {"search": {"policy": "loans", "levers": [{"key": "trust.k", "bounds": [0, 1]}]}},
        ["search.policy 'loans' is not a policy"],
    ),
    "search lever": (
        {
            "search": {
                "policy": "fund",
                "levers": [{"key": "finance.revolving.rte", "bounds": [0, 1]}],
            }
        },
        ["search.levers[0].key", "did you mean 'rate'"],
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_bad_decision_gets_one_line_naming_file_and_key(folder, capsys, case):
    change, expected = BAD[case]
    path = write(folder, {**CITY, **change})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path}: ")
    for text in expected:
        assert text in err
    assert main(["robust", str(path), "--out", str(folder / "out")]) == 2
    assert not (folder / "out").exists()  # nothing ran


def test_a_reference_decision_refuses_scenario_keys_and_uneven_policies(tmp_path):
    for change, words in (
        ({"base": "base.yaml"}, "base: only for model partnersim"),
        (
            {"policies": [{"name": "a", "override": {"hedge": 0}}, {"name": "b", "override": {}}]},
            "must set the same inputs",
        ),
    ):
        with pytest.raises(ScenarioError, match=words):
            plan_decision(write(tmp_path, {**CHOICE, **change}))


def test_validate_names_a_good_decision(folder, capsys):
    path = write(folder, CITY)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out == f"ok: {path} (tiny-choice)\n"


# ------------------------------------------------------------------ killed and resumed


def test_a_killed_decision_resumes_to_the_tables_of_an_uninterrupted_run(folder, capsys):
    dump(scenario(**SLOW), folder / "base.yaml")  # 60 runs that outlast a flush by seconds
    path = write(folder, CITY)
    out_dir = folder / "out"
    arguments = ["robust", str(path), "--out", str(out_dir), "--no-progress"]
    _, second, err = kill_then_stop(arguments, out_dir, runs=60)
    assert f"partnersim robust {path} --resume" in err

    assert main([*arguments, "--resume"]) == 0
    printed = capsys.readouterr().out
    assert f"{len(second)} skipped as already recorded" in printed and "overall" in printed
    whole = run_decision(path, out=folder / "whole")
    assert_same_tables(tables(out_dir), tables(whole.out))
    again = analyse(whole.out)
    out.write_robustness(again, folder / "whole" / "robustness")
    for name in ("robustness", "regret", "ranking", "satisficing", "differences"):
        resumed = pd.read_csv(out_dir / "robustness" / f"{name}.csv")
        pd.testing.assert_frame_equal(
            resumed, pd.read_csv(folder / "whole" / "robustness" / f"{name}.csv")
        )


# ------------------------------------------------------------------ analysis errors


def test_analysis_refuses_a_plain_sweep_and_failed_runs(folder):
    sweep = {
        "name": "s",
        "base": "base.yaml",
        "parameters": [{"key": "trust.l_plus", "bounds": [0.05, 0.2]}],
        "design": {"method": "lhs", "samples": 2},
    }
    plain = run_sweep(write(folder, sweep, "sweep.yaml"), out=folder / "sweep")
    with pytest.raises(ResultsError, match="not the results of a robust decision"):
        analyse(plain.out)
    broken = {
        **CHOICE,
        "model": "sim.experiments.reference_models:faulty",
        "policies": [{"name": "a", "override": {"x": 0}}, {"name": "b", "override": {"x": 5}}],
        "uncertainties": [{"key": "fail_above", "bounds": [1.0, 2.0]}],
        "futures": 3,
        "objectives": [{"metric": "y", "direction": "minimise"}],
        "search": None,
    }
    failed = run_decision(write(folder, broken, "broken.yaml"), out=folder / "broken")
    with pytest.raises(ResultsError, match="6 of 12 runs failed"):
        analyse(failed.out)


# ------------------------------------------------------------------ the search


def test_the_search_finds_the_known_pareto_set_and_is_reproducible(tmp_path):
    path = write(tmp_path, CHOICE)
    state = random.getstate()
    found = search_policies(path, seed=3)
    assert random.getstate() == state  # the search leaves Python's global random as it was
    front = found.pareto
    assert len(found.candidates) >= 32 and found.candidates["feasible"].all()
    # hedges above 2/3 give up the benefit threshold and more cost regret: never Pareto
    assert front["hedge"].max() <= 2 / 3 + 0.02
    assert front["hedge"].min() < 0.15 and front["hedge"].max() > 0.45
    named = found.reference.set_index("policy")
    assert named.loc["half", "regret:cost"] < named.loc["exposed", "regret:cost"]
    again = search_policies(path, seed=3)
    pd.testing.assert_frame_equal(found.candidates, again.candidates)


def consortium_search(bounds: list[int], evaluations: int) -> dict:
    """Grants and blended finance in 2 futures; a search over blended's smallest consortium."""
    return {
        **CITY,
        "policies": [
            {"name": "grants"},
            {"name": "blended", "override": {"finance": {"instruments": ["blended"]}}},
        ],
        "futures": 2,
        "replicates": 1,
        "search": {
            "policy": "blended",
            "levers": [{"key": "pilots.consortium_min", "bounds": bounds, "integer": True}],
            "futures": 2,
            "population": 4,
            "evaluations": evaluations,
        },
    }


def test_candidates_with_invalid_terms_are_infeasible(folder):
    found = search_policies(write(folder, consortium_search([6, 9], evaluations=8)))
    candidates = found.candidates
    invalid = candidates["pilots.consortium_min"] > 6  # above consortium_max: refused
    assert invalid.any() and (~invalid).any()
    assert (candidates.loc[invalid, "failed"] == 2).all() and not candidates.loc[
        invalid, "feasible"
    ].any()
    assert not found.candidates.loc[invalid, "pareto"].any()
    assert found.pareto["feasible"].all() and len(found.pareto) >= 1


def test_a_setting_judged_before_is_not_run_again(folder, monkeypatch):
    # an integer lever over four values: most of the 12 candidates repeat a setting, whose runs
    # (same futures, same seeds) would give the same results
    ran = []
    monkeypatch.setattr(policy_search, "run_task", lambda task: ran.append(task) or run_task(task))
    candidates = search_policies(
        write(folder, consortium_search([3, 6], evaluations=12))
    ).candidates
    settings = candidates["pilots.consortium_min"]
    assert len(candidates) == 12 and settings.nunique() < 12
    assert len(ran) == 2 * 2 + settings.nunique() * 2  # the named policies, then each setting
    scores = candidates.drop(columns=["candidate", "pareto"]).groupby(settings.name)
    assert (scores.nunique() == 1).all().all()  # a repeated setting has its first scores


# ------------------------------------------------------------------ the command


def test_partnersim_robust_prints_the_table_and_writes_analysis_search_and_report(tmp_path, capsys):
    path = write(tmp_path, {**CHOICE, "futures": 40})
    result = tmp_path / "out"
    assert main(["robust", str(path), "--out", str(result), "--search", "16", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "hedge: 3 policies x 40 futures x 2 replicates = 240 runs" in printed
    assert "overall" in printed and "cost, lower is better" in printed
    assert "half misses a threshold in" in printed and "severity from 0.6" in printed
    assert "Pareto set" in printed and "named policies in the same futures" in printed
    assert (result / "robustness" / "robustness.csv").is_file()
    assert (result / "search" / "search_pareto.csv").is_file()
    manifest = json.loads((result / "manifest.json").read_text())
    assert manifest["decision"]["objectives"][0]["metric"] == "cost"
    assert main(["report", str(result)]) == 0
    assert "A4 pages" in capsys.readouterr().out
    html = (result / "report.html").read_text()
    assert "Which policy holds up across futures" in html and "Vulnerability of half" in html


def test_search_without_a_search_section_is_refused_before_running(tmp_path, capsys):
    path = write(tmp_path, {**CHOICE, "search": None})
    assert main(["robust", str(path), "--out", str(tmp_path / "out"), "--search"]) == 2
    assert "needs a search section" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_futures_option_out_of_range_is_named_as_the_option_not_the_file(tmp_path, capsys):
    path = write(tmp_path, CHOICE)  # the file holds a valid count of futures
    assert main(["robust", str(path), "--out", str(tmp_path / "out"), "--futures", "0"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: {path} (with futures=0): futures: out of range; got 0; allowed: at least 2"
    ]
    assert not (tmp_path / "out").exists()


def test_labels_of_points_close_together_overlap_no_label_and_no_marker():
    _, ax = style.figure_or_axes(None, height=3.6)
    xs, ys = [0.70, 0.701, 0.9], [3.61, 3.62, 2.0]  # the first two as close as two policies get
    ax.scatter(xs, ys, marker="x")
    figures.label_points(ax, ["outcomes_and_grants", "grant", "revolving"], xs, ys)
    boxes = [text.get_window_extent() for text in ax.texts]
    assert len(boxes) == 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    half = 3 * ax.get_figure(root=True).dpi / 72  # a marker's half-width, 3 points
    markers = [
        Bbox.from_bounds(x - half, y - half, 2 * half, 2 * half)
        for x, y in ax.transData.transform(list(zip(xs, ys, strict=True)))
    ]
    assert not any(box.overlaps(marker) for box in boxes for marker in markers)
    sides = [(t.get_horizontalalignment(), t.get_verticalalignment()) for t in ax.texts]
    assert sides[2] == ("left", "bottom")  # far from the others: the first side
    assert sides[0] != sides[1]  # the near pair: one moved off the other
