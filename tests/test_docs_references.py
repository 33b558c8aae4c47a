"""The README and docs/ name only code and files that exist.

The pages cite the code that holds each rule (ODD.md's ``[`sim/model/proposals.py` `propose`]``),
files to run or read, dotted names (``sim.experiments.calibration.candidate``) and methods
(``Organisation.accept``). Code moves and is renamed; a page that still names the old place
sends its reader to nothing. Four kinds of reference are checked, each as written in backticks:

* a repository path (``sim/...``, ``scenarios/...``, ``tests/...``, ...), with ``{a,b}``
  expanded and a placeholder (``NAME``, ``<...>``, ``*``) matched as a prefix;
* a module path followed by names (``sim/x.py`` ``f``, ``g``): each is defined in that file;
* a dotted ``sim.`` name: it imports, attribute by attribute;
* ``Class.member`` for a class of the package: the class or one of its bases defines the
  member (a method, a class attribute or an attribute set on ``self``).
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PATH = re.compile(r"`((?:sim|scenarios|tests|benchmarks|notebooks|scripts|docs)/[^`\s]*)`")
NAMED = re.compile(r"`(sim/[\w/]+\.py)`((?:,? `[A-Za-z_][\w.]*`)+)")
DOTTED = re.compile(r"`(sim(?:\.\w+)+)`")
MEMBER = re.compile(r"`([A-Z]\w+)\.([a-z_]\w*)(?:\(\))?`")
PLACEHOLDER = re.compile(r"NAME|SCENARIO|[<*]")


def expand(path: str) -> list[str]:
    """Return the paths a shell would make of ``{a,b}`` in ``path``."""
    brace = re.search(r"\{([^}]*)\}", path)
    if brace is None:
        return [path]
    return [
        whole
        for alternative in brace.group(1).split(",")
        for whole in expand(path[: brace.start()] + alternative + path[brace.end() :])
    ]


def exists(path: str) -> bool:
    """Whether ``path`` (relative to the repository) exists; a placeholder matches a prefix."""
    path = path.rstrip(".,:;").split(":")[0]
    placeholder = PLACEHOLDER.search(path)
    if placeholder is None:
        return (ROOT / path).exists()
    stem = path[: placeholder.start()]
    folder, _, prefix = stem.rpartition("/")
    return any(p.name.startswith(prefix) for p in (ROOT / folder).iterdir())


def targets(node: ast.AST) -> list[ast.expr]:
    """What an assignment assigns to (nothing for any other node)."""
    if isinstance(node, ast.Assign):
        return node.targets
    return [node.target] if isinstance(node, ast.AnnAssign) else []


def defined_names(tree: ast.AST) -> set[str]:
    """Functions, classes and assigned names anywhere in a module."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        else:
            names.update(t.id for t in targets(node) if isinstance(t, ast.Name))
    return names


@cache
def classes() -> dict[str, tuple[set[str], list[str]]]:
    """Every class of the package by name: its members and the names of its bases."""
    found: dict[str, tuple[set[str], list[str]]] = {}
    for module in (ROOT / "sim").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            members, bases = found.setdefault(node.name, (set(), []))
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    members.add(item.name)
                else:
                    members.update(t.id for t in targets(item) if isinstance(t, ast.Name))
            members.update(
                target.attr
                for item in ast.walk(node)
                for target in targets(item)
                if isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            )
            bases.extend(
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            )
    return found


def members(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """A class's members with those of its bases (by name, within the package)."""
    if name not in classes() or name in seen:
        return set()
    own, bases = classes()[name]
    return own.union(*(members(base, seen | {name}) for base in bases))


def importable(dotted: str) -> bool:
    """Whether ``sim.a.b.c`` names a module or an attribute reachable from one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                target = getattr(target, attribute)
        except AttributeError:
            return False
        return True
    return False


def broken(text: str) -> list[str]:
    """Return the references in a page's text that name nothing (the module docstring)."""
    wrong = [path for m in PATH.finditer(text) for path in expand(m.group(1)) if not exists(path)]
    for m in NAMED.finditer(text):
        module = ROOT / m.group(1)
        if not module.exists():
            continue  # reported as a path
        names = defined_names(ast.parse(module.read_text(encoding="utf-8")))
        wrong += [
            f"{m.group(1)} {name}"
            for name in re.findall(r"`([^`]+)`", m.group(2))
            if name.split(".")[-1] not in names
        ]
    wrong += [m.group(1) for m in DOTTED.finditer(text) if not importable(m.group(1))]
    wrong += [
        f"{cls}.{member}"
        for cls, member in MEMBER.findall(text)
        if cls in classes() and member not in members(cls)
    ]
    return wrong


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_names_only_code_and_files_that_exist(page: Path) -> None:
    assert broken(page.read_text(encoding="utf-8")) == []


def test_each_kind_of_wrong_reference_is_found() -> None:
    # what ODD.md said before the code moved or was named otherwise, one of each kind
    text = (
        "[`sim/model/model.py` `run_call`, `propose`] `sim/model/gone.py` "
        "`scenarios/finance/{grant,loan}.yaml` `sim.experiments.calibration.nowhere` "
        "`Organisation.accepts` `Organisation.accept` `PartnershipModel.now`"
    )
    assert broken(text) == [
        "sim/model/gone.py",
        "scenarios/finance/loan.yaml",
        "sim/model/model.py run_call",
        "sim/model/model.py propose",
        "sim.experiments.calibration.nowhere",
        "Organisation.accepts",
    ]
