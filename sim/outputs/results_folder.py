"""Reading a comparison's results folder for its report, with one-line errors.

:func:`read_results` checks the folder (:func:`check_folder`: the files ``partnersim compare``
writes, a manifest that describes its scenarios, a step table with its columns) before anything
is built; :func:`read_indices` reads a sensitivity analysis's ``indices.csv``. Each refusal is a
:class:`ResultsError` naming the folder or file and what is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.outputs.cells import count

if TYPE_CHECKING:
    import pandas as pd

    from sim.runs.compare import Comparison

REQUIRED_FILES: tuple[str, ...] = ("manifest.json", "steps.parquet")
"""Files of a comparison folder the report reads (``partnersim compare`` writes them)."""

STEP_COLUMNS: tuple[str, ...] = ("scenario", "replicate", "step")
"""Columns the step table must have."""


class ResultsError(ValueError):
    """A results folder the report cannot use; ``str()`` is one line naming folder and problem."""

    def __init__(self, folder: Path, problem: str) -> None:
        """Name the folder (or file) and what is wrong with it."""
        super().__init__(f"{folder}: {problem}")


def check_folder(folder: str | Path) -> dict[str, Any]:
    """Check that ``folder`` holds a comparison's results and return its manifest.

    Only the standard library is used, so bad input is refused before anything heavy loads.

    Args:
        folder: The folder ``partnersim compare --out`` wrote.

    Returns:
        The manifest.

    Raises:
        ResultsError: The folder does not exist, lacks ``manifest.json`` or ``steps.parquet``,
            or its manifest is not a comparison's (no ``scenarios`` list).
    """
    folder = Path(folder)
    if not folder.is_dir():
        problem = "not a folder" if folder.exists() else "no such folder"
        raise ResultsError(folder, f"{problem}; expected the output folder of partnersim compare")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ResultsError(
            folder,
            f"not a compare results folder: {' and '.join(missing)} missing "
            "(partnersim compare --out writes manifest.json and steps.parquet)",
        )
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(path, f"not valid JSON ({err})") from None
    scenarios = manifest.get("scenarios") if isinstance(manifest, dict) else None
    if not isinstance(scenarios, list) or not scenarios:
        raise ResultsError(
            path,
            "no 'scenarios' list: not written by partnersim compare (partnersim run writes "
            "one scenario's folder; compare writes the folder a report needs)",
        )
    bad = [i for i, entry in enumerate(scenarios) if not _is_entry(entry)]
    if bad:
        raise ResultsError(path, f"scenarios[{bad[0]}] lacks 'name' or the resolved 'scenario'")
    return manifest


def _is_entry(entry: Any) -> bool:
    """Tell whether a manifest's scenario entry has a name and a resolved scenario."""
    return isinstance(entry, dict) and "name" in entry and isinstance(entry.get("scenario"), dict)


def read_results(folder: str | Path) -> Comparison:
    """Read a comparison's results for a report, checking what the report needs.

    Args:
        folder: The folder ``partnersim compare --out`` wrote.

    Returns:
        The comparison.

    Raises:
        ResultsError: See :func:`check_folder`; also a step table without the columns
            scenario, replicate and step, or without rows for a scenario of the manifest.
    """
    folder = Path(folder)
    check_folder(folder)
    from sim.runs.compare import Comparison

    comparison = Comparison.read(folder)
    steps = comparison.tables["steps"]
    lacking = [name for name in STEP_COLUMNS if name not in steps.columns]
    if lacking:
        raise ResultsError(folder / "steps.parquet", f"columns missing: {', '.join(lacking)}")
    absent = [name for name in comparison.scenarios if name not in set(steps["scenario"])]
    if absent:
        raise ResultsError(
            folder / "steps.parquet",
            f"no rows for {count(len(absent), 'scenario')} of manifest.json: {', '.join(absent)}",
        )
    return comparison


INDEX_FILE_COLUMNS: tuple[str, ...] = ("metric", "parameter", "index", "value")
"""Columns the report reads from a sensitivity analysis's ``indices.csv``."""


def read_indices(path: str | Path) -> pd.DataFrame:
    """Read ``indices.csv`` of ``partnersim sensitivity`` (or the folder that holds it).

    Raises:
        ResultsError: No such file, or it lacks the columns :data:`INDEX_FILE_COLUMNS`.
    """
    import pandas as pd

    path = Path(path)
    file = path / "indices.csv" if path.is_dir() else path
    if not file.is_file():
        raise ResultsError(file, "no such file; expected indices.csv of partnersim sensitivity")
    try:
        table = pd.read_csv(file)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise ResultsError(file, f"not a readable CSV file ({err})") from None
    lacking = [name for name in INDEX_FILE_COLUMNS if name not in table.columns]
    if lacking:
        raise ResultsError(file, f"columns missing: {', '.join(lacking)} (not indices.csv?)")
    return table
