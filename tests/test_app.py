"""The interactive app without a browser: its lever table, model adapter, saving and figures.

The browser test (``tests/test_app_browser.py``) drives the served page; here every piece it
is built from is checked on its own: the levers set exactly the scenario keys they name, the
adapter with the file's values runs exactly what ``sim.run`` runs, saved settings round-trip,
and the figures draw what the tables hold.
"""

import inspect
import re
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import BASE, ROOT
from matplotlib.collections import PathCollection

from sim.app import figures as app_figures
from sim.app.explorer import (
    LEVERS,
    ExplorerModel,
    apply_levers,
    changed,
    controls,
    lever_values,
    save_settings,
)
from sim.cli.app import free_port, is_loopback
from sim.cli.main import main
from sim.model.network import PartnerNetwork
from sim.runs.runner import collect, run
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load
from sim.scenario.schema import Scenario

FINANCE = ROOT / "scenarios" / "finance"


@pytest.fixture(scope="module")
def base() -> Scenario:
    return load(BASE, Scenario)


def run_explorer(model: ExplorerModel) -> pd.DataFrame:
    """Step the adapter until it stops running; return its step table."""
    while model.running:
        model.step()
    return collect(model).tables["steps"]


# ------------------------------------------------------------------------------ the levers


def test_every_lever_is_a_keyword_of_the_model():
    params = inspect.signature(ExplorerModel.__init__).parameters
    keywords = [name for name in params if name not in ("self", "base", "seed")]
    assert keywords == [lever.name for lever in LEVERS]


def test_lever_values_read_the_files_keys(base):
    fund = load(FINANCE / "fund_and_grants.yaml", Scenario)
    assert lever_values(base) == {
        "instrument": "grant",
        "annual_budget": 20.0,
        "erosion_ratio": 3.0,
        "procurement_flexibility": 0.5,
        "election_interval": 4.0,  # years: 16 quarterly steps
        "partnership_model": "city_private",
    }
    assert lever_values(fund)["instrument"] == "revolving + grant"
    assert lever_values(fund)["annual_budget"] == 2.0


def test_moved_levers_set_their_keys_in_every_city():
    cities = load(FINANCE / "multi_city.yaml", Scenario)
    moved = apply_levers(
        cities,
        {
            "instrument": "revolving + grant",
            "annual_budget": 12.5,
            "erosion_ratio": 2.0,
            "procurement_flexibility": 0.2,
            "election_interval": 2.0,  # years
            "partnership_model": "public_private_spc",
        },
    )
    assert moved.finance.instruments == ["revolving", "grant"]
    assert [c.annual_budget for c in moved.cities] == [12.5e6, 12.5e6, 12.5e6]
    assert [c.procurement_flexibility for c in moved.cities] == [0.2, 0.2, 0.2]
    assert [c.name for c in moved.cities] == ["north", "centre", "south"]
    assert moved.trust.erosion_ratio == 2.0
    assert moved.time.election_interval == 8  # steps: 2 years of 4 quarters
    assert moved.partnership.model == "public_private_spc"
    # everything else is the file's
    assert moved.replication == cities.replication
    assert moved.time.steps == cities.time.steps


def test_levers_at_the_files_values_change_nothing(base):
    assert apply_levers(base, lever_values(base)) is base
    # a per-city lever that is not moved leaves cities with different values apart
    uneven = base.override({"cities": [{"annual_budget": 1e6}, {"annual_budget": 3e6}]})
    same = apply_levers(uneven, {**lever_values(uneven), "erosion_ratio": 4.0})
    assert [c.annual_budget for c in same.cities] == [1e6, 3e6]
    assert changed(uneven, {"annual_budget": 1.0, "erosion_ratio": 4.0}) == {"erosion_ratio": 4.0}


def test_slider_float_noise_does_not_reach_the_scenario(base):
    assert 4.1 * 1e6 != 4_100_000.0  # binary floating point
    moved = apply_levers(base, {"annual_budget": 4.1})
    assert moved.cities[0].annual_budget == 4_100_000.0


