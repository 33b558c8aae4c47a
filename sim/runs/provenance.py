"""Provenance stamped on every result: versions, git hash, platform, time."""

from __future__ import annotations

import datetime as dt
import functools
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path


@functools.cache
def package_version(name: str) -> str:
    """Return an installed distribution's version, or "unknown" (read once per process)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git(*args: str, where: Path) -> str:
    """Run a git command in ``where`` and return its output."""
    return subprocess.run(
        ["git", *args], cwd=where, capture_output=True, text=True, check=True, timeout=5
    ).stdout.strip()


@functools.cache
def git_revision(path: Path | None = None) -> str:
    """Return the git commit of the source tree (with "+dirty" if it has changes), or "unknown".

    Read once per process, at its first run (two ``git`` subprocesses, some 10 ms of wall time,
    that every run of a comparison paid): a process runs the code it imported, which a later
    edit or commit in the checkout does not change.
    """
    where = path or Path(__file__).resolve().parent
    try:
        head = _git("rev-parse", "HEAD", where=where)
        dirty = _git("status", "--porcelain", "--untracked-files=no", where=where)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def provenance() -> dict[str, str]:
    """Return the software environment of a run, for its manifest."""
    return {
        "partnersim_version": package_version("partnersim"),
        "git_revision": git_revision(),
        "mesa_version": package_version("mesa"),
        "numpy_version": package_version("numpy"),
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_manifest(folder: Path, kind: str, **fields: object) -> Path:
    """Write ``manifest.json`` into ``folder``: what was made (``kind``), from what, provenance.

    For outputs that have no manifest of their own (a docking, an analysis of a sweep): it marks
    the folder as partnersim results, so that ``--force`` may replace it (:mod:`sim.runs.outdir`).

    Args:
        folder: The output folder.
        kind: What the folder holds, e.g. ``"docking"``.
        **fields: Further entries (JSON-serialisable, or written as text).

    Returns:
        The manifest's path.
    """
    path = folder / "manifest.json"
    manifest = {"kind": kind, **fields, **provenance()}
    path.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return path
