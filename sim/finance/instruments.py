"""Finance instruments as pluggable rules: how the public part of a pilot is paid for.

A pilot's *public part* is what the terms leave to the city (its negotiated share plus any
co-funding match). Private partners pay their own shares in instalments while a pilot runs,
whatever the instrument; an instrument decides how the public part reaches the pilot account
(:meth:`Instrument.close`), what happens after the outcome (:meth:`Instrument.settle`) or a
cancellation (:meth:`Instrument.cancel`), what it does each fiscal year
(:meth:`Instrument.new_year`) and whether its pilots survive an election cut
(``ring_fenced``). Every unit moves through the model's ledger; the arithmetic lives in
:mod:`sim.finance.formulas`.

Each attempt to close a pilot's financing is recorded as a *deal* row (the model's ``deals``
table): instrument, whether it closed, why not, and its terms (expected return, premium).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from sim.finance import formulas as finance
from sim.finance.accounts import PROJECT_CASH, SUPPLIERS
from sim.finance.formulas import failure_cover
from sim.finance.ledger import AccountKind
from sim.scenario.fields import ACADEMIA, FIRM

if TYPE_CHECKING:
    from sim.finance.host import City as CityGovernment
    from sim.finance.host import FinancedPilot as Pilot
    from sim.finance.host import FinanceHost
    from sim.finance.host import Provider as CapitalProvider

CONCESSIONAL_KINDS = ("philanthropy", "development_bank")
"""Capital-provider kinds that give concessional money (first loss, fund match)."""


class Instrument:
    """Base of finance instruments.

    Args:
        model: The model that runs the instrument, seen through the :class:`FinanceHost`
            interface (its books, cities, capital providers, clock and streams).
    """

    name: ClassVar[str] = ""
    ring_fenced: ClassVar[bool] = False
    """Whether a new administration's cuts leave this instrument's pilots alone."""

    def __init__(self, model: FinanceHost) -> None:
        self.model = model

    def capacity(self, city: CityGovernment) -> float:
        """Return the largest public part the instrument could finance in ``city`` now (EUR).

        The city negotiates its share of a pilot up to the largest capacity of its instruments.
        """
        return city.budget

    def close(self, pilot: Pilot) -> bool:
        """Close the pilot's financing; return False, moving nothing, if it cannot close."""
        raise NotImplementedError

    def settle(self, pilot: Pilot, success: bool, outcome: float) -> None:
        """Make the payments due once the pilot's outcome is known.

        Args:
            pilot: The pilot that ended.
            success: Whether it succeeded (``outcome >= 0``).
            outcome: Its true outcome (SD around the success boundary).
        """

    def cancel(self, pilot: Pilot, refunds: dict[str, float]) -> None:
        """Wind the deal up after a cancellation and its pro-rata refunds (EUR by account)."""

    def new_year(self, city: CityGovernment) -> None:
        """Act at a fiscal year's start, after the year's budget was appropriated."""

    def deal(self, pilot: Pilot, *, closed: bool, reason: str, **terms: float) -> None:
        """Record an attempt to close financing in the model's deals table."""
        self.model.deals.append(
            {
                "step": self.model.now,
                "pilot_id": pilot.id,
                "city": pilot.city,
                "instrument": self.name,
                "closed": closed,
                "reason": reason,
                "public_part": self.model.public_part(pilot),
                "success_prob": pilot.success_prob,
                **terms,
            }
        )

    def years(self, pilot: Pilot) -> float:
        """Years from financial close to the pilot's end."""
        cfg = self.model.config
        return (cfg.pilots.start_delay + pilot.duration) / cfg.time.steps_per_year

    def provider(self, kinds: tuple[str, ...], amount: float) -> CapitalProvider | None:
        """Return the provider of ``kinds`` with the most capital, if it covers ``amount``."""
        candidates = [p for p in self.model.capital if p.kind in kinds]
        if not candidates:
            return None
        best = max(candidates, key=lambda p: p.capital)
        return best if best.capital >= amount else None


class Grant(Instrument):
    """The city pays the public part up front from the annual budget (DOMAIN: finance).

    Under innovation procurement the city also reimburses part of each private partner's
    contribution when a pilot fails, as far as this year's budget allows.
    """

    name = "grant"

    def close(self, pilot: Pilot) -> bool:
        """Pay the public part into the pilot account if the budget covers it."""
        city = self.model.cities[pilot.city]
        due = self.model.public_part(pilot)
        if due > city.budget:
            self.deal(pilot, closed=False, reason="budget")
            return False
        self.model.contribute(city.budget_account, pilot, due, "grant")
        self.deal(pilot, closed=True, reason="grant")
        return True

    def settle(self, pilot: Pilot, success: bool, outcome: float) -> None:
        """Reimburse private partners' losses on failure under innovation procurement."""
        cover = failure_cover(self.model.config.incentives)
        if success or cover == 0:
            return
        model = self.model
        city = model.cities[pilot.city]
        for firm in pilot.members:
            if model.population.sector[firm] != FIRM:
                continue
            account = model.orgs[firm].account
            amount = min(cover * pilot.paid.get(account, 0.0), city.budget)
            model.pay(city.budget_account, account, amount, "failure_cover", pilot)


