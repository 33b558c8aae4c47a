"""Benchmarks of the experiment runner (``make bench`` runs them after benchmarks/run.py).

1. Throughput on the default scenario (scenarios/base.yaml, 40 quarterly steps): runs per second
   through :func:`sim.experiments.sweep.run_sweep` serially and on a local pool of 2 workers;
   parallel efficiency = (2-worker rate / serial rate) / 2, with and without the workers' start-up
   (each imports Mesa once).
2. The runner's overhead per run: a sweep's run (plan, worker, record, stream to Parquet) against
   a bare model run (build the model, step it, read the last row of its step table).
3. Peak memory of a whole sweep of 1,000 and of 10,000 runs (a small city, 8 steps, 2 workers),
   each in a fresh process: the largest resident set of the sweep's process and of any worker.
4. Throughput against ``mesa.batch_run`` with 2 processes on the same model and runs (the default
   scenario, seeds 0..n-1, its 40 steps, end-of-run data only).

Run ``.venv/bin/python benchmarks/experiments.py`` (about 9 minutes on 2 cores; ``--quick`` for a
smaller version). Run it on an otherwise idle machine: parallel figures need both cores.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.experiments.spec import SweepSpec  # noqa: E402
from sim.experiments.sweep import run_sweep  # noqa: E402
from sim.model.model import PartnershipModel  # noqa: E402
from sim.runs.runner import as_scenario, simulate, step_table  # noqa: E402

BASE = ROOT / "scenarios" / "base.yaml"
SMALL_CITY = {
    "time": {"steps": 8, "election_interval": 8},
    "population": {"startups": 15, "incumbents": 8, "academia": 3, "citizen_groups": 6},
    "cities": [{"citizens": 500, "neighbourhoods": 4, "annual_budget": 5e6}],
}
"""A small city for the memory benchmark: its runs are short, so a sweep has many of them."""


def replicates_sweep(name: str, runs: int, base: dict | None = None) -> SweepSpec:
    """A sweep of ``runs`` replicates of one point (the base scenario as it is)."""
    scenario = as_scenario(BASE)
    if base is not None:
        scenario = scenario.override(base)
    success = scenario.pilots.base_success
    return SweepSpec.model_validate(
        {
            "name": name,
            "base": scenario.model_dump(mode="json"),
            "parameters": [{"key": "pilots.base_success", "values": [success]}],
            "design": {"method": "grid"},
            "replicates": runs,
            "seed": 1,
        }
    )


def timed_sweep(spec: SweepSpec, workers: int) -> float:
    """Run a sweep into a temporary folder; return the seconds it took, start-up included."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_sweep(spec, workers=workers, out=Path(out) / "sweep", progress=False)
        total = time.perf_counter() - start
        assert result.failed == 0, f"{result.failed} runs failed"
    return total


