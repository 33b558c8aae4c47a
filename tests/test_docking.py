"""Docking: scenario files, the agent model, and agents against equations (sim.docking.audit)."""

import argparse
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from matplotlib.figure import Figure

from sim.cli.dock import register
from sim.docking.agent_model import (
    Citizen,
    Enterprise,
    GameModel,
    InspectedFirm,
    Inspector,
    Regulator,
    run_agents,
)
from sim.docking.audit import SHIPPED, dock
from sim.docking.figures import distance_frame, figures, plot_distance, shown_time
from sim.docking.games import nearest_corner, unwrapped_angle
from sim.docking.page import DOCS_COMMAND, build_docs
from sim.docking.schema import DockingScenario, is_docking, load_docking
from sim.runs.text import markdown_table
from sim.scenario.errors import ScenarioError
from sim.scenario.files import resolve_extends, validate_data

ROOT = Path(__file__).resolve().parents[1]
DOCKING = ROOT / "scenarios" / "docking"
DOCS = ROOT / "docs" / "validation.md"


def scenario(name: str, **changes) -> DockingScenario:
    """Return a shipped docking scenario with top-level changes, validated."""
    data = load_docking(DOCKING / f"{name}.yaml").model_dump(by_alias=True)
    return validate_data(data | changes, DockingScenario)


def write_yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dock.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


BASELINE_YAML = """\
name: test
kind: three_population
enterprise: [0.2, 40, 20, 35, 0.1, 10, 0, 0, 0.1]
public: [0.2, -30, 30, 0.8, 18, 0, 25, 0.1, 0.1, 0.1, 0.1]
government: [0.2, 25, 30, 0.5, 10, 0.8, 5]
"""


# --- scenario files --------------------------------------------------------------------------


def test_shipped_docking_scenarios_load() -> None:
    loaded = {name: load_docking(DOCKING / f"{name}.yaml") for name in SHIPPED}
    baseline = loaded["baseline"].three_population_params()
    assert baseline.vectors()[0] == [0.2, 40, 20, 35, 0.1, 10, 0, 0, 0.1]
    assert loaded["strong_policy"].published.stable_point == [1, 1, 1]
    inspection = loaded["inspection"].inspection
    assert inspection is not None
    assert (inspection.F, inspection.G, inspection.L, inspection.C) == (10, 4, 6, 5)
    assert inspection.params().centre == pytest.approx((0.6875, 0.4))
    assert all(is_docking(resolve_extends(DOCKING / f"{name}.yaml")) for name in SHIPPED)
    assert not is_docking(resolve_extends(ROOT / "scenarios" / "base.yaml"))


