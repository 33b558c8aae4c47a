"""What the finance instruments need from the model that runs them: a small interface.

Instruments (:mod:`sim.finance.instruments`) book money and read a few facts of the world; they
never import the model. The model hands itself to them as a :class:`FinanceHost`: the books
(ledger and payments), the cities' budgets, the capital providers, the clock, the random streams
and the records it keeps of deals and contracts. The pilots they finance satisfy
:class:`FinancedPilot`. These are typing protocols only: nothing here runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

    from sim.finance.commitments import Commitments
    from sim.finance.deals import Deal
    from sim.finance.ledger import Ledger
    from sim.scenario.schema import Scenario


class FinancedPilot(Protocol):
    """A pilot as an instrument sees it (see :class:`sim.model.pilot.Pilot` for units)."""

    id: int
    city: int
    cost: float
    duration: int
    start_step: int
    progress: int
    success_prob: float
    members: tuple[int, ...]
    commitments: dict[str, float]
    paid: dict[str, float]
    public: float
    public_budget: float
    public_paid: float
    reserve: str
    guarantee: str
    deal: Deal | None
    savings_multiple: float
    measurability: float
    noise_sd: float
    evaluation_draw: float
    service_steps: int
    expected_stream: float
    realised_stream: float
    stream_steps_left: int
    in_service: bool
    salvage: float

    @property
    def account(self) -> str:
        """Its ledger account."""
        ...

    @property
    def ended(self) -> bool:
        """Whether its outcome or cancellation has happened."""
        ...

    @property
    def outcome_step(self) -> int:
        """The step at which its outcome is known."""
        ...


class City(Protocol):
    """A city government's accounts, budget and commitments."""

    city: int
    idx: int
    budget_account: str
    treasury_account: str
    annual_budget: float
    commitments: Commitments

    @property
    def budget(self) -> float:
        """Unspent innovation budget this fiscal year (EUR)."""
        ...


class Provider(Protocol):
    """A capital provider: its kind, account and money."""

    kind: str
    account: str

    @property
    def capital(self) -> float:
        """Money it holds (EUR)."""
        ...


class Holder(Protocol):
    """Anything with a ledger account (an organisation)."""

    account: str


class Population(Protocol):
    """The organisations' shared arrays an instrument reads."""

    sector: np.ndarray


class FinanceHost(Protocol):
    """The model as the instruments see it."""

    config: Scenario
    cities: Sequence[City]
    capital: Sequence[Provider]
    orgs: Sequence[Holder]
    population: Population
    ledger: Ledger
    streams: Mapping[str, np.random.Generator]
    pilots: Mapping[int, FinancedPilot]
    deals: list[dict]
    outcome_records: list[dict]
    guarantee_providers: dict[str, str]
    write_offs: float
    investor_write_offs: float
    outcome_withheld: float

    @property
    def protects(self) -> bool:
        """Whether the city reserves its budget commitments in full when it signs."""
        ...

    def is_public(self, account: str) -> bool:
        """Whether a capital provider's (or a guarantee's) money is public."""
        ...

    @property
    def now(self) -> int:
        """The current step."""
        ...

    def pay(
        self, src: str, dst: str, amount: float, reason: str, pilot: FinancedPilot | None = None
    ) -> None:
        """Move money through the ledger (EUR)."""
        ...

    def contribute(self, src: str, pilot: FinancedPilot, amount: float, reason: str) -> None:
        """Pay into a pilot's account and record it as paid in (EUR)."""
        ...

    def public_part(self, pilot: FinancedPilot) -> float:
        """What the terms leave to the city (EUR)."""
        ...

    def free_capital(self, account: str) -> float:
        """What an organisation holds minus what it still owes running pilots (EUR)."""
        ...