def test_bad_lever_values_and_names_are_scenario_errors(base):
    with pytest.raises(ScenarioError) as bad:
        apply_levers(base, {"procurement_flexibility": 1.5})
    assert "cities[0].procurement_flexibility: out of range; got 1.5" in str(bad.value)
    with pytest.raises(ScenarioError) as unknown:
        apply_levers(base, {"budget": 3.0})
    assert "budget: unknown lever" in str(unknown.value)
    assert "annual_budget" in str(unknown.value)


def test_controls_start_at_the_file_and_stay_valid(base):
    params = controls(base, seed=7)
    assert params["base"] is base
    assert params["seed"]["value"] == 7
    budget = params["annual_budget"]
    assert budget == {
        "type": "SliderFloat",
        "label": "budget per city, M EUR/yr",
        "value": 20.0,
        "min": 0.0,
        "max": 40.0,
        "step": 0.1,
    }
    assert params["election_interval"] == {
        "type": "SliderFloat",
        "label": "election cycle, years",
        "value": 4.0,
        "min": 0.25,
        "max": 10.0,
        "step": 0.25,
    }
    assert params["partnership_model"]["values"] == [
        "city_led",
        "city_private",
        "public_private_investment",
        "public_private_spc",
        "private_led",
    ]
    # trust.l_plus * ratio * (1 + trust.xi) <= 1 caps the slider: 0.1 * 6.6 * 1.5 = 0.99
    erosion = params["erosion_ratio"]
    assert erosion["max"] == 6.6
    apply_levers(base, {"erosion_ratio": erosion["max"]})
    with pytest.raises(ScenarioError, match="must be <= 1"):
        apply_levers(base, {"erosion_ratio": erosion["max"] + erosion["step"]})
    # a file's mix of instruments is offered besides the single instruments
    fund = controls(load(FINANCE / "fund_and_grants.yaml", Scenario))
    assert fund["instrument"]["values"][:2] == ["revolving + grant", "grant"]
    assert fund["instrument"]["value"] == "revolving + grant"


# ------------------------------------------------------------------------------ the model


def test_adapter_at_the_files_values_runs_what_sim_run_runs(base):
    expected = run(BASE, seed=3).tables["steps"]
    pd.testing.assert_frame_equal(run_explorer(ExplorerModel(base, seed=3)), expected)
    explicit = ExplorerModel(base, seed=3, **lever_values(base))
    pd.testing.assert_frame_equal(run_explorer(explicit), expected)


def test_adapter_stops_at_the_horizon(base):
    model = ExplorerModel(base.override({"time": {"steps": 3}}), seed=0)
    states = []
    for _ in range(3):
        states.append(model.running)
        model.step()
    assert states == [True, True, True]
    assert (model.running, model.steps) == (False, 3)


def test_adapter_applies_moved_levers(base):
    model = ExplorerModel(base, seed=1, annual_budget=0.0, instrument="revolving")
    assert model.config.cities[0].annual_budget == 0.0
    assert model.config.finance.instruments == ["revolving"]
    assert model.levers["annual_budget"] == 0.0
    assert model.levers["erosion_ratio"] == 3.0  # unmoved: the file's
    steps = run_explorer(model)
    assert steps["public_spend"].max() == 0.0  # no budget, no public money
    assert steps["fund_lending"].max() == 0.0  # and nothing for the fund to lend


# ------------------------------------------------------------------------------ saving


