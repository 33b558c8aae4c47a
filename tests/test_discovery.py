"""Scenario discovery (PRIM on sweep results) and the EMA Workbench adapter.

PRIM is checked on synthetic points whose answer is yes exactly inside a known box; the
questions on hand-written results folders (see ``test_sensitivity.write_sweep``); the adapter by
running tiny partnersim scenarios through EMA Workbench's own ``perform_experiments`` and
comparing each experiment's outcomes with a direct run of the same scenario.
"""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_sensitivity import write_sweep

from sim.cli.main import main
from sim.experiments.discovery import (
    boxes_text,
    discover,
    model_inputs,
    paired_outcome,
    prim_boxes,
    threshold_outcome,
)
from sim.experiments.ema import ema_model, ema_name, quiet
from sim.experiments.sensitivity import ResultsError, load_results
from sim.outputs.analysis_figures import plot_prim_box, plot_prim_tradeoff, prim_ranges
from sim.outputs.style import OKABE_ITO
from sim.runs.runner import run
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

PROBLEM = {"num_vars": 3, "names": ["cities.0.budget", "trust.l_plus", "k"], "bounds": [[0, 1]] * 3}


def uniform_points(n: int = 800, seed: int = 11) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 3))


def in_box(x: np.ndarray) -> np.ndarray:
    """The known box: first parameter above 0.5, second below 0.4, third free."""
    return (x[:, 0] > 0.5) & (x[:, 1] < 0.4)


def box_sweep(folder, x, *, replicates: int = 1, **manifest):
    """A sweep whose metric is 1 inside the box and 0 outside (plus a small slope in k)."""
    y = in_box(x).astype(float) + 0.01 * x[:, 2]
    values = np.column_stack([y] * replicates)
    return write_sweep(folder, PROBLEM, x, {"m": values}, method="lhs", **manifest)


def limits(box) -> pd.DataFrame:
    return box.limits.set_index("parameter")


# --- PRIM ----------------------------------------------------------------------------------------


def test_prim_finds_the_known_box():
    x = uniform_points()
    frame = pd.DataFrame(x, columns=PROBLEM["names"])
    (box,) = prim_boxes(frame, in_box(x))
    found = limits(box)
    assert found.loc["cities.0.budget", "lower"] == pytest.approx(0.5, abs=0.05)
    assert found.loc["trust.l_plus", "upper"] == pytest.approx(0.4, abs=0.05)
    assert found["restricted"].tolist() == [True, True, False]
    assert box.coverage >= 0.9 and box.density >= 0.9
    assert box.res_dim == 2
    assert box.mass == pytest.approx(0.5 * 0.4, abs=0.05)
    # the trajectory holds the chosen box once, with the box's own statistics
    chosen = box.trajectory[box.trajectory["chosen"]]
    assert len(chosen) == 1
    assert chosen["coverage"].iloc[0] == box.coverage
    assert chosen["density"].iloc[0] == box.density
    assert box.trajectory["coverage"].iloc[0] == 1.0  # peeling starts from the whole space
    assert box.trajectory["mass"].is_monotonic_decreasing


def test_prim_works_on_integer_columns():
    # EMA Workbench's PRIM breaks on integer columns under pandas 3: they are cast to float
    x = uniform_points()
    levels = np.floor(x[:, 2] * 10).astype(int)  # 0..9
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "level": levels})
    (box,) = prim_boxes(frame, (x[:, 0] > 0.5) & (levels >= 6))
    found = limits(box)
    assert 5 < found.loc["level", "lower"] <= 6
    assert found.loc["a", "lower"] == pytest.approx(0.5, abs=0.05)
    assert not found.loc["b", "restricted"]
    assert box.density >= 0.9 and box.coverage >= 0.9


def test_prim_looks_for_further_boxes_outside_the_first():
    x = uniform_points(1200)
    second = (x[:, 0] < 0.2) & (x[:, 1] > 0.7)
    first, other = prim_boxes(
        pd.DataFrame(x, columns=PROBLEM["names"]), in_box(x) | second, boxes=2
    )
    assert limits(first).loc["cities.0.budget", "lower"] == pytest.approx(0.5, abs=0.05)
    assert limits(other).loc["cities.0.budget", "upper"] == pytest.approx(0.2, abs=0.05)
    assert limits(other).loc["trust.l_plus", "lower"] == pytest.approx(0.7, abs=0.05)
    assert first.coverage + other.coverage == pytest.approx(1.0, abs=0.1)


