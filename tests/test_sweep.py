"""Sweeps: sweep files, designs and seeds, executors, streamed results, faults and resuming."""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, scenario

from sim.cli.main import main
from sim.experiments.plan import plan_sweep
from sim.experiments.spec import SweepSpec
from sim.experiments.store import SweepStore
from sim.experiments.sweep import (
    SweepInterrupted,
    SweepResult,
    duration,
    run_sweep,
    summary_text,
)
from sim.runs.execution import PoolExecutor, SerialExecutor
from sim.scenario.errors import ScenarioError
from sim.scenario.files import dump
from sim.scenario.keypaths import with_values

TINY = {
    "time": {"steps": 3, "election_interval": 2},
    "population": {"startups": 10, "incumbents": 5, "academia": 2, "citizen_groups": 4},
    "cities": [{"citizens": 200, "neighbourhoods": 2, "annual_budget": 5e6}],
    "pilots": {"duration_mean": 2.0, "duration_sd": 1.0, "start_delay": 1, "proposal_rate": 0.3},
}
"""A city small enough that a 3-step run takes a few hundredths of a second."""

SLOW = {**TINY, "time": {"steps": 16, "election_interval": 2}}
"""The tiny city over 16 steps: a run takes a tenth of a second or so, so that a session of 60
runs lasts several times the store's flush interval (1 s) however fast the model becomes
within reason. The kill tests stop a session between two flushes; with 3-step runs a session
could end before its first flush on a fast or a loaded machine, and then there was nothing left
to stop."""

SWEEP = {
    "name": "tiny",
    "base": "base.yaml",
    "parameters": [{"key": "cities.0.annual_budget", "bounds": [1.0e6, 2.0e6]}],
    "design": {"method": "lhs", "samples": 4},
}
"""A valid sweep of the tiny city; tests change one part of it."""

FAULTY = {
    "name": "faulty",
    "model": "sim.experiments.reference_models:faulty",
    "parameters": [
        {"key": "x", "values": [0, 1, 2, 3, 4, 5]},
        {"key": "fail_above", "values": [4]},
    ],
    "design": {"method": "grid"},
    "replicates": 2,
    "seed": 3,
}
"""A reference model that raises at x >= 4: points 4 and 5 fail, 4 of 12 runs."""

