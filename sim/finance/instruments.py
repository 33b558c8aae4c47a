"""Finance instruments as pluggable rules: how the public part of a pilot is paid, and repaid.

A pilot's *public part* is what the terms leave to the city (its negotiated share plus any
co-funding match). The instrument is fixed when the pilot is proposed (:mod:`sim.finance.deals`
values it for the parties); this module books its money through the ledger:

* :meth:`Instrument.close`: what moves at financial close (a fund's loan, a senior loan and its
  first-loss cover, an outcome contract's pre-finance and escrow) and the city's dues on its
  budget (:mod:`sim.finance.commitments`), or a reserve when commitments are protected;
* :meth:`Instrument.instalment`: the public instalment a running pilot is owed this step;
* :meth:`Instrument.serve`: the contract's claim on the pilot's stream of savings, paid first;
* :meth:`Instrument.settle`: what happens at the outcome (outcome payments, recoveries from a
  failure's salvage, called guarantees);
* :meth:`Instrument.cancel`: winding a deal up after a cancellation and its pro-rata refunds;
* :meth:`Instrument.claims`: the public's open claims and commitments, valued at the horizon;
* :meth:`Instrument.new_year`: what it does at each fiscal year (a fund's capitalisation).

Every euro comes from an account with a reason: capital providers hold finite capital, a pilot's
stream comes from what it saves or earns (``economy``), and a loan is repaid only from its
borrower's stream or salvage. Each attempt to close is a row of the model's ``deals`` table.

The four instruments stay in one module, longer than most, because they are one protocol
(:class:`Instrument`) read side by side: each contract's close, instalment, service, settlement,
cancellation and claims sit in the same order in every class, as in the README's instrument
table, and the arithmetic they share is in :mod:`sim.finance.formulas`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from sim.finance.accounts import SUPPLIERS
from sim.finance.commitments import fiscal_year, instalment_years
from sim.finance.formulas import (
    Loan,
    accrued,
    failure_cover,
    payment_fraction,
    present_value,
    serviced_path,
    step_rate,
)
from sim.finance.ledger import AccountKind, from_cents, to_cents
from sim.finance.public_cost import Claim
from sim.scenario.fields import ACADEMIA, FIRM

if TYPE_CHECKING:
    from sim.finance.host import City, FinancedPilot, FinanceHost, Provider

CONCESSIONAL_KINDS = ("philanthropy", "development_bank")
"""Capital-provider kinds that give concessional money (first-loss cover, fund match)."""


class Instrument:
    """Base of finance instruments.

    Args:
        host: The model that runs the instrument, seen through the :class:`FinanceHost`
            interface (its books, cities, capital providers, clock and streams).
    """

    name: ClassVar[str] = ""

    def __init__(self, host: FinanceHost) -> None:
        self.host = host

    # --------------------------------------------------------------- helpers

    @property
    def steps_per_year(self) -> int:
        """Steps in a fiscal year."""
        return self.host.config.time.steps_per_year

    def room_now(self, city: City) -> float:
        """Return what this year's budget holds beyond this year's dues (EUR)."""
        year = fiscal_year(self.host.now, self.steps_per_year)
        return city.commitments.room(year, year, cash=city.budget, planned=self.planned(city))

    def planned(self, city: City) -> float:
        """Return the appropriation planned for later years, for this instrument's dues (EUR)."""
        return city.annual_budget

    def capacity(self, city: City, pilot: FinancedPilot) -> float:
        """Return the largest public part the instrument could finance for this pilot (EUR)."""
        return self.budget_capacity(city, pilot)

    def budget_capacity(self, city: City, pilot: FinancedPilot) -> float:
        """Return the largest budget commitment the city can sign for this pilot (EUR)."""
        if self.host.protects:
            return max(self.room_now(city), 0.0)
        year = fiscal_year(self.host.now, self.steps_per_year)
        shares = instalment_years(pilot.start_step, pilot.duration, self.steps_per_year)
        return city.commitments.capacity(shares, year, cash=city.budget, planned=self.planned(city))

    def commit_budget(self, city: City, pilot: FinancedPilot, amount: float) -> None:
        """Book the city's budget commitment to a pilot: dues by year, or a protected reserve."""
        if amount <= 0:
            return
        if self.host.protects:
            reserve = f"reserve:{pilot.id}"
            self.host.ledger.open(reserve, AccountKind.RESERVE, owner=city.idx)
            self.host.pay(city.budget_account, reserve, amount, "reserve", pilot)
            pilot.reserve = reserve
        else:
            shares = instalment_years(pilot.start_step, pilot.duration, self.steps_per_year)
            city.commitments.book(pilot.id, amount, shares)
        pilot.public_budget = amount

    def budget_instalment(self, city: City, pilot: FinancedPilot) -> bool:
        """Pay this step's instalment of the city's budget commitment; False if it cannot."""
        total = pilot.public_budget
        if total <= 0:
            return True
        due = total * pilot.progress / pilot.duration - pilot.public_paid
        if due <= 0:
            return True
        source = pilot.reserve or city.budget_account
        # Each instalment moves whole cents, so what is left of a commitment can differ from
        # the float sum of its instalments by half a cent: a cent of slack, not a shortfall.
        due_cents, held = to_cents(due), self.host.ledger.balance_cents(source)
        if due_cents > held + 1:
            return False
        due = from_cents(min(due_cents, held))
        self.host.contribute(
            source, pilot, due, self.name if self.name == "grant" else "public_tranche"
        )
        pilot.public_paid += due
        if not pilot.reserve:
            city.commitments.paid(pilot.id, fiscal_year(self.host.now, self.steps_per_year), due)
        return True

    def provider(self, kinds: tuple[str, ...], amount: float) -> Provider | None:
        """Return the provider of ``kinds`` with the most capital, if it covers ``amount``."""
        candidates = [p for p in self.host.capital if p.kind in kinds]
        if not candidates:
            return None
        best = max(candidates, key=lambda p: p.capital)
        return best if best.capital >= amount - 1e-9 else None

    def deal_row(self, pilot: FinancedPilot, *, closed: bool, reason: str, **terms: float) -> None:
        """Record an attempt to close financing in the model's deals table."""
        deal = pilot.deal
        self.host.deals.append(
            {
                "step": self.host.now,
                "pilot_id": pilot.id,
                "city": pilot.city,
                "instrument": self.name,
                "closed": closed,
                "reason": reason,
                "public_part": pilot.public,
                "success_prob": pilot.success_prob,
                "savings_multiple": pilot.savings_multiple,
                "measurability": pilot.measurability,
                "expected_public_cost": deal.public_cost if deal else math.nan,
                "partner_return": deal.partner_return if deal else math.nan,
                **terms,
            }
        )

    def _grace(self, pilot: FinancedPilot) -> int:
        """Return the steps from now to the pilot's outcome, over which a loan accrues interest."""
        return max(pilot.outcome_step - self.host.now, 0)

    def _owed_now(self, loan: Loan, pilot: FinancedPilot) -> float:
        """Return what a loan booked as owed at the outcome is owed now (less interest to come)."""
        return loan.outstanding / (1.0 + loan.rate) ** self._grace(pilot)

    def _release(self, account: str, to: str, pilot: FinancedPilot, reason: str) -> None:
        """Move what is left in a pilot's side account back to where it came from."""
        self.host.pay(account, to, self.host.ledger.balance(account), reason, pilot)

    # --------------------------------------------------------------- the interface

    def close(self, pilot: FinancedPilot) -> bool:
        """Close the pilot's financing; return False, moving nothing, if it cannot close."""
        raise NotImplementedError

    def instalment(self, pilot: FinancedPilot) -> bool:
        """Pay the public instalment a running pilot is owed this step; False if it cannot."""
        return True

    def serve(self, pilot: FinancedPilot, available: float) -> float:
        """Pay the contract's claim on the stream from ``available`` (EUR); return what it took."""
        return 0.0

    def settle(self, pilot: FinancedPilot, success: bool, outcome: float) -> None:
        """Make the payments due once the pilot's outcome is known (salvage is in its account)."""

    def stream_ended(self, pilot: FinancedPilot) -> None:
        """Close the contract's claims when the pilot's stream has ended."""

    def cancel(self, pilot: FinancedPilot, refunds: dict[str, float]) -> None:
        """Wind the deal up after a cancellation and its pro-rata refunds (EUR by account)."""
        self.release_commitment(pilot)

    def release_commitment(self, pilot: FinancedPilot) -> None:
        """Drop the city's budget dues to a pilot, or return its unused reserve to the budget."""
        city = self.host.cities[pilot.city]
        city.commitments.release(pilot.id)
        if pilot.reserve:
            self._release(pilot.reserve, city.budget_account, pilot, "reserve_release")

    def new_year(self, city: City) -> None:
        """Act at a fiscal year's start, after the year's budget was appropriated."""

    def claims(
        self, pilot: FinancedPilot, rate_step: float, loans: Mapping[int, Sequence[float]]
    ) -> list[Claim]:
        """Return the public's open claims on a live pilot and its commitments to it.

        Args:
            pilot: The pilot.
            rate_step: Public discount rate per step at which future cash is valued now.
            loans: What a fund's loans will still collect, by borrower, valued once at
                ``rate_step`` for every claim that reads them (:meth:`Revolving.loan_values`).
        """
        city = self.host.cities[pilot.city]
        owed = city.commitments.owed(pilot.id)
        if pilot.reserve:
            owed += self.host.ledger.balance(pilot.reserve)
        return [Claim("commitment", pilot.id, -owed)] if owed > 0 else []


