"""What the interactive app controls: its levers, the model it builds, and saving its settings.

The app (:mod:`sim.app.page`) starts from a scenario file and lets a planner move a few levers.
Everything it needs to know about them lives in one table, :data:`LEVERS`: each lever's key path
in the scenario, how its control shows the value (a slider in M EUR, a choice of instruments),
and its range. The same table builds the page's controls (:func:`controls`), the scenario a run
uses (:func:`apply_levers`, through :class:`ExplorerModel`) and the file the page saves
(:func:`save_settings`), so what a planner explores is exactly what ``partnersim run`` runs on the
saved file.

A lever left at the file's value changes nothing; a per-city lever (``cities[].key``) shows the
first city's value and, once moved, sets every city.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim.finance.instruments import INSTRUMENTS
from sim.model.model import PartnershipModel
from sim.model.partnership import MODELS
from sim.runs.outdir import OutputError, inside
from sim.scenario.errors import ScenarioError
from sim.scenario.files import StrPath, dump, load, validate_data
from sim.scenario.keypaths import expand, value_at, with_values
from sim.scenario.schema import Scenario

type Kind = Literal["number", "integer", "choice", "instruments"]

INSTRUMENT_JOIN = " + "
"""How a mix of instruments is written as one choice (in the order financing tries them)."""

DECIMALS = 6
"""Decimals a slider's value keeps in the scenario (drops float noise such as 20.1 * 1e6)."""

SEED_MAX = 99
"""Largest seed the page's seed slider offers (unless the app starts from a larger one)."""

BAND_SEEDS = 4
"""Runs beside the shown one, with the next seeds, whose range the charts draw as a band."""


def _stable_erosion(scenario: Scenario) -> float:
    """Return the largest erosion ratio keeping trust in [0, 1]: l_plus * r * (1 + xi) <= 1."""
    return 1.0 / (scenario.trust.l_plus * (1.0 + scenario.trust.xi))


@dataclass(frozen=True)
class Lever:
    """One control of the app and the scenario key it sets.

    Attributes:
        name: Keyword of :class:`ExplorerModel` and key of the page's model parameters.
        label: Text beside the control, with its unit (short: the sidebar is narrow).
        path: Key path in the scenario, as in ``docs/parameters.md``; ``cities[]`` means every
            city (the control shows the first city's value).
        kind: "number" or "integer" for a slider, "choice" for one of ``choices``,
            "instruments" for a choice of finance instruments (single, or the file's own mix).
        scale: Scenario units per control unit (1e6: the control shows M EUR).
        per_year: Whether the control shows years of a scenario value in steps (the scale is
            then the scenario's ``time.steps_per_year``).
        low: Smallest slider value, in control units.
        high: Largest slider value, in control units (raised to the file's value if above).
        step: Slider increment, in control units.
        choices: The allowed values of a "choice" lever (the single instruments for "instruments").
        limit: A scenario-dependent cap on ``high`` (a cross-field rule of the schema).
    """

    name: str
    label: str
    path: str
    kind: Kind
    scale: float = 1.0
    per_year: bool = False
    low: float = 0.0
    high: float = 1.0
    step: float = 1
    choices: tuple[str, ...] = ()
    limit: Callable[[Scenario], float] | None = None


LEVERS: tuple[Lever, ...] = (
    Lever(
        "instrument",
        "finance instrument",
        "finance.instruments",
        "instruments",
        choices=tuple(INSTRUMENTS),
    ),
    Lever(
        "annual_budget",
        "budget per city, M EUR/yr",
        "cities[].annual_budget",
        "number",
        scale=1e6,
        high=40.0,
        step=0.1,
    ),
    Lever(
        "erosion_ratio",
        "trust erosion / building",
        "trust.erosion_ratio",
        "number",
        low=1.0,
        high=9.0,
        step=0.1,
        limit=_stable_erosion,
    ),
    Lever(
        "procurement_flexibility",
        "procurement flexibility",
        "cities[].procurement_flexibility",
        "number",
        step=0.05,
    ),
    Lever(
        "election_interval",
        "election cycle, years",
        "time.election_interval",
        "number",
        per_year=True,
        low=0.25,
        high=10.0,
        step=0.25,
    ),
    Lever(
        "partnership_model",
        "partnership model (Smart Cities Index type A-E)",
        "partnership.model",
        "choice",
        choices=tuple(MODELS),
    ),
)
"""The app's levers: the one table controls, model construction and saving read."""

LEVERS_BY_NAME: dict[str, Lever] = {lever.name: lever for lever in LEVERS}


# ------------------------------------------------------------------------------ values


