"""What every run reports: named, module-level reporter functions with units.

Each reporter takes the model and returns one number for the current step; they are collected by
a Mesa ``DataCollector`` into one row per step. Module-level functions (not lambdas) keep models
picklable for process pools. DOMAIN's "What every run must report" lists the metrics; those of
an instrument a scenario does not run are zero or NaN (a ratio with nothing to divide by). A
metric that can be NaN says when (:attr:`Metric.undefined`); every other one is always finite.

Counts are cumulative since the start unless the description says "now". Money is in EUR.

The registry is one module, longer than most, on purpose: every metric is defined once, here, with
its unit, description and when it may be undefined, so that the comparison, the report, the app
and the tests read the same definitions (one function per metric; the heavy lifting lives in the
running totals of :mod:`sim.model.books` and the pure functions of :mod:`sim.finance`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.finance.ledger import AccountKind
from sim.model.lifecycle import PilotState

if TYPE_CHECKING:
    from sim.model.state import ModelState


@dataclass(frozen=True)
class Metric:
    """A reporter with its unit and meaning.

    Attributes:
        name: Column name in the step table.
        unit: Unit of the value.
        description: What it measures, one sentence.
        fn: The reporter, ``fn(model) -> float``.
        label: Plain-language name for figures and tables.
        share: Whether the value is a share in [0, 1] (its intervals must stay inside).
        fixed_by: The inputs that can fix the value by construction, in words (e.g. "the
            tranche shares of the blended stack"); "" if none. Reports mark a metric that
            does not vary across replicates as fixed by its inputs rather than as a finding,
            and name these inputs when given.
        undefined: When the value is undefined (NaN), in words (e.g. "before the first
            success"); "" if it is always finite. The description ends with it.
    """

    name: str
    unit: str
    description: str
    fn: Callable[[ModelState], float]
    label: str
    share: bool = False
    fixed_by: str = ""
    undefined: str = ""


METRICS: dict[str, Metric] = {}
"""Every metric by name, in the order of the step table's columns."""


def metric(
    unit: str,
    description: str,
    *,
    label: str,
    share: bool = False,
    fixed_by: str = "",
    undefined: str = "",
) -> Callable:
    """Register a reporter function under its own name, with its unit, meaning and label.

    A metric that can be undefined gets ``(NaN <undefined>)`` at the end of its description.
    """
    if undefined:
        description = f"{description.removesuffix('.')} (NaN {undefined})."

    def register(fn: Callable[[ModelState], float]) -> Callable[[ModelState], float]:
        METRICS[fn.__name__] = Metric(
            fn.__name__, unit, description, fn, label, share, fixed_by, undefined
        )
        return fn

    return register


def _shared(model: ModelState, compute: Callable[[ModelState], object]) -> object:
    """Return ``compute(model)``, computed once per collection for every reporter that reads it.

    While the model collects its metrics (:attr:`PartnershipModel.shared
    <sim.model.model.PartnershipModel.shared>` is a dictionary) nothing changes, so a quantity
    several reporters read is computed for the first and kept for the others.
    """
    shared = model.shared
    if shared is None:
        return compute(model)
    if compute not in shared:
        shared[compute] = compute(model)
    return shared[compute]


def _public_cost(model: ModelState) -> float:
    """Return the net present public cost, which values every open claim (EUR)."""
    return model.net_public_cost()


def _organisation_trust(model: ModelState) -> np.ndarray:
    """Return each organisation's mean trust in its partners."""
    return model.network.trust_by_organisation()


def _citizen_trust(model: ModelState) -> np.ndarray:
    """Return every citizen's trust in their city, the cities one after another."""
    return np.concatenate([c.trust for c in model.citizens])


def _ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, NaN when the denominator is zero."""
    return numerator / denominator if denominator else math.nan


@metric("pilots", "Pilots proposed.", label="Pilots proposed")
def pilots_proposed(model: ModelState) -> float:
    """Count pilots proposed."""
    return model.entered[PilotState.PROPOSED]


@metric(
    "pilots", "Pilots whose consortium formed and went into negotiation.", label="Pilots negotiated"
)
def pilots_negotiated(model: ModelState) -> float:
    """Count pilots that reached negotiation."""
    return model.entered[PilotState.NEGOTIATING]


@metric("pilots", "Pilots whose terms were agreed.", label="Pilots agreed")
def pilots_agreed(model: ModelState) -> float:
    """Count agreed pilots."""
    return model.entered[PilotState.AGREED]


@metric("pilots", "Pilots whose financing closed.", label="Pilots financed")
def pilots_financed(model: ModelState) -> float:
    """Count financed pilots."""
    return model.entered[PilotState.FINANCED]


@metric("pilots", "Pilots that started running.", label="Pilots launched")
def pilots_launched(model: ModelState) -> float:
    """Count launched pilots."""
    return model.entered[PilotState.RUNNING]


@metric("pilots", "Pilots that succeeded (including those later scaled).", label="Pilots succeeded")
def pilots_succeeded(model: ModelState) -> float:
    """Count successes."""
    return model.entered[PilotState.SUCCEEDED]


@metric("pilots", "Pilots that failed.", label="Pilots failed")
def pilots_failed(model: ModelState) -> float:
    """Count failures."""
    return model.entered[PilotState.FAILED]


@metric(
    "pilots",
    "Pilots cancelled at any stage (no consortium, no deal, cuts, withdrawals).",
    label="Pilots cancelled",
)
def pilots_cancelled(model: ModelState) -> float:
    """Count cancellations."""
    return model.entered[PilotState.CANCELLED]


@metric("pilots", "Successful pilots scaled into programmes.", label="Pilots scaled up")
def pilots_scaled(model: ModelState) -> float:
    """Count scale-ups."""
    return model.entered[PilotState.SCALED]


@metric("pilots", "Pilots running now.", label="Pilots running")
def pilots_active(model: ModelState) -> float:
    """Count running pilots."""
    return sum(p.state is PilotState.RUNNING for p in model.active.values())


@metric(
    "1",
    "Agreed negotiations per negotiation.",
    label="Share of negotiations agreed",
    share=True,
    undefined="before the first",
)
def agreement_rate(model: ModelState) -> float:
    """Return the share of negotiations that ended in agreement."""
    return _ratio(model.entered[PilotState.AGREED], model.entered[PilotState.NEGOTIATING])


@metric(
    "rounds",
    "Mean rounds to agreement over agreed negotiations.",
    label="Rounds to agreement",
    undefined="before the first",
)
def mean_rounds(model: ModelState) -> float:
    """Return the mean number of rounds of agreed negotiations."""
    return model.agreed_rounds.mean


@metric(
    "EUR",
    "Cash public spend: net money out of the cities' budgets, escrows and reserves (a fund's "
    "capitalisation counts as spent). What a budget report shows; not a cost.",
    label="Cash public spend",
)
def public_spend(model: ModelState) -> float:
    """Return net cash out of budgets, escrows and reserves."""
    return model.cash_public_spend()


@metric(
    "EUR",
    "Innovation budget appropriated by the cities so far (the envelope every arm starts from).",
    label="Budget appropriated",
    fixed_by="the scenario's budgets and what its elections set, the same rule in every arm",
)
def appropriated(model: ModelState) -> float:
    """Return cumulative appropriations."""
    return model.appropriated


@metric(
    "EUR",
    "Net present public cost if the horizon were now: public outflows less inflows, "
    "discounted at finance.public_discount_rate from step 0, less what public vehicles hold "
    "and the public's open claims, plus what it still owes (sim.finance.public_cost).",
    label="Net present public cost",
)
def net_public_cost(model: ModelState) -> float:
    """Return the net present public cost (one definition for every instrument)."""
    return _shared(model, _public_cost)


@metric(
    "EUR/pilot",
    "Net present public cost per successful pilot.",
    label="Net public cost per successful pilot",
    undefined="before the first success",
)
def public_cost_per_success(model: ModelState) -> float:
    """Return the net present public cost divided by successes."""
    return _ratio(net_public_cost(model), model.entered[PilotState.SUCCEEDED])


@metric("EUR", "Private (firm) money paid into pilots, gross of refunds.", label="Money from firms")
def private_capital(model: ModelState) -> float:
    """Return the firms' contributions to pilots."""
    return model.flow("private_contribution")


@metric(
    "EUR",
    "Money academia and civil society paid into pilots, gross of refunds.",
    label="Money from academia and civil society",
)
def partner_capital(model: ModelState) -> float:
    """Return non-firm, non-public contributions."""
    return model.flow("partner_contribution")


@metric(
    "EUR",
    "Concessional money committed: first-loss covers posted and revolving-fund matches.",
    label="Concessional money",
)
def concessional_capital(model: ModelState) -> float:
    """Return concessional capital mobilised."""
    return model.flow("first_loss_cover") + model.flow("fund_match")


@metric(
    "EUR",
    "Commercial money lent as senior loans of blended deals.",
    label="Commercial money",
)
def commercial_capital(model: ModelState) -> float:
    """Return commercial capital mobilised."""
    return model.flow("senior_loan")


@metric(
    "EUR",
    "Money pre-financing outcome contracts (impact investors or firms).",
    label="Outcome investors' money",
)
def impact_capital(model: ModelState) -> float:
    """Return outcome-contract pre-finance."""
    return model.flow("outcome_prefinance")


@metric(
    "EUR/EUR",
    "Commercial money per EUR of first-loss cover over blended deals.",
    label="Commercial per concessional euro",
    undefined="without any",
)
def leverage(model: ModelState) -> float:
    """Return senior lending per EUR of first-loss cover (Convergence's leverage)."""
    return _ratio(model.flow("senior_loan"), model.flow("first_loss_cover"))


@metric(
    "EUR",
    "Net present public cost of pilots that failed or were cancelled after financing: grants, "
    "loans written off, outcome payments and called public guarantees, net of refunds and "
    "recoveries.",
    label="Public cost of failures",
)
def public_failure_cost(model: ModelState) -> float:
    """Return what failures and cancellations cost the public, in present value."""
    return model.lost_public


@metric(
    "EUR",
    "Capital providers' money lost in pilots that failed or were cancelled, net of recoveries "
    "and released covers.",
    label="Investors' cost of failures",
)
def investor_failure_cost(model: ModelState) -> float:
    """Return what failures and cancellations cost capital providers, net of recoveries."""
    return model.lost_invested / 100


def _settled(model: ModelState) -> list[int]:
    """Return the ids of pilots capital providers put money into that owe them nothing more."""
    return [
        pid
        for pid in model.pilot_invested
        if model.pilots[pid].ended and not model.pilots[pid].in_service
    ]


@metric(
    "EUR",
    "Capital providers' net gain on pilots that owe them nothing more (negative: a loss).",
    label="Investors' net gain",
)
def investor_returns(model: ModelState) -> float:
    """Return what capital providers got back minus what they put into settled pilots."""
    return sum(model.pilot_returned[p] - model.pilot_invested[p] for p in _settled(model)) / 100


@metric(
    "EUR/EUR",
    "Money returned to capital providers per EUR they put into pilots that owe them nothing more.",
    label="Investors' money back per euro",
    undefined="before one",
)
def investor_multiple(model: ModelState) -> float:
    """Return capital providers' gross multiple on settled pilots (NaN before one)."""
    settled = _settled(model)
    return _ratio(
        sum(model.pilot_returned[p] for p in settled), sum(model.pilot_invested[p] for p in settled)
    )


@metric(
    "EUR",
    "Outcome payments the cities made to those who pre-financed outcome contracts.",
    label="Outcome payments",
)
def outcome_payments(model: ModelState) -> float:
    """Return cumulative outcome payments."""
    return model.flow("outcome_payment")


@metric(
    "EUR",
    "Maximum outcome payments withheld because the measured outcome fell short.",
    label="Outcome payments withheld",
)
def outcome_withheld(model: ModelState) -> float:
    """Return cumulative withheld outcome payments."""
    return model.outcome_withheld


@metric("EUR", "Evaluation costs of outcome contracts.", label="Evaluation costs")
def evaluation_costs(model: ModelState) -> float:
    """Return cumulative evaluation spending."""
    return model.flow("evaluation")


@metric(
    "EUR",
    "Public money put into revolving funds (matches excluded).",
    label="Public money paid into the fund",
)
def fund_capitalisation(model: ModelState) -> float:
    """Return cumulative fund capitalisation from city budgets."""
    return model.flow("fund_capitalisation")


@metric("EUR", "Loans revolving funds have made, to pilots and programmes.", label="Fund lending")
def fund_lending(model: ModelState) -> float:
    """Return cumulative lending."""
    return model.flow("loan") + model.flow("programme_loan")


@metric("EUR", "Money in the revolving funds now.", label="Cash in the fund")
def fund_balance(model: ModelState) -> float:
    """Return the funds' cash."""
    return sum(model.ledger.balances(AccountKind.FUND).values())


@metric(
    "EUR/EUR",
    "Cumulative lending per EUR of public capitalisation, matches excluded (EPA).",
    label="Fund recycling multiple",
    undefined="before the first public EUR paid into a fund",
)
def recycling_multiple(model: ModelState) -> float:
    """Return the revolving funds' recycling multiple (NaN before public capitalisation)."""
    return _ratio(fund_lending(model), fund_capitalisation(model))


@metric(
    "EUR",
    "Loan principal and interest revolving funds have written off after defaults.",
    label="Fund write-offs",
)
def fund_write_offs(model: ModelState) -> float:
    """Return cumulative write-offs."""
    return model.write_offs


@metric(
    "EUR",
    "Savings and revenues successful pilots and programmes have realised so far.",
    label="Savings realised",
)
def savings_realised(model: ModelState) -> float:
    """Return the pilots' realised streams."""
    return model.flow("savings")


@metric(
    "EUR",
    "Savings that reached the cities' treasuries (their share of the residual streams).",
    label="Savings to the treasury",
)
def savings_to_treasury(model: ModelState) -> float:
    """Return savings paid to treasuries."""
    return model.flow("savings_share", dst_kind="external") + model.flow(
        "residual", dst_kind="external"
    )


@metric(
    "EUR",
    "Public value delivered by successful pilots and programmes.",
    label="Public value delivered",
)
def public_value(model: ModelState) -> float:
    """Return cumulative public value."""
    return model.public_value


@metric("EUR", "Unspent innovation budget of all cities now.", label="Unspent innovation budget")
def budget_balance(model: ModelState) -> float:
    """Return the sum of the cities' budget balances."""
    return sum(city.budget for city in model.cities)


@metric(
    "1",
    "Mean organisation-to-organisation trust (each in its partners, else strangers).",
    label="Trust between organisations",
    share=True,
)
def trust_org_mean(model: ModelState) -> float:
    """Return mean organisational trust."""
    return float(_shared(model, _organisation_trust).mean())


@metric(
    "1",
    "Standard deviation of organisation-to-organisation trust.",
    label="Spread of trust between organisations",
)
def trust_org_sd(model: ModelState) -> float:
    """Return the spread of organisational trust."""
    return float(_shared(model, _organisation_trust).std())


@metric("1", "Mean citizens' trust in their city.", label="Citizens' trust in the city", share=True)
def citizen_trust_mean(model: ModelState) -> float:
    """Return mean citizen trust over all citizens of all cities."""
    return float(_shared(model, _citizen_trust).mean())


@metric(
    "1", "Standard deviation of citizens' trust in their city.", label="Spread of citizens' trust"
)
def citizen_trust_sd(model: ModelState) -> float:
    """Return the spread of citizen trust."""
    return float(_shared(model, _citizen_trust).std())


@metric("1", "Mean citizen satisfaction.", label="Citizen satisfaction", share=True)
def citizen_satisfaction(model: ModelState) -> float:
    """Return mean satisfaction over all citizens."""
    return float(np.concatenate([c.satisfaction for c in model.citizens]).mean())


@metric(
    "1",
    "Density of the partner network (share of possible pairs that have worked together).",
    label="Partner-network density",
    share=True,
)
def network_density(model: ModelState) -> float:
    """Return the collaboration graph's density."""
    return model.network.density()


@metric(
    "nats",
    "Shannon index over the sectors of parties to agreed pilots.",
    label="Diversity of participants (Shannon)",
)
def participation_diversity(model: ModelState) -> float:
    """Return the Shannon diversity of participation by sector."""
    counts = np.array(list(model.sector_participation.values()), dtype=float)
    if counts.sum() == 0:
        return 0.0
    share = counts[counts > 0] / counts.sum()
    return float(-(share * np.log(share)).sum())


@metric(
    "1",
    "Mean objective alignment of agreed consortia, by cosine similarity.",
    label="Alignment of partners' objectives",
    undefined="before one",
)
def consortium_alignment(model: ModelState) -> float:
    """Return how aligned agreed consortia were on average."""
    return model.agreed_alignment.mean


@metric(
    "1",
    "Share of pilots at risk that survived the latest election.",
    label="Share of pilots surviving the latest election",
    share=True,
    undefined="when the latest election found no pilot at risk, or before the first",
)
def election_survival(model: ModelState) -> float:
    """Return the survival share of financed and running pilots at the latest election."""
    if not model.elections:
        return math.nan
    latest = max(e["step"] for e in model.elections)
    rows = [e for e in model.elections if e["step"] == latest]
    return _ratio(sum(e["pilots_survived"] for e in rows), sum(e["pilots_at_risk"] for e in rows))


@metric(
    "1",
    "Share of the pilots at risk at any election so far that came through it.",
    label="Share of pilots surviving elections",
    share=True,
    undefined="before the first pilot at risk",
)
def survival_rate(model: ModelState) -> float:
    """Return the pilots that survived elections per pilot at risk, over every election."""
    return _ratio(
        sum(e["pilots_survived"] for e in model.elections),
        sum(e["pilots_at_risk"] for e in model.elections),
    )


@metric(
    "1",
    "Gini coefficient of cumulative public value across neighbourhoods.",
    label="Inequality of benefits across neighbourhoods (Gini)",
    share=True,
)
def benefit_gini(model: ModelState) -> float:
    """Return the inequality of benefits across all cities' neighbourhoods."""
    return gini(np.concatenate([c.benefit for c in model.citizens]))


@metric(
    "pilots",
    "Financed or running pilots that went through an election (cumulative).",
    label="Pilots exposed to elections",
)
def pilots_at_risk_elections(model: ModelState) -> float:
    """Return pilots exposed to elections, summed over elections."""
    return sum(e["pilots_at_risk"] for e in model.elections)


@metric(
    "pilots",
    "Pilots that came through an election alive (cumulative).",
    label="Pilots that survived elections",
)
def pilots_survived_elections(model: ModelState) -> float:
    """Return pilots surviving elections, summed over elections."""
    return sum(e["pilots_survived"] for e in model.elections)


@metric("programmes", "Programmes running (scaled pilots).", label="Programmes running")
def programmes(model: ModelState) -> float:
    """Return the number of programmes."""
    return len(model.programmes)


def gini(values: np.ndarray) -> float:
    """Return the Gini coefficient of non-negative values (0 = equal, 1 = one has all).

    Zero when everything is zero (nothing delivered is delivered equally).
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum()) / (n * x.sum()) - (n + 1) / n)


AGENT_REPORTERS: dict[str, str] = {
    "sector": "sector_name",
    "city": "city",
    "capital": "capital",
    "generalised_trust": "generalised_trust",
    "pilots_joined": "pilots_joined",
}
"""Per-agent state recorded when a scenario asks for it (``output.agent_state``)."""


class Collector(mesa.DataCollector):
    """Mesa's DataCollector, keeping each metric's value as its reporter returned it.

    Every reporter returns a number, which nothing can change afterwards, so the deep copy Mesa
    makes of each value at each collection (one per metric and step) is not needed.
    """

    def collect(self, model: ModelState) -> None:
        """Collect every metric, and per-agent state if asked for, at the model's time."""
        self._collection_steps.append(model.time)
        model_vars = self.model_vars
        for name, reporter in self.model_reporters.items():
            model_vars[name].append(reporter(model))
        if self.agent_reporters:
            self._agent_records[model.time] = list(self._record_agents(model))


def collector(*, agent_state: bool, metrics: Sequence[str] | None = None) -> Collector:
    """Return a DataCollector of the metrics asked for, and per-agent state if asked.

    Args:
        agent_state: Also collect :data:`AGENT_REPORTERS` for every agent.
        metrics: Names of the metrics to collect, in :data:`METRICS`; None for all.

    Raises:
        ValueError: An unknown metric.
    """
    names = list(METRICS) if metrics is None else list(metrics)
    unknown = [name for name in names if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {', '.join(unknown)}; known: {', '.join(METRICS)}")
    return Collector(
        model_reporters={name: METRICS[name].fn for name in names},
        agent_reporters=AGENT_REPORTERS if agent_state else None,
    )
