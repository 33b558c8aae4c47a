r"""The one way a YAML file becomes data here: bounded, strict and with one-line errors.

Every scenario, sweep and docking file is read by :func:`read_yaml`, once. The file must be a
regular file (not a FIFO, a device or a folder) of at most :data:`MAX_BYTES` bytes of UTF-8
text holding one YAML document whose top level is a mapping. Before anything is built from it,
its events (from libyaml's parser, which keeps its own stack and so cannot overflow Python's)
are checked against the house rules, each refusal naming the key path where it happens:

* nesting at most :data:`MAX_DEPTH` levels (deeper files would overflow the builder's stack);
* no aliases (``*name``): a scenario file is small and an alias buys nothing, while a few lines
  of nested aliases ("billion laughs") stand for billions of values;
* no explicit tags (``!!int``, ``!!timestamp``, ``!custom``): values are what they look like;
* keys are text, and no key appears twice in a mapping (YAML would keep the last silently);
* no text with lone surrogates (a `\\ud800` escape alone), which no terminal or file can take;
* whole numbers of at most :data:`MAX_DIGITS` digits.

Plain values are read by the YAML 1.2 core schema, not PyYAML's YAML 1.1 default: ``true`` and
``false`` are booleans (``yes``, ``no``, ``on`` and ``off`` are text), ``1e6`` is a number as
``1.0e6`` is, ``1_000`` and ``12:30`` are text, and dates are text.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from sim.scenario.errors import NO_VALUE, ScenarioError
from sim.scenario.keypaths import LocPart, key_path

type StrPath = str | os.PathLike[str]

MAX_BYTES = 1_000_000
"""Largest file read (bytes): a scenario file is a few kilobytes; 1 MB parses in about 1 s."""
MAX_DEPTH = 32
"""Deepest nesting of mappings and lists; the deepest schema needs 5 levels."""
MAX_DIGITS = 30
"""Most digits a whole number may have (10^30 is beyond every bound of every schema)."""

MAPPING_WORDS = "a mapping of keys to values"
_PLAIN_WORDS = (
    "plain YAML values (numbers, true/false, text, null, lists and mappings) without tags, "
    "anchors or aliases"
)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)


class _CoreLoader(_LOADER):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader with the YAML 1.2 core schema's plain scalars (see module doc)."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}


def _plain(tag: str, pattern: re.Pattern[str], first: str) -> None:
    full = re.compile(f"^(?:{pattern.pattern})$")
    _CoreLoader.add_implicit_resolver(_CORE + tag, full, list(first))


_plain("null", _NULL, "~nN")
_plain("bool", _BOOL, "tTfF")
_plain("int", _INT, "-+0123456789")
_plain("float", _FLOAT, "-+0123456789.")
_CoreLoader.add_constructor(_CORE + "null", lambda loader, node: None)
_CoreLoader.add_constructor(_CORE + "bool", lambda loader, node: node.value.lower() == "true")
_CoreLoader.add_constructor(
    _CORE + "int", lambda loader, node: int(node.value, 0 if node.value[1:2] in "ox" else 10)
)
_CoreLoader.add_constructor(
    _CORE + "float",
    lambda loader, node: float(node.value.lower().replace(".inf", "inf").replace(".nan", "nan")),
)


def read_yaml(path: StrPath) -> dict[str, Any]:
    """Read a YAML file whose top level is a mapping, under the rules of the module docstring.

    Args:
        path: The YAML file to read; every error names it as given.

    Returns:
        The mapping at the top level of the file.

    Raises:
        ScenarioError: The file is missing, unreadable, not a regular file, too large, not
            UTF-8, not valid YAML, breaks a rule above, or its top level is not a mapping.
    """
    text = _read_text(path)
    try:
        _check_events(text, path)
        data = yaml.load(text, Loader=_CoreLoader)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, path) from None
    if data is None:
        raise ScenarioError("file is empty", path=path, allowed=MAPPING_WORDS)
    if not isinstance(data, dict):
        raise ScenarioError(
            "top level is not a mapping", path=path, value=data, allowed=MAPPING_WORDS
        )
    return data


def _read_text(path: StrPath) -> str:
    """Return the text of a regular file of at most :data:`MAX_BYTES` bytes."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _open_error(exc, path) from None
    _check_opened(fd, path)
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(f"cannot read file ({exc.strerror})", path=path) from None
    if len(raw) > MAX_BYTES:  # grew after it was measured
        raise ScenarioError(
            "file too large", path=path, allowed=f"a file of at most {MAX_BYTES:,} bytes"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text (bad byte at offset {exc.start})",
            path=path,
            allowed="a UTF-8 encoded YAML file",
        ) from None


def _check_opened(fd: int, path: StrPath) -> None:
    """Check that open file ``fd`` is a regular file of an allowed size; close it if not."""
    info = os.fstat(fd)
    problem, allowed = None, "the path of a YAML file"
    if stat.S_ISDIR(info.st_mode):
        problem = "is a directory, not a file"
    elif not stat.S_ISREG(info.st_mode):
        problem = "not a regular file (a device, FIFO or socket)"
    elif info.st_size > MAX_BYTES:
        problem = f"file too large ({info.st_size:,} bytes)"
        allowed = f"a file of at most {MAX_BYTES:,} bytes"
    if problem is None:
        return
    os.close(fd)
    raise ScenarioError(problem, path=path, allowed=allowed)


