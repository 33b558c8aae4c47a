"""Load, validate and write scenario YAML files, with one-line errors for every schema.

The loader is generic over any pydantic model class: it reads a file and the chain of files it
extends (:mod:`sim.scenario.extends`, each through the one YAML reader
:mod:`sim.scenario.reader`), validates the merged data and turns every failure into a
`ScenarioError` with a one-line message naming the file, the key path, the bad value and what
is allowed. Only pydantic, yaml and the standard library are imported here, so that the
command-line tool starts quickly.
"""

import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from sim.scenario.errors import NO_VALUE, ScenarioError
from sim.scenario.extends import resolve_extends
from sim.scenario.keypaths import LocPart, key_path
from sim.scenario.reader import MAPPING_WORDS, StrPath

__all__ = [
    "LocPart",
    "Place",
    "StrPath",
    "bound_text",
    "dump",
    "field_bounds",
    "field_unit",
    "key_path",
    "load",
    "load_many",
    "locate",
    "resolve_extends",
    "validate_data",
]
_BOUND_WORDS = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_CHOICE_ERRORS = frozenset({"literal_error", "enum"})
_VALIDATOR_ERRORS = frozenset({"value_error", "assertion_error"})
_MODEL_TYPE_ERRORS = frozenset({"model_type", "model_attributes_type", "dataclass_type"})
_TYPE_WORDS = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": MAPPING_WORDS,
    "none_required": "null",
}


class _Finding(NamedTuple):
    """One validation problem, translated into the parts of a `ScenarioError`."""

    problem: str
    key: str
    value: object
    allowed: str | None


class Place(NamedTuple):
    """Where a pydantic error location leads inside a model class.

    Attributes:
        shown: The location parts worth showing to a user (pydantic's union tags removed).
        types: The annotations the value at that location may have.
        field: The innermost model field on the way there, if any.
        at_field: Whether the location ends at that field itself (not inside a list or dict).

    """

    shown: tuple[LocPart, ...]
    types: tuple[Any, ...]
    field: FieldInfo | None
    at_field: bool


def validate_data[M: BaseModel](
    data: Mapping[str, Any], model_cls: type[M], *, source: StrPath | None = None
) -> M:
    """Validate scenario data against a pydantic model class.

    Args:
        data: The scenario data, e.g. from `resolve_extends`.
        model_cls: The pydantic model class to validate against.
        source: The file the data came from, named in error messages; None for in-memory data.

    Returns:
        The validated model instance.

    Raises:
        ScenarioError: The data is invalid; the message describes the first problem pydantic
            found and counts the others.

    """
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        finding = _translate(errors[0], model_cls)
        raise ScenarioError(
            finding.problem,
            path=source,
            key=finding.key,
            value=finding.value,
            allowed=finding.allowed,
            more=len(errors) - 1,
        ) from None


def _translate(error: ErrorDetails, model_cls: type[BaseModel]) -> _Finding:
    """Translate one pydantic error into words for the author of a scenario file."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key(error, model_cls)
    place = locate(model_cls, tuple(error["loc"]))
    key = key_path(place.shown)
    ctx = error.get("ctx", {})
    if kind in _RANGE_ERRORS:
        return _Finding("out of range", key, error["input"], _range_words(ctx, place))
    if kind == "finite_number":
        bounds = _range_words(ctx, place)
        return _Finding("not a finite number", key, error["input"], bounds or "a finite number")
    if kind in _CHOICE_ERRORS:
        return _Finding("invalid choice", key, error["input"], f"one of {ctx['expected']}")
    if kind == "missing":
        return _Finding("missing required key", key, NO_VALUE, None)
    if kind in _VALIDATOR_ERRORS:
        return _validator_finding(error, key)
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        return _union_tag_finding(error, place)
    expected = _expected_type(error, place)
    if expected is not None:
        return _Finding("wrong type", key, error["input"], expected)
    return _Finding(error["msg"], key, error["input"], None)


def _unknown_key(error: ErrorDetails, model_cls: type[BaseModel]) -> _Finding:
    """Describe a key the model does not have, listing the valid keys at that level."""
    *parent, name = error["loc"]
    place = locate(model_cls, tuple(parent))
    valid = _valid_keys(place.types)
    close = difflib.get_close_matches(str(name), valid, n=1)
    problem = f"unknown key (did you mean {close[0]!r}?)" if close else "unknown key"
    allowed = f"one of {', '.join(valid)}" if valid else None
    return _Finding(problem, key_path((*place.shown, name)), error["input"], allowed)


def _range_words(ctx: Mapping[str, Any], place: Place) -> str:
    """Describe the bounds of a value, with the unit of its field when it declares one."""
    bounds = {name: ctx[name] for name in _BOUND_WORDS if name in ctx}
    if place.at_field:
        bounds |= field_bounds(place.field)
    words = " and ".join(
        f"{_BOUND_WORDS[name]} {bound_text(bounds[name])}"
        for name in _BOUND_WORDS
        if name in bounds
    )
    unit = field_unit(place.field)
    return f"{words} (unit: {unit})" if unit else words


def bound_text(value: float) -> str:
    """Write a bound as a reader would: ``2000``, ``0.5``, ``1e+12`` (in messages and docs)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e7 else f"{value:g}"
    return repr(value)