@pytest.mark.parametrize(
    ("key", "line", "expected"),
    [
        ("enterprise", "enterprise: [0.2, 40, 20, 35, 0.1, 10, 0, 0]", 9),
        ("public", "public: [0.2, -30, 30, 0.8, 18, 0, 25, 0.1, 0.1, 0.1, 0.1, 7]", 11),
        ("government", "government: [0.2, 25]", 7),
    ],
)
def test_wrong_length_vector_gets_one_line_naming_file_and_key(
    tmp_path: Path, key: str, line: str, expected: int
) -> None:
    text = "\n".join(
        line if row.startswith(f"{key}:") else row for row in BASELINE_YAML.splitlines()
    )
    path = write_yaml(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_docking(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: wrong length: ")
    assert f"expected {expected} (" in message
    assert info.value.key == key


def test_vector_as_mapping_equals_vector_as_list(tmp_path: Path) -> None:
    as_list = validate_data(yaml.safe_load(BASELINE_YAML), DockingScenario, source="x")
    mapping = """\
    name: test
    kind: three_population
    enterprise: {x0: 0.2, PA: 40, Pe: 20, CA: 35, eA: 0.1, Rc: 10, alpha: 0, beta: 0, gamma: 0.1}
    public: {y0: 0.2, CH: -30, CB1: 30, delta: 0.8, CB0: 18, epsilon: 0, Rp: 25, zeta: 0.1,
             eta: 0.1, theta: 0.1, lambda: 0.1}
    government: {z0: 0.2, CG1: 25, CE: 30, gov: 0.5, G0: 10, kappa: 0.8, G1: 5}
    """
    as_mapping = load_docking(write_yaml(tmp_path, mapping))
    assert as_mapping.three_population_params() == as_list.three_population_params()


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            BASELINE_YAML.replace("[0.2, 40, 20, 35, 0.1,", "[0.2, 40, 20, 35, 1.5,"),
            ["enterprise.eA: out of range; got 1.5; allowed: at least 0 and at most 1"],
        ),
        (
            BASELINE_YAML.replace("[0.2, -30,", "[0.2, 30,"),
            ["public.CH: out of range; got 30; allowed: at least -1000000 and at most 0 (unit:"],
        ),
        (
            BASELINE_YAML + "horizn: 5\n",
            ["horizn: unknown key (did you mean 'horizon'?)"],
        ),
        (
            BASELINE_YAML.replace("three_population", "inspection"),
            ["kind inspection needs an inspection section"],
        ),
        (
            "kind: inspection\ninspection: {F: 4, G: 10, L: 6, C: 5}\n",
            ["inspection.G (10) must be below inspection.F (4)"],
        ),
        (
            "kind: three_population\nenterprise: [0.2, 40, 20, 35, 0.1, 10, 0, 0, 0.1]\n",
            ["kind three_population needs public, government"],
        ),
        (
            BASELINE_YAML.replace("kind: three_population", "kind: duel"),
            ["kind: invalid choice; got 'duel'"],
        ),
    ],
)
def test_bad_docking_files_get_one_clear_line(tmp_path: Path, text: str, parts: list[str]):
    path = write_yaml(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_docking(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for part in parts:
        assert part in message


# --- the agent model -------------------------------------------------------------------------


def test_model_holds_one_agentset_per_population() -> None:
    game = scenario("baseline").game()
    model = GameModel(game, 250, rng=3)
    assert {cls: len(agents) for cls, agents in model.agents_by_type.items()} == {
        Enterprise: 250,
        Citizen: 250,
        Regulator: 250,
    }
    assert model.counts.tolist() == [50, 50, 50]
    model.run(40)
    for k, name in enumerate(game.populations):
        players = model.players(name)
        assert sum(agent.strategy == "C" for agent in players) == model.counts[k]
        assert model.counts[k] == np.count_nonzero(model.strategies[name])
    assert model.time_step == pytest.approx(0.02 / 10)
    assert model.equation_time == pytest.approx(40 * 0.02 / 10)

    inspection = GameModel(scenario("inspection").game(), 10, rng=0)
    assert set(inspection.agents_by_type) == {InspectedFirm, Inspector}


def test_same_seed_same_agent_trajectory() -> None:
    game = scenario("strong_policy").game()
    first = run_agents(game, 500, horizon=1.0, seed=11)
    again = run_agents(game, 500, horizon=1.0, seed=11)
    other = run_agents(game, 500, horizon=1.0, seed=12)
    assert np.array_equal(first.states, again.states)
    assert np.array_equal(first.t, again.t)
    assert not np.array_equal(first.states, other.states)


def test_model_rejects_bad_arguments() -> None:
    game = scenario("baseline").game()
    with pytest.raises(ValueError, match="revision_rate"):
        GameModel(game, 10, revision_rate=0.0, rng=0)
    with pytest.raises(ValueError, match="at least one agent"):
        GameModel(game, 0, rng=0)


@pytest.mark.parametrize(
    ("name", "corner"), [("baseline", (0, 0, 0)), ("strong_policy", (1, 1, 1))]
)
def test_agents_reach_the_published_stable_point(name: str, corner: tuple[int, ...]) -> None:
    s = scenario(name)
    horizon = min(s.horizon, 7.0)  # both sets are within 0.01 of their corner by then
    path = run_agents(s.game(), 1_000, horizon=horizon, revision_rate=s.revision_rate, seed=5)
    assert nearest_corner(path.states[-1], tol=0.01) == corner


def test_inspection_agents_cycle_around_the_centre() -> None:
    s = scenario("inspection")
    centre = s.inspection.params().centre
    path = run_agents(s.game(), 1_000, horizon=20.0, revision_rate=s.revision_rate, seed=2)
    assert np.all((path.states > 0) & (path.states < 1))
    angle = -unwrapped_angle(path.states, centre)  # orbits run clockwise
    every_quarter_time_unit = angle[:: int(0.25 / path.time_step)]
    assert np.all(np.diff(every_quarter_time_unit) > 0)  # always moving on round the centre
    assert angle[-1] - angle[0] > 8 * 2 * np.pi  # through full turns
    assert path.states.mean(axis=0) == pytest.approx(centre, abs=0.02)


# --- docking: agents against equations -------------------------------------------------------


def test_baseline_docking_distance_shrinks_as_n_grows() -> None:
    """One docking run (the expensive part) checked for its numbers and tables."""
    docking = dock(scenario("baseline"), sizes=[100, 1_000, 10_000], seeds=3)
    summary = docking.summary.set_index("n")
    sizes = ["100", "1,000", "10,000"]
    means = summary.loc[sizes, "max_distance"].to_numpy()
    assert means[0] > means[1] > means[2]
    assert np.all(summary.loc[sizes[1:], "ratio"] < 0.6)  # 1/sqrt(10) = 0.32
    rms = summary.loc[sizes, "rms_distance"].to_numpy()
    assert rms[0] > rms[1] > rms[2]
    assert summary.loc["mean field", "max_distance"] < means[2] / 3
    assert docking.checks["ok"].all(), docking.checks

    # Tables: published eigenvalues, every grid start and every run at (0, 0, 0).
    corners = docking.corners.set_index("corner")
    eigenvalues = corners.loc["DDD", ["eig_enterprise", "eig_public", "eig_government"]]
    assert eigenvalues.tolist() == pytest.approx([-3.15, -6.5, -10.0], abs=1e-12)
    assert (corners["kind"] == "ESS").sum() == 1
    assert len(docking.grid) == 27
    assert (docking.grid["reached"] == "DDD").all()
    assert len(docking.runs) == 9
    assert (docking.runs["reached"] == "DDD").all()

    # The data behind the figures (the command-line test draws them).
    assert 0.5 < shown_time(docking) < docking.scenario.horizon
    frame = distance_frame([docking]).set_index("n")
    means_by_n = docking.runs.groupby("n")["max_distance"].mean()
    assert frame["max_distance"].to_dict() == pytest.approx(means_by_n.to_dict())
    assert frame["runs"].tolist() == [3, 3, 3]
    assert frame.loc[1_000, "ratio"] == pytest.approx(means_by_n[1_000] / means_by_n[100])
    assert np.isnan(frame.loc[100, "ratio"])
    assert isinstance(plot_distance(frame.reset_index()), Figure)
    text = markdown_table(docking.summary)
    assert text.splitlines()[0].startswith("| n | runs | max_distance")
    assert "| mean field |" in text


def test_strong_policy_distance_shrinks_as_n_grows() -> None:
    """The second published set too, over its first 4 time units (most of its transient)."""
    docking = dock(scenario("strong_policy", horizon=4.0), sizes=[100, 1_000, 10_000], seeds=2)
    frame = distance_frame([docking]).set_index("n")
    means = frame["max_distance"].to_numpy()
    assert means[0] > means[1] > means[2]
    assert np.all(frame["ratio"].iloc[1:] < 0.6)  # 1/sqrt(10) = 0.32
    assert frame["rms_distance"].is_monotonic_decreasing
    assert docking.summary.set_index("n").loc["mean field", "max_distance"] < means[2] / 3


def test_inspection_docking_checks_pass() -> None:
    s = scenario("inspection", horizon=15.0, window=2.5)
    docking = dock(s, sizes=[300, 3_000], seeds=2)
    assert docking.checks["ok"].all(), docking.checks
    summary = docking.summary.set_index("n")
    assert summary.loc["300", "max_distance"] > summary.loc["3,000", "max_distance"]
    assert summary.loc["3,000", "turns"] > 6
    assert docking.grid is None
    made = figures(docking)
    assert set(made) == {"docking_inspection_trajectories", "docking_inspection_orbit"}
    assert all(isinstance(fig, Figure) for fig in made.values())
    assert len(made["docking_inspection_trajectories"].axes) == 4


# --- command line and docs -------------------------------------------------------------------


def dock_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="partnersim")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["dock", *argv])