def _open_error(exc: OSError, path: StrPath) -> ScenarioError:
    """Describe why a file could not be opened."""
    if exc.errno == errno.ENOENT:
        allowed = "the path of an existing YAML file"
        return ScenarioError("file not found", path=path, allowed=allowed)
    if exc.errno == errno.EISDIR:
        allowed = "the path of a YAML file"
        return ScenarioError("is a directory, not a file", path=path, allowed=allowed)
    return ScenarioError(f"cannot read file ({exc.strerror})", path=path)


def _syntax_error(exc: yaml.YAMLError, text: str, path: StrPath) -> ScenarioError:
    """Describe a YAML parse failure by its line and column, showing the offending line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    if mark is None:
        return ScenarioError(f"invalid YAML ({problem})", path=path)
    lines = text.splitlines()
    line = lines[mark.line].strip() if mark.line < len(lines) else NO_VALUE
    return ScenarioError(
        f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}",
        path=path,
        value=line,
    )


# ------------------------------------------------------------------------------ the rules


@dataclass
class _Level:
    """One open mapping or list while walking the events: where the walk is inside it."""

    mapping: bool
    index: int = 0
    key: LocPart | None = None
    keys: set[str] = field(default_factory=set)
    at_key: bool = True


def _check_events(text: str, path: StrPath) -> None:
    """Walk the parser's events and raise `ScenarioError` at the first broken rule.

    Raises:
        ScenarioError: A rule of the module docstring is broken; names the key path.
        yaml.YAMLError: The text is not valid YAML (the caller words it).
    """
    stack: list[_Level] = []
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            _advance(stack)
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        is_key = bool(stack) and stack[-1].mapping and stack[-1].at_key
        where = _where(stack, event)
        if isinstance(event, yaml.AliasEvent):
            raise _rule(path, where, f"alias *{event.anchor}", event, _PLAIN_WORDS)
        if event.tag not in (None, "!"):
            raise _rule(path, where, f"explicit tag {event.tag}", event, _PLAIN_WORDS)
        if isinstance(event, yaml.ScalarEvent):
            _check_scalar(event, stack, is_key, path, where)
            _advance(stack)
            continue
        if is_key:
            raise _rule(path, where, "a key that is a list or mapping", event, "text keys")
        if len(stack) >= MAX_DEPTH:
            raise _rule(
                path, where, "nested too deep", event, f"at most {MAX_DEPTH} levels of nesting"
            )
        stack.append(_Level(mapping=isinstance(event, yaml.MappingStartEvent)))


def _check_scalar(
    event: yaml.ScalarEvent, stack: list[_Level], is_key: bool, path: StrPath, where: str
) -> None:
    """Apply the rules for one plain or quoted value, or one key."""
    value = event.value
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise _rule(path, where, "text with a lone surrogate", event, "valid Unicode text")
    plain = event.implicit[0] and not event.style
    kind = _kind(value) if plain else "str"
    if kind == "int" and sum(char.isdigit() for char in value) > MAX_DIGITS:
        raise _rule(
            path, where, "number too long", event, f"whole numbers of at most {MAX_DIGITS} digits"
        )
    if not is_key:
        return
    if kind != "str":
        raise _rule(path, where, f"key {value!r} is not text", event, "text keys")
    level = stack[-1]
    if value in level.keys:
        raise _rule(path, where, f"duplicate key {value!r}", event, "each key once per mapping")
    level.keys.add(value)
    level.key = value


def _kind(value: str) -> str:
    """Return the core-schema kind of a plain scalar: null, bool, int, float or str."""
    for kind, pattern in (("null", _NULL), ("bool", _BOOL), ("int", _INT), ("float", _FLOAT)):
        if pattern.fullmatch(value):
            return kind
    return "str"


def _advance(stack: list[_Level]) -> None:
    """Move the innermost open mapping or list past the node that just ended."""
    if not stack:
        return
    level = stack[-1]
    if level.mapping:
        level.at_key = not level.at_key
    else:
        level.index += 1


def _where(stack: list[_Level], event: yaml.Event) -> str:
    """Return the key path of the node ``event`` starts (its mapping's path for a key)."""
    parts: list[LocPart] = []
    for depth, level in enumerate(stack):
        last = depth == len(stack) - 1
        if level.mapping:
            if not (last and level.at_key) and level.key is not None:
                parts.append(level.key)
        else:
            parts.append(level.index)
    return key_path(parts)


def _rule(
    path: StrPath, where: str, problem: str, event: yaml.Event, allowed: str
) -> ScenarioError:
    """Return the error for a broken rule at ``event``, with its line and column."""
    mark = event.start_mark
    return ScenarioError(
        f"{problem} at line {mark.line + 1}, column {mark.column + 1}",
        path=path,
        key=where,
        allowed=allowed,
    )
