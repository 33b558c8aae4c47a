"""The five partnership models of the Smart Cities Index 2024 as data.

Each model says who leads a pilot, how bargaining power is split between sectors, how much of a
pilot's cost the city is prepared to carry, who bears the loss when a pilot fails, how long pilots
run and whether the money is ring-fenced from budget cycles (a special purpose company).

Source: Smart Cities Index 2024 (five types A-E, seeds/003); figures on the funding mix across 31
cities (51.3% public, 36.6% private, 12.1% PPP) guide the public shares below. The numbers are
modelling choices consistent with the qualitative descriptions, not measurements: sweep them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.fields import SECTORS


@dataclass(frozen=True)
class PartnershipModel:
    """One partnership type.

    Attributes:
        key: Scenario key (``partnership.model``).
        letter: Smart Cities Index letter A-E.
        description: One line from the index.
        lead: Probability that each sector leads a proposal, in :data:`SECTORS` order (sum 1).
        bargaining: Bargaining weight of each sector in negotiation (relative, > 0).
        public_share_cap: Largest share of a pilot's cost the city will carry (1).
        failure_bearing: Relative weight of each sector in bearing the loss on failure (>= 0).
        duration_factor: Multiplier on the pilot duration (1); type C runs short projects, D long.
        ring_fenced: Whether pilots survive election cuts (an SPC's money is off the budget).
    """

    key: str
    letter: str
    description: str
    lead: tuple[float, float, float, float]
    bargaining: tuple[float, float, float, float]
    public_share_cap: float
    failure_bearing: tuple[float, float, float, float]
    duration_factor: float
    ring_fenced: bool

    def __post_init__(self) -> None:
        """Check the per-sector vectors."""
        for name in ("lead", "bargaining", "failure_bearing"):
            if len(getattr(self, name)) != len(SECTORS):
                raise ValueError(f"{self.key}.{name} needs one entry per sector {SECTORS}")
        if abs(sum(self.lead) - 1.0) > 1e-9:
            raise ValueError(f"{self.key}.lead must sum to 1")
        if min(self.bargaining) <= 0:
            raise ValueError(f"{self.key}.bargaining weights must be positive")

    def bargaining_weight(self, sector: int) -> float:
        """Return the bargaining weight of a sector code (index into :data:`SECTORS`)."""
        return self.bargaining[sector]


#: Sector order: government, firm, academia, civil society.
MODELS: dict[str, PartnershipModel] = {
    m.key: m
    for m in (
        PartnershipModel(
            key="city_led",
            letter="A",
            description="The city designs and funds; firms supply expertise.",
            lead=(1.0, 0.0, 0.0, 0.0),
            bargaining=(2.0, 1.0, 1.0, 1.0),
            public_share_cap=0.8,
            failure_bearing=(1.0, 0.2, 0.2, 0.0),
            duration_factor=1.0,
            ring_fenced=False,
        ),
        PartnershipModel(
            key="city_private",
            letter="B",
            description="Advisory bodies gather private insight; public-sector-led.",
            lead=(0.6, 0.3, 0.1, 0.0),
            bargaining=(1.5, 1.0, 1.0, 1.0),
            public_share_cap=0.6,
            failure_bearing=(1.0, 0.5, 0.3, 0.0),
            duration_factor=1.0,
            ring_fenced=False,
        ),
        PartnershipModel(
            key="public_private_investment",
            letter="C",
            description="Joint investment with equal decision rights; short projects.",
            lead=(0.5, 0.5, 0.0, 0.0),
            bargaining=(1.0, 1.0, 1.0, 1.0),
            public_share_cap=0.5,
            failure_bearing=(1.0, 1.0, 0.5, 0.0),
            duration_factor=0.7,
            ring_fenced=False,
        ),
        PartnershipModel(
            key="public_private_spc",
            letter="D",
            description="A special purpose company runs long projects off the budget cycle.",
            lead=(0.4, 0.5, 0.1, 0.0),
            bargaining=(1.0, 1.0, 1.0, 1.0),
            public_share_cap=0.5,
            failure_bearing=(1.0, 1.0, 0.5, 0.0),
            duration_factor=1.5,
            ring_fenced=True,
        ),
        PartnershipModel(
            key="private_led",
            letter="E",
            description="Firms plan, fund and run; the city relaxes rules and offers incentives.",
            lead=(0.0, 0.9, 0.1, 0.0),
            bargaining=(1.0, 2.0, 1.0, 1.0),
            public_share_cap=0.25,
            failure_bearing=(0.1, 1.0, 0.3, 0.0),
            duration_factor=0.8,
            ring_fenced=False,
        ),
    )
}
