"""The sweep file: what to vary, by which design, how many replicates, from which seed.

A sweep file (``scenarios/sweeps/*.yaml``) is its own type, validated into :class:`SweepSpec`
through :mod:`sim.scenario.files`, so it gets the same one-line errors as a scenario (file, key
path, bad value, what is allowed)::

    name: finance-levers
    base: ../finance/blended.yaml        # scenario file, relative to this file
    parameters:
      - key: cities.0.annual_budget      # dot path into the scenario; list items by index
        bounds: [1.0e6, 4.0e6]
      - key: time.election_interval
        bounds: [8, 24]
        integer: true
      - key: partnership.model
        values: [city_led, city_private, private_led]
    design: {method: morris, trajectories: 10, levels: 4}
    replicates: 2
    seed: 42

Checks that need the base scenario (that every key leads to a value, and that every design
point makes a valid scenario) are made by :func:`sim.experiments.plan.plan_sweep` before anything
runs; this module checks the file on its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from sim.scenario.fields import Section
from sim.scenario.files import StrPath, load

PARTNERSIM = "partnersim"
"""The ``model`` of a sweep over the partnership model (the default)."""

METHODS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")
"""Design methods."""

_FUNCTION_NAME = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")

type Level = float | int | str | bool
"""A discrete value a parameter may take."""


def _kind(value: Level) -> str:
    """Return "bool", "text" or "number" (true/false are not numbers here)."""
    if isinstance(value, bool):
        return "bool"
    return "text" if isinstance(value, str) else "number"


class Parameter(Section):
    """One input to vary: a key with bounds (continuous or whole) or a list of values."""

    key: str = Field(
        min_length=1,
        description="Dot path into the scenario (list items by index, e.g. "
        "cities.0.annual_budget); for a reference model, the name of its input.",
        examples=["finance.blended.max_first_loss", "cities.0.annual_budget"],
    )
    bounds: list[float] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="[low, high] of a continuous (or, with integer, whole) parameter.",
    )
    integer: bool = Field(
        False,
        description="Take whole numbers low..high, each equally likely (bounds only).",
    )
    values: list[Level] | None = Field(
        None,
        min_length=1,
        description="Discrete values: every one in a grid; for the other methods, levels "
        "chosen with equal probability.",
    )

    @model_validator(mode="after")
    def _check_kind(self) -> Parameter:
        if (self.bounds is None) == (self.values is None):
            raise ValueError("give either bounds: [low, high] or values: [...], not both")
        if self.bounds is not None:
            low, high = self.bounds
            if not low < high:
                raise ValueError(f"bounds must have low < high; got [{low}, {high}]")
            if self.integer and not (float(low).is_integer() and float(high).is_integer()):
                raise ValueError(f"integer bounds must be whole numbers; got [{low}, {high}]")
        elif self.integer:
            raise ValueError("integer applies to bounds, not to values")
        if self.values is not None:
            if len(set(map(repr, self.values))) != len(self.values):
                raise ValueError(f"values listed twice: {self.values}")
            kinds = {_kind(value) for value in self.values}
            if len(kinds) > 1:
                raise ValueError(
                    f"values must all be numbers, all text or all true/false; got {self.values}"
                )
        return self

    @property
    def numeric_values(self) -> bool:
        """Whether every value is a number (not text or true/false)."""
        return self.values is not None and _kind(self.values[0]) == "number"


class GridDesign(Section):
    """Full factorial grid: every combination, the last parameter varying fastest."""

    method: Literal["grid"]
    levels: int | None = Field(
        None,
        ge=2,
        description="Evenly spaced points from low to high for each parameter given by bounds.",
    )


class LhsDesign(Section):
    """Latin hypercube sample (SALib ``latin``)."""

    method: Literal["lhs"]
    samples: int = Field(ge=1, description="Design points.")


class SobolDesign(Section):
    """Saltelli's scheme over a scrambled Sobol' sequence, for Sobol' indices (SALib ``sobol``)."""

    method: Literal["sobol"]
    samples: int = Field(
        ge=2,
        description="Base samples N, a power of 2; the design has N (2k + 2) points with "
        "second-order indices, else N (k + 2), for k parameters.",
    )
    calc_second_order: bool = Field(True, description="Also sample for second-order indices.")

    @field_validator("samples")
    @classmethod
    def _power_of_two(cls, samples: int) -> int:
        if samples & (samples - 1):
            raise ValueError(
                f"samples must be a power of 2 (Sobol' sequences balance only then); got "
                f"{samples}, nearest {2 ** round(math.log2(samples))}"
            )
        return samples


class MorrisDesign(Section):
    """Morris elementary-effects trajectories (SALib ``morris``)."""

    method: Literal["morris"]
    trajectories: int = Field(
        10, ge=2, description="Trajectories; the design has trajectories (k + 1) points."
    )
    levels: int = Field(4, ge=2, description="Grid levels per parameter, an even number.")

    @field_validator("levels")
    @classmethod
    def _even(cls, levels: int) -> int:
        if levels % 2:
            raise ValueError(f"levels must be even (odd levels bias Morris sampling); got {levels}")
        return levels