def field_bounds(field: FieldInfo | None) -> dict[str, Any]:
    """Return the numeric bounds (gt, ge, lt, le) a field declares."""
    if field is None:
        return {}
    return {
        name: getattr(rule, name)
        for rule in field.metadata
        for name in _BOUND_WORDS
        if getattr(rule, name, None) is not None
    }


def field_unit(field: FieldInfo | None) -> object:
    """Return the ``unit`` entry of a field's ``json_schema_extra``, or None."""
    extra = field.json_schema_extra if field is not None else None
    return extra.get("unit") if isinstance(extra, dict) else None


def _validator_finding(error: ErrorDetails, key: str) -> _Finding:
    """Describe a failed validator by its message, with the value unless it is a whole mapping."""
    cause = error.get("ctx", {}).get("error")
    problem = str(cause) if cause is not None else error["msg"]
    value = error["input"]
    shown = NO_VALUE if isinstance(value, Mapping | BaseModel) else value
    return _Finding(problem, key, shown, None)


def _union_tag_finding(error: ErrorDetails, place: Place) -> _Finding:
    """Describe a missing or unknown discriminator value of a tagged union."""
    ctx = error.get("ctx", {})
    discriminator = str(ctx.get("discriminator", ""))
    shown = place.shown
    if discriminator.startswith("'"):
        shown = (*shown, discriminator.strip("'"))
    if error["type"] == "union_tag_not_found":
        return _Finding("missing required key", key_path(shown), NO_VALUE, None)
    return _Finding(
        "invalid choice", key_path(shown), ctx.get("tag"), f"one of {ctx.get('expected_tags')}"
    )


def _expected_type(error: ErrorDetails, place: Place) -> str | None:
    """Return the expected type in words for a type error, or None for other errors."""
    kind = error["type"]
    if kind in _MODEL_TYPE_ERRORS:
        valid = _valid_keys(place.types)
        return f"a mapping with keys {', '.join(valid)}" if valid else MAPPING_WORDS
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    if kind.endswith(("_type", "_parsing")):
        return error["msg"].removeprefix("Input should be ").split(",")[0]
    return None


def locate(model_cls: type[BaseModel], loc: tuple[LocPart, ...]) -> Place:
    """Follow a pydantic error location through the fields of ``model_cls``.

    Pydantic inserts the name of the union member (or the tag of a discriminated union) into
    error locations; those parts are used to pick the member and are left out of ``shown``.
    """
    shown: list[LocPart] = []
    candidates: list[Any] = [model_cls]
    field: FieldInfo | None = None
    at_field = False
    for part in loc:
        members = [member for tp in candidates for member in _members(tp)]
        if any(len(_members(tp)) > 1 for tp in candidates):
            candidates = [member for member in members if _is_tag_of(member, part)] or members
            continue
        shown.append(part)
        steps = [step for member in members for step in _children(member, part)]
        candidates = [tp for tp, _ in steps]
        fields = [info for _, info in steps if info is not None]
        at_field = bool(fields)
        field = fields[0] if fields else field
    return Place(tuple(shown), tuple(candidates), field, at_field)


