"""How resolved scenarios differ, key by key, and the smallest file that reproduces one.

Scenarios here are resolved scenario mappings (``Scenario.model_dump(mode="json")``, as a
comparison's ``manifest.json`` records them). :func:`differences` lists the keys in which one
differs from another, with each key's meaning and unit from the schema (:func:`describe`);
:func:`overrides` returns what a scenario file must say, on top of the defaults, to give a
resolved scenario back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sim.scenario.files import LocPart, field_unit, key_path, locate

LABELS: tuple[str, ...] = ("name", "description")
"""Top-level keys that label a scenario rather than set the model."""


@dataclass(frozen=True)
class Difference:
    """One key in which a scenario differs from a base.

    Attributes:
        key: Key path as written in scenario files, e.g. ``cities[0].annual_budget``.
        base: The base's value (None where the base lacks the key).
        value: The scenario's value (None where the scenario lacks the key).
    """

    key: str
    base: Any
    value: Any


def differences(
    base: Mapping[str, Any], other: Mapping[str, Any], *, skip: tuple[str, ...] = LABELS
) -> list[Difference]:
    """Return every key in which ``other`` differs from ``base``, in key order.

    Mappings are compared key by key and lists of mappings of the same length item by item
    (``cities[0].annual_budget``); any other list, or lists of different lengths, count as one
    value.

    Args:
        base: Resolved base scenario.
        other: Resolved scenario to compare.
        skip: Top-level keys to ignore (default: the labels, name and description).

    Returns:
        The differences, ``other``'s keys first in its order, then keys only ``base`` has.
    """
    return [d for d in _walk(base, other, ()) if d.key.split(".")[0] not in skip]


def _walk(base: Any, other: Any, path: tuple[LocPart, ...]) -> list[Difference]:
    """Return the differences below ``path``."""
    if isinstance(base, Mapping) and isinstance(other, Mapping):
        keys = [*other, *(key for key in base if key not in other)]
        return [d for key in keys for d in _walk(base.get(key), other.get(key), (*path, key))]
    if _same_length_records(base, other):
        pairs = enumerate(zip(base, other, strict=True))
        return [d for i, (one, two) in pairs for d in _walk(one, two, (*path, i))]
    return [] if base == other else [Difference(key_path(path), base, other)]


def _same_length_records(base: Any, other: Any) -> bool:
    """Tell whether both are lists of mappings with the same length."""
    return (
        isinstance(base, list)
        and isinstance(other, list)
        and len(base) == len(other)
        and all(isinstance(item, Mapping) for item in [*base, *other])
    )


def overrides(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Return the smallest override of ``defaults`` that gives ``data`` back.

    Mappings keep only the keys whose values differ, recursively; lists replace (as in
    scenario files), so a list that differs is kept whole.

    Args:
        data: Resolved scenario.
        defaults: Resolved default scenario (``Scenario().model_dump(mode="json")``).

    Returns:
        A mapping that, merged into the defaults and validated, equals ``data``.
    """
    kept: dict[str, Any] = {}
    for key, value in data.items():
        default = defaults.get(key)
        if isinstance(value, Mapping) and isinstance(default, Mapping):
            inner = overrides(value, default)
            if inner:
                kept[key] = inner
        elif key not in defaults or value != default:
            kept[key] = value
    return kept


def describe(key: str, model: type[BaseModel] | None = None) -> tuple[str, str]:
    """Return the description and unit of a scenario key from the schema.

    Args:
        key: Key path, e.g. ``finance.instruments`` or ``cities[0].annual_budget``.
        model: Schema to look in (default: :class:`sim.scenario.schema.Scenario`).

    Returns:
        ``(description, unit)``; empty strings for a key the schema does not know or a field
        without a unit.
    """
    if model is None:
        from sim.scenario.schema import Scenario

        model = Scenario
    place = locate(model, _parts(key))
    if place.field is None or not place.at_field:
        return "", ""
    unit = field_unit(place.field)
    return place.field.description or "", "" if unit is None else str(unit)


def _parts(key: str) -> tuple[LocPart, ...]:
    """Split ``cities[0].annual_budget`` into ``("cities", 0, "annual_budget")``."""
    parts: list[LocPart] = []
    for chunk in key.split("."):
        name, _, rest = chunk.partition("[")
        parts.append(name)
        parts.extend(int(index) for index in rest.rstrip("]").split("][") if index)
    return tuple(parts)
