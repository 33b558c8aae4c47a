"""The generated parameter reference is committed, complete, and the schema documents itself."""

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.paramdoc import COMMAND, render, source_keys
from sim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "parameters.md"


def _unwrap(annotation):
    """Return X for X | None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _model(annotation) -> tuple[type[BaseModel] | None, str]:
    """Return (section class, path suffix) if the annotation is a section or a list of them."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item, "[]"
    return None, ""


def leaves(
    model: type[BaseModel] = Scenario, path: str = ""
) -> Iterator[tuple[str, str, FieldInfo]]:
    """Yield (section path, key, field) for every leaf field of the schema, walked independently."""
    for name, field in model.model_fields.items():
        child, suffix = _model(field.annotation)
        if child is None:
            yield path, name, field
        else:
            yield from leaves(child, f"{path}.{name}{suffix}" if path else f"{name}{suffix}")


def documented(text: str) -> dict[str, dict[str, list[str]]]:
    """Parse the reference: section path -> key -> the cells of its row."""
    tables: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        heading = re.fullmatch(r"## (?:`(.+)`|Top level)", line)
        if heading:
            current = tables.setdefault(heading[1] or "", {})
        elif current is not None and (row := re.fullmatch(r"\| `(\w+)` \|(.*)\|", line)):
            current[row[1]] = [cell.strip() for cell in row[2].split(" | ")]
    return tables


def test_committed_reference_is_up_to_date():
    assert REFERENCE.exists(), f"docs/parameters.md is missing; generate it with: {COMMAND}"
    assert REFERENCE.read_text(encoding="utf-8") == render(), (
        f"docs/parameters.md is out of date with sim/scenario.py; regenerate it with: {COMMAND}"
    )


def test_every_leaf_field_is_documented():
    tables = documented(render())
    missing = [
        f"{path}.{key}" if path else key
        for path, key, _ in leaves()
        if key not in tables.get(path, {})
    ]
    assert not missing, f"fields missing from the parameter reference: {missing}"


def test_every_numeric_field_has_a_unit_and_a_description():
    bad = []
    for path, key, field in leaves():
        annotation = _unwrap(field.annotation)
        if annotation not in (int, float):
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if not extra.get("unit") or not (field.description or "").strip():
            bad.append(f"{path}.{key}" if path else key)
    assert not bad, f"numeric fields without a unit or description (use sim.scenario.param): {bad}"


def test_every_cited_source_is_explained():
    known = {key for key, _ in source_keys()}
    cited = {
        extra["source"]
        for _, _, field in leaves()
        if isinstance(extra := field.json_schema_extra, dict) and "source" in extra
    }
    assert known, "no source keys found in the sim.scenario docstring"
    assert cited <= known, f"sources cited but not explained in sim.scenario: {cited - known}"


def test_rows_show_defaults_bounds_units_and_choices():
    tables = documented(render())
    # columns after the key: default, unit, bounds, description, source
    assert tables["pilots"]["base_success"][:3] == ["`0.35`", "probability", "(0, 1)"]
    assert tables["time"]["steps"][2] == "[1, 2000]"
    assert tables["cities[]"]["annual_budget"][2] == "[0, ∞)"
    assert tables["negotiation"]["protocol"][2] == "one of `zeuthen`, `alternating`"
    assert tables["incentives"]["testbed"][:3] == ["`false`", "-", "`true`, `false`"]
    # a section's defaults are those its parent sets, not the class defaults
    assert tables["objectives.firm"]["profit"][0] == "`0.7`"
    assert tables["objectives"]["firm"][0] == "see `objectives.firm`"
