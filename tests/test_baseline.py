"""Regression baseline: the base scenario's final metrics must not drift unnoticed."""

import json
import math
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from update_baseline import BASELINE, current


def test_base_scenario_matches_baseline():
    expected = json.loads(BASELINE.read_text())
    got = current()
    hint = (
        "the base scenario's output changed; if that is intended, run "
        "'.venv/bin/python scripts/update_baseline.py' and explain why in CHANGELOG.md"
    )
    assert got.keys() == expected.keys(), hint
    for seed, metrics in expected.items():
        assert got[seed].keys() == metrics.keys(), hint
        for name, value in metrics.items():
            new = got[seed][name]
            if value is None:
                assert new is None, f"seed {seed} {name}: {new} != NaN; {hint}"
            else:
                assert new == pytest.approx(value, rel=1e-9, abs=1e-9), (
                    f"seed {seed} {name}: {new} != {value}; {hint}"
                )
                assert not math.isnan(new)