def scale_of(lever: Lever, scenario: Scenario) -> float:
    """Return the scenario units per control unit of a lever in a scenario."""
    return scenario.time.steps_per_year if lever.per_year else lever.scale


def to_control(lever: Lever, value: Any, scenario: Scenario) -> Any:
    """Return a scenario value as its control shows it (M EUR, years, an instrument mix)."""
    if lever.kind == "instruments":
        return INSTRUMENT_JOIN.join(value)
    if lever.kind in ("number", "integer"):
        shown = value / scale_of(lever, scenario)
        return int(shown) if lever.kind == "integer" else float(shown)
    return value


def to_scenario(lever: Lever, value: Any, scenario: Scenario) -> Any:
    """Return a control's value in the scenario's units and shape (the inverse of to_control).

    A value in years of a whole-step field is rounded to whole steps.
    """
    if lever.kind == "instruments":
        return value.split(INSTRUMENT_JOIN)
    if lever.kind == "choice":
        return value
    scaled = float(value) * scale_of(lever, scenario)
    return round(scaled) if lever.kind == "integer" or lever.per_year else round(scaled, DECIMALS)


def lever_values(scenario: Scenario) -> dict[str, Any]:
    """Return every lever's value in a scenario, in control units."""
    data = scenario.model_dump()
    first = {lever.name: expand(data, lever.path)[0] for lever in LEVERS}  # cities[]: the first
    return {
        lever.name: to_control(lever, value_at(data, first[lever.name]), scenario)
        for lever in LEVERS
    }


