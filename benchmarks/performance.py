"""Performance of the model against the commit issue 16 started from, measured side by side.

Run ``.venv/bin/python benchmarks/performance.py`` (all parts, about 25 minutes on 2 shared
cores) or name parts: ``cpu``, ``equivalence``, ``sweep``, ``large``, ``imports``, and
``identical`` and ``instructions`` (not run by default: the first is for changes meant to leave
results as they are, the second takes about 25 minutes on 2 cores). The
reference version (``--reference``, default 273a75e) is extracted with ``git archive`` into a
temporary folder and run with this checkout's environment, and so is the new version if given
(``--new HEAD``: the checkout may then change while the benchmark runs; default: the checkout
itself); every measurement runs in its own
process (``perf_child.py``), the two versions alternating, and CPU time is read with
``resource.getrusage`` (a loaded machine slows wall time, much less CPU time). Nothing here is
a timed test: the figures are printed, with the load average, for docs/performance.md.

Each version runs under this interpreter unless ``--python-new`` or ``--python-reference``
name another (in an environment holding the locked dependencies, e.g. made by
``UV_PROJECT_ENVIRONMENT=DIR .tools/bin/uv sync --frozen --python OTHER``); the heading prints
each interpreter's version and whether it was built with PGO and LTO. The same commit on both
sides under two interpreters measures the interpreter:
``performance.py cpu --reference HEAD --new HEAD --python-new DIR/bin/python``.

Parts:
    cpu: CPU seconds per run (``sim.run``: the model and all its tables) of scenarios/base.yaml
        and the four finance scenarios, new against reference, in ``--rounds`` rounds of
        ``--per-round`` seeds each, the order of the versions swapped every round; the ratio
        is reference / new per round (median, and the range over rounds).
    equivalence: end-of-horizon headline metrics (:data:`sim.runs.compare.HEADLINE_METRICS`)
        of the same five scenarios over seeds 0 to ``--seeds`` - 1, new against reference and,
        to isolate the bounded second search hop, new against new with the hop unbounded.
    sweep: ``partnersim sweep benchmarks/sweep_base_2000.yaml --workers 2``: wall and CPU
        seconds of the real 2,000-run sweep, and its projection to 10,000 runs.
    large: scenarios/large_city.yaml (5,000 organisations, 100,000 citizens, 40 steps): CPU
        and wall seconds; the cost exponent in organisations (the large city scaled by 1/8,
        1/4, 1/2 and 1) and in the horizon (scenarios/base.yaml over 40, 80, 160 and 320
        steps): the least-squares slope of log CPU on log size, and each doubling's own slope.
        The large city runs ``--repeats`` times (the reference's once, with
        ``--large-reference``). Each point of the exponents runs ``--repeats`` times, the
        points interleaved, and its least CPU is used:
        other work on the machine only ever adds to a run's CPU, and a single run of a 0.2 s
        point moved an early doubling's slope by +-0.5.
    identical: whether the new version's runs give the same tables as the reference's, to
        the bit (every table of ``collect``: steps, events, pilots, transfers, ...), for every
        scenario file under scenarios/ but the sweeps, decisions and docking specs, seeds 0 to
        ``--identical-seeds`` - 1, and the large city scaled by 1/4 over 20 steps. For changes
        meant to leave results as they are: pass the commit before them as ``--reference``.
    instructions: instructions per run (``sim.run``) of the same five scenarios, new against
        reference, counted by valgrind's callgrind with ``PYTHONHASHSEED=0``: the count of
        a warm-up and ``--instruction-runs`` runs less that of the warm-up alone, per run.
        Unlike CPU seconds a count does not move with the machine's load, but it does not see
        the CPU's caches either, so it says whether a change does less work, and the ``cpu``
        part what that work costs. Two counts of the same code still differ by up to about
        1.5% (base: 740.4 and 750.8 M): where objects land in memory moves between processes,
        and with it the order of what is hashed by identity.
    imports: CPU of ``import sim``, of a sweep worker's start-up (what it imports before its
        first run: the command-line module it is spawned from, the task function's module, the
        runner and the metrics), of ``partnersim --help`` and ``partnersim validate``, each
        against an interpreter that imports nothing, new against reference, interleaved.

Equivalence thresholds (stated before any measurement, issue 16):
    For a scenario and a headline metric m, with d_s = new_s - reference_s the paired
    difference at seed s (the same seed drives the same named streams in both versions), the
    95% interval of the mean of d_s (Student t, n - 1 degrees of freedom) must lie inside
    [-tau_m, +tau_m], where tau_m = 0.25 x the standard deviation of m across seeds under the
    reference: a shift of a quarter of the run-to-run spread is below what a comparison with
    the replicates users run can resolve (10 per arm in ``make demo``: a standard error of
    0.32 SD per arm mean) and far below the differences between instruments the comparison
    reports. A metric constant across seeds under the reference (fixed by construction) must
    be equal to 1e-9 relative. A metric must be NaN at the same seeds in both versions (NaN
    marks "nothing to divide by"; a change there is a change of results). Seeds 0 to 39
    (40 per scenario). The same thresholds judge the bounded hop (new against new unbounded).
    Money is conserved to the cent in every run (the test suite holds that, not this file).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).with_name("perf_child.py")
PYTHON = sys.executable
SCENARIOS = {
    "base": "scenarios/base.yaml",
    **{
        name: f"scenarios/finance/{name}.yaml"
        for name in ("grant", "blended", "revolving", "outcome_based")
    },
}
"""The scenarios measured, by name (paths relative to a source tree)."""
HEADLINE = (
    "pilots_succeeded",
    "public_cost_per_success",
    "net_public_cost",
    "public_spend",
    "public_failure_cost",
    "investor_failure_cost",
    "leverage",
    "recycling_multiple",
    "survival_rate",
    "pilots_agreed",
    "pilots_scaled",
    "appropriated",
    "savings_to_treasury",
    "private_capital",
    "fund_balance",
    "investor_multiple",
    "trust_org_mean",
    "citizen_satisfaction",
)
"""sim.runs.compare.HEADLINE_METRICS as it stood at the reference (both versions report them)."""
TAU_SD = 0.25
"""Equivalence threshold in standard deviations of the reference's runs (module docstring)."""
UNBOUNDED_HOP = {"consortium": {"referrals": 1_000_000}}
"""Override that lets the second search hop ask every previous partner (the old rule)."""


