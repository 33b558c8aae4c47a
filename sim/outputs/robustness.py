"""What a robust decision's analysis shows planners: the table, regret plots, vulnerability boxes.

The analysis itself is :mod:`sim.experiments.robust` (measures in
:mod:`sim.experiments.robustness`, search in :mod:`sim.experiments.policy_search`); this module
turns it into

* the robustness table (:func:`robustness_table`): one row per policy, best first, with the
  share of futures meeting every threshold, how sure its place is, and per objective the mean
  and spread over futures and the regret (its chosen quantile and maximum);
* the tables for reading (:func:`display_tables`, :func:`display_ranking`,
  :func:`display_differences`), with money in M EUR and shares in per cent;
* the figures of :mod:`sim.outputs.robust_figures`: regret over futures per policy and
  objective, shares of futures meeting the thresholds, PRIM boxes in the uncertainties' own
  words and units, and a search's Pareto set beside the named policies;
* files (:func:`write_robustness`, :func:`write_search`), lines for the terminal
  (:func:`robustness_text`, :func:`search_text`) and a report section
  (:func:`robustness_section`), which ``partnersim report`` builds into a document for a
  decision's results folder (:func:`robust_document`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.outputs import style
from sim.outputs.robust_figures import (
    plot_regret,
    plot_satisficing,
    plot_search,
    plot_vulnerability,
    vulnerability_limits,
)

if TYPE_CHECKING:
    from sim.experiments.policy_search import SearchResult
    from sim.experiments.robust import RobustAnalysis
    from sim.outputs.document import Block, Document

SATISFICING_COLUMN = "meets every threshold"
"""Column of the robustness table holding the share of futures meeting every threshold."""

SURE_COLUMN = "ranked first in"
"""Column of the robustness table holding the share of resamples ranking the policy first."""


# --- the table -----------------------------------------------------------------------------------


def robustness_table(analysis: RobustAnalysis) -> pd.DataFrame:
    """Return the planners' table: one row per policy, best first on the primary criterion.

    Args:
        analysis: The analysis.

    Returns:
        Columns ``policy``, ``rank``, :data:`SURE_COLUMN` (share of bootstrap resamples of
        futures and replicates in which the policy ranks first on the primary criterion),
        :data:`SATISFICING_COLUMN` (share of futures, with thresholds only), then per objective
        ``<metric>: mean``, ``: sd`` (over futures), ``: regret q<NN>`` and ``: max regret`` in
        the metric's unit, and ``: undefined`` (futures without a value).
    """
    ranking = analysis.ranking
    primary = ranking[ranking["criterion"] == ranking["criterion"].iloc[0]]
    table = primary[["policy", "rank", "p_best"]].rename(columns={"p_best": SURE_COLUMN})
    if analysis.satisficing_summary is not None:
        shares = analysis.satisficing_summary.set_index("policy")["share_all"]
        table[SATISFICING_COLUMN] = table["policy"].map(shares).to_numpy()
    summary = analysis.summary.set_index(["policy", "objective"])
    regret = analysis.regret_summary.set_index(["policy", "objective"])
    percent = round(analysis.quantile * 100)
    for objective in analysis.objectives:
        keys = list(zip(table["policy"], [objective.metric] * len(table), strict=True))
        m = objective.metric
        table[f"{m}: mean"] = summary.loc[keys, "mean"].to_numpy()
        table[f"{m}: sd"] = summary.loc[keys, "sd"].to_numpy()
        table[f"{m}: regret q{percent}"] = regret.loc[keys, "quantile_regret"].to_numpy()
        table[f"{m}: max regret"] = regret.loc[keys, "max_regret"].to_numpy()
        table[f"{m}: undefined"] = summary.loc[keys, "undefined"].to_numpy()
    return table.reset_index(drop=True)


# --- files and text ------------------------------------------------------------------------------


def write_robustness(analysis: RobustAnalysis, out: str | Path) -> list[Path]:
    """Write the analysis' tables (CSV) and figures (PNG and PDF).

    Args:
        analysis: The analysis.
        out: Folder to write into (created if missing).

    Returns:
        The files written: ``robustness.csv`` (the planners' table), ``summary.csv``,
        ``regret.csv`` (every policy, future and objective), ``regret_summary.csv``,
        ``ranking.csv``, ``differences.csv``, with thresholds ``satisficing.csv`` and
        ``satisficing_summary.csv``, ``vulnerabilities.csv`` (the boxes' limits per policy),
        and the figures ``regret``, ``satisficing`` and ``vulnerability_<policy>``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "robustness": robustness_table(analysis),
        "summary": analysis.summary,
        "regret": analysis.regret,
        "regret_summary": analysis.regret_summary,
        "ranking": analysis.ranking,
        "differences": analysis.differences,
    }
    if analysis.satisficing is not None:
        tables["satisficing"] = analysis.satisficing
        tables["satisficing_summary"] = analysis.satisficing_summary
    boxes = [
        vulnerability_limits(analysis, v).assign(
            policy=v.policy, coverage=v.boxes[0].coverage, density=v.boxes[0].density
        )
        for v in analysis.vulnerabilities
        if v.boxes
    ]
    if boxes:
        tables["vulnerabilities"] = pd.concat(boxes, ignore_index=True)
    written = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        written.append(path)
    written += style.save_figure(plot_regret(analysis), out, "regret")
    if analysis.satisficing is not None:
        written += style.save_figure(plot_satisficing(analysis), out, "satisficing")
    for vulnerable in analysis.vulnerabilities:
        if vulnerable.boxes:
            figure = plot_vulnerability(analysis, vulnerable)
            written += style.save_figure(figure, out, f"vulnerability_{vulnerable.policy}")
    return written


def write_search(result: SearchResult, out: str | Path) -> list[Path]:
    """Write a search's candidates, Pareto set and named policies (CSV) and its figure.

    Returns:
        ``search_candidates.csv``, ``search_pareto.csv``, ``search_reference.csv`` and the
        figure ``search`` (PNG and PDF).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (
        ("search_candidates", result.candidates),
        ("search_pareto", result.pareto),
        ("search_reference", result.reference),
    ):
        written.append(out / f"{name}.csv")
        table.to_csv(written[-1], index=False)
    return written + style.save_figure(plot_search(result), out, "search")


def robustness_text(analysis: RobustAnalysis) -> str:
    """Return the analysis in lines for the terminal: the table, then each leader's weak spots."""
    lines = [
        f"robust decision {analysis.name}: {len(analysis.policies)} policies in "
        f"{len(analysis.futures)} futures"
    ]
    for title, shown in display_tables(analysis):
        lines += ["", title, *_table_lines(shown)]
    lines.append(
        f"{SURE_COLUMN}: share of {analysis.resamples} bootstrap resamples of futures and "
        "replicates in which the policy ranks first"
    )
    lines += [f"- {sentence}" for sentence in vulnerability_sentences(analysis)]
    return "\n".join(lines)


def search_text(result: SearchResult) -> str:
    """Return a search's Pareto set in lines for the terminal."""
    front = result.pareto
    lines = [
        f"search over the terms of {result.policy}: {len(result.candidates)} candidates judged "
        f"in {result.futures} futures x {result.replicates} "
        f"replicate{'s' if result.replicates > 1 else ''}; {len(front)} in the Pareto set (the "
        f"first {min(len(front), 12)} shown)"
    ]
    columns = [*result.levers, *result.criteria]
    first = result.criteria[0]
    shown = front.sort_values(first, ascending=first != "satisficing")[columns].head(12)
    lines += _table_lines(shown.map(_cell) if len(shown) else shown)
    lines.append("named policies in the same futures:")
    lines += _table_lines(result.reference.map(_cell))
    return "\n".join(lines)


def vulnerability_sentences(analysis: RobustAnalysis) -> list[str]:
    """Return, per leading policy, where it misses its thresholds, in plain words."""
    sentences = []
    futures = len(analysis.futures)
    for vulnerable in analysis.vulnerabilities:
        if not vulnerable.boxes:
            sentences.append(f"{vulnerable.policy}: {vulnerable.note}")
            continue
        box = vulnerable.boxes[0]
        limits = vulnerability_limits(analysis, vulnerable)
        where = [
            f"{row.parameter} from {row.lower:.3g} to {row.upper:.3g}"
            for row in limits[limits["restricted"]].itertuples(index=False)
        ]  # the most restricted first
        sentences.append(
            f"{vulnerable.policy} misses a threshold in {vulnerable.misses} of {futures} "
            f"futures; {box.density:.0%} of the futures miss where "
            + ("; ".join(where) or "anywhere (no uncertainty restricted)")
            + f" ({box.coverage:.0%} of its misses lie there)"
        )
    return sentences


def display_tables(analysis: RobustAnalysis) -> list[tuple[str, pd.DataFrame]]:
    """Return the robustness table for reading: the overall ranking, then one table per objective.

    Money is shown in M EUR, shares as percentages, numbers to three significant figures;
    rows keep the order of the overall ranking.

    Returns:
        ``(title, table)`` pairs: "overall" (policy, rank, how sure, share of futures meeting
        every threshold), then per objective its words and unit with the mean and spread over
        futures, the regret quantile and maximum, how sure its regret ranking is, and the
        futures without a value.
    """
    table = robustness_table(analysis)
    overall = pd.DataFrame({"policy": table["policy"], "rank": table["rank"]})
    overall[SURE_COLUMN] = [f"{v:.0%}" for v in table[SURE_COLUMN]]
    if SATISFICING_COLUMN in table:
        overall[SATISFICING_COLUMN] = [f"{v:.0%}" for v in table[SATISFICING_COLUMN]]
    tables = [("overall", overall)]
    ranking = analysis.ranking.set_index(["criterion", "policy"])["p_best"]
    percent = round(analysis.quantile * 100)
    for objective in analysis.objectives:
        m = objective.metric
        scale, unit = style.display_unit(analysis.unit(m))
        shown = pd.DataFrame({"policy": table["policy"]})
        for what in ("mean", "sd", f"regret q{percent}", "max regret"):
            shown[what] = [_cell(v / scale) for v in table[f"{m}: {what}"]]
        shown[f"{SURE_COLUMN} on regret"] = [
            f"{ranking[(f'regret:{m}', policy)]:.0%}" for policy in table["policy"]
        ]
        shown["undefined in"] = [f"{int(n)} futures" for n in table[f"{m}: undefined"]]
        better = "lower" if objective.direction == "minimise" else "higher"
        words = f"{analysis.title(m)}" + (f" ({unit})" if unit else "") + f", {better} is better"
        tables.append((words, shown))
    return tables


def display_ranking(analysis: RobustAnalysis) -> pd.DataFrame:
    """Return the ranking on every criterion for reading: values in display units, shares in %.

    Returns:
        Columns ``criterion`` (in words), ``policy``, ``value``, ``rank``, :data:`SURE_COLUMN`
        and ``ranks in 95% of resamples``; best first within each criterion.
    """
    ranking = analysis.ranking
    rows = []
    for r in ranking.itertuples(index=False):
        if r.criterion == "satisficing":
            words, value = SATISFICING_COLUMN, f"{r.value:.0%}"
        else:
            metric = r.criterion.removeprefix("regret:")
            scale, unit = style.display_unit(analysis.unit(metric))
            words = f"regret q{round(analysis.quantile * 100)} on {analysis.title(metric)}"
            value = _cell(r.value / scale) + (f" {unit}" if unit != "dimensionless" else "")
        spread = str(r.rank_low) if r.rank_low == r.rank_high else f"{r.rank_low}-{r.rank_high}"
        rows.append(
            {
                "criterion": words,
                "policy": r.policy,
                "value": value,
                "rank": r.rank,
                SURE_COLUMN: f"{r.p_best:.0%}",
                "ranks in 95% of resamples": spread,
            }
        )
    return pd.DataFrame(rows)


def display_differences(analysis: RobustAnalysis) -> pd.DataFrame:
    """Return each policy against the leader, per objective, for reading.

    Returns:
        Columns ``goal`` (in words, with the display unit), ``policy``, ``advantage`` (mean over
        futures of how much better than the leader, in display units: negative is worse),
        ``95% interval`` (bootstrap) and ``ahead in`` (share of futures in which it is better).
    """
    rows = []
    for r in analysis.differences.itertuples(index=False):
        scale, unit = style.display_unit(analysis.unit(r.objective))
        rows.append(
            {
                "goal": analysis.title(r.objective) + (f" ({unit})" if unit else ""),
                "policy": r.policy,
                f"advantage over {r.reference}": _cell(r.advantage / scale),
                "95% interval": f"{_cell(r.low / scale)} to {_cell(r.high / scale)}",
                "ahead in": f"{r.share_ahead:.0%} of futures",
            }
        )
    return pd.DataFrame(rows)


def _cell(value: object) -> str:
    """Format a number to three significant figures ("n/a" for NaN)."""
    if isinstance(value, float | np.floating):
        return "n/a" if math.isnan(value) else f"{value:.3g}"
    return str(value)


def _table_lines(table: pd.DataFrame) -> list[str]:
    """Return a table as aligned text lines (first column left, the others right)."""
    header = [str(c) for c in table.columns]
    rows = [[str(v) for v in row] for row in table.itertuples(index=False)]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in [header, *rows]
    ]


