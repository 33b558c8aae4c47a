"""The report of a comparison: its summary, content, both forms (PDF by Typst, HTML), bad input.

PDF pages are read with pypdf (from the lock file), so no test depends on a system tool.
"""

import base64
import contextlib
import io
import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import scenario
from pypdf import PdfReader

from sim.cli.main import main
from sim.outputs.cells import decimals, estimate_cells, format_value
from sim.outputs.document import Code, Document, Heading, Items, Paragraph, Row, Table
from sim.outputs.document_typst import to_typst, write_pdf
from sim.outputs.findings import findings, interval_cell
from sim.outputs.summary import MAIN_FINDINGS, QUESTION_METRICS, assumed_parameters
from sim.runs.compare import HEADLINE_METRICS, compare, summary
from sim.runs.contrast import paired_differences
from sim.runs.fixed import metric_kinds
from sim.scenario.files import dump

FIGURE_TITLES = (
    "Figure 1. Metrics over time",
    "Figure 2. Metrics at the end of the horizon",
    "Figure 3. Differences from the reference scenario",
    "Figure 4. Money mobilised by source",
    "Figure 5. The pilot funnel",
)
SECTIONS = (
    "Summary for decision makers",
    "1 What the numbers count",
    "2 Differences from plain",
    "3 What this report does not show",
    "4 Scenarios",
    "5 Metrics at the end of the horizon",
    "6 Public cost, as a finance officer counts it",
    "7 Figures",
    "A Provenance",
)


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> Path:
    """A small comparison from two scenario files, 3 replicates of 8 steps, run serially."""
    folder = tmp_path_factory.mktemp("report")
    small = scenario(
        population={"startups": 15, "incumbents": 8, "academia": 3, "citizen_groups": 6},
        cities=[{"citizens": 500, "neighbourhoods": 4, "annual_budget": 5e6}],
        pilots={"duration_mean": 2.0, "duration_sd": 0.5, "start_delay": 1, "proposal_rate": 0.3},
        time={"election_interval": 4},
    )
    files = []
    for name, changes in (("plain", {}), ("testbed", {"incentives": {"testbed": True}})):
        path = folder / f"{name}.yaml"
        dump(small.override({"name": name, "description": f"The {name} city.", **changes}), path)
        files.append(path)
    out = folder / "results"
    compare(files, reps=3, steps=8, base_seed=1).write(out)
    return out


def pdf_pages(pdf: Path) -> list[str]:
    """Return the text of every page of a PDF."""
    return [page.extract_text() for page in PdfReader(pdf).pages]


def flat(text: str) -> str:
    """Return text with every run of white space made one space (PDF lines break anywhere)."""
    return " ".join(text.split())