TABLES = ("points", "runs", "failures")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding the tiny city as ``base.yaml``."""
    dump(scenario(**TINY), tmp_path / "base.yaml")
    return tmp_path


def write_sweep(folder: Path, data: dict, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def tables(out: Path, names=TABLES) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in names}


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert set(a) == set(b)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


# ------------------------------------------------------------------ sweep files


BAD = {
    "bad key path": (
        {"parameters": [{"key": "finance.grant.share", "bounds": [0, 1]}]},
        ["parameters[0].key", "no 'share' in finance.grant", "max_public_share"],
    ),
    "index past the list": (
        {"parameters": [{"key": "cities.2.annual_budget", "bounds": [1, 2]}]},
        ["parameters[0].key", "cities is a list of 1", "0 to 0"],
    ),
    "section, not a value": (
        {"parameters": [{"key": "finance.grant", "bounds": [0, 1]}]},
        ["parameters[0].key", "finance.grant is a section"],
    ),
    "whole number without integer": (
        {"parameters": [{"key": "time.election_interval", "bounds": [4, 8]}]},
        ["parameters[0].key", "whole number", "integer: true"],
    ),
    "bad bounds": (
        {"parameters": [{"key": "cities.0.annual_budget", "bounds": [2.0e6, 1.0e6]}]},
        ["parameters[0]", "low < high"],
    ),
    "unknown method": (
        {"design": {"method": "factorial", "samples": 4}},
        ["design.method", "'factorial'", "grid", "lhs", "sobol", "morris"],
    ),
    "option of another method": (
        {"design": {"method": "lhs", "samples": 4, "levels": 3}},
        ["design.levels", "unknown key"],
    ),
    "sobol samples": (
        {"design": {"method": "sobol", "samples": 100}},
        ["design.samples", "power of 2", "nearest 128"],
    ),
    "wrong base path": (
        {"base": "missing.yaml"},
        ["base", "scenario file not found", "missing.yaml", "relative to the folder"],
    ),
    "unknown metric": (
        {"metrics": ["pilots_agred"]},
        ["metrics[0]", "did you mean 'pilots_agreed'", "pilots_agred"],
    ),
    "unknown model": (
        {"model": "sim.experiments.reference_models:nothing", "base": None},
        ["model", "cannot load the model", "sim.experiments.reference_models:nothing"],
    ),
    "base with a reference model": (
        {"model": "sim.experiments.reference_models:ishigami"},
        ["base: only for model partnersim"],
    ),
    "invalid design points": (
        {
            "parameters": [{"key": "pilots.consortium_min", "bounds": [3, 30], "integer": True}],
            "design": {"method": "lhs", "samples": 8},
        },
        [
            "design point",
            "pilots.consortium_min=",
            "must not exceed",
            "consortium_max",
            "more problems",
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sweep_gets_one_line_naming_file_and_key(folder, capsys, case):
    change, expected = BAD[case]
    data = {k: v for k, v in {**SWEEP, **change}.items() if v is not None}
    path = write_sweep(folder, data)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert err.startswith(f"error: {path}: ")
    for fragment in expected:
        assert fragment in err, f"{fragment!r} not in {err!r}"
    # the sweep command refuses it the same way, before running anything
    out = folder / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    assert capsys.readouterr().err.strip() == err
    assert not out.exists()


def test_invalid_point_names_its_parameter_values(folder):
    data = {
        **SWEEP,
        "parameters": [{"key": "pilots.consortium_min", "values": [3, 30]}],
        "design": {"method": "grid"},
    }
    with pytest.raises(ScenarioError) as caught:
        plan_sweep(write_sweep(folder, data))
    assert "design point 1 (pilots.consortium_min=30)" in str(caught.value)
    assert caught.value.key == "pilots" and caught.value.more == 0


def test_inline_base_errors_name_the_key_under_base():
    spec = SweepSpec(
        name="inline",
        base={"time": {"steps": 0}},
        parameters=[{"key": "cities.0.annual_budget", "bounds": [1.0, 2.0]}],
        design={"method": "lhs", "samples": 2},
    )
    with pytest.raises(ScenarioError, match=r"base\.time\.steps: out of range; got 0"):
        plan_sweep(spec)


def test_with_values_changes_only_the_paths_and_copies_only_them():
    data = scenario(**TINY).model_dump(mode="json")
    changed = with_values(data, {"cities.0.annual_budget": 1.0, "time.steps": 9})
    assert changed["cities"][0]["annual_budget"] == 1.0 and changed["time"]["steps"] == 9
    assert data["cities"][0]["annual_budget"] == 5e6 and data["time"]["steps"] == 3
    assert changed["trust"] is data["trust"]  # untouched sections are shared, not copied
    assert changed["cities"][0]["citizens"] == data["cities"][0]["citizens"]


# ------------------------------------------------------------------ designs and seeds


def spawned(seed: int, n: int) -> list[int]:
    """The first word of each of n children of SeedSequence(seed), spawned the usual way."""
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(n)]


@pytest.mark.parametrize("seeds", ["common", "independent"])
def test_run_seeds_are_spawned_from_the_base_seed(folder, seeds):
    data = {**FAULTY, "replicates": 3, "seed": 99, "seeds": seeds}
    tasks = list(plan_sweep(write_sweep(folder, data)).tasks())
    assert [t.run for t in tasks] == [t.point * 3 + t.replicate for t in tasks] == list(range(18))
    if seeds == "common":
        expected = spawned(99, 3)
        assert [t.seed for t in tasks] == [expected[t.replicate] for t in tasks]
    else:
        assert [t.seed for t in tasks] == spawned(99, 18)
    again = list(plan_sweep(write_sweep(folder, data, "again.yaml")).tasks())
    assert [t.seed for t in again] == [t.seed for t in tasks]


def test_whole_numbers_and_levels_are_equally_likely_in_a_latin_hypercube(folder):
    data = {
        **FAULTY,
        "parameters": [
            {"key": "x", "bounds": [1, 4], "integer": True},
            {"key": "fail_above", "values": [10, 20, 30]},
        ],
        "design": {"method": "lhs", "samples": 400},
    }
    plan = plan_sweep(write_sweep(folder, data))
    points = plan.points_table()
    assert list(points.columns) == ["point", "x", "x:applied", "fail_above", "fail_above:applied"]
    # one sample in each of 400 strata: each whole number 1..4 covers 100, each level 133 or 134
    assert points["x:applied"].value_counts().sort_index().to_dict() == {
        1: 100,
        2: 100,
        3: 100,
        4: 100,
    }
    counts = points["fail_above:applied"].value_counts()
    assert sorted(counts.index) == [10, 20, 30] and set(counts) <= {133, 134}
    assert (points["x:applied"] == np.floor(points["x"])).all()
    assert plan.design.problem["bounds"] == [[1.0, 5.0], [0.0, 3.0]]


def test_grid_enumerates_every_combination_last_parameter_fastest(folder):
    data = {
        **SWEEP,
        "parameters": [
            {"key": "partnership.model", "values": ["city_led", "private_led"]},
            {"key": "cities.0.annual_budget", "bounds": [1.0e6, 3.0e6]},
        ],
        "design": {"method": "grid", "levels": 3},
    }
    points = plan_sweep(write_sweep(folder, data)).points_table()
    assert points["partnership.model:applied"].tolist() == ["city_led"] * 3 + ["private_led"] * 3
    assert points["cities.0.annual_budget"].tolist() == [1.0e6, 2.0e6, 3.0e6] * 2
    assert "cities.0.annual_budget:applied" not in points


@pytest.mark.parametrize(
    ("design", "points"),
    [
        ({"method": "sobol", "samples": 8}, 8 * (2 * 3 + 2)),
        ({"method": "sobol", "samples": 8, "calc_second_order": False}, 8 * (3 + 2)),
        ({"method": "morris", "trajectories": 4, "levels": 4}, 4 * (3 + 1)),
        ({"method": "lhs", "samples": 5}, 5),
    ],
)
def test_salib_designs_have_their_sizes_and_depend_on_the_seed(folder, design, points):
    data = {**FAULTY, "model": "sim.experiments.reference_models:ishigami", "design": design}
    data["parameters"] = [{"key": k, "bounds": [-math.pi, math.pi]} for k in ("x1", "x2", "x3")]
    one = plan_sweep(write_sweep(folder, data)).design
    same = plan_sweep(write_sweep(folder, data, "same.yaml")).design
    other = plan_sweep(write_sweep(folder, {**data, "seed": 4}, "other.yaml")).design
    assert one.samples.shape == (points, 3)
    assert (one.samples == same.samples).all()
    assert not (one.samples == other.samples).all()
    assert ((one.samples >= -math.pi) & (one.samples <= math.pi)).all()


# ------------------------------------------------------------------ executors


class Pulled:
    """Tasks 0..n-1 that count how many have been taken, to watch how many are in flight."""

    def __init__(self, n: int) -> None:
        self.n, self.taken = n, 0

    def __iter__(self):
        for task in range(self.n):
            self.taken += 1
            yield float(task)


@pytest.mark.parametrize("make", [SerialExecutor, lambda: PoolExecutor(2)], ids=["serial", "pool"])
def test_executors_yield_every_result_once_with_few_tasks_in_flight(make):
    tasks, seen, in_flight = Pulled(40), {}, []
    with make() as executor:
        for index, result in executor.imap(math.sqrt, tasks):
            seen[index] = result
            in_flight.append(tasks.taken - len(seen))
    assert seen == {i: math.sqrt(i) for i in range(40)}
    assert max(in_flight) <= executor.workers * 2


# ------------------------------------------------------------------ running sweeps


def test_serial_pool_and_dask_give_identical_tables_with_failures(folder):
    path = write_sweep(folder, FAULTY)
    serial = run_sweep(path, out=folder / "serial")
    pool = run_sweep(path, workers=2, out=folder / "pool")
    dask = run_sweep(path, workers=2, scheduler="local", out=folder / "dask")
    assert [r.manifest["sessions"][0]["executor"] for r in (serial, pool, dask)] == [
        "serial",
        "pool of 2 processes",
        "dask local cluster (2 workers)",
    ]
    expected = tables(serial.out)
    assert_same_tables(tables(pool.out), expected)
    assert_same_tables(tables(dask.out), expected)
    runs = expected["runs"]
    assert list(runs.columns) == [
        "run", "point", "replicate", "seed", "status", "x", "fail_above", "y", "u",
    ]  # fmt: skip
    assert runs["run"].tolist() == list(range(12))
    failed = runs["x"] >= 4
    assert (runs["status"] == np.where(failed, "failed", "ok")).all()
    assert runs.loc[failed, ["y", "u"]].isna().all().all()
    ok = runs[~failed]
    assert np.allclose(ok["y"], ok["x"] + ok["u"])
    assert serial.failed == 4 and serial.finished == 12 and serial.complete


def test_partnersim_sweep_is_identical_on_every_executor(folder):
    data = {
        **SWEEP,
        "parameters": [
            {"key": "cities.0.annual_budget", "bounds": [1.0e6, 4.0e6]},
            {"key": "time.election_interval", "bounds": [1, 3], "integer": True},
        ],
        "design": {"method": "lhs", "samples": 3},
        "replicates": 2,
        "record": "steps",
        "metrics": ["pilots_proposed", "pilots_agreed", "public_spend", "trust_org_mean"],
    }
    path = write_sweep(folder, data)
    names = (*TABLES, "steps")
    serial = run_sweep(path, out=folder / "serial")
    expected = tables(serial.out, names)
    assert_same_tables(tables(run_sweep(path, workers=2, out=folder / "pool").out, names), expected)
    dask = run_sweep(path, workers=2, scheduler="local", out=folder / "dask")
    assert_same_tables(tables(dask.out, names), expected)

    runs, steps = expected["runs"], expected["steps"]
    assert runs["status"].eq("ok").all() and len(runs) == 6
    assert len(steps) == 6 * (3 + 1)
    last = steps[steps["step"] == 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(last[data["metrics"]], runs[data["metrics"]])
    assert (last["seed"] == runs["seed"]).all()
    # the parameters as applied reach the model: the budget shows in the scenario it ran
    points = expected["points"]
    assert (
        runs["time.election_interval"] == points["time.election_interval:applied"].repeat(2).values
    ).all()
    assert runs["pilots_proposed"].gt(0).any()
    assert serial.manifest["metrics"] == data["metrics"]


def test_failing_runs_are_recorded_and_reported_with_exit_code_1(folder, capsys):
    path = write_sweep(folder, FAULTY)
    out = folder / "out"
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 1
    printed = capsys.readouterr().out
    assert "12 of 12 runs recorded" in printed and "4 failed" in printed
    assert "the first: run 8 (point 4" in printed and "InjectedFault" in printed
    failures = pd.read_parquet(out / "failures.parquet")
    assert failures["run"].tolist() == [8, 9, 10, 11]
    assert (failures["error"] == "InjectedFault").all()
    assert failures["traceback"].str.contains("raise InjectedFault").all()
    assert [json.loads(p)["x"] for p in failures["parameters"]] == [4, 4, 5, 5]
    runs = pd.read_parquet(out / "runs.parquet")
    assert (failures["seed"].values == runs["seed"].values[8:]).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["failed"], manifest["finished"], manifest["complete"]) == (4, 12, True)
    assert not (out / "parts").exists()


def test_a_non_empty_out_is_refused_without_resume(folder, capsys):
    out = folder / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier results")
    path = write_sweep(folder, FAULTY)
    assert main(["sweep", str(path), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "already holds results" in err and "--resume" in err and "another --out" in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "earlier results"


def test_a_scheduler_address_dask_cannot_read_is_one_line(folder, capsys):
    path = write_sweep(folder, FAULTY)
    out = folder / "out"
    argv = ["sweep", str(path), "--scheduler", "bogus", "--out", str(out), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: cannot start the executor (scheduler bogus): missing port number in address 'bogus'"
    ]


def test_resume_into_another_sweeps_folder_names_both(folder, capsys):
    out = folder / "out"
    run_sweep(write_sweep(folder, FAULTY), out=out)
    before = tables(out)
    other = write_sweep(folder, {**FAULTY, "name": "another"})
    assert main(["sweep", str(other), "--resume", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"holds results of another sweep, {FAULTY['name']!r}" in err
    assert "not of 'another'" in err and "has changed" not in err
    assert_same_tables(tables(out), before)


def test_resume_after_the_sweep_changed_is_refused(folder, capsys):
    path = write_sweep(folder, FAULTY)
    out = folder / "out"
    run_sweep(path, out=out)
    before = tables(out)
    write_sweep(folder, {**FAULTY, "seed": 4})
    assert main(["sweep", str(path), "--resume", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "has changed since" in err and "another --out" in err
    assert_same_tables(tables(out), before)


def test_resuming_a_finished_sweep_runs_nothing(folder):
    path = write_sweep(folder, FAULTY)
    out = folder / "out"
    run_sweep(path, out=out)
    before = tables(out)
    again = run_sweep(path, out=out, resume=True)
    assert (again.executed, again.skipped, again.complete) == (0, 12, True)
    assert_same_tables(tables(out), before)
    assert [s["recorded"] for s in again.manifest["sessions"]] == [12, 0]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.04, "0.0 s"),
        (8.44, "8.4 s"),
        (59.94, "59.9 s"),
        (59.96, "1 min 00 s"),  # rounds to a whole minute: not "60.0 s"
        (114.4, "1 min 54 s"),
        (3599.6, "1 h 00 min"),
        (7512.0, "2 h 05 min"),
    ],
)
def test_a_wall_time_reads_in_its_largest_units(seconds, text):
    assert duration(seconds) == text


def test_the_summary_says_how_long_the_runs_took_and_how_fast(folder, monkeypatch):
    """Each session's wall time is kept in the manifest and printed with the rate."""
    # the store's construction and the session's beginning read 100 s; every later read (the
    # flush checks, the session's end) 125 s
    clock = iter([100.0, 100.0])
    monkeypatch.setattr("sim.experiments.store.time.monotonic", lambda: next(clock, 125.0))
    path = write_sweep(folder, FAULTY)
    result = run_sweep(path, out=folder / "out")
    session = result.manifest["sessions"][0]
    assert session["seconds"] == 25.0 and session["executor"] == "serial"
    assert SweepResult.read(result.out).manifest["sessions"][0]["seconds"] == 25.0
    assert "12 runs in 25.0 s of wall time (serial; 0.5 runs/s, start-up included)" in (
        summary_text(result)
    )
    # a session that ran nothing (all recorded) prints no time, though it has one
    again = run_sweep(path, out=result.out, resume=True)
    assert again.executed == 0 and "of wall time" not in summary_text(again)


