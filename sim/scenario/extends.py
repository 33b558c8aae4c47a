"""Scenario files as small overrides: ``extends:`` chains, where a base may live, merging.

A file may hold ``extends: other.yaml``, a path relative to the folder of that file; the base
may itself extend another file, up to :data:`MAX_CHAIN` files. **Where a base may live**: after
following symbolic links, every base must be a regular file inside the folder of the file
given (that folder or any folder below it) or inside the project's ``scenarios/`` folder
(:data:`PROJECT_SCENARIOS`). So ``extends: ../base.yaml`` works for the shipped files and for a
file anywhere that names the project's scenarios by path, while ``/etc/passwd``, ``/dev/zero`` or
a FIFO are refused. A base is read like any scenario file (:func:`sim.scenario.reader.read_yaml`:
size-limited, strict YAML); an error in it names the file given, and never shows the base's
text.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.scenario.errors import NO_VALUE, ScenarioError
from sim.scenario.reader import StrPath, read_yaml

EXTENDS_KEY = "extends"
"""Top-level key naming the base file a scenario file overrides."""

MAX_CHAIN = 20
"""Most files in one ``extends`` chain (the shipped chains have at most 5)."""

PROJECT_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
"""The project's ``scenarios/`` folder, where any scenario file may find its base."""

EXTENDS_RULE = (
    "the path of a regular YAML file, relative to the folder of the file that names it, inside "
    "the folder of the file given (or a folder below it) or inside the project's scenarios/ "
    "folder"
)
"""What an ``extends`` value may be, as error messages and the docs state it."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``.

    Mappings present on both sides are merged recursively; a list named in
    :data:`KEYED_LISTS` merges item by item (:func:`merge_items`); anything else in
    ``override`` (scalars, other lists, a mapping replacing a scalar) replaces the value in
    ``base``. Neither input is modified, and the result shares no mutable values with them.

    Args:
        base: The values to start from.
        override: The values that take precedence.

    Returns:
        A new mapping with the keys of both, in the order of ``base`` then new keys.

    """
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        elif key in KEYED_LISTS and _is_records(current) and _is_records(value):
            merged[key] = merge_items(current, value, KEYED_LISTS[key])
        else:
            merged[key] = copy.deepcopy(value)
    return merged


KEYED_LISTS: dict[str, str] = {"cities": "name"}
"""Lists whose items merge with their counterpart in the base, by the key that names them."""


def merge_items(
    base: list[Mapping[str, Any]], override: list[Mapping[str, Any]], identity: str
) -> list[dict[str, Any]]:
    """Merge a list of mappings item by item: each item over its counterpart in ``base``.

    ``override`` says which items there are and in which order. An item's counterpart is the
    item of ``base`` with the same ``identity`` (e.g. the city with the same name); an item
    without one merges with the item of ``base`` at the same position. An item whose
    identity ``base`` lacks, or beyond the end of ``base``, starts from nothing (defaults).

    Args:
        base: The parent's items.
        override: The child's items.
        identity: The key that names an item.

    Returns:
        New items, one per item of ``override``.
    """
    named = {_name(item, identity): item for item in base if _name(item, identity) is not None}
    merged = []
    for i, item in enumerate(override):
        name = _name(item, identity)
        if identity in item:
            counterpart = named.get(name, {}) if name is not None else {}
        else:
            counterpart = base[i] if i < len(base) else {}
        merged.append(deep_merge(counterpart, item))
    return merged


def _name(item: Mapping[str, Any], identity: str) -> str | None:
    """Return an item's name, or None when it has none that could match (not text)."""
    value = item.get(identity)
    return value if isinstance(value, str) else None


def _is_records(value: object) -> bool:
    """Tell whether ``value`` is a list of mappings."""
    return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)


def resolve_extends(path: StrPath) -> dict[str, Any]:
    """Read a scenario file and deep-merge it over the chain of files it extends.

    Args:
        path: The scenario file to read.

    Returns:
        The merged data, without any ``extends`` key.

    Raises:
        ScenarioError: A file in the chain cannot be read or is invalid YAML, an ``extends``
            value is not a path, names a file outside the allowed folders (see the module
            docstring) or a missing one, leads back to a file already in the chain, or the chain
            is longer than :data:`MAX_CHAIN`. Every message names ``path``.

    """
    merged: dict[str, Any] = {}
    for layer in reversed(_chain(Path(path))):
        merged = deep_merge(merged, layer)
    return merged


def _chain(given: Path) -> list[dict[str, Any]]:
    """Read ``given`` and the files it extends, child first, each without its ``extends`` key."""
    roots = _roots(given)
    chain = [given]
    layers = []
    data = read_yaml(given)
    while EXTENDS_KEY in data:
        reference = data.pop(EXTENDS_KEY)
        layers.append(data)
        base = _base_path(given, chain, reference, roots)
        chain.append(base)
        data = _read_base(given, base)
    layers.append(data)
    return layers


def _roots(given: Path) -> list[Path]:
    """Return the folders a base of ``given`` may live in (see the module docstring)."""
    roots = [given.resolve().parent]
    if PROJECT_SCENARIOS.is_dir():
        roots.append(PROJECT_SCENARIOS)
    return roots


def _base_path(given: Path, chain: list[Path], reference: object, roots: list[Path]) -> Path:
    """Return the file the last file of ``chain`` extends, checking the rules for it."""

    def refuse(problem: str) -> ScenarioError:
        where = "" if len(chain) == 1 else f" (in base file {chain[-1]})"
        return ScenarioError(
            problem + where, path=given, key=EXTENDS_KEY, value=reference, allowed=EXTENDS_RULE
        )

    if not isinstance(reference, str) or not reference.strip():
        raise refuse("not a file path")
    if len(chain) >= MAX_CHAIN:
        raise refuse(f"chain of more than {MAX_CHAIN} files")
    base = chain[-1].parent / reference
    try:
        target = base.resolve()
        inside = any(target.is_relative_to(root) for root in roots)
        exists = inside and target.exists()
    except (OSError, ValueError) as exc:
        raise refuse(f"cannot use the base file name ({_reason(exc)})") from None
    if not inside:
        raise refuse(f"base file {base} is outside the folders a base may be in")
    if not exists:
        raise refuse(f"base file not found: {base}")
    if target in {link.resolve() for link in chain}:
        names = " -> ".join(str(link) for link in [*chain, base])
        raise refuse(f"extends cycle: {names}")
    return base


def _reason(exc: Exception) -> str:
    """Return the short reason of an OS or value error."""
    return getattr(exc, "strerror", None) or str(exc)


def _read_base(given: Path, base: Path) -> dict[str, Any]:
    """Read a base file; its errors name ``given`` and the base, never the base's text."""
    try:
        return read_yaml(base)
    except ScenarioError as err:
        raise ScenarioError(
            f"{err.problem} (in base file {base})",
            path=given,
            key=err.key,
            value=NO_VALUE,
            allowed=err.allowed,
        ) from None