class Blended(Instrument):
    """A capital stack: concessional first loss, a public tranche and commercial senior money.

    See :class:`sim.scenario.finance.BlendedConfig`. The commercial tranche joins only when
    :func:`sim.finance.formulas.senior_expected_return` clears its hurdle at the pilot's success
    odds.
    """

    name = "blended"

    def __init__(self, model: FinanceHost) -> None:
        super().__init__(model)
        self.stacks: dict[int, tuple[finance.Stack, str, str]] = {}
        """Each financed pilot's stack and the first-loss and senior providers' accounts."""

    def capacity(self, city: CityGovernment) -> float:
        """The budget pays only the public tranche of a stack."""
        cfg = self.model.config.finance.blended
        public = 1.0 - cfg.first_loss_share - cfg.commercial_share
        return city.budget / public if public > 0 else math.inf

    def close(self, pilot: Pilot) -> bool:
        """Assemble the stack if the commercial tranche clears its hurdle and all can pay."""
        cfg = self.model.config.finance.blended
        city = self.model.cities[pilot.city]
        public_part = self.model.public_part(pilot)
        stack = finance.Stack(
            first_loss=cfg.first_loss_share * public_part,
            public=(1.0 - cfg.first_loss_share - cfg.commercial_share) * public_part,
            senior=cfg.commercial_share * public_part,
        )
        expected = finance.senior_expected_return(
            stack,
            success_prob=pilot.success_prob,
            coupon=cfg.coupon,
            first_loss_rate=cfg.first_loss_rate,
            years=self.years(pilot),
            loss_given_default=cfg.loss_given_default,
        )
        concessional = self.provider(CONCESSIONAL_KINDS, stack.first_loss)
        commercial = self.provider(("commercial",), stack.senior)
        reason = "blended"
        if stack.senior > 0 and expected < cfg.hurdle:
            reason = "below_hurdle"
        elif stack.public > city.budget:
            reason = "budget"
        elif concessional is None and stack.first_loss > 0:
            reason = "no_concessional_capital"
        elif commercial is None and stack.senior > 0:
            reason = "no_commercial_capital"
        closed = reason == "blended"
        self.deal(pilot, closed=closed, reason=reason, expected_return=expected)
        if not closed:
            return False
        first_loss = concessional.account if concessional else ""
        senior = commercial.account if commercial else ""
        model = self.model
        if first_loss:
            model.contribute(first_loss, pilot, stack.first_loss, "first_loss")
        if senior:
            model.contribute(senior, pilot, stack.senior, "senior_tranche")
        model.contribute(city.budget_account, pilot, stack.public, "public_tranche")
        self.stacks[pilot.id] = (stack, first_loss, senior)
        return True

    def settle(self, pilot: Pilot, success: bool, outcome: float) -> None:
        """Pay the stack from the pilot's results through the waterfall."""
        cfg = self.model.config.finance.blended
        stack, first_loss, senior = self.stacks.pop(pilot.id)
        years = self.years(pilot)
        claims = finance.stack_claims(
            stack, coupon=cfg.coupon, first_loss_rate=cfg.first_loss_rate, years=years
        )
        cash = finance.stack_cash(
            stack,
            success=success,
            coupon=cfg.coupon,
            first_loss_rate=cfg.first_loss_rate,
            years=years,
            loss_given_default=cfg.loss_given_default,
        )
        (to_senior, to_public), (to_first_loss,) = finance.waterfall(cash, claims)
        budget = self.model.cities[pilot.city].budget_account
        for account, amount in (
            (senior, to_senior),
            (budget, to_public),
            (first_loss, to_first_loss),
        ):
            if account:
                self.model.pay(PROJECT_CASH, account, amount, "tranche_repayment", pilot)

    def cancel(self, pilot: Pilot, refunds: dict[str, float]) -> None:
        """A cancelled pilot's stack holders keep their refunds; the rest is lost."""
        self.stacks.pop(pilot.id, None)


