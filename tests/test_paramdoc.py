"""The generated parameter reference is committed, complete, and the schema documents itself."""

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

import sim.docking.schema
import sim.scenario.schema
from sim.cli.reference import COMMAND, SCHEMAS, reference
from sim.docking.schema import DockingScenario
from sim.scenario.reference import source_keys
from sim.scenario.schema import Scenario

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


LABELS = {Scenario: "", DockingScenario: "docking"}
"""Heading label of each schema's part of the reference."""


def leaves(
    model: type[BaseModel] = Scenario, path: str = ""
) -> Iterator[tuple[str, str, FieldInfo]]:
    """Yield (section path, key, field) for every leaf field of the schema, walked independently.

    Keys are as written in a file (a field's alias when it has one).
    """
    for name, field in model.model_fields.items():
        key = field.alias or name
        child, suffix = _model(field.annotation)
        if child is None:
            yield path, key, field
        else:
            yield from leaves(child, f"{path}.{key}{suffix}" if path else f"{key}{suffix}")


def all_leaves() -> Iterator[tuple[str, str, FieldInfo]]:
    """Leaves of every documented schema; paths outside the model carry their label."""
    for model, label in LABELS.items():
        for path, key, field in leaves(model):
            yield (f"{label}:{path}" if label else path), key, field


def documented(text: str) -> dict[str, dict[str, list[str]]]:
    """Parse the reference: section path (``label:path`` outside the model) -> key -> cells."""
    tables: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        heading = re.fullmatch(r"## (?:(\w+): )?(?:`(.+)`|[Tt]op level)", line)
        if heading:
            label = f"{heading[1]}:" if heading[1] else ""
            current = tables.setdefault(label + (heading[2] or ""), {})
        elif current is not None and (row := re.fullmatch(r"\| `(\w+)` \|(.*)\|", line)):
            current[row[1]] = [cell.strip() for cell in row[2].split(" | ")]
    return tables


def test_committed_reference_is_up_to_date():
    assert REFERENCE.exists(), f"docs/parameters.md is missing; generate it with: {COMMAND}"
    assert REFERENCE.read_text(encoding="utf-8") == reference(), (
        "docs/parameters.md is out of date with sim/scenario/schema.py; "
        f"regenerate it with: {COMMAND}"
    )


def test_every_leaf_field_is_documented():
    tables = documented(reference())
    missing = [
        f"{path}.{key}" if path else key
        for path, key, _ in all_leaves()
        if key not in tables.get(path, {})
    ]
    assert not missing, f"fields missing from the parameter reference: {missing}"


def test_every_numeric_field_has_a_unit_and_a_description():
    bad = []
    for path, key, field in all_leaves():
        annotation = _unwrap(field.annotation)
        if annotation not in (int, float):
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        if not extra.get("unit") or not (field.description or "").strip():
            bad.append(f"{path}.{key}" if path else key)
    assert not bad, (
        f"numeric fields without a unit or description (use sim.scenario.fields.param): {bad}"
    )


def test_every_field_shows_what_it_allows():
    """Every scenario field but free text shows its bounds or choices; every number its unit."""
    tables = documented(reference())
    no_bounds, no_unit = [], []
    for path, key, field in leaves(Scenario):
        annotation = _unwrap(field.annotation)
        if annotation is str or _model(field.annotation)[0] is not None:
            continue
        unit, bounds = tables[path][key][1:3]
        numeric = annotation in (int, float) or typing.get_origin(annotation) is dict
        no_bounds += [f"{path}.{key}"] if bounds == "-" else []
        no_unit += [f"{path}.{key}"] if numeric and unit == "-" else []
    assert not no_bounds, f"fields without bounds or choices in the reference: {no_bounds}"
    assert not no_unit, f"numeric fields without a unit in the reference: {no_unit}"


def test_every_cited_source_is_explained():
    known = {key for schema in SCHEMAS for key, _ in source_keys(schema.module)}
    cited = {
        extra["source"]
        for _, _, field in all_leaves()
        if isinstance(extra := field.json_schema_extra, dict) and "source" in extra
    }
    assert {key for key, _ in source_keys()} >= {"DOMAIN", "GREAT-SKIN", "ASSUMPTION"}
    assert cited <= known, f"sources cited but not explained in a schema module: {cited - known}"


def test_source_keys_join_continued_lines():
    (wang,) = source_keys(sim.docking.schema)
    assert wang[0] == "WANG-2023"
    assert wang[1].startswith('Wang, Jia, He, Wang and Huang (2023), "Engaging stakeholders')
    assert wang[1].endswith("j.jclepro.2023.138074 (payoff table of the authors' script).")
    assert "  " not in wang[1]
    assert [key for key, _ in source_keys(sim.scenario.schema)][:2] == ["DOMAIN", "GREAT-SKIN"]


def test_rows_show_defaults_bounds_units_and_choices():
    tables = documented(reference())
    # columns after the key: default, unit, bounds, description, source
    assert tables["pilots"]["base_success"][:3] == ["`0.35`", "probability", "(0, 1)"]
    assert tables["time"]["steps"][2] == "[1, 2000]"
    assert tables["cities[]"]["annual_budget"][2] == "[0, 1e+12]"
    assert tables["negotiation"]["protocol"][2] == "one of `zeuthen`, `alternating`"
    assert tables["incentives"]["testbed"][:3] == ["`false`", "-", "`true`, `false`"]
    assert tables["cities[]"]["priorities"][1:3] == ["1", "each value in [0, 1000]"]
    # the finance fields of issue 13
    assert tables["finance.savings"]["multiple_mean"][:3] == ["`1.6`", "EUR/EUR", "(0, 20]"]
    assert tables["finance.blended"]["hurdle"][1:3] == ["1/year", "[-0.99, 1]"]
    assert tables["finance"]["public_discount_rate"][1:3] == ["1/year", "[0, 0.2]"]
    assert tables["finance"]["screens"][2] == "`true`, `false`"
    assert tables["politics"]["budget_volatility"][1:3] == ["1", "[0, 2]"]
    assert tables["politics"]["mean_reversion"][1:3] == ["1", "[0, 1]"]
    # a section's defaults are those its parent sets, not the class defaults
    assert tables["objectives.firm"]["profit"][0] == "`0.7`"
    assert tables["objectives"]["firm"][0] == "see `objectives.firm`"


def test_docking_rows_show_required_fields_aliases_and_own_defaults():
    tables = documented(reference())
    assert tables["docking:"]["kind"][:3] == [
        "required",
        "-",
        "one of `three_population`, `inspection`",
    ]
    assert tables["docking:"]["sizes"][0] == "`[100, 1000, 10000]`"
    assert tables["docking:enterprise"]["eA"] == [
        "required",
        "1",
        "[0, 1]",
        "Abatement effort level of a controlling enterprise.",
        "WANG-2023",
    ]
    # the psychological loss is written `lambda` in a file (a Python keyword, so an alias)
    assert tables["docking:public"]["lambda"][1:3] == ["1", "[0, ∞)"]
    assert "lambda_" not in tables["docking:public"]
    assert tables["docking:inspection"]["y0"][:3] == ["`0.4`", "share", "(0, 1)"]
    # the model scenario's top level is not mixed up with the docking one
    assert "kind" not in tables[""] and "time" in tables[""]
