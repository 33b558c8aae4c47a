"""``partnersim report RESULTS``: a comparison's report, as an A4 PDF and an HTML page.

From a folder written by ``partnersim compare`` the report gathers, for a council or a journal:

* a one-page summary (:mod:`sim.outputs.summary`): the question, the scenarios in plain words,
  the main differences from the reference scenario (the first) as sentences with 95 %
  intervals, and what to read with care (calibration, assumptions, quantities fixed by
  construction);
1. what each metric counts, from the metric registry;
2. every paired difference from the reference, with its interval;
3. what the report does not show;
4. each scenario's description and, in words, the parameters in which it differs from the
   reference (the reference itself against the model's defaults);
5. the end-of-horizon metrics with their means, 95 % intervals, the 5th-95th percentile of
   single runs for money, and units;
6. the public cost as a finance officer counts it (:mod:`sim.runs.finance_table`): cost per
   success at four discount rates with ranks, the cost line by line, leverage across blended
   deals and a fund's recycling multiple beside the US Clean Water SRF's;
7. the standard figures (:func:`sim.outputs.plotting.standard_figures`, the same ones
   ``compare`` draws), each with a caption saying how to read it;
8. an appendix: versions, git revision, seeds, the command that reruns the comparison, and each
   scenario as the smallest scenario file that reproduces it.

The content is built once as a :class:`sim.outputs.document.Document` and written as a PDF
typeset by Typst (:func:`sim.outputs.document_typst.write_pdf`) and, beside it, a
self-contained HTML page (:func:`sim.outputs.document.write_html`) with the same figures. Only
the standard library is imported at module level. The command itself is :mod:`sim.cli.report`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.outputs.document import Block, Document
    from sim.runs.compare import Comparison

REQUIRED_FILES: tuple[str, ...] = ("manifest.json", "steps.parquet")
"""Files of a comparison folder the report reads (``partnersim compare`` writes them)."""

STEP_COLUMNS: tuple[str, ...] = ("scenario", "replicate", "step")
"""Columns the step table must have."""

FIGURES: dict[str, tuple[str, str]] = {
    "timeseries": (
        "Metrics over time",
        "Each panel is one metric over the years of the horizon, named and in the unit the "
        "table of section 1 gives. The line is the mean across replicates; the band holds 95 % "
        "of the single replicates (2.5th to 97.5th percentile), so it shows how much one run "
        "of the city can vary, not how precisely the mean is known. Each scenario has its "
        "colour, line style and marker; where lines lie on top of each other (two scenarios at "
        "zero) the wider one is below. Quantities that are never negative start at zero. A "
        "metric with nothing to show is left out (section 1 says which).",
    ),
    "end_metrics": (
        "Metrics at the end of the horizon",
        "Each panel is one metric at the end of the horizon, with its own unit. The dot is the "
        "mean across replicates and the thick line its 95 % interval, which shows how "
        "precisely the mean is known (for a share, a bootstrap interval that stays between 0 "
        "and 1). For money, the thin line below spans the 5th to the 95th percentile of single "
        "runs: what one city might live through. A scenario without a dot has no value (for "
        "example no fund, so no recycling multiple); metrics fixed by construction or empty "
        "are left out (section 1). Section 5 gives the numbers.",
    ),
    "differences": (
        "Differences from the reference scenario",
        "Each panel is one metric: for every scenario, its difference from the reference at "
        "the end of the horizon, taken replicate by replicate (the runs share their seeds), "
        "with the 95 % interval of the mean difference. An interval clear of the dashed zero "
        "line is a difference beyond chance at this number of runs. Section 2 gives the "
        "numbers.",
    ),
    "capital_by_source": (
        "Money mobilised by source",
        "The money that went into pilots by the end of the horizon, by source, mean over "
        "replicates, stacked; the number at the end of a bar is its total in M EUR. Public "
        "spend is net of repayments and includes the capital paid into a revolving fund; "
        "revolving-fund loans count what the fund lent, including money repaid and lent again.",
    ),
    "funnel": (
        "The pilot funnel",
        "How far pilots got: the mean cumulative number of pilots (over replicates) that "
        "reached each stage by the end of the horizon, from proposal to scale-up. The drop "
        "from one stage to the next shows where pilots are lost: in negotiation (negotiated "
        "to agreed), in finding the money (agreed to financed), or by failing (launched to "
        "succeeded).",
    ),
}
"""Title and caption of each standard figure, by its name in :func:`standard_figures`."""

MANIFEST_LABELS: dict[str, str] = {
    "created_utc": "runs made (UTC)",
    "reps": "replicates per scenario",
    "base_seed": "seed of replicate 0",
    "seeds": "seeds (replicate 0, 1, ...)",
    "steps": "steps (none: the scenarios' own)",
    "workers": "worker processes",
}
"""Labels of manifest entries whose key alone says too little; others show their key."""

INTERVAL_TEXT = (
    "Values are at the end of the horizon. The interval is the 95 % interval of the mean "
    "across replicates (Student t; for a share, a bootstrap interval inside [0, 1]): it shows "
    "how precisely the mean is known. For money, the 5th to 95th percentile of single runs "
    "shows how much one run (one city) varies. n counts the replicates in which the metric is "
    "defined; n/a marks a metric undefined in every replicate, and a mean from a single "
    "replicate has no interval (-). Money is shown in millions of EUR (M EUR)."
)


class ResultsError(ValueError):
    """A results folder the report cannot use; ``str()`` is one line naming folder and problem."""

    def __init__(self, folder: Path, problem: str) -> None:
        """Name the folder (or file) and what is wrong with it."""
        super().__init__(f"{folder}: {problem}")


# --- reading -------------------------------------------------------------------------------------


def check_folder(folder: str | Path) -> dict[str, Any]:
    """Check that ``folder`` holds a comparison's results and return its manifest.

    Only the standard library is used, so bad input is refused before anything heavy loads.

    Args:
        folder: The folder ``partnersim compare --out`` wrote.

    Returns:
        The manifest.

    Raises:
        ResultsError: The folder does not exist, lacks ``manifest.json`` or ``steps.parquet``,
            or its manifest is not a comparison's (no ``scenarios`` list).
    """
    folder = Path(folder)
    if not folder.is_dir():
        problem = "not a folder" if folder.exists() else "no such folder"
        raise ResultsError(folder, f"{problem}; expected the output folder of partnersim compare")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ResultsError(
            folder,
            f"not a compare results folder: {' and '.join(missing)} missing "
            "(partnersim compare --out writes both)",
        )
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ResultsError(path, f"not valid JSON ({err})") from None
    scenarios = manifest.get("scenarios") if isinstance(manifest, dict) else None
    if not isinstance(scenarios, list) or not scenarios:
        raise ResultsError(
            path,
            "no 'scenarios' list: not written by partnersim compare (partnersim run writes "
            "one scenario's folder; compare writes the folder a report needs)",
        )
    bad = [i for i, entry in enumerate(scenarios) if not _is_entry(entry)]
    if bad:
        raise ResultsError(path, f"scenarios[{bad[0]}] lacks 'name' or the resolved 'scenario'")
    return manifest


def _is_entry(entry: Any) -> bool:
    """Tell whether a manifest's scenario entry has a name and a resolved scenario."""
    return isinstance(entry, dict) and "name" in entry and isinstance(entry.get("scenario"), dict)


