"""Net present public cost: one definition of what the public pays, for every instrument.

The public is a *purse* and the *vehicles* it puts money into:

* the purse: each city's treasury and its innovation budget (an appropriation not yet committed
  is still the treasury's money: it lapses back at the year's end), and the capital providers
  marked public (``finance.public_providers``, a development bank by default);
* the vehicles: revolving funds, escrows of outcome contracts, reserves of protected
  commitments, and first-loss guarantees posted by public providers: money committed to the
  programme beyond the fiscal year.

Everything else (pilots, organisations, private investors, suppliers, the economy that pays a
pilot's savings) is outside. The net present public cost at horizon T, at a real public discount
rate r per year (discount factor d(t) = (1 + r)^(-t / steps_per_year), step 0 undiscounted), is

    NPC = sum_t d(t) * [purse -> vehicles + purse -> outside - vehicles -> purse - outside -> purse]
          - d(T) * [what the vehicles hold at T + the public's open claims at T]
          + d(T) * [what the public still owes at T]

At r = 0 this is exactly the net flow across the boundary of purse and vehicles, less the open
claims, plus the commitments: moves from the budget into a fund or an escrow are neither
spending nor income, and parking money in a fund is not spending it. At r > 0 it also charges
the time value of money that sits idle in a vehicle (moved there at t, credited at T): the
opportunity cost of public money, which is what a discount rate prices. Opening balances
(reason ``endowment``) are not flows of the programme.

Open claims and commitments at T are valued at expected cash under the odds known at T,
discounted to T at the same rate (see :class:`Claim`): loans outstanding, the city's share of
savings streams still running, outcome contracts not yet evaluated, guarantees not yet called,
commitments to running pilots, and the private share of a fund's holdings (a liability: money
matched into a fund by a private provider is the public's only in the public share).

Published public discount rates (real): UK Green Book 3.5%; US OMB Circular A-94 (2023) 2%;
European Commission (2014) guide to cost-benefit analysis, 4% financial. Pure functions of the
run's tables: ``transfers`` (the ledger journal), ``accounts`` (with a ``role`` column) and
``claims``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

OPENING = frozenset({"endowment"})
"""Transfer reasons that are opening balances, not flows of the programme."""


class Role(StrEnum):
    """Where an account stands with respect to the public perimeter."""

    PURSE = "purse"
    VEHICLE = "vehicle"
    OUTSIDE = "outside"


@dataclass(frozen=True)
class Claim:
    """An open claim of the public, or a commitment it still owes, at the horizon.

    Attributes:
        kind: What it is (``loan``, ``stream_share``, ``outcome_payment``, ``guarantee``,
            ``commitment``, ``private_match``, ...).
        pilot_id: The pilot it concerns, or -1.
        value: Expected cash at the horizon (EUR, future cash discounted to the horizon):
            positive for what the public will receive, negative for what it will pay.
    """

    kind: str
    pilot_id: int
    value: float


CLAIM_COLUMNS: tuple[str, ...] = ("kind", "pilot_id", "value")
"""Columns of the claims table; a run's table also has ``rate``: the public discount rate per
year at which each claim's future cash was valued (one set of rows per rate)."""


def claims_at(claims: pd.DataFrame, rate: float) -> pd.DataFrame:
    """Return the claims valued at ``rate`` (all of them if the table has no ``rate`` column).

    Rates within 1e-12 of each other are the same rate; of several such, the nearest is taken,
    so that no claim is counted twice.

    Raises:
        ValueError: The table values its claims at other rates only.
    """
    if "rate" not in claims.columns:
        return claims
    if claims.empty:
        return claims
    rates = np.unique(claims["rate"].to_numpy(dtype=float))
    nearest = rates[np.argmin(np.abs(rates - rate))]
    if abs(nearest - rate) > 1e-12:
        listed = ", ".join(f"{r:g}" for r in rates)
        raise ValueError(f"no claims valued at rate {rate:g}; the table has {listed}")
    return claims[claims["rate"].to_numpy(dtype=float) == nearest]


def discount_factors(steps: np.ndarray, rate: float, steps_per_year: int) -> np.ndarray:
    """Return d(t) = (1 + rate)^(-t / steps_per_year) for each step (1 at step 0).

    Args:
        steps: Steps (quarters by default).
        rate: Real discount rate per year (1/year), > -1.
        steps_per_year: Steps in a year.
    """
    return np.power(1.0 + rate, -np.asarray(steps, dtype=float) / steps_per_year)


