"""Sensitivity analysis of sweep results: known answers, replicates, failures, figures, CLI.

The results folders here are written by hand in the shape ``partnersim sweep`` writes
(manifest.json, points.parquet, runs.parquet), from SALib's own samplers and functions whose
indices are known in closed form, so the analysis is checked without running a sweep.
"""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.cli.main import main
from sim.experiments.sensitivity import (
    INDEX_COLUMNS,
    ResultsError,
    indices_text,
    load_results,
    replicate_means,
    replicate_spread,
    sensitivity,
    sobol_indices,
    without_effect,
)
from sim.outputs.analysis_figures import morris_points, plot_morris, plot_sobol, sobol_bars
from sim.outputs.style import OKABE_ITO

A, B = 7.0, 0.1  # Ishigami & Homma (1990); SALib's benchmark values
PI = math.pi
ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def ishigami(x: np.ndarray) -> np.ndarray:
    """y = sin x1 + a sin^2 x2 + b x3^4 sin x1."""
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_truth(a: float = A, b: float = B) -> dict[str, np.ndarray]:
    """Closed-form Sobol indices of the Ishigami function, inputs uniform on [-pi, pi].

    Partial variances (Ishigami & Homma 1990; Saltelli et al. 2008, Global Sensitivity
    Analysis: The Primer, sec. 4.9): V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8,
    V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13; no other term.
    """
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    return {
        "S1": np.array([v1, v2, 0.0]) / total,
        "ST": np.array([v1 + v13, v2, v13]) / total,
        "S13": np.array([v13 / total]),
    }


def write_sweep(
    folder: Path,
    problem: dict,
    x: np.ndarray,
    metrics: dict[str, np.ndarray],
    *,
    method: str,
    options: dict | None = None,
    status: np.ndarray | None = None,
    seeds: np.ndarray | None = None,
    **manifest,
) -> Path:
    """Write a results folder in the sweep's contract.

    Args:
        folder: Where to write.
        problem: SALib's problem.
        x: Sample values, one row per point.
        metrics: Values by metric name, shape (points,) or (points, replicates).
        method: The design's method.
        options: The sampler's options.
        status: "ok"/"failed" per point and replicate (default all ok).
        seeds: Seed per point and replicate (default: the replicate number, common random
            numbers).
        **manifest: Manifest entries to add or override.
    """
    folder.mkdir(parents=True, exist_ok=True)
    values = {name: np.asarray(v, dtype=float).reshape(len(x), -1) for name, v in metrics.items()}
    reps = next(iter(values.values())).shape[1]
    status = np.full((len(x), reps), "ok") if status is None else status
    seeds = np.tile(np.arange(reps), (len(x), 1)) if seeds is None else seeds
    points = pd.DataFrame(x, columns=problem["names"])
    points.insert(0, "point", np.arange(len(x)))
    point, replicate = np.divmod(np.arange(len(x) * reps), reps)
    runs = pd.DataFrame(
        {
            "run": np.arange(len(x) * reps),
            "point": point,
            "replicate": replicate,
            "seed": seeds[point, replicate],
            "status": status[point, replicate],
        }
    )
    for i, name in enumerate(problem["names"]):
        runs[name] = x[point, i]
    for name, v in values.items():
        runs[name] = np.where(runs["status"] == "ok", v[point, replicate], np.nan)
    points.to_parquet(folder / "points.parquet", index=False)
    runs.to_parquet(folder / "runs.parquet", index=False)
    content = {
        "kind": "sweep",
        "name": folder.name,
        "model": "test",
        "method": method,
        "options": options or {},
        "problem": problem,
        "points": len(x),
        "replicates": reps,
        "runs": len(runs),
        "finished": len(runs),
        "failed": int((runs["status"] == "failed").sum()),
        "complete": True,
        "metrics": list(values),
        **manifest,
    }
    (folder / "manifest.json").write_text(json.dumps(content))
    return folder


