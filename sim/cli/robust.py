"""``partnersim robust DECISION.yaml``: which policy holds up across many futures.

Options: ``--workers N``, ``--scheduler ADDRESS|local``, ``--resume``, ``--out DIR``,
``--futures F``, ``--replicates R``, ``--search [N]``, ``--no-progress``.

Runs every policy of a decision file in the same sampled futures on the sweep machinery
(:mod:`sim.experiments.robust`), then writes the robustness analysis into ``OUT/robustness``
(tables and figures, :mod:`sim.outputs.robustness`) and prints the robustness table and where
the leading policies fail. With ``--search`` it then searches for better terms of the file's
``search`` policy and writes the Pareto set into ``OUT/search``. ``partnersim report OUT``
writes the report.

Only the standard library is imported at the top, so that registering the command keeps
``partnersim --help`` fast.

Exit codes: 0 done; 1 some runs failed (they are in ``failures.parquet``; the analysis needs
every run) or the search's optimiser is not installed; 2 bad input (the decision file, an
output folder in the way, a results folder that cannot be analysed), nothing run or nothing
lost; 130 interrupted, what finished is on disk and ``--resume`` carries on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.experiments.decision_plan import DecisionPlan

SEARCH_FROM_FILE = 0
"""``--search`` without a number: judge as many candidates as the file's ``search.evaluations``."""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``robust`` subcommand to a ``partnersim`` parser's subparsers.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.

    Returns:
        The ``robust`` parser (its defaults carry ``handler=main``).
    """
    from sim.cli.sweep import add_run_options

    parser = subparsers.add_parser(
        "robust",
        help="which policy holds up across many futures: regret, satisficing, vulnerabilities",
        description="Run every policy of a decision file (scenarios/decisions/*.yaml) in the "
        "same Latin-hypercube futures with common random numbers, streamed and resumable like "
        "a sweep; then write and print the robustness table (mean and spread, regret, share "
        "of futures meeting every threshold, how sure the ranking is) and PRIM boxes of where "
        "the leading policies fail.",
    )
    parser.add_argument("decision", type=Path, help="decision YAML file")
    add_run_options(parser, out="results/robust-<name>")
    parser.add_argument(
        "--futures",
        type=int,
        default=None,
        metavar="F",
        help="futures instead of the file's (a small run to check a file; the folder then "
        "holds a different decision)",
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=None,
        metavar="R",
        help="replicates instead of the file's",
    )
    parser.add_argument(
        "--search",
        type=int,
        nargs="?",
        const=SEARCH_FROM_FILE,
        default=None,
        metavar="N",
        help="then search for better terms of the file's search policy, judging N candidates "
        "(default: the file's search.evaluations)",
    )
    parser.set_defaults(handler=main)
    return parser


def main(args: argparse.Namespace) -> int:
    """Run the ``robust`` subcommand; return the exit code (see the module docstring).

    Args:
        args: Parsed arguments with ``decision``, ``workers``, ``scheduler``, ``resume``,
            ``out``, ``futures``, ``replicates``, ``search`` and ``no_progress``.
    """
    from sim.cli.sweep import run_until_stopped
    from sim.experiments.decision_plan import describe, plan_decision
    from sim.experiments.robust import analyse, default_out, run_decision
    from sim.experiments.sweep import summary_text
    from sim.outputs.robustness import robustness_text, write_robustness

    if args.search is not None and args.search < SEARCH_FROM_FILE:
        return _error(f"--search must be a positive number of candidates; got {args.search}")
    plan = run_until_stopped(
        args,
        args.decision,
        lambda: plan_decision(args.decision, futures=args.futures, replicates=args.replicates),
    )
    if isinstance(plan, int):
        return plan
    if args.search is not None and plan.spec.search is None:
        return _error(
            f"{args.decision}: search: --search needs a search section (the policy and the "
            "levers to search over)"
        )
    out = args.out or default_out(plan.name)
    print(f"{plan.name}: {describe(plan)}", flush=True)
    result = run_until_stopped(
        args,
        args.decision,
        lambda: run_decision(
            plan,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            out=out,
            progress=False if args.no_progress else None,
        ),
    )
    if isinstance(result, int):
        return result
    print(summary_text(result))
    if result.failed:
        return 1
    analysis = run_until_stopped(args, args.decision, lambda: analyse(result.out))
    if isinstance(analysis, int):
        return analysis
    print(robustness_text(analysis))
    folder = result.out / "robustness"
    print(f"wrote {len(write_robustness(analysis, folder))} files to {folder}")
    if args.search is None:
        return 0
    return _search(args, plan, result.out / "search")


def _search(args: argparse.Namespace, plan: DecisionPlan, out: Path) -> int:
    """Search for better terms and write the Pareto set; return the exit code."""
    from sim.cli.sweep import run_until_stopped
    from sim.experiments.policy_search import search_policies
    from sim.outputs.robustness import search_text, write_search

    evaluations = None if args.search == SEARCH_FROM_FILE else args.search
    try:
        found = run_until_stopped(
            args,
            args.decision,
            lambda: search_policies(
                plan, evaluations=evaluations, workers=args.workers, scheduler=args.scheduler
            ),
        )
    except ValueError as err:
        return _error(f"{args.decision}: search: {err}")
    except ImportError as err:  # the optimiser is an optional extra
        print(f"error: {err}", file=sys.stderr)
        return 1
    if isinstance(found, int):
        return found
    print(search_text(found))
    print(f"wrote {len(write_search(found, out))} files to {out}")
    return 0


def _error(message: str) -> int:
    """Print a one-line error and return the bad-input exit code."""
    print(f"error: {message}", file=sys.stderr)
    return 2
