"""Scenario files as users write them: the shipped ones validate, bad ones get one clear line."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from sim.cli.main import main

SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))
"""Model and docking scenarios; validate picks each file's schema."""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(ROOT)) for p in SHIPPED])
def test_shipped_scenarios_validate(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok:")


BAD = {
    "unknown key": (
        "extends: base.yaml\npilots:\n  proposal_rte: 0.1\n",
        ["pilots.proposal_rte", "unknown key", "did you mean 'proposal_rate'", "0.1"],
    ),
    "wrong type": (
        "time:\n  steps: forty\n",
        ["time.steps", "wrong type", "'forty'", "a whole number"],
    ),
    "out of range": (
        "cities:\n  - annual_budget: -5\n",
        ["cities[0].annual_budget", "out of range", "-5", "at least 0", "EUR/year"],
    ),
    "bad choice": (
        "partnership:\n  model: city_lead\n",
        ["partnership.model", "'city_lead'", "city_led", "private_led"],
    ),
    "broken extends": (
        "extends: no_such_base.yaml\n",
        ["extends", "no_such_base.yaml"],
    ),
    "invalid yaml": (
        "time:\n  steps: [1, 2\n",
        ["invalid YAML", "line"],
    ),
    "budget in millions by mistake": (
        "cities:\n  - annual_budget: 5\n",
        ["cities[0].annual_budget", "implausibly small", "did you mean 5 M EUR? write 5.0e6", "5"],
    ),
    "unknown time unit": (
        "time:\n  election_interval: 4 yeras\n",
        ["time.election_interval", "wrong type", "'4 yeras'", "years, quarters", "'4 years'"],
    ),
    "time not whole steps": (
        "pilots:\n  start_delay: 1 month\n",
        ["pilots.start_delay", "not a whole number of steps", "'1 month'", "0.333 steps"],
    ),
    "cross-field rule": (
        "pilots:\n  consortium_min: 7\n  consortium_max: 4\n",
        ["consortium_min (7) must not exceed consortium_max (4)"],
    ),
    "a stakeholder that values nothing": (
        "objectives:\n  firm: {profit: 0, public_value: 0, knowledge: 0, legitimacy: 0}\n",
        ["objectives.firm: ", "profit, public_value, knowledge, legitimacy must not all be 0"],
    ),
    "cross-field rule within a section": (
        "trust:\n  l_plus: 0.5\n",
        ["trust: ", "l_plus * erosion_ratio * (1 + xi) = 2.25 must be <= 1"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_gives_one_line_naming_file_key_value_allowed(tmp_path, capsys, case):
    text, expected = BAD[case]
    (tmp_path / "base.yaml").write_text((ROOT / "scenarios" / "base.yaml").read_text())
    path = write(tmp_path, "bad.yaml", text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert str(path) in err
    assert "Traceback" not in err
    for fragment in expected:
        assert fragment in err, f"{fragment!r} not in {err!r}"


def test_run_with_bad_file_is_a_one_line_error_too(tmp_path, capsys):
    path = write(tmp_path, "bad.yaml", "time:\n  stepz: 3\n")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "time.stepz" in err and "unknown key" in err and "\n" not in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_validate_reports_every_bad_file(tmp_path, capsys):
    good = ROOT / "scenarios" / "base.yaml"
    bad1 = write(tmp_path, "a.yaml", "name: 3\n")
    bad2 = write(tmp_path, "b.yaml", "trust:\n  k: 0\n")
    assert main(["validate", str(good), str(bad1), str(bad2)]) == 2
    captured = capsys.readouterr()
    assert "ok:" in captured.out
    assert str(bad1) in captured.err and str(bad2) in captured.err


def test_extends_makes_a_small_override(tmp_path):
    from sim.runs.runner import as_scenario

    write(tmp_path, "base.yaml", (ROOT / "scenarios" / "base.yaml").read_text())
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\ntime:\n  steps: 8\n")
    config = as_scenario(child)
    assert config.name == "child"
    assert config.time.steps == 8
    assert config.time.election_interval == 16  # kept from the base


def test_cli_help_does_not_import_mesa():
    code = (
        "import sys; from sim.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'mesa' not in sys.modules, 'help imported mesa'\n"
        "main(['validate', 'scenarios/base.yaml'])\n"
        "assert 'mesa' not in sys.modules, 'validate imported mesa'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_override_merges_and_validates():
    from sim.scenario.errors import ScenarioError
    from sim.scenario.schema import Scenario

    base = Scenario()
    rigid = base.override({"cities": [{"procurement_flexibility": 0.0}], "time": {"steps": 5}})
    assert rigid.cities[0].procurement_flexibility == 0.0
    assert rigid.cities[0].annual_budget == base.cities[0].annual_budget
    assert rigid.time.steps == 5 and rigid.time.steps_per_year == 4
    with pytest.raises(ScenarioError, match=r"time\.steps: out of range; got 0"):
        base.override({"time": {"steps": 0}})
