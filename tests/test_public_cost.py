"""Net present public cost on small hand-built ledgers, one case per instrument.

Each case writes the journal an instrument would book (:mod:`sim.finance.public_cost`) and
checks the cost against the sum worked out by hand, at a rate of 0 and at a positive rate.
"""

import math

import numpy as np
import pandas as pd
import pytest

from sim.finance.public_cost import (
    CLAIM_COLUMNS,
    Role,
    claims_at,
    discount_factors,
    net_present_public_cost,
    pilot_public_cost,
    public_cost_parts,
)

ROLES = {
    "treasury:0": Role.PURSE,
    "budget:0": Role.PURSE,
    "capital:1": Role.PURSE,  # a development bank: public money
    "fund:0": Role.VEHICLE,
    "escrow:7": Role.VEHICLE,
    "reserve:7": Role.VEHICLE,
    "guarantee:7": Role.VEHICLE,  # posted by the development bank
    "pilot:7": Role.OUTSIDE,
    "capital:0": Role.OUTSIDE,  # philanthropy
    "capital:2": Role.OUTSIDE,  # impact investor
    "capital:3": Role.OUTSIDE,  # commercial lender
    "economy": Role.OUTSIDE,
    "suppliers": Role.OUTSIDE,
    "opening_balances": Role.OUTSIDE,
}
SPY = 4


def journal(*rows: tuple) -> pd.DataFrame:
    """Transfers as (step, src, dst, amount[, reason[, pilot]])."""
    records = []
    for row in rows:
        step, src, dst, amount, *rest = row
        reason = rest[0] if rest else "x"
        pilot = rest[1] if len(rest) > 1 else 7
        records.append(
            {
                "step": step,
                "src": src,
                "dst": dst,
                "amount_cents": round(amount * 100),
                "reason": reason,
                "pilot_id": pilot,
            }
        )
    return pd.DataFrame(records).astype({"pilot_id": "Int64"})


ACCOUNTS = pd.DataFrame({"name": list(ROLES), "role": [r.value for r in ROLES.values()]})


def claims(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(CLAIM_COLUMNS))


def npc(transfers, open_claims=None, *, horizon=8, rate=0.0):
    return net_present_public_cost(
        transfers,
        ACCOUNTS,
        claims() if open_claims is None else open_claims,
        horizon=horizon,
        rate=rate,
        steps_per_year=SPY,
    )


def d(step, rate):
    return float(discount_factors(np.array([step]), rate, SPY)[0])


@pytest.mark.parametrize("rate", [0.0, 0.035])
def test_grant(rate):
    t = journal(
        (0, "treasury:0", "budget:0", 100, "appropriation", None),
        (1, "budget:0", "pilot:7", 60, "grant"),
        (4, "budget:0", "treasury:0", 40, "lapse", None),
        (8, "economy", "pilot:7", 50, "savings"),
        (8, "pilot:7", "treasury:0", 30, "savings_share"),
        (8, "pilot:7", "suppliers", 20, "savings_share"),
    )
    # Appropriation and lapse stay inside the purse; the grant leaves it, savings come back.
    assert npc(t, rate=rate) == pytest.approx(60 * d(1, rate) - 30 * d(8, rate))


@pytest.mark.parametrize("rate", [0.0, 0.02])
def test_revolving_fund_counts_its_holdings_and_loans(rate):
    t = journal(
        (0, "treasury:0", "budget:0", 100, "appropriation", None),
        (0, "budget:0", "fund:0", 100, "fund_capitalisation", None),
        (1, "fund:0", "pilot:7", 80, "loan"),
        (8, "pilot:7", "fund:0", 50, "repayment"),
    )
    open_claims = claims(("loan", 7, 35.0))
    # Paid into the fund at 0; what it holds (70) and is owed (35) come back at the horizon.
    expected = 100 * d(0, rate) - d(8, rate) * (70 + 35)
    assert npc(t, open_claims, rate=rate) == pytest.approx(expected)
    if rate == 0:
        assert expected == pytest.approx(-5.0)  # the interest earned


def test_revolving_fund_private_match_is_not_public_money():
    t = journal(
        (0, "budget:0", "fund:0", 100, "fund_capitalisation", None),
        (0, "capital:0", "fund:0", 20, "fund_match", None),
    )
    # The philanthropist's 20 sits in the fund: a liability of the public for its share.
    assert npc(t, claims(("private_match", -1, -20.0))) == pytest.approx(0.0)
    # A development bank's match is public money: it leaves the purse and stays in the fund.
    public = journal(
        (0, "budget:0", "fund:0", 100, "fund_capitalisation", None),
        (0, "capital:1", "fund:0", 20, "fund_match", None),
    )
    assert npc(public) == pytest.approx(0.0)
    assert npc(public, rate=0.04) == pytest.approx(120 * (1 - d(8, 0.04)))


@pytest.mark.parametrize("rate", [0.0, 0.035])
def test_outcome_contract_evaluated(rate):
    t = journal(
        (0, "budget:0", "escrow:7", 120, "escrow"),
        (0, "capital:2", "pilot:7", 100, "outcome_prefinance"),
        (8, "escrow:7", "capital:2", 110, "outcome_payment"),
        (8, "escrow:7", "suppliers", 3, "evaluation"),
        (8, "escrow:7", "budget:0", 7, "escrow_release"),
    )
    expected = 120 * d(0, rate) - 7 * d(8, rate)
    assert npc(t, rate=rate) == pytest.approx(expected)
    if rate == 0:
        assert expected == pytest.approx(113.0)  # the payment and the evaluation