def test_prim_refuses_answers_without_both_values():
    frame = pd.DataFrame(uniform_points(20), columns=PROBLEM["names"])
    with pytest.raises(ValueError, match="all true or all false"):
        prim_boxes(frame, np.zeros(20, dtype=bool))
    with pytest.raises(ValueError, match="one answer per point"):
        prim_boxes(frame, np.ones(5, dtype=bool))
    with pytest.raises(ValueError, match="not numeric: model"):
        prim_boxes(frame.assign(model="city_led"), np.arange(20) % 2 == 0)


# --- questions on results folders ----------------------------------------------------------------


def test_threshold_question_on_a_results_folder(tmp_path):
    x = uniform_points()
    folder = box_sweep(tmp_path / "a", x)
    outcome = threshold_outcome(load_results(folder), "m", above=0.5)
    assert outcome.cases["y"].tolist() == in_box(x).tolist()
    assert outcome.question == "m above 0.5 (mean over replicates)"
    (box,) = discover(outcome)
    assert limits(box).loc["trust.l_plus", "upper"] == pytest.approx(0.4, abs=0.05)
    below = threshold_outcome(load_results(folder), "m", below=0.5)
    assert below.cases["y"].tolist() == (~in_box(x)).tolist()


def test_points_without_an_answer_are_left_out_and_listed(tmp_path):
    x = uniform_points(100)
    status = np.full((100, 2), "ok", dtype=object)
    status[[4, 9], :] = "failed"
    status[7, 0] = "failed"  # one replicate left: still answered
    folder = box_sweep(tmp_path / "a", x, replicates=2, status=status)
    outcome = threshold_outcome(load_results(folder), "m", above=0.5)
    assert outcome.left_out == [4, 9]
    assert len(outcome.cases) == 98 and 7 in outcome.cases["point"].tolist()
    assert "left out 2 points whose every run failed: 4, 9" in boxes_text(outcome, [])
    assert outcome.undefined == []


def undefined_sweep(folder):
    """Cost per success over 60 points; at points 0-11 no replicate has a success (NaN), at
    point 12 one of two has none. The cost falls with the first parameter."""
    x = uniform_points(60, seed=3)
    cost = np.column_stack([1.0 - x[:, 0], 1.0 - x[:, 0] + 0.01])
    cost[:12, :] = np.nan
    cost[12, 1] = np.nan
    return x, write_sweep(folder, PROBLEM, x, {"cost": cost}, method="lhs")


def test_points_with_the_metric_undefined_fail_the_question_by_default(tmp_path):
    x, folder = undefined_sweep(tmp_path / "a")
    outcome = threshold_outcome(load_results(folder), "cost", below=0.5)
    assert len(outcome.cases) == 60  # nothing dropped
    assert outcome.undefined == list(range(12))
    assert outcome.left_out == []
    assert outcome.partly == [12]
    cases = outcome.cases.set_index("point")
    assert not cases.loc[range(12), "y"].any()
    assert not cases.loc[range(12), "defined"].any()
    expected = 1.0 - x[12:, 0] + 0.005 < 0.5
    expected[0] = 1.0 - x[12, 0] < 0.5  # point 12: the mean of its one defined replicate
    assert cases.loc[range(12, 60), "y"].tolist() == expected.tolist()
    text = boxes_text(outcome, [])
    assert (
        "12 points where the metric is undefined in every run (for example no success to "
        "divide by), counted as no (they fail the question): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and "
        "2 more" in text
    )
    assert (
        "1 point where the metric is undefined in some runs; their means use the others: 12" in text
    )


def test_undefined_points_can_count_as_yes_or_be_dropped_but_are_always_listed(tmp_path):
    _, folder = undefined_sweep(tmp_path / "a")
    results = load_results(folder)
    as_yes = threshold_outcome(results, "cost", below=0.5, undefined="yes")
    assert as_yes.cases.set_index("point").loc[range(12), "y"].all()
    dropped = threshold_outcome(results, "cost", below=0.5, undefined="drop")
    assert len(dropped.cases) == 48 and dropped.left_out == list(range(12))
    assert "counted as yes" in boxes_text(as_yes, [])
    assert "12 points where the metric is undefined in every run" in boxes_text(dropped, [])
    assert "left out: 0, 1, 2" in boxes_text(dropped, [])
    with pytest.raises(ValueError, match="undefined must be one of no, yes, drop; got 'maybe'"):
        threshold_outcome(results, "cost", below=0.5, undefined="maybe")