class Version(NamedTuple):
    """What one side of a comparison runs: a source tree, under an interpreter.

    Attributes:
        root: Folder holding that version's ``sim/``, ``scenarios/`` and ``benchmarks/``.
        python: The interpreter of an environment holding the locked dependencies (this
            checkout's ``.venv`` unless ``--python-new`` or ``--python-reference`` say else).
    """

    root: Path
    python: str


def interpreter(python: str) -> str:
    """Return an interpreter's version and how it was built, as printed in the heading.

    Whether CPython was built with profile-guided optimisation (``--enable-optimizations``)
    and link-time optimisation (``--with-lto``) moves every figure here: pyenv builds without
    them unless asked, while python.org's installers, Debian's, conda-forge's and uv's use both.
    """
    code = (
        "import platform, sysconfig; a = sysconfig.get_config_var('CONFIG_ARGS') or ''; "
        "print(platform.python_implementation(), platform.python_version(), "
        "'PGO' if '--enable-optimizations' in a else 'no PGO', "
        "'LTO' if '--with-lto' in a else 'no LTO', sep='|')"
    )
    out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True)
    name, version, pgo, lto = out.stdout.strip().split("|")
    return f"{python}: {name} {version}, built with {pgo} and {lto}"


# ------------------------------------------------------------------------------ running


