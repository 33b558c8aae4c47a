"""Where a run's time goes: cProfile shares of the model's parts (docs/performance.md).

``python benchmarks/where_time_goes.py SCENARIO [STEPS]`` profiles three runs (one run of
``STEPS`` steps if given) of ``simulate`` and ``collect`` after a warm-up run and prints each
part's cumulative share of their time. Shares overlap (a part's row includes the rows nested
in it) and profiling inflates small calls, so read them as proportions, not as seconds.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.runs.runner import as_scenario, collect, simulate

PARTS = {
    "propose": "proposals in all (propose)",
    "_form": "consortium formation (_form)",
    "accept": "  candidate acceptance (Organisation.accept)",
    "score": "  candidate scoring",
    "candidate_hops": "  candidate hops",
    "_partners_of_partners": "    second hop",
    "_negotiate": "negotiation (_negotiate)",
    "choose_instrument": "instrument choice",
    "run_pilots": "running pilots (run_pilots)",
    "pay_cents": "ledger booking (Books.pay_cents)",
    "_collect": "data collection per step (_collect)",
    "collect": "tables at the end (runner.collect)",
    "claims": "open claims (Books.claims)",
}
"""Functions of ``sim`` profiled, by name, and how they are printed."""


def main() -> None:
    """Profile the scenario named on the command line and print the shares."""
    config = as_scenario(sys.argv[1])
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else None
    runs = 1 if steps else 3
    if steps is None:
        collect(simulate(config, seed=1000))  # warm-up: lazy imports (pandas, pyarrow) and caches
    profile = cProfile.Profile()
    profile.enable()
    for seed in range(runs):
        collect(simulate(config, seed=seed, steps=steps))
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(
        row[3]
        for (path, _, name), row in stats.items()
        if name in ("simulate", "collect") and path.endswith("runner.py")
    )
    shares: dict[str, float] = {}
    for (path, _, name), row in stats.items():
        if name in PARTS and "/sim/" in path:
            shares[PARTS[name]] = shares.get(PARTS[name], 0.0) + row[3]
    print(f"{sys.argv[1]}: {runs} run(s), {total:.2f} s profiled")
    for label, seconds in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"{label:<46} {100 * seconds / total:5.1f}%")


if __name__ == "__main__":
    main()
