"""The building blocks of every scenario schema: parameters with units and sources, sections.

Also the model's fixed vocabularies: challenge domains, sectors (with their codes) and
objectives.
"""

from __future__ import annotations

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
    """
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
    """Base of every scenario section: unknown keys are rejected, assignments re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