# --- the report ----------------------------------------------------------------------------------


def is_robust_folder(folder: str | Path) -> bool:
    """Tell whether a folder holds a robust decision's results (its manifest has ``decision``)."""
    path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and isinstance(manifest.get("decision"), dict)


def robustness_section(analysis: RobustAnalysis) -> list[Block]:
    """Return the report section of a robust decision, for planners.

    Args:
        analysis: The analysis.

    Returns:
        Blocks: what was compared and how, the robustness table with a reading aid, the regret
        and satisficing figures, and each leading policy's vulnerability box in words.
    """
    from sim.outputs.document import Heading, Paragraph, Plot

    manifest = analysis.manifest
    decision = manifest["decision"]
    uncertainties = "; ".join(
        f"{analysis.label(u['key'])} from {low:.3g} to {high:.3g}"
        for u, (low, high) in zip(
            decision["uncertainties"], manifest["problem"]["bounds"], strict=True
        )
    )
    percent = round(analysis.quantile * 100)
    blocks: list[Block] = [
        Heading("Which policy holds up across futures"),
        Paragraph(
            f"Every policy ({', '.join(analysis.policies)}) was run in the same "
            f"{len(analysis.futures)} futures, sampled by Latin hypercube over: "
            f"{uncertainties}; each future {manifest['replicates']} times, with the same seeds "
            "for every policy, so that differences come from the policies, not from luck."
        ),
        Paragraph(
            "How to read the table. 'Meets every threshold' is the share of futures in which "
            "the policy is good enough on every objective at once (higher is better). Regret "
            "is how far a policy falls behind the best policy in the same future, in the "
            f"objective's unit: 0 where it is the best. q{percent} is the regret exceeded in "
            f"only {100 - percent}% of futures; the maximum is the worst case. A policy whose "
            "objective has no value in a future (for example no success, so no cost per "
            "success) counts there as the worst value seen. 'Ranked first in' says how sure "
            "the order is: the share of resamples of futures and replicates in which the "
            "policy still ranks first."
        ),
        *_report_tables(analysis),
        Plot(
            title="Regret in each future",
            caption="Each dot is one future; the bar marks the regret exceeded in only "
            f"{100 - percent}% of futures and the diamond the worst case. Lower is more robust.",
            draw=lambda: plot_regret(analysis),
        ),
    ]
    if analysis.satisficing is not None:
        blocks.append(
            Plot(
                title="Good enough, how often",
                caption="Bars: share of futures in which the policy meets every threshold; "
                "markers: each threshold on its own.",
                draw=lambda: plot_satisficing(analysis),
            )
        )
    blocks += [
        Heading("How sure the ranking is", level=2),
        Paragraph(
            "Each criterion's ranking, the share of resamples in which each policy ranks first "
            "and the ranks it takes in 95% of them; then each policy against the leader, "
            "future by future (a positive advantage: better than the leader on average)."
        ),
        _block_table(display_ranking(analysis), group="criterion"),
        _block_table(display_differences(analysis), group="goal"),
        Heading("Where the leading policies fail", level=2),
    ]
    blocks += [Paragraph(sentence) for sentence in vulnerability_sentences(analysis)]
    for vulnerable in analysis.vulnerabilities:
        if vulnerable.boxes:
            blocks.append(
                Plot(
                    title=f"Vulnerability of {vulnerable.policy}",
                    caption="The box PRIM found around the futures in which the policy misses "
                    "a threshold: for each uncertainty, the part of its range inside the box "
                    "(coloured where the box restricts it), with its limits in its own unit.",
                    draw=lambda v=vulnerable: plot_vulnerability(analysis, v),
                )
            )
    return blocks


