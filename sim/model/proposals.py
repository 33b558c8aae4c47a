"""From a call to a financed pilot: proposals, the instrument, the consortium, terms, financing.

:class:`Proposing` is a part of :class:`sim.model.model.PartnershipModel` (a mixin). Each call
draws its proposals; each proposal draws its attributes and its economy from its own stream
(:meth:`sim.model.streams.Streams.for_proposal`), gets its instrument by the city's rule, forms
a consortium SKIN-style, negotiates terms and closes financing. The instrument enters every
party's valuation before anyone proposes, joins or negotiates (:mod:`sim.finance.deals`).

The module is longer than most because a proposal's path from call to financing reads in one
place, in the order it happens; the mechanics it calls are pure functions elsewhere (search in
:mod:`sim.model.consortium`, terms in :mod:`sim.model.negotiation`, deals in
:mod:`sim.finance.deals`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import NamedTuple

import numpy as np

from sim.finance.accounts import SUPPLIERS
from sim.finance.deals import Deal, Proposal, passes_screens, stream_terms, value_deal
from sim.finance.formulas import failure_cover, measurement_sd
from sim.finance.ledger import AccountKind
from sim.model import incentives
from sim.model.agents import CityGovernment, Organisation
from sim.model.consortium import alignment, candidate_hops, recruit, score_candidates
from sim.model.joining import (
    Candidates,
    Consortium,
    Invitation,
    constant_table,
    stake,
)
from sim.model.lifecycle import Lifecycle, PilotState
from sim.model.negotiation import negotiate_terms
from sim.model.pilot import Pilot
from sim.model.population import beta, lognormal
from sim.model.streams import weighted_choice
from sim.model.success import success_probability
from sim.model.sums import pairwise_sum
from sim.model.valuation import (
    outside_options,
    outside_parts,
    partner_money_back,
    party_values,
)
from sim.scenario.fields import ACADEMIA, CIVIL_SOCIETY, FIRM, GOVERNMENT


class TypicalPartners(NamedTuple):
    """What a city's partners bring a typical consortium (:meth:`Proposing.expected_odds`).

    Attributes:
        rows: The partners' rows in the population arrays: a slice where they are one block
            (each city's are), which reads a column as a view, not a copy; else their indices.
        n: Number of partners.
        codesign: Whether a citizen group is among them.
        data_sharing: The firms' mean willingness to share data, in [0, 1] (1 without firms).
    """

    rows: slice | np.ndarray
    n: int
    codesign: bool
    data_sharing: float


class CallLeads(NamedTuple):
    """Who may lead a city's proposals, and how likely (:meth:`Proposing.run_call`).

    Attributes:
        weight: The partner pool's total proposal weight (each organisation 1, a start-up
            ``incentives.open_data_proposal_boost`` under open data).
        by_sector: For each sector with organisations in the pool (the city is not in it),
            in ascending order of sector (the order a call draws them in), its organisations'
            indices and the chance each has to lead one of that sector's proposals.
    """

    weight: float
    by_sector: dict[int, tuple[np.ndarray, np.ndarray]]


class Proposing:
    """Proposals to financed pilots (part of the model; see the module docstring)."""

    def run_call(self, city: CityGovernment) -> None:
        """Draw this call's proposals in ``city`` and take each as far as it gets."""
        rng = self.streams["proposals"]
        call = self._call_leads[city.city]
        n = rng.poisson(self.config.pilots.proposal_rate * call.weight)
        sectors = weighted_choice(rng, self.partnership.lead, size=n)
        leads = np.full(n, -1)
        leads[sectors == GOVERNMENT] = city.idx
        # a sector without organisations in the pool leaves its proposals without a lead (-1):
        # they never happen
        for sector, (members, chances) in call.by_sector.items():
            slots = np.flatnonzero(sectors == sector)
            if len(slots):
                leads[slots] = members[weighted_choice(rng, chances, size=len(slots))]
        # a call's streams are made together, before its proposals: seeding one right after a
        # proposal's work (NumPy's seeding code out of the CPU's caches) costs twice as much
        proposals = [
            (lead, self.streams.for_proposal("call", city.city, self.now, index))
            for index, lead in enumerate(leads.tolist())
            if lead >= 0
        ]
        for lead, own in proposals:
            self.propose(city, lead, own)

    @cached_property
    def _call_leads(self) -> list[CallLeads]:
        """Per city, who may lead its proposals and how likely (:class:`CallLeads`).

        The partner pools, their sectors and start-ups never change in a run, nor the levers,
        so the weights are read once, not at every call.
        """
        pop = self.population
        boost = incentives.proposal_multiplier(is_startup=True, cfg=self.config.incentives)
        calls = []
        for pool in self.partner_pool:
            weight = np.where(pop.startup[pool], boost, 1.0)
            by_sector = {}
            for sector in np.unique(pop.sector[pool]).tolist():
                here = pop.sector[pool] == sector
                by_sector[sector] = (pool[here], weight[here] / weight[here].sum())
            calls.append(CallLeads(float(weight.sum()), by_sector))
        return calls

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
            rng: The proposal's own stream.
            template: A proven pilot from another city to replicate: same domain, duration and
                savings multiple, cheaper by ``replication.cost_discount``, likelier to succeed.

        Returns:
            The pilot, in whatever state it reached (CANCELLED, or FINANCED or RUNNING).
        """
        cfg = self.config
        pop = self.population
        neighbourhoods = cfg.cities[city.city].neighbourhoods
        savings = cfg.finance.savings
        if template is None:
            # six domains: their weights on Python floats, summed in NumPy's order
            fit = self.priorities[city.city].tolist()
            if lead != city.idx:
                capability = pop.capability[lead].tolist()
                fit = [w * (c + 0.1) for w, c in zip(fit, capability, strict=True)]
            total = pairwise_sum(fit)
            domain = weighted_choice(rng, [f / total for f in fit])
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
            multiple = float(lognormal(rng, savings.multiple_mean, savings.multiple_sd))
        else:
            domain, duration, in_testbed = template.domain, template.duration, False
            neighbourhood = int(rng.integers(neighbourhoods))
            cost = template.cost * (1.0 - cfg.replication.cost_discount)
            multiple = template.savings_multiple
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
            rng=rng,
            savings_multiple=multiple,
            luck=float(lognormal(rng, 1.0, savings.realisation_sd)),
            measurability=float(
                beta(rng, savings.measurability_mean, savings.measurability_concentration)
            ),
            outcome_draw=float(rng.random()),
            evaluation_draw=float(rng.standard_normal()),
            scale_draw=float(rng.random()),
            service_steps=savings.service_years * cfg.time.steps_per_year,
            salvage=savings.salvage_share * cost,
            start_step=self.now + cfg.pilots.start_delay,
            replica_of=-1 if template is None else template.id,
        )
        self._next_pilot += 1
        self.pilots[pilot.id] = pilot
        self.entered[PilotState.PROPOSED] += 1
        instrument = self.choose_instrument(city, pilot)
        if instrument is None:
            self._move(pilot, PilotState.CANCELLED, reason="no_instrument")
            return pilot
        pilot.instrument = instrument
        if not self._form(pilot, city, size):
            return pilot
        if not self._negotiate(pilot, city):
            return pilot
        self._finance(pilot)
        return pilot

    # ----------------------------------------------------------------------- deals

    def proposal(self, pilot: Pilot, success: float, public: float) -> Proposal:
        """Return a pilot's economics as the parties see them, at these odds and public part."""
        return Proposal(
            cost=pilot.cost,
            public_part=public,
            success_prob=success,
            stream=pilot.expected_stream,
            service_steps=pilot.service_steps,
            salvage=pilot.salvage,
            steps_to_outcome=pilot.outcome_step - self.now,
            noise_sd=pilot.noise_sd,
            measurability=pilot.measurability,
        )

    def deal(self, pilot: Pilot, instrument: str, success: float, public: float) -> Deal:
        """Value a pilot's deal under an instrument (:func:`sim.finance.deals.value_deal`)."""
        return self.value_proposal(instrument, self.proposal(pilot, success, public))

    def value_proposal(self, instrument: str, proposal: Proposal) -> Deal:
        """Value a proposal's deal under an instrument (:func:`sim.finance.deals.value_deal`)."""
        return value_deal(
            instrument,
            proposal,
            self.config.finance,
            steps_per_year=self.config.time.steps_per_year,
            # only a blended deal has first-loss cover: only then read every provider's balance
            public_cover=instrument == "blended" and self.public_cover(),
        )

    def public_cover(self) -> bool:
        """Return whether a blended deal's first-loss cover would come from a public provider.

        The cover comes from the richest philanthropy or development bank; it is public if that
        kind is among ``finance.public_providers``.
        """
        cover = max(
            (p for p in self.capital if p.kind in ("philanthropy", "development_bank")),
            key=lambda p: p.capital,
            default=None,
        )
        return cover is not None and cover.kind in self.config.finance.public_providers

    def expected_public(self, pilot: Pilot) -> float:
        """Return the public part the parties expect before negotiating: the city's cap (EUR)."""
        return self.public_share_cap() * pilot.cost

    def choose_instrument(self, city: CityGovernment, pilot: Pilot) -> str | None:
        """Fix the instrument of a proposal by the city's rule, before anyone negotiates.

        Before the consortium forms, the parties value each instrument's deal at the odds a
        typical consortium of the city would give the pilot (:meth:`expected_odds`) and at the
        public part they expect. An instrument qualifies if the proposal passes its screens, it
        has money to lend or spend now and, where the city runs several, its deal is expected
        to close on the market's terms (a lender's hurdle, investors' premium cap); a city that
        runs one instrument offers it to every proposal, and the market decides at financing.
        ``order`` takes the first that qualifies; ``cheapest`` the one with the lowest expected
        public cost per EUR of public part. None when no instrument qualifies.
        """
        pilot.noise_sd = self.evaluation_noise(pilot, {pilot.lead, city.idx})
        success = self.expected_odds(pilot, city)
        public = self.expected_public(pilot)
        proposal = self.proposal(pilot, success, public)
        mix = len(self.instruments) > 1
        cheapest = self.config.finance.rule == "cheapest"
        options: list[tuple[float, int, str]] = []
        for rank, (name, instrument) in enumerate(self.instruments.items()):
            deal = self.value_proposal(name, proposal)
            if not passes_screens(deal, proposal, self.config.finance):
                continue
            if instrument.capacity(city, pilot) <= 0 or (mix and not deal.closes):
                continue
            if not cheapest:  # in order: the later instruments' deals would not be read
                return name
            options.append((deal.public_cost / public if public > 0 else 0.0, rank, name))
        return min(options)[2] if options else None

    def expected_odds(self, pilot: Pilot, city: CityGovernment) -> float:
        """Return the odds a typical consortium of the city would give a proposal.

        The lead's capability in the pilot's domain averaged with the city's partners' mean
        capability, co-design if the city has citizen groups, and its firms' mean willingness
        to share data: what the parties can expect before they know who joins.
        """
        pop = self.population
        partners = self._typical_partners[city.city]
        lead = pop.capability[pilot.lead, pilot.domain] if pilot.lead != city.idx else None
        typical = float(pop.capability[partners.rows, pilot.domain].mean()) if partners.n else 0.0
        capability = typical if lead is None else (float(lead) + typical) / 2.0
        return success_probability(
            capability=capability,
            codesign=partners.codesign,
            data_sharing=partners.data_sharing,
            bonus=self.success_bonus(pilot),
            capability_mean=self.capability_mean,
            cfg=self.config.pilots,
        )

    @cached_property
    def _typical_partners(self) -> list[TypicalPartners]:
        """Per city, what :meth:`expected_odds` reads of its partners (:class:`TypicalPartners`).

        Sectors, data willingness and the partner pools never change in a run, so they are
        read once, not for every proposal (a large city's pool has thousands of members).
        """
        pop = self.population
        typical = []
        for pool in self.partner_pool:
            firms = pool[pop.sector[pool] == FIRM]
            block = len(pool) > 0 and pool[-1] - pool[0] + 1 == len(pool)
            typical.append(
                TypicalPartners(
                    rows=slice(int(pool[0]), int(pool[-1]) + 1) if block else pool,
                    n=len(pool),
                    codesign=bool((pop.sector[pool] == CIVIL_SOCIETY).any()),
                    data_sharing=float(pop.data_willingness[firms].mean()) if len(firms) else 1.0,
                )
            )
        return typical

    def success_bonus(self, pilot: Pilot) -> float:
        """Return the success log-odds a pilot's levers add: a test bed, being a replica."""
        return incentives.success_bonus(in_testbed=pilot.in_testbed, cfg=self.config.incentives) + (
            self.config.replication.success_bonus if pilot.replica_of >= 0 else 0.0
        )

    def evaluation_noise(self, pilot: Pilot, parties: Iterable[int]) -> float:
        """Return an outcome evaluator's error for a pilot with these parties (SD)."""
        cfg = self.config.finance.outcome_based
        sector = self.sectors
        academic = any(sector[p] == ACADEMIA for p in parties)
        competence = cfg.academic_competence if academic else cfg.contracted_competence
        return measurement_sd(cfg.measurement_noise, pilot.measurability, competence)

    # ----------------------------------------------------------------------- formation

    def _form(self, pilot: Pilot, city: CityGovernment, size: int) -> bool:
        """Search for partners (SKIN); move to NEGOTIATING or cancel. Returns success."""
        cfg = self.config
        pop = self.population
        lead = pilot.lead
        hops = candidate_hops(
            self.network.graph,
            lead,
            self.partner_pool[city.city],
            depth=cfg.consortium.search_depth,
            per_hop=cfg.consortium.candidates_per_hop,
            referrals=cfg.consortium.referrals,
            rng=pilot.rng,
            exclude=(city.idx,),
        )
        invitation = self.invitation(pilot, size)
        sector, capability = self.sectors, pop.capability

        def score(candidates: list[int], joined: tuple[int, ...]) -> list[float]:
            have = {sector[m] for m in (lead, *joined)}
            return score_candidates(
                self.network.trust_from(lead, candidates),
                # a sector the consortium lacks counts its capability twice (complementarity)
                [
                    float(capability[c, pilot.domain]) * (2.0 if sector[c] not in have else 1.0)
                    for c in candidates
                ],
                self.network.collaborations_of(lead, candidates),
                trust_weight=cfg.consortium.trust_weight,
                capability_weight=cfg.consortium.capability_weight,
                history_weight=cfg.consortium.history_weight,
            )

        def accepts(queue: list[int], joined: tuple[int, ...]) -> int | None:
            return Organisation.accept(self, invitation, queue, (lead, *joined))

        city_led = lead == city.idx
        formation = recruit(hops, score, accepts, size - (1 if city_led else 2))
        search = formation.examined * cfg.consortium.search_cost
        search *= incentives.convening_factor(cfg.incentives)
        if city_led:  # the city's search is administration, paid from its operating budget
            self.pay(city.treasury_account, SUPPLIERS, search, "search_cost", pilot)
        else:
            payer = self.orgs[lead].account
            paid = min(search, self.ledger.balance(payer))
            self.pay(payer, SUPPLIERS, paid, "search_cost", pilot)
        pilot.members = formation.members if city_led else (lead, *formation.members)
        pilot.parties = (city.idx, *pilot.members) if city_led else (*pilot.members, city.idx)
        if len(pilot.parties) < cfg.pilots.consortium_min or not any(
            self.sectors[m] == FIRM for m in pilot.members
        ):
            self._move(pilot, PilotState.CANCELLED, reason="no_consortium", parties=pilot.parties)
            return False
        self._move(pilot, PilotState.NEGOTIATING, reason="consortium_formed", parties=pilot.parties)
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

    def invitation(self, pilot: Pilot, size: int) -> Invitation:
        """Return what a lead's invitation to join ``pilot`` means to the candidates it asks.

        A candidate's stake is read when the search asks it (:attr:`Invitation.read`): nothing
        it reads (trust, free capital) changes while the search goes on.

        Args:
            pilot: The pilot, its instrument fixed.
            size: Parties the lead wants in all (the city included).
        """
        cfg = self.config
        cap = self.public_share_cap()
        public = self.expected_public(pilot)
        share = max((1.0 - cap) * pilot.cost / max(size, 1), 0.0)
        terms = stream_terms(
            pilot.instrument,
            self.proposal(pilot, math.nan, public),
            cfg.finance,
            steps_per_year=cfg.time.steps_per_year,
        )
        constant, capability = self._candidate_constants, self.population.capability
        trust, orgs = self.network.trust, self.orgs
        cost, lead, domain = pilot.cost, pilot.lead, pilot.domain
        years = pilot.duration / cfg.time.steps_per_year
        partner_return = terms.partner_return(1.0, cost)

        def read(candidate: int) -> Candidates | None:
            return stake(
                constant[candidate],
                capability=float(capability[candidate, domain]),
                trust=trust(candidate, lead),
                capacity=self.free_capital(orgs[candidate].account),
                cost=cost,
                years=years,
                partner_return=partner_return,
                share=share,
            )

        return Invitation(
            pilot=pilot,
            size=size,
            share=share,
            public=public,
            terms=terms,
            bonus=self.success_bonus(pilot),
            read=read,
        )

    @cached_property
    def _candidate_constants(self) -> list[list[float]]:
        """What stays the same in a run of each organisation as a candidate, read once.

        Each organisation's column of :func:`sim.model.joining.constant_table`, as Python floats
        (:meth:`invitation` reads those of the candidates a search asks).
        """
        return constant_table(self.population, self.config).T.tolist()

    def stakes(
        self, pilot: Pilot, valued: np.ndarray, success: float | np.ndarray, parties: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return each valued party's non-monetary value of the pilot and outside option (EUR).

        Args:
            pilot: The pilot.
            valued: The organisations valuing it: the parties of one consortium, or candidates.
            success: The pilot's odds (one per candidate when ``valued`` are candidates).
            parties: Parties to the consortium each valued organisation would be in.
        """
        cfg = self.config
        pop = self.population
        values = party_values(
            pop.weights[valued], parties=parties, success=success, cost=pilot.cost, cfg=cfg.pilots
        )
        outside = outside_parts(
            pop.sector[valued],
            pop.hurdle[valued],
            cost=pilot.cost,
            years=pilot.duration / cfg.time.steps_per_year,
            public_rate=cfg.organisations.public_rate,
            participation_cost=cfg.organisations.participation_cost,
        )
        return values, outside_options(outside, parties)

    def returns(
        self, pilot: Pilot, parties: np.ndarray, sectors: list[int], success: float
    ) -> np.ndarray:
        """Return the money each party expects back at the share it expects to pay (EUR).

        Each party expects, like its outside option, to pay an even part: the city its cap of
        the cost (the public part), every other party an equal part of the rest. Partners get
        their share of the residual stream under the pilot's instrument, firms discounted by
        their fear of losing IP, and under innovation procurement firms lose no IP and expect
        the city's cover of their loss if the pilot fails; the city gets what comes back to the
        public, valued with the public-cost function (:class:`sim.finance.deals.Deal`), less
        that expected cover.

        Args:
            pilot: The pilot, its instrument fixed.
            parties: The consortium (organisation indices).
            sectors: Each party's sector code.
            success: The pilot's odds.
        """
        expected = self.expected_public(pilot)
        deal = self.deal(pilot, pilot.instrument, success, expected)
        city = [s == GOVERNMENT for s in sectors]
        firms = [s == FIRM for s in sectors]
        private = (pilot.cost - expected) / max(len(sectors) - sum(city), 1)
        share = np.array([expected if c else private for c in city])
        procurement = self.config.incentives.innovation_procurement
        fear = self.population.ip_fear[parties] * (0.0 if procurement else 1.0)
        # innovation procurement: the city covers part of a firm's loss if the pilot fails
        cover = (1.0 - success) * failure_cover(self.config.incentives)
        partner = partner_money_back(deal.partner_return, np.array(firms), fear, cover)
        firms_share = pairwise_sum([private] * sum(firms))  # every firm pays the private part
        covered = cover * firms_share / expected if expected > 0 else 0.0
        per_eur = np.where(city, deal.city_return - covered, partner)
        return per_eur * share

    def success_odds(self, pilot: Pilot, parties: Sequence[int]) -> float:
        """Return the success probability a consortium gives a pilot.

        The odds follow the mean capability of the non-government parties, co-design by a
        citizen group and the least willing firm's data sharing (:func:`success_probability`).

        Args:
            pilot: The pilot.
            parties: The consortium (organisation indices).
        """
        consortium = self.consortium(pilot, parties)
        return success_probability(
            capability=consortium.capability / consortium.doers
            if consortium.doers
            else self.capability_mean,
            codesign=consortium.codesign,
            data_sharing=consortium.data,
            bonus=self.success_bonus(pilot),
            capability_mean=self.capability_mean,
            cfg=self.config.pilots,
        )

    def consortium(self, pilot: Pilot, parties: Sequence[int]) -> Consortium:
        """Return what a consortium's odds read of its parties (:class:`Consortium`).

        Args:
            pilot: The pilot.
            parties: The consortium (organisation indices).
        """
        pop = self.population
        sector, capability, willing = self.sectors, pop.capability, pop.data_willingness
        # a consortium has a handful of parties: one element at a time beats fancy indexing
        members = [(p, sector[p]) for p in parties]
        doers = [p for p, s in members if s != GOVERNMENT]
        return Consortium(
            # the sum of NumPy's mean, in its order
            capability=pairwise_sum([float(capability[p, pilot.domain]) for p in doers]),
            doers=len(doers),
            codesign=any(s == CIVIL_SOCIETY for _, s in members),
            data=min([float(willing[p]) for p, s in members if s == FIRM], default=1.0),
            parties=len(members),
        )

    # ----------------------------------------------------------------------- negotiation

    def _negotiate(self, pilot: Pilot, city: CityGovernment) -> bool:
        """Negotiate the terms; move to AGREED or cancel. Returns success."""
        cfg = self.config
        pop = self.population
        parties = np.array(pilot.parties)
        pilot.success_prob = self.success_odds(pilot, parties)
        pilot.noise_sd = self.evaluation_noise(pilot, pilot.parties)
        pilot.alignment = alignment(pop.weights[parties])
        city_cfg = cfg.cities[city.city]
        if pilot.success_prob < city_cfg.risk_threshold * (1.0 - city_cfg.risk_appetite):
            self._move(pilot, PilotState.CANCELLED, reason="too_risky")
            self._record_negotiation(pilot, agreed=False, rounds=0, reason="too_risky")
            return False
        sectors = pop.sector[parties].tolist()
        values, outside = self.stakes(pilot, parties, pilot.success_prob, len(parties))
        public_cap = self.public_share_cap()
        match = 1.0 + cfg.incentives.match_rate
        public_capacity = self.instruments[pilot.instrument].capacity(city, pilot)
        capacity = np.array(
            [
                min(public_cap * pilot.cost, public_capacity)
                if p == city.idx
                else self.free_capital(self.orgs[p].account) * (match if s == FIRM else 1.0)
                for p, s in zip(pilot.parties, sectors, strict=True)
            ]
        )
        partnership = self.partnership
        rigidity = 1.0 - city.procurement_flexibility
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
            np.array([partnership.bargaining_weight(s) for s in sectors]),
            protocol=cfg.negotiation.protocol,
            step=cfg.negotiation.step,
            opening_premium=cfg.negotiation.opening_premium,
            formal_rounds=round(rigidity * cfg.negotiation.procurement_stages),
            round_cost=round_cost,
            max_rounds=cfg.negotiation.max_rounds,
            patience=np.full(n, cfg.negotiation.patience),
            bearer_weights=np.array([partnership.failure_bearing[s] for s in sectors]),
            data_willingness=pop.data_willingness[parties],
            capacity=capacity,
            returns=self.returns(pilot, parties, sectors, pilot.success_prob),
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
        """Keep one row per negotiation, and the running means of the agreed ones' terms."""
        if agreed:
            self.agreed_rounds.add(rounds)
            self.agreed_alignment.add(pilot.alignment)
        self.negotiations.append(
            {
                "step": self.now,
                "pilot_id": pilot.id,
                "city": pilot.city,
                "instrument": pilot.instrument,
                "parties": len(pilot.parties),
                "agreed": agreed,
                "rounds": rounds,
                "reason": reason,
                "alignment": pilot.alignment,
                "success_prob": pilot.success_prob,
                "savings_multiple": pilot.savings_multiple,
                "measurability": pilot.measurability,
            }
        )

    # ----------------------------------------------------------------------- financing

    def _finance(self, pilot: Pilot) -> None:
        """Commit the money the terms say and close financing with the pilot's instrument."""
        city = self.cities[pilot.city]
        commitments: dict[str, float] = defaultdict(float)
        public = 0.0
        assert pilot.terms is not None
        for party, share in zip(pilot.parties, pilot.terms.cost_shares.tolist(), strict=True):
            if party == city.idx:
                public += share
            elif self.sectors[party] == FIRM:
                own, match = incentives.private_payment(share, self.config.incentives)
                commitments[self.orgs[party].account] += own
                public += match
            else:
                commitments[self.orgs[party].account] += share
        pilot.commitments = dict(commitments)
        pilot.public = public
        pilot.deal = self.deal(pilot, pilot.instrument, pilot.success_prob, public)
        self.ledger.open(pilot.account, AccountKind.PILOT, owner=pilot.id)
        instrument = self.instruments[pilot.instrument]
        if not instrument.close(pilot):
            self._move(pilot, PilotState.CANCELLED, reason="financing_failed")
            return
        for account, amount in pilot.commitments.items():
            self.outstanding[account] += amount
        self._move(pilot, PilotState.FINANCED, reason=instrument.name)
