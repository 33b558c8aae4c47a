"""Finance instruments as pluggable rules: how the public part of a pilot is paid for.

Private partners pay their own shares in instalments while a pilot runs, whatever the
instrument; an instrument decides how the rest reaches the pilot account (``close``), what
happens after the outcome (``settle``) and whether its pilots survive an election cut
(``ring_fenced``). Every unit moves through the model's ledger. The grant is the baseline;
blended finance, revolving funds and outcome-based finance plug in here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sim.incentives import failure_cover
from sim.population import FIRM

if TYPE_CHECKING:
    from sim.model import PartnershipModel
    from sim.pilot import Pilot


class Instrument:
    """Base of finance instruments.

    Args:
        model: The model whose ledger and cities the instrument uses.
    """

    name: ClassVar[str] = ""
    ring_fenced: ClassVar[bool] = False
    """Whether a new administration's cuts leave this instrument's pilots alone."""

    def __init__(self, model: PartnershipModel) -> None:
        self.model = model

    def close(self, pilot: Pilot) -> bool:
        """Close the pilot's financing; return False, moving nothing, if it cannot close."""
        raise NotImplementedError

    def settle(self, pilot: Pilot, success: bool) -> None:
        """Make the payments due once the pilot's outcome is known."""
        raise NotImplementedError


class Grant(Instrument):
    """The city pays its share up front from the annual budget (DOMAIN: finance instruments).

    The city's share includes any co-funding match on private shares. Under innovation
    procurement the city also reimburses part of each private partner's contribution when a
    pilot fails, as far as this year's budget allows.
    """

    name = "grant"

    def close(self, pilot: Pilot) -> bool:
        """Pay the city's commitment into the pilot account if the budget covers it."""
        city = self.model.cities[pilot.city]
        due = pilot.commitments.get(city.budget_account, 0.0)
        if due > city.budget:
            return False
        self.model.pay(city.budget_account, pilot.account, due, "grant", pilot)
        return True

    def settle(self, pilot: Pilot, success: bool) -> None:
        """Reimburse private partners' losses on failure under innovation procurement."""
        cover = failure_cover(self.model.config.incentives)
        if success or cover == 0:
            return
        model = self.model
        city = model.cities[pilot.city]
        for firm in pilot.members:
            if model.population.sector[firm] != FIRM:
                continue
            account = model.orgs[firm].account
            amount = min(cover * pilot.paid.get(account, 0.0), city.budget)
            model.pay(city.budget_account, account, amount, "failure_cover", pilot)


INSTRUMENTS: dict[str, type[Instrument]] = {cls.name: cls for cls in (Grant,)}
"""Instrument classes by scenario name (``finance.instruments``)."""
