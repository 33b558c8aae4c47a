"""Where results go (sim.runs.outdir), held on the command line for every command that writes.

Each case runs the real command with a path that is in the way, and checks: exit code 2, one
line on stderr naming the path, nothing simulated (the simulation is replaced by a function that
fails the test), and nothing written or removed.

A folder that cannot be written is tested for real whoever runs the tests: the command runs in a
child process that, when the tests run as root (as in CI), has lost the capabilities by which root
ignores a folder's permissions (``CAP_DAC_OVERRIDE``, ``CAP_DAC_READ_SEARCH``), so the kernel
holds it to the folder's mode like any other user; nothing is skipped.
"""

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT

from sim.cli.main import main
from sim.runs.outdir import OutputError, check_folder, inside, replace_with, safe_name

TINY = """\
name: {name}
time: {{steps: 2}}
population: {{startups: 6, incumbents: 3, academia: 1, citizen_groups: 2}}
cities: [{{citizens: 100, neighbourhoods: 2}}]
"""

SWEEP = {
    "name": "tiny",
    "base": "tiny.yaml",
    "parameters": [{"key": "cities.0.annual_budget", "bounds": [1.0e6, 2.0e6]}],
    "design": {"method": "lhs", "samples": 2},
}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A tiny scenario, a sweep over it, and a docking scenario, in ``tmp_path/in``."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "tiny.yaml").write_text(TINY.format(name="tiny"))
    (folder / "sweep.yaml").write_text(yaml.safe_dump(SWEEP))
    return {
        "scenario": folder / "tiny.yaml",
        "sweep": folder / "sweep.yaml",
        "docking": ROOT / "scenarios" / "docking" / "baseline.yaml",
    }


def command(name: str, files: dict[str, Path], out: Path) -> list[str]:
    """Return the argv of command ``name`` writing to ``out``."""
    if name == "run":
        return ["run", str(files["scenario"]), "--out", str(out)]
    if name == "compare":
        return ["compare", str(files["scenario"]), "--reps", "1", "--out", str(out)]
    if name == "sweep":
        return ["sweep", str(files["sweep"]), "--no-progress", "--out", str(out)]
    return ["dock", str(files["docking"]), "--sizes", "20", "40", "--seeds", "1", "--out", str(out)]


COMMANDS = ["run", "compare", "sweep", "dock"]


SIMULATIONS = (
    "sim.runs.runner.simulate",
    "sim.experiments.sweep.make_executor",
    "sim.docking.audit.dock",
)
"""Where each command starts simulating."""


def refuse(*args, **kwargs):
    """Stand in for a simulation: the path checks must come first."""
    raise AssertionError("simulated before the output path was checked")


def forbid_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any simulation fail."""
    for target in SIMULATIONS:
        monkeypatch.setattr(target, refuse)


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any simulation fail the test."""
    forbid_simulation(monkeypatch)


def main_without_simulation(argv: list[str]) -> int:
    """Run the command line with any simulation failing (in a child process)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        forbid_simulation(monkeypatch)
        return main(argv)


CHILD = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
    "from test_outdir import main_without_simulation; "
    "sys.exit(main_without_simulation(sys.argv[1:]))"
)
"""The child process's program: the command line of its arguments, without simulation."""

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
"""From <linux/prctl.h> and <linux/capability.h>."""
LIBC = ctypes.CDLL(None, use_errno=True)
"""Loaded here, before any fork: the child between fork and exec only calls it."""


def without_permission_override() -> None:
    """Drop root's power to ignore file permissions, for the program this process runs next.

    A capability dropped from the bounding set is not granted again by ``exec``, so root's next
    program is held to the mode bits. A user other than root has no such power to drop.
    """
    if os.geteuid() != 0:
        return
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability (needs CAP_SETPCAP)")


def run_held_to_permissions(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the command line in a child process held to file permissions, without simulation."""
    return subprocess.run(
        [sys.executable, "-c", CHILD, *argv],
        preexec_fn=without_permission_override,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def refused(capsys, argv: list[str]) -> str:
    """Run ``argv``; check exit code 2 and a single error line; return that line."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    return err[0]


@pytest.mark.parametrize("name", COMMANDS)
def test_a_file_in_the_way(name, files, tmp_path, capsys, no_simulation):
    out = tmp_path / "taken"
    out.write_text("not a folder")
    line = refused(capsys, command(name, files, out))
    assert line == f"error: {out}: a file is in the way; choose another folder for the results"
    assert out.read_text() == "not a folder"


@pytest.mark.parametrize("name", COMMANDS)
def test_a_path_under_a_file(name, files, tmp_path, capsys, no_simulation):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "deeper" / "out"
    line = refused(capsys, command(name, files, out))
    assert line == f"error: {out}: {blocker} is a file, so nothing can be written under it"


@pytest.mark.parametrize("name", COMMANDS)
def test_a_folder_that_cannot_be_written(name, files, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        done = run_held_to_permissions(command(name, files, locked / "out"))
    finally:
        locked.chmod(0o700)
    assert (done.returncode, done.stderr.splitlines()) == (
        2,
        [f"error: {locked / 'out'}: cannot write in {locked}; choose another path"],
    ), done.stderr
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("name", COMMANDS)
def test_a_folder_the_permissions_allow_but_the_system_refuses(name, files, capsys, no_simulation):
    # root may write anywhere by permission, but not in /proc: asking is not enough, and the
    # refusal must come before the runs, not when their results are written
    line = refused(capsys, command(name, files, Path("/proc/partnersim-out")))
    assert line == "error: /proc/partnersim-out: cannot write in /proc; choose another path"


@pytest.mark.parametrize("name", COMMANDS)
def test_existing_results_are_kept_unless_forced(name, files, tmp_path, capsys, no_simulation):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"partnersim_version": "0"}))
    (out / "old.parquet").write_text("old")
    line = refused(capsys, command(name, files, out))
    resume = "resume them with --resume, " if name == "sweep" else ""
    assert line == (
        f"error: {out}: already holds results; {resume}pass --force to replace them, or choose "
        "another --out folder"
    )
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "old.parquet"]


