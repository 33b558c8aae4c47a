"""The ``partnersim`` command line.

Heavy imports (Mesa, pandas) happen inside the commands that run a model, so ``--help`` and
``validate`` answer at once: importing Mesa alone takes over a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

SUMMARY_METRICS: tuple[str, ...] = (
    "pilots_proposed",
    "pilots_agreed",
    "pilots_launched",
    "pilots_succeeded",
    "pilots_failed",
    "pilots_cancelled",
    "pilots_scaled",
    "agreement_rate",
    "mean_rounds",
    "public_spend",
    "private_capital",
    "public_cost_per_success",
    "public_value",
    "trust_org_mean",
    "citizen_trust_mean",
    "citizen_satisfaction",
    "network_density",
    "election_survival",
    "benefit_gini",
)
"""Metrics printed after a run (all are in the written step table)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnersim",
        description="Agent-based simulation of urban innovation partnerships and their finance.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write its tables")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    run.add_argument("--steps", type=int, default=None, help="steps to run (default: scenario)")
    run.add_argument(
        "--out", type=Path, default=None, help="output folder (default results/<name>-seed<N>)"
    )
    run.add_argument("--agents", action="store_true", help="also record per-agent state")

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", type=Path, nargs="+", help="scenario YAML files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 failure, 2 bad input)."""
    args = _parser().parse_args(argv)
    from sim.errors import ScenarioError

    try:
        if args.command == "validate":
            return _validate(args.files)
        return _run(args)
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _validate(files: Sequence[Path]) -> int:
    from sim.scenario import Scenario
    from sim.scenario_io import load_many

    bad = 0
    for path, outcome in load_many(files, Scenario):
        if isinstance(outcome, Scenario):
            print(f"ok: {path} ({outcome.name})")
        else:
            bad += 1
            print(f"error: {outcome}", file=sys.stderr)
    return 2 if bad else 0


def _run(args: argparse.Namespace) -> int:
    from sim.runner import as_scenario, run

    scenario = as_scenario(args.scenario)
    if args.agents:
        scenario = scenario.override({"output": {"agent_state": True}})
    if args.steps is not None and args.steps < 1:
        print(f"error: --steps must be at least 1; got {args.steps}", file=sys.stderr)
        return 2
    if args.seed < 0:
        print(f"error: --seed must be a non-negative integer; got {args.seed}", file=sys.stderr)
        return 2
    result = run(scenario, seed=args.seed, steps=args.steps)
    out = args.out or Path("results") / f"{scenario.name}-seed{args.seed}"
    result.write(out)
    print(summary_text(result.final(), title=f"{scenario.name}, seed {args.seed}"))
    print(f"wrote {', '.join(sorted(result.tables))} and manifest.json to {out}")
    return 0


def summary_text(final, *, title: str) -> str:
    """Format the end-of-run metrics as an aligned text table with units."""
    from sim.metrics import METRICS

    lines = [title, "-" * len(title)]
    width = max(len(name) for name in SUMMARY_METRICS)
    for name in SUMMARY_METRICS:
        value = float(final[name])
        lines.append(f"{name:<{width}}  {_number(value):>14}  {METRICS[name].unit}")
    return "\n".join(lines)


def _number(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 1e3 else f"{value:,.0f}"


if __name__ == "__main__":
    sys.exit(main())
