"""The standard figures: preparation checked with numbers, figures checked by their parts.

The step table here is made by hand (2 scenarios x 3 replicates x 3 steps) so every mean,
percentile and interval can be worked out on paper.
"""

import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from sim.outputs import plotting, style
from sim.outputs.plotting import (
    CAPITAL_SOURCES,
    END_METRICS,
    FUNNEL_STAGES,
    TIMESERIES_METRICS,
    capital_by_source,
    end_intervals,
    funnel,
    plot_capital_by_source,
    plot_end_metrics,
    plot_funnel,
    plot_timeseries,
    timeseries_bands,
    yearly_increments,
)
from sim.outputs.style import OKABE_ITO, display_unit, save_figure, scenario_colours

NAMES = ["zeta", "alpha"]  # not alphabetical: figures must keep this order, not sort it
REPS = 3
STEPS = 3
# pilots_succeeded by scenario and replicate at steps 0, 1, 2
SUCCEEDED = {
    "zeta": [[0, 1, 1], [0, 1, 2], [0, 2, 6]],
    "alpha": [[0, 0, 2], [0, 3, 4], [0, 3, 9]],
}
# public_cost_per_success in EUR at the last step: NaN while a run has no success
COST = {"zeta": [math.nan, 4e6, 8e6], "alpha": [5e6, math.nan, math.nan]}


def t_quantile(p: float, df: int) -> float:
    """Student-t quantile in closed form for 1 and 2 degrees of freedom (the tests' cases)."""
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    raise ValueError(df)


def hand_steps() -> pd.DataFrame:
    """Every column the default figures ask for, with known values."""
    columns = {
        *TIMESERIES_METRICS,
        *END_METRICS,
        *CAPITAL_SOURCES,
        *FUNNEL_STAGES,
    }
    rows = []
    for s, name in enumerate(NAMES):
        for rep in range(REPS):
            for step in range(STEPS):
                row = {"scenario": name, "seed": rep, "replicate": rep, "step": step}
                for j, column in enumerate(sorted(columns)):
                    row[column] = float((s + 1) * (rep + 1) * step + j)
                for k, stage in enumerate(FUNNEL_STAGES):
                    row[stage] = float((10 - k) * step + rep + s)
                for k, source in enumerate(CAPITAL_SOURCES):
                    row[source] = 1e6 * (k + 1) * step * (rep + 1) * (s + 1)
                row["pilots_succeeded"] = float(SUCCEEDED[name][rep][step])
                row["public_cost_per_success"] = COST[name][rep] if step == 2 else math.nan
                # no fund in zeta: its recycling multiple is never defined
                row["recycling_multiple"] = math.nan if name == "zeta" else 1.0 + rep * step
                rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def steps() -> pd.DataFrame:
    return hand_steps()


def lines_with_data(ax) -> list:
    return [line for line in ax.get_lines() if len(line.get_xdata())]


# --- preparation: numbers -------------------------------------------------------------------------


def test_timeseries_bands_mean_and_percentiles(steps):
    bands = timeseries_bands(steps, ["pilots_succeeded"], steps_per_year=2)
    assert list(pd.unique(bands["scenario"])) == NAMES
    row = bands[(bands["scenario"] == "zeta") & (bands["step"] == 2)].iloc[0]
    # values 2, 1, 6 -> sorted 1, 2, 6; 2.5 % sits at rank 0.05, 97.5 % at rank 1.95
    assert row["mean"] == pytest.approx(3.0)
    assert row["lower"] == pytest.approx(1 + 0.05 * (2 - 1))
    assert row["upper"] == pytest.approx(2 + 0.95 * (6 - 2))
    assert row["n"] == 3
    assert row["year"] == pytest.approx(1.0)
    row = bands[(bands["scenario"] == "alpha") & (bands["step"] == 1)].iloc[0]
    assert (row["mean"], row["lower"], row["upper"]) == pytest.approx((2.0, 0.15, 3.0))
    assert len(bands) == len(NAMES) * STEPS


