"""Elections and fiscal years: budgets that move both ways, and what cuts reach.

:class:`Governing` is a part of :class:`sim.model.model.PartnershipModel` (a mixin).

* At an election each city votes; an incumbent's odds rise with citizen satisfaction. A new
  administration re-weights priorities and redraws the innovation budget around the city's
  long-run level (:func:`sim.model.politics.redraw_budget`). A lower budget takes back the same
  share of what this year's budget holds beyond its dues.
* At a fiscal year's end unspent budget lapses to the treasury; the next year's budget is
  appropriated (higher in the year before an election, ZEW); the city pays the year's dues to
  the pilots it has committed to, and where the budget cannot, cancels unprotected pilots until
  their dues fit (their money was unpaid and not protected); then the instruments act (a fund
  takes its share of what is left).

Cancellations for want of budget after an election are that election's: each election's row
counts the pilots at risk then and those a cut cancelled by the next fiscal year.
"""

from __future__ import annotations

import math

from sim.finance.commitments import fiscal_year
from sim.model.politics import (
    annual_budget,
    redraw_budget,
    reelection_probability,
    reweight_priorities,
)


class Governing:
    """Elections, budgets and fiscal years (part of the model; see the module docstring)."""

    def _elections(self) -> None:
        """Each city votes; a new administration re-weights priorities and redraws its budget."""
        rng = self.streams["politics"]
        cfg = self.config.politics
        for city in self.cities:
            satisfaction = float(self.citizens[city.city].satisfaction.mean())
            p = reelection_probability(satisfaction, cfg)
            reelected = bool(rng.random() < p)
            shock = float(rng.standard_normal())  # drawn either way: common random numbers
            before = city.annual_budget
            if reelected:
                city.elections_won += 1
            else:
                city.elections_lost += 1
                city.administration += 1
                self.priorities[city.city] = reweight_priorities(self.priorities[city.city], rng)
                city.annual_budget = redraw_budget(before, city.config.annual_budget, shock, cfg)
            if city.annual_budget < before:
                free = max(self._room(city), 0.0)
                self.pay(
                    city.budget_account,
                    city.treasury_account,
                    free * (1.0 - city.annual_budget / before),
                    "budget_cut",
                )
            at_risk = [pid for pid, pilot in self.active.items() if pilot.city == city.city]
            self.elections.append(
                {
                    "step": self.now,
                    "city": city.city,
                    "satisfaction": satisfaction,
                    "reelection_probability": p,
                    "reelected": reelected,
                    "budget_before": before,
                    "budget_after": city.annual_budget,
                    "budget_cut": city.annual_budget < before,
                    "pilots_at_risk": len(at_risk),
                    "pilots_exposed": sum(city.commitments.owed(pid) > 0 for pid in at_risk),
                    "pilots_cancelled": 0,
                    "pilots_survived": len(at_risk),
                }
            )

    def _room(self, city) -> float:
        """Return what this year's budget holds beyond this year's dues (EUR)."""
        year = fiscal_year(self.now, self.config.time.steps_per_year)
        return city.commitments.room(year, year, cash=city.budget, planned=city.annual_budget)

    def _fiscal_year(self) -> None:
        """Unspent budget lapses; the next year's budget is appropriated and its dues paid."""
        for city in self.cities:
            self.pay(city.budget_account, city.treasury_account, city.budget, "lapse")
            self._open_year(city)

    def _open_year(self, city) -> None:
        """Start a fiscal year: appropriate, cancel what it cannot pay, let instruments act."""
        self._appropriate(city)
        self._honour_dues(city)
        for instrument in self.instruments.values():
            instrument.new_year(city)

    def _appropriate(self, city) -> None:
        """Appropriate a fiscal year's budget (higher in a year that ends in an election)."""
        t = self.config.time
        first = max(self.now, 1)  # the year's first quarter (set-up appropriates quarters 1..)
        next_election = math.ceil(first / t.election_interval) * t.election_interval
        amount = annual_budget(
            city.annual_budget,
            election_next_year=next_election - first < t.steps_per_year,
            cfg=self.config.politics,
        )
        self.pay(city.treasury_account, city.budget_account, amount, "appropriation")
        city.appropriated = amount
        self.appropriated += amount

    def _honour_dues(self, city) -> None:
        """Cancel unprotected pilots, in random order, until the year's dues fit the budget."""
        year = fiscal_year(self.now, self.config.time.steps_per_year)
        dues = city.commitments
        if dues.by_year.get(year, 0.0) <= city.budget + 1e-6:
            return
        exposed = dues.exposed(year)
        order = self.streams["politics"].permutation(len(exposed)).tolist()
        cancelled = 0
        for index in order:
            if dues.by_year.get(year, 0.0) <= city.budget + 1e-6:
                break
            pilot = self.pilots[exposed[index]]
            self.cancel(pilot, "budget_cut", (city.idx,))
            self.citizens[city.city].witness(pilot.neighbourhood, -0.5, self.trust_params)
            cancelled += 1
        latest = next((e for e in reversed(self.elections) if e["city"] == city.city), None)
        if latest is not None and cancelled:
            latest["pilots_cancelled"] += cancelled
            latest["pilots_survived"] -= cancelled
