"""The building blocks of every scenario schema: parameters with units and sources, sections.

What every field gets from these two, without asking (:class:`Section`, :func:`param`):

* unknown keys are refused;
* values are strict: a number field takes numbers only (``steps: true`` and ``steps: "4"`` are
  refused; a whole-number field takes no ``4.0``), a true/false field takes ``true`` or
  ``false`` only;
* no number is NaN or infinite, in any field, list or mapping;
* every parameter declares finite bounds on both sides (:func:`param` refuses one without),
  so that every value a scenario can hold is one the model can run; money is bounded by
  :data:`MONEY_MAX`, log-odds by :data:`LOG_ODDS_MAX`.

Also the model's fixed vocabularies: challenge domains, sectors (with their codes) and
objectives, and the units people write time in ("4 years", "16 quarters"), converted into a
field's own unit before validation (:func:`durations_in_field_units`).
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

DOMAINS: tuple[str, ...] = ("mobility", "energy", "housing", "health", "environment", "digital")
"""Challenge domains a city can prioritise (DOMAIN: the question users bring)."""


SECTORS: tuple[str, ...] = ("government", "firm", "academia", "civil_society")
"""Sectors an organisation can belong to, in the order used by objective-weight arrays."""

GOVERNMENT, FIRM, ACADEMIA, CIVIL_SOCIETY = range(len(SECTORS))
"""Sector codes: indices into :data:`SECTORS`."""


OBJECTIVES: tuple[str, ...] = ("profit", "public_value", "knowledge", "legitimacy")
"""What a stakeholder can value, in the order used by objective-weight arrays."""


MONEY_MAX = 1e12
"""Largest amount of money a parameter may hold (EUR). The ledger counts integer cents, and a
float holds every whole number of cents exactly only up to 2^53 cents (about 9.0e13 EUR); 1e12
leaves room for sums over the accounts and years of a run."""

LOG_ODDS_MAX = 50.0
"""Largest log-odds effect (1 per unit of its driver): a probability's log-odds beyond about 37
round to 0 or 1 in double precision, so larger effects change nothing."""

MULTIPLE_MAX = 1e3
"""Largest multiple or weight without a natural ceiling (value per EUR of cost, search weights,
multipliers): three orders of magnitude beyond every published figure the defaults cite."""


def param(
    default: Any,
    *,
    unit: str,
    description: str,
    source: str = "ASSUMPTION",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    floor: float | None = None,
) -> Any:
    """Declare a scenario parameter with its unit, bounds, description and source.

    Args:
        default: The default value.
        unit: Unit of the value ("EUR", "steps", "probability", "1" for dimensionless, ...).
        description: One sentence on what the parameter does in the model.
        source: Short source key (see the module docstring) or a citation.
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
        lt: Exclusive upper bound.
        floor: The smallest plausible value above zero, in ``unit``: a positive value below it
            is refused with a hint that the unit was probably mistaken (``annual_budget: 5``
            meant 5 M EUR). None: no floor.

    Returns:
        A pydantic ``FieldInfo``.

    Raises:
        TypeError: A side has no bound (``ge`` or ``gt``; ``le`` or ``lt``), or a bound is not
            finite: every parameter needs finite bounds (its physical limits, or
            :data:`MONEY_MAX`, :data:`LOG_ODDS_MAX` or :data:`MULTIPLE_MAX` above).
    """
    for side, bound in (
        ("lower", ge if ge is not None else gt),
        ("upper", le if le is not None else lt),
    ):
        if bound is None or not math.isfinite(bound):
            raise TypeError(f"parameter {description!r} needs a finite {side} bound")
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if floor is not None:
        extra["floor"] = floor
    return Field(
        default, description=description, ge=ge, le=le, gt=gt, lt=lt, json_schema_extra=extra
    )


def field_extra(info: Any) -> dict[str, Any]:
    """Return a field's ``json_schema_extra`` (unit, source, floor), empty when it has none."""
    extra = getattr(info, "json_schema_extra", None)
    return extra if isinstance(extra, dict) else {}


def implausible(value: float, floor: float, unit: str) -> str:
    """Return the hint for a positive value below its plausible floor, naming the likely unit.

    Args:
        value: The value given.
        floor: The smallest plausible value, in ``unit``.
        unit: The field's unit, e.g. "EUR/year".

    Returns:
        One sentence, e.g. "implausibly small (below 10,000 EUR/year): did you mean 5 M EUR?
        write 5.0e6".
    """
    words = f"implausibly small (below {floor:,.0f} {unit})"
    if unit.startswith("EUR") and value < 1e3:
        mantissa = f"{value:g}" if "." in f"{value:g}" else f"{value:g}.0"
        return f"{words}: did you mean {value:g} M EUR? write {mantissa}e6"
    return f"{words}: amounts are in whole {unit}"


