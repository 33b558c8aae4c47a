"""Rewrite the snapshot of every shipped scenario, docking and sweep file as it resolves.

``tests/test_resolved_files.py`` holds each file in ``scenarios/`` to the values recorded here,
so a change to how files merge (``extends``, lists, units) cannot change a shipped scenario
unnoticed. Run only when a change to a shipped file or to a default is intended, and say why in
CHANGELOG.md:

    .venv/bin/python scripts/update_resolved.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.docking.schema import DockingScenario, is_docking  # noqa: E402
from sim.experiments.decision_spec import DecisionSpec, is_decision  # noqa: E402
from sim.experiments.plan import plan_sweep  # noqa: E402
from sim.experiments.spec import is_sweep  # noqa: E402
from sim.scenario.files import load  # noqa: E402
from sim.scenario.reader import read_yaml  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

SNAPSHOT = ROOT / "tests" / "data" / "resolved_files.json"
FOLDER = ROOT / "scenarios"


def resolved(path: Path) -> dict[str, Any]:
    """Return a shipped file as it resolves: a scenario, a sweep and its base, or a decision."""
    data = read_yaml(path)
    if is_decision(data):
        return {"decision": load(path, DecisionSpec).model_dump(mode="json")}
    if is_sweep(data):
        plan = plan_sweep(path)
        return {"sweep": plan.spec.model_dump(mode="json"), "scenario": plan.scenario}
    schema = DockingScenario if is_docking(data) else Scenario
    return load(path, schema).model_dump(mode="json")


def current() -> dict[str, dict[str, Any]]:
    """Return every YAML file under ``scenarios/`` as it resolves, by path relative to the root."""
    return {
        path.relative_to(ROOT).as_posix(): resolved(path) for path in sorted(FOLDER.rglob("*.yaml"))
    }


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(current(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}; explain the change in CHANGELOG.md")