class Revolving(Instrument):
    """A revolving fund per city lends the public part (DOMAIN: finance; US Clean Water SRF).

    See :class:`sim.scenario.finance.RevolvingConfig`. The fund account ``fund:{city}`` is
    ring-fenced: budget cuts and lapses never touch it.
    """

    name = "revolving"
    ring_fenced = True

    def __init__(self, model: FinanceHost) -> None:
        super().__init__(model)
        self.loans: dict[int, tuple[finance.Loan, str]] = {}
        """Live loans by pilot id, with the lending fund's account."""
        cfg = model.config.finance.revolving
        for city in model.cities:
            model.ledger.open(self.account(city), AccountKind.FUND, owner=city.idx)
            if cfg.initial_capital > 0:
                model.pay(
                    city.treasury_account, city.budget_account, cfg.initial_capital, "appropriation"
                )
                self.capitalise(city, cfg.initial_capital)

    @staticmethod
    def account(city: CityGovernment) -> str:
        """The city's fund account."""
        return f"fund:{city.city}"

    def capitalise(self, city: CityGovernment, amount: float) -> None:
        """Move budget into the fund, with the concessional match as far as providers can."""
        model = self.model
        model.pay(city.budget_account, self.account(city), amount, "fund_capitalisation")
        match = amount * model.config.finance.revolving.match_rate
        provider = self.provider(CONCESSIONAL_KINDS, match)
        if provider is not None:
            model.pay(provider.account, self.account(city), match, "fund_match")

    def new_year(self, city: CityGovernment) -> None:
        """Collect the year's loan payments, then capitalise the fund from the new budget."""
        model = self.model
        for pid, (loan, fund) in list(self.loans.items()):
            if fund != self.account(city):
                continue
            model.pay(PROJECT_CASH, fund, loan.pay(), "repayment", model.pilots[pid])
            if not loan.live:
                del self.loans[pid]
        self.capitalise(city, city.budget * model.config.finance.revolving.yearly_share)

    def capacity(self, city: CityGovernment) -> float:
        """The fund lends what it holds."""
        return self.model.ledger.balance(self.account(city))

    def close(self, pilot: Pilot) -> bool:
        """Lend the public part if the fund holds enough."""
        model = self.model
        cfg = model.config.finance.revolving
        fund = self.account(model.cities[pilot.city])
        amount = model.public_part(pilot)
        if model.ledger.balance(fund) < amount:
            self.deal(pilot, closed=False, reason="fund_empty")
            return False
        model.contribute(fund, pilot, amount, "loan")
        self.loans[pilot.id] = (finance.Loan(amount, cfg.rate, cfg.term_years), fund)
        self.deal(pilot, closed=True, reason="loan", rate=cfg.rate)
        return True

    def settle(self, pilot: Pilot, success: bool, outcome: float) -> None:
        """A failed pilot defaults; a successful one keeps repaying from its results."""
        if not success:
            self._default(pilot)

    def cancel(self, pilot: Pilot, refunds: dict[str, float]) -> None:
        """The refund to the fund prepays the loan; the rest defaults."""
        if pilot.id in self.loans:
            loan, fund = self.loans[pilot.id]
            loan.prepay(refunds.get(fund, 0.0))
        self._default(pilot)

    def _default(self, pilot: Pilot) -> None:
        """Recover ``1 - loss_given_default`` of the outstanding principal; write off the rest."""
        if pilot.id not in self.loans:
            return  # nothing outstanding: a loan of nothing, or one already repaid
        loan, fund = self.loans.pop(pilot.id)
        recovered, written_off = loan.default(
            self.model.config.finance.revolving.loss_given_default
        )
        self.model.pay(PROJECT_CASH, fund, recovered, "recovery", pilot)
        self.model.write_offs += written_off