def sobol_sweep(folder: Path, n: int = 1024, *, second: bool = False, **metrics) -> Path:
    """An Ishigami Sobol sweep (plus any further metrics, as functions of x)."""
    x = sobol_sample.sample(ISHIGAMI, n, calc_second_order=second, seed=7)
    values = {"y": ishigami(x), **{name: f(x) for name, f in metrics.items()}}
    options = {"N": n, "calc_second_order": second}
    return write_sweep(folder, ISHIGAMI, x, values, method="sobol", options=options)


def indices(analysis, index: str) -> np.ndarray:
    rows = analysis.indices[analysis.indices["index"] == index]
    return rows["value"].to_numpy(), rows["conf"].to_numpy()


# --- known answers -------------------------------------------------------------------------------


def test_the_closed_form_gives_the_published_ishigami_indices():
    truth = ishigami_truth()
    assert truth["S1"] == pytest.approx([0.3139, 0.4424, 0.0], abs=5e-5)
    assert truth["ST"] == pytest.approx([0.5576, 0.4424, 0.2437], abs=5e-5)


# With N = 1024 base samples (5,120 runs without second order) SALib's bootstrap half-widths
# are 0.03-0.08 at 95 %; the scrambled Sobol' sequence does better than that, so the estimates
# must lie within TOL = 0.03 of the truth and every interval must cover it.
TOL = 0.03


def test_sobol_indices_of_ishigami_match_the_closed_form(tmp_path):
    analysis = sensitivity(load_results(sobol_sweep(tmp_path / "ish")), "y")
    truth = ishigami_truth()
    for index in ("S1", "ST"):
        value, conf = indices(analysis, index)
        assert value == pytest.approx(truth[index], abs=TOL), index
        assert np.all(np.abs(value - truth[index]) <= conf), index
        assert np.all((conf > 0.005) & (conf < 0.1)), index
    assert list(analysis.indices.columns) == INDEX_COLUMNS
    assert set(analysis.indices["metric"]) == {"y"}
    assert analysis.method == "sobol"


def test_second_order_indices_find_the_x1_x3_interaction(tmp_path):
    # N(2D + 2) = 8,192 runs: S2 estimates are noisier than S1, so the tolerance is 0.1
    analysis = sensitivity(load_results(sobol_sweep(tmp_path / "ish2", second=True)), "y")
    s2 = analysis.indices[analysis.indices["index"] == "S2"].set_index(["parameter", "pair"])
    assert list(s2.index) == [("x1", "x2"), ("x1", "x3"), ("x2", "x3")]
    truth = ishigami_truth()["S13"][0]
    assert s2.loc[("x1", "x3"), "value"] == pytest.approx(truth, abs=0.1)
    assert s2.loc[("x1", "x2"), "value"] == pytest.approx(0.0, abs=0.1)
    assert s2.loc[("x2", "x3"), "value"] == pytest.approx(0.0, abs=0.1)
    assert abs(s2.loc[("x1", "x3"), "value"] - truth) <= s2.loc[("x1", "x3"), "conf"]


def test_bootstrap_intervals_are_seeded(tmp_path):
    results = load_results(sobol_sweep(tmp_path / "ish", n=256))
    first = sensitivity(results, "y", seed=5).indices
    again = sensitivity(results, "y", seed=5).indices
    other = sensitivity(results, "y", seed=6).indices
    pd.testing.assert_frame_equal(first, again)
    assert np.array_equal(first["value"], other["value"])  # the estimate needs no random draws
    assert not np.array_equal(first["conf"], other["conf"])
    with pytest.raises(ValueError, match="positive"):
        sobol_indices(ISHIGAMI, np.ones(256 * 5), calc_second_order=False, seed=0)


def test_morris_measures_of_a_linear_function_are_its_coefficients_times_ranges(tmp_path):
    # y = 2 x1 - 3 x2 + 0 x3: every elementary effect of x_i is c_i times x_i's range
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1], [0, 2], [-1, 1]]}
    x = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    y = 2 * x[:, 0] - 3 * x[:, 1]
    folder = write_sweep(
        tmp_path / "lin", problem, x, {"y": y}, method="morris", options={"levels": 4}
    )
    table = morris_points(sensitivity(load_results(folder), "y").indices)
    assert table["mu"].to_numpy() == pytest.approx([2.0, -6.0, 0.0], abs=1e-9)
    assert table["mu_star"].to_numpy() == pytest.approx([2.0, 6.0, 0.0], abs=1e-9)
    assert table["sigma"].to_numpy() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    analysis = sensitivity(load_results(folder), "y")
    assert without_effect(analysis.indices) == ["c"]
    assert "no effect in this design (mu* = 0: y does not change when it moves): c" in (
        indices_text(analysis)
    )