STOP = {"x": None}
"""Where :func:`interrupting` presses Ctrl-C; None lets every run through."""


def interrupting(params: dict, seed: int) -> dict:
    """A reference model that raises KeyboardInterrupt at x == STOP["x"] (as Ctrl-C would)."""
    if params["x"] == STOP["x"]:
        raise KeyboardInterrupt
    return {"y": params["x"] * 2.0}


def test_ctrl_c_keeps_finished_runs_and_resume_completes_them(folder, monkeypatch):
    data = {**FAULTY, "model": "test_sweep:interrupting", "parameters": FAULTY["parameters"][:1]}
    path = write_sweep(folder, data)
    out = folder / "out"
    monkeypatch.setitem(STOP, "x", 3)
    with pytest.raises(SweepInterrupted) as caught:
        run_sweep(path, out=out)
    stopped = caught.value.result
    assert (stopped.finished, stopped.complete) == (6, False)  # points 0-2, 2 replicates each
    on_disk = SweepResult.read(out).manifest
    assert (on_disk["finished"], on_disk["complete"]) == (6, False)
    assert on_disk["sessions"][0]["interrupted"] is True
    monkeypatch.setitem(STOP, "x", None)
    resumed = run_sweep(path, out=out, resume=True)
    assert (resumed.executed, resumed.skipped, resumed.complete) == (6, 6, True)
    again = run_sweep(path, out=out, resume=True)  # nothing left: no run, no empty parts folder
    assert (again.executed, again.skipped, again.complete) == (0, 12, True)
    assert not (out / "parts").exists()
    whole = run_sweep(path, out=folder / "whole")
    assert_same_tables(tables(out), tables(whole.out))


