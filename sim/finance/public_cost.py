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
    valued = claims["rate"].to_numpy(dtype=float)
    return claims[valued == _nearest_rate(np.unique(valued), rate)]


def _nearest_rate(rates: np.ndarray, rate: float) -> float:
    """Return the rate of ``rates`` (sorted, 1/year) nearest ``rate``, if within 1e-12 of it.

    Raises:
        ValueError: None is.
    """
    nearest = rates[np.argmin(np.abs(rates - rate))]
    if abs(nearest - rate) > 1e-12:
        listed = ", ".join(f"{r:g}" for r in rates)
        raise ValueError(f"no claims valued at rate {rate:g}; the table has {listed}")
    return nearest


def claims_by_kind(claims: pd.DataFrame, rates: Sequence[float]) -> list[list[tuple[str, float]]]:
    """Return, for each rate, :func:`claims_at` that rate summed by kind: (kind, EUR), by kind.

    One grouping by rate and kind serves every rate: each of its sums adds the same claims in
    the same order as grouping one rate's claims by kind.

    Raises:
        ValueError: The table has no claims valued at one of the rates (within 1e-12).
    """
    if "rate" not in claims.columns or claims.empty:
        by_kind = list(claims.groupby("kind", sort=True)["value"].sum().items())
        return [by_kind for _ in rates]
    sums = claims.groupby(["rate", "kind"], sort=True)["value"].sum()
    lines: dict[float, list[tuple[str, float]]] = {}
    for (rate, kind), value in sums.items():
        lines.setdefault(rate, []).append((kind, value))
    valued = np.array(list(lines))
    return [lines[_nearest_rate(valued, rate)] for rate in rates]


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

    A dictionary lookup per distinct name, spread to the names by their codes: on the journal's
    Arrow-backed strings, many times faster than ``Series.map`` or a lookup per name.
    """
    codes, distinct = pd.factorize(names, use_na_sentinel=False)
    looked_up = [roles.get(name, Role.OUTSIDE) for name in distinct.tolist()]
    return np.array(looked_up, dtype=object)[codes]


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
    by_kind: dict[str, int] = {}
    for names, cents in (
        (transfers["dst"].array[into], amounts[into]),
        (transfers["src"].array[out], -amounts[out]),
    ):
        codes, accounts = pd.factorize(names)
        held = np.zeros(len(accounts), dtype=np.int64)
        np.add.at(held, codes, cents)
        for account, total in zip(accounts.tolist(), held.tolist(), strict=True):
            kind = account.split(":")[0]
            by_kind[kind] = by_kind.get(kind, 0) + total  # whole cents: exact in any order
    sums = pd.Series(list(by_kind.values()), index=pd.Index(list(by_kind)), dtype="int64")
    sums = sums.sort_index()
    return sums[sums != 0].astype(float) / 100


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
    until = transfers["step"].to_numpy() <= horizon
    flows = transfers if until.all() else transfers[until]  # a run's own journal ends at it
    src, dst = roles_of(flows["src"], roles), roles_of(flows["dst"], roles)
    sign = flow_signs(src, dst, flows["reason"])
    crossing = sign != 0
    steps = flows["step"].to_numpy()[crossing]
    cents = sign[crossing] * flows["amount_cents"].to_numpy(dtype=np.int64)[crossing]
    reasons = flows["reason"].to_numpy()[crossing]
    paid = sign[crossing] > 0
    holdings = vehicle_holdings(flows, src, dst)
    claimed = claims_by_kind(claims, rates)
    # every rate's present values side by side, so that each part is grouped once for all
    present = pd.DataFrame(
        {
            i: cents * discount_factors(steps, rate, steps_per_year) / 100
            for i, rate in enumerate(rates)
        }
    )
    out = present[paid].groupby(reasons[paid], sort=True).sum()
    back = present[~paid].groupby(reasons[~paid], sort=True).sum()
    columns: dict[str, list] = {"rate": [], "part": [], "item": [], "value": []}
    for i, rate in enumerate(rates):
        end = float(discount_factors(np.array([horizon]), rate, steps_per_year)[0])
        parts = [
            ("paid", out[i].items()),
            ("received", back[i].items()),
            ("held", ((kind, -end * value) for kind, value in holdings.items())),
            ("claimed", ((kind, -end * value) for kind, value in claimed[i])),
        ]
        for part, lines in parts:
            for item, value in lines:
                columns["rate"].append(float(rate))
                columns["part"].append(part)
                columns["item"].append(str(item))
                columns["value"].append(float(value))
    text = str if columns["part"] else object  # no line: no string to type the column by
    return pd.DataFrame(
        {
            "rate": np.array(columns["rate"], dtype=np.float64),
            "part": pd.Series(columns["part"], dtype=text),
            "item": pd.Series(columns["item"], dtype=text),
            "value": np.array(columns["value"], dtype=np.float64),
        }
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