@pytest.fixture(scope="session")
def report(results) -> dict:
    """The report of ``results``, written by the command line into the folder, and its output."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["report", str(results)]) == 0
    pdf = results / "report.pdf"
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    pages = pdf_pages(pdf)
    return {"pdf": pdf, "html": html, "pages": pages, "printed": printed.getvalue()}


# --- the report of a real comparison -------------------------------------------------------------


def test_the_command_writes_into_the_results_folder_and_says_so(results, report):
    pdf = report["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = len(report["pages"])
    assert report["printed"] == f"wrote {pdf} ({pages} A4 pages) and {results / 'report.html'}\n"
    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_out_names_the_pdf_and_the_html_goes_beside_it(results, tmp_path, capsys):
    pdf = tmp_path / "new" / "council.pdf"
    assert main(["report", str(results), "--out", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and (tmp_path / "new" / "council.html").is_file()
    assert f"wrote {pdf} (" in capsys.readouterr().out


def test_the_summary_is_the_first_page_and_the_sections_follow_in_order(report):
    pages = [flat(page) for page in report["pages"]]
    assert pages[0].startswith("Summary for decision makers")
    for part in ("The question.", "The scenarios", "Main differences from plain", "Read with care"):
        assert part in pages[0]
    assert "1 What the numbers count" not in pages[0]  # the summary fits its page
    starts = [next(i for i, page in enumerate(pages) if title in page) for title in SECTIONS]
    assert starts == sorted(starts)
    figures = [next(i for i, page in enumerate(pages) if t in page) for t in FIGURE_TITLES]
    assert figures == sorted(figures) and figures[0] >= starts[SECTIONS.index("7 Figures")]
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"partnersim report of .*results {number}$", page)


def test_the_summary_answers_the_question_for_every_scenario_then_states_other_clear_differences(
    results, report
):
    steps = pd.read_parquet(results / "steps.parquet")
    kinds = metric_kinds(steps, [m for m in HEADLINE_METRICS if m in steps.columns])
    varies = [m for m, kind in kinds.items() if kind == "varies"]
    differences = paired_differences(steps, varies, base="plain")
    first = flat(report["pages"][0])
    asked = differences[differences["metric"].isin(QUESTION_METRICS)]
    assert not asked.empty
    for row in asked.itertuples():  # clear or not: the answer does not depend on strength
        cell = interval_cell(row.mean, row.lower, row.upper, row.metric, row.unit)
        assert cell in first and cell in report["html"]
    found = findings(differences)
    others = [f for f in found if f.clear and f.metric not in QUESTION_METRICS]
    for finding in others[:MAIN_FINDINGS]:
        assert finding.sentence in first
        assert finding.sentence in report["html"]
    assert all(f.sentence not in first for f in found if not f.clear)


def test_the_summary_counts_the_assumptions_from_the_schema(report):
    count = len(assumed_parameters())
    assert count > 50  # most parameters are assumptions: the report must say so
    assert f"Assumed: {count} of the model's parameters have no empirical source" in flat(
        report["pages"][0]
    )
    assert "Calibrated: only 3 figures of EU innovation pilots" in flat(report["pages"][0])


def test_html_is_one_self_contained_page_with_the_figures(report):
    html = report["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)  # nothing loaded from elsewhere
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == len(FIGURE_TITLES)
    for image in images:
        assert b"<svg" in base64.b64decode(image)[:500]
    for title in (*FIGURE_TITLES, *SECTIONS):
        assert title in html


def test_html_and_pdf_carry_the_same_summary_values(results, report):
    steps = pd.read_parquet(results / "steps.parquet")
    metrics = ["pilots_succeeded", "public_spend", "trust_org_mean"]
    text = flat(" ".join(report["pages"]))
    for row in summary(steps, metrics).itertuples():
        mean, interval = estimate_cells(row.mean, row.lower, row.upper, row.unit)
        cells = (
            rf'<td class="left" style="color: #[0-9a-f]{{6}}">{row.scenario}</td>'
            rf'<td class="right">{re.escape(mean)}</td>'
            rf'<td class="right">{re.escape(interval)}</td>'
        )
        assert re.search(cells, report["html"]), (row.metric, row.scenario)
        assert re.search(rf"{row.scenario} {re.escape(mean)} {re.escape(interval)}", text)
    assert "Cash public spend (M EUR)" in report["html"]
    assert "Cash public spend: net money out of the cities" in report["html"]  # from the registry


def test_scenarios_are_described_by_how_they_differ(report):
    html = report["html"]
    # the second scenario against the first, in words, with the schema's description
    assert "Differs from plain in 1 parameter:" in html
    assert (
        '<td class="left">incentives.testbed</td>'
        '<td class="left">A test-bed district or regulatory sandbox exists.</td>'
        '<td class="right">no</td><td class="right">yes</td>'
    ) in html
    # the first against the model's defaults
    assert "Differs from the model&#39;s defaults in" in html
    assert "population.startups" in html and "The plain city." in html


def test_provenance_is_complete_enough_to_rerun(results, report):
    manifest = json.loads((results / "manifest.json").read_text())
    html = report["html"]
    assert manifest["git_revision"] in html
    assert manifest["mesa_version"] in html
    sources = " \\\n    ".join(entry["source"] for entry in manifest["scenarios"])
    command = f"partnersim compare \\\n    {sources} \\\n    --reps 3 \\\n    --seed 1"
    assert command in html and f"--steps 8 \\\n    --out {results}" in html
    # every scenario as a file: the testbed block says what it changes
    assert re.search(r"<pre>name: testbed\n.*incentives:\n  testbed: true\n", html, re.S)
    text = " ".join(report["pages"])
    assert manifest["git_revision"] in text and "testbed: true" in text


def test_a_quantity_fixed_by_construction_is_marked_not_drawn_as_a_finding(results, tmp_path):
    folder = tmp_path / "fixed"
    shutil.copytree(results, folder)
    steps = pd.read_parquet(folder / "steps.parquet")
    steps["appropriated"] = 35e6  # the same in every replicate, as its inputs fix it
    steps.to_parquet(folder / "steps.parquet")
    assert main(["report", str(folder), "--force"]) == 0
    pages = [flat(page) for page in pdf_pages(folder / "report.pdf")]
    assert (
        "Fixed by construction, not a finding: Budget appropriated is 35.0 M EUR in plain; "
        "35.0 M EUR in testbed, in every replicate: set by the scenario's budgets and what its "
        "elections set" in pages[0]
    )
    assert "Budget appropriated (M EUR): fixed by construction" in " ".join(pages)
    differences = next(p for p in pages if "2 Differences from plain" in p)
    assert "Budget appropriated" not in differences


def test_a_sensitivity_analysis_names_the_most_influential_assumptions(results, tmp_path):
    indices = pd.DataFrame(
        {
            "metric": ["m", "m", "m"],
            "method": "morris",
            "parameter": [
                "politics.budget_volatility",
                "cities.0.risk_appetite",
                "pilots.cost_mean",
            ],
            "pair": "",
            "index": "mu_star",
            "value": [0.5, 2.0, 9.0],
            "conf": 0.1,
        }
    )
    indices.to_csv(tmp_path / "indices.csv", index=False)
    out = tmp_path / "r.pdf"
    assert main(["report", str(results), "--out", str(out), "--sensitivity", str(tmp_path)]) == 0
    first = flat(pdf_pages(out)[0])
    # pilots.cost_mean has a source (DOMAIN): the assumed ones by size of their effect
    assert "the most influential: risk appetite, city 1, budget volatility (politics)." in first
    assert (
        main(
            [
                "report",
                str(results),
                "--out",
                str(out),
                "--force",
                "--question",
                "Does a test bed pay?",
            ]
        )
        == 0
    )
    assert "The question. Does a test bed pay?" in flat(pdf_pages(out)[0])


def test_a_sensitivity_file_that_is_not_one_is_refused(results, tmp_path, capsys):
    (tmp_path / "indices.csv").write_text("a,b\n1,2\n")
    assert (
        main(
            [
                "report",
                str(results),
                "--out",
                str(tmp_path / "r.pdf"),
                "--sensitivity",
                str(tmp_path),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "indices.csv: columns missing: metric, parameter" in err
    assert not (tmp_path / "r.pdf").exists()


# --- bad input -----------------------------------------------------------------------------------


def _folder(tmp_path: Path, results: Path, case: str) -> Path:
    """Return a results folder broken in the way ``case`` names."""
    folder = tmp_path / "broken"
    if case == "missing":
        return folder
    if case == "empty":
        folder.mkdir()
        return folder
    shutil.copytree(results, folder)
    if case == "no steps":
        (folder / "steps.parquet").unlink()
    elif case == "single run":
        manifest = json.loads((folder / "manifest.json").read_text())
        (folder / "manifest.json").write_text(json.dumps({"seed": 0, "scenario": manifest}))
    elif case == "bad json":
        (folder / "manifest.json").write_text("{not json")
    return folder


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "{folder}: no such folder; expected the output folder of partnersim compare"),
        (
            "empty",
            "{folder}: not a compare results folder: manifest.json and steps.parquet "
            "missing (partnersim compare --out writes manifest.json and steps.parquet)",
        ),
        ("no steps", "{folder}: not a compare results folder: steps.parquet missing"),
        (
            "single run",
            "{folder}/manifest.json: no 'scenarios' list: not written by partnersim compare",
        ),
        ("bad json", "{folder}/manifest.json: not valid JSON"),
    ],
)
def test_bad_folders_get_one_line_naming_them_and_write_nothing(
    results, tmp_path, capsys, case, message
):
    folder = _folder(tmp_path, results, case)
    before = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: " + message.format(folder=folder))
    after = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None
    assert after == before  # nothing written, nothing lost


def test_a_step_table_without_a_scenario_of_the_manifest_is_refused(results, tmp_path, capsys):
    folder = _folder(tmp_path, results, "copy")
    steps = pd.read_parquet(folder / "steps.parquet")
    steps[steps["scenario"] == "plain"].to_parquet(folder / "steps.parquet")
    assert main(["report", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"error: {folder}/steps.parquet: no rows for 1 scenario of manifest.json: testbed\n"
    )


def test_out_must_be_a_pdf(results, tmp_path, capsys):
    assert main(["report", str(results), "--out", str(tmp_path / "report.html")]) == 2
    assert "--out must name a .pdf file" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


# --- formatting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "unit", "expected"),
    [
        ((25_034_253, 22_423_358, 27_645_149), "EUR", ("25.0", "[22.4, 27.6]")),
        ((181_539, 143_750, 219_329), "EUR/pilot", ("0.182", "[0.144, 0.219]")),
        ((124.8, 112.7, 136.9), "pilots", ("125", "[113, 137]")),
        ((0.8241, 0.6781, 0.9702), "EUR/EUR", ("0.824", "[0.678, 0.970]")),
        ((1.0, 1.0, 1.0), "1", ("1.00", "[1.00, 1.00]")),
        ((0.0, 0.0, 0.0), "EUR", ("0", "[0, 0]")),
        ((-2.5e6, -3.75e6, -1.25e6), "EUR", ("-2.50", "[-3.75, -1.25]")),
        ((1234.5, 1200.0, 1300.0), "rounds", ("1,234", "[1,200, 1,300]")),
        ((5.0, math.nan, math.nan), "pilots", ("5.00", "-")),
        ((math.nan, math.nan, math.nan), "pilots", ("n/a", "")),
    ],
)
def test_estimate_cells(values, unit, expected):
    assert estimate_cells(*values, unit) == expected


def test_decimals_show_three_significant_digits_of_the_largest():
    assert [decimals(x) for x in (0.0123, 0.5, 5, 50, 500, 5000)] == [4, 3, 2, 1, 0, 0]
    assert decimals(0.5, 12.0, math.nan) == 1
    assert decimals(math.nan) == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "yes"),
        (False, "no"),
        (None, "none"),
        (["revolving", "grant"], "revolving, grant"),
        ([], "none"),
        (2_000_000.0, "2,000,000"),
        (10_000, "10,000"),
        (0.05, "0.05"),
        (20.0, "20"),
        ({"mobility": 0.5}, "mobility: 0.5"),
        ("zeuthen", "zeuthen"),
    ],
)
def test_format_value(value, expected):
    assert format_value(value) == expected


# --- the document's PDF form ---------------------------------------------------------------------


def test_text_with_typst_markup_characters_prints_as_written(tmp_path):
    odd = 'a *b* _c_ #d $e$ @f <g> [h] \\i "j" `k` = 10 % ~ 5'
    document = Document(
        title="t",
        footer="f",
        blocks=[
            Heading(odd),
            Paragraph(odd),
            Items((odd,)),
            Table(("x",), (Row((odd,)),)),
            Code(odd),
        ],
    )
    pdf, pages = write_pdf(document, tmp_path / "odd.pdf")
    assert pages == 1
    assert flat(pdf_pages(pdf)[0]).count(flat(odd)) == 5
    assert "#heading(level: 1)" in to_typst(document, {})


def test_a_long_table_continues_on_new_pages_under_its_header(tmp_path):
    rows = []
    for group in range(30):
        rows.append(Row((f"group {group}",), group=True))
        rows += [Row((f"item {group}-{k}", f"{k * 1.5:.1f}"), colour="#0072b2") for k in range(4)]
    document = Document(
        title="t",
        footer="test",
        blocks=[
            Heading("Table"),
            Paragraph("intro"),
            Table(("name", "value"), tuple(rows), "lr"),
            Code("last: 1"),
        ],
    )
    pdf, pages = write_pdf(document, tmp_path / "t.pdf")
    text = pdf_pages(pdf)
    assert pages == len(text) > 1
    for page in text:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        header = lines.index("Table") + 2 if page is text[0] else 0
        assert re.fullmatch(r"name\s*value", lines[header]), lines[:4]
    every = "\n".join(text)
    assert all(f"item {g}-3" in every for g in range(30)) and "last: 1" in every