def source_tree(rev: str) -> Path:
    """Return a folder holding ``sim/``, ``scenarios/`` and ``benchmarks/`` as of ``rev``.

    Extracted once per commit; ``rev`` is resolved to its commit first, so that a moving name
    (``HEAD``) never reuses an older extraction.
    """
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    folder = Path(tempfile.gettempdir()) / f"partnersim-tree-{rev}"
    if not (folder / "sim").is_dir():
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "sim", "scenarios", "benchmarks"],
            check=True,
            capture_output=True,
        ).stdout
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
    return folder


def children_cpu() -> float:
    """Return the CPU seconds of this process's finished children (and theirs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_command(version: Version, mode: str, args: dict) -> list[str]:
    """Return the command of one ``perf_child.py`` measurement against a version.

    A ``scenario`` in ``args`` is a path relative to a source tree, made that version's.
    """
    if "scenario" in args:
        args = {**args, "scenario": str(version.root / args["scenario"])}
    return [version.python, str(CHILD), str(version.root), mode, json.dumps(args)]


def child(version: Version, mode: str, **args) -> dict:
    """Run one measurement of ``perf_child.py`` against a version; return what it printed."""
    out = subprocess.run(
        child_command(version, mode, args),
        check=True,
        capture_output=True,
        text=True,
        cwd=version.root,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def counted(version: Version, mode: str, **args) -> int:
    """Run one ``perf_child.py`` measurement under valgrind's callgrind; return its instructions."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}/callgrind.out",
                *child_command(version, mode, args),
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=version.root,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command in a source tree; return its (and its children's) CPU and wall seconds.

    ``PYTHONPATH`` puts the tree first, so that a console script (``partnersim``) and the pool
    workers it spawns import that tree's ``sim``, not the checkout the environment points at.
    """
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    before, wall = children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=cwd, env=env)
    return children_cpu() - before, time.perf_counter() - wall


def load() -> str:
    """Return the load averages over 1, 5 and 15 minutes, as printed."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------------------ parts


def cpu_per_run(new: Version, ref: Version, rounds: int, per_round: int) -> None:
    """Print CPU seconds per run of each scenario, new against reference (module docstring)."""
    print(f"\n## CPU per run (sim.run, {rounds} rounds x {per_round} seeds; {load()})")
    seeds = list(range(per_round))
    cpu: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):
        for name, path in SCENARIOS.items():
            order = (("reference", ref), ("new", new))
            for version, side in order if r % 2 == 0 else order[::-1]:
                got = child(side, "runs", scenario=path, seeds=seeds, warmup=1000)
                cpu.setdefault((name, version), []).append(statistics.mean(got["cpu"]))
    print(f"{'scenario':<14} {'reference s':>12} {'new s':>8} {'ratio':>7} {'range':>14}")
    for name in SCENARIOS:
        old, new = cpu[(name, "reference")], cpu[(name, "new")]
        ratios = [o / n for o, n in zip(old, new, strict=True)]
        print(
            f"{name:<14} {statistics.median(old):>12.3f} {statistics.median(new):>8.4f} "
            f"{statistics.median(ratios):>6.2f}x {min(ratios):>6.2f}-{max(ratios):.2f}x"
        )
    print(load())


def paired(new: dict, old: dict, metric: str) -> dict:
    """Return the paired comparison of one metric over seeds, judged by the thresholds."""
    seeds = sorted(old, key=int)
    a = [new[s][metric] for s in seeds]
    b = [old[s][metric] for s in seeds]
    nan_mismatch = sum((x is None) != (y is None) for x, y in zip(a, b, strict=True))
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x is not None and y is not None]
    identical = sum(x == y for x, y in pairs)
    if len(pairs) < 2:
        return {"n": len(pairs), "ok": nan_mismatch == 0, "nan_mismatch": nan_mismatch}
    d = np.array([x - y for x, y in pairs])
    ref = np.array([y for _, y in pairs])
    sd = float(ref.std(ddof=1))
    mean = float(d.mean())
    half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d)))
    tau = TAU_SD * sd if sd > 0 else 1e-9 * max(1.0, abs(float(ref.mean())))
    ok = nan_mismatch == 0 and -tau <= mean - half and mean + half <= tau
    return {
        "n": len(d),
        "mean": mean,
        "low": mean - half,
        "high": mean + half,
        "tau": tau,
        "ref_mean": float(ref.mean()),
        "identical": identical,
        "nan_mismatch": nan_mismatch,
        "ok": ok,
    }