def test_a_spec_built_in_python_runs_with_a_scenario_object(tmp_path):
    spec = SweepSpec(
        name="notebook",
        base=scenario(**TINY),
        parameters=[{"key": "cities.0.annual_budget", "values": [1.0e6, 3.0e6]}],
        design={"method": "grid"},
        metrics=["public_spend"],
    )
    result = run_sweep(spec, out=tmp_path / "out")
    runs = result.table("runs")
    assert runs["cities.0.annual_budget"].tolist() == [1.0e6, 3.0e6]
    assert list(runs.columns[-1:]) == ["public_spend"] and result.complete


def test_store_drops_half_written_flushes_when_resuming(folder):
    path = write_sweep(folder, FAULTY)
    plan = plan_sweep(path)
    out = folder / "out"
    store = SweepStore(out, plan.manifest(), plan.parameter_dtypes())
    store.begin(plan.points_table(), executor="serial")
    parts = out / "parts"
    (parts / "s001-000009.failures.parquet").write_bytes(b"half a flush")
    (parts / "s001-000010.runs.parquet.tmp").write_bytes(b"cut short")
    resumed = SweepStore(out, plan.manifest(), plan.parameter_dtypes(), resume=True)
    assert resumed.recorded == set() and sorted(parts.iterdir()) == []
    assert resumed.sessions[0] | {"started_utc": None} == {
        "session": 1,
        "started_utc": None,
        "ended_utc": None,
        "seconds": None,  # killed: no end, so no time
        "executor": "serial",
        "partnersim_version": store.code["partnersim_version"],
        "git_revision": store.code["git_revision"],
        "skipped": 0,
        "recorded": 0,
        "failed": 0,
        "interrupted": True,
    }


