"""A comparison's findings in words: paired differences from the reference, as sentences.

The summary of a report says what the comparison found in sentences made from the numbers of
:func:`sim.runs.contrast.paired_differences` and the metric registry (labels, units), so that
a metric added to the registry and to :data:`sim.runs.compare.HEADLINE_METRICS` is described
without new prose:

    "Under revolving, Public cost per successful pilot was 0.31 M EUR per pilot lower than
    under grant (95 % interval 0.12 to 0.50 lower)."

A difference whose interval excludes zero is a *clear* difference; the others are listed as
showing no clear difference at this number of replicates. Metrics fixed by construction or
empty (:func:`sim.runs.fixed.metric_kinds`) are never findings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.outputs.style import metric_label, metric_unit


@dataclass(frozen=True)
class Finding:
    """One paired difference of a scenario from the reference, in words and by its strength.

    Attributes:
        scenario: The scenario.
        metric: The metric.
        sentence: The difference in words, with its interval.
        clear: Whether the interval excludes zero.
        strength: Mean difference over the half-width of its interval: how far beyond chance.
    """

    scenario: str
    metric: str
    sentence: str
    clear: bool
    strength: float


def amount(value: float, metric: str, unit: str = "") -> str:
    """Return a value of a metric in its display unit, to about three significant digits."""
    scale, words = metric_unit(metric, unit)
    shown = value / scale
    size = abs(shown)
    if size == 0:
        return f"0 {words}" if words else "0"
    digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 else 3
    text = f"{shown:,.{digits}f}"
    return f"{text} {words}" if words else text


def findings(differences: pd.DataFrame, *, level: float = 0.95) -> list[Finding]:
    """Turn paired differences into findings, strongest first.

    Args:
        differences: The output of :func:`sim.runs.contrast.paired_differences`.
        level: The level of its intervals, for the words.

    Returns:
        One finding per row with a mean and an interval (rows without, e.g. a metric
        undefined in one of the two scenarios, and rows where the two are equal in every run
        are left out), clear ones first, each group by strength.
    """
    found = []
    for row in differences.itertuples(index=False):
        if not all(math.isfinite(x) for x in (row.mean, row.lower, row.upper)):
            continue
        half = (row.upper - row.lower) / 2
        if half == 0 and row.mean == 0:
            continue  # the same in every pair of runs (both zero): nothing to report
        clear = row.lower > 0 or row.upper < 0
        found.append(
            Finding(
                scenario=row.scenario,
                metric=row.metric,
                sentence=_sentence(row, clear, level),
                clear=clear,
                strength=abs(row.mean) / half if half > 0 else math.inf,
            )
        )
    return sorted(found, key=lambda f: (not f.clear, -f.strength))


def in_reading_order(found: Sequence[Finding], metrics: Sequence[str]) -> list[Finding]:
    """Return findings in the order of ``metrics`` (the headline's), then as given."""
    rank = {name: i for i, name in enumerate(metrics)}
    return sorted(found, key=lambda f: rank.get(f.metric, len(rank)))


def _sentence(row: object, clear: bool, level: float) -> str:
    """Return one difference in words."""
    label = _lowered(metric_label(row.metric))
    unit = str(row.unit)
    if not clear:
        return (
            f"Under {row.scenario}, {label} was not clearly different from {row.base}: "
            f"{_signed(row.mean, row.metric, unit)} ({level:.0%} interval "
            f"{_signed(row.lower, row.metric, unit)} to {_signed(row.upper, row.metric, unit)})."
        )
    way = "higher" if row.mean > 0 else "lower"
    near, far = sorted((abs(row.lower), abs(row.upper)))
    number = amount(near, row.metric, unit).removesuffix(" " + metric_unit(row.metric, unit)[1])
    return (
        f"Under {row.scenario}, {label} was {amount(abs(row.mean), row.metric, unit)} {way} "
        f"than under {row.base} ({level:.0%} interval {number} to "
        f"{amount(far, row.metric, unit)} {way})."
    )


def interval_cell(mean: float, lower: float, upper: float, metric: str, unit: str = "") -> str:
    """Return a difference and its interval in a metric's display unit, without the unit words.

    For a table whose header names the unit: ``"-0.19 [-0.32, -0.05]"``; ``"n/a"`` when the
    difference is undefined (e.g. a ratio with no denominator in one of the scenarios).
    """
    if not all(math.isfinite(x) for x in (mean, lower, upper)):
        return "n/a"
    words = metric_unit(metric, unit)[1]
    shown = [_signed(v, metric, unit).removesuffix(f" {words}") for v in (mean, lower, upper)]
    return f"{shown[0]} [{shown[1]}, {shown[2]}]"


def _lowered(label: str) -> str:
    """Return a label for the middle of a sentence: "Pilots agreed" becomes "pilots agreed"."""
    first = label.split(" ", 1)[0]
    return label if first.isupper() and len(first) > 1 else label[:1].lower() + label[1:]


def _signed(value: float, metric: str, unit: str) -> str:
    """Return a difference with its sign: "+0.31 M EUR", "-2.00 pilots"."""
    return ("+" if value > 0 else "") + amount(value, metric, unit)


def unclear_metrics(found: Sequence[Finding]) -> list[str]:
    """Return the labels of metrics with no clear difference for any scenario, in order."""
    clear = {f.metric for f in found if f.clear}
    return list(dict.fromkeys(metric_label(f.metric) for f in found if f.metric not in clear))


def fixed_sentence(metric: str, values: Mapping[str, float]) -> str:
    """Describe a metric fixed by construction: its value per scenario and what fixes it.

    Args:
        metric: The metric.
        values: Its value per scenario (those where it has one).

    Returns:
        One sentence, e.g. "Commercial per concessional euro is 2.50 EUR per EUR in blended,
        in every replicate: set by the tranche shares of the blended stack."
    """
    from sim.model.metrics import METRICS

    cause = METRICS[metric].fixed_by if metric in METRICS else ""
    shown = "; ".join(f"{amount(v, metric)} in {name}" for name, v in values.items())
    because = f"set by {cause}" if cause else "set by the scenario's inputs"
    return f"{metric_label(metric)} is {shown}, in every replicate: {because}."