def report_pairs(title: str, new: dict, old: dict) -> int:
    """Print one scenario's paired comparison; return the number of metrics out of bounds."""
    print(f"### {title}")
    print(
        f"{'metric':<24} {'reference mean':>15} {'difference':>12} {'95% interval':>26} "
        f"{'threshold':>11} {'same':>5}  ok"
    )
    bad = 0
    for metric in HEADLINE:
        p = paired(new, old, metric)
        if "mean" not in p:
            print(f"{metric:<24} {'(NaN in every run)':>15}{'':>68} {'yes' if p['ok'] else 'NO'}")
            bad += not p["ok"]
            continue
        print(
            f"{metric:<24} {p['ref_mean']:>15.6g} {p['mean']:>12.4g} "
            f"[{p['low']:>11.4g}, {p['high']:>11.4g}] {p['tau']:>11.4g} "
            f"{p['identical']:>2}/{p['n']:<2}  {'yes' if p['ok'] else 'NO'}"
            + (f" ({p['nan_mismatch']} NaN mismatches)" if p["nan_mismatch"] else "")
        )
        bad += not p["ok"]
    return bad


def equivalence(new_version: Version, ref: Version, n_seeds: int) -> None:
    """Print the paired differences of the headline metrics (module docstring)."""
    print(f"\n## Statistical equivalence (seeds 0-{n_seeds - 1}; {load()})")
    seeds = list(range(n_seeds))
    bad = 0
    for name, path in SCENARIOS.items():
        common = dict(scenario=path, seeds=seeds, metrics=list(HEADLINE))
        old = child(ref, "metrics", **common)
        new = child(new_version, "metrics", **common)
        wide = child(new_version, "metrics", **common, override=UNBOUNDED_HOP)
        bad += report_pairs(f"{name}: new against reference", new, old)
        report_pairs(f"{name}: bounded hop against unbounded (both new)", new, wide)
    print(f"metrics outside their threshold, new against reference: {bad}")


def sweep(new: Version, workers: int) -> None:
    """Run the 2,000-run sweep on ``workers`` processes; print its times and projection."""
    spec = new.root / "benchmarks" / "sweep_base_2000.yaml"
    exe = Path(new.python).with_name("partnersim")
    print(f"\n## Sweep: {spec.relative_to(new.root)}, {workers} workers ({load()})")
    with tempfile.TemporaryDirectory() as out:
        command = [str(exe), "sweep", str(spec), "--workers", str(workers), "--out", out]
        cpu, wall = timed([*command, "--no-progress"], new.root)
        manifest = json.loads((Path(out) / "manifest.json").read_text())
    runs = int(manifest["runs"])
    print(
        f"{runs:,} runs ({manifest['failed']} failed): wall {wall:.1f} s, CPU {cpu:.1f} s "
        f"({cpu / runs * 1000:.1f} ms CPU per run, start-up included), "
        f"{runs / wall:.1f} runs/s; 10,000 runs projected at {wall * 10_000 / runs / 60:.2f} "
        f"min wall on {workers} workers"
    )
    print(load())


def exponent(sizes: list[float], costs: list[float]) -> tuple[float, list[float]]:
    """Return the least-squares slope of log cost on log size, and each step's own slope."""
    x, y = np.log(sizes), np.log(costs)
    slope = float(np.polyfit(x, y, 1)[0])
    local = [float((y[i + 1] - y[i]) / (x[i + 1] - x[i])) for i in range(len(x) - 1)]
    return slope, local


