"""Regression baselines: final metrics of the base and the four finance scenarios must not drift
unnoticed (``scripts/update_baseline.py`` rewrites them, CHANGELOG.md says why)."""

import json
import math
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from update_baseline import BASELINE, SCENARIOS, current


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_matches_baseline(name):
    expected = json.loads(BASELINE.read_text())[name]
    got = current(name)
    hint = (
        f"the output of scenario {name} changed; if that is intended, run "
        "'.venv/bin/python scripts/update_baseline.py' and explain why in CHANGELOG.md"
    )
    assert got.keys() == expected.keys(), hint
    for seed, metrics in expected.items():
        assert got[seed].keys() == metrics.keys(), hint
        for metric, value in metrics.items():
            new = got[seed][metric]
            if value is None:
                assert new is None, f"seed {seed} {metric}: {new} != NaN; {hint}"
            else:
                assert new == pytest.approx(value, rel=1e-9, abs=1e-6), (
                    f"seed {seed} {metric}: {new} != {value}; {hint}"
                )
                assert not math.isnan(new)