def _members(tp: Any) -> list[Any]:
    """Return the non-None alternatives of ``tp``, seeing through Annotated, aliases and unions."""
    if isinstance(tp, typing.TypeAliasType):
        return _members(tp.__value__)
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [member for arg in typing.get_args(tp) for member in _members(arg)]
    return [] if tp is type(None) else [tp]


def _is_tag_of(member: Any, part: LocPart) -> bool:
    """Tell whether ``part`` is pydantic's tag for union member ``member``."""
    if getattr(member, "__name__", None) == part:
        return True
    return _is_model(member) and any(
        part in typing.get_args(info.annotation)
        for info in member.model_fields.values()
        if typing.get_origin(info.annotation) is typing.Literal
    )


def _children(tp: Any, part: LocPart) -> list[tuple[Any, FieldInfo | None]]:
    """Return the type found at ``part`` inside ``tp``, with its field when ``tp`` is a model."""
    if _is_model(tp):
        info = _fields_by_key(tp).get(part)
        return [] if info is None else [(info.annotation, info)]
    container = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    if _is_subclass(container, Mapping):
        return [(args[1] if len(args) == 2 else Any, None)]
    if isinstance(part, int) and _is_subclass(container, Iterable):
        return [(_item_type(args, part), None)]
    return []


def _item_type(args: tuple[Any, ...], index: int) -> Any:
    """Return the type of item ``index`` of a list, set or tuple with type arguments ``args``."""
    if not args:
        return Any
    if len(args) == 1 or args[-1] is Ellipsis:
        return args[0]
    return args[index] if 0 <= index < len(args) else Any


def _valid_keys(candidates: Iterable[Any]) -> list[str]:
    """Return the sorted keys accepted by the model classes among ``candidates``."""
    return sorted(
        {
            key
            for tp in candidates
            for member in _members(tp)
            if _is_model(member)
            for key in _fields_by_key(member)
        }
    )


def _fields_by_key(model_cls: type[BaseModel]) -> dict[str, FieldInfo]:
    """Return the fields of ``model_cls`` by the key a scenario file uses for them."""
    return {info.alias or name: info for name, info in model_cls.model_fields.items()}


def _is_model(tp: Any) -> bool:
    """Tell whether ``tp`` is a pydantic model class."""
    return _is_subclass(tp, BaseModel)


def _is_subclass(tp: Any, parent: type) -> bool:
    """Tell whether ``tp`` is a class derived from ``parent`` (False for non-classes)."""
    return isinstance(tp, type) and issubclass(tp, parent)


def load[M: BaseModel](path: StrPath, model_cls: type[M]) -> M:
    """Read a scenario file, resolve its ``extends`` chain and validate it.

    Args:
        path: The scenario file.
        model_cls: The pydantic model class to validate against.

    Returns:
        The validated model instance.

    Raises:
        ScenarioError: The file, a file it extends, or the merged data is invalid.

    """
    return validate_data(resolve_extends(path), model_cls, source=path)


def load_many[M: BaseModel](
    paths: Iterable[StrPath], model_cls: type[M]
) -> list[tuple[StrPath, M | ScenarioError]]:
    """Load every file in ``paths``, collecting errors instead of stopping at the first.

    Args:
        paths: The scenario files.
        model_cls: The pydantic model class to validate against.

    Returns:
        For each path in order, the path with its model or the `ScenarioError` it raised.

    """
    return [(path, _load_or_error(path, model_cls)) for path in paths]


def _load_or_error[M: BaseModel](path: StrPath, model_cls: type[M]) -> M | ScenarioError:
    """Return the loaded model, or the `ScenarioError` loading it raised."""
    try:
        return load(path, model_cls)
    except ScenarioError as err:
        return err


def dump(model: BaseModel, path: StrPath) -> None:
    """Write a model as a fully resolved YAML scenario file, keys in field order.

    Args:
        model: The model to write.
        path: The file to write; it is replaced if it exists.

    """
    data = model.model_dump(mode="json", by_alias=True)
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)
    Path(path).write_text(text, encoding="utf-8")