def test_a_paired_question_counts_a_point_undefined_in_either_sweep(tmp_path):
    x = uniform_points(60, seed=3)
    a_cost = x[:, [0]].copy()
    b_cost = x[:, [1]].copy()
    a_cost[:5] = np.nan
    b_cost[5:8] = np.nan
    a = write_sweep(tmp_path / "A", PROBLEM, x, {"cost": a_cost}, method="lhs")
    b = write_sweep(tmp_path / "B", PROBLEM, x, {"cost": b_cost}, method="lhs")
    outcome = paired_outcome(load_results(a), load_results(b), "cost", better="lower")
    assert outcome.undefined == list(range(8))
    assert not outcome.cases.set_index("point").loc[range(8), "y"].any()


def test_cli_discover_reports_undefined_points(tmp_path, capsys):
    _, folder = undefined_sweep(tmp_path / "a")
    assert main(["discover", str(folder), "--metric", "cost", "--below", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "yes at " in out and " of 60 points" in out
    assert "12 points where the metric is undefined in every run" in out
    cases = pd.read_csv(folder / "discovery" / "cases.csv")
    assert len(cases) == 60 and (~cases["defined"]).sum() == 12
    assert (
        main(
            [
                "discover",
                str(folder),
                "--metric",
                "cost",
                "--below",
                "0.5",
                "--undefined",
                "drop",
                "--out",
                str(tmp_path / "d"),
            ]
        )
        == 0
    )
    assert " of 48 points" in capsys.readouterr().out


def test_the_model_sees_applied_values_where_the_sweep_recorded_them(tmp_path):
    x = uniform_points(50)
    folder = box_sweep(tmp_path / "a", x)
    points = pd.read_parquet(folder / "points.parquet")
    points["k:applied"] = np.floor(points["k"] * 4).astype(int)
    points["trust.l_plus:applied"] = "text"  # not numeric: the sample is used
    points.to_parquet(folder / "points.parquet")
    inputs = model_inputs(load_results(folder))
    assert inputs["k"].tolist() == np.floor(x[:, 2] * 4).tolist()
    assert inputs["trust.l_plus"].tolist() == x[:, 1].tolist()
    assert inputs["cities.0.budget"].tolist() == x[:, 0].tolist()


def test_threshold_question_errors(tmp_path):
    results = load_results(box_sweep(tmp_path / "a", uniform_points(40)))
    with pytest.raises(ValueError, match="exactly one of below and above"):
        threshold_outcome(results, "m", below=1, above=0)
    with pytest.raises(ResultsError, match="unknown metric; got 'q'; allowed: m"):
        threshold_outcome(results, "q", above=0)
    with pytest.raises(ResultsError, match="the answer is no at all 40 points"):
        threshold_outcome(results, "m", above=5)


def paired(tmp_path, shift_b=0.0):
    """Sweeps A and B on the same design and seeds: A = x0, B = x1 + shift per replicate."""
    x = uniform_points(400)
    noise = np.column_stack([np.full(400, 0.1), np.full(400, -0.1)])  # common to A and B
    a = write_sweep(tmp_path / "A", PROBLEM, x, {"m": x[:, [0]] + noise}, method="lhs")
    b = write_sweep(tmp_path / "B", PROBLEM, x, {"m": x[:, [1]] + shift_b + noise}, method="lhs")
    return x, a, b


def test_paired_question_compares_replicate_means_point_by_point(tmp_path):
    x, a, b = paired(tmp_path)
    outcome = paired_outcome(load_results(a), load_results(b), "m", better="lower")
    assert outcome.cases["y"].tolist() == (x[:, 0] < x[:, 1]).tolist()
    assert outcome.cases["value_a"].to_numpy() == pytest.approx(x[:, 0])
    assert outcome.question.startswith("m of A (A) lower than of B (B)")
    higher = paired_outcome(load_results(a), load_results(b), "m", better="higher")
    assert higher.cases["y"].tolist() == (x[:, 0] > x[:, 1]).tolist()
    with pytest.raises(ValueError, match="better must be one of lower, higher"):
        paired_outcome(load_results(a), load_results(b), "m", better="more")


def test_paired_question_needs_the_same_design_and_seeds(tmp_path):
    x, a, _ = paired(tmp_path)
    other = write_sweep(tmp_path / "C", PROBLEM, x[::-1], {"m": x[:, :2]}, method="lhs")
    with pytest.raises(ResultsError, match=r"C: the two sweeps differ in their points"):
        paired_outcome(load_results(a), load_results(other), "m")
    seeds = np.tile([5, 6], (400, 1))
    reseeded = write_sweep(tmp_path / "D", PROBLEM, x, {"m": x[:, :2]}, method="lhs", seeds=seeds)
    with pytest.raises(ResultsError, match="differ in their seeds"):
        paired_outcome(load_results(a), load_results(reseeded), "m")
    sobol = write_sweep(tmp_path / "E", PROBLEM, x, {"m": x[:, :2]}, method="sobol")
    with pytest.raises(ResultsError, match=r"differ in their method \(lhs vs sobol\)"):
        paired_outcome(load_results(a), load_results(sobol), "m")


# --- text, figures, files ------------------------------------------------------------------------


def hand_limits() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "parameter": ["free", "budget", "rate"],
            "lower": [0.0, 2.5e6, 0.1],
            "upper": [10.0, 4.0e6, 0.2],
            "minimum": [0.0, 1.0e6, 0.1],
            "maximum": [10.0, 5.0e6, 0.5],
            "restricted": [False, True, True],
        }
    )