def _report_tables(analysis: RobustAnalysis) -> list[Block]:
    """Return the display tables as report blocks, each under a small heading."""
    from sim.outputs.document import Heading

    blocks: list[Block] = []
    for title, shown in display_tables(analysis):
        blocks += [Heading(title, level=2), _block_table(shown)]
    return blocks


def _block_table(shown: pd.DataFrame, group: str | None = None) -> Block:
    """Return a display table as a report table, the first column left, the others right.

    Args:
        shown: The table.
        group: A column whose values head groups of rows (spanning the table) instead of
            taking a column of their own, to keep wide tables within the page.
    """
    from sim.outputs.document import Row, Table

    columns = [c for c in shown.columns if c != group]
    rows: list[Row] = []
    for value, part in shown.groupby(group, sort=False) if group else [(None, shown)]:
        if group:
            rows.append(Row((str(value),), group=True))
        rows += [Row(tuple(map(str, r))) for r in part[columns].itertuples(index=False)]
    return Table(header=tuple(columns), rows=tuple(rows), align="l" + "r" * (len(columns) - 1))


def robust_document(folder: str | Path) -> Document:
    """Return the report of a robust decision's results folder.

    Args:
        folder: The folder ``partnersim robust`` wrote.

    Returns:
        The document: the question, the robustness section and provenance.
    """
    from sim.experiments.robust import analyse
    from sim.outputs.document import Code, Document, Heading, Paragraph, Row, Table

    analysis = analyse(folder)
    manifest = analysis.manifest
    facts = [
        ("decision", str(manifest.get("name"))),
        ("decision file", str(manifest.get("source"))),
        (
            "runs",
            f"{manifest['runs']} ({manifest['points']} policy-futures x "
            f"{manifest['replicates']} replicates)",
        ),
        ("seed", str(manifest.get("seed"))),
        ("partnersim", f"{manifest.get('partnersim_version')} at {manifest.get('git_revision')}"),
    ]
    blocks: list[Block] = [
        Heading(f"Robust choice: {manifest.get('name')}", level=0),
        Paragraph(str(manifest.get("description") or "")),
        *robustness_section(analysis),
        Heading("A Provenance"),
        Table(header=("item", "value"), rows=tuple(Row(f) for f in facts), wrap=1),
        Code(f"partnersim robust {manifest.get('source')} --out {folder}"),
    ]
    return Document(
        title=f"partnersim robust decision: {folder}",
        footer=f"partnersim robust decision {folder}",
        blocks=blocks,
    )
