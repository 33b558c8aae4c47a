"""The model's external ledger accounts, and where every account stands for public cost.

Each external account is ``EXTERNAL`` (no floor): the world outside the simulated
partnerships, always with a reason for what moves through it. Accounts of agents, pilots,
funds, escrows, reserves and guarantees are named by their owners (``treasury:{city}``,
``budget:{city}``, ``org:{idx}``, ``capital:{k}``, ``pilot:{id}``, ``fund:{city}``,
``escrow:{pilot}``, ``reserve:{pilot}``, ``guarantee:{pilot}``).
"""

from __future__ import annotations

from collections.abc import Callable

from sim.finance.public_cost import Role

SUPPLIERS = "suppliers"
"""Receives what pilots spend on delivery, search costs and contracted evaluations."""
ECONOMY = "economy"
"""Pays a pilot's realised savings and revenues (the costs its users no longer pay and the fees
they pay for its service) as they arise, and a failure's salvage: only what the pilot's own
draws say, booked to the pilot."""
OPENING = "opening_balances"
"""Endows organisations and capital providers at set-up (reason ``endowment``)."""

PUBLIC_KINDS = frozenset({"budget", "escrow", "reserve"})
"""Account kinds that hold the cities' money; what leaves them for anyone else is cash spend."""
TREASURY_REASONS = frozenset({"appropriation", "lapse", "budget_cut"})
"""Moves between a city's treasury and its budget: neither spending nor income in cash."""


def public_sign(reason: str, src_kind: str, dst_kind: str) -> int:
    """Return +1 if a transfer is cash public spending, -1 if cash public income, else 0.

    Cash public spend is what leaves the cities' budgets, escrows and reserves for anyone else
    (a fund's capitalisation included), net of what comes back to them. It is the number a
    budget report shows, not a measure of cost: the net present public cost
    (:mod:`sim.finance.public_cost`) is.

    Args:
        reason: The transfer's reason.
        src_kind: Kind of the paying account (an ``AccountKind`` value).
        dst_kind: Kind of the receiving account.
    """
    if reason in TREASURY_REASONS:
        return 0
    return (src_kind in PUBLIC_KINDS) - (dst_kind in PUBLIC_KINDS)


def account_role(name: str, kind: str, is_public: Callable[[str], bool]) -> Role:
    """Return where an account stands with respect to the public perimeter.

    Args:
        name: The account's name.
        kind: Its kind (an ``AccountKind`` value).
        is_public: Whether a capital provider's or a guarantee's money is public, by account.
    """
    if name.startswith("treasury:") or kind == "budget":
        return Role.PURSE
    if kind == "capital_provider" and is_public(name):
        return Role.PURSE
    if kind in {"fund", "escrow", "reserve"}:
        return Role.VEHICLE
    if kind == "guarantee" and is_public(name):
        return Role.VEHICLE
    return Role.OUTSIDE
