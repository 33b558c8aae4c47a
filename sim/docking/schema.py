"""The docking scenario schema: an evolutionary game, its agent model settings and its runs.

A docking scenario is a YAML file (``scenarios/docking/*.yaml``) validated into
:class:`DockingScenario` through :mod:`sim.scenario.files`, so it gets the same one-line errors and
``extends:`` chains as a model scenario. Two kinds exist:

* ``three_population``: the enterprise-public-government game of WANG-2023, given by the
  authors' three parameter vectors ``enterprise``, ``public`` and ``government``, each either a
  list in the authors' order (as in their script and in VALIDATION.md) or a mapping by name.
* ``inspection``: the firm-city inspection game (DOMAIN: validation by docking), given by
  ``inspection: {F, G, L, C, x0, y0}``.

Sources cited by short key (see :mod:`sim.scenario.schema` for the others):
    WANG-2023: Wang, Jia, He, Wang and Huang (2023), "Engaging stakeholders in collaborative
        control of air pollution: a tripartite evolutionary game of enterprises, public and
        government", Journal of Cleaner Production 418, 138074,
        doi:10.1016/j.jclepro.2023.138074 (payoff table of the authors' script).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, model_validator

from sim.docking.games import (
    ENTERPRISE_KEYS,
    GOVERNMENT_KEYS,
    PUBLIC_KEYS,
    InspectionParams,
    MatrixGame,
    ThreePopulationParams,
    inspection_game,
    three_population_game,
)
from sim.scenario.fields import Section, param
from sim.scenario.files import StrPath, load

KINDS: tuple[str, ...] = ("three_population", "inspection")
"""The kinds of docking scenario."""

PAYOFF = "payoff"
"""Unit of money-like terms: the paper's abstract payoff units."""
SHARE = "share"
"""Unit of initial population shares (0 to 1)."""

DEFAULT_SIZES: tuple[int, ...] = (100, 1_000, 10_000)
"""Agents per population compared in a docking run."""
PAYOFF_MAX = 1e6
"""Largest payoff term (payoff units): the published sets use terms up to 40."""
COEFFICIENT_MAX = 100.0
"""Largest coefficient without a natural ceiling of 1 (subsidy, penalty, reputation terms)."""
SIZE_MAX = 1_000_000
"""Most agents per population (a run of 10,000 takes about a second per seed)."""


def _share(description: str) -> Any:
    return param(..., unit=SHARE, ge=0, le=1, description=description, source="WANG-2023")


def _money(description: str, *, le: float = PAYOFF_MAX, ge: float = 0) -> Any:
    return param(..., unit=PAYOFF, ge=ge, le=le, description=description, source="WANG-2023")


def _coefficient(description: str, *, le: float = 1) -> Any:
    return param(..., unit="1", ge=0, le=le, description=description, source="WANG-2023")


class _Vector(Section):
    """A parameter vector that may be written as a list in the authors' order or as a mapping."""

    order: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        """Turn a list in the authors' order into a mapping, checking its length."""
        if isinstance(data, Sequence) and not isinstance(data, str):
            if len(data) != len(cls.order):
                raise ValueError(
                    f"wrong length: {len(data)} numbers, expected {len(cls.order)} "
                    f"({', '.join(cls.order)})"
                )
            return dict(zip(cls.order, data, strict=True))
        return data

    def vector(self) -> list[float]:
        """Return the values in the authors' order."""
        return [float(getattr(self, name)) for name in self._names()]

    @classmethod
    def _names(cls) -> list[str]:
        by_key = {info.alias or name: name for name, info in cls.model_fields.items()}
        return [by_key[key] for key in cls.order]


class EnterpriseVector(_Vector):
    """The enterprise vector: x0, PA, Pe, CA, eA, Rc, alpha, beta, gamma (WANG-2023)."""

    order: ClassVar[tuple[str, ...]] = ENTERPRISE_KEYS

    x0: float = _share("Initial share of enterprises that control pollution.")
    PA: float = _money("Enterprise's normal profit.")
    Pe: float = _money("Enterprise's externality profit from not abating.")
    CA: float = _money("Cost of full abatement.")
    eA: float = _coefficient("Abatement effort level of a controlling enterprise.")
    Rc: float = _money("Enterprise's benefit from emission reduction.")
    alpha: float = _coefficient(
        "Subsidy coefficient: share of P paid when regulated.", le=COEFFICIENT_MAX
    )
    beta: float = _coefficient(
        "Penalty coefficient: share of P fined when regulated.", le=COEFFICIENT_MAX
    )
    gamma: float = _coefficient("Innovation capability: share of abatement cost saved.")