def changed(scenario: Scenario, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the levers whose value differs from the scenario's, in control units.

    Raises:
        ScenarioError: A name is not a lever.
    """
    unknown = [name for name in values if name not in LEVERS_BY_NAME]
    if unknown:
        raise ScenarioError(
            "unknown lever", key=unknown[0], allowed=f"one of {', '.join(LEVERS_BY_NAME)}"
        )
    current = lever_values(scenario)
    return {name: value for name, value in values.items() if value != current[name]}


def apply_levers(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """Return the scenario with the levers set to ``values`` (control units), validated.

    Levers not in ``values``, or equal to the scenario's value, leave it unchanged.

    Args:
        scenario: The scenario the app started from.
        values: Lever values by lever name, in control units.

    Returns:
        The new scenario (the same object when nothing changes).

    Raises:
        ScenarioError: A name is not a lever, or a value is not allowed at its key.
    """
    moved = changed(scenario, values)
    if not moved:
        return scenario
    data = scenario.model_dump()
    changes = {
        path: to_scenario(LEVERS_BY_NAME[name], value, scenario)
        for name, value in moved.items()
        for path in expand(data, LEVERS_BY_NAME[name].path)
    }
    return validate_data(with_values(data, changes), Scenario, source=None)


# ------------------------------------------------------------------------------ controls


def controls(scenario: Scenario, *, seed: int = 0) -> dict[str, Any]:
    """Return the page's model parameters: one control per lever, the seed, and the scenario.

    Sliders start at the scenario's values, within the lever's range (widened to include the
    file's value, narrowed by a cross-field rule); choices offer the allowed values, and for
    instruments also the file's own mix.

    Args:
        scenario: The scenario the app started from (passed on as the fixed ``base``).
        seed: The seed the page starts with.

    Returns:
        Mesa SolaraViz ``model_params``: ``base`` fixed, the rest user-adjustable.
    """
    values = lever_values(scenario)
    params: dict[str, Any] = {"base": scenario}
    for lever in LEVERS:
        value = values[lever.name]
        if lever.kind in ("choice", "instruments"):
            choices = list(lever.choices)
            if value not in choices:
                choices.insert(0, value)
            params[lever.name] = {
                "type": "Select",
                "label": lever.label,
                "value": value,
                "values": choices,
            }
            continue
        high = lever.high
        if lever.limit is not None:
            steps = math.floor(lever.limit(scenario) / lever.step)
            high = min(high, round(steps * lever.step, DECIMALS))
        params[lever.name] = {
            "type": "SliderInt" if lever.kind == "integer" else "SliderFloat",
            "label": lever.label,
            "value": value,
            "min": min(lever.low, value),
            "max": max(high, value),
            "step": lever.step,
        }
    params["seed"] = {
        "type": "SliderInt",
        "label": "seed",
        "value": seed,
        "min": 0,
        "max": max(SEED_MAX, seed),
        "step": 1,
    }
    return params


# ------------------------------------------------------------------------------ the model


class ExplorerModel(PartnershipModel):
    """The partnership model of a scenario file with the app's levers applied.

    Mesa's SolaraViz re-creates the model from the page's controls on Reset, calling this class
    with one keyword per lever; a lever left at None keeps the scenario's value. The run stops
    (``running`` turns False) at the scenario's horizon, where ``partnersim run`` stops. Beside
    it run :data:`BAND_SEEDS` companions with the same settings and the next seeds, stepped
    with it, so that the charts can show how much one run owes to chance.

    Args:
        base: The scenario the app started from.
        seed: The run seed.
        instrument: Finance instruments, one name or a mix joined by " + "
            (``finance.instruments``).
        annual_budget: Innovation budget per city (M EUR/year; ``cities[].annual_budget``).
        erosion_ratio: Trust erosion rate / building rate (1; ``trust.erosion_ratio``).
        procurement_flexibility: 0 rigid to 1 agile (1; ``cities[].procurement_flexibility``).
        election_interval: Years between elections (years, rounded to whole steps;
            ``time.election_interval``).
        partnership_model: Smart Cities Index partnership type (``partnership.model``).

    Raises:
        ScenarioError: A lever value is not allowed by the schema.
    """

    def __init__(
        self,
        base: Scenario,
        *,
        seed: int = 0,
        instrument: str | None = None,
        annual_budget: float | None = None,
        erosion_ratio: float | None = None,
        procurement_flexibility: float | None = None,
        election_interval: float | None = None,
        partnership_model: str | None = None,
    ) -> None:
        given = {
            "instrument": instrument,
            "annual_budget": annual_budget,
            "erosion_ratio": erosion_ratio,
            "procurement_flexibility": procurement_flexibility,
            "election_interval": election_interval,
            "partnership_model": partnership_model,
        }
        self.base = base
        """The scenario the app started from."""
        self.levers = {**lever_values(base), **{k: v for k, v in given.items() if v is not None}}
        """Every lever's value in this run, in control units."""
        super().__init__(apply_levers(base, self.levers), seed=int(seed))
        self.companions = [
            PartnershipModel(self.config, seed=int(seed) + k) for k in range(1, BAND_SEEDS + 1)
        ]
        """Runs with the same settings and the next seeds (:data:`BAND_SEEDS`)."""

    def step(self) -> None:
        """Advance one quarter, with the companions; stop running at the scenario's horizon."""
        super().step()
        for companion in self.companions:
            companion.step()
        self.running = self.now < self.config.time.steps


# ------------------------------------------------------------------------------ saving

SAVED_SUFFIXES = (".yaml", ".yml")


def save_settings(
    base: Scenario,
    values: Mapping[str, Any],
    name: StrPath,
    *,
    folder: StrPath,
    source: StrPath | None = None,
) -> Scenario:
    """Write a scenario with the levers set to ``values`` as a fully resolved YAML file.

    The file goes into ``folder``, the folder the user chose for the app's files
    (``partnersim app --save-dir``), and nowhere else. The saved scenario is named after the
    file; its description says where it came from and which levers moved. The file is read back
    and validated before this returns, so ``partnersim run PATH`` runs exactly what the app ran.

    Args:
        base: The scenario the app started from.
        values: Lever values by lever name, in control units.
        name: The file to write (``.yaml`` or ``.yml``), relative to ``folder``; missing
            folders are created.
        folder: The folder files may be saved in.
        source: The file ``base`` was loaded from; refused as the target, so that saving
            never replaces it.

    Returns:
        The scenario as read back from the file.

    Raises:
        ScenarioError: A lever value is not allowed, the name is not a YAML file name, leads
            out of ``folder``, is the source file, or cannot be written.
    """
    try:
        path = inside(Path(folder), name)
    except OutputError as exc:
        raise ScenarioError(
            f"not a file inside the folder the app saves into ({exc})",
            path=name,
            allowed=f"a file name inside {folder}, e.g. settings.yaml",
        ) from None
    if path.suffix not in SAVED_SUFFIXES:
        raise ScenarioError(
            "not a YAML file name", path=path, allowed="a path ending in .yaml or .yml"
        )
    if source is not None and path.resolve() == Path(source).resolve():
        raise ScenarioError(
            "would replace the scenario the app started from",
            path=path,
            allowed="another file name",
        )
    moved = changed(base, values)
    summary = ", ".join(f"{name} = {value}" for name, value in moved.items()) or "no lever moved"
    origin = f"{source} ({base.name})" if source is not None else base.name
    scenario = apply_levers(base, values).override(
        {"name": path.stem, "description": f"Saved by partnersim app from {origin}: {summary}."}
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        dump(scenario, path)
    except OSError as exc:
        raise ScenarioError(f"cannot write file ({exc.strerror})", path=path) from exc
    return load(path, Scenario)
