"""The model's external ledger accounts, and which flows count as public money.

Each is an ``EXTERNAL`` account (no floor): the world outside the simulated partnerships.
Accounts of agents, pilots, funds and escrows are named by their owners
(``budget:{city}``, ``org:{idx}``, ``capital:{k}``, ``pilot:{id}``, ``fund:{city}``,
``escrow:{pilot}``).
"""

SUPPLIERS = "suppliers"
"""Receives what pilots spend on delivery, search costs and contracted evaluations."""
MARKET = "market"
"""Endows organisations and pays firms' revenue from successes."""
CAPITAL_MARKET = "capital_market"
"""Endows capital providers at set-up."""
PROJECT_CASH = "project_cash"
"""The cash a pilot's results generate (savings realised, user fees, revenue, salvage): it
services loans, tranches and recoveries."""

PUBLIC_KINDS = frozenset({"budget", "escrow"})
"""Account kinds that hold the cities' money; what leaves them for anyone else is public spend."""
TREASURY_REASONS = frozenset({"appropriation", "lapse", "budget_cut"})
"""Moves between a city's treasury and its budget: neither spending nor income."""


def public_sign(reason: str, src_kind: str, dst_kind: str) -> int:
    """Return +1 if a transfer is public spending, -1 if public income, else 0.

    Public money is what sits in the cities' budgets and escrows; a move between a treasury and
    a budget is neither. A revolving fund is not public money: capitalising it is spending.

    Args:
        reason: The transfer's reason.
        src_kind: Kind of the paying account (an ``AccountKind`` value).
        dst_kind: Kind of the receiving account.
    """
    if reason in TREASURY_REASONS:
        return 0
    return (src_kind in PUBLIC_KINDS) - (dst_kind in PUBLIC_KINDS)