class PublicVector(_Vector):
    """The public vector: y0, CH, CB1, delta, CB0, epsilon, Rp, zeta, eta, theta, lambda.

    ``eta`` is the enterprise's innovation gain; it is listed here because the authors' script
    passes it with the public's parameters (WANG-2023).
    """

    order: ClassVar[tuple[str, ...]] = PUBLIC_KEYS

    y0: float = _share("Initial share of citizens who participate.")
    CH: float = _money("Health loss from pollution (entered negative).", ge=-PAYOFF_MAX, le=0)
    CB1: float = _money("Cost of participating in supervision.")
    delta: float = _coefficient("Difficulty of the participation channel.")
    CB0: float = _money("Cost of self-protection when not participating.")
    epsilon: float = _coefficient("Participation subsidy: share of delta CB1 the government pays.")
    Rp: float = _money("Environmental benefit to participating citizens.")
    zeta: float = _coefficient("Share of the public with expertise.")
    eta: float = _coefficient(
        "Enterprise's innovation gain (share of PA) from participation.", le=COEFFICIENT_MAX
    )
    theta: float = _coefficient(
        "Reputation multiplier from public participation.", le=COEFFICIENT_MAX
    )
    lambda_: float = Field(
        ...,
        alias="lambda",
        ge=0,
        description="Psychological loss multiplier when enterprises do not control.",
        json_schema_extra={"unit": "1", "source": "WANG-2023"},
    )


class GovernmentVector(_Vector):
    """The government vector: z0, CG1, CE, gov, G0, kappa, G1 (WANG-2023)."""

    order: ClassVar[tuple[str, ...]] = GOVERNMENT_KEYS

    z0: float = _share("Initial share of time the government regulates.")
    CG1: float = _money("Administrative cost of regulating.")
    CE: float = _money("Environmental damage from uncontrolled pollution.")
    gov: float = _coefficient("Government's share of the externality profit.")
    G0: float = _money("Reputation loss when not regulating.")
    kappa: float = _coefficient("Decentralisation coefficient.")
    G1: float = _money("Reputation gain from regulating.")


class InspectionConfig(Section):
    """The inspection game (DOMAIN: validation by docking); centre (1 - C/(F+L), G/F)."""

    F: float = param(
        ...,
        unit=PAYOFF,
        gt=0,
        le=PAYOFF_MAX,
        description="Fine a shirking firm pays if caught.",
        source="DOMAIN",
    )
    G: float = param(
        ...,
        unit=PAYOFF,
        gt=0,
        le=PAYOFF_MAX,
        description="Firm's gain from shirking.",
        source="DOMAIN",
    )
    L: float = param(
        ...,
        unit=PAYOFF,
        ge=0,
        le=PAYOFF_MAX,
        description="City's loss from an undetected shirking firm.",
        source="DOMAIN",
    )
    C: float = param(
        ...,
        unit=PAYOFF,
        gt=0,
        le=PAYOFF_MAX,
        description="City's cost of one inspection.",
        source="DOMAIN",
    )
    x0: float = param(0.5, unit=SHARE, gt=0, lt=1, description="Initial share of diligent firms.")
    y0: float = param(
        0.4, unit=SHARE, gt=0, lt=1, description="Initial share of inspecting city agents."
    )

    @model_validator(mode="after")
    def _check_centre(self) -> InspectionConfig:
        if self.G >= self.F:
            raise ValueError(
                f"inspection.G ({self.G:g}) must be below inspection.F ({self.F:g}), "
                "or the game has no interior centre"
            )
        if self.C >= self.F + self.L:
            raise ValueError(
                f"inspection.C ({self.C:g}) must be below F + L ({self.F + self.L:g}), "
                "or the game has no interior centre"
            )
        return self

    def params(self) -> InspectionParams:
        """Return the parameters for :mod:`sim.docking.games`."""
        return InspectionParams(F=self.F, G=self.G, L=self.L, C=self.C, x0=self.x0, y0=self.y0)


class Published(Section):
    """The published answer a docking scenario must reproduce (for reports and tests)."""

    stable_point: list[float] | None = Field(
        None,
        description="Evolutionarily stable corner (shares of C), e.g. [0, 0, 0].",
        json_schema_extra={"unit": SHARE, "source": "WANG-2023"},
    )
    eigenvalues: list[float] | None = Field(
        None,
        description="Eigenvalues of the Jacobian at the stable point, population order.",
        json_schema_extra={"unit": "1/equation time", "source": "WANG-2023"},
    )
    centre: list[float] | None = Field(
        None,
        description="Interior centre the orbits cycle around (inspection game).",
        json_schema_extra={"unit": SHARE, "source": "DOMAIN"},
    )
    source: str = Field("", description="Where the published answer comes from.")


