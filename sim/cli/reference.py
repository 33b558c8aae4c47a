"""The committed parameter reference (docs/parameters.md): which schemas it documents.

Regenerate it with ``python -m sim.cli.reference > docs/parameters.md`` (``make docs``);
``tests/test_paramdoc.py`` fails when it is out of date. The rendering itself is
:func:`sim.scenario.reference.render`.
"""

from __future__ import annotations

import sim.docking.schema
import sim.scenario.schema
from sim.docking.schema import DockingScenario
from sim.scenario.reference import Schema, render
from sim.scenario.schema import Scenario

COMMAND = "python -m sim.cli.reference > docs/parameters.md"
"""The command that regenerates the committed reference."""

SCHEMAS: tuple[Schema, ...] = (
    Schema(
        "Scenario parameters",
        Scenario,
        sim.scenario.schema,
        "",
        "Model scenarios (`scenarios/*.yaml`, `scenarios/*/`), validated by "
        "`sim/scenario/schema.py`. "
        "Key paths are as written in a scenario YAML file (`cities[]` is one entry of the list "
        "`cities`). Cross-field rules (for example `pilots.consortium_min <= "
        "pilots.consortium_max`) are checked by the sections' validators in `sim/scenario/`. "
        "Cities merge with the base file's by `name` (an item without one merges with the "
        "base's item at the same position); other lists replace the base's. A time (unit "
        "`steps` or `years`) may be written with its unit, e.g. `election_interval: 4 years` "
        "or `steps: 16 quarters`, and is converted at `time.steps_per_year`. Money is in whole "
        "EUR: a positive budget below 10,000 EUR/year or a pilot cost below 1,000 EUR is "
        "refused with a hint (`annual_budget: 5` was probably meant as 5.0e6).",
    ),
    Schema(
        "Docking scenario parameters",
        DockingScenario,
        sim.docking.schema,
        "docking",
        "Docking scenarios (`scenarios/docking/*.yaml`, run by `partnersim dock`; see "
        "[`validation.md`](validation.md)), validated by `sim/docking/schema.py`. A file is a "
        "docking scenario when its top-level `kind` is a game. The three vectors of a "
        "`three_population` game may be written as lists in the authors' order (the order of "
        "the rows below) or as mappings by key. Cross-field rules (the vectors or the "
        "`inspection` section that `kind` needs, an interior centre `G < F` and `C < F + L`, "
        "`window <= horizon`) are checked by the validators in `sim/docking/schema.py`. Sources "
        "not listed below (DOMAIN, ASSUMPTION) are those of the scenario parameters.",
    ),
)
"""The schemas documented, in the order of the reference."""


def reference() -> str:
    """Return the committed reference's Markdown."""
    return render(SCHEMAS, command=COMMAND)


if __name__ == "__main__":
    print(reference(), end="")
