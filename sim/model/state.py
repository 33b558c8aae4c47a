"""The model's state as its agents and reporters read it: an interface, not the model class.

Agents (:mod:`sim.model.agents`) and metrics (:mod:`sim.model.metrics`) are handed the running
model and read it through :class:`ModelState`; they never import
:class:`sim.model.model.PartnershipModel`, which imports them. This is a typing protocol only:
nothing here runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from sim.finance.ledger import Ledger
    from sim.model.citizens import Citizens
    from sim.model.joining import Consortium
    from sim.model.lifecycle import PilotState
    from sim.model.network import PartnerNetwork
    from sim.model.pilot import Pilot
    from sim.model.population import Population
    from sim.model.tally import RunningMean
    from sim.scenario.schema import Scenario


class CityView(Protocol):
    """A city government as other agents and reporters see it."""

    idx: int

    @property
    def budget(self) -> float:
        """Unspent innovation budget this fiscal year (EUR)."""
        ...


class ModelState(Protocol):
    """What agents and reporters read of the running model."""

    config: Scenario
    population: Population
    capability_mean: float
    network: PartnerNetwork
    ledger: Ledger
    citizens: Sequence[Citizens]
    cities: Sequence[CityView]
    entered: Counter[PilotState]
    negotiations: list[dict]
    agreed_rounds: RunningMean
    agreed_alignment: RunningMean
    elections: list[dict]
    pilots: Mapping[int, Pilot]
    active: Mapping[int, Pilot]
    programmes: Sequence[Pilot]
    flows: Mapping[str, Mapping[tuple[str, str], int]]
    shared: dict | None
    pilot_public: Mapping[int, float]
    pilot_invested: Mapping[int, int]
    pilot_returned: Mapping[int, int]
    lost_public: float
    lost_invested: int
    sector_participation: Counter[int]
    public_value: float
    appropriated: float
    write_offs: float
    outcome_withheld: float

    def flow(self, reason: str, src_kind: str | None = None, dst_kind: str | None = None) -> float:
        """Cumulative money moved for a reason (EUR)."""
        ...

    def cash_public_spend(self) -> float:
        """Net cash out of budgets, escrows and reserves (EUR)."""
        ...

    def net_public_cost(self) -> float:
        """Net present public cost if the horizon were now (EUR)."""
        ...

    def returns(
        self, pilot: Pilot, parties: np.ndarray, sectors: list[int], success: float
    ) -> np.ndarray:
        """Money each party expects back per EUR of its cost share."""
        ...

    def free_capital(self, account: str) -> float:
        """What an organisation holds minus what it still owes running pilots (EUR)."""
        ...

    def success_odds(self, pilot: Pilot, parties: Sequence[int]) -> float:
        """The success probability a consortium gives a pilot."""
        ...

    def consortium(self, pilot: Pilot, parties: Sequence[int]) -> Consortium:
        """What a consortium's odds read of its parties."""
        ...

    def public_share_cap(self) -> float:
        """The largest share of a pilot's cost the city negotiates to carry (1)."""
        ...

    def run_call(self, city: CityView) -> None:
        """Draw a call's proposals in a city and take each as far as it gets."""
        ...
