"""Run a sweep: thousands of runs over a design, streamed to disk, resumable, fault tolerant.

From Python (a script or a notebook)::

    from sim.experiments.sweep import run_sweep

    result = run_sweep("scenarios/sweeps/finance_morris.yaml", workers=2)
    result.table("runs")          # one row per run: parameters and end-of-run metrics

From the shell: ``partnersim sweep SWEEP.yaml [--workers N] [--scheduler ADDRESS|local]
[--resume] [--out DIR]`` (:mod:`sim.cli.sweep`).

The sweep is checked completely first (:func:`sim.experiments.plan.plan_sweep`: the file, the base
scenario, every design point), then its runs go to an executor (:mod:`sim.runs.execution`: serial, a
local process pool, or Dask) and each finished run is streamed to the output folder
(:mod:`sim.experiments.store`). A run that raises is recorded as a failure and the sweep goes on. An
interrupted sweep (Ctrl-C, or the process killed) resumes with ``resume=True``, running only the
runs not yet recorded. Whichever the executor, the tables are identical.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.plan import RunPlan, plan_sweep
from sim.experiments.spec import SweepSpec
from sim.experiments.store import MANIFEST, SweepError, SweepStore
from sim.experiments.worker import run_task
from sim.runs.execution import Executor, make_executor
from sim.runs.outdir import check_folder, clear, safe_name
from sim.runs.progress import Progress, choose_mode
from sim.scenario.files import StrPath

DEFAULT_OUT = Path("results")
"""Folder under which a sweep's default output folder ``sweep-<name>`` goes."""


