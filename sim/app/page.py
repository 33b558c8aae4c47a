"""The interactive app: a Mesa SolaraViz page for exploring one scenario in the browser.

``partnersim app [SCENARIO]`` (:mod:`sim.cli.app`) serves :func:`Page` with Solara. The page
starts from the scenario file named by :data:`sim.app.launch.ENV_SCENARIO`. SolaraViz's sidebar
holds play, step and reset and one control per lever of :data:`sim.app.explorer.LEVERS` plus the
seed; moved controls take effect on Reset, as everywhere in SolaraViz. The main area shows live
charts (:data:`sim.app.figures.CHARTS`), the partner network as it grows, and a panel with the
run's progress, the settings it uses and a field to save them as a scenario file.

Run it without the command line with ``solara run sim.app.page`` (the scenario from the
environment, default ``scenarios/base.yaml``).
"""

from __future__ import annotations

import os
from pathlib import Path

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.app import figures as app_figures
from sim.app.explorer import LEVERS, ExplorerModel, controls, save_settings
from sim.app.launch import DEFAULT_SAVE_DIR, DEFAULT_SCENARIO, ENV_SAVE_DIR, ENV_SCENARIO, ENV_SEED
from sim.model.metrics import METRICS
from sim.outputs.style import display_unit
from sim.runs.outdir import safe_name
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load
from sim.scenario.schema import Scenario

FIGURE_DPI = 110
"""Resolution of the page's figures (pixels per inch)."""
HEADING = {"font-weight": "bold", "font-size": "15px"}
LINE = {"font-size": "14px"}

READOUT: dict[str, str] = {
    "pilots_proposed": "pilots proposed",
    "pilots_active": "pilots running now",
    "pilots_succeeded": "pilots succeeded",
    "pilots_cancelled": "pilots cancelled (at any stage)",
    "public_spend": "public spend (net)",
    "private_capital": "firms' money in pilots",
    "fund_balance": "revolving fund balance",
    "trust_org_mean": "mean trust between organisations",
}
"""Metrics the run panel shows as text at the current step, with their labels. Cancellations,
mostly of pilots that found no consortium or deal, are here rather than in the pilots chart,
which they would dwarf."""


def configured() -> tuple[Path, int]:
    """Return the scenario file and seed the page starts from (from the environment)."""
    return Path(os.environ.get(ENV_SCENARIO, DEFAULT_SCENARIO)), int(os.environ.get(ENV_SEED, "0"))


def save_folder() -> Path:
    """Return the folder the page saves settings into, and nowhere else (from the environment)."""
    return Path(os.environ.get(ENV_SAVE_DIR, DEFAULT_SAVE_DIR))


def default_save_name(scenario: Scenario) -> str:
    """Return the file name the page offers for settings: ``<name>-settings.yaml``."""
    return f"{safe_name(scenario.name)}-settings.yaml"


def readout(model: ExplorerModel) -> list[str]:
    """Return the run panel's lines: the step, then each metric of :data:`READOUT` now."""
    time = model.config.time
    lines = [
        f"Step {model.steps} of {time.steps} "
        f"(year {model.steps / time.steps_per_year:.2f} of {time.steps / time.steps_per_year:g})"
    ]
    latest = model.datacollector.get_model_vars_dataframe().iloc[-1]
    for name, label in READOUT.items():
        scale, unit = display_unit(METRICS[name].unit)
        value = float(latest[name]) / scale
        if unit in ("pilots", "dimensionless"):
            lines.append(f"{label}: {value:,.{0 if unit == 'pilots' else 2}f}")
        else:
            lines.append(f"{label}: {value:,.2f} {unit}")
    return lines


def settings_text(model: ExplorerModel) -> list[str]:
    """Return one line per lever: its label and the value this run uses, then the seed."""
    lines = [f"{lever.label}: {shown(model.levers[lever.name])}" for lever in LEVERS]
    per_year = model.config.time.steps_per_year
    return [*lines, f"seed: {model.seed}", f"({per_year} steps = 1 year)"]