def large(new: Version, ref: Version, with_reference: bool, repeats: int) -> None:
    """Print the large city's times and the cost exponents (module docstring)."""
    print(f"\n## Large city and cost exponents ({load()})")
    city = "scenarios/large_city.yaml"
    versions = [("new", new)] * repeats + ([("reference", ref)] if with_reference else [])
    for version, side in versions:
        got = child(side, "scaled", scenario=city, seed=1, factor=1.0, steps=40)
        print(
            f"large city, {version}: CPU {got['cpu']:.2f} s, wall {got['wall']:.2f} s "
            f"({got['organisations']:,} organisations, 40 steps, {got['moves']:,} lifecycle moves)"
        )
    series = (
        ("organisations", city, "organisations", [(f, 40) for f in (0.125, 0.25, 0.5, 1.0)]),
        ("horizon (base)", "scenarios/base.yaml", "steps", [(1.0, s) for s in (40, 80, 160, 320)]),
    )
    for title, scenario, size, points in series:
        # every point once per repeat, the points interleaved: the least CPU of each point is
        # the one least slowed by other work on the machine
        sizes = [0] * len(points)
        cpu: list[list[float]] = [[] for _ in points]
        for _ in range(repeats):
            for i, (factor, steps) in enumerate(points):
                got = child(new, "scaled", scenario=scenario, seed=1, factor=factor, steps=steps)
                sizes[i] = got[size]
                cpu[i].append(got["cpu"])
        least = [min(c) for c in cpu]
        slope, local = exponent(sizes, least)
        print(
            f"{title}, least CPU of {repeats} (range): "
            + ", ".join(
                f"{n:,}: {lo:.3f} s ({min(c):.3f}-{max(c):.3f})"
                for n, lo, c in zip(sizes, least, cpu, strict=True)
            )
        )
        print(f"  exponent {slope:.3f} (each doubling: {', '.join(f'{s:.2f}' for s in local)})")
    print(load())


IMPORTS = {
    "nothing (interpreter)": "pass",
    "import sim": "import sim",
    "worker start-up": "import sim.cli.main, sim.experiments.worker, sim.runs.runner, "
    "sim.model.metrics",
    "partnersim --help": "import sys; sys.argv = ['partnersim', '--help']\n"
    "from sim.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass",
    "partnersim validate": "import sys; sys.argv = ['partnersim', 'validate', "
    "'scenarios/base.yaml']\nfrom sim.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n"
    "    pass",
}
"""What each start-up measurement runs (in the source tree's folder, with it first on the path)."""


def identical(new: Version, ref: Version, n_seeds: int) -> None:
    """Print whether every run's tables are the same in both versions (module docstring)."""
    print(f"\n## Identical results (seeds 0-{n_seeds - 1}; {load()})")
    files = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "scenarios").rglob("*.yaml")
        if not {"sweeps", "decisions", "docking"} & set(p.parts) and p.name != "large_city.yaml"
    )
    jobs = [dict(scenario=f, seeds=list(range(n_seeds))) for f in files]
    jobs.append(dict(scenario="scenarios/large_city.yaml", seeds=[0], factor=0.25, steps=20))
    differ = 0
    for job in jobs:
        old, new_ = child(ref, "digest", **job), child(new, "digest", **job)
        tables = sorted(
            {name for seed in old for name in old[seed] if old[seed][name] != new_[seed].get(name)}
        )
        differ += bool(tables)
        verdict = "DIFFER: " + ", ".join(tables) if tables else "identical"
        print(f"{job['scenario']:<58} {verdict}")
    print(f"scenarios whose tables differ: {differ} of {len(jobs)}")


def imports(new: Version, ref: Version, rounds: int) -> None:
    """Print the CPU of start-ups, new against reference, interleaved (module docstring)."""
    print(f"\n## Start-up CPU ({rounds} rounds, median; {load()})")
    cpu: dict[tuple[str, str], list[float]] = {}
    for r in range(rounds):
        for label, code in IMPORTS.items():
            order = (("reference", ref), ("new", new))
            for version, side in order if r % 2 == 0 else order[::-1]:
                path = f"import sys; sys.path.insert(0, {str(side.root)!r})\n"
                command = [side.python, "-c", path + code]
                cpu.setdefault((label, version), []).append(timed(command, side.root)[0])
    print(f"{'':<24} {'reference s':>12} {'new s':>8}")
    for label in IMPORTS:
        old, new = cpu[(label, "reference")], cpu[(label, "new")]
        print(f"{label:<24} {statistics.median(old):>12.3f} {statistics.median(new):>8.3f}")
    print(load())