def test_timeseries_bands_leave_out_nan_and_take_years_per_scenario(steps):
    bands = timeseries_bands(
        steps, ["public_cost_per_success"], steps_per_year={"zeta": 4, "alpha": 1}
    )
    zeta = bands[(bands["scenario"] == "zeta") & (bands["step"] == 2)].iloc[0]
    # 4e6 and 8e6 (one NaN left out): ranks 0.025 and 0.975 of two values
    assert zeta["n"] == 2
    assert (zeta["mean"], zeta["lower"], zeta["upper"]) == pytest.approx((6e6, 4.1e6, 7.9e6))
    assert zeta["year"] == pytest.approx(0.5)
    alpha = bands[bands["scenario"] == "alpha"]
    assert list(alpha["year"]) == [0.0, 1.0, 2.0]
    early = bands[bands["step"] < 2]
    assert early["n"].eq(0).all() and early["mean"].isna().all()


def test_yearly_increments_turn_totals_into_flows_per_year_run_by_run():
    steps = pd.DataFrame(
        {
            "scenario": ["a"] * 10,
            "replicate": [0] * 5 + [1] * 5,
            "step": [0, 1, 2, 3, 4] * 2,
            "pilots_agreed": [0, 1, 3, 3, 10, 0, 0, 2, 2, 2],
        }
    )
    flows = yearly_increments(steps, ["pilots_agreed"], steps_per_year=2)
    assert flows[["replicate", "step", "pilots_agreed"]].values.tolist() == [
        [0, 2, 3],
        [0, 4, 7],
        [1, 2, 2],
        [1, 4, 0],
    ]
    with pytest.raises(ValueError, match="missing_metric"):
        yearly_increments(steps, ["missing_metric"])


def test_steps_per_year_from_a_column_else_four(steps):
    assert timeseries_bands(steps, ["pilots_succeeded"])["year"].max() == pytest.approx(0.5)
    with_column = steps.assign(steps_per_year=12)
    bands = timeseries_bands(with_column, ["pilots_succeeded"])
    assert bands["year"].max() == pytest.approx(2 / 12)


def test_end_intervals_are_student_t_across_replicates(steps):
    table = end_intervals(steps, ["pilots_succeeded", "public_cost_per_success"])
    assert list(table.columns[:2]) == ["scenario", "metric"]
    row = table[(table["scenario"] == "zeta") & (table["metric"] == "pilots_succeeded")].iloc[0]
    sd = math.sqrt(((2 - 3) ** 2 + (1 - 3) ** 2 + (6 - 3) ** 2) / 2)
    half = t_quantile(0.975, 2) * sd / math.sqrt(3)
    assert (row["mean"], row["lower"], row["upper"]) == pytest.approx((3, 3 - half, 3 + half))
    assert row["n"] == 3 and row["step"] == 2 and row["unit"] == "pilots"
    cost = table[table["metric"] == "public_cost_per_success"].set_index("scenario")
    half = t_quantile(0.975, 1) * math.sqrt(8e12) / math.sqrt(2)
    assert cost.loc["zeta", "n"] == 2
    assert cost.loc["zeta", ["mean", "lower", "upper"]].tolist() == pytest.approx(
        [6e6, 6e6 - half, 6e6 + half]
    )
    # one value: a mean without an interval
    assert cost.loc["alpha", "n"] == 1 and cost.loc["alpha", "mean"] == 5e6
    assert np.isnan(cost.loc["alpha", "lower"]) and np.isnan(cost.loc["alpha", "upper"])


def test_end_intervals_level(steps):
    wide = end_intervals(steps, ["pilots_succeeded"], level=0.99).iloc[0]
    sd = math.sqrt(7)
    assert wide["upper"] - wide["mean"] == pytest.approx(t_quantile(0.995, 2) * sd / math.sqrt(3))


def test_capital_by_source_means_at_the_end(steps):
    table = capital_by_source(steps)
    assert list(table["source"].unique()) == list(CAPITAL_SOURCES)
    assert list(table["label"].unique()) == list(CAPITAL_SOURCES.values())
    # source k, step 2: 1e6 * (k + 1) * 2 * (rep + 1) * (s + 1); mean over rep + 1 = 2
    row = table[(table["scenario"] == "alpha") & (table["source"] == "private_capital")].iloc[0]
    assert row["mean"] == pytest.approx(1e6 * 2 * 2 * 2 * 2)
    row = table[(table["scenario"] == "zeta") & (table["source"] == "public_spend")].iloc[0]
    assert row["mean"] == pytest.approx(1e6 * 1 * 2 * 2 * 1)
    assert len(table) == len(NAMES) * len(CAPITAL_SOURCES)