def read_results(folder: str | Path) -> Comparison:
    """Read a comparison's results for a report, checking what the report needs.

    Args:
        folder: The folder ``partnersim compare --out`` wrote.

    Returns:
        The comparison.

    Raises:
        ResultsError: See :func:`check_folder`; also a step table without the columns
            scenario, replicate and step, or without rows for a scenario of the manifest.
    """
    folder = Path(folder)
    check_folder(folder)
    from sim.runs.compare import Comparison

    comparison = Comparison.read(folder)
    steps = comparison.tables["steps"]
    lacking = [name for name in STEP_COLUMNS if name not in steps.columns]
    if lacking:
        raise ResultsError(folder / "steps.parquet", f"columns missing: {', '.join(lacking)}")
    absent = [name for name in comparison.scenarios if name not in set(steps["scenario"])]
    if absent:
        raise ResultsError(
            folder / "steps.parquet",
            f"no rows for {_count(len(absent), 'scenario')} of manifest.json: {', '.join(absent)}",
        )
    return comparison


# --- formatting ----------------------------------------------------------------------------------


def decimals(*values: float) -> int:
    """Return the decimals that show the largest of ``values`` to three significant digits."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest == 0:
        return 0
    return min(4, max(0, 2 - math.floor(math.log10(largest))))


def estimate_cells(mean: float, lower: float, upper: float, unit: str) -> tuple[str, str]:
    """Return a mean and its interval as table cells, in the unit shown (money in M EUR).

    Args:
        mean: The mean (NaN: no replicate has a value).
        lower: Lower bound of the interval (NaN: no interval).
        upper: Upper bound of the interval.
        unit: The metric's unit, e.g. "EUR" (shown in millions) or "pilots".

    Returns:
        ``(mean, interval)``, e.g. ``("25.0", "[22.4, 27.6]")``; ``("n/a", "")`` without a
        mean and ``(mean, "-")`` without an interval.
    """
    from sim.outputs.style import display_unit

    if math.isnan(mean):
        return "n/a", ""
    scale, _ = display_unit(unit)
    values = [mean / scale, lower / scale, upper / scale]
    digits = decimals(*values)
    shown = [f"{value:,.{digits}f}" for value in values]
    if math.isnan(lower) or math.isnan(upper):
        return shown[0], "-"
    return shown[0], f"[{shown[1]}, {shown[2]}]"


def format_value(value: Any) -> str:
    """Return a scenario value in words: yes/no, lists joined, large numbers grouped."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(format_value(item) for item in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {format_value(item)}" for key, item in value.items())
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e3:
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _count(n: int, noun: str) -> str:
    """Return ``"1 scenario"`` or ``"4 scenarios"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


# --- content -------------------------------------------------------------------------------------


def build_report(
    comparison: Comparison,
    *,
    source: str | Path,
    question: str | None = None,
    indices: pd.DataFrame | None = None,
) -> Document:
    """Return the report of a comparison as a document.

    Args:
        comparison: The comparison (tables, scenario order and manifest); its first scenario
            is the reference.
        source: The results folder, as the report should name it.
        question: The question the comparison answers, in words (default: generated from the
            scenarios' names).
        indices: Indices of a sensitivity analysis (``indices.csv`` of ``partnersim
            sensitivity``) to name the most influential assumptions; None without one.

    Returns:
        The document: summary, metrics, differences, limits, scenarios, end metrics,
        figures, provenance appendix.
    """
    from sim.outputs.document import Document
    from sim.outputs.style import scenario_colours
    from sim.outputs.summary import summary_blocks
    from sim.runs.compare import HEADLINE_METRICS
    from sim.runs.contrast import paired_differences
    from sim.runs.fixed import metric_kinds
    from sim.runs.provenance import provenance

    steps = comparison.tables["steps"]
    headline = [name for name in HEADLINE_METRICS if name in steps.columns]
    kinds = metric_kinds(steps, headline)
    varies = [name for name in headline if kinds[name] == "varies"]
    differences = paired_differences(
        steps, varies, base=comparison.scenarios[0], order=comparison.scenarios
    )
    fixed = _fixed_values(comparison, [name for name in headline if kinds[name] == "fixed"])
    colours = scenario_colours(comparison.scenarios)
    now = provenance()  # the code writing the report, beside the manifest's code that ran
    blocks = [
        *summary_blocks(
            comparison, differences=differences, fixed=fixed, question=question, indices=indices
        ),
        *_meaning_section(headline, kinds),
        *_differences_section(differences, comparison.scenarios[0], colours),
        *_limits_section(comparison, [name for name in headline if kinds[name] == "empty"]),
        *_scenario_section(comparison, colours),
        *_metric_section(comparison, colours, kinds),
        *_finance_section(comparison),
        *_figure_section(comparison),
        *_appendix(comparison, source, colours, now),
    ]
    return Document(
        title=f"partnersim report: {source}", footer=f"partnersim report of {source}", blocks=blocks
    )


def _fixed_values(comparison: Comparison, metrics: list[str]) -> dict[str, dict[str, float]]:
    """Return the value per scenario (where it has one) of each metric fixed by construction."""
    from sim.runs.compare import summary

    table = comparison.summary(metrics) if metrics else summary(comparison.steps, [])
    return {
        metric: {
            row.scenario: float(row.mean)
            for row in table[table["metric"] == metric].itertuples(index=False)
            if row.n > 0
        }
        for metric in metrics
    }


def _meaning_section(metrics: list[str], kinds: dict[str, str]) -> list[Block]:
    from sim.model.metrics import METRICS
    from sim.outputs.document import Heading, Paragraph, Row, Table
    from sim.outputs.style import metric_label, metric_unit

    notes = {"fixed": " Fixed by construction here.", "empty": " Zero or undefined here."}
    rows = tuple(
        Row(
            (
                metric_label(name),
                metric_unit(name)[1] or "number",
                (METRICS[name].description if name in METRICS else "") + notes.get(kinds[name], ""),
            )
        )
        for name in metrics
    )
    return [
        Heading("1 What the numbers count"),
        Paragraph(
            "The metrics of this report, as the model's metric registry (sim/model/metrics.py) "
            "defines them. Counts are cumulative from the start of the horizon unless they say "
            "now; money is in millions of EUR (M EUR). A metric fixed by construction takes "
            "the same value in every run of a scenario, so its inputs set it and it is not a "
            "finding; an empty one is zero or undefined in every run."
        ),
        Table(header=("metric", "unit", "what it counts"), rows=rows, wrap=2),
    ]


def _differences_section(
    differences: pd.DataFrame, reference: str, colours: dict[str, str]
) -> list[Block]:
    from sim.outputs.document import Heading, Paragraph, Row, Table
    from sim.outputs.style import metric_title, metric_unit

    rows = []
    for metric, group in differences.groupby("metric", sort=False):
        unit = str(group["unit"].iloc[0])
        words = metric_unit(str(metric), unit)[1]
        title = metric_title(str(metric), width=1000) + (f" ({words})" if words else "")
        rows.append(Row((title,), group=True))
        for row in group.itertuples(index=False):
            mean, interval = estimate_cells(row.mean, row.lower, row.upper, unit)
            clear = row.lower > 0 or row.upper < 0
            verdict = "yes" if clear else "no" if interval not in ("", "-") else ""
            cells = (row.scenario, mean, interval, verdict, str(row.n))
            rows.append(Row(cells, colour=colours[row.scenario]))
    return [
        Heading(f"2 Differences from {reference}"),
        Paragraph(
            f"Every scenario against the reference, {reference}, metric by metric: the mean "
            "difference at the end of the horizon (scenario minus reference), taken run by run "
            "(the runs of both share their seeds), and its 95 % interval (Student t). Beyond "
            "chance: the interval excludes zero. n counts the pairs of runs in which the "
            "metric is defined in both; n/a: in none. The figure of differences draws them."
        ),
        Table(
            header=("scenario", "difference", "95 % interval", "beyond chance", "n"),
            rows=tuple(rows),
            align="lrrrr",
        ),
    ]


def _limits_section(comparison: Comparison, empty: list[str]) -> list[Block]:
    from sim.outputs.document import Heading, Items, Paragraph
    from sim.outputs.summary import limits

    return [
        Heading("3 What this report does not show"),
        Paragraph("Read the results with these limits in mind. This report does not show:"),
        Items(tuple(limits(comparison, empty))),
    ]


def _scenario_section(comparison: Comparison, colours: dict) -> list[Block]:
    from sim.outputs.document import Heading, Paragraph
    from sim.scenario.schema import Scenario

    entries = comparison.manifest["scenarios"]
    base = entries[0]
    defaults = Scenario().model_dump(mode="json")
    blocks: list[Block] = [
        Heading("4 Scenarios"),
        Paragraph(
            f"The first scenario, {base['name']}, is the base of the comparison: every other "
            "scenario is described by the parameters in which it differs from it. The base "
            "itself is described by the parameters in which it differs from the model's "
            "defaults (docs/parameters.md lists every parameter with its default and source)."
        ),
    ]
    for i, entry in enumerate(entries):
        blocks.append(Heading(entry["name"], level=2, colour=colours[entry["name"]]))
        if entry.get("description"):
            blocks.append(Paragraph(entry["description"]))
        if entry.get("source"):
            blocks.append(Paragraph(f"Scenario file: {entry['source']}", note=True))
        against, label = (defaults, "default") if i == 0 else (base["scenario"], base["name"])
        blocks.extend(_difference_blocks(against, entry["scenario"], label, entry["name"]))
    return blocks


def _difference_blocks(
    base: dict[str, Any], scenario: dict[str, Any], base_label: str, name: str
) -> list[Block]:
    """Return the table of the parameters in which a scenario differs from a base, in words."""
    from sim.outputs.document import Paragraph, Row, Table
    from sim.scenario.diff import describe, differences

    found = differences(base, scenario)
    if not found:
        return [Paragraph(f"Identical to {base_label} in every parameter.")]
    rows = []
    for difference in found:
        meaning, unit = describe(difference.key)
        rows.append(
            Row(
                (
                    difference.key,
                    meaning or "-",
                    format_value(difference.base),
                    format_value(difference.value),
                    unit or "-",
                )
            )
        )
    lead = "the model's defaults" if base_label == "default" else base_label
    return [
        Paragraph(f"Differs from {lead} in {_count(len(found), 'parameter')}:"),
        Table(
            header=("parameter", "meaning", base_label, name, "unit"),
            rows=tuple(rows),
            align="llrrl",
            wrap=1,
        ),
    ]


def _metric_section(comparison: Comparison, colours: dict, kinds: dict[str, str]) -> list[Block]:
    from sim.outputs.document import Heading, Paragraph, Row, Table
    from sim.outputs.style import metric_title, metric_unit

    steps = comparison.tables["steps"]
    table = comparison.summary(list(kinds))
    rows = []
    for metric, group in table.groupby("metric", sort=False):
        unit = str(group["unit"].iloc[0])
        scale, words = metric_unit(str(metric), unit)
        title = metric_title(str(metric), width=1000) + (f" ({words})" if words else "")
        note = {"fixed": ": fixed by construction, not a finding", "empty": ": empty"}
        rows.append(Row((title + note.get(kinds[str(metric)], ""),), group=True))
        for row in group.itertuples(index=False):
            mean, interval = estimate_cells(row.mean, row.lower, row.upper, unit)
            spread = estimate_cells(row.mean, row.p5, row.p95, unit)[1] if scale > 1 else ""
            cells = (row.scenario, mean, interval, spread.strip("[]"), str(row.n))
            rows.append(Row(cells, colour=colours[row.scenario]))
    last = int(steps["step"].max())
    return [
        Heading("5 Metrics at the end of the horizon"),
        Paragraph(INTERVAL_TEXT),
        Table(
            header=("scenario", "mean", "95 % interval of the mean", "5-95 % of runs", "n"),
            rows=tuple(rows),
            align="lrrrr",
        ),
        Paragraph(
            f"End of the horizon: step {last}. summary.csv in the results folder holds these "
            "values unrounded.",
            note=True,
        ),
    ]


def _finance_section(comparison: Comparison) -> list[Block]:
    """Return the finance officer's section, from :mod:`sim.runs.finance_table`.

    Cost per success by discount rate, the cost line by line, leverage across deals and the
    fund's recycling multiple.
    """
    from sim.outputs.document import Heading, Paragraph, Row, Table
    from sim.runs.finance_table import finance_tables

    tables = finance_tables(comparison)
    blocks: list[Block] = [
        Heading("6 Public cost, as a finance officer counts it"),
        Paragraph(
            "Net present public cost is one definition for every instrument "
            "(sim.finance.public_cost): what the public purse (treasuries, innovation budgets, "
            "public capital providers) pays out, less what comes back to it (repayments, "
            "recoveries, savings to the treasury), each discounted from when it moved, less "
            "what the public vehicles (funds, escrows, reserves) still hold at the horizon and "
            "the open claims valued at expected cash (loans outstanding, the city's share of "
            "savings still to come), plus what is still owed. Moving budget into a fund is "
            "neither spending nor income; money idle in a fund costs its time value."
        ),
    ]
    if not tables:
        blocks.append(Paragraph("These results hold no public-cost tables (an older partnersim)."))
        return blocks
    by_rate = tables.get("public_cost_by_rate")
    if by_rate is not None:
        rows = []
        for rate, group in by_rate.groupby("rate", sort=True):
            cells = [f"{rate:.1%}"]
            for row in group.itertuples():
                mean, interval = estimate_cells(row.mean, row.lower, row.upper, "EUR")
                cells.append(f"{mean} {interval} #{row.rank}")
            rows.append(Row(tuple(cells)))
        blocks += [
            Heading("Cost per success at four discount rates", level=2),
            Paragraph(
                "M EUR per successful pilot, mean over replicates [95 % interval] and rank "
                "(#1 the cheapest). 3.5 % is the UK Green Book's rate, 2 % the US OMB's "
                "(Circular A-94, 2023), 4 % the European Commission's financial rate; a ranking "
                "that turns between rates turns on the time value of money."
            ),
            Table(header=("rate", *group["scenario"]), rows=tuple(rows), align="l" + "r" * 9),
        ]
    lines = tables.get("public_cost_lines")
    if lines is not None:
        scenarios = [c for c in lines.columns if c not in ("rate", "part", "item")]
        rows = [
            Row(
                (
                    f"{row['part']}: {row['item']}" if row["item"] else "total",
                    *(
                        estimate_cells(row[name], math.nan, math.nan, "EUR")[0]
                        for name in scenarios
                    ),
                )
            )
            for _, row in lines.iterrows()
        ]
        blocks += [
            Heading("The cost line by line", level=2),
            Paragraph(
                f"M EUR per run (mean over replicates) at {float(lines['rate'].iloc[0]):.1%}: "
                "what the purse paid out by reason, what came back by reason (negative), what "
                "the vehicles hold at the horizon by kind (negative) and the open claims by kind "
                "(negative: owed to the public; positive: owed by it). The lines sum to the "
                "total, the mean net present public cost."
            ),
            Table(header=("line", *scenarios), rows=tuple(rows), align="l" + "r" * 9),
        ]
    leverage = tables.get("deal_leverage")
    if leverage is not None:
        rows = [
            Row(
                (
                    row.scenario,
                    str(row.deals),
                    f"{row.mean:.2f}",
                    f"{row.sd:.2f}",
                    f"{row.p5:.2f}-{row.p95:.2f}",
                    str(row.uncovered),
                )
            )
            for row in leverage.itertuples()
        ]
        blocks += [
            Heading("Leverage across blended deals", level=2),
            Paragraph(
                "Commercial EUR per EUR of concessional first-loss cover in each closed blended "
                "deal. Each deal takes the smallest cover that lets the commercial tranche clear "
                "its hurdle, so leverage follows the pilot's economics and varies across deals; "
                "deals whose senior tranche cleared its hurdle with no cover are counted apart."
            ),
            Table(
                header=("scenario", "deals", "mean", "sd", "5-95 %", "needed no cover"),
                rows=tuple(rows),
                align="lrrrrr",
            ),
        ]
    multiples = tables.get("fund_multiples")
    if multiples is not None:
        rows = []
        for scenario, group in multiples.groupby("scenario", sort=False):
            cells = [
                f"year {row.year}: {row.mean:.2f} [{row.lower:.2f}, {row.upper:.2f}]"
                for row in group.itertuples()
            ]
            rows.append(Row((str(scenario), "; ".join(cells))))
        blocks += [
            Heading("The fund's recycling multiple", level=2),
            Paragraph(
                "Money lent per EUR of capital paid in, after 5, 10 and 20 years [95 % "
                f"interval]; the US Clean Water SRF reached {_cwsrf()}. A fund's budget "
                "money does not lapse at the fiscal year's end, as unspent budget does: that "
                "is the fund's design advantage, and money left idle in it is charged its time "
                "value above. A multiple below the SRF's with cash idle in the fund says demand "
                "for loans, not the fund's capital, is the limit."
            ),
            Table(header=("scenario", "multiple"), rows=tuple(rows), align="ll", wrap=1),
        ]
    return blocks


def _cwsrf() -> str:
    """The US Clean Water SRF's multiples as the report quotes them."""
    from sim.finance.formulas import CWSRF_MULTIPLES

    return " to ".join(f"{value:.2f} ({when})" for when, value in CWSRF_MULTIPLES.items())


def _figure_section(comparison: Comparison) -> list[Block]:
    from sim.outputs.document import Heading, Paragraph, Plot
    from sim.outputs.plotting import LEFT_OUT_REASONS, standard_figures
    from sim.outputs.style import metric_label

    figures, left_out = standard_figures(
        comparison.tables["steps"],
        order=comparison.scenarios,
        steps_per_year=comparison.steps_per_year(),
    )
    blocks: list[Block] = [
        Heading("7 Figures"),
        Paragraph(
            "The standard figures of a comparison, as partnersim compare draws them. Each "
            "scenario keeps its colour throughout; sources of money have a palette of their "
            "own. Both palettes are safe for colour-blind readers (Okabe and Ito; Tol)."
        ),
    ]
    for reason, names in left_out.items():
        if names:
            shown = ", ".join(metric_label(name) for name in names)
            blocks.append(Paragraph(f"Left out, {LEFT_OUT_REASONS[reason]}: {shown}.", note=True))
    for number, (name, draw) in enumerate(figures.items(), start=1):
        title, caption = FIGURES[name]
        blocks.append(Plot(title=f"Figure {number}. {title}", caption=caption, draw=draw))
    return blocks


def _appendix(
    comparison: Comparison, source: str | Path, colours: dict, now: dict[str, str]
) -> list[Block]:
    import yaml

    from sim.outputs.document import Code, Heading, Paragraph, Row, Table
    from sim.scenario.diff import overrides
    from sim.scenario.schema import Scenario

    manifest = comparison.manifest
    entries = manifest["scenarios"]
    facts = [
        Row((MANIFEST_LABELS.get(key, key.replace("_", " ")), format_value(value)))
        for key, value in manifest.items()
        if not isinstance(value, dict | list) or key == "seeds"
    ]
    blocks: list[Block] = [
        Heading("A Provenance"),
        Paragraph(
            f"What made the results in {source}, as its manifest.json records it: versions, "
            "the git revision of the code, the design of the runs and their seeds."
        ),
        Table(header=("item", "value"), rows=tuple(facts), wrap=1),
    ]
    if str(manifest.get("git_revision", "")).endswith("+dirty"):
        blocks.append(
            Paragraph(
                "The source tree had uncommitted changes when these runs were made (+dirty): "
                "the git revision alone does not reproduce them exactly.",
                note=True,
            )
        )
    sources = [entry.get("source") for entry in entries]
    blocks.append(Heading("To run the comparison again", level=2))
    if all(sources):
        command = [
            "partnersim compare",
            *sources,
            f"--reps {manifest.get('reps')}",
            f"--seed {manifest.get('base_seed', 0)}",
        ]
        if manifest.get("steps") is not None:
            command.append(f"--steps {manifest['steps']}")
        command.append(f"--out {source}")
        blocks.append(Code(" \\\n    ".join(command)))
    else:
        blocks.append(
            Paragraph(
                "Some scenarios were given in memory rather than as files: save the blocks "
                "below as files and pass them to partnersim compare with the replicates and "
                "base seed above."
            )
        )
    blocks += [
        Heading("The scenarios as files", level=2),
        Paragraph(
            "Each block is a complete scenario file: every key it does not list takes its "
            f"default in partnersim {now['partnersim_version']} at git revision "
            f"{now['git_revision']} (the code that wrote this report; docs/parameters.md "
            "lists the defaults). manifest.json in the results folder holds every value of "
            "every scenario in full."
        ),
    ]
    defaults = Scenario().model_dump(mode="json")
    for entry in entries:
        text = yaml.safe_dump(
            overrides(entry["scenario"], defaults), sort_keys=False, allow_unicode=True, width=88
        )
        blocks += [Heading(entry["name"], level=2, colour=colours[entry["name"]]), Code(text)]
    return blocks


# --- writing and the command line ----------------------------------------------------------------


def write_report(
    folder: str | Path,
    out: str | Path | None = None,
    *,
    force: bool = False,
    question: str | None = None,
    sensitivity: str | Path | None = None,
) -> tuple[Path, Path, int]:
    """Write a comparison's report as a PDF and, beside it, an HTML page.

    A robust decision's folder (``partnersim robust``) gets its own report
    (:func:`sim.outputs.robustness.robust_document`).

    Args:
        folder: The folder ``partnersim compare --out`` (or ``partnersim robust --out``) wrote.
        out: The PDF to write (default ``folder/report.pdf``); the HTML page gets the same name
            with ``.html``.
        force: Replace the PDF and the HTML page if they exist.
        question: The question the comparison answers, in words (default: generated).
        sensitivity: A folder written by ``partnersim sensitivity`` (its ``indices.csv``) or
            that file, to name the most influential assumptions.

    Returns:
        The PDF's path, the HTML page's path and the PDF's number of pages.

    Raises:
        ResultsError: The folder is not a comparison's results (see :func:`read_results`),
            or ``sensitivity`` has no readable ``indices.csv``.
        OutputError: The PDF or the HTML page cannot be written there, or exists and ``force``
            is False (checked before the report is built, :mod:`sim.runs.outdir`).
        ScenarioError: A robust decision's folder cannot be analysed.
    """
    from sim.outputs.document import draw_figures, write_html
    from sim.outputs.document_typst import write_pdf
    from sim.outputs.robustness import is_robust_folder, robust_document
    from sim.runs.outdir import check_files

    folder = Path(folder)
    pdf = Path(out) if out is not None else folder / "report.pdf"
    robust = is_robust_folder(folder)
    results = None if robust else read_results(folder)
    check_files([pdf, pdf.with_suffix(".html")], force=force)
    if results is None:
        document = robust_document(folder)
    else:
        indices = None if sensitivity is None else read_indices(sensitivity)
        document = build_report(results, source=folder, question=question, indices=indices)
    figures = draw_figures(document)
    html = write_html(document, pdf.with_suffix(".html"), figures)
    _, pages = write_pdf(document, pdf, figures)
    return pdf, html, pages


INDEX_FILE_COLUMNS: tuple[str, ...] = ("metric", "parameter", "index", "value")
"""Columns the report reads from a sensitivity analysis's ``indices.csv``."""


def read_indices(path: str | Path) -> pd.DataFrame:
    """Read ``indices.csv`` of ``partnersim sensitivity`` (or the folder that holds it).

    Raises:
        ResultsError: No such file, or it lacks the columns :data:`INDEX_FILE_COLUMNS`.
    """
    import pandas as pd

    path = Path(path)
    file = path / "indices.csv" if path.is_dir() else path
    if not file.is_file():
        raise ResultsError(file, "no such file; expected indices.csv of partnersim sensitivity")
    try:
        table = pd.read_csv(file)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as err:
        raise ResultsError(file, f"not a readable CSV file ({err})") from None
    lacking = [name for name in INDEX_FILE_COLUMNS if name not in table.columns]
    if lacking:
        raise ResultsError(file, f"columns missing: {', '.join(lacking)} (not indices.csv?)")
    return table