class Grant(Instrument):
    """The city pays the public part from its budget in instalments (DOMAIN: finance).

    Under innovation procurement the city also reimburses part of each private partner's
    contribution when a pilot fails, as far as this year's budget allows.
    """

    name = "grant"

    def close(self, pilot: FinancedPilot) -> bool:
        """Commit the public part on the budget if every year it falls in has room."""
        city = self.host.cities[pilot.city]
        if pilot.public > self.budget_capacity(city, pilot) + 1e-6:
            self.deal_row(pilot, closed=False, reason="budget")
            return False
        self.commit_budget(city, pilot, pilot.public)
        self.deal_row(pilot, closed=True, reason="grant")
        return True

    def instalment(self, pilot: FinancedPilot) -> bool:
        """Pay this step's grant instalment."""
        return self.budget_instalment(self.host.cities[pilot.city], pilot)

    def settle(self, pilot: FinancedPilot, success: bool, outcome: float) -> None:
        """Reimburse private partners' losses on failure under innovation procurement."""
        self.release_commitment(pilot)
        cover = failure_cover(self.host.config.incentives)
        if success or cover == 0:
            return
        host = self.host
        city = host.cities[pilot.city]
        for firm in pilot.members:
            if host.population.sector[firm] != FIRM:
                continue
            account = host.orgs[firm].account
            amount = min(cover * pilot.paid.get(account, 0.0), max(self.room_now(city), 0.0))
            host.pay(city.budget_account, account, amount, "failure_cover", pilot)