def test_prim_ranges_by_hand():
    table = prim_ranges(hand_limits())
    assert table["parameter"].tolist() == ["budget", "rate", "free"]  # restricted first
    assert table["start"].tolist() == pytest.approx([0.375, 0.0, 0.0])
    assert table["end"].tolist() == pytest.approx([0.75, 0.25, 1.0])


def test_prim_figures_show_the_box_and_the_trajectory():
    fig = plot_prim_box(hand_limits())
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["budget", "rate", "free"]
    bars = ax.lines[1::2]  # each parameter: the full range, then the box
    ends = [x for line in bars for x in line.get_xdata()]
    assert ends == pytest.approx([0.375, 0.75, 0.0, 0.25, 0.0, 1.0])
    assert bars[0].get_color() == OKABE_ITO[1] and bars[2].get_color() == "0.6"
    assert [t.get_text() for t in ax.texts] == ["2.5e+06 to 4e+06", "0.1 to 0.2", "0 to 10"]
    # a parameter the schema knows: its limits in the unit its label names (M EUR per year)
    budget = hand_limits().replace({"budget": "cities.0.annual_budget"})
    ax = plot_prim_box(budget).axes[0]
    assert ax.get_yticklabels()[0].get_text() == "annual budget, city 1 (M EUR per year)"
    assert ax.texts[0].get_text() == "2.5 to 4"
    trajectory = pd.DataFrame(
        {
            "coverage": [1.0, 0.9, 0.7],
            "density": [0.3, 0.8, 0.95],
            "res_dim": [0, 1, 2],
            "chosen": [False, True, False],
        }
    )
    fig = plot_prim_tradeoff(trajectory, density=0.8)
    ax = fig.axes[0]
    offsets = [c.get_offsets().tolist() for c in ax.collections]
    assert offsets == [[[1.0, 0.3]], [[0.9, 0.8]], [[0.7, 0.95]], [[0.9, 0.8]]]
    assert ax.lines[0].get_ydata()[0] == 0.8
    assert isinstance(fig, Figure)


