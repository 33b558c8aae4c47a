"""Rewrite the regression baselines: final metrics of the base and the four finance scenarios.

Each scenario is run with seeds 0-2 to its own horizon; the base scenario holds the model's
mechanics, the finance scenarios each instrument's path. Run only when a change to the model's
output is intended, and say why in CHANGELOG.md:

    .venv/bin/python scripts/update_baseline.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.runs.runner import run  # noqa: E402

BASELINE = ROOT / "tests" / "baseline.json"
SCENARIOS: dict[str, Path] = {
    "base": ROOT / "scenarios" / "base.yaml",
    **{
        name: ROOT / "scenarios" / "finance" / f"{name}.yaml"
        for name in ("grant", "blended", "revolving", "outcome_based")
    },
}
"""The scenarios held by the baseline, by name."""
SEEDS = (0, 1, 2)


def current(name: str) -> dict[str, dict[str, float | None]]:
    """Return a scenario's final metrics per seed, NaN written as null."""
    out = {}
    for seed in SEEDS:
        final = run(SCENARIOS[name], seed=seed).final().drop(["scenario", "seed", "step"])
        out[str(seed)] = {k: None if math.isnan(float(v)) else float(v) for k, v in final.items()}
    return out


if __name__ == "__main__":
    data = {name: current(name) for name in SCENARIOS}
    BASELINE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE.relative_to(ROOT)}; explain the change in CHANGELOG.md")