def instructions(new: Version, ref: Version, runs: int) -> None:
    """Print instructions per run of each scenario, new against reference (module docstring)."""
    print(f"\n## Instructions per run (sim.run, valgrind's callgrind, {runs} runs after a warm-up)")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind): part skipped")
        return
    print(f"{'scenario':<14} {'reference M':>12} {'new M':>8} {'change':>8}")
    # a count does not depend on what else runs, so the four counts of a scenario run at once
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        for name, path in SCENARIOS.items():
            counts = {
                (version, n): pool.submit(
                    counted, side, "runs", scenario=path, seeds=list(range(n)), warmup=1000
                )
                for version, side in (("reference", ref), ("new", new))
                for n in (0, runs)
            }
            old, now = (
                (counts[(version, runs)].result() - counts[(version, 0)].result()) / runs / 1e6
                for version in ("reference", "new")
            )
            print(f"{name:<14} {old:>12.1f} {now:>8.1f} {now / old - 1:>+8.1%}")


PARTS = ("cpu", "equivalence", "sweep", "large", "identical", "imports", "instructions")


def main() -> None:
    """Run the parts asked for (by default all but identical and instructions)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "parts", nargs="*", choices=PARTS, help="default: all but identical and instructions"
    )
    parser.add_argument("--reference", default="273a75e", help="commit to compare against")
    parser.add_argument("--new", help="commit to measure (default: the checkout as it is)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the cpu part")
    parser.add_argument("--per-round", type=int, default=5, help="seeds per round (cpu)")
    parser.add_argument("--seeds", type=int, default=40, help="seeds (equivalence)")
    parser.add_argument(
        "--identical-seeds", type=int, default=3, help="seeds per scenario (identical)"
    )
    parser.add_argument("--workers", type=int, default=2, help="workers (sweep)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each point of the exponents (large)"
    )
    parser.add_argument(
        "--large-reference", action="store_true", help="also time the reference's large city"
    )
    parser.add_argument(
        "--instruction-runs", type=int, default=2, help="runs counted per scenario (instructions)"
    )
    for side in ("new", "reference"):
        parser.add_argument(
            f"--python-{side}",
            default=PYTHON,
            metavar="PYTHON",
            help=f"interpreter of the {side} version, in an environment with the locked "
            "dependencies (default: this one)",
        )
    args = parser.parse_args()
    parts = args.parts or [p for p in PARTS if p not in ("identical", "instructions")]
    ref = Version(source_tree(args.reference), args.python_reference)
    new = Version(ROOT if args.new is None else source_tree(args.new), args.python_new)
    head = (
        args.new
        or "the checkout at "
        + subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    )
    print(f"# partnersim performance: {head} ({new.root}) against {args.reference} ({ref.root})")
    print(f"new under {interpreter(new.python)}")
    print(f"reference under {interpreter(ref.python)}")
    print(f"{os.cpu_count()} cores; {load()}")
    if "cpu" in parts:
        cpu_per_run(new, ref, args.rounds, args.per_round)
    if "equivalence" in parts:
        equivalence(new, ref, args.seeds)
    if "sweep" in parts:
        sweep(new, args.workers)
    if "large" in parts:
        large(new, ref, args.large_reference, args.repeats)
    if "identical" in parts:
        identical(new, ref, args.identical_seeds)
    if "imports" in parts:
        imports(new, ref, args.rounds + 2)
    if "instructions" in parts:
        instructions(new, ref, args.instruction_runs)


if __name__ == "__main__":
    main()