def test_a_parameter_the_function_ignores_has_no_sobol_effect_and_is_named(tmp_path):
    x = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=7)
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1]  # x3 ignored
    options = {"calc_second_order": False}
    folder = write_sweep(tmp_path / "s", ISHIGAMI, x, {"y": y}, method="sobol", options=options)
    analysis = sensitivity(load_results(folder), "y")
    assert without_effect(analysis.indices) == ["x3"]
    assert "no effect in this design (ST = 0" in indices_text(analysis)


def test_morris_sees_that_x3_of_ishigami_acts_only_through_its_interaction(tmp_path):
    x = morris_sample.sample(ISHIGAMI, 50, num_levels=4, seed=3)
    folder = write_sweep(
        tmp_path / "ishm",
        ISHIGAMI,
        x,
        {"y": ishigami(x)},
        method="morris",
        options={"levels": 4},
    )
    table = morris_points(sensitivity(load_results(folder), "y").indices).set_index("parameter")
    x3 = table.loc["x3"]
    # its effect b x3^4 sin x1 changes sign with sin x1: effects of both signs cancel in mu,
    # not in mu*, and vary more than they average (sigma > mu*)
    assert x3["mu_star"] > 1.0
    assert abs(x3["mu"]) < 0.5 * x3["mu_star"]
    assert x3["sigma"] > x3["mu_star"]


# --- replicates and failures ---------------------------------------------------------------------


def test_replicate_means_and_spread_by_hand():
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 1, 1, 1, 2, 2, 2],
            "status": ["ok", "ok", "ok", "ok", "failed", "ok", "ok", "ok", "ok"],
            "m": [1.0, 2.0, 3.0, 10.0, np.nan, 14.0, 5.0, np.nan, 5.0],
        }
    )
    means = replicate_means(runs, "m", 4)
    assert means["point"].tolist() == [0, 1, 2, 3]
    assert means["n"].tolist() == [3, 2, 2, 0]
    assert means["mean"].tolist()[:3] == [2.0, 12.0, 5.0]
    assert means["sd"].tolist()[:3] == pytest.approx([1.0, math.sqrt(8), 0.0])
    assert math.isnan(means["mean"].iloc[3])
    spread = replicate_spread(means)
    assert spread["replicates_min"] == 2 and spread["replicates_max"] == 3
    assert spread["within_sd"] == pytest.approx(math.sqrt((1 + 8 + 0) / 3))
    between = np.var([2.0, 12.0, 5.0], ddof=1)
    assert spread["between_sd"] == pytest.approx(math.sqrt(between))
    assert spread["noise_share"] == pytest.approx((1 / 3 + 8 / 2 + 0) / 3 / between)


@pytest.mark.parametrize("offset", [0.0, 0.01, 0.5, 5.0])
def test_the_noise_share_is_a_share_even_when_noise_exceeds_the_spread_of_the_means(offset):
    # two replicates 2 apart at every point: noise variance of a mean 1 / 2 ... against means
    # that differ by offset between the two points
    means = pd.DataFrame(
        {"point": [0, 1], "n": [2, 2], "mean": [0.0, offset], "sd": [math.sqrt(2)] * 2}
    )
    spread = replicate_spread(means)
    between = np.var([0.0, offset], ddof=1)
    assert 0 <= spread["noise_share"] <= 1
    assert spread["noise_share"] == pytest.approx(min(1.0, 1.0 / between) if between else 1.0)


