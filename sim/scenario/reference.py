"""The parameter reference, generated from scenario schemas.

:func:`render` walks each given :class:`Schema` (a pydantic model with its nested sections and
lists of sections such as ``cities[]``) and returns Markdown with one table per section: key,
default, unit, bounds, description and source of every field. Units and sources come from each
field's ``json_schema_extra`` (see :func:`sim.scenario.fields.param`), bounds from its
``ge``/``gt``/``le``/``lt`` constraints or, for literals and booleans, the allowed values.
Defaults are those of the default scenario at each key path, so a section whose parent overrides
its defaults (the sector objectives) shows the values that actually apply; a schema without a
default instance (a docking scenario must name its game) shows each field's own default, or
``required``.

Which schemas the committed reference documents, and the command that regenerates it, live at
the top of the package (:mod:`sim.cli.reference`), since one of them is the docking schema.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

import sim.scenario.schema
from sim.scenario.files import bound_text
from sim.scenario.schema import Scenario

COLUMNS: tuple[str, ...] = ("key", "default", "unit", "bounds", "description", "source")
"""Columns of every section's table."""

NONE = "-"
"""What a cell shows when a field has nothing to say there."""

REQUIRED = "required"
"""What the default cell shows for a field a scenario file must set."""


@dataclass(frozen=True)
class Schema:
    """One scenario schema the reference documents.

    Attributes:
        title: Heading of its part of the reference.
        model: Its top-level pydantic model.
        module: The module whose docstring lists the short source keys it cites.
        label: Prefix of its section headings (empty for the model scenario), so that key
            paths of different schemas never share a heading.
        intro: What files it validates, one paragraph.
    """

    title: str
    model: type[BaseModel]
    module: types.ModuleType
    label: str
    intro: str


@dataclass(frozen=True)
class SectionDoc:
    """One section of the schema at one key path.

    Attributes:
        path: Key path, e.g. ``"pilots"``, ``"cities[]"`` or ``"objectives.firm"``; ``""`` for
            the top level.
        model: The section's pydantic model class.
        defaults: The section's default instance at this path (its parent may override the
            class defaults), or None when it has required fields.
    """

    path: str
    model: type[BaseModel]
    defaults: BaseModel | None


