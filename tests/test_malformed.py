"""Every kind of malformed scenario file gets one line naming it, and no traceback or hang.

The files come from the generator of ``benchmarks/malformed.py`` (which runs over a thousand of
them and prints the counts and the time per file); here three files of each kind, each given
30 s against hangs and no other time limit.
"""

import random
import sys
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from malformed import KINDS, verdict

PER_KIND = 3


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_malformed_file_gets_one_line_naming_it(kind: str, tmp_path: Path) -> None:
    rng = random.Random(f"{kind}-14")
    folder = tmp_path / kind
    folder.mkdir()
    for i in range(PER_KIND):
        path = KINDS[kind](rng, folder, i)
        result, text, _ = verdict(path, seconds=30)
        assert result == "refused", f"{path.name}: {result}: {text!r}"