class DockingScenario(Section):
    """A complete docking scenario: the game, the agent model's settings and the runs to compare.

    Example:
        >>> from sim.docking.schema import load_docking
        >>> s = load_docking("scenarios/docking/baseline.yaml")  # doctest: +SKIP
        >>> s.game().max_advantage  # doctest: +SKIP
        10.0
    """

    name: str = Field("docking", description="Scenario label used in outputs and figures.")
    description: str = Field("", description="What the scenario represents.")
    kind: Literal["three_population", "inspection"] = Field(
        description="Which game: the enterprise-public-government game or the inspection game."
    )
    enterprise: EnterpriseVector | None = Field(
        None, description="Enterprise vector (three_population only), list or mapping."
    )
    public: PublicVector | None = Field(
        None, description="Public vector (three_population only), list or mapping."
    )
    government: GovernmentVector | None = Field(
        None, description="Government vector (three_population only), list or mapping."
    )
    inspection: InspectionConfig | None = Field(
        None, description="Inspection game payoffs and start (inspection only)."
    )
    revision_rate: float = param(
        0.02,
        unit="1/step",
        gt=0,
        le=1,
        description="Chance that an agent gets a revision opportunity in a step; one step is "
        "revision_rate / max|advantage| units of equation time, so smaller is closer to the "
        "equations and needs more steps.",
    )
    horizon: float = param(
        10.0,
        unit="equation time",
        gt=0,
        le=10_000,
        description="Time span compared, in the time of the replicator equations.",
    )
    window: float | None = param(
        None,
        unit="equation time",
        gt=0,
        le=10_000,
        description="Time span over which agents and equations are compared point by point "
        "(default: the whole horizon); for cycling games keep it to a few turns, since small "
        "differences in the period add up to a phase lag.",
    )
    seed: int = param(0, unit="1", ge=0, le=2**63 - 1, description="Seed of the first agent run.")
    sizes: list[Annotated[int, Field(ge=2, le=SIZE_MAX)]] = Field(
        default_factory=lambda: list(DEFAULT_SIZES),
        min_length=1,
        description="Agents per population compared with the equations (unit: agents).",
        json_schema_extra={"unit": "agents per population", "source": "ASSUMPTION"},
    )
    seeds: int = param(
        5, unit="runs", ge=1, le=1_000, description="Agent runs per size (seeds seed, seed+1, ...)."
    )
    published: Published = Field(
        default_factory=Published, description="The published answer to reproduce."
    )

    @model_validator(mode="after")
    def _check_kind(self) -> DockingScenario:
        vectors = {
            "enterprise": self.enterprise,
            "public": self.public,
            "government": self.government,
        }
        if self.kind == "three_population":
            missing = [key for key, value in vectors.items() if value is None]
            if missing:
                raise ValueError(f"kind three_population needs {', '.join(missing)}")
            if self.inspection is not None:
                raise ValueError("kind three_population takes no inspection section")
        else:
            if self.inspection is None:
                raise ValueError("kind inspection needs an inspection section")
            given = [key for key, value in vectors.items() if value is not None]
            if given:
                raise ValueError(f"kind inspection takes no {', '.join(given)} vector")
        if self.window is not None and self.window > self.horizon:
            raise ValueError(f"window ({self.window:g}) must not exceed horizon ({self.horizon:g})")
        if any(size < 2 for size in self.sizes):
            raise ValueError(f"sizes must all be at least 2 agents; got {self.sizes}")
        return self

    def three_population_params(self) -> ThreePopulationParams:
        """Return the three-population parameters (kind three_population only)."""
        if self.enterprise is None or self.public is None or self.government is None:
            raise ValueError(f"scenario {self.name!r} is not a three-population game")
        return ThreePopulationParams.from_vectors(
            self.enterprise.vector(), self.public.vector(), self.government.vector()
        )

    def game(self) -> MatrixGame:
        """Return the game as a payoff tensor with its start, for equations and agents alike."""
        if self.inspection is not None:
            return inspection_game(self.inspection.params())
        return three_population_game(self.three_population_params())


def load_docking(path: StrPath) -> DockingScenario:
    """Read and validate a docking scenario file (with ``extends:`` chains).

    Args:
        path: The YAML file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: The file is missing or invalid; one line naming file, key, value and
            what is allowed.
    """
    return load(path, DockingScenario)


def is_docking(data: Mapping[str, Any]) -> bool:
    """Tell whether data read from a YAML file is a docking scenario (``kind`` in :data:`KINDS`).

    Lets ``partnersim validate`` pick each file's schema from the data it has read once.
    """
    return data.get("kind") in KINDS