def test_cli_discover_threshold_prints_and_writes(tmp_path, capsys):
    folder = box_sweep(tmp_path / "a", uniform_points(600))
    assert main(["discover", str(folder), "--metric", "m", "--above", "0.5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("question: m above 0.5 (mean over replicates)\n")
    assert "box 1: coverage" in out and "2 of 3 parameters restricted" in out
    written = folder / "discovery"
    boxes = pd.read_csv(written / "boxes.csv")
    budget = boxes.set_index("parameter").loc["cities.0.budget"]
    assert budget["lower"] == pytest.approx(0.5, abs=0.05)
    line = next(line for line in out.splitlines() if line.strip().startswith("cities.0.budget"))
    assert line.split()[1:3] == [f"{budget['lower']:.4g}", f"{budget['upper']:.4g}"]
    assert len(pd.read_csv(written / "cases.csv")) == 600
    for name in ("prim_box1", "prim_tradeoff1"):
        assert (written / f"{name}.png").stat().st_size > 0


def test_cli_discover_paired(tmp_path, capsys):
    _, a, b = paired(tmp_path)
    args = ["discover", str(a), str(b), "--metric", "m", "--better", "lower"]
    assert main(args) == 0
    assert "m of A (A) lower than of B (B)" in capsys.readouterr().out
    assert (a / "discovery-vs-B" / "boxes.csv").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--better", "lower"], "--better compares two sweeps: give RESULTS_B"),
        (["--above", "0.5", "--boxes", "0"], "--boxes must be at least 1; got 0"),
        (["--above", "0.5", "--density", "1.5"], "--density must be in (0, 1]; got 1.5"),
        (["--above", "9"], "the answer is no at all 30 points"),
        (["--above", "0", "--metric", "zz"], "unknown metric; got 'zz'; allowed: m"),
    ],
)
def test_cli_discover_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    folder = box_sweep(tmp_path / "a", uniform_points(30))
    metric = [] if "--metric" in args else ["--metric", "m"]
    assert main(["discover", str(folder), *metric, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not (folder / "discovery").exists()


def test_cli_discover_refuses_a_second_folder_without_better(tmp_path, capsys):
    _, a, b = paired(tmp_path)
    assert main(["discover", str(a), str(b), "--metric", "m", "--below", "1"]) == 2
    assert "drop RESULTS_B or use --better" in capsys.readouterr().err


# --- the EMA Workbench adapter -------------------------------------------------------------------

TINY = {
    "time": {"steps": 8, "election_interval": 8},
    "population": {"startups": 12, "incumbents": 6, "academia": 3, "citizen_groups": 4},
    "cities": [{"citizens": 300, "neighbourhoods": 4, "annual_budget": 5e6}],
    "pilots": {"duration_mean": 3.0, "duration_sd": 1.0, "start_delay": 1, "proposal_rate": 0.3},
}


def test_ema_names_are_identifiers_for_dot_paths():
    assert ema_name("cities.0.annual_budget") == "cities__0__annual_budget"
    assert ema_name("trust.l_plus") == "trust__l_plus"
    with pytest.raises(ValueError, match="not an identifier"):
        ema_name("cities.0.annual budget")


def test_ema_model_runs_partnersim_through_perform_experiments():
    from ema_workbench import SequentialEvaluator, perform_experiments

    base = Scenario().override(TINY)
    uncertainties = {"cities.0.annual_budget": (1.0e6, 6.0e6), "population.startups": (8, 16)}
    outcomes = ["pilots_agreed", "public_spend"]
    model = ema_model(base, uncertainties, outcomes, seeds=(3,))
    kinds = {p.name: type(p).__name__ for p in model.uncertainties}
    assert kinds == {
        "cities__0__annual_budget": "RealParameter",
        "population__startups": "IntegerParameter",
    }
    with quiet():
        experiments, results = perform_experiments(
            model, 3, evaluator=SequentialEvaluator(model), log_progress=False
        )
    assert len(experiments) == 3
    for i, row in experiments.iterrows():
        budget, startups = row["cities__0__annual_budget"], row["population__startups"]
        assert 1.0e6 <= budget <= 6.0e6 and 8 <= startups <= 16
        direct = run(
            base.override(
                {
                    "cities": [{**TINY["cities"][0], "annual_budget": budget}],
                    "population": {"startups": int(startups)},
                }
            ),
            seed=3,
        ).final()
        for outcome in outcomes:
            assert results[outcome][i] == direct[outcome]


def test_ema_model_with_several_seeds_averages_them():
    from ema_workbench import SequentialEvaluator, perform_experiments

    base = Scenario().override(TINY)
    model = ema_model(base, {"pilots.proposal_rate": (0.2, 0.4)}, ["pilots_agreed"], seeds=(0, 1))
    with quiet():
        experiments, results = perform_experiments(
            model, 2, evaluator=SequentialEvaluator(model), log_progress=False
        )
    for i, rate in enumerate(experiments["pilots__proposal_rate"]):
        changed = base.override({"pilots": {"proposal_rate": float(rate)}})
        seeds = [run(changed, seed=s).final()["pilots_agreed"] for s in (0, 1)]
        assert results["pilots_agreed"][i] == pytest.approx(np.mean(seeds))


def test_ema_model_refuses_bad_keys_and_outcomes():
    base = Scenario().override(TINY)
    with pytest.raises(ValueError, match="not metrics: profit; allowed: pilots_proposed"):
        ema_model(base, {"pilots.proposal_rate": (0.1, 0.3)}, ["profit"])
    with pytest.raises(ScenarioError, match="no 'proposal_rte' in pilots"):
        ema_model(base, {"pilots.proposal_rte": (0.1, 0.3)}, ["pilots_agreed"])
    with pytest.raises(ScenarioError, match=r"population\.startups is a whole number"):
        ema_model(base, {"population.startups": (5.0, 9.5)}, ["pilots_agreed"])
