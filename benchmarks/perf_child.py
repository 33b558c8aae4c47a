"""One measurement of benchmarks/performance.py, run in its own process against one source tree.

``python perf_child.py ROOT MODE ARGS_JSON`` puts ROOT first on ``sys.path`` (so that ``sim``
is that tree's: this branch's, or the reference commit's extracted by ``git archive``), does
one job and prints one JSON line. It uses only API that both trees have: ``run``,
``simulate`` and ``step_table`` of ``sim.runs.runner`` and ``Scenario.model_copy``.

Modes:
    runs: ``{"scenario", "seeds", "warmup"}``: CPU and wall seconds of ``run()`` per seed,
        after one warm-up run (which pays the lazy imports).
    metrics: ``{"scenario", "seeds", "metrics", "override"}``: end-of-horizon metrics per seed.
    scaled: ``{"scenario", "seed", "factor", "steps"}``: one run (``simulate`` and its tables)
        of the scenario with organisations, citizens and budget multiplied by ``factor``.
    digest: ``{"scenario", "seeds", "factor", "steps"}``: a SHA-256 of every table of each
        run (``simulate`` and ``collect``; scaled as ``scaled`` does), so that two versions can
        be shown to give the same results to the bit.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time


def cpu() -> float:
    """Return this process's CPU seconds so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def runs(args: dict) -> dict:
    """Time ``run()`` of a scenario, one seed at a time."""
    from sim.runs.runner import run

    run(args["scenario"], seed=args["warmup"])
    times, walls = [], []
    for seed in args["seeds"]:
        start, wall = cpu(), time.perf_counter()
        run(args["scenario"], seed=seed)
        times.append(cpu() - start)
        walls.append(time.perf_counter() - wall)
    return {"cpu": times, "wall": walls}


def metrics(args: dict) -> dict:
    """Return the end-of-horizon metrics of each seed (NaN as None)."""
    from sim.runs.runner import as_scenario, simulate, step_table

    config = as_scenario(args["scenario"])
    if args.get("override"):
        config = config.override(args["override"])
    out = {}
    for seed in args["seeds"]:
        final = step_table(simulate(config, seed=seed)).iloc[-1]
        out[str(seed)] = {
            name: None if math.isnan(float(final[name])) else float(final[name])
            for name in args["metrics"]
        }
    return out


def scale(base, factor: float):
    """Return a scenario with organisations, citizens and budgets multiplied by ``factor``.

    Each kind of organisation keeps at least one. Shared with ``benchmarks/run.py``.
    """
    pop = base.population
    return base.model_copy(
        update={
            "population": pop.model_copy(
                update={
                    key: max(1, round(getattr(pop, key) * factor))
                    for key in ("startups", "incumbents", "academia", "citizen_groups")
                }
            ),
            "cities": [
                c.model_copy(
                    update={
                        "citizens": round(c.citizens * factor),
                        "annual_budget": c.annual_budget * factor,
                    }
                )
                for c in base.cities
            ],
        }
    )


def scaled(args: dict) -> dict:
    """Time one run of a scenario scaled in organisations, citizens and budget."""
    from sim.runs.runner import as_scenario, collect, simulate

    config = scale(as_scenario(args["scenario"]), args["factor"])
    start, wall = cpu(), time.perf_counter()
    model = simulate(config, seed=args["seed"], steps=args["steps"])
    collect(model)
    return {
        "cpu": cpu() - start,
        "wall": time.perf_counter() - wall,
        "organisations": len(model.population),
        "steps": args["steps"],
        "moves": int(model.entered.total()),
    }


def digest(args: dict) -> dict:
    """Return, per seed, a SHA-256 of each of the run's tables (names, types and values)."""
    import hashlib

    import pandas as pd

    from sim.runs.runner import as_scenario, collect, simulate

    config = as_scenario(args["scenario"])
    if args.get("factor", 1.0) != 1.0:
        config = scale(config, args["factor"])
    out = {}
    for seed in args["seeds"]:
        tables = collect(simulate(config, seed=seed, steps=args.get("steps"))).tables
        out[str(seed)] = {
            name: hashlib.sha256(
                repr((list(table.columns), [str(t) for t in table.dtypes])).encode()
                + pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes()
            ).hexdigest()
            for name, table in sorted(tables.items())
        }
    return out


if __name__ == "__main__":
    root, mode, raw = sys.argv[1:4]
    sys.path.insert(0, root)
    job = {"runs": runs, "metrics": metrics, "scaled": scaled, "digest": digest}[mode]
    print(json.dumps(job(json.loads(raw))))
