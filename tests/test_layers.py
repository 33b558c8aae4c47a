"""The package's architecture, held by its own imports.

Every import of a ``sim`` module counts: at module level, inside functions and under
``TYPE_CHECKING`` (a circle hidden behind them is still a circle). Two rules:

1. No import circles among ``sim`` modules, inside a wing or between wings.
2. Imports point down the wings' order: a module may import its own wing and the wings below
   it, never a wing above it or one beside it on the same floor.

The order is stated once, here, in :data:`FLOORS`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"

FLOORS: tuple[tuple[str, ...], ...] = (
    ("scenario",),
    ("finance",),
    ("model",),
    ("runs",),
    ("experiments",),
    ("outputs",),
    ("docking", "app"),
    ("cli",),
)
"""The wings from the floor up: a wing may import only its own and the floors below it."""

FLOOR = {wing: level for level, wings in enumerate(FLOORS) for wing in wings}


def module_name(path: Path, root: Path) -> str:
    """Return the dotted module name of a file under ``root``'s parent."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Return every module of the package by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Return the package's modules that a file imports, wherever the import stands."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            # the longest known module the name starts with: "sim.model.agents.Firm" is
            # sim.model.agents; a package's own name counts as its __init__
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    """Return each module's imports of other modules of the package."""
    mods = modules(root)
    known = set(mods)
    return {name: imports(path, name, known) for name, path in mods.items()}


def wing(module: str) -> str | None:
    """Return the wing a module belongs to (None for the package's own ``__init__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the import circles: strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward(edges: dict[str, set[str]]) -> list[str]:
    """Return every import from a wing to a higher wing or one beside it, as sentences."""
    wrong = []
    for src, targets in sorted(edges.items()):
        src_wing = wing(src)
        if src_wing is None:
            continue  # the package's own __init__ is the public API over every wing
        for dst in sorted(targets):
            dst_wing = wing(dst)
            if dst_wing is None:
                wrong.append(f"{src} imports the package root `sim`; import the wing it needs")
            elif dst_wing != src_wing and FLOOR[dst_wing] >= FLOOR[src_wing]:
                where = "above" if FLOOR[dst_wing] > FLOOR[src_wing] else "beside"
                wrong.append(f"{src} ({src_wing}) imports {dst} ({dst_wing}, a wing {where} it)")
    return wrong


def test_every_wing_has_a_floor():
    wings = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    odd = wings ^ set(FLOOR)
    assert not odd, f"wings without a floor or floors without a wing: {odd}"


def test_no_module_outside_a_wing():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"modules outside a wing: {loose}"


def test_no_import_circles():
    found = circles(graph(PACKAGE))
    assert not found, "import circles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_imports_point_down():
    wrong = upward(graph(PACKAGE))
    assert not wrong, "imports against the wings' order:\n" + "\n".join(wrong)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A tiny package with two wings to check that the checks can fail."""
    root = tmp_path / "sim"
    for wing_name in ("scenario", "model"):
        (root / wing_name).mkdir(parents=True)
        (root / wing_name / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    return root


def test_a_circle_behind_type_checking_is_found(scratch: Path):
    (scratch / "model" / "a.py").write_text("from sim.model.b import x\n")
    (scratch / "model" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.model import a\n"
    )
    assert circles(graph(scratch)) == [["sim.model.a", "sim.model.b"]]


def test_an_import_inside_a_function_pointing_up_is_found(scratch: Path):
    (scratch / "model" / "a.py").write_text("x = 1\n")
    (scratch / "scenario" / "s.py").write_text("def f():\n    from sim.model.a import x\n")
    assert upward(graph(scratch)) == [
        "sim.scenario.s (scenario) imports sim.model.a (model, a wing above it)"
    ]
