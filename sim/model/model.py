"""The Mesa model that wires agents, pilots, negotiation, trust, money and politics together.

One step is one quarter (``time.steps_per_year`` per fiscal year). Recurring events live on Mesa's
event list: calls for proposals, fiscal years and elections are ``schedule_recurring`` events; data
are collected by a low-priority event after everything else at each step. The mechanics themselves
are pure functions in their own modules (:mod:`sim.model.consortium`, :mod:`sim.model.negotiation`,
:mod:`sim.model.trust`, :mod:`sim.model.success`, :mod:`sim.model.politics`,
:mod:`sim.model.incentives`); this module only calls them in order and books the money in the
:class:`~sim.finance.ledger.Ledger`.

Order of events within quarter ``t`` (the time interval (t - 1, t]; all recorded as step t):
    1. At calls (every ``time.call_interval`` quarters, at t - 0.75): each city, in random order,
       issues a call; leads propose pilots, form consortia, negotiate and close financing.
    2. At elections (every ``time.election_interval``, at t - 0.5): each city votes; a new
       administration may cut the budget and cancel grant-funded pilots.
    3. At fiscal year ends (every ``time.steps_per_year``, at t - 0.25): unspent budget lapses
       and the next year's budget is appropriated.
    4. ``step`` (Mesa's default schedule at t, high priority): citizens' satisfaction drifts,
       financed pilots whose start date has come start, running pilots take their instalments,
       may lose a partner, and end with an outcome; programmes deliver value.
    5. Data collection (at t, low priority).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim.finance.accounts import CAPITAL_MARKET, MARKET, PROJECT_CASH, SUPPLIERS, public_sign
from sim.finance.formulas import true_outcome
from sim.finance.instruments import INSTRUMENTS
from sim.finance.ledger import AccountKind, Ledger, to_cents
from sim.model import incentives
from sim.model.agents import (
    CAPITAL_KINDS,
    AcademicInstitution,
    CapitalProvider,
    CitizenGroup,
    CityGovernment,
    Firm,
    Organisation,
)
from sim.model.citizens import Citizens
from sim.model.consortium import alignment, candidate_hops, recruit, score_candidates
from sim.model.lifecycle import ENDED, EventLog, Lifecycle, PilotState
from sim.model.metrics import collector
from sim.model.negotiation import negotiate_terms
from sim.model.network import PartnerNetwork
from sim.model.partnership import MODELS
from sim.model.pilot import Pilot
from sim.model.politics import (
    annual_budget,
    choose_cancellations,
    reelection_probability,
    reweight_priorities,
)
from sim.model.population import build_population, lognormal
from sim.model.streams import Streams
from sim.model.success import scaleup_probability, success_probability
from sim.model.trust import TrustParams
from sim.model.valuation import outside_options, party_values
from sim.scenario.fields import ACADEMIA, CIVIL_SOCIETY, DOMAINS, FIRM, GOVERNMENT
from sim.scenario.schema import Scenario

CALL_OFFSET = 0.75
"""Calls for proposals happen this long before the end of their quarter (steps)."""
ELECTION_OFFSET = 0.5
"""Elections happen this long before the end of their quarter (steps)."""
FISCAL_OFFSET = 0.25
"""Fiscal years end this long before the end of their quarter (steps)."""


class PartnershipModel(mesa.Model):
    """Cities, firms, academia and citizen groups forming partnerships and financing pilots.

    Args:
        config: A validated :class:`~sim.scenario.schema.Scenario`.
        seed: The run seed; Mesa's ``rng`` and every named stream derive from it.
    """

    def __init__(self, config: Scenario, *, seed: int = 0) -> None:
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        self.streams = Streams(seed)
        self.partnership = MODELS[config.partnership.model]
        self.trust_params = TrustParams.from_ratio(
            config.trust.l_plus,
            config.trust.erosion_ratio,
            mu_r=config.trust.mu_r,
            delta_r=config.trust.delta_r,
            xi=config.trust.xi,
            k=config.trust.k,
        )
        self.ledger = Ledger()
        self.log = EventLog()
        self.outstanding: defaultdict[str, float] = defaultdict(float)
        """Instalments organisations have committed to pilots and not yet paid (EUR)."""
        self.flows: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        """Cumulative cents moved, keyed by (reason, source kind, destination kind)."""
        self.pilots: dict[int, Pilot] = {}
        self.active: dict[int, Pilot] = {}
        """Financed and running pilots, in the order they were financed."""
        self.programmes: list[Pilot] = []
        self.entered: Counter[PilotState] = Counter()
        """How many times each lifecycle state has been entered."""
        self.sector_participation: Counter[int] = Counter()
        """Parties to agreed pilots, counted by sector code."""
        self.public_value = 0.0
        """Cumulative public value delivered by successful pilots and programmes (EUR)."""
        self.elections: list[dict] = []
        self.negotiations: list[dict] = []
        self.deals: list[dict] = []
        """One row per attempt of an instrument to close a pilot's financing."""
        self.outcome_records: list[dict] = []
        """One row per evaluated outcome contract: true and measured outcome, share paid."""
        self.pilot_public: defaultdict[int, int] = defaultdict(int)
        """Net public money (cents) each pilot has cost the cities."""
        self.pilot_invested: defaultdict[int, int] = defaultdict(int)
        """Money (cents) capital providers have put into each pilot."""
        self.pilot_returned: defaultdict[int, int] = defaultdict(int)
        """Money (cents) capital providers have got back from each pilot."""
        self.write_offs = 0.0
        """Loan principal revolving funds have written off (EUR)."""
        self.outcome_withheld = 0.0
        """Maximum outcome payments not paid because the measured outcome fell short (EUR)."""
        self._next_pilot = 0
        self._init_population()
        self._init_money()
        self.instruments = {name: INSTRUMENTS[name](self) for name in config.finance.instruments}
        """The scenario's instruments by name, in the order financing tries them."""
        for city in self.cities:
            self._open_year(city)
        self._init_schedule()
        self.datacollector = collector(agent_state=config.output.agent_state)
        self.datacollector.collect(self)

    # ----------------------------------------------------------------------- set-up

    def _init_population(self) -> None:
        """Draw the organisations and create one agent per row, plus citizens and capital."""
        rng = self.streams["init"]
        pop = build_population(self.config, rng)
        self.population = pop
        self.network = PartnerNetwork(pop.generalised_trust)
        self.orgs: list[Organisation] = []
        self.cities: list[CityGovernment] = []
        for idx in range(len(pop)):
            city, sector = int(pop.city[idx]), int(pop.sector[idx])
            if sector == GOVERNMENT:
                agent = CityGovernment(self, idx, city, self.config.cities[city])
                self.cities.append(agent)
            elif sector == FIRM:
                agent = Firm(self, idx, city, startup=bool(pop.startup[idx]))
            elif sector == ACADEMIA:
                agent = AcademicInstitution(self, idx, city)
            else:
                agent = CitizenGroup(self, idx, city, int(pop.neighbourhood[idx]))
            self.orgs.append(agent)
        n_domains = len(DOMAINS)
        self.priorities = np.array(
            [
                [(c.priorities or {}).get(d, 0.0) if c.priorities else 1.0 for d in DOMAINS]
                for c in self.config.cities
            ]
        ).reshape(len(self.cities), n_domains)
        self.citizens = [
            Citizens(c.citizens, c.neighbourhoods, c.citizen_trust, self.config.citizens, rng)
            for c in self.config.cities
        ]
        self.partner_pool = [
            np.flatnonzero((pop.city == c) & (pop.sector != GOVERNMENT))
            for c in range(len(self.cities))
        ]
        self.capital = [
            CapitalProvider(self, k, CAPITAL_KINDS[k % len(CAPITAL_KINDS)])
            for k in range(self.config.population.capital_providers)
        ]
        self.capability_mean = self.config.organisations.capability_mean

    def _init_money(self) -> None:
        """Open every account and endow organisations and capital providers (step 0).

        Budgets are appropriated once the instruments exist (:meth:`_open_year`).
        """
        ledger = self.ledger
        for name in (SUPPLIERS, MARKET, CAPITAL_MARKET, PROJECT_CASH):
            ledger.open(name, AccountKind.EXTERNAL)
        for city in self.cities:
            ledger.open(city.treasury_account, AccountKind.EXTERNAL, owner=city.idx)
            ledger.open(city.budget_account, AccountKind.BUDGET, owner=city.idx)
        for org in self.orgs:
            if isinstance(org, CityGovernment):
                continue
            ledger.open(org.account, AccountKind.ORGANISATION, owner=org.idx)
            self.pay(MARKET, org.account, float(self.population.capital[org.idx]), "endowment")
        for provider in self.capital:
            ledger.open(provider.account, AccountKind.CAPITAL_PROVIDER, owner=provider.number)
            self.pay(
                CAPITAL_MARKET, provider.account, self.config.finance.investor_capital, "endowment"
            )

    def _init_schedule(self) -> None:
        """Put calls, elections, fiscal years and data collection on Mesa's event list.

        Quarter ``t`` is the time interval (t - 1, t]; Mesa runs the model's ``step`` at its end,
        time t. The other events sit at fixed offsets inside the quarter, so their order never
        depends on their intervals: calls at t - 0.75, elections at t - 0.5, fiscal year ends at
        t - 0.25, then the step at t (high priority) and data collection at t (low priority).
        Everything that happens in quarter t is recorded as step t (:attr:`now`).
        """
        t = self.config.time
        for handler, interval, first, offset in (
            (self._calls, t.call_interval, 1, CALL_OFFSET),
            (self._elections, t.election_interval, t.election_interval, ELECTION_OFFSET),
            (self._fiscal_year, t.steps_per_year, t.steps_per_year, FISCAL_OFFSET),
        ):
            self.schedule_recurring(handler, Schedule(interval=interval, start=first - offset))
        self.schedule_recurring(self._collect, Schedule(interval=1, start=1), Priority.LOW)

    @property
    def now(self) -> int:
        """The current quarter (step): 0 at set-up, t for every event of quarter t."""
        return math.ceil(self.time)

    # ----------------------------------------------------------------------- money

    def pay(
        self, src: str, dst: str, amount: float, reason: str, pilot: Pilot | None = None
    ) -> None:
        """Move money through the ledger and keep the running totals metrics read.

        Args:
            src: Paying account.
            dst: Receiving account.
            amount: EUR (rounded to the cent by the ledger); zero moves nothing.
            reason: Why the money moves (a key of the flow totals).
            pilot: The pilot it concerns, if any.
        """
        if to_cents(amount) <= 0:
            return
        self.ledger.transfer(
            src, dst, amount, step=self.now, reason=reason, pilot_id=pilot.id if pilot else None
        )
        src_kind, dst_kind = self.ledger.kind_of(src).value, self.ledger.kind_of(dst).value
        cents = to_cents(amount)
        self.flows[(reason, src_kind, dst_kind)] += cents
        if pilot is not None:
            self.pilot_public[pilot.id] += cents * public_sign(reason, src_kind, dst_kind)
            if src_kind == AccountKind.CAPITAL_PROVIDER:
                self.pilot_invested[pilot.id] += cents
            if dst_kind == AccountKind.CAPITAL_PROVIDER:
                self.pilot_returned[pilot.id] += cents

    def contribute(self, src: str, pilot: Pilot, amount: float, reason: str) -> None:
        """Pay into a pilot's account and record it as paid in (refunds go back pro rata)."""
        self.pay(src, pilot.account, amount, reason, pilot)
        pilot.paid[src] = pilot.paid.get(src, 0.0) + amount

    def public_part(self, pilot: Pilot) -> float:
        """Return what the terms leave to the city: its share plus any match (EUR)."""
        return pilot.commitments.get(self.cities[pilot.city].budget_account, 0.0)

    def flow(self, reason: str, src_kind: str | None = None, dst_kind: str | None = None) -> float:
        """Return the cumulative money moved for a reason (EUR), optionally by account kinds."""
        return (
            sum(
                cents
                for (r, s, d), cents in self.flows.items()
                if r == reason
                and (src_kind is None or s == src_kind)
                and (dst_kind is None or d == dst_kind)
            )
            / 100
        )

    def free_capital(self, account: str) -> float:
        """Return what an organisation holds minus what it still owes running pilots (EUR)."""
        return self.ledger.balance(account) - self.outstanding[account]

    def _open_year(self, city: CityGovernment) -> None:
        """Start a fiscal year: appropriate its budget, then let each instrument act."""
        self._appropriate(city)
        for instrument in self.instruments.values():
            instrument.new_year(city)

    def _appropriate(self, city: CityGovernment) -> None:
        """Appropriate a fiscal year's budget (higher in the year before an election)."""
        t = self.config.time
        now = self.now
        next_election = math.ceil((now + 1) / t.election_interval) * t.election_interval
        amount = annual_budget(
            city.annual_budget,
            election_next_year=next_election - now <= t.steps_per_year,
            cfg=self.config.politics,
        )
        self.pay(city.treasury_account, city.budget_account, amount, "appropriation")
        city.appropriated = amount

    # ----------------------------------------------------------------------- the step

    def step(self) -> None:
        """Advance one quarter: citizens, running pilots and programmes."""
        for citizens in self.citizens:
            citizens.drift()
        for pilot in [p for p in self.active.values() if p.state is PilotState.FINANCED]:
            if pilot.start_step <= self.now:
                self._move(pilot, PilotState.RUNNING, reason="start")
        for pilot in [p for p in self.active.values() if p.state is PilotState.RUNNING]:
            self._run_pilot(pilot)
        for pilot in self.programmes:
            value = self.config.scaleup.programme_value * pilot.cost
            self.citizens[pilot.city].deliver(pilot.neighbourhood, value)
            self.public_value += value

    def _move(
        self,
        pilot: Pilot,
        state: PilotState,
        *,
        reason: str,
        parties: tuple[int, ...] | None = None,
    ) -> None:
        """Move a pilot through its lifecycle (legality checked) and count the state entered."""
        pilot.lifecycle.move(state, step=self.now, reason=reason, parties=parties)
        self.entered[state] += 1
        if state is PilotState.FINANCED:
            self.active[pilot.id] = pilot
        elif state in ENDED:
            self.active.pop(pilot.id, None)
        if state is PilotState.AGREED:
            for party in pilot.parties:
                self.sector_participation[int(self.population.sector[party])] += 1
                self.orgs[party].pilots_joined += 1

    def _calls(self) -> None:
        """Every city issues a call for proposals, in random order."""
        self.agents_by_type[CityGovernment].shuffle_do("issue_call")

    def _collect(self) -> None:
        """Collect the step's metrics (runs after every other event of the step)."""
        self.datacollector.collect(self)

    # ----------------------------------------------------------------------- proposals

    def run_call(self, city: CityGovernment) -> None:
        """Draw this call's proposals in ``city`` and take each as far as it gets."""
        rng = self.streams["proposals"]
        pop = self.population
        pool = self.partner_pool[city.city]
        startup_boost = incentives.proposal_multiplier(is_startup=True, cfg=self.config.incentives)
        weight = np.where(pop.startup[pool], startup_boost, 1.0)
        n = rng.poisson(self.config.pilots.proposal_rate * weight.sum())
        sectors = rng.choice(len(self.partnership.lead), size=n, p=self.partnership.lead)
        leads = np.full(n, -1)
        leads[sectors == GOVERNMENT] = city.idx
        for sector in np.unique(sectors[sectors != GOVERNMENT]).tolist():
            here = pop.sector[pool] == sector
            if not here.any():
                continue  # no organisation of that sector: those proposals never happen
            slots = np.flatnonzero(sectors == sector)
            w = weight[here]
            leads[slots] = pool[here][rng.choice(int(here.sum()), size=len(slots), p=w / w.sum())]
        for lead in leads[leads >= 0].tolist():
            self.propose(city, lead, rng)

    def propose(
        self,
        city: CityGovernment,
        lead: int,
        rng: np.random.Generator,
        template: Pilot | None = None,
    ) -> Pilot:
        """Create a pilot led by ``lead`` and take it through formation, negotiation, financing.

        Args:
            city: The city issuing the call.
            lead: Organisation index of the lead.
            rng: The stream for the pilot's attributes (``proposals``, or ``replication``).
            template: A proven pilot from another city to replicate: same domain and duration,
                cheaper by ``replication.cost_discount``, more likely to succeed.

        Returns:
            The pilot, in whatever state it reached (CANCELLED or FINANCED/RUNNING).
        """
        cfg = self.config
        pop = self.population
        neighbourhoods = cfg.cities[city.city].neighbourhoods
        if template is None:
            priorities = self.priorities[city.city]
            fit = priorities * (pop.capability[lead] + 0.1 if lead != city.idx else 1.0)
            domain = int(rng.choice(len(DOMAINS), p=fit / fit.sum()))
            own = pop.neighbourhood[lead]
            neighbourhood = int(own) if own >= 0 else int(rng.integers(neighbourhoods))
            draw = rng.random()  # drawn whether or not a test bed exists: common random numbers
            in_testbed = bool(cfg.incentives.testbed and draw < cfg.incentives.testbed_share)
            base_cost = float(lognormal(rng, cfg.pilots.cost_mean, cfg.pilots.cost_sd))
            cost = incentives.pilot_cost(base_cost, in_testbed=in_testbed, cfg=cfg.incentives)
            duration = max(
                cfg.pilots.duration_min,
                round(
                    rng.normal(cfg.pilots.duration_mean, cfg.pilots.duration_sd)
                    * self.partnership.duration_factor
                ),
            )
        else:
            domain, duration, in_testbed = template.domain, template.duration, False
            neighbourhood = int(rng.integers(neighbourhoods))
            cost = template.cost * (1.0 - cfg.replication.cost_discount)
        size = int(rng.integers(cfg.pilots.consortium_min, cfg.pilots.consortium_max + 1))
        pilot = Pilot(
            id=self._next_pilot,
            city=city.city,
            lead=lead,
            domain=domain,
            neighbourhood=neighbourhood,
            cost=cost,
            duration=duration,
            in_testbed=in_testbed,
            lifecycle=Lifecycle(
                self._next_pilot,
                self.log,
                step=self.now,
                parties=(lead,),
                reason="call" if template is None else "replication",
                city=city.city,
            ),
            replica_of=-1 if template is None else template.id,
        )
        self._next_pilot += 1
        self.pilots[pilot.id] = pilot
        self.entered[PilotState.PROPOSED] += 1
        if not self._form(pilot, city, size):
            return pilot
        if not self._negotiate(pilot, city):
            return pilot
        self._finance(pilot)
        return pilot

    # ----------------------------------------------------------------------- formation

    def _form(self, pilot: Pilot, city: CityGovernment, size: int) -> bool:
        """Search for partners (SKIN); move to NEGOTIATING or cancel. Returns success."""
        cfg = self.config
        pop = self.population
        rng = self.streams["consortium"]
        lead = pilot.lead
        hops = candidate_hops(
            self.network.graph,
            lead,
            self.partner_pool[city.city],
            depth=cfg.consortium.search_depth,
            per_hop=cfg.consortium.candidates_per_hop,
            rng=rng,
            exclude=(city.idx,),
        )
        members: list[int] = [lead]

        def score(candidates: np.ndarray) -> np.ndarray:
            have = {int(pop.sector[m]) for m in members}
            novelty = np.array([int(pop.sector[c]) not in have for c in candidates], dtype=float)
            return score_candidates(
                [self.network.trust(lead, int(c)) for c in candidates],
                pop.capability[candidates, pilot.domain] * (1.0 + novelty),
                [self.network.collaborations(lead, int(c)) for c in candidates],
                trust_weight=cfg.consortium.trust_weight,
                capability_weight=cfg.consortium.capability_weight,
                history_weight=cfg.consortium.history_weight,
            )

        def accepts(candidate: int, joined: tuple[int, ...]) -> bool:
            ok = self.orgs[candidate].accepts(pilot, [lead, *joined], size)
            if ok:
                members.append(candidate)
            return ok

        city_led = lead == city.idx
        formation = recruit(hops, score, accepts, size - (1 if city_led else 2))
        search = formation.examined * cfg.consortium.search_cost
        search *= incentives.convening_factor(cfg.incentives)
        payer = city.budget_account if lead == city.idx else self.orgs[lead].account
        self.pay(
            payer,
            SUPPLIERS,
            min(search, self.ledger.balance(payer)),
            "search_cost",
            pilot,
        )
        pilot.members = formation.members if city_led else (lead, *formation.members)
        pilot.parties = (city.idx, *pilot.members) if city_led else (*pilot.members, city.idx)
        if len(pilot.parties) < cfg.pilots.consortium_min or not any(
            pop.sector[m] == FIRM for m in pilot.members
        ):
            self._move(
                pilot,
                PilotState.CANCELLED,
                reason="no_consortium",
                parties=pilot.parties,
            )
            return False
        self._move(
            pilot,
            PilotState.NEGOTIATING,
            reason="consortium_formed",
            parties=pilot.parties,
        )
        return True

    def public_share_cap(self) -> float:
        """Return the largest share of a pilot's cost the city negotiates to carry (1).

        The partnership type's cap, lowered by the grant's own cap when grants are offered; a
        co-funding match on firms' shares comes on top of it.
        """
        cap = self.partnership.public_share_cap
        if "grant" in self.config.finance.instruments:
            cap = min(cap, self.config.finance.grant.max_public_share)
        return cap

    def stakes(
        self, pilot: Pilot, parties: np.ndarray, success: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return each party's value of the pilot and its outside option (EUR)."""
        cfg = self.config
        pop = self.population
        values = party_values(
            pop.sector[parties],
            pop.weights[parties],
            pop.ip_fear[parties] * self._ip_factor(),
            success=success,
            cost=pilot.cost,
            cfg=cfg.pilots,
        )
        outside = outside_options(
            pop.sector[parties],
            pop.hurdle[parties],
            cost=pilot.cost,
            years=pilot.duration / cfg.time.steps_per_year,
            public_rate=cfg.organisations.public_rate,
            participation_cost=cfg.organisations.participation_cost,
        )
        return values, outside

    def _ip_factor(self) -> float:
        """Innovation procurement leaves firms their IP, so IP fear stops discounting profit."""
        return 0.0 if self.config.incentives.innovation_procurement else 1.0

    def success_odds(self, pilot: Pilot, parties: np.ndarray) -> float:
        """Return the success probability a consortium gives a pilot."""
        pop = self.population
        sectors = pop.sector[parties]
        firms = parties[sectors == FIRM]
        doers = parties[sectors != GOVERNMENT]
        return success_probability(
            capability=float(pop.capability[doers, pilot.domain].mean()),
            codesign=bool((sectors == CIVIL_SOCIETY).any()),
            data_sharing=float(pop.data_willingness[firms].min()) if len(firms) else 1.0,
            bonus=incentives.success_bonus(in_testbed=pilot.in_testbed, cfg=self.config.incentives)
            + (self.config.replication.success_bonus if pilot.replica_of >= 0 else 0.0),
            capability_mean=self.capability_mean,
            cfg=self.config.pilots,
        )

    # ----------------------------------------------------------------------- negotiation

    def _negotiate(self, pilot: Pilot, city: CityGovernment) -> bool:
        """Negotiate the terms; move to AGREED or cancel. Returns success."""
        cfg = self.config
        pop = self.population
        parties = np.array(pilot.parties)
        pilot.success_prob = self.success_odds(pilot, parties)
        pilot.alignment = alignment(pop.weights[parties])
        city_cfg = cfg.cities[city.city]
        if pilot.success_prob < city_cfg.risk_threshold * (1.0 - city_cfg.risk_appetite):
            self._move(pilot, PilotState.CANCELLED, reason="too_risky")
            self._record_negotiation(pilot, agreed=False, rounds=0, reason="too_risky")
            return False
        sectors = pop.sector[parties]
        values, outside = self.stakes(pilot, parties, pilot.success_prob)
        public_cap = self.public_share_cap()
        match = 1.0 + cfg.incentives.match_rate
        public_capacity = max(i.capacity(city) for i in self.instruments.values())
        capacity = np.array(
            [
                min(public_cap * pilot.cost, public_capacity)
                if p == city.idx
                else self.free_capital(self.orgs[p].account) * (match if s == FIRM else 1.0)
                for p, s in zip(pilot.parties, sectors.tolist(), strict=True)
            ]
        )
        flexibility = city.procurement_flexibility
        rigidity = 1.0 - flexibility
        n = len(parties)
        round_cost = (
            cfg.negotiation.round_cost
            * pilot.cost
            * n
            * incentives.convening_factor(cfg.incentives)
        )
        terms = negotiate_terms(
            pilot.cost,
            values,
            outside,
            self.network.mean_trust(list(pilot.parties)),
            np.array([self.partnership.bargaining_weight(int(s)) for s in sectors]),
            protocol=cfg.negotiation.protocol,
            step=cfg.negotiation.step,
            opening_premium=cfg.negotiation.opening_premium,
            formal_rounds=round(rigidity * cfg.negotiation.procurement_stages),
            round_cost=round_cost,
            max_rounds=cfg.negotiation.max_rounds,
            patience=np.full(n, cfg.negotiation.patience),
            bearer_weights=np.array([self.partnership.failure_bearing[int(s)] for s in sectors]),
            data_willingness=pop.data_willingness[parties],
            capacity=capacity,
        )
        pilot.terms = terms
        self._record_negotiation(
            pilot, agreed=terms.agreed, rounds=terms.rounds, reason=terms.reason
        )
        if not terms.agreed:
            self._move(pilot, PilotState.CANCELLED, reason=terms.reason)
            return False
        self._move(pilot, PilotState.AGREED, reason="terms_agreed")
        return True

    def _record_negotiation(self, pilot: Pilot, *, agreed: bool, rounds: int, reason: str) -> None:
        """Keep one row per negotiation for the agreement rate and rounds metrics."""
        self.negotiations.append(
            {
                "step": self.now,
                "pilot_id": pilot.id,
                "city": pilot.city,
                "parties": len(pilot.parties),
                "agreed": agreed,
                "rounds": rounds,
                "reason": reason,
                "alignment": pilot.alignment,
                "success_prob": pilot.success_prob,
            }
        )

    # ----------------------------------------------------------------------- financing

    def _finance(self, pilot: Pilot) -> None:
        """Commit the money the terms say and close financing with the first instrument able."""
        city = self.cities[pilot.city]
        commitments: dict[str, float] = defaultdict(float)
        assert pilot.terms is not None
        for party, share in zip(pilot.parties, pilot.terms.cost_shares.tolist(), strict=True):
            if party == city.idx:
                commitments[city.budget_account] += share
            elif self.population.sector[party] == FIRM:
                own, match = incentives.private_payment(share, self.config.incentives)
                commitments[self.orgs[party].account] += own
                commitments[city.budget_account] += match
            else:
                commitments[self.orgs[party].account] += share
        pilot.commitments = dict(commitments)
        self.ledger.open(pilot.account, AccountKind.PILOT, owner=pilot.id)
        for instrument in self.instruments.values():
            if instrument.close(pilot):
                pilot.instrument = instrument.name
                for account, amount in pilot.commitments.items():
                    if account != city.budget_account:
                        self.outstanding[account] += amount
                pilot.start_step = self.now + self.config.pilots.start_delay
                self._move(pilot, PilotState.FINANCED, reason=instrument.name)
                return
        self._move(pilot, PilotState.CANCELLED, reason="financing_failed")

    # ----------------------------------------------------------------------- running

    def _run_pilot(self, pilot: Pilot) -> None:
        """One step of a running pilot: withdrawals, instalments, delivery, maybe its end."""
        rng = self.streams["running"]
        city = self.cities[pilot.city]
        pilot.progress += 1
        mean_trust = self.network.mean_trust(list(pilot.parties))
        for position, party in enumerate(pilot.parties):
            if party == city.idx:
                continue
            account = self.orgs[party].account
            due = pilot.commitments.get(account, 0.0) * pilot.progress / pilot.duration
            due -= pilot.paid.get(account, 0.0)
            quits = self.orgs[party].withdraws(float(mean_trust[position]), rng)
            if quits or due > self.ledger.balance(account):
                self._withdraw(pilot, party, "partner_withdrew" if quits else "partner_insolvent")
                return
            firm = self.population.sector[party] == FIRM
            reason = "private_contribution" if firm else "partner_contribution"
            self.pay(account, pilot.account, due, reason, pilot)
            pilot.paid[account] = pilot.paid.get(account, 0.0) + due
            self.outstanding[account] -= due
        spend = pilot.cost * pilot.progress / pilot.duration - pilot.spent
        spend = min(spend, self.ledger.balance(pilot.account))
        self.pay(pilot.account, SUPPLIERS, spend, "delivery", pilot)
        pilot.spent += spend
        if pilot.progress >= pilot.duration:
            self._conclude(pilot)

    def _withdraw(self, pilot: Pilot, party: int, reason: str) -> None:
        """A partner leaves: the pilot is cancelled, money left is refunded, trust erodes."""
        self._move(pilot, PilotState.CANCELLED, reason=reason, parties=(party,))
        self.instruments[pilot.instrument].cancel(pilot, self._refund(pilot))
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
        left = self.ledger.balance(pilot.account)
        total = sum(pilot.paid.values())
        if left <= 0 or total <= 0:
            return {}
        payers = [a for a, v in pilot.paid.items() if v > 0]
        refunds = {a: left * pilot.paid[a] / total for a in payers[:-1]}
        refunds[payers[-1]] = left - sum(refunds.values())
        for account in payers[:-1]:
            self.pay(pilot.account, account, refunds[account], "refund", pilot)
        rest = self.ledger.balance(pilot.account)
        self.pay(pilot.account, payers[-1], rest, "refund", pilot)
        return refunds

    def _conclude(self, pilot: Pilot) -> None:
        """The pilot ends: outcome, payments, learning, trust, citizens and maybe scale-up."""
        cfg = self.config
        draw = float(self.streams["outcomes"].random())
        success = draw < pilot.success_prob
        self.pay(pilot.account, SUPPLIERS, self.ledger.balance(pilot.account), "delivery", pilot)
        self._move(
            pilot,
            PilotState.SUCCEEDED if success else PilotState.FAILED,
            reason="outcome",
        )
        self.instruments[pilot.instrument].settle(
            pilot, success, true_outcome(draw, pilot.success_prob)
        )
        pop = self.population
        members = list(pilot.members)
        firms = [m for m in members if pop.sector[m] == FIRM]
        if success:
            value = cfg.pilots.value_multiple * pilot.cost
            self.citizens[pilot.city].deliver(pilot.neighbourhood, value)
            self.public_value += value
            revenue = cfg.pilots.revenue_multiple * pilot.cost
            for firm in firms:
                self.pay(MARKET, self.orgs[firm].account, revenue / len(firms), "revenue", pilot)
        self._learn(members, pilot.domain)
        noise = self.streams["outcomes"].normal(0.0, 0.5, size=len(pilot.parties))
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

    def _dependence(self, pilot: Pilot) -> dict[int, float]:
        """Return how far the partners depended on each party: its share of the cost."""
        assert pilot.terms is not None
        shares = pilot.terms.cost_shares / pilot.cost
        return dict(zip(pilot.parties, shares.tolist(), strict=True))

    def _learn(self, members: list[int], domain: int) -> None:
        """Participation builds capability in the pilot's domain; academia speeds it up."""
        cfg = self.config
        pop = self.population
        rate = cfg.learning.learning_rate * incentives.learning_multiplier(cfg.incentives)
        if any(pop.sector[m] == ACADEMIA for m in members):
            rate *= 1.0 + cfg.learning.academic_spillover
        rate = min(rate, 1.0)
        idx = np.array([m for m in members if pop.sector[m] != GOVERNMENT])
        if len(idx):
            pop.capability[idx, domain] += rate * (1.0 - pop.capability[idx, domain])

    def _maybe_scale(self, pilot: Pilot) -> None:
        """A success scales into a programme with odds that rise with support, budget, interest."""
        city = self.cities[pilot.city]
        private = sum(
            pilot.commitments.get(self.orgs[p].account, 0.0)
            for p in pilot.members
            if self.population.sector[p] == FIRM
        )
        p = scaleup_probability(
            support=self.citizens[pilot.city].support(pilot.neighbourhood),
            budget_share=city.budget_share_left,
            private_share=private / pilot.cost,
            cfg=self.config.scaleup,
        )
        if self.streams["scaleup"].random() < p:
            self._move(pilot, PilotState.SCALED, reason="programme")
            self.programmes.append(pilot)

    def _replicate(self, pilot: Pilot) -> None:
        """Other cities of the network may propose a replica of a proven original."""
        cfg = self.config.replication
        if cfg.probability == 0 or pilot.replica_of >= 0:
            return
        rng = self.streams["replication"]
        for city in self.cities:
            if city.city != pilot.city and rng.random() < cfg.probability:
                self.propose(city, city.idx, rng, template=pilot)

    # ----------------------------------------------------------------------- politics

    def _elections(self) -> None:
        """Each city votes; a new administration may cut its budget and cancel pilots."""
        rng = self.streams["politics"]
        cfg = self.config.politics
        for city in self.cities:
            satisfaction = float(self.citizens[city.city].satisfaction.mean())
            p = reelection_probability(satisfaction, cfg)
            reelected = bool(rng.random() < p)
            cut = (not reelected) and bool(rng.random() < cfg.cut_probability)
            at_risk = [pid for pid, pilot in self.active.items() if pilot.city == city.city]
            exposed = [pid for pid in at_risk if not self._ring_fenced(self.pilots[pid])]
            cancelled = choose_cancellations(exposed, cfg.cancel_share, rng) if cut else []
            if reelected:
                city.elections_won += 1
            else:
                city.elections_lost += 1
                city.administration += 1
                self.priorities[city.city] = reweight_priorities(self.priorities[city.city], rng)
            if cut:
                city.annual_budget *= 1.0 - cfg.budget_cut
                self.pay(
                    city.budget_account,
                    city.treasury_account,
                    city.budget * cfg.budget_cut,
                    "budget_cut",
                )
            for pid in cancelled:
                pilot = self.pilots[pid]
                self._move(
                    pilot,
                    PilotState.CANCELLED,
                    reason="election_cut",
                    parties=(city.idx,),
                )
                self.instruments[pilot.instrument].cancel(pilot, self._refund(pilot))
                self.citizens[city.city].witness(pilot.neighbourhood, -0.5, self.trust_params)
            self.elections.append(
                {
                    "step": self.now,
                    "city": city.city,
                    "satisfaction": satisfaction,
                    "reelection_probability": p,
                    "reelected": reelected,
                    "budget_cut": cut,
                    "pilots_at_risk": len(at_risk),
                    "pilots_cancelled": len(cancelled),
                    "pilots_survived": len(at_risk) - len(cancelled),
                }
            )

    def _ring_fenced(self, pilot: Pilot) -> bool:
        """Whether an election cut leaves this pilot alone (its instrument or an SPC)."""
        return self.partnership.ring_fenced or self.instruments[pilot.instrument].ring_fenced

    def _fiscal_year(self) -> None:
        """Unspent budget lapses; the next year's budget is appropriated."""
        for city in self.cities:
            self.pay(city.budget_account, city.treasury_account, city.budget, "lapse")
            self._open_year(city)