@pytest.mark.parametrize("name", COMMANDS)
def test_force_replaces_only_partnersim_results(name, files, tmp_path, capsys, no_simulation):
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    line = refused(capsys, [*command(name, files, out), "--force"])
    assert line.startswith(f"error: {out}: holds files that are not partnersim results")
    assert (out / "thesis.tex").read_text() == "years of work"


@pytest.mark.parametrize("name", COMMANDS)
def test_force_replaces_old_results_whole(name, files, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"partnersim_version": "0", "seed": 99}))
    (out / "stale_table.parquet").write_text("from another scenario and seed")
    (out / "report.pdf").write_text("an old report")
    assert main([*command(name, files, out), "--force"]) in (0, 1)  # dock may fail a check
    capsys.readouterr()
    names = {p.name for p in out.iterdir()}
    assert "stale_table.parquet" not in names and "report.pdf" not in names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest.get("seed") != 99 and "partnersim_version" in manifest
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no leftovers


def test_compare_twice_as_make_demo_does(files, tmp_path, capsys):
    out = tmp_path / "finance"
    argv = [*command("compare", files, out), "--force"]
    assert main(argv) == 0
    first = pd.read_parquet(out / "steps.parquet")
    assert main(argv) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "steps.parquet"), first)


@pytest.mark.parametrize("name", ["../../escaped", "/abs/escaped", "..", "a/../../b"])
def test_a_scenario_name_never_leaves_the_results_folder(name, tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.yaml").write_text(TINY.format(name=json.dumps(name)))
    monkeypatch.chdir(work)
    assert main(["run", "s.yaml", "--steps", "1"]) == 0
    capsys.readouterr()
    (written,) = (work / "results").iterdir()
    assert written.name == f"{safe_name(name)}-seed0"
    assert (written / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert not Path("/abs").exists()


def test_a_report_keeps_its_own_files_unless_forced(files, tmp_path, capsys, monkeypatch):
    results = tmp_path / "results"
    assert main(command("compare", files, results)) == 0
    capsys.readouterr()
    pdf = results / "report.pdf"
    pdf.write_text("an earlier report")
    monkeypatch.setattr("sim.outputs.report.build_report", lambda *a, **k: pytest.fail("built"))
    line = refused(capsys, ["report", str(results)])
    assert line == f"error: {pdf}: already exists; pass --force to replace it"
    pdf.unlink()
    (results / "report.html").mkdir()
    line = refused(capsys, ["report", str(results), "--force"])
    assert (
        line
        == f"error: {results / 'report.html'}: a folder is in the way; choose another file name"
    )
    blocker = tmp_path / "file"
    blocker.write_text("x")
    line = refused(capsys, ["report", str(results), "--out", str(blocker / "r.pdf")])
    assert (
        line
        == f"error: {blocker / 'r.pdf'}: {blocker} is a file, so nothing can be written under it"
    )


def test_a_sweep_resumed_on_other_code_is_refused_unless_forced(files, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(command("sweep", files, out)) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["git_revision"] = "0123abc"
    (out / "manifest.json").write_text(json.dumps(manifest))
    line = refused(capsys, [*command("sweep", files, out), "--resume"])
    assert (
        f"{out} holds runs recorded by another version of the code (git_revision 0123abc then"
        in (line)
    )
    assert "Resume with --force to carry on anyway" in line
    assert main([*command("sweep", files, out), "--resume", "--force"]) == 0
    capsys.readouterr()
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [s["git_revision"] == "0123abc" for s in sessions] == [False, False]
    assert len(sessions) == 2


# --- the rule itself ---------------------------------------------------------------------------


def test_safe_names_stay_one_path_component() -> None:
    for name in ["../../x", "/abs/x", "..", ".", "", "a\\b", "ünïcode", "x" * 500, "\0"]:
        safe = safe_name(name)
        assert safe and "/" not in safe and "\\" not in safe and not safe.startswith(".")
        assert len(safe) <= 100
        assert (Path("results") / safe).resolve().parent == Path("results").resolve()
    assert safe_name("finance-morris_2.v1") == "finance-morris_2.v1"


def test_an_empty_folder_is_used_and_resume_may_carry_on(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    assert check_folder(tmp_path / "empty") == tmp_path / "empty"
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "manifest.json").write_text("{}")
    assert check_folder(tmp_path / "runs", resume=True) == tmp_path / "runs"


def test_replace_with_leaves_old_results_when_writing_fails(tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"partnersim_version": "0"}))

    def fail(folder: Path) -> None:
        (folder / "half.parquet").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_with(out, fail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]


def test_inside_refuses_every_way_out(tmp_path) -> None:
    folder = tmp_path / "saves"
    folder.mkdir()
    (folder / "link").symlink_to(tmp_path)
    assert inside(folder, "a/b.yaml") == folder / "a" / "b.yaml"
    for name in ["../x.yaml", "/etc/x.yaml", "a/../../x.yaml", "link/x.yaml", " "]:
        with pytest.raises(OutputError):
            inside(folder, name)
