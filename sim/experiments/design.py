"""A sweep's design as pure functions: the SALib problem, the sample, applied values and seeds.

The sample is a matrix with one row per design point, numbered in the sampler's order (the
analysis of Sobol' and Morris designs relies on that order), and one column per parameter
holding the value as the sampler produced it. The value *applied* to a run can differ:

* ``integer: true`` parameters are sampled on ``[low, high + 1)`` and applied as
  ``floor(value)`` (capped at ``high``), so each whole number is equally likely;
* ``values: [...]`` parameters are sampled on ``[0, n)`` and applied as ``values[floor(value)]``
  (the same rule, over the levels' indices), except in a grid, where each value is its own
  sample when all are numbers and its index otherwise;
* a grid spaces ``design.levels`` points evenly from low to high (rounded if ``integer``).

Run ``r`` is replicate ``r mod replicates`` of point ``r div replicates``. Its seed is the
first 32-bit word of a child of ``numpy.random.SeedSequence(seed)``: child ``replicate`` with
common random numbers (replicate k has the same seed at every point), child ``r`` with
independent seeds. The samplers' own seed is the root's first word, distinct from every child.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.spec import GridDesign, Level, MorrisDesign, Parameter, SobolDesign, SweepSpec

APPLIED_SUFFIX = ":applied"
"""Suffix of a points-table column holding a parameter's applied value beside its sample."""


@dataclass(frozen=True)
class Design:
    """The points of a sweep.

    Attributes:
        method: grid, lhs, sobol or morris.
        options: The sampler's options as recorded in the manifest (``N``, ``calc_second_order``,
            ``levels``, ``num_trajectories``, ``seed``).
        problem: The SALib problem: ``num_vars``, ``names`` (parameter keys), ``bounds``.
        samples: One row per point, one column per parameter, as sampled (float).
        applied: One tuple per point of the values applied to its runs.
    """

    method: str
    options: dict[str, Any]
    problem: dict[str, Any]
    samples: np.ndarray
    applied: list[tuple[Level, ...]]

    @property
    def points(self) -> int:
        """Number of design points."""
        return len(self.samples)


def design_seed(seed: int) -> int:
    """Return the samplers' seed: the first 32-bit word of ``SeedSequence(seed)``."""
    return int(np.random.SeedSequence(seed).generate_state(1)[0])


def run_seed(seed: int, child: int) -> int:
    """Return the seed of child ``child`` of ``SeedSequence(seed)`` (its first 32-bit word).

    Equal to ``SeedSequence(seed).spawn(child + 1)[child].generate_state(1)[0]``, without
    spawning the children before it.
    """
    return int(np.random.SeedSequence(seed, spawn_key=(child,)).generate_state(1)[0])


def seed_child(spec: SweepSpec, point: int, replicate: int) -> int:
    """Return which child of the base seed a run uses (see the module docstring)."""
    if spec.seeds == "common":
        return replicate
    return point * spec.replicates + replicate


def problem(spec: SweepSpec) -> dict[str, Any]:
    """Return the SALib problem of a spec: the sampled range of each parameter.

    Bounds are ``[low, high]``, or ``[low, high + 1]`` for whole numbers; values are indices on
    ``[0, n]``. In a grid, values' range is their smallest and largest (numbers) or their
    indices ``[0, n - 1]``.
    """
    grid = isinstance(spec.design, GridDesign)
    return {
        "num_vars": len(spec.parameters),
        "names": [p.key for p in spec.parameters],
        "bounds": [sampled_range(p, grid=grid) for p in spec.parameters],
    }


def sampled_range(parameter: Parameter, *, grid: bool) -> list[float]:
    """Return the range a parameter is sampled on; :func:`apply` maps a sample to its value.

    See :func:`problem` for the rule.
    """
    if parameter.bounds is not None:
        low, high = parameter.bounds
        return [float(low), float(high + (1 if parameter.integer and not grid else 0))]
    values = parameter.values or []
    if grid and parameter.numeric_values:
        return [float(min(values)), float(max(values))]  # type: ignore[type-var]
    return [0.0, float(len(values) - (1 if grid else 0))]


