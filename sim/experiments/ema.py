"""partnersim as an EMA Workbench model, for people who already run experiments there.

EMA Workbench (Kwakkel 2017, doi:10.1016/j.envsoft.2017.06.054) describes a model by its
uncertainties (parameters with ranges), its outcomes and a Python function that maps the one
to the other; its samplers, evaluators (sequential, multiprocessing, MPI) and analyses (PRIM,
CART, feature scoring) then work on any such model. :func:`ema_model` wraps partnersim that way:

* each uncertainty is a scenario key with a range, written as in sweep files: a dot path,
  list items by index (``cities.0.annual_budget``, ``time.election_interval``); the function
  applies the sampled values to the base scenario, validates it, runs :func:`sim.runs.runner.run`
  and returns the chosen metrics at the last step as outcomes;
* EMA names must be Python identifiers, so each key gets a name by :func:`ema_name`, every
  ``.`` becoming ``__`` (``cities.0.annual_budget`` is ``cities__0__annual_budget``), and the
  parameter's ``variable_name`` keeps the key: EMA's experiment table has a column per name,
  and the model function receives the keys;
* bounds given as two Python integers make an ``IntegerParameter`` (EMA's own rule), any
  other bounds a ``RealParameter``; a key whose base value is a whole number needs integer
  bounds.

EMA Workbench is the optional ``discovery`` extra; :func:`require_ema` imports it (or one of
its modules) and says how to install it when it is missing.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ema_workbench import Model, ReplicatorModel

    from sim.scenario.schema import Scenario

INSTALL_HINT = (
    "install the discovery extra: uv sync --extra discovery "
    "(or pip install 'partnersim[discovery]')"
)
"""How to get EMA Workbench, for the message when it is missing."""

_IMPORT_NOISE: tuple[tuple[str, type[Warning]], ...] = (
    ("ipyparallel not installed", UserWarning),
    ("altair based interactive inspection not available", ImportWarning),
)
"""Warnings EMA Workbench gives on import about optional back ends this package does not use."""


def require_ema(module: str = "") -> ModuleType:
    """Import EMA Workbench or one of its modules, with a clear message when it is missing.

    Args:
        module: A module inside the package, e.g. ``"analysis.prim"`` ("" for the package).

    Returns:
        The module.

    Raises:
        ImportError: EMA Workbench (or a library it needs) is not installed; the message says
            how to install the extra.
    """
    name = f"ema_workbench.{module}" if module else "ema_workbench"
    with quiet():
        try:
            return importlib.import_module(name)
        except ImportError as err:
            raise ImportError(f"EMA Workbench is not available ({err}); {INSTALL_HINT}") from err


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence EMA Workbench's own warnings while it imports or runs.

    Those are its notes on optional back ends it lacks (ipyparallel, altair) and the pandas
    deprecations its code triggers (e.g. ``inplace=`` under pandas 3); warnings raised from
    any other module, this package's included, still show.
    """
    with warnings.catch_warnings():
        for message, category in _IMPORT_NOISE:
            warnings.filterwarnings("ignore", message=message, category=category)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ema_workbench\.")
        yield


def ema_name(key: str) -> str:
    """Return the EMA parameter name of a scenario key (a dot path).

    Args:
        key: Dot path into the scenario, list items by index, e.g. ``cities.0.annual_budget``
            (the keys of sweep files, :func:`sim.experiments.plan.check_key`).

    Returns:
        A Python identifier: every ``.`` becomes ``__``, e.g. ``cities__0__annual_budget``.

    Raises:
        ValueError: The key does not give an identifier (e.g. it has spaces).
    """
    name = key.replace(".", "__")
    if not name.isidentifier():
        raise ValueError(
            f"key {key!r} gives {name!r}, not an identifier; allowed: names of letters, digits "
            "and underscores joined by dots"
        )
    return name


