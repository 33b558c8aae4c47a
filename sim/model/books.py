"""The model's books: every payment, the running totals metrics read, and the public's position.

:class:`Books` is a part of :class:`sim.model.model.PartnershipModel` (a mixin): it moves money
through the ledger with a reason and a pilot, keeps cumulative flows by reason and account kind,
each pilot's money in and out by capital providers, and the present value of what the public
has paid so far, so that the net present public cost (:mod:`sim.finance.public_cost`) can be
reported at any step without rereading the journal. The same quantities recomputed from the
run's tables by the pure functions must agree (a test holds this).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.finance.accounts import account_role, public_sign
from sim.finance.formulas import step_rate
from sim.finance.ledger import AccountKind, int_column, str_column, to_cents
from sim.finance.public_cost import OPENING, Claim, Role
from sim.model.pilot import Pilot

REPORTED_RATES: tuple[float, ...] = (0.0, 0.02, 0.035, 0.04)
"""Public discount rates at which every run's net present public cost is also reported: none,
US OMB A-94 (2%), UK Green Book (3.5%), European Commission financial (4%)."""


@dataclass(slots=True)
class _Route:
    """What the books add up for money moving for one reason from one account to another.

    Attributes:
        totals: The reason's flow totals (:attr:`Books.flows`), where the route's cents add up.
        kinds: Their key: (paying kind, receiving kind).
        opening: Whether the reason opens the books (an endowment): no public cost.
        invested: Whether the payer is a capital provider (money put into a pilot).
        returned: Whether the receiver is a capital provider (money got back from a pilot).
        purse: 1 if money leaves the public purse, -1 if it enters it, else 0.
        inside: 1 if money leaves the public perimeter, -1 if it enters it, else 0; None until
            the accounts' roles are first asked for (:meth:`Books._place`).
        tallied: Whether a payment on it moves any total beyond the flows (the public purse's,
            or a pilot's public cost, invested or returned money); most of a running pilot's
            payments (partners' contributions, delivery, savings and their shares to firms) move
            none. Known with ``inside``.
    """

    totals: defaultdict[tuple[str, str], int]
    kinds: tuple[str, str]
    opening: bool
    invested: bool
    returned: bool
    purse: int = 0
    inside: int | None = None
    tallied: bool = True


class Books:
    """Payments and the public's position (part of the model; see the module docstring)."""

    def _init_books(self) -> None:
        self.outstanding: defaultdict[str, float] = defaultdict(float)
        """Instalments organisations have committed to pilots and not yet paid (EUR)."""
        self.flows: dict[str, defaultdict[tuple[str, str], int]] = {}
        """Cumulative cents moved by reason, then by (source kind, destination kind)."""
        self.pilot_invested: defaultdict[int, int] = defaultdict(int)
        """Money (cents) capital providers have put into each pilot."""
        self.pilot_returned: defaultdict[int, int] = defaultdict(int)
        """Money (cents) capital providers have got back from each pilot."""
        self.pv_paid = 0.0
        """Present value at step 0 of what the public purse has paid out, net (EUR)."""
        self.pilot_public: defaultdict[int, float] = defaultdict(float)
        """Present value of what each pilot has cost the public so far, net (EUR)."""
        self.lost_public = 0.0
        """:attr:`pilot_public` summed over the pilots that failed or were cancelled (EUR)."""
        self.lost_invested = 0
        """Capital providers' cents in pilots that failed or were cancelled, net of returns."""
        self._lost: set[int] = set()
        """Pilots that failed or were cancelled (terminal states: they stay so)."""
        self.write_offs = 0.0
        """Loan principal revolving funds have written off (EUR)."""
        self.investor_write_offs = 0.0
        """Senior loans commercial lenders have written off after the cover (EUR)."""
        self.outcome_withheld = 0.0
        """Maximum outcome payments not paid because the measured outcome fell short (EUR)."""
        self._roles: dict[str, Role] = {}
        self._routes: dict[tuple[str, str, str], _Route] = {}
        """What the books add up for each (reason, paying account, receiving account) seen."""
        self._vehicles: set[str] = set()
        """Accounts known to be public vehicles (every one has received money)."""
        self._rate_step = step_rate(
            self.config.finance.public_discount_rate, self.config.time.steps_per_year
        )
        self.discount_now = self.discount(self.now)
        """:meth:`discount` of the current step (kept by the model's clock)."""

    def is_public(self, account: str) -> bool:
        """Whether a capital provider's money, or a guarantee it posted, is public money."""
        if account.startswith("guarantee:"):
            posted = self.guarantee_providers.get(account, "")
            return self.is_public(posted) if posted else False
        provider = self.providers_by_account.get(account)
        return provider is not None and provider.kind in self.config.finance.public_providers

    def role(self, account: str) -> Role:
        """Where an account stands with respect to the public perimeter."""
        role = self._roles.get(account)
        if role is None:
            role = account_role(account, self.ledger.kind_of(account).value, self.is_public)
            self._roles[account] = role
            if role is Role.VEHICLE:
                self._vehicles.add(account)
        return role

    def discount(self, step: float) -> float:
        """Return the public discount factor of a step, from step 0."""
        return (1.0 + self._rate_step) ** -step

    def pay(
        self, src: str, dst: str, amount: float, reason: str, pilot: Pilot | None = None
    ) -> None:
        """Move money through the ledger and keep the running totals metrics read.

        Args:
            src: Paying account.
            dst: Receiving account.
            amount: EUR (rounded half to even to the cent); zero moves nothing.
            reason: Why the money moves (a key of the flow totals).
            pilot: The pilot it concerns, if any.
        """
        self.pay_cents(src, dst, to_cents(amount), reason, pilot)

    def pay_cents(
        self, src: str, dst: str, cents: int, reason: str, pilot: Pilot | None = None
    ) -> None:
        """:meth:`pay` an amount already in whole cents (not positive: nothing moves)."""
        if cents <= 0:
            return
        self.ledger.transfer_cents(
            src,
            dst,
            cents,
            step=self.now,
            reason=reason,
            pilot_id=None if pilot is None else pilot.id,
        )
        route = self._routes.get((reason, src, dst)) or self._route(reason, src, dst)
        route.totals[route.kinds] += cents
        if pilot is None and route.opening:
            return
        if route.inside is None:
            self._place(route, src, dst)
        if not route.tallied:
            return
        if route.purse:
            self.pv_paid += route.purse * (cents / 100 * self.discount_now)
        if pilot is not None:
            lost = pilot.id in self._lost
            if route.inside:
                public = route.inside * cents / 100 * self.discount_now
                self.pilot_public[pilot.id] += public
                if lost:
                    self.lost_public += public
            if route.invested:
                self.pilot_invested[pilot.id] += cents
                if lost:
                    self.lost_invested += cents
            if route.returned:
                self.pilot_returned[pilot.id] += cents
                if lost:
                    self.lost_invested -= cents

    def _route(self, reason: str, src: str, dst: str) -> _Route:
        """Return, made once, what the books add up for money moving for a reason on a pair."""
        kinds = self.ledger.kind_of(src).value, self.ledger.kind_of(dst).value
        route = _Route(
            totals=self.flows.setdefault(reason, defaultdict(int)),
            kinds=kinds,
            opening=reason in OPENING,
            invested=kinds[0] == AccountKind.CAPITAL_PROVIDER,
            returned=kinds[1] == AccountKind.CAPITAL_PROVIDER,
        )
        self._routes[(reason, src, dst)] = route
        return route

    def _place(self, route: _Route, src: str, dst: str) -> None:
        """Fill in where a route crosses the public perimeter, from its accounts' roles.

        Called the first time a payment on the route needs the roles (as :meth:`role` is then
        asked for the first time about a vehicle, the vehicle is known from then on).
        """
        src_role, dst_role = self.role(src), self.role(dst)
        if not route.opening:
            purse = src_role is Role.PURSE, dst_role is Role.PURSE
            route.purse = purse[0] - purse[1]
        route.inside = (src_role is not Role.OUTSIDE) - (dst_role is not Role.OUTSIDE)
        route.tallied = bool(route.purse or route.inside or route.invested or route.returned)

    def book_loss(self, pilot: Pilot) -> None:
        """Count a financed pilot that failed or was cancelled in the running costs of failures.

        What it has cost so far enters the totals now; what moves for it later (refunds,
        recoveries, write-offs) enters as it moves, so the failure-cost metrics never rescan.
        """
        self._lost.add(pilot.id)
        self.lost_public += self.pilot_public.get(pilot.id, 0.0)
        self.lost_invested += self.pilot_invested.get(pilot.id, 0)
        self.lost_invested -= self.pilot_returned.get(pilot.id, 0)

    def contribute(self, src: str, pilot: Pilot, amount: float, reason: str) -> None:
        """Pay into a pilot's account and record it as paid in (refunds go back pro rata)."""
        self.pay(src, pilot.account, amount, reason, pilot)
        pilot.paid[src] = pilot.paid.get(src, 0.0) + amount

    def flow(self, reason: str, src_kind: str | None = None, dst_kind: str | None = None) -> float:
        """Return the cumulative money moved for a reason (EUR), optionally by account kinds."""
        totals = self.flows.get(reason, {})
        return (
            sum(
                cents
                for (s, d), cents in totals.items()
                if (src_kind is None or s == src_kind) and (dst_kind is None or d == dst_kind)
            )
            / 100
        )

    def cash_public_spend(self) -> float:
        """Return cash public spend: net money out of budgets, escrows and reserves (EUR)."""
        return (
            sum(
                cents * public_sign(reason, src, dst)
                for reason, totals in self.flows.items()
                for (src, dst), cents in totals.items()
            )
            / 100
        )

    def free_capital(self, account: str) -> float:
        """Return what an organisation holds minus what it still owes running pilots (EUR)."""
        return self.ledger.balance(account) - self.outstanding[account]

    # ----------------------------------------------------------------- the public's position

    def vehicle_holdings(self) -> float:
        """Return what the public vehicles (budgets, funds, escrows, reserves) hold now (EUR)."""
        return sum(self.ledger.balance_cents(name) for name in self._vehicles) / 100

    def claims(self, rate: float | None = None) -> list[Claim]:
        """Return the public's open claims and commitments now, at expected cash (EUR).

        Args:
            rate: Public discount rate per year at which their future cash is valued now
                (default ``finance.public_discount_rate``).
        """
        step = self._rate_step if rate is None else step_rate(rate, self.config.time.steps_per_year)
        claims: list[Claim] = []
        live = {**self.active, **{p.id: p for p in self.pilots_in_service if p.in_service}}
        fund = self.instruments.get("revolving")
        loans = fund.loan_values(step) if fund is not None else {}
        for pilot in live.values():
            claims += self.instruments[pilot.instrument].claims(pilot, step, loans)
            claims += self.stream_claims(pilot, step, loans.get(pilot.id, ()))
        if fund is not None:
            claims += fund.fund_claims(loans)
        return claims

    def claims_table(self) -> pd.DataFrame:
        """Return the open claims at each rate of :data:`REPORTED_RATES` and the scenario's own.

        Columns :data:`sim.finance.public_cost.CLAIM_COLUMNS` and ``rate`` (1/year).
        """
        own = self.config.finance.public_discount_rate
        rates = [*REPORTED_RATES] + (
            [] if any(abs(r - own) <= 1e-12 for r in REPORTED_RATES) else [own]
        )
        claims = [(c, rate) for rate in rates for c in self.claims(rate)]
        return pd.DataFrame(
            {
                "kind": str_column([c.kind for c, _ in claims]),
                "pilot_id": int_column([c.pilot_id for c, _ in claims]),
                "value": np.array([c.value for c, _ in claims], dtype=np.float64),
                "rate": np.array([rate for _, rate in claims], dtype=np.float64),
            }
        )

    def accounts_table(self) -> pd.DataFrame:
        """Return the ledger's accounts with their role for public cost."""
        frame = self.ledger.accounts_frame()
        frame["role"] = str_column([self.role(name).value for name in self.ledger.accounts()])
        return frame

    def net_public_cost(self) -> float:
        """Return the net present public cost if the horizon were now (EUR, at step 0).

        Computed from the running totals and the open claims.
        """
        held = self.vehicle_holdings() + sum(c.value for c in self.claims())
        return self.pv_paid - self.discount_now * held
