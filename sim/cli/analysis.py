"""The ``partnersim sensitivity`` and ``partnersim discover`` commands: analyses of sweeps.

``partnersim sensitivity RESULTS [--metric M ...] [--out DIR]`` prints and writes Sobol indices or
Morris measures per metric of a sweep results folder (:mod:`sim.experiments.sensitivity`);
``partnersim discover RESULTS [RESULTS_B] --metric M (--below T | --above T | --better lower|higher)
[--undefined no|yes|drop] [--out DIR]`` finds PRIM boxes where a question holds
(:mod:`sim.experiments.discovery`).

Only the standard library is imported at the top, so ``partnersim --help`` stays fast; the
handlers import the analysis when they run. Bad input (a missing or incomplete folder, an
unknown metric, an inconsistent question) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sensitivity`` and ``discover`` subcommands to ``partnersim``'s subparsers.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned; each parser's defaults
            carry its ``handler``.
    """
    sens = subparsers.add_parser(
        "sensitivity",
        help="Sobol indices or Morris measures of a sweep's metrics",
        description="Average each metric over the replicates of every design point of a sobol "
        "or morris sweep, then compute Sobol indices (S1, ST with bootstrap intervals) or "
        "Morris measures (mu, mu*, sigma); print a table per metric and write indices.csv, "
        "point_means.csv and a figure per metric (PNG and PDF).",
    )
    sens.add_argument("results", type=Path, help="results folder of partnersim sweep")
    sens.add_argument(
        "--metric",
        action="append",
        default=None,
        metavar="M",
        help="metric to analyse (repeat for several; default: every metric of the sweep)",
    )
    sens.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default RESULTS/sensitivity)",
    )
    sens.add_argument(
        "--bootstrap-seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the bootstrap intervals, a positive integer (default: fixed)",
    )
    _add_force(sens)
    sens.set_defaults(handler=sensitivity_command)

    disc = subparsers.add_parser(
        "discover",
        help="PRIM boxes where a metric clears a threshold or one sweep beats another",
        description="Scenario discovery: answer a yes/no question at every design point from "
        "replicate means (a threshold on one sweep's metric, or whether sweep RESULTS beats "
        "RESULTS_B, run with the same design and seeds), then find PRIM boxes of the "
        "parameter space where the answer is mostly yes. Prints the boxes and writes "
        "cases.csv, boxes.csv, trajectory.csv and figures.",
    )
    disc.add_argument("results", type=Path, help="results folder of partnersim sweep (A)")
    disc.add_argument(
        "results_b",
        type=Path,
        nargs="?",
        default=None,
        metavar="RESULTS_B",
        help="a second sweep with the same design and seeds (B), for --better",
    )
    disc.add_argument("--metric", required=True, metavar="M", help="the metric asked about")
    question = disc.add_mutually_exclusive_group(required=True)
    question.add_argument("--below", type=float, metavar="T", help="yes where the mean is below T")
    question.add_argument("--above", type=float, metavar="T", help="yes where the mean is above T")
    question.add_argument(
        "--better",
        choices=["lower", "higher"],
        help="yes where A's mean beats B's in this direction (needs RESULTS_B)",
    )
    disc.add_argument(
        "--undefined",
        choices=["no", "yes", "drop"],
        default="no",
        help="what a point where the metric is undefined (e.g. no success to divide by) counts "
        "as: no (default: it fails the question), yes, or drop (left out); counted and listed "
        "either way",
    )
    disc.add_argument(
        "--boxes", type=int, default=1, metavar="K", help="boxes to look for (default 1)"
    )
    disc.add_argument(
        "--density",
        type=float,
        default=None,
        metavar="D",
        help="density the chosen box must reach, in (0, 1] (default 0.8)",
    )
    disc.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="output folder (default RESULTS/discovery, or RESULTS/discovery-vs-<B> for pairs)",
    )
    _add_force(disc)
    disc.set_defaults(handler=discover_command)


def _add_force(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the results already in the output folder (only partnersim results)",
    )