@dataclass
class SweepResult:
    """Where a sweep's results are and how many runs it did.

    Attributes:
        out: The output folder.
        manifest: Its ``manifest.json``.
        executed: Runs this session executed (0 when read back from disk).
        skipped: Runs this session skipped because they were already recorded.
    """

    out: Path
    manifest: dict[str, Any]
    executed: int = 0
    skipped: int = 0

    @property
    def runs(self) -> int:
        """Runs in the sweep (points times replicates)."""
        return int(self.manifest["runs"])

    @property
    def finished(self) -> int:
        """Runs recorded, ok or failed."""
        return int(self.manifest["finished"])

    @property
    def failed(self) -> int:
        """Recorded runs that raised."""
        return int(self.manifest["failed"])

    @property
    def complete(self) -> bool:
        """Whether every run is recorded and the tables compacted."""
        return bool(self.manifest["complete"])

    def path(self, name: str) -> Path:
        """Return the file of a table: ``runs``, ``points``, ``failures`` or ``steps``."""
        return self.out / f"{name}.parquet"

    def table(self, name: str = "runs") -> pd.DataFrame:
        """Read a table of the sweep (see :mod:`sim.experiments.store` for the columns).

        Args:
            name: ``runs``, ``points``, ``failures`` or ``steps`` (with ``record: steps``).

        Raises:
            FileNotFoundError: The table is not there (an interrupted sweep has only
                ``points`` until it is resumed and finished).
        """
        return pd.read_parquet(self.path(name))

    @classmethod
    def read(cls, out: StrPath) -> SweepResult:
        """Open the results of a sweep in folder ``out``."""
        out = Path(out)
        return cls(out=out, manifest=json.loads((out / MANIFEST).read_text()))


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM from the command line) stopped a sweep; what finished is on disk.

    Attributes:
        result: The sweep's state when it stopped (``complete`` is False).
    """

    def __init__(self, result: SweepResult) -> None:
        super().__init__(f"sweep interrupted; {result.finished} of {result.runs} runs recorded")
        self.result = result


def default_out(name: str) -> Path:
    """Return the default output folder of a sweep: ``results/sweep-<name>`` (name made safe)."""
    return DEFAULT_OUT / f"sweep-{safe_name(name)}"


def run_sweep(
    sweep: SweepSpec | RunPlan | StrPath,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    out: StrPath | None = None,
    progress: bool | None = None,
) -> SweepResult:
    """Run a sweep and write its results; return where they are and what was done.

    Args:
        sweep: A sweep file, a :class:`sim.experiments.spec.SweepSpec` built in Python, or a
            plan already checked (a robust decision's, :mod:`sim.experiments.decision_plan`).
        workers: 1 runs serially in this process; more runs a local pool of that many worker
            processes (or, with ``scheduler="local"``, a local Dask cluster of that many).
        scheduler: A Dask scheduler address (``tcp://host:8786``), ``"local"``, or None.
        resume: Carry on with the runs already recorded in ``out``, running only the others.
        force: Without ``resume``, replace the results in ``out`` (only partnersim results);
            with it, carry on even though they were recorded by another version of the code
            (another git revision or package version).
        out: Output folder (default ``results/sweep-<name>``); must be missing or empty unless
            ``resume`` or ``force`` (:mod:`sim.runs.outdir`).
        progress: True draws a progress bar on stderr, None a bar on a terminal and periodic
            log lines otherwise (:mod:`sim.runs.progress`), False nothing.

    Returns:
        The :class:`SweepResult`; ``result.failed`` counts runs that raised.

    Raises:
        ScenarioError: The sweep is invalid (nothing has run).
        OutputError: ``out`` cannot be written, or holds results and neither ``resume`` nor
            ``force`` is given (checked before any run).
        SweepError: ``out`` holds results of another sweep, the sweep or its base scenario
            changed since they were started, they were recorded by another version of the code
            (unless ``force``), or the Dask scheduler cannot be reached.
        SweepInterrupted: Ctrl-C; the finished runs are on disk, resume with ``resume=True``.
        ValueError: ``workers`` is less than 1.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1; got {workers}")
    plan = sweep if isinstance(sweep, RunPlan) else plan_sweep(sweep)
    out = Path(out) if out is not None else default_out(plan.spec.name)
    check_folder(out, force=force, resume=resume)
    if force and not resume:
        clear(out)
    store = SweepStore(
        out, plan.manifest(), plan.parameter_dtypes(), resume=resume, any_version=force
    )
    todo = plan.runs - store.skipped
    with start_executor(min(workers, max(todo, 1)), scheduler if todo else None) as executor:
        store.begin(plan.points_table(), executor=executor.describe())
        with Progress(
            plan.runs, desc=plan.spec.name, initial=store.skipped, mode=choose_mode(progress)
        ) as shown:
            try:
                for _, record in executor.imap(run_task, plan.tasks(skip=store.recorded)):
                    store.add(record)
                    shown.update(ok=record.ok)
            except KeyboardInterrupt:
                manifest = store.interrupt()
                raise SweepInterrupted(_result(store, manifest)) from None
            except Exception:  # a worker died, or the cluster went away: keep what finished
                store.interrupt()
                raise
    return _result(store, store.finish())


def start_executor(workers: int, scheduler: str | None) -> Executor:
    """Start an executor, turning a missing Dask or an unreachable scheduler into a SweepError.

    Args:
        workers: Worker processes (1: serially in this process), or Dask workers.
        scheduler: A Dask scheduler address, ``"local"``, or None.
    """
    try:
        return make_executor(workers, scheduler)
    except (ImportError, OSError, ValueError) as err:  # ValueError: an address Dask cannot parse
        raise SweepError(f"cannot start the executor (scheduler {scheduler}): {err}") from err


def _result(store: SweepStore, manifest: dict[str, Any]) -> SweepResult:
    return SweepResult(
        out=store.out, manifest=manifest, executed=store.executed, skipped=store.skipped
    )


def duration(seconds: float) -> str:
    """Return a wall time as read: ``"8.4 s"``, ``"1 min 54 s"``, ``"2 h 05 min"``."""
    if round(seconds, 1) < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def summary_text(result: SweepResult) -> str:
    """Return the lines printed after a sweep: counts, skipped runs, failures, time and files."""
    manifest = result.manifest
    lines = [
        f"sweep {manifest['name']}: {result.finished} of {result.runs} runs recorded "
        f"({manifest['points']} points x {manifest['replicates']} "
        f"replicate{'s' if manifest['replicates'] > 1 else ''}); "
        f"{result.executed} run now, {result.skipped} skipped as already recorded; "
        f"{result.failed} failed"
    ]
    if result.failed and result.path("failures").exists():
        first = pd.read_parquet(result.path("failures")).iloc[0]
        lines.append(
            f"{result.failed} run{'s' if result.failed > 1 else ''} failed; the first: run "
            f"{first['run']} (point {first['point']}, seed {first['seed']}): {first['error']}: "
            f"{first['message']}; all in {result.path('failures')}"
        )
    session = manifest["sessions"][-1] if manifest.get("sessions") else {}
    if result.executed and session.get("seconds"):
        seconds = session["seconds"]
        lines.append(
            f"{result.executed:,} run{'s' if result.executed > 1 else ''} in "
            f"{duration(seconds)} of wall time ({session['executor']}; "
            f"{result.executed / seconds:,.1f} runs/s, start-up included)"
        )
    files = sorted(p.name for p in result.out.iterdir() if p.is_file() and p.suffix != ".tmp")
    lines.append(f"wrote {', '.join(files)} to {result.out}{os.sep}")
    return "\n".join(lines)
