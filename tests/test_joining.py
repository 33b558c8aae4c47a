"""Joining a consortium: the rule, and a queue of candidates asked in turn."""

from dataclasses import replace

import numpy as np
import pytest
from conftest import run_model

import sim.model.joining
import sim.model.success
from sim.finance.formulas import failure_cover
from sim.model.agents import Organisation
from sim.model.consortium import recruit
from sim.model.joining import (
    ROW,
    Candidates,
    Invitation,
    first_to_join,
    joins,
    stake,
)
from sim.model.negotiation import max_acceptable_share
from sim.model.valuation import outside_parts, partner_money_back, party_values
from sim.scenario.fields import CIVIL_SOCIETY, FIRM


def stakes(n: int, **given: np.ndarray) -> Candidates:
    """Candidates with the given columns, the rest 0 (the odds' columns are not read)."""
    return Candidates(**{name: given.get(name, np.zeros(n)) for name in Candidates._fields})


def decisions(
    *,
    success: np.ndarray,
    stakes: Candidates,
    capacity: np.ndarray,
    parties: int,
    paid: float,
    cost: float,
    share: float,
) -> np.ndarray:
    """Whether each candidate joins, each at its own odds, as a search decides.

    One at a time: one that cannot pay its share declines (:func:`stake` reads None), the
    others decide by :func:`joins`.
    """
    rows = map(Candidates._make, np.array(stakes).T.tolist())
    return np.array(
        [
            pays and joins(s, row, parties=parties, paid=paid, cost=cost, share=share)
            for s, row, pays in zip(
                success.tolist(), rows, can_pay(capacity, share).tolist(), strict=True
            )
        ]
    )


def read_of(invitation: Invitation, candidates: np.ndarray) -> Candidates:
    """What a search reads of ``candidates`` (:attr:`Invitation.read`), a row per attribute."""
    return Candidates(*np.array([invitation.read(c) for c in candidates.tolist()]).T)


def read_stakes(tolerance: np.ndarray, capacity: np.ndarray, share: float) -> list:
    """What a search reads of candidates with these risk tolerances (base success 0.35)."""
    constant = np.zeros((len(ROW), len(tolerance)))
    constant[ROW["least"]] = (1.0 - tolerance) * 0.35
    return [
        stake(
            column,
            capability=0.0,
            trust=1.0,
            capacity=free,
            cost=100.0,
            years=1.0,
            partner_return=1.0,
            share=share,
        )
        for column, free in zip(constant.T.tolist(), capacity.tolist(), strict=True)
    ]


def least(tolerance: np.ndarray) -> np.ndarray:
    """The least odds at which candidates join, as a search reads them (base success 0.35)."""
    return np.array([read.least for read in read_stakes(tolerance, np.ones(len(tolerance)), 0.0)])


def can_pay(capacity: np.ndarray, share: float) -> np.ndarray:
    """Whether a search reads candidates with this free capital (else None: they decline)."""
    reads = read_stakes(np.ones(len(capacity)), capacity, share)
    return np.array([read is not None for read in reads])


def test_joins_known_answers():
    # full trust, nothing back: the largest acceptable share is value - outside (10 - 2 = 8);
    # the value is the knowledge, 20, split between 2 parties
    capacity = np.array([100.0, 7.0, 100.0])
    tolerance = np.array([1.0, 1.0, 0.0])

    def decide(odds: float, share: float) -> list[bool]:
        read = stakes(
            3,
            knowledge=np.full(3, 20.0),
            participation=np.full(3, 2.0),
            trust=np.ones(3),
            least=least(tolerance),
        )
        got = decisions(
            success=np.full(3, odds),
            stakes=read,
            capacity=capacity,
            parties=2,
            paid=5.0,
            cost=20.0,
            share=share,
        )
        return got.tolist()

    # first joins (8 >= 8); second cannot pay more than its free capital 7; third is a firm
    # with no tolerance for risk, and odds of 0.3 are below (1 - 0) * 0.35
    assert decide(0.3, 8.0) == [True, False, False]
    assert decide(0.3, 8.01) == [False] * 3
    # at odds of 0.35 the firm no longer declines on risk
    assert decide(0.35, 8.0)[2]