class Section(BaseModel):
    """Base of every scenario section: unknown keys refused, values strict and finite.

    Assignments are validated as files are (see the module docstring).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False
    )

    @field_validator("*")
    @classmethod
    def _check_floor(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse a positive number below its field's plausible floor, with a hint."""
        extra = field_extra(cls.model_fields.get(info.field_name or ""))
        floor = extra.get("floor")
        plain = isinstance(value, int | float) and not isinstance(value, bool)
        if floor is not None and plain and 0 < value < floor:
            raise ValueError(implausible(value, floor, str(extra.get("unit", ""))))
        return value


YEARS_PER: dict[str, float] = {"year": 1.0, "quarter": 1 / 4, "month": 1 / 12, "week": 7 / 365.25}
"""Length of each calendar unit a time may be written in, in years."""

TIME_UNITS: tuple[str, ...] = ("steps", "years")
"""Units of time fields: a string with an explicit unit is converted into these."""

_DURATION = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-z]+?)s?\s*")


def in_unit(text: str, unit: str, steps_per_year: float, *, whole: bool = False) -> float:
    """Convert a time written with its unit ("4 years", "16 quarters", "6 months") into ``unit``.

    Args:
        text: A number and a unit: step, year, quarter, month or week (singular or plural).
        unit: The unit wanted, "steps" or "years".
        steps_per_year: Steps in a year of the scenario (``time.steps_per_year``).
        whole: Whether the field takes whole numbers only.

    Returns:
        The time in ``unit``; a whole number where it is one.

    Raises:
        ValueError: The text is not a number and a known unit, or ``whole`` and the time is
            not a whole number of ``unit``; the message says what is allowed.
    """
    match = _DURATION.fullmatch(text.lower())
    known = ("step", *YEARS_PER)
    amount = f"{'a whole number' if whole else 'a number'} of {unit}"
    if match is None or match.group(2) not in known:
        units = ", ".join(f"{name}s" for name in known)
        raise ValueError(
            f"wrong type; got {text!r}; allowed: {amount}, or a number and a unit ({units}), "
            "e.g. '4 years'"
        )
    number, word = float(match.group(1)), match.group(2)
    steps = number if word == "step" else number * YEARS_PER[word] * steps_per_year
    value = steps if unit == "steps" else steps / steps_per_year
    if abs(value - round(value)) < 1e-9:
        return round(value)
    if whole:
        raise ValueError(
            f"not {amount}; got {text!r} ({value:.3g} {unit} at {steps_per_year:g} steps a "
            f"year); allowed: a time that is {amount}"
        )
    return value


def durations_in_field_units(data: Any, model_cls: type[BaseModel], steps_per_year: float) -> Any:
    """Return scenario data with every time written with its unit converted to its field's unit.

    A field is a time field when its unit is one of :data:`TIME_UNITS`; only its string values
    change (numbers are already in the field's unit). Sections and lists of sections are
    followed; the data is not modified. Meant for a model's ``mode="before"`` validator.

    Args:
        data: The raw data of ``model_cls`` (anything else is returned as it is).
        model_cls: The model class the data is for.
        steps_per_year: Steps in a year of the scenario.

    Returns:
        The data with converted values.

    Raises:
        ValueError: A time field holds text that is not a number and a unit; the message names
            the field.
    """
    return _converted(data, model_cls, steps_per_year, "")


def _converted(data: Any, model_cls: type[BaseModel], steps_per_year: float, at: str) -> Any:
    """Convert the times in ``data``, naming the key path ``at`` in errors."""
    if not isinstance(data, Mapping):
        return data
    converted = dict(data)
    for name, info in model_cls.model_fields.items():
        key = info.alias or name
        if key not in data:
            continue
        value, where = data[key], f"{at}{key}"
        unit = field_extra(info).get("unit")
        if isinstance(value, str) and unit in TIME_UNITS:
            try:
                converted[key] = in_unit(value, unit, steps_per_year, whole=info.annotation is int)
            except ValueError as err:
                raise ValueError(f"{where}: {err}") from None
            continue
        inner = _section_type(info.annotation)
        if inner is not None and isinstance(value, list):
            converted[key] = [
                _converted(item, inner, steps_per_year, f"{where}[{i}].")
                for i, item in enumerate(value)
            ]
        elif inner is not None:
            converted[key] = _converted(value, inner, steps_per_year, f"{where}.")
    return converted


def _section_type(annotation: Any) -> type[BaseModel] | None:
    """Return the model class of a section field or of a list of sections, else None."""
    args = typing.get_args(annotation)
    inner = args[0] if typing.get_origin(annotation) is list and args else annotation
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
