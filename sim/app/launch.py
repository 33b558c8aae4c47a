"""How ``partnersim app`` hands the page its start: the module served and three variables.

The command (:mod:`sim.cli.app`) sets the variables and starts Solara's server in its own process;
the page (:mod:`sim.app.page`) reads them. Only the standard library is imported here, so the
command line can register ``app`` without loading Solara.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_SCENARIO = Path("scenarios/base.yaml")
"""The scenario file the page starts from when none is named."""
APP_MODULE = "sim.app.page"
"""The module Solara serves (its ``Page`` component)."""
ENV_SCENARIO = "PARTNERSIM_APP_SCENARIO"
"""Environment variable naming the scenario file the page starts from (read by the server)."""
ENV_SEED = "PARTNERSIM_APP_SEED"
"""Environment variable holding the seed the page starts with."""
DEFAULT_SAVE_DIR = Path("results/app")
"""The folder the page saves settings into when none is named."""
ENV_SAVE_DIR = "PARTNERSIM_APP_SAVE_DIR"
"""Environment variable naming the folder the page saves settings into (and nowhere else)."""