def roles_of(names: pd.Series, roles: dict[str, str]) -> np.ndarray:
    """Return each account's :class:`Role` value (an object array); unknown accounts are outside.

    A dictionary lookup per name: on the journal's Arrow-backed strings, many times faster than
    ``Series.map``.
    """
    return np.array([roles.get(name, Role.OUTSIDE) for name in names.tolist()], dtype=object)


def flow_signs(src: np.ndarray, dst: np.ndarray, reasons: pd.Series) -> np.ndarray:
    """Return +1 for each transfer that costs the public, -1 for income, 0 otherwise.

    A transfer costs the public when it leaves the purse (for a vehicle or the outside), and is
    income when it reaches the purse (from a vehicle or the outside). Moves between vehicles,
    from vehicles to the outside and back, and opening balances are 0 here: what vehicles pay out
    or take in shows in what they hold at the horizon.

    Args:
        src: The :class:`Role` of each transfer's paying account (:func:`roles_of`).
        dst: The :class:`Role` of each transfer's receiving account.
        reasons: Each transfer's reason.
    """
    out = (src == Role.PURSE) & (dst != Role.PURSE)
    into = (dst == Role.PURSE) & (src != Role.PURSE)
    sign = out.astype(int) - into.astype(int)
    sign[reasons.isin(OPENING).to_numpy()] = 0
    return sign


def vehicle_holdings(transfers: pd.DataFrame, src: np.ndarray, dst: np.ndarray) -> pd.Series:
    """Return the money each kind of vehicle holds after every transfer of the journal (EUR).

    Indexed by the vehicle's kind, the part of its account name before ``:`` (``fund``,
    ``escrow``, ``reserve``, ``guarantee``); kinds that hold nothing are left out.

    Args:
        transfers: The ledger journal (``src``, ``dst``, ``amount_cents``).
        src: The :class:`Role` of each transfer's paying account (:func:`roles_of`).
        dst: The :class:`Role` of each transfer's receiving account.
    """
    amounts = transfers["amount_cents"].to_numpy(dtype=np.int64)
    into = dst == Role.VEHICLE
    out = src == Role.VEHICLE
    names = np.concatenate([transfers["dst"].to_numpy()[into], transfers["src"].to_numpy()[out]])
    kinds = pd.Series(names, dtype=object).str.split(":").str[0]
    cents = pd.Series(np.concatenate([amounts[into], -amounts[out]]), dtype="int64")
    by_kind = cents.groupby(kinds.to_numpy()).sum()
    return by_kind[by_kind != 0].astype(float) / 100


PART_COLUMNS: tuple[str, ...] = ("part", "item", "value")
"""Columns of :func:`public_cost_parts`."""

PARTS: tuple[str, ...] = ("paid", "received", "held", "claimed")
"""The parts of the net present public cost, in the order they are summed: what the purse paid
out (by reason), what it received (by reason, negative), what the vehicles hold at the horizon
(by vehicle kind, negative) and the open claims and commitments (by kind: negative for what the
public will receive, positive for what it still owes)."""


def public_cost_parts(
    transfers: pd.DataFrame,
    accounts: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    horizon: int,
    rate: float,
    steps_per_year: int,
) -> pd.DataFrame:
    """Return the net present public cost line by line: the lines sum to it exactly.

    A finance officer signs a total whose lines she can check: the purse's payments out by
    reason (a grant, a fund's capitalisation, an outcome payment, an escrow), what came back by
    reason (savings to the treasury, repayments, recoveries), what the vehicles still hold at the
    horizon, and the open claims and commitments by kind; money in EUR valued at step 0.

    Args:
        transfers: The ledger journal: ``step``, ``src``, ``dst``, ``amount_cents``, ``reason``.
        accounts: One row per account with ``name`` and ``role`` (a :class:`Role` value).
        claims: Open claims and commitments at the horizon (:data:`CLAIM_COLUMNS`, and
            ``rate`` if valued at several rates: see :func:`claims_at`).
        horizon: The step at which holdings and claims are valued.
        rate: Real public discount rate per year (1/year).
        steps_per_year: Steps in a year.

    Returns:
        Columns :data:`PART_COLUMNS`: ``part`` (one of :data:`PARTS`), ``item`` (a transfer
        reason, a vehicle kind or a claim kind) and ``value`` (EUR; positive costs the public).
    """
    lines = public_cost_parts_at(
        transfers, accounts, claims, horizon=horizon, rates=[rate], steps_per_year=steps_per_year
    )
    return lines.drop(columns="rate").reset_index(drop=True)