def test_funnel_means_at_the_end(steps):
    table = funnel(steps)
    assert list(table["stage"].unique()) == list(FUNNEL_STAGES)
    # stage k, step 2: (10 - k) * 2 + rep + s; mean over rep = 1
    zeta = table[table["scenario"] == "zeta"].set_index("stage")["mean"]
    assert zeta["pilots_proposed"] == pytest.approx(21)
    assert zeta["pilots_scaled"] == pytest.approx(9)
    alpha = table[table["scenario"] == "alpha"].set_index("stage")["mean"]
    assert alpha["pilots_agreed"] == pytest.approx(18)


def test_preparation_uses_the_last_step_of_each_run(steps):
    # a run that stopped early contributes its own last step
    shorter = steps[~((steps["scenario"] == "zeta") & (steps["replicate"] == 2) & (steps.step > 1))]
    row = end_intervals(shorter, ["pilots_succeeded"]).iloc[0]
    assert row["mean"] == pytest.approx((2 + 1 + 2) / 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda s: timeseries_bands(s, ["pilots_succeeded", "no_such_metric"]),
        lambda s: end_intervals(s, ["no_such_metric"]),
        lambda s: capital_by_source(s, {"no_such_metric": "x"}),
        lambda s: funnel(s, {"no_such_metric": "x"}),
        lambda s: plot_timeseries(s, metrics=["no_such_metric"]),
        lambda s: plot_end_metrics(s, metrics=["no_such_metric"]),
        lambda s: plot_capital_by_source(s, sources={"no_such_metric": "x"}),
        lambda s: plot_funnel(s, stages={"no_such_metric": "x"}),
        lambda s: plot_timeseries(timeseries_bands(s), metrics=["no_such_metric"]),
        lambda s: plot_end_metrics(end_intervals(s), metrics=["no_such_metric"]),
    ],
)
def test_a_missing_metric_is_named_with_what_is_available(steps, call):
    with pytest.raises(ValueError, match=r"no_such_metric.*available: .*pilots_succeeded"):
        call(steps)


def test_defaults_name_missing_columns(steps):
    with pytest.raises(ValueError, match="fund_balance"):
        plot_timeseries(steps.drop(columns="fund_balance"))


# --- figures --------------------------------------------------------------------------------------


def test_plot_timeseries_panels_lines_bands_and_labels(steps):
    fig = plot_timeseries(steps)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == len(TIMESERIES_METRICS)
    for ax, metric in zip(fig.axes, TIMESERIES_METRICS, strict=True):
        assert ax.get_title() == style.metric_title(metric, 30)
        assert "_" not in ax.get_title()  # words from the registry, not column names
        assert ax.get_xlabel() == "year"
        assert ax.get_ylabel()
        assert len(lines_with_data(ax)) == len(NAMES)
        assert len(ax.collections) == len(NAMES)  # one band per scenario
    spend = fig.axes[TIMESERIES_METRICS.index("public_spend")]
    assert spend.get_ylabel() == "M EUR"
    assert max(spend.get_lines()[0].get_xdata()) == pytest.approx(0.5)
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [*NAMES, "2.5-97.5 % of replicates"]


def test_plot_timeseries_mean_in_display_units(steps):
    fig = plot_timeseries(steps, metrics=["public_cost_per_success"])
    zeta = fig.axes[0].get_lines()[0]
    assert zeta.get_ydata()[-1] == pytest.approx(6.0)  # 6e6 EUR shown as 6 M EUR/pilot
    assert fig.axes[0].get_ylabel() == "M EUR per pilot"


def test_a_metric_absent_for_one_scenario_is_not_drawn_for_it(steps):
    fig = plot_timeseries(steps, metrics=["recycling_multiple"])
    ax = fig.axes[0]
    assert [to_hex(line.get_color()) for line in lines_with_data(ax)] == [
        scenario_colours(NAMES)["alpha"]
    ]
    fig = plot_end_metrics(steps, metrics=["recycling_multiple"])
    points = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert [to_hex(p.get_color()) for p in points] == [scenario_colours(NAMES)["alpha"]]
    assert not fig.axes[0].texts  # no "n/a": a scenario without a value has no point


def test_a_panel_with_nothing_to_show_is_left_out(steps):
    nothing = steps.assign(recycling_multiple=math.nan)
    for draw in (plot_timeseries, plot_end_metrics):
        fig = draw(nothing, metrics=["pilots_succeeded", "recycling_multiple"])
        assert [ax.get_title() for ax in fig.axes] == [
            style.metric_title("pilots_succeeded", 30 if draw is plot_timeseries else 22)
        ]
        assert not any(t.get_text() in ("n/a", "no data") for ax in fig.axes for t in ax.texts)