class ScenarioFunction:
    """The model function EMA calls: values by scenario key in, end-of-run metrics out.

    A class rather than a closure so that EMA's multiprocessing evaluator can pickle it.

    Args:
        base: The base scenario, ``Scenario.model_dump(mode="json")``.
        integers: Keys whose values are whole numbers (EMA hands NumPy scalars over).
        outcomes: Metric names to return.
        steps: Steps to run (None: the scenario's).
    """

    def __init__(
        self,
        base: dict[str, Any],
        integers: Sequence[str],
        outcomes: Sequence[str],
        steps: int | None,
    ):
        self.base = base
        self.integers = frozenset(integers)
        self.outcomes = tuple(outcomes)
        self.steps = steps

    def __call__(self, seed: int = 0, **values: Any) -> dict[str, float]:
        """Run the base scenario with ``values`` (by key) applied; return the outcomes."""
        from sim.runs.runner import as_scenario, run
        from sim.scenario.keypaths import with_values

        changes = {
            key: int(value) if key in self.integers else float(value)
            for key, value in values.items()
        }
        scenario = as_scenario(with_values(self.base, changes))
        final = run(scenario, seed=int(seed), steps=self.steps).final()
        return {name: float(final[name]) for name in self.outcomes}


def ema_model(
    base_scenario: Scenario | str | Path | dict[str, Any],
    uncertainties: Mapping[str, tuple[float, float]],
    outcomes: Sequence[str],
    *,
    name: str = "partnersim",
    seeds: Sequence[int] = (0,),
    steps: int | None = None,
) -> Model | ReplicatorModel:
    """Return partnersim as an EMA Workbench model.

    Args:
        base_scenario: The scenario the uncertainties vary (a Scenario, a YAML path or a
            mapping).
        uncertainties: Range ``(low, high)`` by scenario key (dot path); two ints make an
            integer parameter.
        outcomes: Metric names (:data:`sim.model.metrics.METRICS`), returned at the last step.
        name: EMA's model name (an identifier).
        seeds: Run seeds, the same for every experiment (common random numbers). One seed
            gives a ``Model`` run once per experiment; several give a ``ReplicatorModel``
            run once per seed, whose outcomes are the means over the seeds.
        steps: Steps per run (default: the scenario's ``time.steps``).

    Returns:
        The model, with its uncertainties (named by :func:`ema_name`, ``variable_name`` the
        key) and scalar outcomes set.

    Raises:
        ValueError: An outcome is not a metric, a key gives no identifier, or no seed is
            given.
        sim.scenario.errors.ScenarioError: The base scenario is invalid, or a key does not lead to a
            number in it (or to a whole number while its bounds are not integers).
        ImportError: EMA Workbench is not installed.
    """
    from sim.experiments.plan import check_key
    from sim.model.metrics import METRICS
    from sim.runs.runner import as_scenario

    ema = require_ema()
    unknown = [outcome for outcome in outcomes if outcome not in METRICS]
    if unknown:
        raise ValueError(f"not metrics: {', '.join(unknown)}; allowed: {', '.join(METRICS)}")
    if not seeds:
        raise ValueError("seeds: give at least one run seed")
    base = as_scenario(base_scenario).model_dump(mode="json")
    integers = [key for key, bounds in uncertainties.items() if _whole(bounds)]
    parameters = []
    for key, (low, high) in uncertainties.items():
        check_key(base, key, integer=key in integers, where="uncertainties")
        kind = ema.IntegerParameter if key in integers else ema.RealParameter
        parameters.append(kind(ema_name(key), low, high, variable_name=key))
    function = ScenarioFunction(base, integers, outcomes, steps)
    if len(seeds) == 1:
        model = ema.Model(name, function=function)
        model.constants = [ema.Constant("seed", int(seeds[0]))]
        model.outcomes = [ema.ScalarOutcome(outcome) for outcome in outcomes]
    else:
        import numpy as np

        model = ema.ReplicatorModel(name, function=function)
        model.replications = [{"seed": int(seed)} for seed in seeds]
        model.outcomes = [ema.ScalarOutcome(outcome, function=np.mean) for outcome in outcomes]
    model.uncertainties = parameters
    return model


def _whole(bounds: tuple[float, float]) -> bool:
    """Whether both bounds are Python integers (EMA's rule for an integer parameter)."""
    return all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