class Blended(Instrument):
    """Commercial senior debt beside the city's tranche, with a concessional first-loss cover.

    See :class:`sim.scenario.finance.BlendedConfig`. At close the commercial lender lends the
    senior part into the pilot, a concessional provider posts the first-loss cover in the
    pilot's guarantee account, and the city commits its tranche on the budget. The senior loan
    is served first from the pilot's stream after the outcome; when it is repaid the cover is
    released, and what a failure or the end of the stream leaves unpaid is called on the cover.
    """

    name = "blended"

    def __init__(self, host: FinanceHost) -> None:
        super().__init__(host)
        self.loans: dict[int, tuple[Loan, str, str, str]] = {}
        """Live senior loans by pilot: loan, lender, guarantee account, cover provider."""

    def capacity(self, city: City, pilot: FinancedPilot) -> float:
        """The budget pays only the city's tranche of the public part."""
        share = 1.0 - self.host.config.finance.blended.commercial_share
        budget = self.budget_capacity(city, pilot)
        return budget / share if share > 0 else math.inf

    def close(self, pilot: FinancedPilot) -> bool:
        """Lend, post the cover and commit the tranche, if the lenders and the budget can."""
        host = self.host
        cfg = host.config.finance.blended
        city = host.cities[pilot.city]
        deal = pilot.deal
        senior = cfg.commercial_share * pilot.public
        cover = deal.first_loss if deal is not None else 0.0
        tranche = pilot.public - senior
        lender = self.provider(("commercial",), senior)
        concessional = self.provider(CONCESSIONAL_KINDS, cover)
        reason = "blended"
        if deal is None or not deal.closes:
            reason = "below_hurdle"
        elif tranche > self.budget_capacity(city, pilot) + 1e-6:
            reason = "budget"
        elif lender is None and senior > 0:
            reason = "no_commercial_capital"
        elif concessional is None and cover > 0:
            reason = "no_concessional_capital"
        closed = reason == "blended"
        self.deal_row(
            pilot,
            closed=closed,
            reason=reason,
            senior=senior if closed else 0.0,
            first_loss=cover if closed else 0.0,
            leverage=senior / cover if closed and cover > 0 else math.nan,
        )
        if not closed:
            return False
        guarantee = f"guarantee:{pilot.id}"
        host.ledger.open(guarantee, AccountKind.GUARANTEE, owner=pilot.id)
        if concessional is not None:
            host.guarantee_providers[guarantee] = concessional.account
        if cover > 0:
            host.pay(concessional.account, guarantee, cover, "first_loss_cover", pilot)
        if senior > 0:
            host.contribute(lender.account, pilot, senior, "senior_loan")
        self.commit_budget(city, pilot, tranche)
        steps = min(cfg.term_years * self.steps_per_year, pilot.service_steps)
        rate = step_rate(cfg.coupon, self.steps_per_year)
        loan = Loan(accrued(senior, rate, self._grace(pilot)), rate, max(steps, 1))
        self.loans[pilot.id] = (
            loan,
            lender.account if lender else "",
            guarantee,
            concessional.account if concessional else "",
        )
        pilot.guarantee = guarantee
        return True

    def instalment(self, pilot: FinancedPilot) -> bool:
        """Pay this step's instalment of the city's tranche."""
        return self.budget_instalment(self.host.cities[pilot.city], pilot)

    def serve(self, pilot: FinancedPilot, available: float) -> float:
        """Serve the senior loan from the stream; release the cover once it is repaid."""
        if pilot.id not in self.loans:
            return 0.0
        loan, lender, _, _ = self.loans[pilot.id]
        paid = loan.pay(available)
        self.host.pay(pilot.account, lender, paid, "senior_repayment", pilot)
        if not loan.live:
            self._wind_up(pilot)
        return paid

    def settle(self, pilot: FinancedPilot, success: bool, outcome: float) -> None:
        """A failure repays the senior from its salvage, then calls the cover."""
        self.release_commitment(pilot)
        if not success:
            self._recover(pilot, self.host.ledger.balance(pilot.account))

    def stream_ended(self, pilot: FinancedPilot) -> None:
        """Whatever the stream left unpaid is called on the cover."""
        self._recover(pilot, 0.0)

    def cancel(self, pilot: FinancedPilot, refunds: dict[str, float]) -> None:
        """The lender's refund repays the loan first; the rest is called on the cover."""
        self.release_commitment(pilot)
        if pilot.id in self.loans:
            loan, lender, _, _ = self.loans[pilot.id]
            loan.outstanding = max(self._owed_now(loan, pilot) - refunds.get(lender, 0.0), 0.0)
        self._recover(pilot, 0.0)

    def _recover(self, pilot: FinancedPilot, cash: float) -> None:
        """Pay the senior from ``cash`` in the pilot account, then from the cover; wind up."""
        if pilot.id not in self.loans:
            return
        loan, lender, guarantee, _ = self.loans[pilot.id]
        from_pilot = min(cash, loan.outstanding)
        self.host.pay(pilot.account, lender, from_pilot, "senior_recovery", pilot)
        loan.outstanding -= from_pilot
        called = min(self.host.ledger.balance(guarantee), loan.outstanding)
        self.host.pay(guarantee, lender, called, "first_loss_call", pilot)
        loan.outstanding -= called
        self.host.investor_write_offs += max(loan.outstanding, 0.0)
        loan.outstanding = 0.0
        self._wind_up(pilot)

    def _wind_up(self, pilot: FinancedPilot) -> None:
        """Release what is left of the cover to its provider and forget the loan."""
        _, _, guarantee, provider = self.loans.pop(pilot.id)
        if provider:
            self._release(guarantee, provider, pilot, "cover_release")

    def claims(
        self, pilot: FinancedPilot, rate_step: float, loans: Mapping[int, Sequence[float]]
    ) -> list[Claim]:
        """A public cover's expected call is a public liability."""
        claims = super().claims(pilot, rate_step, loans)
        if pilot.id not in self.loans:
            return claims
        loan, _, guarantee, provider = self.loans[pilot.id]
        if not self.host.is_public(provider):
            return claims
        held = self.host.ledger.balance(guarantee)
        at_risk = min(held, loan.outstanding)
        odds = 1.0 - pilot.success_prob if not pilot.ended else 0.0
        claims.append(Claim("guarantee", pilot.id, -odds * at_risk))
        return claims


