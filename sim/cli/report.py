"""``partnersim report RESULTS``: write a comparison's report (:mod:`sim.outputs.report`).

Only the standard library is imported at module level, so registering the command does not slow
``--help``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to a ``partnersim`` parser's subparsers.

    Args:
        subparsers: What ``ArgumentParser.add_subparsers`` returned.

    Returns:
        The ``report`` parser (its defaults carry ``handler=main``).
    """
    parser = subparsers.add_parser(
        "report",
        help="write a comparison's report: an A4 PDF and an HTML page",
        description="Write the report of a folder written by partnersim compare: a one-page "
        "summary (the question, the scenarios, the main differences from the first scenario "
        "with 95% intervals, what to read with care), what each metric counts, every paired "
        "difference, what the report does not show, the scenarios and how they differ, the "
        "metrics with intervals and units, the standard figures and the provenance, as an A4 "
        "PDF typeset by Typst and, beside it, a self-contained HTML page with the same "
        "content.",
    )
    parser.add_argument(
        "results",
        type=Path,
        help="results folder written by partnersim compare (or by partnersim robust: the "
        "robust decision's report)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="PDF",
        help="PDF to write (default RESULTS/report.pdf); the HTML page goes beside it (.html)",
    )
    parser.add_argument(
        "--force", action="store_true", help="replace the report's PDF and HTML if they exist"
    )
    parser.add_argument(
        "--question",
        default=None,
        metavar="TEXT",
        help="the question the comparison answers, in words, for the summary (default: what "
        "changes when the city runs each scenario instead of the first)",
    )
    parser.add_argument(
        "--sensitivity",
        type=Path,
        default=None,
        metavar="DIR",
        help="output of partnersim sensitivity (its indices.csv), to name the most influential "
        "assumptions in the summary",
    )
    parser.set_defaults(handler=main)
    return parser


def main(args: argparse.Namespace) -> int:
    """Run the ``report`` subcommand; return the exit code (0 ok, 2 bad input).

    Args:
        args: Parsed arguments with ``results``, ``out``, ``force``, ``question`` and
            ``sensitivity``.
    """
    if args.out is not None and args.out.suffix.lower() != ".pdf":
        print(f"error: --out must name a .pdf file; got {args.out}", file=sys.stderr)
        return 2
    from sim.outputs.report import write_report
    from sim.outputs.results_folder import ResultsError
    from sim.runs.outdir import OutputError

    try:
        pdf, html, pages = write_report(
            args.results,
            args.out,
            force=args.force,
            question=args.question,
            sensitivity=args.sensitivity,
        )
    except (ResultsError, OutputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {pdf} ({pages} A4 pages) and {html}")
    return 0