# ------------------------------------------------------------------ killed and resumed


def recorded(out: Path) -> list[int]:
    """Run ids in the committed runs parts of an unfinished sweep."""
    parts = sorted((out / "parts").glob("*.runs.parquet"))
    return sorted(i for p in parts for i in pd.read_parquet(p, columns=["run"])["run"])


def wait_for_part(process: subprocess.Popen, out: Path, session: int) -> None:
    """Wait until the sweep process has recorded runs of ``session``; fail if it ended first."""
    deadline = time.monotonic() + 120
    while not list((out / "parts").glob(f"s{session:03d}-*.runs.parquet")):
        assert process.poll() is None, f"the sweep ended first: {process.communicate()}"
        assert time.monotonic() < deadline, "no runs recorded within 120 s"
        time.sleep(0.02)


def kill_then_stop(arguments: list[str], out: Path, runs: int) -> tuple[list[int], list[int], str]:
    """Start a command, SIGKILL it once it has recorded runs, resume it and stop that with Ctrl-C.

    The command's runs should be of the :data:`SLOW` city, so that each session outlasts its
    first flush by seconds.

    Returns:
        The runs recorded after the kill, those recorded after the stop, and the stopped
        command's stderr (checked: exit code 130).
    """
    command = [sys.executable, "-m", "sim.cli.main", *arguments]
    options = {"cwd": ROOT, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    killed = subprocess.Popen(command, start_new_session=True, **options)
    wait_for_part(killed, out, session=1)
    os.kill(killed.pid, signal.SIGKILL)
    killed.communicate()
    first = recorded(out)
    assert 0 < len(first) < runs

    stopped = subprocess.Popen([*command, "--resume"], start_new_session=True, **options)
    wait_for_part(stopped, out, session=2)
    os.killpg(stopped.pid, signal.SIGINT)  # Ctrl-C in a terminal reaches the process group
    _, err = stopped.communicate(timeout=120)
    assert stopped.returncode == 130, err
    second = recorded(out)
    assert set(first) < set(second) and len(second) == len(set(second))
    return first, second, err


def test_a_killed_sweep_resumes_without_running_a_recorded_run_again(folder, capsys):
    data = {
        **SWEEP,
        "parameters": [{"key": "cities.0.annual_budget", "bounds": [1.0e6, 4.0e6]}],
        "design": {"method": "lhs", "samples": 20},
        "replicates": 3,
        "metrics": ["pilots_proposed", "pilots_agreed", "public_spend", "trust_org_mean"],
    }
    dump(scenario(**SLOW), folder / "base.yaml")
    path = write_sweep(folder, data)
    out = folder / "out"
    arguments = ["sweep", str(path), "--out", str(out)]
    first, second, err = kill_then_stop(arguments, out, runs=60)
    assert "interrupted:" in err and "--resume" in err

    assert main([*arguments, "--resume", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert f"{60 - len(second)} run now, {len(second)} skipped as already recorded" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    sessions = manifest["sessions"]
    assert [s["skipped"] for s in sessions] == [0, len(first), len(second)]
    assert [s["recorded"] for s in sessions] == [
        len(first),
        len(second) - len(first),
        60 - len(second),
    ]  # every run recorded by exactly one session
    assert [s["interrupted"] for s in sessions] == [True, True, False]

    whole = run_sweep(path, out=folder / "whole")
    assert_same_tables(tables(out), tables(whole.out))


def test_a_script_that_starts_a_pool_at_top_level_is_told_to_guard_it(tmp_path) -> None:
    # "spawn" workers import the script again; unguarded, each would start a pool of its own,
    # and the parent sees only that its pool broke: it must say why and what to do
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from sim.runs.execution import PoolExecutor\n"
        "with PoolExecutor(1) as pool:\n"
        "    print(list(pool.imap(abs, [-1])))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("concurrent.futures.process.BrokenProcessPool: a worker process ended")
    assert 'under `if __name__ == "__main__":`' in last
