"""Every shipped scenario, docking and sweep file resolves to the values recorded for it.

The snapshot (``tests/data/resolved_files.json``) was taken before lists of cities started to
merge by name and time fields started to take units, so these rules change no shipped file.
"""

import json
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from update_resolved import FOLDER, SNAPSHOT, resolved

HINT = (
    "a shipped file resolves differently; if that is intended, run "
    "'.venv/bin/python scripts/update_resolved.py' and explain why in CHANGELOG.md"
)
EXPECTED = json.loads(SNAPSHOT.read_text())


def test_snapshot_covers_every_shipped_file():
    shipped = {path.relative_to(ROOT).as_posix() for path in FOLDER.rglob("*.yaml")}
    assert shipped == set(EXPECTED), HINT


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_file_resolves_as_recorded(name):
    assert resolved(ROOT / name) == EXPECTED[name], f"{name}: {HINT}"