def test_saved_settings_round_trip_and_run_as_the_app_ran(base, tmp_path):
    values = {"annual_budget": 7.5, "instrument": "revolving", "election_interval": 2.0}
    saved = save_settings(base, values, "nested/explored.yaml", folder=tmp_path, source=BASE)
    path = tmp_path / "nested" / "explored.yaml"
    assert saved == load(path, Scenario)
    assert saved.name == "explored"
    assert "annual_budget = 7.5" in saved.description
    assert "election_interval = 2.0" in saved.description
    assert saved.time.election_interval == 8
    expected = apply_levers(base, values)
    assert saved.model_dump(exclude={"name", "description"}) == expected.model_dump(
        exclude={"name", "description"}
    )
    from_file = run(path, seed=2).tables["steps"].drop(columns="scenario")
    in_app = run_explorer(ExplorerModel(base, seed=2, **values)).drop(columns="scenario")
    pd.testing.assert_frame_equal(from_file, in_app)


def test_saving_refuses_bad_paths_and_writes_nothing(base, tmp_path):
    folder = tmp_path / "saves"
    folder.mkdir()
    with pytest.raises(ScenarioError) as suffix:
        save_settings(base, {}, "settings.txt", folder=folder)
    assert str(suffix.value) == (
        f"{folder / 'settings.txt'}: not a YAML file name; allowed: a path ending in .yaml or .yml"
    )
    (folder / "base.yaml").write_text("name: base\n")
    with pytest.raises(ScenarioError, match="would replace the scenario the app started from"):
        save_settings(base, {}, "base.yaml", folder=folder, source=folder / "base.yaml")
    blocker = folder / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ScenarioError, match="cannot write file"):
        save_settings(base, {}, "file/x.yaml", folder=folder)
    with pytest.raises(ScenarioError, match="out of range"):
        save_settings(base, {"procurement_flexibility": -1.0}, "bad.yaml", folder=folder)
    assert sorted(p.name for p in folder.iterdir()) == ["base.yaml", "file"]


@pytest.mark.parametrize(
    "name", ["../escaped.yaml", "/tmp/escaped.yaml", "a/../../escaped.yaml", "link/escaped.yaml"]
)
def test_saving_stays_inside_the_folder_the_user_chose(base, tmp_path, name):
    folder = tmp_path / "saves"
    folder.mkdir()
    (folder / "link").symlink_to(tmp_path)
    with pytest.raises(ScenarioError) as refused:
        save_settings(base, {}, name, folder=folder)
    message = str(refused.value)
    assert message.startswith(f"{name}: not a file inside the folder the app saves into")
    assert message.endswith(f"allowed: a file name inside {folder}, e.g. settings.yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["saves"]


# ------------------------------------------------------------------------------ figures


def small_network() -> PartnerNetwork:
    """Organisations 0-4: 0, 1 and 2 worked together twice; 3 and 4 never partnered."""
    network = PartnerNetwork(np.array([0.5, 0.4, 0.6, 0.5, 0.5]))
    network.record_collaboration([0, 1, 2])
    network.record_collaboration([0, 1])
    network._trust.update({(0, 1): 0.9, (1, 0): 0.5, (0, 2): 0.2})
    return network


def test_network_tables_hold_partners_and_mutual_trust():
    nodes, edges = app_figures.network_tables(small_network(), np.array([0, 1, 2, 3, 1]))
    assert nodes.to_dict("list") == {
        "id": [0, 1, 2],
        "sector": ["government", "firm", "academia"],
        "partners": [2, 2, 2],
    }
    trust = {(a, b): t for a, b, t in edges[["source", "target", "trust"]].itertuples(index=False)}
    assert trust == pytest.approx({(0, 1): 0.7, (0, 2): 0.4, (1, 2): 0.5})
    # 0.4: 0 trusts 2 at 0.2; 2 has never observed 0 and falls back to its generalised 0.6
    assert edges.set_index(["source", "target"])["pilots"].to_dict() == {
        (0, 1): 2,
        (0, 2): 1,
        (1, 2): 1,
    }


def test_layout_keeps_an_unchanged_network_and_grows_a_changed_one_gently(base):
    model = ExplorerModel(base, seed=0)
    for _ in range(24):
        model.step()
    nodes, edges = app_figures.network_tables(model.network, model.population.sector)
    layout = app_figures.NetworkLayout(seed=0)
    first = {k: v.copy() for k, v in layout.update(nodes, edges).items()}
    again = layout.update(nodes, edges)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    for _ in range(8):
        model.step()
    grown_nodes, grown_edges = app_figures.network_tables(model.network, model.population.sector)
    assert len(grown_edges) > len(edges)
    grown = layout.update(grown_nodes, grown_edges)
    fresh = app_figures.NetworkLayout(seed=1).update(grown_nodes, grown_edges)

    def moved(positions):
        return np.mean([np.linalg.norm(positions[k] - first[k]) for k in first])

    assert moved(grown) < moved(fresh) / 2


def test_plot_network_draws_one_dot_per_partnered_organisation():
    nodes, edges = app_figures.network_tables(small_network(), np.array([0, 1, 2, 3, 1]))
    positions = app_figures.NetworkLayout().update(nodes, edges)
    fig = app_figures.plot_network(nodes, edges, positions, organisations=5)
    ax = fig.axes[0]
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(dots) == 1 and len(dots[0].get_offsets()) == 3
    assert ax.get_title().startswith("Partner network: 3 of 5 organisations")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["government", "firm", "academia", "trust 0.2", "trust 0.5", "trust 0.8"]
    empty = app_figures.plot_network(nodes.iloc[:0], edges.iloc[:0], {}, organisations=5)
    assert "no pilot completed yet" in [t.get_text() for t in empty.axes[0].texts]


def test_plot_series_draws_each_used_column_in_display_units(base):
    model = ExplorerModel(base, seed=0)
    for _ in range(6):
        model.step()
    steps = model.datacollector.get_model_vars_dataframe()
    fig = app_figures.plot_series(
        steps, app_figures.CHARTS["capital"], steps_per_year=4, horizon=40
    )
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label()[0] != "_"]
    used = [c for c, v in steps[list(app_figures.CHARTS["capital"].series)].items() if v.any()]
    assert [line.get_label() for line in lines] == [
        app_figures.CHARTS["capital"].series[c] for c in used
    ]
    assert "fund_lending" not in used  # grants only: no fund, so no line for it
    spend = lines[0]
    assert spend.get_xdata()[-1] == 1.5  # step 6 of 4 a year
    assert spend.get_ydata()[-1] == pytest.approx(steps["public_spend"].iloc[-1] / 1e6)
    assert ax.get_ylabel() == "M EUR"
    assert ax.get_xlim() == (0.0, 10.0)


