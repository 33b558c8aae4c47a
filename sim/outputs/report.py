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
6. the public cost as a finance officer counts it (:mod:`sim.outputs.finance_section`): cost per
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

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.outputs.cells import count, estimate_cells, format_value
from sim.outputs.finance_section import finance_section
from sim.outputs.results_folder import read_indices, read_results

if TYPE_CHECKING:
    import pandas as pd

    from sim.outputs.document import Block, Document
    from sim.runs.compare import Comparison

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


# --- formatting ----------------------------------------------------------------------------------


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
        *finance_section(comparison),
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
        Paragraph(f"Differs from {lead} in {count(len(found), 'parameter')}:"),
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
