"""The decision file: which policies to compare, across which futures, judged by what.

A decision file (``scenarios/decisions/*.yaml``) states a robust-decision question in the
spirit of Robust Decision Making (Lempert et al. 2006, doi:10.1287/mnsc.1050.0472): candidate
policies, the uncertainties that make up a future, the objectives each policy is judged by and
what counts as good enough. It is validated into :class:`DecisionSpec` through
:mod:`sim.scenario.files`, so it gets the same one-line errors as scenario and sweep files
(file, key path, bad value, what is allowed)::

    name: funding-choice
    base: ../finance/base.yaml           # the scenario every policy starts from
    steps: 40
    policies:
      - name: grant
        scenario: ../finance/grant.yaml  # a scenario file instead of the base, and/or
      - name: fund_half
        scenario: ../finance/revolving.yaml
        override:                        # values changed on top, as in a scenario file
          finance: {revolving: {yearly_share: 0.5}}
    uncertainties:                       # as parameters of sweep files, in their own units
      - key: trust.l_plus
        bounds: [0.05, 0.15]
        label: trust building rate
    futures: 200                         # a Latin hypercube of the uncertainties
    replicates: 3
    seed: 17
    objectives:
      - metric: public_cost_per_success
        direction: minimise
        threshold: 1.5e6                 # good enough: at most this
      - metric: pilots_succeeded
        direction: maximise
        threshold: 8                     # good enough: at least this

Checks that need the scenarios (every key leads to a value, every policy in every future is a
valid scenario) are made by :func:`sim.experiments.decision_plan.plan_decision` before anything
runs; this module checks the file on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, model_validator

from sim.experiments.spec import ModelSpec, Parameter
from sim.scenario.fields import Section
from sim.scenario.files import StrPath, load

MINIMISE = "minimise"
"""The direction of an objective for which less is better."""

DECISION_KEY = "policies"
"""Top-level key that marks a decision file (no scenario or sweep file has it)."""


class Uncertainty(Parameter):
    """One uncertain input of a future: a key with bounds or discrete alternatives.

    Written as a sweep file's parameter (:class:`sim.experiments.spec.Parameter`), in the
    parameter's own units, plus the words tables and figures show for it.
    """

    label: str | None = Field(
        None, description="Plain words for tables and figures (default: the key)."
    )
    unit: str | None = Field(
        None,
        description="Unit shown beside the values (default: the scenario schema's unit of the "
        "key; a reference model's inputs have none unless given here).",
    )

    def as_parameter(self) -> Parameter:
        """Return the sweep parameter this uncertainty is sampled as."""
        return Parameter.model_validate(
            self.model_dump(include={"key", "bounds", "integer", "values"})
        )


class Policy(Section):
    """A candidate policy: a scenario (the base, or a file of its own) with values changed."""

    name: str = Field(
        min_length=1,
        pattern=r"^[\w.-]+$",
        description="Short name used in tables and figures (letters, digits, _ . -).",
        examples=["grant", "fund_half"],
    )
    description: str = Field("", description="What the policy is, in plain words.")
    scenario: str | None = Field(
        None,
        description="A scenario file, relative to the decision file, that this policy starts "
        "from instead of the base (e.g. ../finance/revolving.yaml).",
    )
    override: dict[str, Any] = Field(
        default_factory=dict,
        description="Values this policy changes, nested as in a scenario file (finance "
        "instrument, its terms, incentive levers); for a reference model, its inputs by name.",
    )


class Objective(Section):
    """What a policy is judged by: a metric at the end of a run, its direction, good enough."""

    metric: str = Field(
        min_length=1,
        description="A metric of the step table (sim/model/metrics.py), taken at the last step; "
        "for a reference model, a name it returns.",
        examples=["public_cost_per_success", "pilots_succeeded"],
    )
    direction: Literal["minimise", "maximise"] = Field(
        description="Whether less (minimise) or more (maximise) is better."
    )
    threshold: float | None = Field(
        None,
        description="Good enough: at most this (minimise) or at least this (maximise), in the "
        "metric's unit. A future meets it when the mean over replicates does.",
    )
    label: str | None = Field(None, description="Plain words (default: the metric's label).")

    @property
    def sign(self) -> float:
        """+1 when less is better, -1 when more is better: ``sign * value`` is a cost."""
        return 1.0 if self.direction == MINIMISE else -1.0


class SearchSpec(Section):
    """A search for better terms of one policy (many-objective robust optimisation)."""

    policy: str = Field(description="Name of the policy whose terms are searched.")
    levers: list[Parameter] = Field(
        min_length=1,
        description="The terms to search over, as sweep parameters: a key with bounds "
        "(integer: true for whole numbers) or discrete values.",
    )
    futures: int = Field(
        16,
        ge=2,
        description="Futures each candidate is judged in: a Latin hypercube of the same "
        "uncertainties, drawn from the decision's seed (smaller than the decision's own).",
    )
    replicates: int = Field(1, ge=1, description="Replicates per candidate and future.")
    population: int = Field(
        12, ge=4, description="Candidates per generation of the evolutionary search."
    )
    evaluations: int = Field(
        120,
        ge=4,
        description="Candidates judged in all (each in every search future and replicate); "
        "partnersim robust --search N overrides it.",
    )


class DecisionSpec(ModelSpec):
    """A robust-decision question: policies, uncertainties, objectives, futures and seeds.

    ``base`` is the scenario policies start from; it is needed for partnersim unless every
    policy names a scenario file of its own.
    """

    policies: list[Policy] = Field(min_length=2, description="The candidate policies.")
    uncertainties: list[Uncertainty] = Field(
        min_length=1, description="The inputs that make up a future, with their ranges."
    )
    futures: int = Field(
        ge=2, description="Futures: points of a Latin hypercube over the uncertainties."
    )
    replicates: int = Field(
        1,
        ge=1,
        description="Runs per policy and future; replicate k of future f has one seed for every "
        "policy (common random numbers).",
    )
    objectives: list[Objective] = Field(min_length=1, description="What policies are judged by.")
    regret_quantile: float = Field(
        0.9,
        ge=0.5,
        le=1.0,
        description="Quantile of regret over futures reported beside its maximum (0.9: the "
        "regret exceeded in one future of ten).",
    )
    leaders: int = Field(
        2, ge=1, description="Leading policies whose vulnerabilities (PRIM boxes) are sought."
    )
    search: SearchSpec | None = Field(
        None, description="A search for better terms of one policy (optional)."
    )

    @model_validator(mode="after")
    def _check_spec(self) -> DecisionSpec:
        for what, names in (
            ("policy names", [p.name for p in self.policies]),
            ("uncertainty keys", [u.key for u in self.uncertainties]),
            ("objective metrics", [o.metric for o in self.objectives]),
        ):
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                raise ValueError(f"{what} listed twice: {twice}")
        if self.is_partnersim:
            self._check_partnersim()
        else:
            self._check_reference()
        if self.search is not None:
            self._check_search(self.search)
        return self

    def _check_partnersim(self) -> None:
        if self.base is None and any(p.scenario is None for p in self.policies):
            bare = [p.name for p in self.policies if p.scenario is None]
            raise ValueError(
                f"base (the scenario policies start from) is needed: policies {bare} name no "
                "scenario file of their own"
            )

    def _check_reference(self) -> None:
        self.scenario_only([f"policies {p.name}: scenario" for p in self.policies if p.scenario])
        keys = [sorted(p.override) for p in self.policies]
        if any(k != keys[0] for k in keys):
            raise ValueError(
                "every policy of a reference model must set the same inputs in override; got "
                + "; ".join(f"{p.name}: {k}" for p, k in zip(self.policies, keys, strict=True))
            )
        nested = [k for k, v in self.policies[0].override.items() if isinstance(v, dict | list)]
        clash = set(keys[0]) & {u.key for u in self.uncertainties}
        if nested or clash:
            raise ValueError(
                "a reference model's override gives one number or word per input, none of them "
                f"an uncertainty; got nested {nested}, uncertain {sorted(clash)}"
            )

    def _check_search(self, search: SearchSpec) -> None:
        names = [p.name for p in self.policies]
        if search.policy not in names:
            raise ValueError(f"search.policy {search.policy!r} is not a policy; policies: {names}")
        clash = sorted({lever.key for lever in search.levers} & {u.key for u in self.uncertainties})
        if clash:
            raise ValueError(f"search levers that are also uncertainties: {clash}")


def load_decision(path: StrPath) -> DecisionSpec:
    """Read and validate a decision file (checks that need the scenarios come later).

    Args:
        path: The decision YAML file.

    Returns:
        The validated spec.

    Raises:
        ScenarioError: The file is missing or invalid: one line naming file, key, value and
            what is allowed.
    """
    return load(path, DecisionSpec)


def is_decision(data: Mapping[str, Any]) -> bool:
    """Tell whether data read from a YAML file is a decision file (a top-level ``policies``).

    Lets ``partnersim validate`` pick each file's schema from the data it has read once.
    """
    return DECISION_KEY in data
