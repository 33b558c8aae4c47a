"""Pilots at work: running, ending, their savings, programmes and replicas.

:class:`Operating` is a part of :class:`sim.model.model.PartnershipModel` (a mixin). Each quarter
a running pilot takes its public instalment and its partners' instalments (a partner may
withdraw) and pays its suppliers; at its last running step its outcome is known. A success
yields a stream of savings from the next quarter, which pays the contract's claims first and
then the negotiated split between the city's treasury and the partners; a failure yields only
its salvage, which repays its lenders first. A success may scale into a programme (financed by a
fund's loan or the budget) and be replicated in other cities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import numpy as np

from sim.finance.accounts import ECONOMY, SUPPLIERS
from sim.finance.commitments import fiscal_year
from sim.finance.formulas import annuity_factor, annuity_payment, true_outcome
from sim.finance.ledger import from_cents, to_cents
from sim.finance.public_cost import Claim
from sim.model import incentives
from sim.model.lifecycle import PilotState
from sim.model.pilot import Pilot, Stream
from sim.model.success import scaleup_probability
from sim.scenario.fields import ACADEMIA, FIRM, GOVERNMENT


class Operating:
    """Running pilots, their savings and what follows (part of the model)."""

    def run_pilots(self) -> None:
        """Advance every pilot one quarter: savings first, then running pilots, then starts."""
        serving = [p for p in self.pilots_in_service if p.in_service]
        for pilot in serving:
            self._serve(pilot)
        self.pilots_in_service = [p for p in serving if p.in_service]
        running = []
        for pilot in list(self.active.values()):
            if pilot.state is PilotState.FINANCED and pilot.start_step <= self.now:
                self._move(pilot, PilotState.RUNNING, reason="start")
            if pilot.state is PilotState.RUNNING:
                running.append(pilot)
        for pilot in running:
            self._run_pilot(pilot)
        for pilot in self.programmes:
            value = self.config.scaleup.programme_value * pilot.cost
            self.citizens[pilot.city].deliver(pilot.neighbourhood, value)
            self.public_value += value

    def _run_pilot(self, pilot: Pilot) -> None:
        """One step of a running pilot: instalments, withdrawals, delivery, maybe its end."""
        pilot.progress += 1
        if not self.instruments[pilot.instrument].instalment(pilot):
            self.cancel(pilot, "public_funding_cut", (self.cities[pilot.city].idx,))
            return
        mean_trust: list[float] = []  # each party's in the others, read if a draw needs it

        def trust(position: int) -> float:
            if not mean_trust:
                mean_trust.extend(self.network.mean_trust(list(pilot.parties)).tolist())
            return mean_trust[position]

        balance = self.ledger.balance
        commitments, paid = pilot.commitments, pilot.paid
        for position, party, account, reason in pilot.payers or self._payers(pilot):
            due = commitments.get(account, 0.0) * pilot.progress / pilot.duration
            due -= paid.get(account, 0.0)
            quits = self.orgs[party].withdraws(partial(trust, position), pilot.rng)
            if quits or due > balance(account):
                self._withdraw(pilot, party, "partner_withdrew" if quits else "partner_insolvent")
                return
            self.contribute(account, pilot, due, reason)
            self.outstanding[account] -= due
        spend = pilot.cost * pilot.progress / pilot.duration - pilot.spent
        spend = min(spend, balance(pilot.account))
        self.pay(pilot.account, SUPPLIERS, spend, "delivery", pilot)
        pilot.spent += spend
        if pilot.progress >= pilot.duration:
            self._conclude(pilot)

    def _payers(self, pilot: Pilot) -> tuple[tuple[int, int, str, str], ...]:
        """Find, once per pilot, the partners who pay in as it runs (:attr:`Pilot.payers`)."""
        city = self.cities[pilot.city].idx
        sector = self.sectors
        accounts = pilot.payees or self._payees(pilot)
        pilot.payers = tuple(
            (
                position,
                party,
                accounts[position],
                "private_contribution" if sector[party] == FIRM else "partner_contribution",
            )
            for position, party in enumerate(pilot.parties)
            if party != city
        )
        return pilot.payers

    def cancel(self, pilot: Pilot, reason: str, parties: tuple[int, ...]) -> None:
        """Cancel a financed or running pilot: refunds pro rata, the instrument winds up."""
        self._move(pilot, PilotState.CANCELLED, reason=reason, parties=parties)
        self.instruments[pilot.instrument].cancel(pilot, self._refund(pilot))
        self._split(pilot, self.ledger.balance(pilot.account), "residual")

    def _withdraw(self, pilot: Pilot, party: int, reason: str) -> None:
        """A partner leaves: the pilot is cancelled, money left is refunded, trust erodes."""
        self.cancel(pilot, reason, (party,))
        others = [p for p in pilot.parties if p != party]
        self.network.observe(others, {party: -1.0}, 1.0, self.trust_params, self._dependence(pilot))
        self.citizens[pilot.city].witness(pilot.neighbourhood, -0.5, self.trust_params)

    def _refund(self, pilot: Pilot) -> dict[str, float]:
        """Release unpaid commitments and return what is left to those who paid in, pro rata.

        Returns:
            The refund to each account (EUR).
        """
        for account, amount in pilot.commitments.items():
            if account in self.outstanding:
                self.outstanding[account] -= amount - pilot.paid.get(account, 0.0)
        left = self.ledger.balance_cents(pilot.account)
        total = sum(pilot.paid.values())
        if left <= 0 or total <= 0:
            return {}
        payers = [a for a, v in pilot.paid.items() if v > 0]
        refunds: dict[str, float] = {}
        remaining = left  # what is still in the pilot account (cents)
        for position, account in enumerate(payers):
            last = position == len(payers) - 1
            cents = (
                remaining
                if last
                else min(math.floor(left * pilot.paid[account] / total), remaining)
            )
            refunds[account] = from_cents(cents)
            if cents > 0:
                self.pay_cents(pilot.account, account, cents, "refund", pilot)
                remaining -= cents
        return refunds

    # ----------------------------------------------------------------------- outcome

    def _conclude(self, pilot: Pilot) -> None:
        """The pilot ends: outcome, payments, learning, trust, citizens and maybe scale-up."""
        cfg = self.config
        success = pilot.outcome_draw < pilot.success_prob
        self.pay(pilot.account, SUPPLIERS, self.ledger.balance(pilot.account), "delivery", pilot)
        self._move(pilot, PilotState.SUCCEEDED if success else PilotState.FAILED, reason="outcome")
        if not success:
            self.pay(ECONOMY, pilot.account, pilot.salvage, "salvage", pilot)
        self.instruments[pilot.instrument].settle(
            pilot, success, true_outcome(pilot.outcome_draw, pilot.success_prob)
        )
        self._split(pilot, self.ledger.balance(pilot.account), "residual")
        members = list(pilot.members)
        if success:
            value = cfg.pilots.value_multiple * pilot.cost
            self.citizens[pilot.city].deliver(pilot.neighbourhood, value)
            self.public_value += value
            per_step = pilot.expected_stream * pilot.luck
            pilot.streams.append(Stream(per_step, pilot.service_steps, self._shares(pilot)))
            self.pilots_in_service.append(pilot)
        self._learn(members, pilot.domain)
        noise = pilot.rng.normal(0.0, 0.5, size=len(pilot.parties))
        performance = {
            p: 1.0 + (0.5 if success else -0.5) + e
            for p, e in zip(pilot.parties, noise.tolist(), strict=True)
        }
        self.network.observe(
            list(pilot.parties), performance, 1.0, self.trust_params, self._dependence(pilot)
        )
        self.network.record_collaboration(list(pilot.parties))
        self.citizens[pilot.city].witness(
            pilot.neighbourhood, 1.0 if success else -0.25, self.trust_params
        )
        if success:
            self._maybe_scale(pilot)
            self._replicate(pilot)

    def _shares(self, pilot: Pilot) -> np.ndarray:
        """Return each party's share of a pilot's residual savings (the negotiated split)."""
        assert pilot.terms is not None
        return np.asarray(pilot.terms.savings_split, dtype=float)

    def _split(
        self, pilot: Pilot, amount: float, reason: str, shares: np.ndarray | None = None
    ) -> None:
        """Pay ``amount`` out of the pilot account to its parties by ``shares`` (EUR)."""
        amount_cents = min(to_cents(amount), self.ledger.balance_cents(pilot.account))
        if amount_cents <= 0 or not pilot.parties:
            return
        fractions = (self._shares(pilot) if shares is None else shares).tolist()
        last = len(pilot.parties) - 1
        left = amount_cents  # what is still to be paid out (cents)
        for position, payee in enumerate(pilot.payees or self._payees(pilot)):
            cents = (
                left
                if position == last
                else min(math.floor(amount_cents * fractions[position]), left)
            )
            if cents > 0:
                self.pay_cents(pilot.account, payee, cents, reason, pilot)
                left -= cents

    def _payees(self, pilot: Pilot) -> tuple[str, ...]:
        """Find, once per pilot, where its parties' shares go (:attr:`Pilot.payees`)."""
        city = self.cities[pilot.city]
        pilot.payees = tuple(
            city.treasury_account if party == city.idx else self.orgs[party].account
            for party in pilot.parties
        )
        return pilot.payees

    def _serve(self, pilot: Pilot) -> None:
        """One quarter of savings: in from the economy, the contract's claims, then the split."""
        live = [s for s in pilot.streams if s.steps_left > 0]
        total = sum(s.per_step for s in live)
        self.pay(ECONOMY, pilot.account, total, "savings", pilot)
        contracts = [self.instruments[pilot.instrument]]  # its own, then a fund's programme loan
        fund = self.instruments.get("revolving")
        if fund is not None and pilot.instrument != "revolving":
            contracts.append(fund)
        for contract in contracts:
            contract.serve(pilot, self.ledger.balance(pilot.account))
        residual = self.ledger.balance(pilot.account)
        for position, stream in enumerate(live):
            weight = stream.per_step / total if total > 0 else 0.0
            last = position == len(live) - 1
            amount = self.ledger.balance(pilot.account) if last else residual * weight
            self._split(pilot, amount, "savings_share", stream.split)
            stream.steps_left -= 1
        if not pilot.in_service:
            for contract in contracts:
                contract.stream_ended(pilot)
            self._split(pilot, self.ledger.balance(pilot.account), "residual")

    def stream_claims(self, pilot: Pilot, rate: float, loans: Sequence[float]) -> list[Claim]:
        """Return the city's share of a pilot's savings still to come, at expected cash (EUR).

        A pilot in service: its residual after debt service for the steps it has left; a pilot
        whose outcome is not known yet: its deal's expected residual share, brought to now.

        Args:
            pilot: The pilot.
            rate: Public discount rate per step at which future cash is valued now.
            loans: What a fund's loans to the pilot will still collect, valued at ``rate``
                (:meth:`sim.finance.instruments.Revolving.loan_values`; EUR).
        """
        city_position = pilot.parties.index(self.cities[pilot.city].idx) if pilot.parties else -1
        if city_position < 0:
            return []
        if pilot.in_service:
            value = 0.0
            for stream in pilot.streams:
                if stream.steps_left > 0:
                    value += (
                        float(stream.split[city_position])
                        * stream.per_step
                        * annuity_factor(rate, stream.steps_left)
                    )
            debt = sum(loans)
            if pilot.instrument == "blended":
                debt += self._senior_value(pilot, rate)
            share = float(self._shares(pilot)[city_position])
            return [Claim("stream_share", pilot.id, max(value - share * debt, 0.0))]
        if pilot.ended or pilot.deal is None:
            return []
        elapsed = self.now - (pilot.start_step - self.config.pilots.start_delay)
        share = float(self._shares(pilot)[city_position])  # the negotiated split, as paid
        value = share * pilot.deal.partner_return * pilot.cost * (1.0 + rate) ** elapsed
        return [Claim("stream_share", pilot.id, value)]

    def _senior_value(self, pilot: Pilot, rate: float) -> float:
        """Return what a blended pilot's senior loan will still take from its stream (EUR)."""
        loan = self.instruments["blended"].loans.get(pilot.id)
        if loan is None:
            return 0.0
        debt, *_ = loan
        remaining = max(debt.term - debt.payments_made, 1)
        payment = min(
            annuity_payment(debt.outstanding, debt.rate, remaining), pilot.realised_stream
        )
        return payment * annuity_factor(rate, min(remaining, pilot.stream_steps_left))

    def _dependence(self, pilot: Pilot) -> dict[int, float]:
        """Return how far the partners depended on each party: its share of the cost."""
        assert pilot.terms is not None
        shares = pilot.terms.cost_shares / pilot.cost
        return dict(zip(pilot.parties, shares.tolist(), strict=True))

    def _learn(self, members: list[int], domain: int) -> None:
        """Participation builds capability in the pilot's domain; academia speeds it up."""
        cfg = self.config
        sectors = self.sectors
        rate = cfg.learning.learning_rate * incentives.learning_multiplier(cfg.incentives)
        if any(sectors[m] == ACADEMIA for m in members):
            rate *= 1.0 + cfg.learning.academic_spillover
        rate = min(rate, 1.0)
        # one member at a time on Python floats: the same arithmetic as on the array, without
        # the fancy indexing that cost more than the update for a handful of members
        capability = self.population.capability
        for m in members:
            if sectors[m] != GOVERNMENT:
                level = float(capability[m, domain])
                capability[m, domain] = level + rate * (1.0 - level)

    # ----------------------------------------------------------------------- after a success

    def _maybe_scale(self, pilot: Pilot) -> None:
        """A success may scale into a programme, if someone finances the investment.

        The odds rise with citizen support and private interest; the investment is
        ``scaleup.cost_multiple`` times the pilot's cost and yields the pilot's realised savings
        multiple. A fund lends it where the city runs one and its rule allows (the programme
        serves the loan first, then the negotiated split); otherwise the budget pays it as a
        grant if this year's budget has room (the programme's savings then go to the city);
        otherwise the pilot does not scale.
        """
        cfg = self.config
        city = self.cities[pilot.city]
        private = sum(
            pilot.commitments.get(self.orgs[p].account, 0.0)
            for p in pilot.members
            if self.sectors[p] == FIRM
        )
        p = scaleup_probability(
            support=self.citizens[pilot.city].support(pilot.neighbourhood),
            private_share=private / pilot.cost,
            cfg=cfg.scaleup,
        )
        if pilot.scale_draw >= p or cfg.scaleup.cost_multiple <= 0:
            return
        investment = cfg.scaleup.cost_multiple * pilot.cost
        per_step = investment * pilot.savings_multiple * pilot.luck / pilot.service_steps
        split = self._shares(pilot)
        fund = self.instruments.get("revolving")
        rate, term = fund.debt_service(investment, pilot.service_steps) if fund else (0.0, 1)
        coverage = per_step / annuity_payment(investment, rate, term) if fund is not None else 0.0
        financed = fund is not None and fund.lend_programme(pilot, investment, coverage)
        if not financed:
            room = self.instruments[next(iter(self.instruments))].room_now(city)
            if room < investment:
                return
            self.pay(city.budget_account, SUPPLIERS, investment, "programme_grant", pilot)
            city_position = pilot.parties.index(city.idx)
            split = np.zeros(len(pilot.parties))
            split[city_position] = 1.0
        pilot.streams.append(Stream(per_step, pilot.service_steps, split))
        self._move(pilot, PilotState.SCALED, reason="programme")
        self.programmes.append(pilot)

    def _replicate(self, pilot: Pilot) -> None:
        """Other cities of the network may propose a replica of a proven original."""
        cfg = self.config.replication
        if cfg.probability == 0 or pilot.replica_of >= 0:
            return
        for city in self.cities:
            if city.city == pilot.city or pilot.rng.random() >= cfg.probability:
                continue
            index = self.replicas[(city.city, self.now)]
            self.replicas[(city.city, self.now)] += 1
            own = self.streams.for_proposal("replica", city.city, self.now, index)
            self.propose(city, city.idx, own, template=pilot)

    def fiscal_year_of(self, step: int) -> int:
        """Return the fiscal year of a step."""
        return fiscal_year(step, self.config.time.steps_per_year)