class Revolving(Instrument):
    """A revolving fund per city lends to pilots and programmes (DOMAIN: finance; EPA-SRF).

    See :class:`sim.scenario.finance.RevolvingConfig`. The fund account ``fund:{city}`` is
    ring-fenced: budget cuts and lapses never touch it. Loans are disbursed in full at close and
    served from the borrower's stream after its outcome; a failure repays what its salvage
    covers and the rest is written off.
    """

    name = "revolving"

    def __init__(self, host: FinanceHost) -> None:
        super().__init__(host)
        self.loans: dict[int, list[tuple[Loan, str]]] = {}
        """Live loans by pilot id (a pilot and its programme may each borrow), with the fund."""
        self.public_capital: dict[str, float] = {}
        """Capitalisation of each fund from public money (EUR)."""
        self.private_capital: dict[str, float] = {}
        """Capitalisation of each fund from private matching providers (EUR)."""
        cfg = host.config.finance.revolving
        for city in host.cities:
            fund = self.account(city)
            host.ledger.open(fund, AccountKind.FUND, owner=city.idx)
            self.public_capital[fund] = 0.0
            self.private_capital[fund] = 0.0
            if cfg.initial_capital > 0:
                host.pay(
                    city.treasury_account, city.budget_account, cfg.initial_capital, "appropriation"
                )
                self.capitalise(city, cfg.initial_capital)

    @staticmethod
    def account(city: City) -> str:
        """The city's fund account."""
        return f"fund:{city.city}"

    def planned(self, city: City) -> float:
        """What the budget keeps after capitalising the fund."""
        return city.annual_budget * (1.0 - self.host.config.finance.revolving.yearly_share)

    def capitalise(self, city: City, amount: float) -> None:
        """Move budget into the fund, with the concessional match as far as providers can."""
        host = self.host
        fund = self.account(city)
        host.pay(city.budget_account, fund, amount, "fund_capitalisation")
        self.public_capital[fund] += amount
        match = amount * host.config.finance.revolving.match_rate
        provider = self.provider(CONCESSIONAL_KINDS, match)
        if provider is not None and match > 0:
            host.pay(provider.account, fund, match, "fund_match")
            if host.is_public(provider.account):
                self.public_capital[fund] += match
            else:
                self.private_capital[fund] += match

    def new_year(self, city: City) -> None:
        """Capitalise the fund from the new year's budget, beyond the year's dues."""
        share = self.host.config.finance.revolving.yearly_share
        self.capitalise(city, max(self.room_now(city), 0.0) * share)

    def capacity(self, city: City, pilot: FinancedPilot) -> float:
        """The fund lends what it holds."""
        return self.host.ledger.balance(self.account(city))

    def close(self, pilot: FinancedPilot) -> bool:
        """Lend the public part if the fund holds enough."""
        host = self.host
        cfg = host.config.finance.revolving
        fund = self.account(host.cities[pilot.city])
        amount = pilot.public
        if host.ledger.balance(fund) < amount - 1e-6:
            self.deal_row(pilot, closed=False, reason="fund_empty")
            return False
        host.contribute(fund, pilot, amount, "loan")
        self._book_loan(pilot, fund, amount, pilot.service_steps, self._grace(pilot))
        self.deal_row(pilot, closed=True, reason="loan", rate=cfg.rate)
        return True

    def lend_programme(self, pilot: FinancedPilot, amount: float, coverage: float) -> bool:
        """Lend a proven pilot the investment to scale into a programme, if the rule allows.

        Args:
            pilot: The successful pilot.
            amount: The programme's investment (EUR).
            coverage: Its expected yearly savings per EUR of yearly debt service.
        """
        host = self.host
        cfg = host.config.finance
        if not cfg.revolving.scaleups:
            return False
        if cfg.screens and coverage < cfg.revolving.min_coverage:
            return False
        fund = self.account(host.cities[pilot.city])
        if host.ledger.balance(fund) < amount - 1e-6:
            return False
        host.pay(fund, SUPPLIERS, amount, "programme_loan", pilot)
        self._book_loan(pilot, fund, amount, pilot.service_steps, 0)
        return True

    def debt_service(self, amount: float, service_steps: int) -> tuple[float, int]:
        """Return (rate per step, term in steps) of a loan: the fund's terms, capped by life."""
        cfg = self.host.config.finance.revolving
        term = max(min(cfg.term_years * self.steps_per_year, service_steps), 1)
        return step_rate(cfg.rate, self.steps_per_year), term

    def _book_loan(
        self, pilot: FinancedPilot, fund: str, amount: float, service: int, grace: int
    ) -> None:
        """Book a loan owed, with its interest over ``grace`` steps, from the outcome on."""
        rate, term = self.debt_service(amount, service)
        loan = Loan(accrued(amount, rate, grace), rate, term)
        self.loans.setdefault(pilot.id, []).append((loan, fund))

    def serve(self, pilot: FinancedPilot, available: float) -> float:
        """Serve the pilot's loans from its stream, oldest first."""
        taken = 0.0
        for loan, fund in self.loans.get(pilot.id, []):
            left = min(available - taken, self.host.ledger.balance(pilot.account))
            paid = loan.pay(left)
            self.host.pay(pilot.account, fund, paid, "repayment", pilot)
            taken += paid
        self.loans[pilot.id] = [
            (loan, fund) for loan, fund in self.loans.get(pilot.id, []) if loan.live
        ]
        if not self.loans[pilot.id]:
            del self.loans[pilot.id]
        return taken

    def settle(self, pilot: FinancedPilot, success: bool, outcome: float) -> None:
        """A failed pilot repays what its salvage covers; the rest is written off."""
        if not success:
            self._default(pilot, self.host.ledger.balance(pilot.account))

    def stream_ended(self, pilot: FinancedPilot) -> None:
        """What the stream could not repay is written off."""
        self._default(pilot, 0.0)

    def cancel(self, pilot: FinancedPilot, refunds: dict[str, float]) -> None:
        """The refund to the fund repays the loan; the rest is written off."""
        for loan, fund in self.loans.get(pilot.id, []):
            loan.outstanding = max(self._owed_now(loan, pilot) - refunds.get(fund, 0.0), 0.0)
        self._default(pilot, 0.0)

    def _default(self, pilot: FinancedPilot, cash: float) -> None:
        """Recover from ``cash`` in the pilot account, write off the rest."""
        for loan, fund in self.loans.pop(pilot.id, []):
            recovered, written_off = loan.default(
                min(cash, self.host.ledger.balance(pilot.account))
            )
            self.host.pay(pilot.account, fund, recovered, "recovery", pilot)
            cash -= recovered
            self.host.write_offs += written_off

    def loan_values(self, rate_step: float) -> dict[int, list[float]]:
        """Return what each live loan will still collect (:func:`expected_repayment`, EUR).

        By borrower, in the order of its loans: one valuation of the loans at a rate per step,
        shared by every claim that reads it (the fund's claim on its borrower, the borrower's
        savings net of debt, the private match's share of the fund).
        """
        now, pilots = self.host.now, self.host.pilots
        return {
            pid: [
                expected_repayment(loan, pilots[pid], rate_step=rate_step, now=now)
                for loan, _ in book
            ]
            for pid, book in self.loans.items()
        }

    def claims(
        self, pilot: FinancedPilot, rate_step: float, loans: Mapping[int, Sequence[float]]
    ) -> list[Claim]:
        """Loans outstanding, at the expected value of what the borrower will still pay."""
        claims = super().claims(pilot, rate_step, loans)
        claims += [Claim("loan", pilot.id, value) for value in loans.get(pilot.id, ())]
        return claims

    def fund_claims(self, loans: Mapping[int, Sequence[float]]) -> list[Claim]:
        """The private matchers' share of each fund's holdings and loans: a public liability.

        Args:
            loans: The loans' values, from :meth:`loan_values`.
        """
        claims = []
        for city in self.host.cities:
            fund = self.account(city)
            private = self.private_capital[fund]
            total = private + self.public_capital[fund]
            if private <= 0 or total <= 0:
                continue
            lent = sum(
                value
                for pid, book in self.loans.items()
                for (_, lender), value in zip(book, loans[pid], strict=True)
                if lender == fund
            )
            position = self.host.ledger.balance(fund) + lent
            claims.append(Claim("private_match", -1, -position * private / total))
        return claims