def test_symmetric_replicate_noise_leaves_the_indices_unchanged(tmp_path):
    x = sobol_sample.sample(ISHIGAMI, 256, calc_second_order=False, seed=7)
    y = ishigami(x)
    noisy = np.column_stack([y + 0.5, y - 0.5])  # replicate means equal y exactly
    options = {"calc_second_order": False}
    one = write_sweep(tmp_path / "one", ISHIGAMI, x, {"y": y}, method="sobol", options=options)
    two = write_sweep(tmp_path / "two", ISHIGAMI, x, {"y": noisy}, method="sobol", options=options)
    a, b = sensitivity(load_results(one), "y"), sensitivity(load_results(two), "y")
    assert np.allclose(a.indices["value"], b.indices["value"], atol=1e-12)
    assert b.spread["within_sd"] == pytest.approx(math.sqrt(0.5))  # sd of (y+0.5, y-0.5)
    assert b.spread["noise_share"] == pytest.approx(0.25 / np.var(y, ddof=1))
    assert math.isnan(a.spread["within_sd"])
    assert "replicates per point: 2-2" in indices_text(b)


def test_a_point_without_a_successful_replicate_stops_the_analysis(tmp_path):
    x = sobol_sample.sample(ISHIGAMI, 64, calc_second_order=False, seed=7)
    y = np.column_stack([ishigami(x)] * 2)
    status = np.full(y.shape, "ok", dtype=object)
    status[[3, 17], :] = "failed"  # both replicates of points 3 and 17
    status[5, 0] = "failed"  # one replicate of point 5: its mean comes from the other

    def analyse(name):
        options = {"calc_second_order": False}
        folder = write_sweep(
            tmp_path / name, ISHIGAMI, x, {"y": y}, method="sobol", status=status, options=options
        )
        return sensitivity(load_results(folder), "y")

    with pytest.raises(ResultsError, match=r"2 of 320 design points .*: 3, 17;"):
        analyse("f")
    status[[3, 17], 1] = "ok"
    analysis = analyse("g")
    assert analysis.means.loc[[3, 5, 17], "n"].tolist() == [1, 1, 1]
    assert analysis.spread["replicates_min"] == 1


# --- bad input -----------------------------------------------------------------------------------


def test_load_results_refuses_what_is_not_a_complete_sweep(tmp_path):
    with pytest.raises(ResultsError, match="no such results folder"):
        load_results(tmp_path / "missing")
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ResultsError, match="a_file: not a folder; expected the output folder of"):
        load_results(tmp_path / "a_file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        ResultsError, match=r"manifest\.json, points\.parquet, runs\.parquet missing"
    ):
        load_results(tmp_path / "empty")
    folder = sobol_sweep(tmp_path / "ish", n=8)
    manifest = json.loads((folder / "manifest.json").read_text())
    for change, message in [
        ({"kind": "run"}, r"manifest.json: kind: not a sweep manifest; got 'run'"),
        (
            {"complete": False, "finished": 3},
            r"complete: the sweep is not complete \(3 of 40 runs finished\)",
        ),
        ({"problem": None}, "problem: missing the SALib problem"),
    ]:
        (folder / "manifest.json").write_text(json.dumps({**manifest, **change}))
        with pytest.raises(ResultsError, match=message):
            load_results(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ResultsError, match="cannot read the manifest"):
        load_results(folder)


def test_questions_the_design_cannot_answer_are_refused(tmp_path):
    folder = sobol_sweep(tmp_path / "ish", n=8, flat=lambda x: np.full(len(x), 3.0))
    results = load_results(folder)
    with pytest.raises(ResultsError, match=r"unknown metric; got 'z'; allowed: y, flat"):
        sensitivity(results, "z")
    with pytest.raises(ResultsError, match="flat is 3 at every design point"):
        sensitivity(results, "flat")
    lhs = write_sweep(
        tmp_path / "lhs", ISHIGAMI, np.zeros((4, 3)), {"y": np.arange(4)}, method="lhs"
    )
    with pytest.raises(ResultsError, match="method lhs has no sensitivity indices: use a sobol"):
        sensitivity(load_results(lhs), "y")
    short = write_sweep(
        tmp_path / "short",
        ISHIGAMI,
        np.zeros((7, 3)),
        {"y": np.arange(7)},
        method="sobol",
        options={"calc_second_order": False},
    )
    with pytest.raises(ResultsError, match="multiple of 5 points; got 7"):
        sensitivity(load_results(short), "y")