class OutcomeBased(Instrument):
    """Outcome-based finance: a social impact bond, or a performance-based contract.

    With firms pre-financing (``prefinance: providers``) it is a performance-based contract,
    and with ``payment: pro_rata`` as well a shared-savings contract (see
    :class:`sim.scenario.finance.OutcomeConfig`).

    Signed contracts are ring-fenced: the maximum payment sits in an escrow account
    ``escrow:{pilot}`` that budget cuts and lapses never touch.
    """

    name = "outcome_based"
    ring_fenced = True

    def __init__(self, model: FinanceHost) -> None:
        super().__init__(model)
        self.contracts: dict[int, dict] = {}
        """Signed contracts by pilot id: escrow, investors' shares, maximum payment, noise."""

    def close(self, pilot: Pilot) -> bool:
        """Sign if the investors' break-even return fits under the cap and the city can escrow."""
        model = self.model
        cfg = model.config.finance.outcome_based
        city = model.cities[pilot.city]
        public_part = model.public_part(pilot)
        academic = any(model.population.sector[m] == ACADEMIA for m in pilot.members)
        competence = cfg.academic_competence if academic else cfg.contracted_competence
        noise = finance.measurement_sd(cfg.measurement_noise, cfg.measurability, competence)
        expected = finance.expected_payment_fraction(
            pilot.success_prob, noise, rule=cfg.payment, threshold=cfg.threshold, band=cfg.band
        )
        years = self.years(pilot)
        premium = finance.break_even_rate(expected, hurdle=cfg.hurdle, years=years)
        maximum = public_part * (1.0 + premium) ** years if premium <= cfg.return_cap else 0.0
        evaluation = cfg.evaluation_cost * pilot.cost
        investors = self._investors(pilot, public_part)
        reason = "outcome_contract"
        if premium > cfg.return_cap:
            reason = "premium_above_cap"
        elif maximum + evaluation > city.budget:
            reason = "budget"
        elif not investors:
            reason = "no_investor_capital"
        closed = reason == "outcome_contract"
        self.deal(
            pilot,
            closed=closed,
            reason=reason,
            expected_return=premium,
            expected_fraction=expected,
            noise_sd=noise,
        )
        if not closed:
            return False
        escrow = f"escrow:{pilot.id}"
        model.ledger.open(escrow, AccountKind.ESCROW, owner=city.idx)
        model.pay(city.budget_account, escrow, maximum + evaluation, "escrow", pilot)
        for account, amount in investors.items():
            model.contribute(account, pilot, amount, "outcome_prefinance")
        self.contracts[pilot.id] = {
            "escrow": escrow,
            "investors": investors,
            "maximum": maximum,
            "evaluation": evaluation,
            "noise": noise,
            "evaluator": self._evaluator(pilot),
        }
        return True

    def _investors(self, pilot: Pilot, amount: float) -> dict[str, float]:
        """Return who pre-finances how much (EUR by account); empty if they cannot."""
        model = self.model
        if model.config.finance.outcome_based.prefinance == "investors":
            provider = self.provider(("impact",), amount)
            return {provider.account: amount} if provider else {}
        firms = [m for m in pilot.members if model.population.sector[m] == FIRM]
        accounts = [model.orgs[f].account for f in firms]
        weights = [pilot.commitments.get(a, 0.0) for a in accounts]
        total = sum(weights)
        if total <= 0:
            return {}
        split = {a: amount * w / total for a, w in zip(accounts, weights, strict=True) if w > 0}
        if any(model.free_capital(a) < pilot.commitments.get(a, 0.0) + v for a, v in split.items()):
            return {}
        return split

    def _evaluator(self, pilot: Pilot) -> str:
        """The account paid for the evaluation: an academic partner, else outside suppliers."""
        model = self.model
        for member in pilot.members:
            if model.population.sector[member] == ACADEMIA:
                return model.orgs[member].account
        return SUPPLIERS

    def settle(self, pilot: Pilot, success: bool, outcome: float) -> None:
        """Measure the outcome with noise and pay what the contract says, from the escrow."""
        model = self.model
        cfg = model.config.finance.outcome_based
        contract = self.contracts.pop(pilot.id)
        escrow = contract["escrow"]
        measured = outcome + contract["noise"] * model.streams["evaluation"].standard_normal()
        share = finance.payment_fraction(
            measured, rule=cfg.payment, threshold=cfg.threshold, band=cfg.band
        )
        model.pay(escrow, contract["evaluator"], contract["evaluation"], "evaluation", pilot)
        invested = sum(contract["investors"].values()) or 1.0  # a contract on nothing pays 0
        for account, amount in contract["investors"].items():
            payment = share * contract["maximum"] * amount / invested
            # the escrow was funded to the cent: never ask for a rounding cent more
            payment = min(payment, model.ledger.balance(escrow))
            model.pay(escrow, account, payment, "outcome_payment", pilot)
        model.outcome_withheld += (1.0 - share) * contract["maximum"]
        model.outcome_records.append(
            {
                "pilot_id": pilot.id,
                "outcome": outcome,
                "measured": measured,
                "paid_share": share,
                "maximum": contract["maximum"],
            }
        )
        self._release(pilot, escrow)

    def cancel(self, pilot: Pilot, refunds: dict[str, float]) -> None:
        """A cancelled contract pays nothing; the escrow returns to the budget."""
        contract = self.contracts.pop(pilot.id, None)
        if contract is not None:
            self._release(pilot, contract["escrow"])

    def _release(self, pilot: Pilot, escrow: str) -> None:
        """Return what is left in the escrow to the city's budget."""
        budget = self.model.cities[pilot.city].budget_account
        left = self.model.ledger.balance(escrow)
        self.model.pay(escrow, budget, left, "escrow_release", pilot)


INSTRUMENTS: dict[str, type[Instrument]] = {
    cls.name: cls for cls in (Grant, Blended, Revolving, OutcomeBased)
}
"""Instrument classes by scenario name (``finance.instruments``)."""
