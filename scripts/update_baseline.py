"""Rewrite the regression baseline: the base scenario's final metrics for seeds 0-2.

Run only when a change to the model's output is intended, and say why in CHANGELOG.md:

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
SCENARIO = ROOT / "scenarios" / "base.yaml"
SEEDS = (0, 1, 2)


def current() -> dict[str, dict[str, float | None]]:
    """Return the final metrics per seed, NaN written as null."""
    out = {}
    for seed in SEEDS:
        final = run(SCENARIO, seed=seed).final().drop(["scenario", "seed", "step"])
        out[str(seed)] = {k: None if math.isnan(float(v)) else float(v) for k, v in final.items()}
    return out


if __name__ == "__main__":
    BASELINE.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE.relative_to(ROOT)}; explain the change in CHANGELOG.md")