def test_joins_with_distrust_money_back_and_a_value_above_the_cost():
    # cost 100, the value all public value at odds 0.5 (public 2 x value), 2 parties, paid 10:
    # 0: trust 0.5, value 80, outside 10: m = (0.5 * 80 - 10) / (1 - 0.5 * 80 / 100) = 50;
    # 1: trust 0, value 120 > cost, outside 15: paying more only helps, m = 100 as
    #    120 - 100 - 15 >= 0 (though at a share of 50 alone it is 5 short);
    # 2: as 1 with outside 25: 120 - 100 - 25 < 0, m = -inf;
    # 3: trust 0.5, no value, outside 0, back 2 per EUR on success: b = 10 * 0.5 * 2 = 10,
    #    m = 0.5 * 10 / 1 = 5
    trust = np.array([0.5, 0.0, 0.0, 0.5])
    read = stakes(
        4,
        public=np.array([160.0, 240.0, 240.0, 0.0]),
        participation=np.array([10.0, 15.0, 25.0, 0.0]),
        back=np.array([0.0, 0.0, 0.0, 2.0]),
        trust=trust,
        doubt=(1.0 - trust) / 100.0,
    )

    def decide(share: float) -> list[bool]:
        got = decisions(
            success=np.full(4, 0.5),
            stakes=read,
            capacity=np.full(4, np.inf),
            parties=2,
            paid=10.0,
            cost=100.0,
            share=share,
        )
        return got.tolist()

    assert decide(5.0) == [True, True, False, True]
    assert decide(5.01) == [True, True, False, False]
    assert decide(50.0) == [True, True, False, False]
    assert decide(50.01) == [False, True, False, False]
    assert decide(100.0) == [False, True, False, False]


def test_joins_equal_the_largest_acceptable_share_rule():
    """The decisions are those of max_acceptable_share's m >= share, on random candidates."""
    rng = np.random.default_rng(11)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(1, 40))
        cost = float(rng.uniform(1e4, 1e6))
        share = float(rng.uniform(0.0, 1.0)) * cost / 3
        parties = int(rng.integers(2, 8))
        paid = float(rng.uniform(0.0, 1.0)) * cost / 2
        success = rng.random(n)
        trust = np.where(rng.random(n) < 0.1, 0.0, rng.random(n))
        capacity = rng.uniform(0.0, 2.0, n) * share
        tolerance = rng.random(n)
        read = stakes(
            n,
            public=rng.uniform(0.0, 3.0, n) * cost,
            knowledge=rng.uniform(0.0, 2.0, n) * cost,
            forgone=rng.uniform(0.0, 0.5, n) * cost,
            participation=rng.uniform(0.0, 0.1, n) * cost,
            back=rng.uniform(0.0, 2.0, n),
            cover=rng.uniform(0.0, 0.5, n),
            trust=trust,
            doubt=(1.0 - trust) / cost,
            least=least(tolerance),
        )
        got = decisions(
            success=success,
            stakes=read,
            capacity=capacity,
            parties=parties,
            paid=paid,
            cost=cost,
            share=share,
        )
        # the definition, candidate by candidate: value, outside option, money back, then m
        value = success * read.public + read.knowledge / parties
        outside = read.forgone / parties + read.participation
        back = paid * (success * read.back + (1.0 - success) * read.cover)
        most = max_acceptable_share(value, cost, outside, trust, capacity, back)
        expected = (success >= (1.0 - tolerance) * 0.35) & (most >= share)
        assert got.tolist() == expected.tolist()
        checked += n
    assert checked > 5000


def test_a_search_reads_each_candidate_as_the_valuation_functions_define_it(small):
    model = run_model(small, 0)
    cfg = model.config
    pop = model.population
    pilot = next(p for p in model.pilots.values() if p.instrument)
    candidates = model.partner_pool[0]
    invitation = model.invitation(pilot, 4)
    # one whose free capital cannot pay its share is read as None (it declines whatever the
    # odds); the others are read in full
    free = np.array([model.free_capital(model.orgs[c].account) for c in candidates.tolist()])
    pays = free >= invitation.share
    assert 0 < pays.sum() < len(candidates)
    asked = [invitation.read(c) is not None for c in candidates.tolist()]
    assert asked == pays.tolist()
    candidates = candidates[pays]
    read = read_of(invitation, candidates)
    cost = pilot.cost
    sectors = pop.sector[candidates]
    firm = sectors == FIRM
    # value at odds s among p parties is s * public + knowledge / p, as party_values says
    for s, p in [(0.3, 3), (0.8, 5)]:
        value = party_values(
            pop.weights[candidates], parties=p, success=s, cost=cost, cfg=cfg.pilots
        )
        np.testing.assert_allclose(s * read.public + read.knowledge / p, value, rtol=1e-12)
    outside = outside_parts(
        sectors,
        pop.hurdle[candidates],
        cost=cost,
        years=pilot.duration / cfg.time.steps_per_year,
        public_rate=cfg.organisations.public_rate,
        participation_cost=cfg.organisations.participation_cost,
    )
    np.testing.assert_allclose(read.forgone, outside.forgone, rtol=1e-12)
    np.testing.assert_array_equal(read.participation, outside.participation)
    assert not cfg.incentives.innovation_procurement  # firms fear for their IP, no cover
    back = partner_money_back(
        invitation.terms.partner_return(0.6, cost),
        firm,
        pop.ip_fear[candidates],
        0.4 * failure_cover(cfg.incentives),
    )
    np.testing.assert_allclose(0.6 * read.back + 0.4 * read.cover, back, rtol=1e-12)
    trust = np.array([model.network.trust(c, pilot.lead) for c in candidates.tolist()])
    np.testing.assert_array_equal(read.trust, trust)
    np.testing.assert_array_equal(read.doubt, (1.0 - trust) / cost)
    risk = (1.0 - pop.risk_tolerance[candidates]) * cfg.pilots.base_success
    np.testing.assert_array_equal(read.least, risk)
    np.testing.assert_array_equal(read.capability, pop.capability[candidates, pilot.domain])
    np.testing.assert_array_equal(read.codesign, sectors == CIVIL_SOCIETY)
    np.testing.assert_array_equal(
        read.data, np.where(firm, pop.data_willingness[candidates], np.inf)
    )


