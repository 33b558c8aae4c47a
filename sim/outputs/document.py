"""A small document model (headings, paragraphs, lists, tables, code, figures) and its HTML form.

A report is built once as a :class:`Document`, a list of blocks, and then written both as a
self-contained HTML page (:func:`write_html`, here) and as an A4 PDF typeset by Typst
(:func:`sim.outputs.document_typst.write_pdf`), so the two always carry the same content.
Figures are kept as drawing functions (:class:`Plot`) and drawn once per form as SVG: embedded
in the HTML page, placed by Typst on the PDF's pages.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""Folder of the Jinja2 templates."""


@dataclass(frozen=True)
class Heading:
    """A heading.

    Attributes:
        text: The heading.
        level: 0 for the document's title, 1 for a section (a new page in print), 2 for a
            subsection.
        colour: Text colour (e.g. a scenario's), or None for the default.
    """

    text: str
    level: int = 1
    colour: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text.

    Attributes:
        text: The text (plain, wrapped to the page).
        note: Whether it is a note (smaller and grey), e.g. a source or a reading aid.
    """

    text: str
    note: bool = False


@dataclass(frozen=True)
class Items:
    """A bulleted list of short paragraphs (e.g. the findings of a summary).

    Attributes:
        items: The text of each item.
    """

    items: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One row of a :class:`Table`.

    Attributes:
        cells: The cells, one per column (a group row has one).
        colour: Colour of the first cell's text (e.g. a scenario's), or None.
        group: Whether the row heads a group of rows, spanning the whole table.
    """

    cells: tuple[str, ...]
    colour: str | None = None
    group: bool = False


@dataclass(frozen=True)
class Table:
    """A table with a header row.

    Attributes:
        header: Column headings.
        rows: The rows.
        align: One letter per column, ``l`` (left) or ``r`` (right, for numbers); default all
            left.
        wrap: Index of the column whose text wraps to keep the table within the page width
            (it takes the width the others leave), or None.
    """

    header: tuple[str, ...]
    rows: tuple[Row, ...]
    align: str = ""
    wrap: int | None = None

    def alignment(self, column: int) -> str:
        """Return ``"left"`` or ``"right"`` for a column."""
        return "right" if self.align[column : column + 1] == "r" else "left"


@dataclass(frozen=True)
class Code:
    """Preformatted text in a fixed-width font, e.g. a command or a scenario file.

    Attributes:
        text: The text; lines are kept, long ones wrap.
    """

    text: str


@dataclass(frozen=True)
class Plot:
    """A figure with its title and caption.

    Attributes:
        title: Title shown above the figure (numbered by whoever builds the document).
        caption: What the figure shows and how to read it.
        draw: Draws the figure at its natural size: ``draw() -> Figure``.
    """

    title: str
    caption: str
    draw: Callable[[], Figure]


type Block = Heading | Paragraph | Items | Table | Code | Plot


@dataclass
class Document:
    """A document: its title, the footer of its printed pages, and its blocks in order.

    Attributes:
        title: Title of the document (the HTML page's title, the PDF's metadata).
        footer: Text at the foot of every printed page, before the page number.
        blocks: The content.
    """

    title: str
    footer: str
    blocks: list[Block] = field(default_factory=list)


def svg_bytes(fig: Figure) -> bytes:
    """Return a figure as SVG, cropped to what is drawn (as :func:`style.save_figure` crops)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.05)
    return buffer.getvalue()


def svg_data_uri(svg: bytes) -> str:
    """Return SVG as a ``data:`` URI, for an ``<img>`` that needs no other file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def to_html(document: Document, figures: dict[int, bytes] | None = None) -> str:
    """Return the document as one self-contained HTML page (figures embedded as SVG).

    Args:
        document: The document.
        figures: SVG of each :class:`Plot` by its index in ``document.blocks``, when already
            drawn (the PDF uses the same); drawn here otherwise.

    Returns:
        The HTML text.
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    figures = draw_figures(document) if figures is None else figures
    items = [
        (_kind(block), block, svg_data_uri(figures[i]) if i in figures else None)
        for i, block in enumerate(document.blocks)
    ]
    return environment.get_template("document.html").render(document=document, items=items)


def draw_figures(document: Document) -> dict[int, bytes]:
    """Draw every figure of a document once, as SVG, by the index of its block."""
    return {
        i: svg_bytes(block.draw())
        for i, block in enumerate(document.blocks)
        if isinstance(block, Plot)
    }


def _kind(block: Block) -> str:
    """Return a block's kind for the template: heading, paragraph, items, table, code or plot."""
    return type(block).__name__.lower()


def write_html(
    document: Document, path: str | Path, figures: dict[int, bytes] | None = None
) -> Path:
    """Write the document as a self-contained HTML page.

    Args:
        document: The document.
        path: The file to write (its folder is created if missing).
        figures: The figures as SVG, if already drawn (see :func:`to_html`).

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_html(document, figures), encoding="utf-8")
    return path
