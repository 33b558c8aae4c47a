"""Table cells of a report: estimates with their intervals, and scenario values in words.

Shared by the report's modules (:mod:`sim.outputs.report`, :mod:`sim.outputs.finance_section`,
:mod:`sim.outputs.results_folder`): three significant digits of the largest value, money in
millions of EUR, booleans and lists in words, counts with their noun. Standard library only.
"""

from __future__ import annotations

import math
from typing import Any


def decimals(*values: float) -> int:
    """Return the decimals that show the largest of ``values`` to three significant digits."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest == 0:
        return 0
    return min(4, max(0, 2 - math.floor(math.log10(largest))))


def estimate_cells(mean: float, lower: float, upper: float, unit: str) -> tuple[str, str]:
    """Return a mean and its interval as table cells, in the unit shown (money in M EUR).

    Args:
        mean: The mean (NaN: no replicate has a value).
        lower: Lower bound of the interval (NaN: no interval).
        upper: Upper bound of the interval.
        unit: The metric's unit, e.g. "EUR" (shown in millions) or "pilots".

    Returns:
        ``(mean, interval)``, e.g. ``("25.0", "[22.4, 27.6]")``; ``("n/a", "")`` without a
        mean and ``(mean, "-")`` without an interval.
    """
    from sim.outputs.style import display_unit

    if math.isnan(mean):
        return "n/a", ""
    scale, _ = display_unit(unit)
    values = [mean / scale, lower / scale, upper / scale]
    digits = decimals(*values)
    shown = [f"{value:,.{digits}f}" for value in values]
    if math.isnan(lower) or math.isnan(upper):
        return shown[0], "-"
    return shown[0], f"[{shown[1]}, {shown[2]}]"


def format_value(value: Any) -> str:
    """Return a scenario value in words: yes/no, lists joined, large numbers grouped."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(format_value(item) for item in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {format_value(item)}" for key, item in value.items())
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e3:
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def count(n: int, noun: str) -> str:
    """Return ``"1 scenario"`` or ``"4 scenarios"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