def test_dock_command_writes_tables_and_figures(tmp_path: Path, capsys) -> None:
    args = dock_args(
        str(DOCKING / "baseline.yaml"),
        "--out",
        str(tmp_path),
        "--sizes",
        "50",
        "200",
        "--seeds",
        "1",
    )
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "| 200 | 1 |" in out
    assert "| eigenvalues at the stable point" in out
    assert (tmp_path / "docking_baseline_trajectories.png").exists()
    written = {p.name: p for p in tmp_path.iterdir()}
    assert set(written) >= {"summary.csv", "corners.csv", "grid.csv", "checks.csv", "runs.csv"}
    assert "docking_baseline_phase.png" in written
    assert all(p.stat().st_size > 0 for p in written.values())


def test_dock_command_bad_input(tmp_path: Path, capsys) -> None:
    path = write_yaml(tmp_path, BASELINE_YAML.replace("[0.2, 25, 30,", "[0.2, 25,"))
    args = dock_args(str(path), "--out", str(tmp_path / "out"))
    assert args.handler(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {path}: government: wrong length: 6 numbers, expected 7")
    assert "\n" not in err
    too_small = dock_args(str(DOCKING / "baseline.yaml"), "--sizes", "1")
    assert too_small.handler(too_small) == 2
    assert "--sizes must all be at least 2" in capsys.readouterr().err


class RevisesSlower(GameModel):
    """A deliberately broken agent model: agents revise 15% less often than the time axis says."""

    def _revise(self, k: int) -> None:
        rate = self.revision_rate
        self.revision_rate = 0.85 * rate
        try:
            super()._revise(k)
        finally:
            self.revision_rate = rate


def dock_checks(capsys, argv: list[str]) -> tuple[int, str]:
    args = dock_args(*argv)
    code = args.handler(args)
    return code, capsys.readouterr().out


def test_dock_fails_on_agents_that_drift_from_the_equations(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [str(DOCKING / "baseline.yaml"), "--sizes", "100", "1000", "--seeds", "2"]
    code, out = dock_checks(capsys, [*argv, "--out", str(tmp_path / "right")])
    assert code == 0, out
    monkeypatch.setattr("sim.docking.agent_model.GameModel", RevisesSlower)
    code, out = dock_checks(capsys, [*argv, "--out", str(tmp_path / "slower")])
    assert code == 1
    (rate,) = [line for line in out.splitlines() if line.startswith("| distance falls with N")]
    assert rate.endswith("| **no** |")  # every other check passes: the corner is still reached
    assert sum(line.endswith("| **no** |") for line in out.splitlines()) == 1


def test_dock_fails_when_the_published_point_is_not_the_only_stable_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sim.docking.games as games

    only = games.stable_corners(scenario("baseline").game())
    twin = games.Corner(state=(1, 1, 1), eigenvalues=only[0].eigenvalues, stable=True)
    monkeypatch.setattr(games, "stable_corners", lambda game: [*only, twin])
    checks = dock(scenario("baseline", horizon=1.0), sizes=[50, 200], seeds=1).checks
    stable = checks[checks["check"].str.startswith("evolutionarily stable")].iloc[0]
    assert stable["computed"] == "(0, 0, 0), (1, 1, 1)"
    assert not stable["ok"]


def test_dock_fails_when_the_rate_cannot_be_measured() -> None:
    checks = dock(scenario("baseline", horizon=1.0), sizes=[200], seeds=1).checks
    rate = checks.iloc[0]
    assert rate["computed"].startswith("n/a")
    assert not rate["ok"]


def test_importing_the_dock_command_is_light() -> None:
    """The CLI registers `dock` at start-up; that must not import the heavy libraries."""
    code = (
        "import sys, sim.cli.dock, sim.docking.audit, sim.docking.schema; "
        "print(sorted(m for m in ('pandas', 'mesa', 'matplotlib', 'scipy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_validation_page_is_generated_with_its_figures() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert DOCS_COMMAND in text
    links = [line.split("(")[1].rstrip(")") for line in text.splitlines() if line.startswith("![")]
    assert len(links) >= 6
    for link in links:
        assert (DOCS.parent / link).exists(), link


@pytest.mark.slow
def test_validation_page_is_up_to_date(tmp_path: Path) -> None:
    """Regenerates every docking run (about 3 minutes)."""
    page = build_docs(tmp_path)
    assert page.read_text(encoding="utf-8") == DOCS.read_text(encoding="utf-8"), (
        f"docs/validation.md is out of date: run `{DOCS_COMMAND}`"
    )