def shown(value: object) -> str:
    """Return a lever value as text: numbers without float noise (15, 0.35), names as they are."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


@solara.component
def ChartView(model: ExplorerModel, name: str):
    """One live chart of :data:`sim.app.figures.CHARTS`."""
    update_counter.get()
    time = model.config.time
    fig = app_figures.plot_series(
        model.datacollector.get_model_vars_dataframe(),
        app_figures.CHARTS[name],
        steps_per_year=time.steps_per_year,
        horizon=time.steps,
    )
    solara.FigureMatplotlib(fig, format="png", dpi=FIGURE_DPI)


@solara.component
def NetworkView(model: ExplorerModel):
    """The partner network, laid out afresh for each model and grown step by step."""
    update_counter.get()
    layout = solara.use_memo(app_figures.NetworkLayout, [model])
    nodes, edges = app_figures.network_tables(model.network, model.population.sector)
    fig = app_figures.plot_network(
        nodes, edges, layout.update(nodes, edges), organisations=len(model.orgs)
    )
    solara.FigureMatplotlib(fig, format="png", dpi=FIGURE_DPI)


@solara.component
def RunPanel(model: ExplorerModel):
    """The run's progress and latest metrics, the settings it uses, and saving them."""
    update_counter.get()
    source, _ = configured()
    folder = save_folder()
    path = solara.use_reactive(default_save_name(model.base))
    message = solara.use_reactive(("", ""))

    def save() -> None:
        try:
            saved = save_settings(
                model.base, model.levers, path.value, folder=folder, source=source
            )
        except ScenarioError as err:
            message.set(("error", str(err)))
            return
        message.set(("success", f"saved {folder / path.value} (scenario {saved.name!r})"))

    with solara.Columns([1, 1]):
        with solara.Column(gap="2px", classes=["partnersim-readout"]):
            solara.Text(f"{model.base.name} from {source}", style=HEADING)
            for line in readout(model):
                solara.Text(line, style=LINE)
        with solara.Column(gap="2px"):
            solara.Text("Settings of this run (moved controls apply on Reset)", style=HEADING)
            for line in settings_text(model):
                solara.Text(line, style=LINE)
    with solara.Row(style={"align-items": "center"}):
        solara.InputText(
            f"save settings to (YAML file in {folder})", value=path, continuous_update=True
        )
        solara.Button("Save settings", color="primary", on_click=save)
    kind, text = message.value
    if kind == "error":
        solara.Error(text)
    elif kind == "success":
        solara.Success(text)


@solara.component
def Dashboard(model: ExplorerModel):
    """The main area: three charts beside the network, a fourth and the run panel.

    Each card carries a ``partnersim-<name>`` class, for tests and styles to find it.
    """

    def chart_card(name: str) -> None:
        with solara.Card(margin=0, classes=[f"partnersim-{name}"]):
            ChartView(model, name)

    with solara.Columns([1, 1]):
        with solara.Column():
            chart_card("pilots")
            chart_card("capital")
            chart_card("trust")
        with solara.Column():
            with solara.Card(margin=0, classes=["partnersim-network"]):
                NetworkView(model)
            chart_card("money")
            with solara.Card("This run", margin=0, classes=["partnersim-run"]):
                RunPanel(model)
    solara.Div(style={"height": "48px"})  # room to scroll the last card above Solara's footer


@solara.component
def Page():
    """The app: SolaraViz's controls over an :class:`ExplorerModel`, and the dashboard.

    SolaraViz gets the model as a reactive value it replaces on Reset; the dashboard reads
    the same value. The dashboard is laid out here rather than passed to SolaraViz as
    components, whose draggable grid does not render with ipyvue 3 (mesa/mesa#3806).
    """
    source, seed = configured()
    base = solara.use_memo(lambda: load(source, Scenario), [str(source)])
    first = solara.use_memo(lambda: ExplorerModel(base, seed=seed), [base])
    model = solara.use_reactive(first)
    solara.Title(f"partnersim: {base.name}")
    SolaraViz(
        model,
        components=[],
        model_params=controls(base, seed=seed),
        name=f"partnersim: {base.name}",
    )
    Dashboard(model.value)
