"""A city's budget commitments across fiscal years: what it has promised and can still promise.

A grant, and a blended stack's budget tranche, are paid in instalments as a pilot runs, out of
each year's innovation budget. When the city signs, it books the instalments it will owe in each
fiscal year (its *dues*); it signs only where every year has room: this year, what the budget
holds beyond this year's dues; later years, the planned appropriation beyond their dues. A cut
after an election lowers the planned appropriation; at the next fiscal year the city cannot pay
dues beyond its new budget, and cancels unprotected pilots until they fit. A protected
commitment is reserved in full when signed (out of this year's room) and has no dues.

Years are fiscal years numbered from 0: step t (t >= 1) belongs to year (t - 1) // steps_per_year,
step 0 (set-up) to year 0. Money in EUR.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType


def fiscal_year(step: int, steps_per_year: int) -> int:
    """Return the fiscal year a step belongs to (0-based; set-up is year 0)."""
    return max(step - 1, 0) // steps_per_year


@cache
def instalment_years(start: int, duration: int, steps_per_year: int) -> Mapping[int, float]:
    """Return the share of a pilot's instalments falling in each fiscal year.

    Instalments are equal, one per running step, at steps ``start`` .. ``start + duration - 1``.
    Made once per start, duration and year length (a run asks about the same few again and again,
    for every deal valued and every commitment booked), so the mapping is read-only.

    Args:
        start: First running step.
        duration: Running steps (>= 1).
        steps_per_year: Steps in a fiscal year.
    """
    shares: dict[int, float] = {}
    each = 1.0 / duration
    for step in range(start, start + duration):
        year = fiscal_year(step, steps_per_year)
        shares[year] = shares.get(year, 0.0) + each
    return MappingProxyType(shares)


@dataclass
class Commitments:
    """One city's unpaid, unprotected dues by fiscal year, and by pilot.

    Attributes:
        by_year: Dues not yet paid, by fiscal year (EUR).
        by_pilot: Dues not yet paid, by pilot and fiscal year (EUR).
    """

    by_year: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    by_pilot: dict[int, dict[int, float]] = field(default_factory=dict)

    def room(self, year: int, now: int, *, cash: float, planned: float) -> float:
        """Return what the city can still promise for fiscal ``year`` (EUR).

        Args:
            year: The fiscal year asked about.
            now: The current fiscal year.
            cash: What the budget holds now (for the current year).
            planned: The appropriation planned for later years.
        """
        available = cash if year == now else planned
        return available - self.by_year.get(year, 0.0)

    def capacity(
        self, shares: Mapping[int, float], now: int, *, cash: float, planned: float
    ) -> float:
        """Return the largest amount that can be promised with these yearly shares (EUR)."""
        limits = [
            self.room(year, now, cash=cash, planned=planned) / share
            for year, share in shares.items()
            if share > 0
        ]
        return max(0.0, min(limits, default=math.inf))

    def book(self, pilot: int, amount: float, shares: Mapping[int, float]) -> None:
        """Book a pilot's dues: ``amount`` spread over fiscal years by ``shares``."""
        dues = {year: amount * share for year, share in shares.items()}
        self.by_pilot[pilot] = dues
        for year, due in dues.items():
            self.by_year[year] += due

    def paid(self, pilot: int, year: int, amount: float) -> None:
        """Record an instalment paid in ``year`` (EUR)."""
        dues = self.by_pilot.get(pilot)
        if dues is None:
            return
        amount = min(amount, dues.get(year, 0.0))
        dues[year] = dues.get(year, 0.0) - amount
        self.by_year[year] -= amount

    def release(self, pilot: int) -> float:
        """Drop what a pilot is still owed (it ended or was cancelled); return it (EUR)."""
        dues = self.by_pilot.pop(pilot, {})
        for year, due in dues.items():
            self.by_year[year] -= due
        return sum(dues.values())

    def owed(self, pilot: int) -> float:
        """Return what is still owed to a pilot (EUR)."""
        return sum(self.by_pilot.get(pilot, {}).values())

    def exposed(self, year: int) -> list[int]:
        """Return the pilots with dues in ``year``, in the order they were booked."""
        return [pid for pid, dues in self.by_pilot.items() if dues.get(year, 0.0) > 1e-9]
