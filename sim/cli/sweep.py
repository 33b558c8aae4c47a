"""``partnersim sweep SWEEP.yaml [--workers N] [--scheduler ADDRESS|local] [--out DIR] ...``.

Further flags: ``--resume``, ``--force`` and ``--no-progress``.

Only the standard library and :mod:`sim.runs.cores` (which uses nothing else) are imported at
the top, so that registering the command keeps ``partnersim --help`` fast; the sweep machinery
(:mod:`sim.experiments.sweep`) is imported when it runs.

Exit codes: 0 every run finished; 1 some runs failed (they are in ``failures.parquet``); 2 bad
input (the sweep file, an output folder in the way or holding other results, or results of
another version of the code to resume without ``--force``), nothing run; 130 interrupted (Ctrl-C or
SIGTERM), what finished is on disk and ``--resume`` carries on.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.runs.cores import workers_option

if TYPE_CHECKING:
    from sim.experiments.sweep import SweepResult

INTERRUPTED = 130
"""Exit code after Ctrl-C, as a shell reports a process ended by SIGINT (128 + 2)."""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``sweep`` subcommand to a ``partnersim`` parser's subparsers.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.

    Returns:
        The ``sweep`` parser (its defaults carry ``handler=main``).
    """
    parser = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, Latin hypercube, Sobol', Morris) into Parquet",
        description="Check every point of a sweep file (scenarios/sweeps/*.yaml), run them on "
        "the chosen executor, stream results to OUT as runs finish and compact them at the "
        "end (manifest.json, points.parquet, runs.parquet, failures.parquet).",
    )
    parser.add_argument("sweep", type=Path, help="sweep YAML file")
    add_run_options(parser, out="results/sweep-<name>")
    parser.set_defaults(handler=main)
    return parser


def add_run_options(parser: argparse.ArgumentParser, *, out: str) -> None:
    """Add the options of how a sweep-like command runs (``--workers``, ``--resume``, ...).

    They are ``--workers``, ``--scheduler``, ``--resume``, ``--out``, ``--force`` and
    ``--no-progress``.

    Args:
        parser: The command's parser.
        out: The default output folder, in words (e.g. ``results/sweep-<name>``).
    """
    parser.add_argument(
        "--workers",
        type=workers_option,
        default=1,
        metavar="N",
        help="worker processes, or 'auto' for one per core (default 1: run serially); with "
        "--scheduler local, Dask workers",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a Dask cluster: its scheduler address (tcp://host:8786), or 'local' to "
        "start one on this machine",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="carry on an interrupted run in OUT, running only the runs not yet recorded",
    )
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help=f"output folder (default {out})"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the results already in OUT (only partnersim results); with --resume, "
        "carry on even though the code that recorded them was another version",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar or progress lines (default: a bar on a terminal, else log lines)",
    )


def main(args: argparse.Namespace) -> int:
    """Run the ``sweep`` subcommand; return the exit code (see the module docstring).

    Args:
        args: Parsed arguments with ``sweep``, ``workers``, ``scheduler``, ``resume``, ``out``
            and ``no_progress``.
    """
    from sim.experiments.sweep import run_sweep, summary_text

    result = run_until_stopped(
        args,
        args.sweep,
        lambda: run_sweep(
            args.sweep,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            force=args.force,
            out=args.out,
            progress=False if args.no_progress else None,
        ),
    )
    if isinstance(result, int):
        return result
    print(summary_text(result))
    return 1 if result.failed else 0


def run_until_stopped[T](args: argparse.Namespace, source: Path, run: Callable[[], T]) -> T | int:
    """Run (part of) a sweep-like command, keeping what finished when it is stopped.

    SIGTERM (a batch system's stop) is turned into Ctrl-C for the duration.

    Args:
        args: The command's parsed arguments (``command``, ``out``, ``workers``, ``scheduler``).
        source: The file the command runs, for the hint on how to carry on.
        run: Runs the command, or a part of it, and returns its result.

    Returns:
        The result; or the exit code 2 (bad input or an output folder in the way, after a
        one-line error) or :data:`INTERRUPTED` (after the hint on resuming).
    """
    from sim.experiments.store import SweepError
    from sim.experiments.sweep import SweepInterrupted
    from sim.runs.outdir import OutputError
    from sim.scenario.errors import ScenarioError

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run()
    except (ScenarioError, SweepError, OutputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # SweepInterrupted, or a stop while starting or compacting
        result = stop.result if isinstance(stop, SweepInterrupted) else None
        print(_resume_hint(args, source, result), file=sys.stderr)
        return INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same orderly stop as Ctrl-C."""
    raise KeyboardInterrupt


def _resume_hint(args: argparse.Namespace, source: Path, result: SweepResult | None) -> str:
    """Return the lines printed when a sweep is interrupted: what is kept, how to go on."""
    out = result.out if result is not None else args.out
    command = ["partnersim", args.command, str(source), "--resume"]
    if out is not None:
        command += ["--out", str(out)]
    if args.workers != 1:
        command += ["--workers", str(args.workers)]
    if args.scheduler:
        command += ["--scheduler", args.scheduler]
    for size in ("futures", "replicates"):  # a robust decision run at other sizes than its file's
        if getattr(args, size, None) is not None:
            command += [f"--{size}", str(getattr(args, size))]
    kept = (
        f"{result.finished} of {result.runs} runs are recorded in {result.out} "
        f"({result.failed} failed)"
        if result is not None
        else "every run recorded so far is kept"
    )
    return f"interrupted: {kept}; carry on with:\n  {shlex.join(command)}"