def test_recruit_decides_the_queue_again_after_each_join():
    # 11 joins only once 10 is in; 10 scores lower, so 11 is asked first and declines, and a
    # candidate that declined is not asked again (examined one by one, in order of score)
    scores = {10: 0.5, 11: 0.9, 12: 0.1}
    calls = []

    def accepts(queue, members):
        calls.append((queue, members))
        return next((i for i, c in enumerate(queue) if c != 11 or 10 in members), None)

    formation = recruit(
        [[10, 11, 12]],
        lambda c, m: [scores[x] for x in c],
        accepts,
        needed=3,
    )
    assert formation.members == (10, 12)
    assert formation.examined == 3
    assert calls == [([11, 10, 12], ()), ([12], (10,))]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_queue_stops_at_the_first_candidate_that_would_join_alone(small, seed):
    model = run_model(small, seed)
    pilots = [p for p in model.pilots.values() if len(p.members) > 1 and p.instrument]
    assert pilots
    pool = model.partner_pool[0]
    decided = joined = 0
    for pilot in pilots[:5]:
        members = [pilot.lead, *[m for m in pilot.members if m != pilot.lead][:1]]
        candidates = [c for c in pool.tolist() if c not in members]
        invitation = model.invitation(pilot, len(pilot.parties))
        alone = [Organisation.accept(model, invitation, [c], members) == 0 for c in candidates]
        for start in range(len(candidates)):
            first = Organisation.accept(model, invitation, candidates[start:], members)
            assert first == (alone[start:].index(True) if True in alone[start:] else None)
        decided += len(alone)
        joined += sum(alone)
    assert decided > 50
    assert 0 < joined < decided


@pytest.mark.parametrize("seed", [0, 1])
def test_a_candidates_odds_are_those_of_the_consortium_it_would_join(small, seed, monkeypatch):
    model = run_model(small, seed)
    pool = model.partner_pool[0]
    city = model.cities[0].idx
    asked = []

    def odds(**given: float) -> float:
        asked.append(sim.model.success.success_probability(**given))
        return asked[-1]

    monkeypatch.setattr(sim.model.joining, "success_probability", odds)
    checked = 0
    for pilot in [p for p in model.pilots.values() if len(p.members) > 1][:5]:
        base = [*pilot.members[:2], city]
        candidates = [c for c in pool.tolist() if c not in base]
        invitation = model.invitation(pilot, len(pilot.parties))
        consortium = model.consortium(pilot, base)
        for c in candidates:
            asked.clear()
            first_to_join(
                invitation,
                [c],
                consortium,
                capability_mean=model.capability_mean,
                cfg=model.config.pilots,
            )
            if invitation.read(c) is None:  # it cannot pay its share: no odds worked out
                assert asked == []
                continue
            assert asked == [model.success_odds(pilot, [*base, c])]  # to the bit
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("seed", [0, 1])
def test_a_search_reads_only_the_candidates_it_asks(small, seed):
    # the stakes of a queue are read up to the first candidate that joins, and no further
    model = run_model(small, seed)
    pool = model.partner_pool[0].tolist()
    stopped = exhausted = 0
    for pilot in [p for p in model.pilots.values() if len(p.members) > 1 and p.instrument][:8]:
        members = [pilot.lead, *[m for m in pilot.members if m != pilot.lead][:1]]
        queue = [c for c in pool if c not in members]
        invitation = model.invitation(pilot, len(pilot.parties))
        read: list[int] = []

        def reads(
            candidate: int, invited: Invitation = invitation, read: list[int] = read
        ) -> Candidates | None:
            read.append(candidate)
            return invited.read(candidate)

        first = Organisation.accept(model, replace(invitation, read=reads), queue, members)
        asked = queue if first is None else queue[: first + 1]
        assert read == asked  # each once, in the order asked
        stopped += first is not None and first + 1 < len(queue)
        exhausted += first is None
    assert stopped  # some searches stopped before the end of their queue