def build_design(spec: SweepSpec) -> Design:
    """Sample the design points of a spec with SALib (or enumerate the grid).

    Args:
        spec: The sweep.

    Returns:
        The :class:`Design`.
    """
    design = spec.design
    salib_problem = problem(spec)
    sampled = dict(salib_problem)  # SALib's samplers add keys to the problem they are given
    seed = design_seed(spec.seed)
    if isinstance(design, GridDesign):
        samples = _grid(spec.parameters, design.levels)
        options: dict[str, Any] = {"levels": design.levels}
    elif isinstance(design, SobolDesign):
        from SALib.sample import sobol

        samples = sobol.sample(
            sampled, design.samples, calc_second_order=design.calc_second_order, seed=seed
        )
        options = {
            "N": design.samples,
            "calc_second_order": design.calc_second_order,
            "seed": seed,
        }
    elif isinstance(design, MorrisDesign):
        from SALib.sample import morris

        samples = morris.sample(sampled, design.trajectories, num_levels=design.levels, seed=seed)
        options = {
            "N": design.trajectories,
            "num_trajectories": design.trajectories,
            "levels": design.levels,
            "seed": seed,
        }
    else:
        from SALib.sample import latin

        samples = latin.sample(sampled, design.samples, seed=seed)
        options = {"N": design.samples, "seed": seed}
    grid = isinstance(design, GridDesign)
    applied = [
        tuple(apply(p, float(v), grid=grid) for p, v in zip(spec.parameters, row, strict=True))
        for row in samples
    ]
    return Design(
        method=design.method,
        options=options,
        problem=salib_problem,
        samples=np.asarray(samples, dtype=float),
        applied=applied,
    )


def _grid(parameters: list[Parameter], levels: int | None) -> np.ndarray:
    """Every combination of each parameter's grid values, the last varying fastest."""
    axes = []
    for p in parameters:
        if p.bounds is not None:
            axes.append(np.linspace(p.bounds[0], p.bounds[1], levels or 0))
        elif p.numeric_values:
            axes.append(np.asarray(p.values, dtype=float))
        else:
            axes.append(np.arange(len(p.values or []), dtype=float))
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(parameters))


def apply(parameter: Parameter, value: float, *, grid: bool) -> Level:
    """Return the value a run gets for a parameter from its sampled ``value``.

    Args:
        parameter: The parameter.
        value: The sampled value (see :func:`problem` for its range).
        grid: Whether the value comes from a grid (values are then taken as they are).

    Returns:
        A float, a whole number, or one of the parameter's values.
    """
    if parameter.bounds is not None:
        if not parameter.integer:
            return value
        if grid:
            return round(value)
        return min(math.floor(value), round(parameter.bounds[1]))
    values = parameter.values or []
    if grid and parameter.numeric_values:
        return values[[float(v) for v in values].index(value)]
    return values[min(math.floor(value), len(values) - 1)]


def has_applied_column(parameter: Parameter, *, grid: bool) -> bool:
    """Whether the applied value can differ from the sample, so the points table shows both."""
    if parameter.bounds is not None:
        return parameter.integer
    return not (grid and parameter.numeric_values)


def points_table(spec: SweepSpec, design: Design) -> pd.DataFrame:
    """Return the points table: one row per design point, in the sampler's order.

    Columns: ``point``, each parameter's sample (float) by key and, for parameters whose
    applied value can differ from the sample (:func:`has_applied_column`), ``<key>:applied``.
    """
    grid = isinstance(spec.design, GridDesign)
    table = pd.DataFrame({"point": np.arange(design.points, dtype="int64")})
    for i, parameter in enumerate(spec.parameters):
        table[parameter.key] = design.samples[:, i]
        if has_applied_column(parameter, grid=grid):
            table[parameter.key + APPLIED_SUFFIX] = [row[i] for row in design.applied]
    return table
