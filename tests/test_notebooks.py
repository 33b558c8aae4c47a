"""Every notebook in notebooks/ runs from top to bottom, at small sizes, without an error.

Each notebook has one code cell tagged ``parameters`` holding its sizes; the test appends the
small values of :data:`CI_PARAMETERS` to that cell and executes the notebook with nbclient in a
fresh ``python3`` kernel (this environment's ipykernel), from the ``notebooks/`` folder as
Jupyter would. A notebook added to the folder is picked up here, and fails until its small sizes
are listed below.
"""

import ast
import json

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

CI_PARAMETERS: dict[str, dict[str, object]] = {
    "01_quickstart": {"REPLICATES": 2, "STEPS": 8},
    "02_finance_comparison": {"RESULTS": None, "REPLICATES": 2, "STEPS": 20},
    "03_sweeps_and_sensitivity": {
        "TRAJECTORIES": 2,
        "LHS_POINTS": 8,
        "REPLICATES": 1,
        "STEPS": 24,
        "RUN_ON_DASK": False,
    },
    "04_validation": {
        "SIZES": [100, 300],
        "SEEDS": 1,
        "INSPECTION_SIZES": [100],
        "INSPECTION_SEEDS": 1,
    },
    "05_robust_choice": {
        "FUTURES": 6,
        "REPLICATES": 1,
        "WORKERS": 1,
        "SEARCH_FUTURES": 2,
        "SEARCH_EVALUATIONS": 4,
    },
}
"""Small sizes for each notebook, by file stem: what CI runs instead of the defaults."""

CELL_TIMEOUT = 300
"""Seconds a cell may take before the run fails."""


def parameters_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return the notebook's one code cell tagged ``parameters``."""
    cells = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", [])
    ]
    assert len(cells) == 1, f"expected one code cell tagged 'parameters', found {len(cells)}"
    return cells[0]


def assigned_names(source: str) -> set[str]:
    """Return the names a cell assigns at top level."""
    return {
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


def shrink(notebook: nbformat.NotebookNode, values: dict[str, object]) -> None:
    """Set the parameters cell's names to ``values`` (which it must all define)."""
    cell = parameters_cell(notebook)
    unknown = set(values) - assigned_names(cell.source)
    assert not unknown, f"the parameters cell does not define {sorted(unknown)}"
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    cell.source = cell.source.rstrip() + "\n\n# CI: small sizes\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    assert path.stem in CI_PARAMETERS, f"add the small sizes of {path.name} to CI_PARAMETERS"
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells), (
        "store notebooks without outputs"
    )
    shrink(notebook, CI_PARAMETERS[path.stem])
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # anything the notebook writes goes here
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    client.execute()  # raises CellExecutionError naming the cell on the first failure
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert images, "the notebook drew no figure"
    stderr = [output.text for output in outputs if output.get("name") == "stderr"]
    assert not stderr, f"the notebook wrote to stderr: {json.dumps(stderr)[:500]}"
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == before, "the notebook left files"