class OutcomeBased(Instrument):
    """Outcome-based finance: a social impact bond, or a performance-based contract.

    With firms pre-financing (``prefinance: providers``) it is a performance-based contract,
    and with ``payment: pro_rata`` as well a shared-savings contract (see
    :class:`sim.scenario.finance.OutcomeConfig`). Signed contracts are ring-fenced: the maximum
    payment sits in an escrow account ``escrow:{pilot}`` that budget cuts and lapses never touch.
    """

    name = "outcome_based"

    def __init__(self, host: FinanceHost) -> None:
        super().__init__(host)
        self.contracts: dict[int, dict] = {}
        """Signed contracts by pilot id: escrow, investors' shares, maximum payment, noise."""

    def capacity(self, city: City, pilot: FinancedPilot) -> float:
        """The escrow comes from this year's budget."""
        return max(self.room_now(city), 0.0)

    def close(self, pilot: FinancedPilot) -> bool:
        """Sign if the investors' premium fits under the cap and the city can escrow."""
        host = self.host
        cfg = host.config.finance.outcome_based
        city = host.cities[pilot.city]
        deal = pilot.deal
        evaluation = cfg.evaluation_cost * pilot.cost
        maximum = deal.maximum if deal is not None else 0.0
        investors = self._investors(pilot, pilot.public)
        reason = "outcome_contract"
        if deal is None or not deal.closes:
            reason = "premium_above_cap"
        elif maximum + evaluation > self.room_now(city) + 1e-6:
            reason = "budget"
        elif not investors:
            reason = "no_investor_capital"
        closed = reason == "outcome_contract"
        self.deal_row(
            pilot,
            closed=closed,
            reason=reason,
            expected_return=deal.premium if deal else math.nan,
            expected_fraction=deal.expected_fraction if deal else math.nan,
            noise_sd=pilot.noise_sd,
        )
        if not closed:
            return False
        escrow = f"escrow:{pilot.id}"
        host.ledger.open(escrow, AccountKind.ESCROW, owner=city.idx)
        host.pay(city.budget_account, escrow, maximum + evaluation, "escrow", pilot)
        for account, amount in investors.items():
            host.contribute(account, pilot, amount, "outcome_prefinance")
        self.contracts[pilot.id] = {
            "escrow": escrow,
            "investors": investors,
            "maximum": maximum,
            "evaluation": evaluation,
            "evaluator": self._evaluator(pilot),
            "fraction": deal.expected_fraction,
        }
        return True

    def _investors(self, pilot: FinancedPilot, amount: float) -> dict[str, float]:
        """Return who pre-finances how much (EUR by account); empty if they cannot."""
        host = self.host
        if host.config.finance.outcome_based.prefinance == "investors":
            provider = self.provider(("impact",), amount)
            return {provider.account: amount} if provider else {}
        firms = [m for m in pilot.members if host.population.sector[m] == FIRM]
        accounts = [host.orgs[f].account for f in firms]
        weights = [pilot.commitments.get(a, 0.0) for a in accounts]
        total = sum(weights)
        if total <= 0:
            return {}
        split = {a: amount * w / total for a, w in zip(accounts, weights, strict=True) if w > 0}
        if any(host.free_capital(a) < pilot.commitments.get(a, 0.0) + v for a, v in split.items()):
            return {}
        return split

    def _evaluator(self, pilot: FinancedPilot) -> str:
        """The account paid for the evaluation: an academic partner, else outside suppliers."""
        host = self.host
        for member in pilot.members:
            if host.population.sector[member] == ACADEMIA:
                return host.orgs[member].account
        return SUPPLIERS

    def settle(self, pilot: FinancedPilot, success: bool, outcome: float) -> None:
        """Measure the outcome with noise and pay what the contract says, from the escrow."""
        host = self.host
        cfg = host.config.finance.outcome_based
        contract = self.contracts.pop(pilot.id)
        escrow = contract["escrow"]
        measured = outcome + pilot.noise_sd * pilot.evaluation_draw
        share = payment_fraction(measured, rule=cfg.payment, threshold=cfg.threshold, band=cfg.band)
        host.pay(escrow, contract["evaluator"], contract["evaluation"], "evaluation", pilot)
        invested = sum(contract["investors"].values()) or 1.0  # a contract on nothing pays 0
        for account, amount in contract["investors"].items():
            payment = share * contract["maximum"] * amount / invested
            # the escrow was funded to the cent: never ask for a rounding cent more
            payment = min(payment, host.ledger.balance(escrow))
            host.pay(escrow, account, payment, "outcome_payment", pilot)
        host.outcome_withheld += (1.0 - share) * contract["maximum"]
        host.outcome_records.append(
            {
                "pilot_id": pilot.id,
                "outcome": outcome,
                "measured": measured,
                "paid_share": share,
                "maximum": contract["maximum"],
                "succeeded": success,
            }
        )
        self._release(escrow, host.cities[pilot.city].budget_account, pilot, "escrow_release")

    def cancel(self, pilot: FinancedPilot, refunds: dict[str, float]) -> None:
        """A cancelled contract pays nothing; the escrow returns to the budget."""
        contract = self.contracts.pop(pilot.id, None)
        if contract is not None:
            budget = self.host.cities[pilot.city].budget_account
            self._release(contract["escrow"], budget, pilot, "escrow_release")

    def claims(
        self, pilot: FinancedPilot, rate_step: float, loans: Mapping[int, Sequence[float]]
    ) -> list[Claim]:
        """An unevaluated contract owes its expected payment and the evaluation."""
        contract = self.contracts.get(pilot.id)
        if contract is None:
            return []
        steps = max(pilot.outcome_step - self.host.now, 0)
        owed = contract["fraction"] * contract["maximum"] * (1.0 + rate_step) ** -steps
        return [Claim("outcome_payment", pilot.id, -(owed + contract["evaluation"]))]


