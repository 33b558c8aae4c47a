"""The stakeholders as Mesa agents: city governments, firms, academia, citizen groups, capital.

State that many agents share (capabilities, generalised trust, objective weights, sectors) lives
in NumPy arrays owned by the model (:class:`sim.model.population.Population`), indexed by each
organisation's ``idx``; the agents are the interface to it and hold the decisions. Pairwise trust
lives on the edges of the partner network. Money lives in the ledger, under ``account``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.finance.commitments import Commitments
from sim.model.joining import first_to_join
from sim.scenario.fields import SECTORS
from sim.scenario.schema import CityConfig

if TYPE_CHECKING:
    from sim.model.joining import Invitation
    from sim.model.state import ModelState


class Organisation(mesa.Agent):
    """An organisation that can lead or join pilots.

    Args:
        model: The model.
        idx: Row of this organisation in the model's population arrays.
        city: Index of the organisation's home city.
    """

    sector_name: str = ""

    def __init__(self, model: ModelState, idx: int, city: int) -> None:
        super().__init__(model)
        self.idx = idx
        self.city = city
        self.account = f"org:{idx}"
        self.pilots_joined = 0
        """Agreed pilots this organisation is a party to."""

    @property
    def sector(self) -> int:
        """Sector code (index into :data:`sim.scenario.fields.SECTORS`)."""
        return SECTORS.index(self.sector_name)

    @property
    def capability(self) -> np.ndarray:
        """Capability per challenge domain, each in [0, 1] (a view into the model's array)."""
        return self.model.population.capability[self.idx]

    @property
    def generalised_trust(self) -> float:
        """Trust this organisation places in organisations it has not worked with, in [0, 1]."""
        return float(self.model.population.generalised_trust[self.idx])

    @property
    def capital(self) -> float:
        """Money this organisation holds (EUR), read from the ledger."""
        return self.model.ledger.balance(self.account)

    def trust_in(self, other: int) -> float:
        """Return this organisation's trust in organisation ``other``, in [0, 1]."""
        return self.model.network.trust(self.idx, other)

    @staticmethod
    def accept(
        model: ModelState,
        invitation: Invitation,
        queue: Sequence[int],
        members: Sequence[int],
    ) -> int | None:
        """Ask candidates in turn whether they join a consortium; return the first that does.

        Every candidate decides by its own state, as if alone: a firm first declines pilots too
        risky for it: success probability, with the consortium so far, the city and itself,
        below ``(1 - risk_tolerance) * pilots.base_success``. Then it expects to pay an equal
        part of what the city's largest share leaves (the invitation's ``share``;
        :meth:`sim.model.model.PartnershipModel.public_share_cap`) and to get back its share of
        the pilot's savings on it under the pilot's instrument, believes the partners' promises
        in proportion to its trust in the lead (:func:`sim.model.negotiation.max_acceptable_share`),
        and cannot commit more than its free capital (:func:`sim.model.joining.first_to_join`).
        What does not change while the search goes on is read when a candidate is asked
        (:attr:`sim.model.joining.Invitation.read`); a call adds the consortium so far.

        Args:
            model: The model.
            invitation: The lead's invitation (:meth:`sim.model.model.PartnershipModel.invitation`).
            queue: The organisations invited, in the order they are asked (indices; none of
                them a government).
            members: The consortium so far, lead first.

        Returns:
            The position in ``queue`` of the first candidate that joins; None if none does.
        """
        city = model.cities[invitation.pilot.city].idx
        return first_to_join(
            invitation,
            queue,
            model.consortium(invitation.pilot, list(dict.fromkeys([*members, city]))),
            capability_mean=model.capability_mean,
            cfg=model.config.pilots,
        )

    def withdraws(self, trust: Callable[[], float], rng: np.random.Generator) -> bool:
        """Decide whether to leave a running pilot; distrust of the partners makes it likelier.

        The chance is ``pilots.withdrawal_rate * (1 - trust)``. A draw at or above the rate
        stays whatever the trust (``rate * (1 - trust) <= rate``, also in floating point), so
        trust is read only for a draw below the rate: with the default rate of 0.005, one step
        in 200.

        Args:
            trust: Returns the mean trust in the other parties, in [0, 1].
            rng: The ``running`` stream.
        """
        rate = self.model.config.pilots.withdrawal_rate
        draw = rng.random()
        return draw < rate and draw < rate * (1.0 - trust())


class CityGovernment(Organisation):
    """A city government: innovation budget, procurement rules, risk appetite, elections.

    Args:
        model: The model.
        idx: Row in the population arrays.
        city: Index of this city.
        config: The city's scenario section.
    """

    sector_name = "government"

    def __init__(self, model: ModelState, idx: int, city: int, config: CityConfig) -> None:
        super().__init__(model, idx, city)
        self.config = config
        self.name = config.name
        self.budget_account = f"budget:{city}"
        self.treasury_account = f"treasury:{city}"
        self.annual_budget = config.annual_budget
        """The innovation budget level the current administration plans (EUR/year)."""
        self.commitments = Commitments()
        """The city's unpaid, unprotected budget dues to pilots, by fiscal year."""
        self.procurement_flexibility = config.procurement_flexibility
        self.administration = 1
        self.appropriated = 0.0
        self.elections_won = 0
        self.elections_lost = 0

    @property
    def budget(self) -> float:
        """Unspent innovation budget this fiscal year (EUR)."""
        return self.model.ledger.balance(self.budget_account)

    @property
    def capital(self) -> float:
        """A city's money is its unspent budget (EUR)."""
        return self.budget

    @property
    def budget_share_left(self) -> float:
        """Share of this year's appropriation still unspent, in [0, 1]."""
        return self.budget / self.appropriated if self.appropriated > 0 else 0.0

    def issue_call(self) -> None:
        """Issue a call for proposals: potential leads in this city propose pilots."""
        self.model.run_call(self)


class Firm(Organisation):
    """A firm, either a start-up or an incumbent.

    Args:
        model: The model.
        idx: Row in the population arrays.
        city: Home city.
        startup: True for a start-up.
    """

    sector_name = "firm"

    def __init__(self, model: ModelState, idx: int, city: int, startup: bool) -> None:
        super().__init__(model, idx, city)
        self.startup = startup


class AcademicInstitution(Organisation):
    """A university or research institute: research capability that speeds partners' learning."""

    sector_name = "academia"


class CitizenGroup(Organisation):
    """A neighbourhood group or NGO: local knowledge (co-design) and legitimacy.

    Args:
        model: The model.
        idx: Row in the population arrays.
        city: Home city.
        neighbourhood: The neighbourhood it speaks for.
    """

    sector_name = "civil_society"

    def __init__(self, model: ModelState, idx: int, city: int, neighbourhood: int) -> None:
        super().__init__(model, idx, city)
        self.neighbourhood = neighbourhood


class CapitalProvider(mesa.Agent):
    """A source of capital: philanthropy, development bank, impact or commercial investor.

    Every unit it moves goes through the ledger under ``account``. The grant instrument does not
    use capital providers; blended, revolving and outcome-based finance do.

    Args:
        model: The model.
        number: Its number among capital providers.
        kind: One of :data:`sim.scenario.finance.CAPITAL_KINDS`.
    """

    sector_name = "capital"
    city = -1
    """Capital providers are not tied to one city."""
    generalised_trust = float("nan")
    """Capital providers hold no trust in this version of the model."""
    pilots_joined = 0
    """Capital providers are not consortium members."""

    def __init__(self, model: ModelState, number: int, kind: str) -> None:
        super().__init__(model)
        self.number = number
        self.kind = kind
        self.account = f"capital:{number}"

    @property
    def capital(self) -> float:
        """Money this provider holds (EUR)."""
        return self.model.ledger.balance(self.account)
