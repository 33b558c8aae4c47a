"""The ``partnersim`` command line.

Heavy imports (Mesa, pandas) happen inside the commands that run a model, so ``--help`` and
``validate`` answer at once: importing Mesa alone takes over a second.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.runs.cores import workers_option

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
    add_force(run)

    compare = sub.add_parser(
        "compare",
        help="run scenarios side by side over replicates (common random numbers)",
        description=(
            "Run every scenario with seeds BASE, BASE+1, ... (the same seeds for every scenario), "
            "then write the tables, manifest.json, summary.csv and figures/ into OUT."
        ),
    )
    compare.add_argument("scenarios", type=Path, nargs="+", help="scenario YAML files")
    compare.add_argument(
        "--reps", type=int, default=10, metavar="N", help="replicates per scenario (default 10)"
    )
    compare.add_argument(
        "--workers",
        type=workers_option,
        default=1,
        metavar="W",
        help="worker processes, or 'auto' for one per core (default 1: run serially)",
    )
    compare.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="BASE",
        help="seed of replicate 0; replicate k uses BASE+k (default 0)",
    )
    compare.add_argument(
        "--steps", type=int, default=None, metavar="S", help="steps to run (default: scenario)"
    )
    compare.add_argument(
        "--out",
        type=Path,
        default=Path("results/compare"),
        metavar="DIR",
        help="output folder (default results/compare)",
    )
    add_force(compare)
    compare.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar or progress lines (default: a bar on a terminal, else log lines)",
    )

    validate = sub.add_parser("validate", help="check scenario files without running them")
    validate.add_argument("files", type=Path, nargs="+", help="scenario YAML files")

    for register in _registrars():
        register(sub)
    return parser


def add_force(parser: argparse.ArgumentParser) -> None:
    """Give a command that writes results the ``--force`` flag (:mod:`sim.runs.outdir`)."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace the results already in the output folder (only partnersim results)",
    )


def _registrars():
    """Commands that live in their own modules, each with ``register(subparsers)``.

    Each module imports only the standard library at top level, so ``--help`` stays fast; its
    parser sets ``handler`` (a function of the parsed arguments returning the exit code).
    """
    from sim.cli.analysis import register as register_analysis
    from sim.cli.app import register as register_app
    from sim.cli.dock import register as register_dock
    from sim.cli.report import register as register_report
    from sim.cli.robust import register as register_robust
    from sim.cli.sweep import register as register_sweep

    return [
        register_dock,
        register_app,
        register_analysis,
        register_sweep,
        register_robust,
        register_report,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 failure, 2 bad input)."""
    args = _parser().parse_args(argv)
    from sim.runs.outdir import OutputError
    from sim.scenario.errors import ScenarioError

    bad = _bad_number(args)
    if bad:
        print(f"error: {bad}", file=sys.stderr)
        return 2
    shown = _log_to_stderr()
    try:
        if args.command == "validate":
            return _validate(args.files)
        if args.command == "compare":
            return _compare(args)
        if hasattr(args, "handler"):
            return args.handler(args)  # a registered command: 0 ok, 1 failure, 2 bad input
        return _run(args)
    except (ScenarioError, OutputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    finally:
        logging.getLogger("sim").removeHandler(shown)


def _log_to_stderr() -> logging.Handler:
    """Show the package's log lines (progress of long runs) on stderr, each with its time.

    Returns:
        The handler, to remove when the command ends (so that calls in one process, as in
        tests, neither repeat lines nor write to a stream that has gone).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    package = logging.getLogger("sim")
    package.addHandler(handler)
    package.setLevel(logging.INFO)
    return handler


NUMBER_FLOORS: dict[str, int] = {"reps": 1, "workers": 1, "steps": 1, "seed": 0}
"""Smallest allowed value of each numeric option, whichever command has it."""

LARGEST_SEED = 2**62
"""Largest ``--seed``: seeds are kept in 64-bit integer columns, with room for the replicates'
seeds after it (BASE + k)."""


def _bad_number(args: argparse.Namespace) -> str | None:
    """Return the message for the first numeric option out of its range, if any."""
    for name, least in NUMBER_FLOORS.items():
        value = getattr(args, name, None)
        if value is not None and value < least:
            allowed = "a non-negative integer" if least == 0 else f"at least {least}"
            return f"--{name} must be {allowed}; got {value}"
    seed = getattr(args, "seed", None)
    if seed is not None and seed > LARGEST_SEED:
        return f"--seed must be at most 2**62 ({LARGEST_SEED}); got {seed}"
    steps = getattr(args, "steps", None)
    if steps is not None:  # the horizon's upper bound is the schema's, named by the option
        from sim.scenario.errors import ScenarioError
        from sim.scenario.files import validate_data
        from sim.scenario.schema import Scenario

        try:
            validate_data({"time": {"steps": steps}}, Scenario, source="--steps")
        except ScenarioError as err:
            return str(err)
    return None


