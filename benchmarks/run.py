"""Benchmarks that print figures (never timed assertions): ``make bench``.

1. The default scenario (scenarios/base.yaml): seconds per run over several seeds.
2. A large city (scenarios/large_city.yaml: 5,000 organisations, 100,000 citizens, 40 steps):
   seconds for the whole run; the target is under 30 s on a 2-core machine.
3. Scaling: seconds per step at 1,250, 2,500 and 5,000 organisations (citizens scaled alike);
   a step that scaled quadratically would take 4x as long per doubling, a linear one 2x.
4. Command-line latency: ``partnersim --help`` and ``partnersim validate`` (target < 1 s).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from perf_child import scale  # noqa: E402  (beside this file)

from sim.model.model import PartnershipModel  # noqa: E402
from sim.runs.runner import as_scenario, collect, run  # noqa: E402


def default_scenario(seeds: int = 5) -> None:
    times = []
    for seed in range(seeds):
        start = time.perf_counter()
        run(ROOT / "scenarios" / "base.yaml", seed=seed)
        times.append(time.perf_counter() - start)
    print(
        f"default scenario: {statistics.mean(times):.3f} s per run "
        f"(min {min(times):.3f}, max {max(times):.3f}, {seeds} seeds, 40 steps)"
    )


def large_city() -> None:
    config = as_scenario(ROOT / "scenarios" / "large_city.yaml")
    start = time.perf_counter()
    model = PartnershipModel(config, seed=1)
    built = time.perf_counter() - start
    for _ in range(config.time.steps):
        model.step()
    ran = time.perf_counter() - start
    collect(model)
    total = time.perf_counter() - start
    n_orgs = len(model.population)
    citizens = sum(len(c.trust) for c in model.citizens)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"large city ({n_orgs:,} organisations, {citizens:,} citizens, "
        f"{config.time.steps} steps): {total:.1f} s "
        f"(set-up {built:.2f} s, steps {ran - built:.1f} s, tables {total - ran:.2f} s; "
        f"{model.entered.total():,} lifecycle moves; peak RSS {peak:,.0f} MiB); target < 30 s"
    )


def scaling(steps: int = 10) -> None:
    base = as_scenario(ROOT / "scenarios" / "large_city.yaml")
    rows = []
    for factor in (0.25, 0.5, 1.0):
        config = scale(base, factor)
        model = PartnershipModel(config, seed=1)
        start = time.perf_counter()
        for _ in range(steps):
            model.step()
        per_step = (time.perf_counter() - start) / steps
        rows.append((len(model.population), per_step, model.entered.total()))
    print(f"scaling over the first {steps} steps (organisations: s/step, lifecycle moves):")
    for i, (n, per_step, moves) in enumerate(rows):
        ratio = ""
        if i:
            prev_n, prev_t, _ = rows[i - 1]
            ratio = f", x{per_step / prev_t:.2f} time for x{n / prev_n:.2f} organisations"
        print(f"  {n:>6,}: {per_step:.3f} s/step, {moves:,} moves{ratio}")


def cli_latency() -> None:
    exe = Path(sys.executable).with_name("partnersim")
    for args in (["--help"], ["validate", str(ROOT / "scenarios" / "base.yaml")]):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([str(exe), *args], capture_output=True, check=True)
            times.append(time.perf_counter() - start)
        print(f"partnersim {args[0]}: {min(times):.2f} s (best of 3); target < 1 s")


if __name__ == "__main__":
    default_scenario()
    cli_latency()
    scaling()
    large_city()