def test_quantity_axes_start_at_zero(steps):
    series = plot_timeseries(steps, metrics=["pilots_succeeded"]).axes[0]
    low, high = series.get_ylim()
    assert -0.03 * high <= low <= 0  # from zero, a hair below so a line at zero shows whole
    end = plot_end_metrics(steps, metrics=["pilots_succeeded"]).axes[0]
    low, high = end.get_xlim()
    assert -0.03 * high <= low <= 0
    upper = end_intervals(steps, ["pilots_succeeded"])["upper"].max()
    assert high >= upper  # every interval drawn whole


def test_overlapping_lines_are_told_apart_by_style_and_width(steps):
    same = steps.assign(pilots_succeeded=0.0)  # both scenarios exactly on top of each other
    ax = plot_timeseries(same, metrics=["pilots_succeeded"]).axes[0]
    first, second = lines_with_data(ax)
    assert first.get_linestyle() != second.get_linestyle()
    assert first.get_marker() != second.get_marker()
    assert first.get_linewidth() > second.get_linewidth()  # the one below is wider
    assert first.get_zorder() < second.get_zorder()


def test_money_shows_the_spread_of_single_runs_beside_the_interval_of_the_mean(steps):
    fig = plot_end_metrics(steps, metrics=["public_spend", "pilots_succeeded"])
    money, count = fig.axes
    spread = [line for line in money.get_lines() if line.get_marker() == "|"]
    table = end_intervals(steps, ["public_spend"]).set_index("scenario")
    assert [list(line.get_xdata()) for line in spread] == [
        pytest.approx([table.loc[name, "p5"] / 1e6, table.loc[name, "p95"] / 1e6]) for name in NAMES
    ]
    assert not [line for line in count.get_lines() if line.get_marker() == "|"]


