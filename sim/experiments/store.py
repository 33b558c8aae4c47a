"""A sweep's results on disk: streamed as runs finish, compacted at the end, resumable.

While a sweep runs, finished runs are buffered and flushed every second (or every
:data:`FLUSH_RUNS` runs) into Parquet part files in ``OUT/parts/``, each written to a temporary
name and renamed, so a part is either whole or absent. A flush writes its failures and step
tables first and its runs table last: a run counts as *recorded* once its row is in a runs part.
A sweep that is killed loses only the runs in flight or not yet flushed, and ``--resume`` runs
exactly those again.

At the end the parts are compacted into the folder's tables, block by block in run order (so
memory stays bounded however many runs there are), and removed:

* ``manifest.json``: the sweep (:meth:`sim.experiments.plan.SweepPlan.manifest`), counts
  (``finished``: runs recorded, ok or failed; ``failed``: of those, how many raised),
  ``complete``, the metric columns, one entry per session (started, ended, ``seconds`` of wall
  time from the start of its runs to the end of its last, null for a session that was killed,
  executor, package version and git revision, runs skipped as already recorded, runs recorded,
  interrupted) and provenance;
* ``points.parquet``: one row per design point (written when the sweep starts);
* ``runs.parquet``: one row per recorded run, sorted by ``run``: ``run``, ``point``,
  ``replicate``, ``seed``, ``status`` ("ok" or "failed"), the parameters as applied, then one
  float column per metric (NaN for failed runs);
* ``failures.parquet``: ``run``, ``point``, ``replicate``, ``seed``, ``parameters`` (JSON),
  ``error`` (type), ``message``, ``traceback``;
* ``steps.parquet`` with ``record: steps``: every run's step table, sorted by run and step.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.worker import RUN_COLUMNS, RunRecord
from sim.runs.provenance import provenance

MANIFEST = "manifest.json"
POINTS = "points.parquet"
PARTS = "parts"

FLUSH_SECONDS = 1.0
"""Flush finished runs to disk at least this often (s): a kill loses at most this much work."""
FLUSH_RUNS = 1000
"""Flush after this many buffered runs whatever the time, to bound memory for fast models."""
BLOCK_RUNS = 1000
"""Runs compacted at a time; bounds memory when the step tables are recorded."""

INT = "int64"
TEXT = "str"
FLOAT = "float64"
IDENTITY: dict[str, str] = {**dict.fromkeys(RUN_COLUMNS, INT), "seed": INT}
"""Columns identifying a run, with their dtypes."""
FAILURE_COLUMNS: dict[str, str] = {
    **IDENTITY,
    "parameters": TEXT,
    "error": TEXT,
    "message": TEXT,
    "traceback": TEXT,
}
"""Columns of ``failures.parquet``."""


_NO_RUNS = {"run": [], "status": [], "session": []}

CODE_KEYS: tuple[str, ...] = ("partnersim_version", "git_revision")
"""The provenance that names the version of the model; a sweep resumes only on the same one
(each session records its own, so a forced resume across versions stays visible)."""


class SweepError(Exception):
    """A sweep that cannot start or go on here.

    Its output folder holds other results, or the sweep has changed since the results in it
    were started.
    """


class SweepStore:
    """The output folder of one sweep: what is recorded, and where new runs go.

    Open it with the sweep's manifest header; :meth:`begin` starts a session (writing the
    manifest and points), :meth:`add` takes finished runs, :meth:`interrupt` or :meth:`finish`
    ends the session.

    Args:
        out: The output folder.
        header: The sweep's part of the manifest (:meth:`sim.experiments.plan.SweepPlan.manifest`).
        parameter_dtypes: The dtype of each parameter's applied values, by key.
        resume: Carry on with the runs recorded in ``out``; without it, ``out`` must be missing
            or empty.
        any_version: With ``resume``, carry on even though the runs in ``out`` were recorded by
            another version of the code (another git revision or package version).
        flush_seconds: See :data:`FLUSH_SECONDS`.
        flush_runs: See :data:`FLUSH_RUNS`.

    Raises:
        SweepError: ``out`` holds results and ``resume`` is False; or ``resume`` is True and
            ``out`` holds results of another sweep, of this sweep file before it changed, or
            (unless ``any_version``) of another version of the code.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        header: Mapping[str, Any],
        parameter_dtypes: Mapping[str, str],
        *,
        resume: bool = False,
        any_version: bool = False,
        flush_seconds: float = FLUSH_SECONDS,
        flush_runs: int = FLUSH_RUNS,
    ) -> None:
        self.out = Path(out)
        self.parts = self.out / PARTS
        self.header = dict(header)
        self.parameter_dtypes = dict(parameter_dtypes)
        self.flush_seconds = flush_seconds
        self.flush_runs = flush_runs
        self.code = {key: value for key, value in provenance().items() if key in CODE_KEYS}
        previous = self._previous(resume, any_version=any_version)
        self.sessions: list[dict[str, Any]] = previous.get("sessions", [])
        self.compacted = bool(previous.get("complete"))
        self.recorded, self.failed = self._recorded()
        self.skipped = len(self.recorded)
        self.session = len(self.sessions) + 1
        self.executed = 0
        self.executed_failed = 0
        self._buffer: list[RunRecord] = []
        self._flushed = time.monotonic()
        self._began = self._flushed  # reset when the session begins
        self._sequence = 0

    # ---------------------------------------------------------------- opening

    def _previous(self, resume: bool, *, any_version: bool) -> dict[str, Any]:
        """Return the manifest already in ``out`` (empty if none), checking it may be resumed."""
        if self.out.exists() and not self.out.is_dir():
            raise SweepError(f"{self.out} is a file, not a folder; choose another --out")
        if not self.out.exists() or not any(self.out.iterdir()):
            return {}
        if not resume:
            raise SweepError(
                f"{self.out} already holds results; resume them with --resume "
                "(resume=True), or choose another --out folder"
            )
        path = self.out / MANIFEST
        try:
            previous = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise SweepError(
                f"{self.out} is not the output of a sweep (cannot read {path}: {err}); choose "
                "another --out folder"
            ) from None
        if previous.get("kind") != "sweep":
            raise SweepError(f"{self.out} is not the output of a sweep; choose another --out")
        if previous.get("name") != self.header["name"]:
            raise SweepError(
                f"{self.out} holds results of another sweep, {previous.get('name')!r} (source "
                f"{previous.get('source')}), not of {self.header['name']!r}; resume that sweep "
                "from its own file, or run this one into another --out folder"
            )
        if previous.get("spec_hash") != self.header["spec_hash"]:
            raise SweepError(
                f"{self.out} holds results of sweep {previous.get('name')!r} as it was "
                f"(source {previous.get('source')}); the sweep or its base scenario has changed "
                "since, so resuming would mix results. Resume with the original sweep file, "
                "or run the changed sweep into another --out folder"
            )
        recorded_by = {key: previous.get(key) for key in CODE_KEYS}
        if recorded_by != self.code and not any_version:
            changed = ", ".join(
                f"{key} {recorded_by[key]} then, {self.code[key]} now"
                for key in CODE_KEYS
                if recorded_by[key] != self.code[key]
            )
            raise SweepError(
                f"{self.out} holds runs recorded by another version of the code ({changed}); "
                "resuming would mix results of two models. Resume with --force to carry on "
                "anyway, or run the sweep into another --out folder"
            )
        return previous

    def _recorded(self) -> tuple[set[int], int]:
        """Return the run ids recorded in ``out`` and how many of them failed.

        A session that was killed never wrote its counts; they are filled in from its parts.
        """
        if self.compacted:
            runs = pd.read_parquet(self.out / "runs.parquet", columns=["run", "status"])
            frames = [runs.assign(session=0)]
            if self.parts.exists():  # killed after compaction, before the parts were removed
                shutil.rmtree(self.parts)
        else:
            self._drop_uncommitted()
            frames = [
                pd.read_parquet(part, columns=["run", "status"]).assign(session=_session(part))
                for part in self._parts("runs")
            ]
        runs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(_NO_RUNS)
        failed = runs["status"] == "failed"
        for entry in self.sessions:
            if entry["ended_utc"] is None:  # killed: count what its parts hold
                mine = runs["session"] == entry["session"]
                entry.update(
                    recorded=int(mine.sum()), failed=int((mine & failed).sum()), interrupted=True
                )
        return set(runs["run"].tolist()), int(failed.sum())

    def _drop_uncommitted(self) -> None:
        """Remove temporary files and parts of a flush whose runs part was never written."""
        if not self.parts.exists():
            return
        for path in self.parts.glob("*.tmp"):
            path.unlink()
        committed = {_stem(part) for part in self._parts("runs")}
        for path in self.parts.glob("*.parquet"):
            if _stem(path) not in committed:
                path.unlink()

    def _parts(self, table: str) -> list[Path]:
        """Return the part files of a table, in the order they were written."""
        return sorted(self.parts.glob(f"*.{table}.parquet")) if self.parts.exists() else []

    # ---------------------------------------------------------------- a session

    def begin(self, points: pd.DataFrame, *, executor: str) -> None:
        """Start a session: write ``points.parquet`` and the manifest (not complete).

        Args:
            points: The points table.
            executor: How the runs are executed, for the manifest.
        """
        self.parts.mkdir(parents=True, exist_ok=True)
        _write_parquet(points, self.out / POINTS)
        self._began = time.monotonic()
        self.sessions.append(
            {
                "session": self.session,
                "started_utc": _now(),
                "ended_utc": None,
                "seconds": None,
                "executor": executor,
                **self.code,
                "skipped": self.skipped,
                "recorded": None,
                "failed": None,
                "interrupted": None,
            }
        )
        self._write_manifest(complete=False)

    def add(self, record: RunRecord) -> None:
        """Take a finished run; flush to disk if a second has passed or the buffer is full."""
        self._buffer.append(record)
        self.executed += 1
        self.executed_failed += not record.ok
        if (
            len(self._buffer) >= self.flush_runs
            or time.monotonic() - self._flushed >= self.flush_seconds
        ):
            self.flush()

    @property
    def finished(self) -> int:
        """Runs recorded or taken so far, over every session."""
        return self.skipped + self.executed

    @property
    def failures(self) -> int:
        """Failed runs recorded or taken so far, over every session."""
        return self.failed + self.executed_failed

    def flush(self) -> None:
        """Write the buffered runs as one set of parts (failures and steps first, runs last).

        The buffer is emptied before writing: a flush cut short (Ctrl-C mid-write) leaves its
        runs unrecorded, to be run again on resuming, never recorded twice.
        """
        self._flushed = time.monotonic()
        records, self._buffer = self._buffer, []
        if not records:
            return
        self._sequence += 1
        stem = self.parts / f"s{self.session:03d}-{self._sequence:06d}"
        failed = [record for record in records if not record.ok]
        if failed:
            _write_parquet(pd.DataFrame([_failure_row(r) for r in failed]), _part(stem, "failures"))
        steps = [record.steps for record in records if record.steps is not None]
        if steps:
            _write_parquet(pd.concat(steps, ignore_index=True), _part(stem, "steps"))
        _write_parquet(pd.DataFrame([_run_row(r) for r in records]), _part(stem, "runs"))

    def interrupt(self) -> dict[str, Any]:
        """End the session early: flush what finished and mark the manifest incomplete.

        Returns:
            The manifest written.
        """
        self.flush()
        self._end_session(interrupted=True)
        return self._write_manifest(complete=False)

    def finish(self) -> dict[str, Any]:
        """End the session: flush, compact the parts into the tables, remove the parts.

        Returns:
            The manifest written (``complete`` when every run is recorded).

        Raises:
            SweepError: A run was recorded twice (the parts are kept for inspection).
        """
        self.flush()
        self._end_session(interrupted=False)
        if self.compacted:  # resumed a finished sweep: nothing new to compact
            if self.parts.exists() and not any(self.parts.iterdir()):
                self.parts.rmdir()  # made by begin(); nothing ran to fill it
            return self._write_manifest(complete=True)
        metrics = self._metric_columns()
        self.header["metrics"] = metrics
        runs_schema = {
            **IDENTITY,
            "status": TEXT,
            **self.parameter_dtypes,
            **dict.fromkeys(metrics, FLOAT),
        }
        self._compact("runs", runs_schema, check_unique=True)
        self._compact("failures", FAILURE_COLUMNS)
        if self.header.get("record") == "steps":
            steps_schema = {
                **dict.fromkeys(RUN_COLUMNS, INT),
                "scenario": TEXT,
                "seed": INT,
                "step": INT,
                **dict.fromkeys(metrics, FLOAT),
            }
            self._compact("steps", steps_schema, sort=["run", "step"])
        complete = self.finished == self.header["runs"]
        manifest = self._write_manifest(complete=complete)
        if complete:
            shutil.rmtree(self.parts)
        return manifest

    def _end_session(self, *, interrupted: bool) -> None:
        self.sessions[-1].update(
            ended_utc=_now(),
            seconds=round(time.monotonic() - self._began, 3),
            recorded=self.executed,
            failed=self.executed_failed,
            interrupted=interrupted,
        )

    def _write_manifest(self, *, complete: bool) -> dict[str, Any]:
        manifest = {
            **self.header,
            "finished": self.finished,
            "failed": self.failures,
            "complete": complete,
            "metrics": self.header.get("metrics"),
            "sessions": self.sessions,
            **provenance(),
        }
        _write_text(json.dumps(manifest, indent=2, default=str), self.out / MANIFEST)
        return manifest

    # ---------------------------------------------------------------- compaction

    def _metric_columns(self) -> list[str]:
        """Return the metric columns: known from the plan, else as the parts first show them."""
        known = self.header.get("metrics")
        if known is not None:
            return list(known)
        import pyarrow.parquet as pq

        fixed = {*IDENTITY, "status", *self.parameter_dtypes}
        names = (name for part in self._parts("runs") for name in pq.read_schema(part).names)
        return list(dict.fromkeys(name for name in names if name not in fixed))

    def _compact(
        self,
        table: str,
        schema: Mapping[str, str],
        *,
        sort: Iterable[str] = ("run",),
        check_unique: bool = False,
    ) -> None:
        """Write one table's parts into ``OUT/<table>.parquet`` in run order, a block at a time.

        Every block is given the same columns and dtypes (``schema``), so runs executed in any
        order, by any executor, give the same file.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        parts = [(part, _run_range(part)) for part in self._parts(table)]
        target = self.out / f"{table}.parquet"
        temporary = target.with_name(target.name + ".tmp")
        writer = None
        try:
            for start in range(0, self.header["runs"], BLOCK_RUNS):
                stop = start + BLOCK_RUNS
                hits = [part for part, (low, high) in parts if low < stop and high >= start]
                if not hits:
                    continue
                window = [("run", ">=", start), ("run", "<", stop)]
                frame = pd.concat([pd.read_parquet(p, filters=window) for p in hits])
                if check_unique and frame["run"].duplicated().any():
                    twice = sorted(set(frame.loc[frame["run"].duplicated(), "run"]))
                    raise SweepError(f"runs recorded twice in {self.parts}: {twice[:10]}")
                block = pa.Table.from_pandas(
                    _conform(frame, schema).sort_values(list(sort), kind="stable"),
                    preserve_index=False,
                )
                writer = writer or pq.ParquetWriter(temporary, block.schema)
                writer.write_table(block)
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            _conform(pd.DataFrame(), schema).to_parquet(temporary, index=False)
        os.replace(temporary, target)


def _conform(frame: pd.DataFrame, schema: Mapping[str, str]) -> pd.DataFrame:
    """Return ``frame`` with exactly the columns of ``schema``, in order, with its dtypes."""
    return frame.reindex(columns=list(schema)).astype(dict(schema))


def _run_range(part: Path) -> tuple[int, int]:
    """Return the smallest and largest run id in a part file."""
    runs = pd.read_parquet(part, columns=["run"])["run"]
    return int(runs.min()), int(runs.max())


def _run_row(record: RunRecord) -> dict[str, Any]:
    task = record.task
    return {
        **_identity(record),
        "status": "ok" if record.ok else "failed",
        **task.parameters,
        **(record.metrics or {}),
    }


def _failure_row(record: RunRecord) -> dict[str, Any]:
    return {
        **_identity(record),
        "parameters": json.dumps(record.task.parameters),
        "error": record.error,
        "message": record.message,
        "traceback": record.traceback,
    }


def _identity(record: RunRecord) -> dict[str, int]:
    return {name: getattr(record.task, name) for name in IDENTITY}


def _part(stem: Path, table: str) -> Path:
    return stem.with_name(f"{stem.name}.{table}.parquet")


def _session(part: Path) -> int:
    """Return the session that wrote a part: 1 for ``s001-000042.runs.parquet``."""
    return int(part.name[1:].split("-", 1)[0])


def _stem(part: Path) -> str:
    """Return the flush a part belongs to: ``s001-000042`` of ``s001-000042.runs.parquet``."""
    return part.name.split(".", 1)[0]


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a table atomically: to a temporary name, then renamed over ``path``."""
    temporary = path.with_name(path.name + ".tmp")
    frame.to_parquet(temporary, index=False)
    os.replace(temporary, path)


def _write_text(text: str, path: Path) -> None:
    """Write a text file atomically: to a temporary name, then renamed over ``path``."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
