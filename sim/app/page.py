"""The interactive app: a page for exploring one scenario in the browser, built on Mesa's parts.

``partnersim app [SCENARIO]`` (:mod:`sim.cli.app`) serves :func:`Page` with Solara. The page
starts from the scenario file named by :data:`sim.app.launch.ENV_SCENARIO`. The sidebar holds
Mesa's play, step and reset (:func:`mesa.visualization.solara_viz.ModelController`), how many
quarters a Step click runs, and one control per lever of :data:`sim.app.explorer.LEVERS` plus
the seed, each showing its value in plain units (M EUR, years); moved controls take effect on
Reset. Mesa's own SolaraViz sidebar is not used: its controls for programmers ("Use Threads",
"Play Interval", "Time: 40.0") mean nothing to a planner. The main area shows live charts
(:data:`sim.app.figures.CHARTS`) with a band over several seeds, the partner network as it
grows, and a panel with the run's progress, the settings it uses and a field to save them as a
scenario file. Solara's "This website runs on Solara" badge, which covered the page's text,
is hidden (:data:`STYLE`); the page's front-end files come from this machine
(:mod:`sim.app.assets`), so it works offline.

Run it without the command line with ``solara run sim.app.page`` (the scenario from the
environment, default ``scenarios/base.yaml``).
"""

from __future__ import annotations

import os
from pathlib import Path

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.app import figures as app_figures
from sim.app.explorer import BAND_SEEDS, LEVERS, ExplorerModel, controls, save_settings
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
PLAY_MS = 100
"""Pause between steps while playing (milliseconds)."""
STEPS_PER_CLICK = 20
"""Most quarters one Step click may run."""

STYLE = """
.solara-footer, .v-footer, div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
"""
"""The page's own CSS: hides Solara's badge ("This website runs on Solara"), which sat over
the run panel's text."""

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
        scale, unit = display_unit(METRICS[name].unit, share=METRICS[name].share)
        value = float(latest[name]) / scale
        if unit == "pilots":
            lines.append(f"{label}: {value:,.0f}")
        elif unit == "share":
            lines.append(f"{label}: {value:,.2f} (0 to 1)")
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
        band=[run.datacollector.get_model_vars_dataframe() for run in model.companions],
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
    solara.Text(
        f"Lines: the run with this seed. Shaded: the range of {BAND_SEEDS + 1} runs with this "
        f"seed and the next {BAND_SEEDS}, the same settings otherwise.",
        style=LINE,
    )


def with_value(label: str, value: object) -> str:
    """Return a control's label with its current value: "budget per city, M EUR/yr: 20"."""
    return f"{label}: {shown(value)}"


@solara.component
def LeverControls(specs: dict, parameters: solara.Reactive[dict]):
    """One control per lever and the seed, each labelled with its current value.

    Args:
        specs: The controls (:func:`sim.app.explorer.controls`): fixed values and, per lever, a
            dict with type, label, value and range.
        parameters: The model's keyword arguments on the next Reset, updated as controls move.
    """
    for name, spec in specs.items():
        if not isinstance(spec, dict):
            continue
        value = parameters.value.get(name, spec["value"])

        def change(new: object, name: str = name) -> None:
            parameters.set({**parameters.value, name: new})

        if spec["type"] == "Select":
            solara.Select(spec["label"], value=value, values=spec["values"], on_value=change)
            continue
        slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
        slider(
            with_value(spec["label"], value),
            value=value,
            min=spec["min"],
            max=spec["max"],
            step=spec["step"],
            on_value=change,
            thumb_label="always",
        )


@solara.component
def Page():
    """The app: play, step and reset, the levers, and the dashboard over an ExplorerModel.

    Reset builds a new :class:`ExplorerModel` from the levers' current values (Mesa's
    ModelController); the dashboard reads the same reactive model.
    """
    source, seed = configured()
    base = solara.use_memo(lambda: load(source, Scenario), [str(source)])
    first = solara.use_memo(lambda: ExplorerModel(base, seed=seed), [base])
    model = solara.use_reactive(first)
    specs = solara.use_memo(lambda: controls(base, seed=seed), [base])
    parameters = solara.use_reactive(
        {name: spec["value"] if isinstance(spec, dict) else spec for name, spec in specs.items()}
    )
    per_click = solara.use_reactive(1)
    solara.Title(f"partnersim: {base.name}")
    solara.Style(STYLE)
    with solara.AppBar():
        solara.AppBarTitle(f"partnersim: {base.name}")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            solara.SliderInt(
                with_value("quarters per Step click", per_click.value),
                value=per_click,
                min=1,
                max=STEPS_PER_CLICK,
                thumb_label="always",
            )
            ModelController(
                model,
                model_parameters=parameters,
                play_interval=solara.use_reactive(PLAY_MS),
                render_interval=per_click,
                use_threads=solara.use_reactive(False),
            )
        with solara.Card("Levers (apply on Reset)"):
            LeverControls(specs, parameters)
    Dashboard(model.value)