INSTRUMENTS: dict[str, type[Instrument]] = {
    cls.name: cls for cls in (Grant, Blended, Revolving, OutcomeBased)
}
"""Instrument classes by scenario name (``finance.instruments``)."""


def expected_repayment(loan: Loan, pilot: FinancedPilot, *, rate_step: float, now: int) -> float:
    """Return what a loan will still collect, in expectation, valued at ``now`` (EUR).

    A pilot in service pays from its realised stream for the steps it has left; a pilot whose
    outcome is not known yet pays from its expected stream if it succeeds (its odds) and from
    its salvage if it fails. Discounted at the public rate per step.

    Args:
        loan: The loan (not changed).
        pilot: Its borrower.
        rate_step: Public discount rate per step.
        now: The current step.
    """
    if not loan.live:
        return 0.0
    if pilot.in_service:
        remaining = max(loan.term - loan.payments_made, 1)
        paid, _ = serviced_path(
            loan.outstanding, loan.rate, remaining, pilot.realised_stream, pilot.stream_steps_left
        )
        return present_value(paid, rate_step)
    if pilot.ended:
        return 0.0
    paid, _ = serviced_path(
        loan.outstanding, loan.rate, loan.term, pilot.expected_stream, pilot.service_steps
    )
    success = present_value(paid, rate_step)
    failure = min(pilot.salvage, loan.outstanding)
    ahead = max(pilot.outcome_step - now, 0)
    odds = pilot.success_prob
    return (odds * success + (1.0 - odds) * failure) * (1.0 + rate_step) ** -ahead
