"""Hypothesis strategies for scenarios drawn across the full bounds their schema declares.

Every number comes from its own field's declaration (:func:`sim.scenario.fields.param`: the
bounds ``ge``/``gt``/``le``/``lt``, read by :func:`sim.scenario.files.field_bounds`, and the
plausible ``floor``), so a field added to the schema is sampled without a change here. Draws lean
to the edges: about a third of the values are a bound itself, the smallest value above an
exclusive lower bound or the largest below an exclusive upper one, 0, 1, a tiny positive value
(5e-324, 1e-12) or the floor; the rest spread over the interval, half of them log-uniformly
where it spans orders of magnitude. Literals and booleans take every allowed value, lists of
literals any subset in any order, mappings any subset of their keys; text keeps its default (a
label, no behaviour).

Each scenario sets a share of its fields (:data:`SHARES_VARIED`); the others keep their
defaults. A section is drawn field by field and then validated by the schema; when its rules on
fields together refuse the draw (a consortium's smallest size above its largest, trust rates
that push trust below 0, priorities that sum to 0), the section is drawn again. The rules stay
the schema's: nothing here copies them.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from hypothesis import reject
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from sim.scenario.fields import DOMAINS, field_extra
from sim.scenario.files import field_bounds
from sim.scenario.reference import list_item_class, section_class, strip_optional

KEYS: dict[str, Sequence[str]] = {"cities[].priorities": DOMAINS}
"""The keys a free mapping may hold, by key path (the schema checks them in a validator)."""

ATTEMPTS = 20
"""Draws of a section before the example is given up (its rules refuse most of its space)."""

TINY = (5e-324, 1e-12)
"""Tiny positive values tried wherever the bounds and the floor allow them."""

Fixed = Mapping[str, st.SearchStrategy[Any] | tuple[int, int]]
"""Values for some key paths instead of the full bounds: a strategy, or an inclusive range of
whole numbers (a number field's values or a list's length) checked against the schema's own."""


SHARES_VARIED = (0.05, 0.25, 1.0)
"""Shares of the fields a scenario sets, one drawn per scenario; the others keep their
defaults. A small share lets the pilots' whole lifecycle run with a few fields at their edges;
a share of 1 sets every field at once (swarm testing). Shrinking moves fields back to their
defaults, so a failing example ends with only the fields that matter."""


