"""The Mesa model that wires agents, pilots, negotiation, trust, money and politics together.

One step is one quarter (``time.steps_per_year`` per fiscal year). Recurring events live on
Mesa's event list: calls for proposals, fiscal years and elections are ``schedule_recurring``
events; data are collected by a low-priority event after everything else at each step. The
mechanics themselves are pure functions in their own modules (:mod:`sim.model.consortium`,
:mod:`sim.model.negotiation`, :mod:`sim.model.trust`, :mod:`sim.model.success`,
:mod:`sim.model.politics`, :mod:`sim.model.incentives`, :mod:`sim.finance.deals`); the model
calls them in order, in four parts: :mod:`sim.model.proposals` (calls to financed pilots),
:mod:`sim.model.operations` (running pilots, outcomes, savings, programmes),
:mod:`sim.model.governance` (elections and fiscal years) and :mod:`sim.model.books` (every
payment, and the public's position).

Order of events within quarter ``t`` (the time interval (t - 1, t]; all recorded as step t):
    1. At calls (every ``time.call_interval`` quarters, at t - 0.75): each city, in random order,
       issues a call; leads propose pilots, each gets its instrument by the city's rule, forms a
       consortium, negotiates and closes financing.
    2. At elections (every ``time.election_interval``, at t - 0.5): each city votes; a new
       administration redraws the budget, which may rise or fall.
    3. At fiscal year ends (every ``time.steps_per_year``, at t - 0.25): unspent budget lapses,
       the next year's budget is appropriated, its dues paid or, where a cut left too little,
       unprotected pilots cancelled; then the instruments act (a fund is capitalised).
    4. ``step`` (Mesa's default schedule at t, high priority): citizens' satisfaction drifts,
       pilots in service yield their savings (the contract's claims first, then the split),
       financed pilots whose start date has come start, running pilots take their instalments,
       may lose a partner, and end with an outcome; programmes deliver value.
    5. Data collection (at t, low priority).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import mesa
import numpy as np
from mesa.experimental.mesa_signals import ObservableSignals
from mesa.time import Priority, Schedule

from sim.finance.accounts import ECONOMY, OPENING, SUPPLIERS
from sim.finance.instruments import INSTRUMENTS
from sim.finance.ledger import AccountKind, Ledger
from sim.model.agents import (
    AcademicInstitution,
    CapitalProvider,
    CitizenGroup,
    CityGovernment,
    Firm,
    Organisation,
)
from sim.model.books import Books
from sim.model.citizens import Citizens
from sim.model.governance import Governing
from sim.model.lifecycle import ENDED, EventLog, PilotState
from sim.model.metrics import collector
from sim.model.network import PartnerNetwork
from sim.model.operations import Operating
from sim.model.partnership import MODELS
from sim.model.pilot import Pilot
from sim.model.population import build_population
from sim.model.proposals import Proposing
from sim.model.streams import Streams
from sim.model.tally import RunningMean
from sim.model.trust import TrustParams
from sim.scenario.fields import ACADEMIA, DOMAINS, FIRM, GOVERNMENT
from sim.scenario.finance import CAPITAL_KINDS
from sim.scenario.schema import Scenario

FISCAL_OFFSET = 0.9
"""A fiscal year opens this long before the end of its first quarter (steps): the first event of
the quarter, so that the quarter's calls, election and step all belong to the new year."""
CALL_OFFSET = 0.75
"""Calls for proposals happen this long before the end of their quarter (steps)."""
ELECTION_OFFSET = 0.5
"""Elections happen this long before the end of their quarter (steps)."""


