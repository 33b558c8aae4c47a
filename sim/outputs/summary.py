"""The first page of a comparison's report: what was asked, found, and how far to trust it.

A council member reads one page: the question; the scenarios in plain words; the main
differences from the reference scenario (the first), as sentences made from paired differences
with 95 % intervals (:mod:`sim.outputs.findings`); and what to read with care: what is
calibrated, how many parameters are assumptions (counted from the schema's ``source`` extras,
the most influential named when a sensitivity analysis is given), and which quantities are
fixed by construction rather than found. :func:`limits` says what the report does not show.
Everything is generated from the comparison, the metric registry and the schema, so new
metrics and parameters are covered without new prose.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.document import Block, Heading, Items, Paragraph, Row, Table
from sim.outputs.findings import (
    findings,
    fixed_sentence,
    in_reading_order,
    interval_cell,
    unclear_metrics,
)
from sim.outputs.style import axis_label, metric_label, parameter_label

if TYPE_CHECKING:
    from sim.runs.compare import Comparison

ASSUMPTION = "ASSUMPTION"
"""The ``source`` of a parameter with no empirical anchor (see :mod:`sim.scenario.schema`)."""

QUESTION_METRICS: tuple[str, ...] = (
    "pilots_succeeded",
    "pilots_scaled",
    "public_cost_per_success",
    "public_failure_cost",
    "investor_failure_cost",
)
"""The metrics the summary's question names: how many pilots succeed and scale, what they cost
the public, who pays for failures. The summary states them for every scenario, clear or not, in
one table, so that its answer does not depend on which differences happen to be strongest."""

MAIN_FINDINGS = 5
"""Clear differences in other metrics the summary states, strongest first; the others are in the
table of differences."""

INFLUENTIAL = 3
"""Assumed parameters the summary names as most influential, when a sensitivity is given."""


def assumed_parameters() -> list[str]:
    """Return the key path of every scenario parameter whose source is an assumption.

    Read from the ``source`` in each field's JSON-schema extras
    (:func:`sim.scenario.fields.param`); a list of sections (``cities[]``) counts once.
    """
    from sim.scenario.fields import field_extra
    from sim.scenario.reference import sections

    return [
        f"{section.path}.{info.alias or name}".lstrip(".")
        for section in sections()
        for name, info in section.model.model_fields.items()
        if field_extra(info).get("source") == ASSUMPTION
    ]


def influential(indices: pd.DataFrame, among: Sequence[str]) -> list[str]:
    """Return parameters by their largest effect on any metric, largest first.

    Args:
        indices: ``indices.csv`` of ``partnersim sensitivity``: metric, parameter, index,
            value (Morris mu* or Sobol ST are used).
        among: Key paths to keep (as the schema writes them, ``cities[].x``; a sweep's
            ``cities.0.x`` matches).

    Returns:
        The sweep's parameters that are among ``among``, by their largest index relative to
        the largest of its metric.
    """
    rows = indices[indices["index"].isin(["mu_star", "ST"])].copy()
    if rows.empty:
        return []
    top = rows.groupby("metric")["value"].transform(lambda v: v.abs().max() or 1.0)
    rows["relative"] = rows["value"].abs() / top
    ranked = rows.groupby("parameter")["relative"].max().sort_values(ascending=False)
    wanted = set(among)
    return [str(p) for p in ranked.index if _schema_key(str(p)) in wanted]


def _schema_key(key: str) -> str:
    """Return a sweep key path as the schema lists it: ``cities.0.x`` is ``cities[].x``."""
    return re.sub(r"\.\d+(?=\.|$)", "[]", key)


def summary_blocks(
    comparison: Comparison,
    *,
    differences: pd.DataFrame,
    fixed: Mapping[str, Mapping[str, float]],
    question: str | None = None,
    indices: pd.DataFrame | None = None,
) -> list[Block]:
    """Return the summary page of a comparison's report.

    Args:
        comparison: The comparison; its first scenario is the reference.
        differences: Paired differences of the headline metrics that vary
            (:func:`sim.runs.contrast.paired_differences`).
        fixed: The value per scenario of each headline metric fixed by construction.
        question: The question in words (default: what changes when the city runs each
            scenario instead of the reference).
        indices: A sensitivity analysis's indices (``indices.csv``), to name the most
            influential assumptions; None when there is none.

    Returns:
        The blocks of the summary, starting with the report's title.
    """
    manifest = comparison.manifest
    entries = manifest["scenarios"]
    reference, others = entries[0]["name"], [e["name"] for e in entries[1:]]
    asked = question or (
        f"What changes for a city when it runs {_either(others)} instead of {reference}: how "
        "many pilots succeed and scale, what they cost the public and who pays for failures?"
    )
    reps = manifest.get("reps", "?")
    found = findings(differences)
    clear = [f for f in found if f.clear]
    blocks: list[Block] = [
        Heading("Summary for decision makers", level=0),
        Paragraph(f"The question. {asked}"),
        Heading("The scenarios", level=2),
        Items(
            tuple(
                f"{e['name']}{' (the reference)' if i == 0 else ''}: "
                f"{e.get('description') or 'no description given'}"
                for i, e in enumerate(entries)
            )
        ),
        Paragraph(
            f"Each scenario ran {reps} times over {horizon(comparison)}. Run k of every "
            "scenario used the same seed and "
            "the same random draws (common random numbers), so each difference below is "
            "taken run by run and shows what the rules change, not luck."
        ),
        Heading(f"Main differences from {reference}", level=2),
    ]
    answer = answer_table(differences, reference)
    if answer is not None:
        blocks += [
            Paragraph(
                f"What the question asks, as the paired difference from {reference} [95 % "
                "interval]; an interval that excludes 0 is a clear difference. Costs are net "
                "present public costs (section 6 counts them line by line)."
            ),
            answer,
        ]
    others = [f for f in clear if f.metric not in QUESTION_METRICS]
    if others:
        main = in_reading_order(others[:MAIN_FINDINGS], list(differences["metric"].unique()))
        blocks += [
            Paragraph("The clearest other differences:"),
            Items(tuple(f.sentence for f in main)),
        ]
    elif not clear:
        blocks.append(Paragraph(f"No scenario differs clearly from {reference} at {reps} runs."))
    unclear = unclear_metrics(found)
    more = len(others) - MAIN_FINDINGS
    notes = []
    if more > 0:
        notes.append(f"{more} further clear differences are in section 2.")
    if unclear:
        notes.append(
            "No clear difference for any scenario (the 95 % interval includes zero): "
            f"{', '.join(unclear)}."
        )
    if notes:
        blocks.append(Paragraph(" ".join(notes)))
    blocks += [
        Heading("Read with care", level=2),
        Items(tuple(caveats(fixed, indices))),
    ]
    return blocks


def answer_table(differences: pd.DataFrame, reference: str) -> Table | None:
    """Return the paired differences in the question's metrics, one row per scenario.

    Args:
        differences: Paired differences (:func:`sim.runs.contrast.paired_differences`).
        reference: The reference scenario's name, for the header.

    Returns:
        A table with a column per metric of :data:`QUESTION_METRICS` among ``differences``
        (its unit in the header), or None when there is none.
    """
    metrics = [m for m in QUESTION_METRICS if m in set(differences["metric"])]
    if not metrics:
        return None
    by = differences.set_index(["scenario", "metric"])
    units = differences.drop_duplicates("metric").set_index("metric")["unit"].astype(str)
    rows = []
    for scenario in dict.fromkeys(differences["scenario"]):
        cells = []
        for metric in metrics:
            row = by.loc[(scenario, metric)] if (scenario, metric) in by.index else None
            cells.append(
                "n/a"
                if row is None
                else interval_cell(row["mean"], row["lower"], row["upper"], metric, units[metric])
            )
        rows.append(Row((str(scenario), *cells)))
    return Table(
        header=(f"minus {reference}", *(axis_label(m, units[m]) for m in metrics)),
        rows=tuple(rows),
        align="l" + "r" * len(metrics),
    )


def horizon(comparison: Comparison) -> str:
    """Return the horizon in words, e.g. "80 quarterly steps (20 years)"."""
    spans = {
        (entry["scenario"]["time"]["steps"], entry["scenario"]["time"]["steps_per_year"])
        for entry in comparison.manifest["scenarios"]
    }
    texts = []
    for steps, per_year in sorted(spans):
        period = {4: "quarterly ", 12: "monthly ", 1: "yearly "}.get(per_year, "")
        texts.append(f"{steps} {period}steps ({steps / per_year:g} years)")
    return " or ".join(texts)


def _either(names: Sequence[str]) -> str:
    """Return ``a``, ``a or b``, ``a, b or c``."""
    if len(names) < 2:
        return "".join(names) or "another scenario"
    return f"{', '.join(names[:-1])} or {names[-1]}"


def caveats(
    fixed: Mapping[str, Mapping[str, float]], indices: pd.DataFrame | None = None
) -> list[str]:
    """Return what to read with care: calibration, assumptions, quantities fixed by inputs.

    Args:
        fixed: The value per scenario of each headline metric fixed by construction.
        indices: A sensitivity analysis's indices, or None.

    Returns:
        One sentence per caveat.
    """
    from sim.experiments.calibration import CALIBRATED, TARGETS

    assumed = assumed_parameters()
    figures = ", ".join(target.figure.replace("_", " ") for target in TARGETS)
    items = [
        f"Calibrated: only {len(TARGETS)} figures of EU innovation pilots ({figures}), in "
        f"{Path(CALIBRATED).name} (docs/calibration.md). The costs, counts and shares here "
        "are what the model produces, not values fitted to a real city: compare scenarios "
        "with each other rather than read them as forecasts.",
    ]
    sentence = (
        f"Assumed: {len(assumed)} of the model's parameters have no empirical source "
        "(source ASSUMPTION in docs/parameters.md)."
    )
    if indices is not None:
        top = influential(indices, assumed)[:INFLUENTIAL]
        sentence += (
            f" Of those varied in the sensitivity analysis given, the most influential: "
            f"{', '.join(parameter_label(key) for key in top)}."
            if top
            else " None of them was varied in the sensitivity analysis given."
        )
    else:
        sentence += (
            " No sensitivity analysis accompanies this report (partnersim report --sensitivity "
            "names the most influential)."
        )
    items.append(sentence)
    items += [
        f"Fixed by construction, not a finding: {fixed_sentence(metric, values)}"
        for metric, values in fixed.items()
    ]
    items.append(
        "The intervals show how much the results move with chance over these runs; they do "
        "not include the uncertainty of the assumptions."
    )
    return items


def limits(comparison: Comparison, empty: Sequence[str]) -> list[str]:
    """Return what a comparison's report does not show, in sentences.

    Args:
        comparison: The comparison.
        empty: Headline metrics that are zero or undefined in every run.

    Returns:
        One sentence per limit.
    """
    reps = comparison.manifest.get("reps", "?")
    items = [
        "Forecasts for a particular city: the scenarios are stylised cities, and the model is "
        "calibrated to pilot figures only (see Read with care).",
        f"Effects smaller than chance at {reps} runs per scenario: a difference whose interval "
        "includes zero may be real but too small to see; more replicates narrow the "
        "intervals.",
        "What happens after the horizon: pilots still running, loans not yet repaid and "
        "programmes still growing are counted as they stand at its end.",
        "Other designs of the same instruments: each scenario fixes its parameters; a sweep "
        "(partnersim sweep) shows how the results move with them.",
        "Anything the model does not contain: macroeconomic conditions, private investment "
        "outside pilots, the quality of a pilot beyond its success or failure.",
    ]
    if empty:
        items.append(
            "Quantities these scenarios never produce (zero or undefined in every run): "
            f"{', '.join(metric_label(m) for m in empty)}."
        )
    return items
