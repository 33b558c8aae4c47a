"""``partnersim report``: the report of a real (small) comparison as PDF and HTML, and bad input."""

import base64
import contextlib
import io
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import scenario

from sim.cli.main import main
from sim.outputs.document import Code, Document, Heading, Paragraph, Row, Table
from sim.outputs.document_pdf import BODY_WIDTH, text_width, wrap, write_pdf
from sim.outputs.report import decimals, estimate_cells, format_value
from sim.runs.compare import compare, summary
from sim.scenario.files import dump

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler) not installed")
FIGURE_TITLES = (
    "Figure 1. Metrics over time",
    "Figure 2. Metrics at the end of the horizon",
    "Figure 3. Money mobilised by source",
    "Figure 4. The pilot funnel",
)


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> Path:
    """A small comparison from two scenario files, 2 replicates of 6 steps, run serially."""
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
    compare(files, reps=2, steps=6, base_seed=1).write(out)
    return out


@pytest.fixture(scope="session")
def report(results) -> dict:
    """The report of ``results``, written by the command line into the folder, and its output."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["report", str(results)]) == 0
    pdf = results / "report.pdf"
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    text = None
    if PDFTOTEXT:
        command = [PDFTOTEXT, "-layout", str(pdf), "-"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {"pdf": pdf, "html": html, "text": text, "printed": printed.getvalue()}


def page_count(pdf: Path) -> int:
    """Count the page objects of a PDF written by Matplotlib (its page dicts are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))


# --- the report of a real comparison -------------------------------------------------------------


def test_the_command_writes_into_the_results_folder_and_says_so(results, report):
    pdf = report["pdf"]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = page_count(pdf)
    assert report["printed"] == f"wrote {pdf} ({pages} A4 pages) and {results / 'report.html'}\n"


def test_out_names_the_pdf_and_the_html_goes_beside_it(results, tmp_path, capsys):
    pdf = tmp_path / "new" / "council.pdf"
    assert main(["report", str(results), "--out", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and (tmp_path / "new" / "council.html").is_file()
    assert f"wrote {pdf} (" in capsys.readouterr().out


@needs_pdftotext
def test_pdf_pages_hold_the_sections_in_order(report):
    pages = report["text"].split("\f")[:-1]  # pdftotext ends every page with a form feed
    assert len(pages) == page_count(report["pdf"])
    assert "Comparison of 2 scenarios" in pages[0] and "1 Scenarios" not in pages[0]
    starts = {
        heading: next(i for i, page in enumerate(pages) if heading in page)
        for heading in (
            "1 Scenarios",
            "2 Metrics at the end of the horizon",
            "3 Figures",
            *FIGURE_TITLES,
            "A Provenance",
        )
    }
    order = list(starts.values())
    assert order == sorted(order) and order[0] == 1
    # the first figure follows the section's introduction; each other has a page of its own
    assert starts["Figure 1. Metrics over time"] == starts["3 Figures"]
    for title in FIGURE_TITLES[1:]:
        assert sum(title in page for page in pages) == 1
    figure_pages = [starts[title] for title in FIGURE_TITLES]
    assert figure_pages == list(range(figure_pages[0], figure_pages[0] + 4))
    assert starts["A Provenance"] == figure_pages[-1] + 1
    for number, page in enumerate(pages, start=1):
        assert re.search(rf"partnersim report of .*page {number}\s*$", page.strip())


def test_html_is_one_self_contained_page_with_the_figures(report):
    html = report["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)=["'](?!data:)""", html)  # nothing loaded from elsewhere
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 4
    for image in images:
        assert b"<svg" in base64.b64decode(image)[:500]
    for title in FIGURE_TITLES:
        assert title in html


def test_html_table_holds_the_summary_values(results, report):
    steps = pd.read_parquet(results / "steps.parquet")
    metrics = ["pilots_succeeded", "public_spend", "trust_org_mean"]
    table = summary(steps, metrics)
    for row in table.itertuples():
        mean, interval = estimate_cells(row.mean, row.lower, row.upper, row.unit)
        cells = (
            rf'<td class="left" style="color: #[0-9a-f]{{6}}">{row.scenario}</td>'
            rf'<td class="right">{re.escape(mean)}</td>'
            rf'<td class="right">{re.escape(interval)}</td><td class="right">{row.n}</td>'
        )
        assert re.search(cells, report["html"]), (row.metric, row.scenario)
    assert "public spend (M EUR): Cash public spend" in report["html"]


@needs_pdftotext
def test_pdf_holds_the_same_values(results, report):
    steps = pd.read_parquet(results / "steps.parquet")
    row = summary(steps, ["pilots_agreed"]).iloc[1]
    mean, interval = estimate_cells(row["mean"], row["lower"], row["upper"], row["unit"])
    assert re.search(rf"testbed\s+{re.escape(mean)}\s+{re.escape(interval)}\s+2", report["text"])


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
    assert '<td class="left">1, 2</td>' in html  # the seeds, base seed 1
    sources = " \\\n    ".join(entry["source"] for entry in manifest["scenarios"])
    command = f"partnersim compare \\\n    {sources} \\\n    --reps 2 \\\n    --seed 1"
    assert command in html and f"--steps 6 \\\n    --out {results}" in html
    # every scenario as a file: the testbed block says what it changes
    assert re.search(r"<pre>name: testbed\n.*incentives:\n  testbed: true\n", html, re.S)


@needs_pdftotext
def test_pdf_holds_the_provenance(results, report):
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["git_revision"] in report["text"]
    assert "partnersim compare" in report["text"] and "testbed: true" in report["text"]


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
            "missing (partnersim compare --out writes both)",
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


@pytest.mark.parametrize("mono", [False, True])
def test_wrapped_lines_fit_and_keep_every_word(mono):
    text = "  indented " + " ".join(f"word{k}" * (1 + k % 3) for k in range(60))
    lines = wrap(text, 2.5, 9.0, mono=mono)
    assert len(lines) > 3
    assert all(text_width(line, 9.0, mono=mono) <= 2.5 + 1e-9 for line in lines)
    assert all(line.startswith("  ") for line in lines)  # the indentation carries over
    assert " ".join(line.strip() for line in lines) == text.strip()
    assert wrap("x" * 200, 1.0, 9.0)[0] == "x" * len(wrap("x" * 200, 1.0, 9.0)[0])


@needs_pdftotext
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
    pdf = tmp_path / "t.pdf"
    pages = write_pdf(document, pdf)
    assert pages == page_count(pdf) > 1
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")[:-1]
    assert len(text) == pages
    for page in text:
        lines = [line.strip() for line in page.strip().splitlines() if line.strip()]
        assert re.fullmatch(r"name\s+value", lines[0 if page is not text[0] else 2])
        # a group heading is never the last row of a page
        body = [line for line in lines if not line.startswith("test")]
        assert not body[-1].startswith("group")
    every = "\n".join(text)
    assert all(f"item {g}-3" in every for g in range(30)) and "last: 1" in every


def test_tables_span_the_text_column():
    from sim.outputs.document_pdf import _column_widths

    table = Table(("a", "b"), (Row(("x", "1")),), "lr")
    assert sum(_column_widths(table, 8.5)) == pytest.approx(BODY_WIDTH)
    wide = Table(("a", "b"), (Row(("x", "long words " * 40)),), wrap=1)
    widths = _column_widths(wide, 8.5)
    assert sum(widths) == pytest.approx(BODY_WIDTH) and widths[0] < 0.5