# --- text and figures ----------------------------------------------------------------------------


def hand_indices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": "m",
            "method": "sobol",
            "parameter": ["p", "q", "p", "q"],
            "pair": "",
            "index": ["ST", "ST", "S1", "S1"],
            "value": [0.5, 0.25, 0.375, 0.125],
            "conf": [0.0625, 0.125, 0.25, 0.03125],
        }
    )


def test_sobol_bars_by_hand():
    bars = sobol_bars(hand_indices())
    assert bars["index"].tolist() == ["S1", "S1", "ST", "ST"]
    assert bars["parameter"].tolist() == ["p", "q", "p", "q"]
    assert bars["lower"].tolist() == [0.125, 0.09375, 0.4375, 0.125]
    assert bars["upper"].tolist() == [0.625, 0.15625, 0.5625, 0.375]
    with pytest.raises(ValueError, match="one metric per figure"):
        sobol_bars(pd.concat([hand_indices(), hand_indices().assign(metric="n")]))


def test_plot_sobol_draws_paired_bars_with_intervals():
    fig = plot_sobol(hand_indices())
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    bars = ax.patches
    assert [round(b.get_height(), 6) for b in bars] == [0.375, 0.125, 0.5, 0.25]
    assert {b.get_facecolor()[:3] for b in bars[:2]} != {b.get_facecolor()[:3] for b in bars[2:]}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["p", "q"]
    assert ax.get_ylabel() == "share of output variance"
    # one error bar per bar, from lower to upper
    segments = [seg for coll in ax.collections for seg in coll.get_segments()]
    spans = sorted((round(s[0][1], 6), round(s[1][1], 6)) for s in segments)
    assert spans == sorted([(0.125, 0.625), (0.09375, 0.15625), (0.4375, 0.5625), (0.125, 0.375)])


def test_morris_points_and_plot_by_hand():
    table = pd.DataFrame(
        {
            "metric": "m",
            "method": "morris",
            "parameter": ["p", "q"] * 3,
            "pair": "",
            "index": ["mu", "mu", "mu_star", "mu_star", "sigma", "sigma"],
            "value": [-1e6, 2e6, 1.5e6, 2e6, 3e6, 0.5e6],
            "conf": [np.nan, np.nan, 0.25e6, 0.5e6, np.nan, np.nan],
        }
    )
    points = morris_points(table)
    assert points.to_dict("list") == {
        "metric": ["m", "m"],
        "parameter": ["p", "q"],
        "mu": [-1e6, 2e6],
        "mu_star": [1.5e6, 2e6],
        "mu_star_conf": [0.25e6, 0.5e6],
        "sigma": [3e6, 0.5e6],
    }
    fig = plot_morris(table, unit="EUR")  # money in millions
    ax = fig.axes[0]
    markers = [container.lines[0] for container in ax.containers]  # one errorbar each
    assert [(list(m.get_xdata()), list(m.get_ydata())) for m in markers] == [
        ([1.5], [3.0]),
        ([2.0], [0.5]),
    ]
    assert [m.get_color() for m in markers] == [OKABE_ITO[0], OKABE_ITO[1]]
    bars = [seg for coll in ax.collections for seg in coll.get_segments()]
    assert [(s[0][0], s[1][0]) for s in bars] == [(1.25, 1.75), (1.5, 2.5)]
    assert "M EUR" in ax.get_xlabel() and "M EUR" in ax.get_ylabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert sorted(labels) == ["p", "q", "σ = μ*"]


def test_indices_text_shows_each_index_with_its_interval(tmp_path):
    analysis = sensitivity(load_results(sobol_sweep(tmp_path / "ish", n=64)), "y")
    text = indices_text(analysis)
    lines = text.splitlines()
    assert lines[0] == "y: sobol indices, value ± interval half-width"
    assert lines[1].split() == ["parameter", "S1", "ST"]
    s1 = analysis.indices.iloc[0]
    assert lines[2].split()[:4] == ["x1", f"{s1.value:.4g}", "±", f"{s1.conf:.4g}"]