def test_plot_series_refuses_missing_columns_and_mixed_units():
    steps = pd.DataFrame({"public_spend": [0.0, 1.0], "trust_org_mean": [0.5, 0.5]})
    with pytest.raises(ValueError, match="pilots_active"):
        app_figures.plot_series(steps, app_figures.CHARTS["pilots"], steps_per_year=4, horizon=4)
    mixed = app_figures.Chart("mixed", {"public_spend": "spend", "trust_org_mean": "trust"})
    with pytest.raises(ValueError, match="one unit"):
        app_figures.plot_series(steps, mixed, steps_per_year=4, horizon=4)


# ------------------------------------------------------------------------------ the command


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("extends: missing.yaml\n", "extends: base file not found"),
        ("time:\n  steps: !!int abc\n", "time.steps: explicit tag tag:yaml.org,2002:int"),
        ("name: !!timestamp bad\n", "name: explicit tag tag:yaml.org,2002:timestamp"),
        ("a: &x [1]\nb: *x\n", "b: alias *x"),
    ],
)
def test_app_refuses_a_bad_scenario_before_serving(tmp_path, capsys, text, problem):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    assert main(["app", str(bad), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: {problem}")
    assert err.count("\n") == 1


def test_app_refuses_a_save_folder_in_the_way(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["app", str(BASE), "--port", "0", "--save-dir", str(blocker / "app")]) == 2
    assert f"{blocker} is a file" in capsys.readouterr().err


def listening(port: int) -> bool:
    """Tell whether something accepts connections on 127.0.0.1 ``port``."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_app_stops_cleanly_on_ctrl_c(tmp_path):
    """Ctrl-C (SIGINT) stops the server: exit code 0, one line, no traceback."""
    command = [sys.executable, "-m", "sim.cli.main", "app", str(BASE), "--port", "0"]
    command += ["--save-dir", str(tmp_path)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        started = process.stdout.readline() + process.stdout.readline()
        assert "press Ctrl-C to stop" in started
        port = int(re.search(r":(\d+)/", started).group(1))
        deadline = time.monotonic() + 120  # importing Solara on a busy machine
        while not listening(port):
            assert process.poll() is None and time.monotonic() < deadline, started
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Abort" not in err
    assert out.rstrip().endswith("partnersim app: stopped")


def test_app_refuses_bad_ports_and_seeds(capsys):
    assert main(["app", str(BASE), "--port", "70000"]) == 2
    assert "--port must be between 0 and 65535; got 70000" in capsys.readouterr().err
    assert main(["app", str(BASE), "--seed", "-1"]) == 2
    assert "--seed must be a non-negative integer; got -1" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", str(BASE), "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1 port {port}" in capsys.readouterr().err


def test_loopback_hosts_and_free_ports():
    assert [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.3.2.1")] == [True] * 4
    assert [is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "example.org", "::")] == [False] * 4
    assert free_port("127.0.0.1", 0) > 0


def test_the_charts_draw_the_range_of_runs_with_the_next_seeds(base):
    from sim.app.explorer import BAND_SEEDS

    model = ExplorerModel(base.override({"time": {"steps": 8}}), seed=3)
    for _ in range(8):
        model.step()
    assert [c.seed for c in model.companions] == list(range(4, 4 + BAND_SEEDS))
    steps = model.datacollector.get_model_vars_dataframe()
    frames = [c.datacollector.get_model_vars_dataframe() for c in model.companions]
    assert frames[0]["pilots_proposed"].tolist() != steps["pilots_proposed"].tolist()
    chart = app_figures.CHARTS["pilots"]
    fig = app_figures.plot_series(steps, chart, steps_per_year=4, horizon=8, band=frames)
    ax = fig.axes[0]
    bands = [c for c in ax.collections if not isinstance(c, PathCollection)]
    drawn = [column for column in chart.series if not chart.hide_zero or steps[column].any()]
    assert len(bands) == len(drawn)
    column = drawn[0]
    runs = np.vstack([steps[column], *(f[column] for f in frames)])
    (path,) = bands[0].get_paths()
    heights = path.vertices[:, 1]
    assert heights.min() == pytest.approx(runs.min()) and heights.max() == pytest.approx(runs.max())
    without = app_figures.plot_series(steps, chart, steps_per_year=4, horizon=8)
    assert not [c for c in without.axes[0].collections if not isinstance(c, PathCollection)]


def test_the_pages_front_end_files_are_on_this_machine():
    """Fails when the app's page would be blank offline: run python -m sim.app.assets."""
    from sim.app import assets

    wanted = assets.required()
    assert ("requirejs", "2.3.6") in wanted or any(name == "requirejs" for name, _ in wanted)
    assert any("solara-vuetify" in name for name, _ in wanted)
    assert assets.missing() == [], "run 'python -m sim.app.assets' (make setup does)"
    cache = assets.cache_dir()
    for name, version in wanted:
        assert assets.folder(name, version, cache).joinpath("package.json").is_file()
    vuetify = next(v for n, v in wanted if n == "@widgetti/solara-vuetify3-app")
    app = assets.folder("@widgetti/solara-vuetify3-app", vuetify, cache)
    assert (app / "dist" / "solara-vuetify-app8.min.js").stat().st_size > 100_000


def test_slider_labels_show_their_values_in_plain_units():
    from sim.app.page import with_value

    assert with_value("budget per city, M EUR/yr", 20.0) == "budget per city, M EUR/yr: 20"
    assert with_value("election cycle, years", 2.5) == "election cycle, years: 2.5"