def _validate(files: Sequence[Path]) -> int:
    """Check model, docking, sweep and decision files, each against its own schema."""
    bad = 0
    for path in files:
        outcome = _checked(path)
        if isinstance(outcome, str):
            print(f"ok: {path} ({outcome})")
        else:
            bad += 1
            print(f"error: {outcome}", file=sys.stderr)
    return 2 if bad else 0


def _checked(path: Path):
    """Return the name of the scenario, docking, sweep or decision file ``path``, or its error."""
    from sim.docking.schema import DockingScenario, is_docking
    from sim.experiments.decision_spec import is_decision
    from sim.experiments.spec import SweepSpec, is_sweep
    from sim.scenario.errors import ScenarioError
    from sim.scenario.files import resolve_extends, validate_data
    from sim.scenario.schema import Scenario

    try:
        data = resolve_extends(path)
        if is_decision(data):
            from sim.experiments.decision_plan import plan_decision  # every policy and future

            return plan_decision(path).spec.name
        if is_sweep(data):
            from sim.experiments.plan import plan_sweep  # every design point, not just the file

            spec = validate_data(data, SweepSpec, source=path)
            return plan_sweep(spec, source=path).spec.name
        schema = DockingScenario if is_docking(data) else Scenario
        return validate_data(data, schema, source=path).name
    except ScenarioError as err:
        return err


def _run(args: argparse.Namespace) -> int:
    from sim.runs.outdir import check_folder, replace_with, safe_name
    from sim.runs.runner import as_scenario, run

    scenario = as_scenario(args.scenario)
    if args.agents:
        scenario = scenario.override({"output": {"agent_state": True}})
    out = args.out or Path("results") / f"{safe_name(scenario.name)}-seed{args.seed}"
    check_folder(out, force=args.force)
    result = run(scenario, seed=args.seed, steps=args.steps)
    replace_with(out, result.write)
    print(summary_text(result.final(), title=f"{scenario.name}, seed {args.seed}"))
    print(f"wrote {', '.join(sorted(result.tables))} and manifest.json to {out}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from sim.scenario.files import load_many
    from sim.scenario.schema import Scenario

    loaded = load_many(args.scenarios, Scenario)
    errors = [outcome for _, outcome in loaded if not isinstance(outcome, Scenario)]
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    if errors:
        return 2

    from sim.outputs.plotting import LEFT_OUT_REASONS as REASONS
    from sim.runs.compare import HEADLINE_METRICS, compare, summary, summary_text
    from sim.runs.finance_table import finance_tables, finance_text
    from sim.runs.outdir import check_folder, replace_with

    out = check_folder(args.out, force=args.force)
    # compare() refuses duplicate scenario names (a ScenarioError) before anything runs
    comparison = compare(
        args.scenarios,
        reps=args.reps,
        workers=args.workers,
        base_seed=args.seed,
        steps=args.steps,
        progress=False if args.no_progress else None,
    )

    finance = finance_tables(comparison)

    def write(folder: Path) -> tuple[list[str], list[str]]:
        comparison.write(folder)
        for name, table in finance.items():
            table.to_csv(folder / f"{name}.csv", index=False)
        return _figures(comparison, folder / "figures")

    figures, left_out = replace_with(out, write)
    steps = comparison.tables["steps"]
    shown = [name for name in HEADLINE_METRICS if name in steps.columns]
    print(summary_text(summary(steps, shown, order=comparison.scenarios)))
    if finance:
        print(finance_text(finance))
    for reason, names in left_out.items():
        if names:
            print(f"left out of the figures, {REASONS[reason]}: {', '.join(names)}")
    print(
        f"wrote {', '.join(sorted(comparison.tables))} (Parquet), manifest.json, summary.csv "
        f"and {', '.join(f'{name}.csv' for name in finance) or 'no finance tables'} "
        f"to {out}; figures ({', '.join(figures)}, PNG and PDF) to {out / 'figures'}"
    )
    return 0


def _figures(comparison, out: Path) -> tuple[list[str], dict[str, list[str]]]:
    """Draw and save the standard figures; return their names and the metrics left out."""
    from sim.outputs import plotting, style

    figures, left_out = plotting.standard_figures(
        comparison.tables["steps"],
        order=comparison.scenarios,
        steps_per_year=comparison.steps_per_year(),
    )
    for name, draw in figures.items():
        style.save_figure(draw(), out, name)
    return list(figures), left_out


def summary_text(final, *, title: str) -> str:
    """Format the end-of-run metrics as an aligned text table with units."""
    from sim.model.metrics import METRICS

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