# --- command line --------------------------------------------------------------------------------


def test_cli_sensitivity_prints_and_writes_every_metric(tmp_path, capsys):
    folder = sobol_sweep(tmp_path / "ish", n=64, z=lambda x: x[:, 0] + 2 * x[:, 1])
    assert main(["sensitivity", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "y: sobol indices" in out and "z: sobol indices" in out
    written = folder / "sensitivity"
    table = pd.read_csv(written / "indices.csv")
    assert sorted(set(table["metric"])) == ["y", "z"]
    assert len(pd.read_csv(written / "point_means.csv")) == 2 * 64 * 5
    for name in ("sobol_y", "sobol_z"):
        assert (written / f"{name}.png").stat().st_size > 0
        assert (written / f"{name}.pdf").stat().st_size > 0


def test_cli_sensitivity_skips_or_refuses_a_metric_it_cannot_analyse(tmp_path, capsys):
    folder = sobol_sweep(tmp_path / "ish", n=16, flat=lambda x: np.zeros(len(x)))
    assert main(["sensitivity", str(folder), "--out", str(tmp_path / "all")]) == 0
    err = capsys.readouterr().err
    assert err.startswith("skipped: flat: ") and "0 at every design point" in err
    assert set(pd.read_csv(tmp_path / "all" / "indices.csv")["metric"]) == {"y"}
    args = ["sensitivity", str(folder), "--metric", "y", "--metric", "flat", "--out"]
    assert main([*args, str(tmp_path / "named")]) == 2
    assert capsys.readouterr().err.startswith("error: flat: ")
    assert set(pd.read_csv(tmp_path / "named" / "indices.csv")["metric"]) == {"y"}  # kept


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "nope"], "unknown metric; got 'nope'; allowed: y"),
        (["--bootstrap-seed", "0"], "--bootstrap-seed must be a positive integer; got 0"),
    ],
)
def test_cli_sensitivity_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, message):
    folder = sobol_sweep(tmp_path / "ish", n=8)
    assert main(["sensitivity", str(folder), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert main(["sensitivity", str(tmp_path / "absent")]) == 2
    assert "no such results folder" in capsys.readouterr().err


def test_the_shipped_ishigami_sweep_through_the_runner_gives_the_published_indices(tmp_path):
    # scenarios/sweeps/ishigami.yaml: Saltelli's scheme, N = 1024 with second order (8,192 runs of
    # sim.experiments.reference_models:ishigami), serially in this process through partnersim sweep
    sweep = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps" / "ishigami.yaml"
    out = tmp_path / "ishigami"
    assert main(["sweep", str(sweep), "--out", str(out), "--no-progress"]) == 0
    assert main(["sensitivity", str(out)]) == 0
    table = pd.read_csv(out / "sensitivity" / "indices.csv").fillna({"pair": ""})
    truth = ishigami_truth()
    for index in ("S1", "ST"):
        rows = table[table["index"] == index]
        assert rows["parameter"].tolist() == ["x1", "x2", "x3"]
        value, conf = rows["value"].to_numpy(float), rows["conf"].to_numpy(float)
        assert value == pytest.approx(truth[index], abs=TOL), index
        assert np.all(np.abs(value - truth[index]) <= conf), index
    s13 = table[(table["index"] == "S2") & (table["pair"] == "x3")].set_index("parameter")
    assert s13.loc["x1", "value"] == pytest.approx(truth["S13"][0], abs=0.1)


def test_cli_sensitivity_reports_failed_runs(tmp_path, capsys):
    x = sobol_sample.sample(ISHIGAMI, 16, calc_second_order=False, seed=7)
    status = np.full((80, 2), "ok", dtype=object)
    status[[2, 40], 1] = "failed"
    y = np.column_stack([ishigami(x)] * 2)
    options = {"calc_second_order": False}
    folder = write_sweep(
        tmp_path / "f", ISHIGAMI, x, {"y": y}, method="sobol", status=status, options=options
    )
    assert main(["sensitivity", str(folder)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("note: 2 of 160 runs failed (tracebacks in ")
    assert "failures.parquet" in err