type Design = Annotated[
    GridDesign | LhsDesign | SobolDesign | MorrisDesign, Field(discriminator="method")
]


class ModelSpec(Section):
    """What a file of runs runs: the partnership model on a scenario, or a reference model.

    The fields and checks that sweep files (:class:`SweepSpec`) and decision files
    (:class:`sim.experiments.decision_spec.DecisionSpec`) share: name, model, base scenario,
    base seed and steps.
    """

    name: str = Field(min_length=1, description="Label used in outputs and the default folder.")
    description: str = Field("", description="What the file asks, in plain words.")
    model: str = Field(
        PARTNERSIM,
        description="partnersim, or module:function naming a reference model "
        "(see sim.experiments.reference_models), e.g. sim.experiments.reference_models:ishigami.",
    )
    base: str | dict[str, Any] | None = Field(
        None,
        description="The scenario to run: a file path, relative to this file (or, for a "
        "spec built in Python, to the working folder), or the scenario's values inline. "
        "Not allowed for a reference model.",
    )
    seed: int = Field(
        0, ge=0, description="Base seed: run seeds and the sampler's seed come from it."
    )
    steps: int | None = Field(None, ge=1, description="Steps per run (default: the scenario's).")

    @field_validator("base", mode="before")
    @classmethod
    def _scenario_as_data(cls, base: Any) -> Any:
        """Accept a :class:`sim.scenario.schema.Scenario` object from Python as its values."""
        return base.model_dump(mode="json") if isinstance(base, BaseModel) else base

    @field_validator("model")
    @classmethod
    def _model_name(cls, model: str) -> str:
        if model != PARTNERSIM and not _FUNCTION_NAME.fullmatch(model):
            raise ValueError(
                f"model must be {PARTNERSIM!r} or 'module:function' "
                f"(e.g. sim.experiments.reference_models:ishigami); got {model!r}"
            )
        return model

    @property
    def is_partnersim(self) -> bool:
        """Whether the file runs the partnership model (not a reference model)."""
        return self.model == PARTNERSIM

    def scenario_only(self, given: list[str]) -> None:
        """Raise ValueError naming what a reference model cannot have (``base``, ``steps``...).

        Args:
            given: Further keys given that only partnersim takes, besides base and steps.
        """
        given = [name for name in ("base", "steps") if getattr(self, name) is not None] + given
        if given and not self.is_partnersim:
            raise ValueError(
                f"{', '.join(given)}: only for model partnersim (a reference model has no scenario)"
            )


class SweepSpec(ModelSpec):
    """A sweep: a base scenario (or a reference model), parameters, a design and its seeds.

    ``base`` is needed for partnersim.
    """

    parameters: list[Parameter] = Field(min_length=1, description="The inputs to vary.")
    design: Design = Field(description="How to choose the points: grid, lhs, sobol or morris.")
    replicates: int = Field(1, ge=1, description="Runs per design point, each its own seed.")
    seeds: Literal["common", "independent"] = Field(
        "common",
        description="common: replicate k has the same seed at every point (common random "
        "numbers); independent: every run its own seed.",
    )
    record: Literal["end", "steps"] = Field(
        "end", description="end: one row of end-of-run metrics per run; steps: also every step."
    )
    metrics: list[str] | None = Field(
        None, min_length=1, description="Metrics to keep (default: all the model reports)."
    )

    @model_validator(mode="after")
    def _check_spec(self) -> SweepSpec:
        keys = [parameter.key for parameter in self.parameters]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"parameter keys listed twice: {twice}")
        if self.metrics is not None and len(set(self.metrics)) != len(self.metrics):
            raise ValueError(f"metrics listed twice: {self.metrics}")
        if self.is_partnersim and self.base is None:
            raise ValueError("base (the scenario to vary) is needed for model partnersim")
        self.scenario_only(["record: steps"] if self.record == "steps" else [])
        if isinstance(self.design, GridDesign):
            unlevelled = [p.key for p in self.parameters if p.bounds is not None]
            if unlevelled and self.design.levels is None:
                raise ValueError(
                    f"a grid needs design.levels for the parameters given by bounds "
                    f"({', '.join(unlevelled)}), or values for each"
                )
        return self


def load_sweep(path: StrPath) -> SweepSpec:
    """Read and validate a sweep file (checks that need the base scenario come later).

    Args:
        path: The sweep YAML file.

    Returns:
        The validated spec.

    Raises:
        ScenarioError: The file is missing or invalid: one line naming file, key, value and
            what is allowed.
    """
    return load(path, SweepSpec)


def is_sweep(data: Mapping[str, Any]) -> bool:
    """Tell whether data read from a YAML file is a sweep (top-level ``parameters`` or ``design``).

    No scenario has either key. Lets ``partnersim validate`` pick each file's schema from the
    data it has read once.
    """
    return "parameters" in data or "design" in data


def relative_file(name: str, source: StrPath | None) -> Path:
    """Return a file named in a sweep or decision file, relative to that file's folder.

    Args:
        name: The path as written in the file.
        source: The file, or None for a spec built in Python (then the working folder).
    """
    folder = Path(source).parent if source is not None else Path()
    return folder / name