def test_plot_end_metrics_points_intervals_and_labels(steps):
    fig = plot_end_metrics(steps)
    assert len(fig.axes) == len(END_METRICS)
    for ax, metric in zip(fig.axes, END_METRICS, strict=True):
        assert ax.get_title() == style.metric_title(metric, 22)
        assert ax.get_xlabel()
    ax = fig.axes[END_METRICS.index("pilots_succeeded")]
    points = [line for line in ax.get_lines() if line.get_marker() == "o"]
    intervals = [line for line in ax.get_lines() if line.get_marker() not in ("o", "|")]
    assert len(points) == len(intervals) == len(NAMES)
    assert points[0].get_xdata()[0] == pytest.approx(3.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    assert ax.get_xlabel() == "pilots"
    cost = fig.axes[END_METRICS.index("public_cost_per_success")]
    # alpha has a single value: a point, no interval
    assert len([line for line in cost.get_lines() if line.get_marker() == "o"]) == 2
    assert len([line for line in cost.get_lines() if line.get_marker() not in ("o", "|")]) == 1
    assert cost.get_xlabel() == "M EUR per pilot"


def test_plot_end_metrics_from_a_summary_equals_from_steps(steps):
    metrics = ["pilots_succeeded", "public_spend"]
    a = plot_end_metrics(steps, metrics=metrics)
    b = plot_end_metrics(end_intervals(steps, metrics))
    for ax_a, ax_b in zip(a.axes, b.axes, strict=True):
        for la, lb in zip(ax_a.get_lines(), ax_b.get_lines(), strict=True):
            assert list(la.get_xdata()) == list(lb.get_xdata())


def test_plot_capital_by_source_stacks_one_bar_per_scenario_and_source(steps):
    fig = plot_capital_by_source(steps)
    ax = fig.axes[0]
    assert len(ax.patches) == len(NAMES) * len(CAPITAL_SOURCES)
    assert ax.get_xlabel() == "cumulative capital (M EUR)"
    assert [t.get_text() for t in ax.get_yticklabels()] == NAMES
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == list(CAPITAL_SOURCES.values())
    totals = [t.get_text() for t in ax.texts]
    assert len(totals) == len(NAMES)
    # the stack of zeta ends at the sum of its mean sources, in M EUR
    table = capital_by_source(steps)
    total = table[table["scenario"] == "zeta"]["mean"].sum() / 1e6
    ends = [p.get_x() + p.get_width() for p in ax.patches if p.get_y() < 0.5 - 0.3 + 1e-9]
    assert max(ends) == pytest.approx(total)


def test_plot_funnel_bars_per_scenario_and_stage(steps):
    fig = plot_funnel(steps)
    ax = fig.axes[0]
    assert len(ax.patches) == len(NAMES) * len(FUNNEL_STAGES)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(FUNNEL_STAGES.values())
    assert ax.get_ylabel() == "cumulative count (pilots)"
    assert ax.get_xlabel()
    assert ax.patches[0].get_height() == pytest.approx(21)


def test_a_scenario_has_the_same_colour_in_every_figure(steps):
    expected = scenario_colours(NAMES)
    assert list(expected) == NAMES and len(set(expected.values())) == len(NAMES)
    assert list(expected.values()) == list(OKABE_ITO[: len(NAMES)])
    series = plot_timeseries(steps, metrics=["pilots_succeeded"]).axes[0]
    end = plot_end_metrics(steps, metrics=["pilots_succeeded"]).axes[0]
    bars = plot_funnel(steps).axes[0]
    capital = plot_capital_by_source(steps).axes[0]
    stages = len(FUNNEL_STAGES)
    for i, name in enumerate(NAMES):
        assert to_hex(lines_with_data(series)[i].get_color()) == expected[name]
        points = [line for line in end.get_lines() if line.get_marker() == "o"]
        assert to_hex(points[i].get_color()) == expected[name]
        assert to_hex(bars.patches[i * stages].get_facecolor()) == expected[name]
        assert to_hex(capital.get_yticklabels()[i].get_color()) == expected[name]


def test_given_colours_are_used(steps):
    colours = {"zeta": "#000000", "alpha": "#E69F00"}
    ax = plot_timeseries(steps, metrics=["pilots_succeeded"], colours=colours).axes[0]
    assert [to_hex(line.get_color()) for line in lines_with_data(ax)] == ["#000000", "#e69f00"]


def test_scenario_colours_stay_distinct_beyond_the_palette():
    names = [f"s{i}" for i in range(12)]
    colours = scenario_colours(names)
    assert len(set(colours.values())) == 12
    assert scenario_colours(["a", "b", "a"]) == {"a": OKABE_ITO[0], "b": OKABE_ITO[1]}


def test_figures_draw_into_given_axes(steps):
    host = Figure()
    axes = host.subplots(1, 2)
    fig = plot_timeseries(steps, metrics=["pilots_succeeded", "public_spend"], axes=axes)
    assert fig is host
    with pytest.raises(ValueError, match="need 2 axes"):
        plot_end_metrics(steps, metrics=["pilots_succeeded", "public_spend"], axes=axes[:1])
    one = Figure().add_subplot()
    assert plot_funnel(steps, ax=one) is one.figure


def test_figures_fit_a4_with_readable_fonts(steps):
    figures = [
        plot_timeseries(steps),
        plot_end_metrics(steps),
        plot_capital_by_source(steps),
        plot_funnel(steps),
    ]
    for fig in figures:
        width, height = fig.get_size_inches()
        assert width <= 8.27 and height <= 11.69
        fig.canvas.draw()
        sizes = [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize"))]
        shown = [
            t.get_fontsize()
            for ax in fig.axes
            for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]
        ]
        assert min(sizes + shown) >= 8


def test_save_figure_writes_png_and_pdf(steps, tmp_path):
    paths = save_figure(plot_funnel(steps), tmp_path / "figs", "funnel")
    assert [p.name for p in paths] == ["funnel.png", "funnel.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_bytes()[:5] == b"%PDF-"


def test_display_units():
    assert display_unit("EUR") == (1e6, "M EUR")
    assert display_unit("EUR/pilot") == (1e6, "M EUR per pilot")
    assert display_unit("EUR/EUR") == (1.0, "EUR per EUR")
    assert display_unit("pilots") == (1.0, "pilots")
    assert display_unit("1") == (1.0, "")
    assert display_unit("1", share=True) == (1.0, "share")
    assert style.axis_label("public_spend") == "Cash public spend (M EUR)"
    assert style.axis_label("trust_org_mean") == "Trust between organisations (share)"
    assert style.metric_title("public_cost_per_success", 22) == (
        "Net public cost per\nsuccessful pilot"
    )


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("cities.0.annual_budget", "annual budget, city 1 (M EUR per year)"),
        ("finance.blended.first_loss_share", "first loss share (blended)"),
        ("time.election_interval", "election interval (time, steps)"),
        ("politics.budget_cut", "budget cut (politics)"),
        ("x1", "x1"),
    ],
)
def test_sweep_parameters_get_readable_names(key, label):
    assert style.parameter_label(key) == label