def strip_optional(annotation: Any) -> Any:
    """Return ``X`` for ``X | None`` (or ``Optional[X]``), else the annotation unchanged."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def section_class(annotation: Any) -> type[BaseModel] | None:
    """Return the model class if ``annotation`` is a section, else None."""
    annotation = strip_optional(annotation)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    return None


def list_item_class(annotation: Any) -> type[BaseModel] | None:
    """Return the item model class if ``annotation`` is a list of sections, else None."""
    annotation = strip_optional(annotation)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return section_class(item)
    return None


def _join(path: str, key: str) -> str:
    """Return the key path of ``key`` inside the section at ``path``."""
    return f"{path}.{key}" if path else key


def sections(
    model: type[BaseModel] = Scenario, path: str = "", defaults: BaseModel | None = None
) -> Iterator[SectionDoc]:
    """Yield every section of a schema, depth first, in field declaration order.

    Args:
        model: The section class to start from.
        path: Its key path (``""`` for the top level).
        defaults: Its default instance; ``model()`` when not given (None when the model has
            required fields).

    Yields:
        The section itself, then its subsections; a list of sections appears once, as
        ``path[]``, with the defaults of one new item.
    """
    defaults = _default_instance(model) if defaults is None else defaults
    yield SectionDoc(path, model, defaults)
    for name, field in model.model_fields.items():
        key = field.alias or name
        child = section_class(field.annotation)
        if child is not None:
            value = None if defaults is None else getattr(defaults, name)
            yield from sections(child, _join(path, key), value)
            continue
        item = list_item_class(field.annotation)
        if item is not None:
            yield from sections(item, _join(path, key) + "[]")


def _default_instance(model: type[BaseModel]) -> BaseModel | None:
    """Return ``model()``, or None when some field has no default."""
    if any(field.is_required() for field in model.model_fields.values()):
        return None
    return model()


def _number(value: float) -> str:
    """Format a bound as error messages do (:func:`bound_text`), infinities as the symbol."""
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return bound_text(value)


def _bounds(field: FieldInfo) -> str:
    """Return a field's allowed values: an interval, a list of choices, or a length rule."""
    annotation = strip_optional(field.annotation)
    choices = _literal_values(annotation)
    if choices is not None:
        listed = ", ".join(f"`{_yaml(c)}`" for c in choices)
        return (
            f"one of {listed}" if typing.get_origin(annotation) is Literal else f"list of {listed}"
        )
    if annotation is bool:
        return "`true`, `false`"
    if typing.get_origin(annotation) is dict:
        values = _bounds(FieldInfo.from_annotation(typing.get_args(annotation)[1]))
        return NONE if values == NONE else f"each value in {values}"
    low = high = None
    low_open = high_open = False
    rules: list[str] = []
    for constraint in field.metadata:  # annotated_types constraints, read by attribute
        if getattr(constraint, "ge", None) is not None:
            low = constraint.ge
        elif getattr(constraint, "gt", None) is not None:
            low, low_open = constraint.gt, True
        elif getattr(constraint, "le", None) is not None:
            high = constraint.le
        elif getattr(constraint, "lt", None) is not None:
            high, high_open = constraint.lt, True
        elif getattr(constraint, "min_length", None) is not None:
            rules.append(f"at least {_entries(constraint.min_length)}")
        elif getattr(constraint, "max_length", None) is not None:
            rules.append(f"at most {_entries(constraint.max_length)}")
    if low is not None or high is not None:
        opening = "(" if low is None or low_open else "["
        closing = ")" if high is None or high_open else "]"
        left = "-∞" if low is None else _number(low)
        right = "∞" if high is None else _number(high)
        rules.insert(0, f"{opening}{left}, {right}{closing}")
    return "; ".join(rules) if rules else NONE


def _entries(count: int) -> str:
    """Return ``"1 entry"`` or ``"n entries"``."""
    return f"{count} entry" if count == 1 else f"{count} entries"


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    """Return the allowed values of a ``Literal`` or a list of one, else None."""
    if typing.get_origin(annotation) is Literal:
        return typing.get_args(annotation)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if typing.get_origin(item) is Literal:
            return typing.get_args(item)
    return None


def _yaml(value: Any) -> str:
    """Format a default as it would be written in a scenario file (YAML flow style)."""
    if isinstance(value, BaseModel):
        return _yaml(value.model_dump(mode="json"))
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return value if re.fullmatch(r"[A-Za-z_][\w-]*", value) else json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _cell(text: str) -> str:
    """Escape text for a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|").replace("*", "\\*")


def _extra(field: FieldInfo, key: str) -> str:
    """Return a string from a field's ``json_schema_extra`` (``-`` when absent)."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    value = extra.get(key)
    return str(value) if value else NONE


def first_line(model: type[BaseModel]) -> str:
    """Return the first line of a section's docstring."""
    doc = inspect.cleandoc(model.__doc__ or "")
    return doc.splitlines()[0] if doc else ""


def _default(section: SectionDoc, name: str, field: FieldInfo) -> str:
    """Return a field's default cell: the value at this key path, or ``required``."""
    if field.is_required():
        return REQUIRED
    if section.defaults is not None:
        value = getattr(section.defaults, name)
    else:
        value = field.get_default(call_default_factory=True)
    return f"`{_yaml(value)}`"


