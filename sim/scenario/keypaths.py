"""Key paths into plain scenario data: read a value, replace values, expand ``[]``, render.

A key path names one value of a scenario by its keys joined with dots, list entries by their
index: ``cities.0.annual_budget``. ``cities[].annual_budget`` stands for that key in every entry
of the list (:func:`expand`). Sweep parameters (:mod:`sim.experiments.plan`), the EMA Workbench
adapter (:mod:`sim.experiments.ema`) and the app's levers (:mod:`sim.app.explorer`) all change
scenarios this way. Error messages name where a problem is with :func:`key_path`
(``cities[0].annual_budget``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

type LocPart = int | str
"""One step of a location: a key of a mapping or an index into a list."""

_PLAIN_KEY = re.compile(r"[\w-]+")

EVERY = "[]"
"""Suffix of a list's key that stands for every entry of the list."""


def expand(data: Mapping[str, Any], key: str) -> list[str]:
    """Return the concrete key paths a path stands for: one per list entry for each ``[]``.

    Args:
        data: Scenario data.
        key: A key path, possibly with ``name[]`` parts.

    Returns:
        The key paths without ``[]`` (just ``[key]`` when it has none), in list order.
    """
    paths = [""]
    for part in key.split("."):
        name = part.removesuffix(EVERY)
        paths = [f"{path}.{name}" if path else name for path in paths]
        if part.endswith(EVERY):
            paths = [f"{path}.{i}" for path in paths for i in range(len(value_at(data, path)))]
    return paths


def value_at(data: Mapping[str, Any], key: str) -> Any:
    """Return the value at a concrete key path (``cities.0.annual_budget``)."""
    node: Any = data
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def with_values(data: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return scenario data with the value at each dot path replaced; ``data`` is unchanged.

    Only the sections and lists on the paths are copied, so this is cheap for a large
    scenario.

    Args:
        data: Scenario data (as from ``Scenario.model_dump(mode="json")``).
        changes: New value by dot path; paths must exist (see :func:`check_key`).

    Returns:
        The changed data.
    """
    result = dict(data)
    for key, value in changes.items():
        *parents, leaf = key.split(".")
        node: Any = result
        for part in parents:
            index: Any = int(part) if isinstance(node, list) else part
            child = node[index]
            node[index] = dict(child) if isinstance(child, Mapping) else list(child)
            node = node[index]
        node[int(leaf) if isinstance(node, list) else leaf] = value
    return result


def key_path(parts: Iterable[LocPart]) -> str:
    """Render location parts as ``finance.grant.match_rate`` or ``cities[1].budget``."""
    text = ""
    for part in parts:
        if isinstance(part, str) and _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text