def test_outcome_contract_not_yet_evaluated_owes_its_expected_payment():
    t = journal((0, "budget:0", "escrow:7", 120, "escrow"))
    owed = claims(("outcome_payment", 7, -(0.5 * 110 + 3)))
    # The escrow still holds 120; the public owes half of 110 in expectation and 3.
    assert npc(t, owed) == pytest.approx(58.0)


def test_blended_public_cover_costs_what_is_called():
    t = journal(
        (0, "budget:0", "pilot:7", 40, "public_tranche"),
        (0, "capital:3", "pilot:7", 50, "senior_loan"),
        (0, "capital:1", "guarantee:7", 20, "first_loss_cover"),
        (8, "guarantee:7", "capital:3", 15, "first_loss_call"),
        (8, "guarantee:7", "capital:1", 5, "cover_release"),
    )
    assert npc(t) == pytest.approx(40 + 15)
    assert pilot_public_cost(
        t, ACCOUNTS, claims(), [7], horizon=8, rate=0.0, steps_per_year=SPY
    ) == pytest.approx(55.0)


def test_protected_commitment_reserved_and_owed():
    t = journal(
        (0, "budget:0", "reserve:7", 90, "reserve"),
        (4, "reserve:7", "pilot:7", 30, "grant"),
    )
    # At step 8 the reserve holds 60 and owes the pilot the same 60: 90 - 60 + 60 = 90 at r=0.
    assert npc(t, claims(("commitment", 7, -60.0))) == pytest.approx(90.0)


def test_opening_balances_and_moves_outside_do_not_count():
    t = journal(
        (0, "opening_balances", "capital:1", 1e6, "endowment", None),
        (0, "capital:3", "pilot:7", 50, "senior_loan"),
        (3, "pilot:7", "suppliers", 50, "delivery"),
    )
    assert npc(t) == 0.0


def test_failure_cost_counts_a_loan_written_off():
    t = journal(
        (1, "fund:0", "pilot:7", 80, "loan"),
        (8, "economy", "pilot:7", 10, "salvage"),
        (8, "pilot:7", "fund:0", 10, "recovery"),
    )
    cost = pilot_public_cost(t, ACCOUNTS, claims(), [7], horizon=8, rate=0.0, steps_per_year=SPY)
    assert cost == pytest.approx(70.0)
    assert not math.isnan(cost)


def test_idle_money_in_a_fund_costs_exactly_its_time_value():
    base = journal(
        (0, "budget:0", "fund:0", 100, "fund_capitalisation", None),
        (1, "fund:0", "pilot:7", 80, "loan"),
    )
    extra = pd.concat(
        [base, journal((4, "budget:0", "fund:0", 50, "fund_capitalisation", None))],
        ignore_index=True,
    )
    open_claims = claims(("loan", 7, 80.0))
    assert npc(extra, open_claims) == pytest.approx(npc(base, open_claims))
    rate = 0.035
    gap = npc(extra, open_claims, rate=rate) - npc(base, open_claims, rate=rate)
    assert gap == pytest.approx(50 * (d(4, rate) - d(8, rate)))


def test_claims_valued_at_several_rates_are_counted_once_at_the_rate_asked():
    t = journal((1, "fund:0", "pilot:7", 80, "loan"))
    table = pd.DataFrame(
        [("loan", 7, 80.0, 0.0), ("loan", 7, 75.0, 1e-141), ("loan", 7, 70.0, 0.035)],
        columns=[*CLAIM_COLUMNS, "rate"],
    )
    assert claims_at(table, 1e-141)["value"].tolist() == [75.0]
    assert npc(t, table, rate=0.0) == pytest.approx(npc(t, claims(("loan", 7, 80.0))))
    with pytest.raises(ValueError, match=r"no claims valued at rate 0\.02; the table has 0"):
        claims_at(table, 0.02)


@pytest.mark.parametrize("rate", [0.0, 0.035])
def test_the_lines_of_the_cost_are_what_a_finance_officer_would_write_and_sum_to_it(rate):
    t = journal(
        (0, "treasury:0", "budget:0", 100, "appropriation", None),
        (0, "budget:0", "fund:0", 100, "fund_capitalisation", None),
        (0, "budget:0", "pilot:7", 30, "grant"),
        (1, "fund:0", "pilot:7", 80, "loan"),
        (4, "budget:0", "escrow:7", 12, "escrow"),
        (8, "pilot:7", "fund:0", 50, "repayment"),
        (8, "pilot:7", "treasury:0", 9, "savings_share"),
    )
    open_claims = claims(("loan", 7, 35.0), ("commitment", 7, -5.0))
    parts = public_cost_parts(
        t, ACCOUNTS, open_claims, horizon=8, rate=rate, steps_per_year=SPY
    ).set_index(["part", "item"])["value"]
    end = d(8, rate)
    assert parts.to_dict() == pytest.approx(
        {
            ("paid", "escrow"): 12 * d(4, rate),
            ("paid", "fund_capitalisation"): 100.0,
            ("paid", "grant"): 30.0,
            ("received", "savings_share"): -9 * end,
            ("held", "escrow"): -12 * end,
            ("held", "fund"): -70 * end,
            ("claimed", "commitment"): 5 * end,
            ("claimed", "loan"): -35 * end,
        }
    )
    assert parts.sum() == pytest.approx(npc(t, open_claims, rate=rate))