class PartnershipModel(Proposing, Operating, Governing, Books, mesa.Model):
    """Cities, firms, academia and citizen groups forming partnerships and financing pilots.

    Args:
        config: A validated :class:`~sim.scenario.schema.Scenario`.
        seed: The run seed; Mesa's ``rng`` and every named stream derive from it.
        metrics: The metrics to collect (names in :data:`sim.model.metrics.METRICS`); None
            for all of them.
        collect_every: Collect the metrics at step 0, every this many steps and at the
            horizon (``time.steps``); None collects them at the horizon only (a sweep that
            keeps end-of-run metrics). Which steps were collected is :attr:`collected_steps`.

    Raises:
        ValueError: An unknown metric, or ``collect_every`` below 1.
    """

    def __init__(
        self,
        config: Scenario,
        *,
        seed: int = 0,
        metrics: Sequence[str] | None = None,
        collect_every: int | None = 1,
    ) -> None:
        if collect_every is not None and collect_every < 1:
            raise ValueError(f"collect_every must be at least 1 or None; got {collect_every}")
        super().__init__(rng=seed)
        self.config = config
        self.now = 0
        """The current quarter (step): 0 at set-up, t for every event of quarter t."""
        self.observe("time", ObservableSignals.CHANGED, self._tick)
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
        self.pilots: dict[int, Pilot] = {}
        self.active: dict[int, Pilot] = {}
        """Financed and running pilots, in the order they were financed."""
        self.pilots_in_service: list[Pilot] = []
        """Successful pilots whose savings are still arriving."""
        self.programmes: list[Pilot] = []
        self.entered: Counter[PilotState] = Counter()
        """How many times each lifecycle state has been entered."""
        self.sector_participation: Counter[int] = Counter()
        """Parties to agreed pilots, counted by sector code."""
        self.public_value = 0.0
        """Cumulative public value delivered by successful pilots and programmes (EUR)."""
        self.appropriated = 0.0
        """Cumulative innovation budget appropriated by all cities (EUR)."""
        self.elections: list[dict] = []
        self.negotiations: list[dict] = []
        self.agreed_rounds = RunningMean()
        """Rounds of the negotiations that agreed (metric ``mean_rounds``)."""
        self.agreed_alignment = RunningMean()
        """Alignment of the consortia that agreed (metric ``consortium_alignment``)."""
        self.deals: list[dict] = []
        """One row per attempt of an instrument to close a pilot's financing."""
        self.outcome_records: list[dict] = []
        """One row per evaluated outcome contract: true and measured outcome, share paid."""
        self.replicas: defaultdict[tuple[int, int], int] = defaultdict(int)
        """Replicas proposed so far, by (city, step): the index of each one's stream."""
        self._next_pilot = 0
        self._init_books()
        self._init_population()
        self._init_money()
        self.instruments = {name: INSTRUMENTS[name](self) for name in config.finance.instruments}
        """The scenario's instruments by name, in the order the city's rule considers them."""
        for city in self.cities:
            self._open_year(city)
        self.datacollector = collector(agent_state=config.output.agent_state, metrics=metrics)
        self.shared: dict | None = None
        """While the metrics are collected, what several of them read, computed once for them
        (:func:`sim.model.metrics._shared`); None otherwise."""
        self.collected_steps: list[int] = []
        """The steps at which the metrics were collected, in order (the step table's rows)."""
        self._init_schedule(collect_every)
        if collect_every is not None:
            self._collect()

    # ----------------------------------------------------------------------- set-up

    def _init_population(self) -> None:
        """Draw the organisations and create one agent per row, plus citizens and capital."""
        rng = self.streams["init"]
        pop = build_population(self.config, rng)
        self.population = pop
        self.sectors: list[int] = pop.sector.tolist()
        """Each organisation's sector code as a Python integer: sectors never change in a run,
        and a party's sector is read per candidate, per move and per pilot's end (no NumPy
        scalar per read)."""
        # trust in strangers never changes in a run, and the network keeps it as Python floats:
        # a write would leave them stale, so it fails instead
        pop.generalised_trust.flags.writeable = False
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
        # shares, not the file's weights: a weight of 5e-324 times a capability underflows to 0
        self.priorities /= self.priorities.sum(axis=1, keepdims=True)
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
        self.providers_by_account = {provider.account: provider for provider in self.capital}
        """Capital providers by ledger account."""
        self.guarantee_providers: dict[str, str] = {}
        """The provider's account behind each first-loss guarantee account."""
        self.capability_mean = self.config.organisations.capability_mean

    def _init_money(self) -> None:
        """Open every account and endow organisations and capital providers (step 0).

        Opening balances come from one external account with the reason ``endowment``; each
        kind of capital provider holds ``finance.capital`` of its kind, shared among the
        providers of that kind. Budgets are appropriated once the instruments exist
        (:meth:`_open_year`).
        """
        ledger = self.ledger
        for name in (SUPPLIERS, ECONOMY, OPENING):
            ledger.open(name, AccountKind.EXTERNAL)
        for city in self.cities:
            ledger.open(city.treasury_account, AccountKind.EXTERNAL, owner=city.idx)
            ledger.open(city.budget_account, AccountKind.BUDGET, owner=city.idx)
        for org in self.orgs:
            if isinstance(org, CityGovernment):
                continue
            ledger.open(org.account, AccountKind.ORGANISATION, owner=org.idx)
            self.pay(OPENING, org.account, float(self.population.capital[org.idx]), "endowment")
        kinds = Counter(provider.kind for provider in self.capital)
        for provider in self.capital:
            ledger.open(provider.account, AccountKind.CAPITAL_PROVIDER, owner=provider.number)
            held = getattr(self.config.finance.capital, provider.kind) / kinds[provider.kind]
            self.pay(OPENING, provider.account, held, "endowment")

    def _init_schedule(self, collect_every: int | None) -> None:
        """Put calls, elections, fiscal years and data collection on Mesa's event list.

        Quarter ``t`` is the time interval (t - 1, t]; Mesa runs the model's ``step`` at its end,
        time t. The other events sit at fixed offsets inside the quarter, so their order never
        depends on their intervals: a fiscal year's turn at t - 0.9 (fiscal year y holds quarters
        y * steps_per_year + 1 .. (y + 1) * steps_per_year, :func:`fiscal_year`, so a year turns
        at the start of quarter y * steps_per_year + 1), calls at t - 0.75, elections at t - 0.5,
        then the step at t (high priority) and data collection at t (low priority), every
        ``collect_every`` quarters and at the horizon. Everything that happens in quarter t is
        recorded as step t (:attr:`now`).
        """
        t = self.config.time
        for handler, interval, first, offset in (
            (self._fiscal_year, t.steps_per_year, t.steps_per_year + 1, FISCAL_OFFSET),
            (self._calls, t.call_interval, 1, CALL_OFFSET),
            (self._elections, t.election_interval, t.election_interval, ELECTION_OFFSET),
        ):
            self.schedule_recurring(handler, Schedule(interval=interval, start=first - offset))
        if collect_every is not None:
            schedule = Schedule(interval=collect_every, start=collect_every)
            self.schedule_recurring(self._collect, schedule, Priority.LOW)
        if collect_every is None or t.steps % collect_every:
            self.schedule_event(self._collect, at=t.steps, priority=Priority.LOW)

    def _tick(self, _signal: object) -> None:
        """Mesa moved its clock: the quarter it falls in is :attr:`now`, and its discount."""
        self.now = math.ceil(self.time)
        self.discount_now = self.discount(self.now)

    @property
    def protects(self) -> bool:
        """Whether budget commitments are reserved in full at signing.

        Under ``finance.protect``, and for a public-private SPC, whose money sits off the
        budget (Smart Cities Index type D).
        """
        return self.config.finance.protect or self.partnership.ring_fenced

    # ----------------------------------------------------------------------- the step

    def step(self) -> None:
        """Advance one quarter: citizens, then pilots and programmes."""
        for citizens in self.citizens:
            citizens.drift()
        self.run_pilots()

    def _move(
        self,
        pilot: Pilot,
        state: PilotState,
        *,
        reason: str,
        parties: tuple[int, ...] | None = None,
    ) -> None:
        """Move a pilot through its lifecycle (legality checked) and count the state entered."""
        was_financed = pilot.lifecycle.state in (PilotState.FINANCED, PilotState.RUNNING)
        pilot.lifecycle.move(state, step=self.now, reason=reason, parties=parties)
        self.entered[state] += 1
        if was_financed and state in (PilotState.FAILED, PilotState.CANCELLED):
            self.book_loss(pilot)  # a proposal dropped before financing is no failure
        if state is PilotState.FINANCED:
            self.active[pilot.id] = pilot
        elif state in ENDED:
            self.active.pop(pilot.id, None)
        if state is PilotState.AGREED:
            for party in pilot.parties:
                self.sector_participation[self.sectors[party]] += 1
                self.orgs[party].pilots_joined += 1

    def _calls(self) -> None:
        """Every city issues a call for proposals, in random order."""
        self.agents_by_type[CityGovernment].shuffle_do("issue_call")

    def _collect(self) -> None:
        """Collect the step's metrics (runs after every other event of the step).

        What several reporters read (the net present public cost, which values every open
        claim; trust) is computed once for all of them (nothing changes while they read).
        """
        self.shared = {}
        try:
            self.datacollector.collect(self)
        finally:
            self.shared = None
        self.collected_steps.append(self.now)