def test_a_single_run_table_without_replicates_works(steps):
    by_seed = end_intervals(steps.drop(columns="replicate"), ["pilots_succeeded"])
    pd.testing.assert_frame_equal(by_seed, end_intervals(steps, ["pilots_succeeded"]))
    one_run = steps[steps["replicate"] == 0].drop(columns="replicate")
    assert len(plot_funnel(one_run).axes[0].patches) == len(NAMES) * len(FUNNEL_STAGES)


# --- the standard figures of a comparison, and drawing on a given canvas ------------------------


def test_standard_figures_draw_the_four_figures_in_one_set_of_colours(steps):
    figures, left_out = plotting.standard_figures(steps, order=["alpha", "zeta"])
    assert list(figures) == [
        "timeseries",
        "end_metrics",
        "differences",
        "capital_by_source",
        "funnel",
    ]
    assert left_out == {"missing": [], "empty": [], "fixed": []}
    colours = scenario_colours(["alpha", "zeta"])
    series = figures["timeseries"]().axes[0]
    assert [to_hex(line.get_color()) for line in lines_with_data(series)] == list(colours.values())
    bars = figures["funnel"]().axes[0]
    assert to_hex(bars.patches[0].get_facecolor()) == colours["alpha"]
    # drawn from data prepared once: each call gives a new figure with the same numbers
    one, two = figures["end_metrics"](), figures["end_metrics"]()
    assert one is not two
    assert [line.get_xdata()[0] for line in one.axes[0].get_lines()] == [
        line.get_xdata()[0] for line in two.axes[0].get_lines()
    ]


def test_standard_figures_leave_out_missing_metrics_and_say_which(steps):
    missing = ["fund_balance", "impact_capital", "pilots_scaled"]
    figures, left_out = plotting.standard_figures(steps.drop(columns=missing))
    assert left_out["missing"] == ["fund_balance", "pilots_scaled", "impact_capital"]
    titles = [ax.get_title() for ax in figures["timeseries"]().axes]
    assert "Cash in the fund" not in titles and "Pilots scaled up" not in titles
    stages = [t.get_text() for t in figures["funnel"]().axes[0].get_xticklabels()]
    assert "Scaled" not in stages and len(stages) == len(FUNNEL_STAGES) - 1


def test_fixed_and_empty_metrics_are_left_out_of_the_figures_and_named(steps):
    fixed = steps.assign(
        leverage=np.where(steps["scenario"] == "zeta", 2.5, math.nan),  # the same every replicate
        fund_balance=0.0,  # no fund anywhere
    )
    figures, left_out = plotting.standard_figures(fixed, order=NAMES)
    assert left_out["fixed"] == ["leverage"]
    assert left_out["empty"] == ["fund_balance"]
    titles = [ax.get_title() for ax in figures["end_metrics"]().axes]
    assert style.metric_title("leverage", 22) not in titles
    assert "Cash in the fund" not in [ax.get_title() for ax in figures["timeseries"]().axes]


def test_the_differences_figure_draws_paired_differences_from_the_reference(steps):
    from sim.outputs.differences import plot_differences
    from sim.runs.contrast import paired_differences

    table = paired_differences(steps, ["pilots_succeeded", "public_spend"], base="zeta")
    fig = plot_differences(table)
    succeeded, spend = fig.axes
    row = table.set_index("metric").loc["pilots_succeeded"]
    point = next(line for line in succeeded.get_lines() if line.get_marker() == "o")
    assert point.get_xdata()[0] == pytest.approx(row["mean"])
    interval = next(line for line in succeeded.get_lines() if len(line.get_xdata()) == 2)
    assert list(interval.get_xdata()) == pytest.approx([row["lower"], row["upper"]])
    assert spend.get_xlabel() == "minus zeta (M EUR)"
    zero = [line for line in succeeded.get_lines() if list(line.get_xdata()) == [0, 0]]
    assert zero  # the line of no difference
    with pytest.raises(ValueError, match="one reference scenario per figure"):
        plot_differences(pd.concat([table, table.assign(base="other")]))
