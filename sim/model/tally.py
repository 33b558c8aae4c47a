"""Running means of what a run records, so that no reporter rescans the run's history."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class RunningMean:
    """The mean of the values added so far, kept in O(1) per value.

    Attributes:
        total: Sum of the values added (their unit).
        count: Number of values added.
    """

    total: float = 0.0
    count: int = 0

    def add(self, value: float) -> None:
        """Add one value (a NaN makes the mean NaN from then on, as ``numpy.mean`` would)."""
        self.total += value
        self.count += 1

    @property
    def mean(self) -> float:
        """The mean of the values added; NaN before the first."""
        return self.total / self.count if self.count else math.nan