def throughput(runs: int) -> float:
    """Print runs per second serially and with 2 workers; return the 2-worker rate."""
    serial_runs = max(runs // 4, 4)
    serial = timed_sweep(replicates_sweep("serial", serial_runs), workers=1)
    with_start = run_pool(runs)
    steady = steady_pool(runs)
    rate_1 = serial_runs / serial
    rate_2 = runs / with_start
    rate_2_steady = runs / steady
    print(
        f"default scenario: serial {rate_1:.2f} runs/s ({serial_runs} runs); 2 workers "
        f"{rate_2:.2f} runs/s incl. start-up ({runs} runs, efficiency "
        f"{rate_2 / rate_1 / 2:.0%}), {rate_2_steady:.2f} runs/s once started "
        f"(efficiency {rate_2_steady / rate_1 / 2:.0%})"
    )
    return rate_2


def run_pool(runs: int) -> float:
    """Seconds for a 2-worker sweep of ``runs`` default runs, start-up included."""
    return timed_sweep(replicates_sweep("pool", runs), workers=2)


def steady_pool(runs: int) -> float:
    """Seconds for ``runs`` default runs on 2 workers that have already started."""
    from sim.experiments.plan import plan_sweep
    from sim.experiments.worker import run_task
    from sim.runs.execution import make_executor

    plan = plan_sweep(replicates_sweep("steady", runs))
    tasks = list(plan.tasks(skip=set()))
    with make_executor(workers=2) as executor:
        list(executor.imap(run_task, tasks[:2]))  # start both workers and import Mesa there
        start = time.perf_counter()
        list(executor.imap(run_task, tasks))
        return time.perf_counter() - start


def bare_run(seed: int) -> float:
    """One bare model run: build, step, read the last row of the step table."""
    return float(step_table(simulate(BASE, seed=seed)).iloc[-1]["pilots_succeeded"])


def overhead(runs: int) -> None:
    """Print the runner's time per run against a bare model run (same seeds, serial)."""
    bare_run(0)  # warm caches
    start = time.perf_counter()
    for seed in range(runs):
        bare_run(seed)
    bare = (time.perf_counter() - start) / runs
    total = timed_sweep(replicates_sweep("overhead", runs), workers=1)
    swept = total / runs
    print(
        f"runner overhead: {(swept - bare) * 1e3:+.1f} ms per run ({swept:.3f} s through the "
        f"sweep runner vs {bare:.3f} s bare, {runs} runs each, serial; "
        f"{(swept - bare) / bare:+.1%})"
    )


def memory(runs: int) -> tuple[float, float]:
    """Run a small-city sweep of ``runs`` runs in a fresh process; return its peak RSS (MiB).

    Returns:
        (peak of the sweep's own process, peak of the largest worker).
    """
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(runs)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return figures["self"], figures["children"]


def memory_child(runs: int) -> None:
    """The child of :func:`memory`: run the sweep, print peak RSS of itself and its workers."""
    timed_sweep(replicates_sweep("memory", runs, base=SMALL_CITY), workers=2)
    mib = 1024  # ru_maxrss is in KiB on Linux
    print(
        json.dumps(
            {
                "self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mib,
                "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mib,
            }
        )
    )


class BatchRunModel(PartnershipModel):
    """The partnership model with the keyword constructor ``mesa.batch_run`` calls."""

    def __init__(self, scenario: str = str(BASE), rng: int | None = None) -> None:
        super().__init__(as_scenario(scenario), seed=rng)


def versus_batch_run(runs: int) -> None:
    """Print our 2-worker throughput against ``mesa.batch_run`` with 2 processes, same runs."""
    import mesa

    steps = as_scenario(BASE).time.steps
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # batch_run is deprecated upstream
        rows = mesa.batch_run(
            BatchRunModel,
            parameters={"scenario": str(BASE)},
            rng=list(range(runs)),
            max_steps=steps,
            number_processes=2,
            data_collection_period=-1,
            display_progress=False,
        )
    theirs = time.perf_counter() - start
    assert len(rows) == runs
    ours = run_pool(runs)
    print(
        f"vs mesa.batch_run, {runs} default runs, 2 processes each: batch_run {runs / theirs:.2f} "
        f"runs/s ({theirs:.1f} s), partnersim sweep {runs / ours:.2f} runs/s ({ours:.1f} s): "
        f"ratio {theirs / ours:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child is not None:
        memory_child(args.memory_child)
        return
    gc.collect()
    runs = 40 if args.quick else 200
    throughput(runs)
    overhead(10 if args.quick else 40)
    small, large = (100, 1_000) if args.quick else (1_000, 10_000)
    (s_self, s_child), (l_self, l_child) = memory(small), memory(large)
    print(
        f"peak memory, small-city sweep on 2 workers: {small:,} runs {s_self:.0f} MiB "
        f"(largest worker {s_child:.0f} MiB), {large:,} runs {l_self:.0f} MiB (largest worker "
        f"{l_child:.0f} MiB): {l_self / s_self - 1:+.1%} / {l_child / s_child - 1:+.1%}"
    )
    versus_batch_run(runs)


if __name__ == "__main__":
    main()
