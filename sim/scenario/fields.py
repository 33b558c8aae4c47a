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
objectives.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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
    return Field(
        default,
        description=description,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        json_schema_extra={"unit": unit, "source": source},
    )


class Section(BaseModel):
    """Base of every scenario section: unknown keys refused, values strict and finite.

    Assignments are validated as files are (see the module docstring).
    """

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, strict=True, allow_inf_nan=False
    )