def _error(message: str) -> int:
    """Print a one-line error and return the bad-input exit code."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def _note(line: str | None) -> None:
    """Print a note on stderr, if there is one."""
    if line:
        print(f"note: {line}", file=sys.stderr)


def _files(paths: list[Path]) -> str:
    """Name written files briefly: tables by name, figures once each with "(PNG and PDF)"."""
    tables = [p.name for p in paths if p.suffix not in (".png", ".pdf")]
    figures = [p.stem for p in paths if p.suffix == ".png"]
    return ", ".join(tables) + (f"; figures {', '.join(figures)} (PNG and PDF)" if figures else "")


def sensitivity_command(args: argparse.Namespace) -> int:
    """Run ``partnersim sensitivity``; return 0, or 2 for bad input.

    With ``--metric``, every metric named must be analysable (the others are still written);
    without it, metrics that cannot be analysed (a point without a value, constant over the
    design) are listed and skipped.
    """
    from sim.experiments import sensitivity as sa
    from sim.outputs.analyses import write_sensitivity
    from sim.runs.outdir import check_folder, replace_with

    if args.bootstrap_seed is not None and args.bootstrap_seed < 1:
        return _error(f"--bootstrap-seed must be a positive integer; got {args.bootstrap_seed}")
    seed = sa.SEED if args.bootstrap_seed is None else args.bootstrap_seed
    out = check_folder(args.out or args.results / "sensitivity", force=args.force)
    results = sa.load_results(args.results)
    sa.check_design(results)
    for metric in args.metric or []:
        sa.check_metric(results, metric)
    _note(sa.failures_note(results))
    analyses, problems = [], []
    for metric in args.metric or results.metrics:
        try:
            analyses.append(sa.sensitivity(results, metric, seed=seed))
        except sa.ResultsError as err:
            problems.append(f"{metric}: {err}")
            continue
        print(sa.indices_text(analyses[-1]))
        print()
    for problem in problems:
        print(f"{'error' if args.metric else 'skipped'}: {problem}", file=sys.stderr)
    if analyses:
        written = replace_with(out, lambda folder: write_sensitivity(analyses, folder))
        print(f"wrote {_files(written)} to {out}")
    if (problems and args.metric) or not analyses:
        return 2
    return 0


def discover_command(args: argparse.Namespace) -> int:
    """Run ``partnersim discover``; return 0, 1 without EMA Workbench, or 2 for bad input."""
    from sim.experiments import discovery
    from sim.experiments.sensitivity import failures_note, load_results
    from sim.outputs.analyses import write_discovery
    from sim.runs.outdir import check_folder, replace_with, safe_name

    if args.boxes < 1:
        return _error(f"--boxes must be at least 1; got {args.boxes}")
    density = discovery.DENSITY if args.density is None else args.density
    if not 0 < density <= 1:
        return _error(f"--density must be in (0, 1]; got {density}")
    paired = args.better is not None
    if paired != (args.results_b is not None):
        need = (
            "--better compares two sweeps: give RESULTS_B"
            if paired
            else ("--below and --above ask about one sweep: drop RESULTS_B or use --better")
        )
        return _error(need)
    if paired:
        default = args.results / f"discovery-vs-{safe_name(args.results_b.resolve().name)}"
    else:
        default = args.results / "discovery"
    out = check_folder(args.out or default, force=args.force)
    results = load_results(args.results)
    _note(failures_note(results))
    if paired:
        other = load_results(args.results_b)
        _note(failures_note(other))
        outcome = discovery.paired_outcome(
            results, other, args.metric, better=args.better, undefined=args.undefined
        )
    else:
        outcome = discovery.threshold_outcome(
            results, args.metric, below=args.below, above=args.above, undefined=args.undefined
        )
    try:
        found = discovery.discover(outcome, boxes=args.boxes, density=density)
    except ImportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(discovery.boxes_text(outcome, found))
    written = replace_with(out, lambda folder: write_discovery(outcome, found, folder))
    print(f"wrote {_files(written)} to {out}")
    return 0