def _row(section: SectionDoc, name: str, field: FieldInfo) -> list[str]:
    """Return the cells of one field's row (keyed by its alias when it has one)."""
    key = field.alias or name
    child = section_class(field.annotation) or list_item_class(field.annotation)
    if child is not None:
        suffix = "[]" if list_item_class(field.annotation) else ""
        target = _join(section.path, key) + suffix
        kind = "list of sections" if suffix else "section"
        bounds = _bounds(field)
        return [
            f"`{key}`",
            f"see `{target}`",
            NONE,
            kind if bounds == NONE else f"{kind}; {bounds}",
            _cell(field.description or first_line(child)),
            NONE,
        ]
    return [
        f"`{key}`",
        _default(section, name, field),
        _cell(_extra(field, "unit")),
        _cell(_bounds(field)),
        _cell(field.description or ""),
        _cell(_extra(field, "source")),
    ]


def source_keys(module: types.ModuleType = sim.scenario.schema) -> list[tuple[str, str]]:
    """Return the short source keys and their meaning, read from a module's docstring.

    The docstring lists them after a line starting "Sources cited by short key", one key per
    indented ``KEY: meaning`` line; a meaning may continue on further, deeper-indented lines.
    """
    doc = inspect.cleandoc(module.__doc__ or "")
    _, _, legend = doc.partition("Sources cited by short key")
    keys: list[tuple[str, str]] = []
    indent = None
    for line in legend.splitlines()[1:]:
        match = re.fullmatch(r"(\s+)([A-Z][A-Z0-9-]*): (.+)", line)
        if match is not None and indent in (None, len(match[1])):
            indent = len(match[1])
            keys.append((match[2], match[3].replace("``", "`")))
        elif keys and line.strip() and len(line) - len(line.lstrip()) > (indent or 0):
            key, meaning = keys[-1]
            keys[-1] = (key, f"{meaning} {line.strip()}".replace("``", "`"))
        else:
            break
    return keys


def render(schemas: Sequence[Schema], *, command: str) -> str:
    """Return the parameter reference as Markdown, one part per schema.

    Args:
        schemas: The schemas to document, in the order of the reference.
        command: The command that regenerates the reference, quoted in its header.
    """
    files = " and ".join(f"`{schema.module.__name__.replace('.', '/')}.py`" for schema in schemas)
    lines = [
        "# Parameter reference",
        "",
        f"Generated from the schemas in {files} by `{command}`; do not edit by hand.",
        "",
        "Bounds are intervals, `[` and `]` inclusive, `(` and `)` exclusive; unit `1` means "
        "dimensionless. Full references for the sources are in `docs/ODD.md`.",
        "",
        "Every number is finite (no `.nan` or `.inf`) and of its field's type: `true` is not a "
        'number, `4.0` or `"4"` is not a whole number, `1` or `yes` is not `true`. Every '
        "parameter has finite bounds on both sides; money is bounded by 1e12 EUR (beyond it "
        "integer cents stop being exact in a float), log-odds effects by 50. Rules that tie "
        "fields together (a consortium's smallest and largest size, the trust rates, the blended "
        "stack, ...) are checked on the values together; files are "
        "read under the rules of `sim/scenario/reader.py` (plain YAML, at most 1 MB) and "
        "`extends:` under those of `sim/scenario/extends.py`.",
    ]
    for schema in schemas:
        lines += ["", f"# {schema.title}", "", schema.intro]
        keys = source_keys(schema.module)
        if keys:
            lines += ["", "Sources:", ""]
            lines += ["| source | meaning |", "| --- | --- |"]
            lines += [f"| {key} | {_cell(meaning)} |" for key, meaning in keys]
        prefix = f"{schema.label}: " if schema.label else ""
        for section in sections(schema.model):
            title = f"`{section.path}`" if section.path else "top level"
            title = prefix + title if prefix else title[:1].upper() + title[1:]
            lines += ["", f"## {title}", "", _cell(first_line(section.model)), ""]
            lines.append("| " + " | ".join(COLUMNS) + " |")
            lines.append("| " + " | ".join("---" for _ in COLUMNS) + " |")
            for name, field in section.model.model_fields.items():
                lines.append("| " + " | ".join(_row(section, name, field)) + " |")
    return "\n".join(lines) + "\n"
