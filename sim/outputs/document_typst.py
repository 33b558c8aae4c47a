"""The PDF form of a :class:`~sim.outputs.document.Document`, typeset by Typst.

Typst (https://typst.app, the ``typst`` Python package: the compiler in a wheel, with its own
fonts, nothing to install on the system) lays out the pages: line breaking and hyphenation,
page breaks, tables that continue on the next page with their header, figures kept with their
captions, and the page footer. This module only translates blocks into Typst markup
(:func:`to_typst`) and compiles it (:func:`write_pdf`). Why Typst rather than WeasyPrint or
Quarto is in ``docs/report.md``.

Every piece of text enters the markup as a Typst string literal (``#"..."``), so characters
that mean something in Typst markup (``*``, ``_``, ``#``, ``$``, ``@``, ``<``) print as they are.
Figures are the SVG that the HTML page embeds, placed at the text width.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sim.outputs.document import (
    Block,
    Code,
    Document,
    Heading,
    Items,
    Paragraph,
    Plot,
    Table,
    draw_figures,
)

FONT = "Libertinus Serif"
"""Body font, one of those compiled into Typst, so every machine sets the same pages."""

MONO = "DejaVu Sans Mono"
"""Font of code and scenario files (also compiled into Typst)."""

PREAMBLE = """\
#set document(title: {title})
#set page(paper: "a4", margin: (x: 18mm, top: 18mm, bottom: 20mm),
  footer: context [#set text(size: 8pt, fill: luma(90))
    {footer} #h(1fr) #counter(page).display()])
#set text(font: "{font}", size: 10.5pt, lang: "en")
#set par(justify: true, leading: 0.62em)
#show raw: set text(font: "{mono}", size: 7.5pt)
#show heading: set block(above: 1.3em, below: 0.7em)
#show heading.where(level: 1): it => {{ pagebreak(weak: true); set text(size: 15pt); it }}
#show heading.where(level: 2): set text(size: 11.5pt)
#show figure.caption: set text(size: 9pt)
#set figure(placement: none)
#show figure: set block(breakable: false)
#set table(stroke: none, inset: (x: 5pt, y: 3pt))
"""


def text(value: str) -> str:
    """Return text as Typst content that prints every character as it is."""
    return "#" + json.dumps(value, ensure_ascii=False)


def _coloured(value: str, colour: str | None) -> str:
    """Return text as content, in a colour when one is given."""
    if colour is None:
        return text(value)
    return f'#text(fill: rgb("{colour}"))[{text(value)}]'


def _heading(block: Heading) -> str:
    if block.level == 0:
        return f'#block(below: 1em)[#set text(size: 19pt, weight: "bold"); {text(block.text)}]'
    return f"#heading(level: {block.level})[{_coloured(block.text, block.colour)}]"


def _table(block: Table) -> str:
    columns = len(block.header)
    widths = ", ".join("1fr" if i == block.wrap else "auto" for i in range(columns))
    aligns = ", ".join(block.alignment(i) for i in range(columns))
    cells = [
        "table.header(" + ", ".join(f"[*{text(cell)}*]" for cell in block.header) + ")",
        "table.hline(stroke: 0.6pt)",
    ]
    for row in block.rows:
        if row.group:
            cells.append(
                f"table.cell(colspan: {columns}, inset: (top: 6pt))[*{text(row.cells[0])}*]"
            )
            continue
        cells.extend(
            f"[{_coloured(cell, row.colour if i == 0 else None)}]"
            for i, cell in enumerate(row.cells)
        )
    body = ",\n  ".join(cells)
    return (
        "#block(width: 100%)[#set text(size: 8.5pt)\n"
        f"#table(columns: ({widths},), align: ({aligns},),\n"
        "  table.hline(stroke: 1pt),\n"
        f"  {body},\n"
        "  table.hline(stroke: 1pt))]"
    )


def _block(block: Block, figure: str | None) -> str:
    """Return one block as Typst markup; ``figure`` is the SVG file of a :class:`Plot`."""
    if isinstance(block, Heading):
        return _heading(block)
    if isinstance(block, Paragraph):
        if block.note:
            return f"#block[#set text(size: 8.5pt, fill: luma(70)); {text(block.text)}]"
        return f"#par[{text(block.text)}]"
    if isinstance(block, Items):
        return "#list(" + ", ".join(f"[{text(item)}]" for item in block.items) + ")"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Code):
        return f"#raw({json.dumps(block.text, ensure_ascii=False)}, block: true)"
    if isinstance(block, Plot):
        return (
            f"#block(breakable: false, above: 2em)[#heading(level: 2)[{text(block.title)}]\n"
            f'#figure(image("{figure}", width: 100%), caption: [{text(block.caption)}], '
            "supplement: none, numbering: none)]"
        )
    raise TypeError(f"not a block of a document: {type(block).__name__}")


def to_typst(document: Document, figures: dict[int, str]) -> str:
    """Return the document as Typst markup.

    Args:
        document: The document.
        figures: The file name of each :class:`Plot`'s SVG by the index of its block.

    Returns:
        The markup: page setup, then every block in order; a level-1 heading starts a page.
    """
    head = PREAMBLE.format(
        title=json.dumps(document.title, ensure_ascii=False),
        footer=text(document.footer),
        font=FONT,
        mono=MONO,
    )
    body = "\n\n".join(_block(b, figures.get(i)) for i, b in enumerate(document.blocks))
    return f"{head}\n{body}\n"


def write_pdf(
    document: Document, path: str | Path, figures: dict[int, bytes] | None = None
) -> tuple[Path, int]:
    """Typeset the document as an A4 PDF.

    Args:
        document: The document.
        path: The PDF to write (its folder is created if missing).
        figures: SVG of each :class:`Plot` by its block index, if already drawn (the HTML page
            uses the same); drawn here otherwise.

    Returns:
        The path written and its number of pages.
    """
    import typst

    figures = draw_figures(document) if figures is None else figures
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="partnersim-report-") as folder:
        root = Path(folder)
        names = {}
        for index, svg in figures.items():
            names[index] = f"figure{index}.svg"
            (root / names[index]).write_bytes(svg)
        main = root / "report.typ"
        main.write_text(to_typst(document, names) + PAGES, encoding="utf-8")
        compiler = typst.Compiler(str(main), root=str(root), ignore_system_fonts=True)
        path.write_bytes(compiler.compile())
        pages = json.loads(compiler.query("<pages>", field="value", one=True))
    return path, int(pages)


PAGES = "#context [#metadata(counter(page).final().first()) <pages>]\n"
"""Markup that records the number of pages, for :func:`write_pdf` to query."""
