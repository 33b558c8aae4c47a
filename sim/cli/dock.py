"""``partnersim dock SCENARIO``: dock the agent model to a game's equations (:mod:`sim.docking`).

Only the standard library is imported at module level, so registering the command does not slow
``--help``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``dock`` subcommand to a ``partnersim`` parser's subparsers.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.

    Returns:
        The ``dock`` parser (its defaults carry ``handler=main``).
    """
    parser = subparsers.add_parser(
        "dock",
        help="dock the agent model to the replicator equations of a game",
        description="Run a docking scenario (scenarios/docking/*.yaml) as equations and as "
        "agents; write tables (CSV) and figures (PNG) and print the comparison.",
    )
    parser.add_argument("scenario", type=Path, help="docking scenario YAML file")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default results/dock-<name>)"
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=None,
        metavar="N",
        help="agents per population to compare (default: the scenario's sizes)",
    )
    parser.add_argument(
        "--seeds", type=int, default=None, help="agent runs per size (default: the scenario's)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the results already in the output folder (only partnersim results)",
    )
    parser.set_defaults(handler=main)
    return parser


def main(args: argparse.Namespace) -> int:
    """Run the ``dock`` subcommand; return the exit code (0 ok, 1 a check failed, 2 bad input).

    Args:
        args: Parsed arguments with ``scenario``, ``out``, ``sizes`` and ``seeds``.
    """
    from sim.docking.audit import dock, report_text
    from sim.docking.page import write
    from sim.docking.schema import load_docking
    from sim.runs.outdir import OutputError, check_folder, replace_with, safe_name
    from sim.scenario.errors import ScenarioError

    if args.sizes is not None and any(n < 2 for n in args.sizes):
        print(f"error: --sizes must all be at least 2; got {args.sizes}", file=sys.stderr)
        return 2
    if args.seeds is not None and args.seeds < 1:
        print(f"error: --seeds must be at least 1; got {args.seeds}", file=sys.stderr)
        return 2
    try:
        scenario = load_docking(args.scenario)
        out = args.out or Path("results") / f"dock-{safe_name(scenario.name)}"
        check_folder(out, force=args.force)
    except (ScenarioError, OutputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    docking = dock(scenario, sizes=args.sizes, seeds=args.seeds, progress=print)
    written = replace_with(out, lambda folder: write(docking, folder))
    print()
    print(report_text(docking))
    print()
    print(f"wrote {', '.join(p.name for p in written)} to {out}")
    return 0 if bool(docking.checks["ok"].all()) else 1
