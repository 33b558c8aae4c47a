"""Comparing scenarios: common random numbers, serial equals parallel, files, command line."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import BASE
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.main import main
from sim.runs.compare import (
    Comparison,
    compare,
    design,
    mean_interval,
    share_interval,
    summary,
    summary_text,
)
from sim.runs.execution import RunSpec, run_many
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

STEPS = 4
TABLES = ("steps", "events", "pilots", "negotiations", "elections", "transfers")


@pytest.fixture
def pair(small) -> list[Scenario]:
    """The small scenario and the same city with a test bed."""
    testbed = small.override({"name": "testbed", "incentives": {"testbed": True}})
    return [small.override({"name": "plain"}), testbed]


def test_design_gives_replicate_k_the_same_seed_in_every_scenario(pair):
    specs = design(pair, reps=3, base_seed=10)
    assert [(s.scenario["name"], s.replicate, s.seed) for s in specs] == [
        (name, k, 10 + k) for name in ("plain", "testbed") for k in range(3)
    ]
    with pytest.raises(ValueError, match="reps must be at least 1"):
        design(pair, reps=0)


def test_identical_scenarios_under_two_names_give_identical_tables(small):
    one, two = small.override({"name": "one"}), small.override({"name": "two"})
    result = compare([one, two], reps=2, base_seed=5, steps=STEPS)
    assert result.scenarios == ["one", "two"]
    for name in TABLES:
        table = result.tables[name]
        assert list(table.columns[:3]) == ["scenario", "seed", "replicate"]
        assert (table["seed"] == 5 + table["replicate"]).all()
    steps = result.steps
    assert len(steps) == 2 * 2 * (STEPS + 1)
    a = steps[steps["scenario"] == "one"].drop(columns="scenario").reset_index(drop=True)
    b = steps[steps["scenario"] == "two"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # and the replicates differ from each other
    end = a[a["step"] == STEPS]
    assert not end.drop(columns=["seed", "replicate"]).duplicated().any()


def test_serial_equals_parallel(pair):
    serial = compare(pair, reps=2, steps=STEPS, workers=1)
    parallel = compare(pair, reps=2, steps=STEPS, workers=2)
    assert serial.scenarios == parallel.scenarios == ["plain", "testbed"]
    assert set(serial.tables) == set(parallel.tables)
    for name, table in serial.tables.items():
        pd.testing.assert_frame_equal(table, parallel.tables[name])


def test_run_many_keeps_the_order_of_the_tasks(small):
    specs = [
        RunSpec(small.model_dump(mode="json"), seed=seed, replicate=k, steps=2)
        for k, seed in enumerate([3, 1, 2])
    ]
    results = run_many(specs, workers=1)
    assert [r.steps["seed"].iloc[0] for r in results] == [3, 1, 2]
    assert [r.steps["replicate"].iloc[0] for r in results] == [0, 1, 2]
    with pytest.raises(ValueError, match="workers must be at least 1"):
        run_many(specs, workers=0)


@pytest.fixture(scope="module")
def tiny() -> Comparison:
    from conftest import scenario

    small = scenario(
        population={"startups": 15, "incumbents": 8, "academia": 3, "citizen_groups": 6},
        cities=[{"citizens": 500, "neighbourhoods": 4, "annual_budget": 5e6}],
        pilots={"duration_mean": 2.0, "duration_sd": 0.5, "start_delay": 1, "proposal_rate": 0.3},
        time={"election_interval": 4},
    )
    testbed = small.override({"name": "a", "incentives": {"testbed": True}})
    return compare([small.override({"name": "b"}), testbed], reps=3, steps=8, base_seed=1)


def test_write_and_read_back(tiny, tmp_path):
    tiny.write(tmp_path)
    for name in TABLES:
        assert (tmp_path / f"{name}.parquet").exists()
    back = Comparison.read(tmp_path)
    assert back.scenarios == ["b", "a"]
    for name, table in tiny.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], table)
    manifest = back.manifest
    assert manifest["reps"] == 3 and manifest["base_seed"] == 1 and manifest["seeds"] == [1, 2, 3]
    for key in ("partnersim_version", "git_revision", "mesa_version"):
        assert key in manifest
    entry = manifest["scenarios"][1]
    assert entry["name"] == "a" and entry["scenario"]["incentives"]["testbed"] is True
    assert entry["scenario"]["time"]["steps"] == 8  # the steps that ran
    assert "description" in entry
    assert back.steps_per_year() == {"b": 4, "a": 4}
    written = pd.read_csv(tmp_path / "summary.csv")
    assert list(written.columns[:2]) == ["scenario", "metric"]
    assert {"pilots_succeeded", "public_spend"} <= set(written["metric"])


def test_summary_matches_a_hand_computation_on_real_runs(tiny):
    from scipy import stats

    table = summary(tiny.steps, ["pilots_agreed", "public_cost_per_success"], order=["b", "a"])
    assert list(table["scenario"].unique()) == ["b", "a"]
    end = tiny.steps[tiny.steps["step"] == 8]
    for row in table.itertuples():
        values = end.loc[end["scenario"] == row.scenario, row.metric].dropna().to_numpy()
        assert row.n == len(values)
        if len(values) < 2:
            continue
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
        assert row.mean == pytest.approx(values.mean())
        assert (row.lower, row.upper) == pytest.approx((values.mean() - half, values.mean() + half))
    text = summary_text(table)
    lines = text.splitlines()
    assert "pilots_agreed" in lines[3] and " b " in lines[3]
    assert lines[4].startswith(" ") and " a " in lines[4]  # grouped under its metric
    assert "EUR/pilot" in text


def test_figures_from_real_runs(tiny):
    from sim.outputs import plotting, style

    # until the finance metrics land, only columns the step table has today
    series = ["pilots_active", "pilots_succeeded", "public_spend", "trust_org_mean"]
    end = ["pilots_succeeded", "public_cost_per_success", "leverage", "election_survival"]
    sources = {k: plotting.CAPITAL_SOURCES[k] for k in ("public_spend", "private_capital")}
    colours = style.scenario_colours(tiny.scenarios)
    figures = {
        "timeseries": plotting.plot_timeseries(tiny.steps, metrics=series, colours=colours),
        "end": plotting.plot_end_metrics(tiny.summary(end), colours=colours),
        "capital": plotting.plot_capital_by_source(tiny.steps, sources=sources, colours=colours),
        "funnel": plotting.plot_funnel(tiny.steps, colours=colours),
    }
    # leverage: no capital providers, NaN in every run, so no panel rather than "n/a"
    assert [len(f.axes) for f in figures.values()] == [4, 3, 1, 1]
    years = figures["timeseries"].axes[0].get_lines()[0].get_xdata()
    assert max(years) == pytest.approx(8 / 4)
    titles = [ax.get_title() for ax in figures["end"].axes]
    assert style.metric_title("leverage", 22) not in titles


def test_summary_text_shows_mean_and_interval():
    table = pd.DataFrame(
        {
            "scenario": ["x", "x"],
            "metric": ["pilots_succeeded", "leverage"],
            "unit": ["pilots", "EUR/EUR"],
            "step": [4, 4],
            "n": [3, 0],
            "mean": [3.0, np.nan],
            "lower": [1.5, np.nan],
            "upper": [4.5, np.nan],
            "level": [0.95, 0.95],
        }
    )
    lines = summary_text(table).splitlines()
    expected = ["pilots_succeeded", "x", "3.000", "[1.500,", "4.500]", "3", "pilots"]
    assert lines[3].split() == expected
    assert lines[4].split() == ["leverage", "x", "n/a", "0", "EUR/EUR"]


def scenario_file(tmp_path, file, name, extra=""):
    path = tmp_path / file
    path.write_text(
        f"extends: {BASE}\n"
        f"name: {name}\n"
        "time: {steps: 6, election_interval: 4}\n"
        "population: {startups: 12, incumbents: 6, academia: 2, citizen_groups: 4}\n"
        "cities: [{name: city, citizens: 300, neighbourhoods: 3, annual_budget: 5.0e+6}]\n"
        "pilots: {duration_mean: 2.0, duration_sd: 0.5, start_delay: 1, proposal_rate: 0.3}\n"
        f"{extra}"
    )
    return path


def test_duplicate_names_are_refused_naming_both_files(tmp_path):
    first = scenario_file(tmp_path, "first.yaml", "same")
    second = scenario_file(tmp_path, "second.yaml", "same")
    with pytest.raises(ScenarioError) as caught:
        compare([first, second], reps=1)
    message = str(caught.value)
    assert "first.yaml" in message and "second.yaml" in message and "'same'" in message
    assert "\n" not in message


def test_cli_compare_writes_tables_figures_and_prints_the_summary(tmp_path, capsys):
    a = scenario_file(tmp_path, "a.yaml", "plain")
    b = scenario_file(tmp_path, "b.yaml", "testbed", "incentives: {testbed: true}\n")
    out = tmp_path / "out"
    argv = ["compare", str(a), str(b), "--reps", "2", "--seed", "3", "--steps", "5"]
    code = main([*argv, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    for name in TABLES:
        assert (out / f"{name}.parquet").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [3, 4]
    assert [s["name"] for s in manifest["scenarios"]] == ["plain", "testbed"]
    assert (out / "summary.csv").exists()
    for figure in ("timeseries", "end_metrics", "capital_by_source", "funnel"):
        assert (out / "figures" / f"{figure}.png").stat().st_size > 0
        assert (out / "figures" / f"{figure}.pdf").stat().st_size > 0
    steps = pd.read_parquet(out / "steps.parquet")
    assert set(steps["replicate"]) == {0, 1} and set(steps["seed"]) == {3, 4}
    assert steps["step"].max() == 5  # --steps over the files' 6
    assert "pilots_succeeded" in printed and "plain" in printed and "testbed" in printed
    assert "[" in printed and "EUR" in printed
    assert str(out) in printed


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--reps", "0"], "--reps must be at least 1; got 0"),
        (["--workers", "0"], "--workers must be at least 1; got 0"),
        (["--steps", "0"], "--steps must be at least 1; got 0"),
        (["--seed", "-1"], "--seed must be a non-negative integer"),
        (["--seed", str(10**24)], f"--seed must be at most 2**62 ({2**62}); got {10**24}"),
        (
            ["--steps", "2001"],
            "--steps: time.steps: out of range; got 2001; allowed: at least 1 and at most 2000 "
            "(unit: steps)",
        ),
    ],
)
def test_cli_compare_rejects_bad_numbers(tmp_path, capsys, argv, expected):
    a = scenario_file(tmp_path, "a.yaml", "plain")
    out = tmp_path / "out"
    assert main(["compare", str(a), "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"error: {expected}"] or expected in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_cli_compare_refuses_bad_files_before_running(tmp_path, capsys):
    good = scenario_file(tmp_path, "good.yaml", "plain")
    out = tmp_path / "out"
    assert main(["compare", str(good), str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "missing.yaml" in err[0]
    assert "file not found" in err[0]
    assert not out.exists()
    twin = scenario_file(tmp_path, "twin.yaml", "plain")
    assert main(["compare", str(good), str(twin), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "good.yaml" in err[0] and "twin.yaml" in err[0]
    assert not out.exists()


# --- intervals of shares -------------------------------------------------------------------------


@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=30))
def test_the_interval_of_a_share_stays_in_zero_one(values):
    mean, lower, upper = share_interval(np.array(values))
    assert 0.0 <= lower <= mean + 1e-12 and mean - 1e-12 <= upper <= 1.0


def test_a_share_near_one_gets_an_interval_inside_where_student_t_would_leave():
    values = np.array([1.0, 1.0, 1.0, 0.6, 1.0])
    _, _, t_upper = mean_interval(values)
    assert t_upper > 1.0  # the symmetric interval runs past 1 (this was the report's 1.032)
    mean, lower, upper = share_interval(values)
    assert mean == pytest.approx(0.92) and upper == 1.0 and 0.6 <= lower < mean
    assert share_interval(values) == (mean, lower, upper)  # seeded


def test_summary_uses_share_intervals_for_shares_and_percentiles_across_runs():
    steps = pd.DataFrame(
        {
            "scenario": "s",
            "replicate": range(5),
            "step": 3,
            "election_survival": [1.0, 1.0, 1.0, 0.6, 1.0],  # a share in the registry
            "public_spend": [1e6, 2e6, 3e6, 4e6, 5e6],
        }
    )
    table = summary(steps, ["election_survival", "public_spend"]).set_index("metric")
    assert table.loc["election_survival", "upper"] <= 1.0
    assert table.loc["public_spend", "p5"] == pytest.approx(1.2e6)
    assert table.loc["public_spend", "p95"] == pytest.approx(4.8e6)
    _, lower, upper = mean_interval(steps["public_spend"].to_numpy(dtype=float))
    assert (table.loc["public_spend", "lower"], table.loc["public_spend", "upper"]) == (
        pytest.approx(lower),
        pytest.approx(upper),
    )