def scenarios(model: type[BaseModel], fixed: Fixed) -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy for data of ``model`` that its schema accepts.

    Args:
        model: The top-level schema, e.g. :class:`sim.scenario.schema.Scenario`.
        fixed: Strategies or ranges for some key paths (``"time.steps"``,
            ``"cities[].citizens"``, ``"cities"`` for the list's length); these are always set.

    Raises:
        ValueError: A range in ``fixed`` leaves its field's declared bounds, or a key path of
            ``fixed`` names no field.
    """
    used: set[str] = set()
    strategy = _varied(model, "", fixed, used)
    unknown = set(fixed) - used
    if unknown:
        raise ValueError(f"fixed key paths that name no field: {sorted(unknown)}")
    return st.sampled_from(SHARES_VARIED).flatmap(strategy)


Drawn = typing.Callable[[float], st.SearchStrategy[Any]]
"""A field's strategy given the share of fields varied."""


def _varied(model: type[BaseModel], path: str, fixed: Fixed, used: set[str]) -> Drawn:
    """Return a section's strategy given the share of fields varied."""
    fields = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        where = f"{path}.{key}" if path else key
        fields[key] = (_field(info, where, fixed, used), where in fixed)
    return lambda share: _section(model, fields, share)


@st.composite
def _section(
    draw: st.DrawFn, model: type[BaseModel], fields: dict[str, tuple[Drawn, bool]], share: float
) -> dict[str, Any]:
    """Draw a section's data: each field set with chance ``share`` (always when fixed), until
    ``model`` validates it (at most :data:`ATTEMPTS` times)."""
    for _ in range(ATTEMPTS):
        values = {}
        for key, (strategy, always) in fields.items():
            if always or share >= 1 or draw(st.floats(0, 1)) < share:
                values[key] = draw(strategy(share))
        try:
            model.model_validate(values)
        except ValidationError:
            continue
        return values
    reject()


def _field(info: FieldInfo, where: str, fixed: Fixed, used: set[str]) -> Drawn:
    """Return the strategy of one field at key path ``where``."""
    annotation = strip_optional(info.annotation)
    given = fixed.get(where)
    if given is not None:
        used.add(where)
    if isinstance(given, st.SearchStrategy):
        return lambda share: given
    item_class = list_item_class(annotation)
    if item_class is not None:
        if given is None:
            raise ValueError(f"{where}: a list of sections needs a range of lengths in fixed")
        _check_range(where, given, _lengths(info))
        item = _varied(item_class, f"{where}[]", fixed, used)
        return lambda share: st.lists(item(share), min_size=given[0], max_size=given[1])
    section = section_class(annotation)
    if section is not None:
        return _varied(section, where, fixed, used)
    if given is not None:
        _check_range(where, given, _interval(info, integer=True))
        return lambda share: st.integers(*given)
    values = _plain(annotation, info, where)
    if info.annotation is not annotation:  # X | None
        values = st.one_of(st.none(), values)
    return lambda share: values


def _plain(annotation: Any, info: FieldInfo, where: str) -> st.SearchStrategy[Any]:
    """Return a strategy for a field that is not a section."""
    if annotation is bool:
        return st.booleans()
    if annotation is str:
        return st.just(info.get_default(call_default_factory=True))
    if annotation in (int, float):
        return numbers(info, integer=annotation is int, floor=field_extra(info).get("floor"))
    if typing.get_origin(annotation) is Literal:
        return st.sampled_from(typing.get_args(annotation))
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if typing.get_origin(item) is Literal:
            low, high = _lengths(info)
            choices = typing.get_args(item)
            most = int(min(high, len(choices)))
            return st.lists(st.sampled_from(choices), min_size=low, max_size=most, unique=True)
    if typing.get_origin(annotation) is dict and where in KEYS:
        _, value = typing.get_args(annotation)
        number, rule = typing.get_args(value)
        return st.dictionaries(
            st.sampled_from(KEYS[where]), numbers(rule, integer=number is int, floor=None)
        )
    raise TypeError(f"{where}: no strategy for a field of type {annotation!r}; add one here")


def numbers(
    info: FieldInfo, *, integer: bool, floor: float | None
) -> st.SearchStrategy[int | float]:
    """Return the values a number field accepts, leaning to its edges.

    Args:
        info: The field (or the ``Field`` of an annotated item), with finite bounds.
        integer: Whether the field takes whole numbers.
        floor: The smallest positive value the field accepts (:func:`param`'s ``floor``), or
            None.
    """
    low, high = _interval(info, integer=integer)

    def allowed(x: float) -> bool:
        return low <= x <= high and not (floor is not None and 0 < x < floor)

    bottom = max(low, floor) if floor is not None and low < floor <= high else low
    edges = [low, high, 0, 1, *TINY, bottom]
    if integer:
        edges += [low + 1, high - 1]
        interior = st.integers(bottom, high)
    else:
        interior = st.floats(bottom, high, allow_nan=False, allow_infinity=False)
    edges = sorted({int(e) if integer else float(e) for e in edges if allowed(e)})
    spread = _log_uniform(bottom, high, integer=integer).filter(allowed)
    return st.one_of(st.sampled_from(edges), interior.filter(allowed), spread)


def _log_uniform(low: float, high: float, *, integer: bool) -> st.SearchStrategy[int | float]:
    """Return values spread evenly over the orders of magnitude in [low, high] (above 0)."""
    start = max(low, 1 if integer else 1e-12)
    if high <= start:
        return st.just(high)
    exponents = st.floats(math.log10(start), math.log10(high))
    if integer:
        return exponents.map(lambda e: min(max(round(10**e), int(low)), int(high)))
    return exponents.map(lambda e: min(max(10**e, low), high))


def _interval(info: FieldInfo, *, integer: bool) -> tuple[float, float]:
    """Return the smallest and largest value a field accepts (its bounds, made inclusive)."""
    bounds = field_bounds(info)
    if not ({"ge", "gt"} & bounds.keys() and {"le", "lt"} & bounds.keys()):
        raise ValueError(f"field without bounds on both sides: {info!r}")
    if integer:
        low = bounds["ge"] if "ge" in bounds else bounds["gt"] + 1
        high = bounds["le"] if "le" in bounds else bounds["lt"] - 1
        return math.ceil(low), math.floor(high)
    low = bounds["ge"] if "ge" in bounds else math.nextafter(bounds["gt"], math.inf)
    high = bounds["le"] if "le" in bounds else math.nextafter(bounds["lt"], -math.inf)
    return float(low), float(high)


def _lengths(info: FieldInfo) -> tuple[int, float]:
    """Return the fewest and most items a list field takes (infinity when unbounded)."""
    low, high = 0, math.inf
    for rule in info.metadata:
        low = getattr(rule, "min_length", None) or low
        high = getattr(rule, "max_length", None) or high
    return low, high


def _check_range(where: str, given: tuple[int, int], declared: tuple[float, float]) -> None:
    """Refuse a range for a key path that leaves what the schema declares there."""
    if not declared[0] <= given[0] <= given[1] <= declared[1]:
        raise ValueError(f"{where}: range {given} leaves the declared bounds {declared}")