def public_cost_parts_at(
    transfers: pd.DataFrame,
    accounts: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    horizon: int,
    rates: Sequence[float],
    steps_per_year: int,
) -> pd.DataFrame:
    """Return :func:`public_cost_parts` at several discount rates, in one table.

    What does not depend on the rate (which flows cross the public boundary, what the vehicles
    hold) is worked out once; only the discounting is repeated per rate. Arguments as
    :func:`public_cost_parts`, with ``rates`` (1/year) for ``rate``.

    Returns:
        Columns ``rate`` and :data:`PART_COLUMNS`, the lines of each rate in the order of
        ``rates``.
    """
    roles = dict(zip(accounts["name"], accounts["role"], strict=True))
    flows = transfers[transfers["step"] <= horizon]
    src, dst = roles_of(flows["src"], roles), roles_of(flows["dst"], roles)
    sign = flow_signs(src, dst, flows["reason"])
    crossing = sign != 0
    steps = flows["step"].to_numpy()[crossing]
    cents = sign[crossing] * flows["amount_cents"].to_numpy(dtype=np.int64)[crossing]
    reasons = flows["reason"].to_numpy()[crossing]
    paid = sign[crossing] > 0
    holdings = vehicle_holdings(flows, src, dst).sort_index()
    # every rate's present values side by side, so that each part is grouped once for all
    present = pd.DataFrame(
        {
            i: cents * discount_factors(steps, rate, steps_per_year) / 100
            for i, rate in enumerate(rates)
        }
    )
    out = present[paid].groupby(reasons[paid], sort=True).sum()
    back = present[~paid].groupby(reasons[~paid], sort=True).sum()
    rows = []
    for i, rate in enumerate(rates):
        end = float(discount_factors(np.array([horizon]), rate, steps_per_year)[0])
        parts = [
            ("paid", out[i]),
            ("received", back[i]),
            ("held", -end * holdings),
            ("claimed", -end * claims_at(claims, rate).groupby("kind", sort=True)["value"].sum()),
        ]
        rows += [
            (float(rate), part, str(item), float(value))
            for part, lines in parts
            for item, value in lines.items()
        ]
    return pd.DataFrame(rows, columns=["rate", *PART_COLUMNS]).astype(
        {"rate": "float64", "value": "float64"}
    )


def net_present_public_cost(
    transfers: pd.DataFrame,
    accounts: pd.DataFrame,
    claims: pd.DataFrame,
    *,
    horizon: int,
    rate: float,
    steps_per_year: int,
) -> float:
    """Return the net present public cost of a run (EUR, valued at step 0).

    The sum of :func:`public_cost_parts`, which takes the same arguments.
    """
    return float(
        public_cost_parts(
            transfers,
            accounts,
            claims,
            horizon=horizon,
            rate=rate,
            steps_per_year=steps_per_year,
        )["value"].sum()
    )


def pilot_public_cost(
    transfers: pd.DataFrame,
    accounts: pd.DataFrame,
    claims: pd.DataFrame,
    pilots: list[int],
    *,
    horizon: int,
    rate: float,
    steps_per_year: int,
) -> float:
    """Return what given pilots cost the public, net, in present value (EUR).

    Per pilot, what matters is money crossing the boundary of purse and vehicles on its behalf
    (a grant into its account, a loan to it, an outcome payment, a guarantee called; refunds,
    repayments, recoveries and savings back), discounted from when it moved, less the public's
    open claims on it at the horizon. A fund's write-off of a failed pilot's loan is the loan
    lent out less what was recovered: it shows here as public failure cost.

    Args:
        transfers: The ledger journal (with ``pilot_id``).
        accounts: Accounts with their ``role``.
        claims: Open claims at the horizon (with ``pilot_id``).
        pilots: The pilots to count.
        horizon: Step of valuation.
        rate: Real public discount rate per year.
        steps_per_year: Steps in a year.
    """
    roles = dict(zip(accounts["name"], accounts["role"], strict=True))
    claims = claims_at(claims, rate)
    flows = transfers[(transfers["step"] <= horizon) & transfers["pilot_id"].isin(pilots)]
    inside = [Role.PURSE, Role.VEHICLE]
    src_in = np.isin(roles_of(flows["src"], roles), inside)
    dst_in = np.isin(roles_of(flows["dst"], roles), inside)
    sign = src_in.astype(int) - dst_in.astype(int)
    factors = discount_factors(flows["step"].to_numpy(), rate, steps_per_year)
    paid = float((sign * flows["amount_cents"].to_numpy(dtype=np.int64) * factors).sum()) / 100
    open_value = float(claims.loc[claims["pilot_id"].isin(pilots), "value"].sum())
    end = float(discount_factors(np.array([horizon]), rate, steps_per_year)[0])
    return paid - end * open_value
