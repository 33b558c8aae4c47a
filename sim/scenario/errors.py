"""Errors raised for invalid scenario files, worded for the person who wrote the file."""

import numbers
import os
import reprlib
from enum import Enum

_MAX_VALUE_CHARS = 80
_DIGITS_SHOWN = 20
IN_MEMORY = "<data>"
"""How an error names data that came from no file (a mapping built in Python)."""


class _NoValue(Enum):
    """Marker type for an error that has no offending value to show."""

    NO_VALUE = "NO_VALUE"


NO_VALUE = _NoValue.NO_VALUE
"""Sentinel for `ScenarioError.value` when there is no offending value (e.g. a missing key)."""


def _one_line(text: str) -> str:
    """Join the lines of ``text`` with spaces so a message never spans several lines."""
    return " ".join(text.splitlines())


class _ShortRepr(reprlib.Repr):
    """A ``repr`` that looks at no more of a value than it shows.

    Containers show their first few items and levels, text its first characters, so the cost
    does not grow with the value (a value built from nested YAML aliases may stand for billions
    of items). Whole numbers too long to write out (Python refuses beyond 4,300 digits) show
    their length instead.
    """

    def __init__(self) -> None:
        super().__init__(
            maxlevel=3,
            maxtuple=6,
            maxlist=6,
            maxarray=6,
            maxdict=4,
            maxset=6,
            maxfrozenset=6,
            maxdeque=6,
            maxstring=_MAX_VALUE_CHARS,
            maxlong=_DIGITS_SHOWN,
            maxother=_MAX_VALUE_CHARS,
        )

    def repr_int(self, x: int, level: int) -> str:
        """Write a whole number out, or give its number of digits when it is long."""
        if x.bit_length() > 3 * _DIGITS_SHOWN:
            return f"<a whole number of about {int(x.bit_length() * 0.30103) + 1} digits>"
        return repr(x)

    def repr_instance(self, x: object, level: int) -> str:
        """Write a number, a truth value or None; name other objects by their type only."""
        if isinstance(x, numbers.Number | None):
            return repr(x)
        return f"<{type(x).__name__}>"


_SHORT = _ShortRepr()


def _short_repr(value: object) -> str:
    """Return a bounded ``repr(value)`` on one line, cut to a readable length."""
    text = _one_line(_SHORT.repr(value))
    if len(text) > _MAX_VALUE_CHARS:
        return text[: _MAX_VALUE_CHARS - 3] + "..."
    return text


class ScenarioError(Exception):
    """A scenario file, or scenario data, that cannot be read or is invalid.

    ``str(err)`` is a single line of the form
    ``{file}: {key}: {problem}; got {value!r}; allowed: {allowed}``, leaving out the key, the
    value and the allowed part when they do not apply; the file is always named.

    Attributes:
        problem: What is wrong, e.g. ``"unknown key"`` or ``"out of range"``.
        path: The file the problem is in, or None for data that did not come from a file.
        key: Dotted key path with list indices in brackets, e.g. ``cities[1].budget``; ``""``
            when the problem concerns the whole file.
        value: The offending value, or `NO_VALUE` when there is none to show.
        allowed: A human sentence of what is allowed there, or None.
        more: How many further problems were found besides this one.

    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | os.PathLike[str] | None = None,
        key: str = "",
        value: object = NO_VALUE,
        allowed: str | None = None,
        more: int = 0,
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path = None if path is None else os.fspath(path)
        self.key = key
        self.value = value
        self.allowed = allowed
        self.more = more

    def __str__(self) -> str:
        """Return the one-line message naming the file, the key, the value and what is allowed."""
        head = (self.path or IN_MEMORY, self.key, self.problem)
        parts = [": ".join(part for part in head if part)]
        if self.value is not NO_VALUE:
            parts.append(f"got {_short_repr(self.value)}")
        if self.allowed:
            parts.append(f"allowed: {self.allowed}")
        message = "; ".join(parts)
        if self.more:
            message += f" (and {self.more} more problem{'s' if self.more > 1 else ''})"
        return _one_line(message)
