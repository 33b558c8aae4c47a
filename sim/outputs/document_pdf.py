"""A :class:`sim.outputs.document.Document` as an A4 PDF, laid out with Matplotlib.

Text flows down A4 pages between fixed margins: headings, wrapped paragraphs, tables (their
header repeated on every page they continue on, a group heading never left alone at the foot
of a page), fixed-width code. Each figure gets a page of its own: its title, the figure drawn
at its natural size on a subfigure of the page (so its fonts keep the size they were designed
for), and its caption. Text is measured with the fonts it is drawn in, so nothing runs into
the margins. Fonts are embedded as TrueType (Type 42), which print shops and text extraction
handle better than Matplotlib's default Type 3.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.outputs.document import Code, Document, Heading, Paragraph, Plot, Row, Table

if TYPE_CHECKING:
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure, FigureBase

A4: tuple[float, float] = (8.27, 11.69)
"""Page size in inches (ISO 216 A4, 210 x 297 mm)."""

BODY_WIDTH = 7.0
"""Width of the text column in inches: the width of the standard figures
(:data:`sim.outputs.style.PAGE_WIDTH`), so a figure fills the column at its natural size."""

MARGIN_LEFT = (A4[0] - BODY_WIDTH) / 2
"""Left margin in inches (16 mm); the right one is the same."""

MARGIN_TOP = 0.75
"""Top margin in inches."""

MARGIN_BOTTOM = 0.85
"""Bottom margin in inches; the footer sits inside it."""

FOOTER_FROM_BOTTOM = 0.45
"""Distance of the footer's baseline from the bottom edge, in inches."""

SIZES: dict[str, float] = {
    "title": 20.0,
    "section": 15.0,
    "subsection": 11.5,
    "body": 9.5,
    "note": 8.5,
    "table": 8.5,
    "code": 8.0,
    "footer": 7.5,
}
"""Font sizes in points; nothing is smaller than 7.5 pt, readable on paper."""

LEADING = 1.35
"""Line height as a multiple of the font size."""

CELL_PAD = 0.07
"""Horizontal padding inside a table cell, in inches."""

ROW_PAD = 0.025
"""Vertical padding above and below a table row's text, in inches."""

GREY = "0.3"
"""Colour of notes and the footer."""


def line_height(size: float) -> float:
    """Return the height in inches of a line of text at ``size`` points."""
    return size * LEADING / 72


@functools.cache
def text_width(text: str, size: float, *, weight: str = "normal", mono: bool = False) -> float:
    """Return the width in inches of ``text`` set in the document's font at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(family="monospace" if mono else "sans-serif", size=size, weight=weight)
    width, _, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return width / 72


def wrap(
    text: str, width: float, size: float, *, weight: str = "normal", mono: bool = False
) -> list[str]:
    """Break text into lines no wider than ``width`` inches, at spaces where possible.

    Widths of words and spaces add up (the fonts do not kern across a space), so each word is
    measured once. A line's leading spaces (indentation, as in YAML) start each of its wrapped
    lines; a word wider than a line is cut.

    Args:
        text: The text; existing line breaks are kept.
        width: Line width in inches.
        size: Font size in points.
        weight: Font weight.
        mono: Whether the text is set in the fixed-width font.

    Returns:
        The lines (at least one, possibly empty).
    """

    def measure(piece: str) -> float:
        return text_width(piece, size, weight=weight, mono=mono)

    space = measure(" ")
    limit = width + 1e-9  # columns are sized to their widest text exactly
    lines: list[str] = []
    for paragraph in text.split("\n"):
        body = paragraph.lstrip(" ")
        indent = paragraph[: len(paragraph) - len(body)]
        line, used = indent, measure(indent)
        for word in body.split(" "):
            fresh = line == indent
            needed = measure(word) + (0.0 if fresh else space)
            if used + needed <= limit:
                line = line + word if fresh else f"{line} {word}"
                used += needed
                continue
            if not fresh:
                lines.append(line)
            while measure(indent + word) > limit and len(word) > 1:
                fitting = [k for k in range(1, len(word)) if measure(indent + word[:k]) <= limit]
                cut = max(fitting, default=1)
                lines.append(indent + word[:cut])
                word = word[cut:]
            line, used = indent + word, measure(indent + word)
        lines.append(line)
    return lines


@dataclass
class _Cursor:
    """The page being filled and how far down it is (inches from the top edge)."""

    page: Figure | None = None
    y: float = 0.0
    empty: bool = True


class PdfWriter:
    """Lays out blocks on A4 pages and saves each page into a PDF as it fills."""

    def __init__(self, pdf: PdfPages, footer: str) -> None:
        """Start writing into ``pdf``; ``footer`` precedes the page number on every page."""
        self._pdf = pdf
        self._footer = footer
        self._cursor = _Cursor()
        self.pages = 0

    # --- pages ----------------------------------------------------------------------------------

    def _new_page(self) -> None:
        from matplotlib.figure import Figure

        self.finish()
        self._cursor = _Cursor(page=Figure(figsize=A4), y=MARGIN_TOP)

    def finish(self) -> None:
        """Write the current page (with its footer) if it has anything on it."""
        cursor = self._cursor
        if cursor.page is None or cursor.empty:
            return
        self.pages += 1
        footer = f"{self._footer}  ·  page {self.pages}"
        self._text(
            footer,
            A4[0] - MARGIN_LEFT,
            A4[1] - FOOTER_FROM_BOTTOM,
            "footer",
            ha="right",
            colour=GREY,
            baseline=True,
        )
        self._pdf.savefig(cursor.page)
        self._cursor = _Cursor()

    def _room(self) -> float:
        """Return the height left on the current page, in inches."""
        if self._cursor.page is None:
            return 0.0
        return A4[1] - MARGIN_BOTTOM - self._cursor.y

    def _need(self, height: float) -> None:
        """Start a new page unless ``height`` inches fit on this one (or it is still empty)."""
        if self._cursor.page is None or (height > self._room() and not self._cursor.empty):
            self._new_page()

    # --- drawing --------------------------------------------------------------------------------

    def _text(
        self,
        text: str,
        x: float,
        y: float,
        style: str,
        *,
        weight: str = "normal",
        colour: str | None = None,
        ha: str = "left",
        mono: bool = False,
        baseline: bool = False,
    ) -> None:
        """Put one line of text with its top (or baseline) at ``y`` inches from the top."""
        page = self._cursor.page
        page.text(
            x / A4[0],
            1 - y / A4[1],
            text,
            fontsize=SIZES[style],
            fontweight=weight,
            family="monospace" if mono else "sans-serif",
            color=colour or "black",
            ha=ha,
            va="baseline" if baseline else "top",
            parse_math=False,
            in_layout=False,
        )
        self._cursor.empty = False

    def _rule(self, y: float, x0: float, x1: float, *, width: float, colour: str = "0.15") -> None:
        """Draw a horizontal line ``y`` inches from the top, from ``x0`` to ``x1`` inches."""
        from matplotlib.lines import Line2D

        page = self._cursor.page
        line = Line2D(
            [x0 / A4[0], x1 / A4[0]],
            [1 - y / A4[1]] * 2,
            transform=page.transFigure,
            linewidth=width,
            color=colour,
        )
        line.set_in_layout(False)
        page.add_artist(line)

    def _lines(
        self,
        lines: list[str],
        style: str,
        *,
        weight: str = "normal",
        colour: str | None = None,
        mono: bool = False,
        indent: float = 0.0,
        keep: int = 1,
    ) -> None:
        """Set lines one under the other, breaking pages between them as needed.

        ``keep`` lines are kept together on one page (e.g. a heading with what follows).
        """
        step = line_height(SIZES[style])
        self._need(step * min(keep, len(lines)))
        for line in lines:
            self._need(step)
            self._text(
                line,
                MARGIN_LEFT + indent,
                self._cursor.y,
                style,
                weight=weight,
                colour=colour,
                mono=mono,
            )
            self._cursor.y += step

    def _gap(self, height: float) -> None:
        """Leave ``height`` inches of space (none at the top of a page)."""
        if not self._cursor.empty:
            self._cursor.y += height

    # --- blocks ---------------------------------------------------------------------------------

    def add(self, block: Heading | Paragraph | Table | Code | Plot) -> None:
        """Lay out one block."""
        if isinstance(block, Heading):
            self._heading(block)
        elif isinstance(block, Paragraph):
            style = "note" if block.note else "body"
            self._lines(
                wrap(block.text, BODY_WIDTH, SIZES[style]),
                style,
                colour=GREY if block.note else None,
            )
            self._gap(0.09)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Code):
            self._code(block)
        else:
            self._plot(block)

    def _heading(self, block: Heading) -> None:
        style = ("title", "section", "subsection")[min(block.level, 2)]
        if block.level == 1 and not self._cursor.empty:
            self._new_page()
        self._gap(0.12 if block.level == 2 else 0.0)
        lines = wrap(block.text, BODY_WIDTH, SIZES[style], weight="bold")
        # keep a heading with at least three lines of what follows
        self._need(line_height(SIZES[style]) * len(lines) + 3 * line_height(SIZES["body"]))
        self._lines(lines, style, weight="bold", colour=block.colour)
        self._gap(0.18 if block.level < 2 else 0.05)

    def _code(self, block: Code) -> None:
        indent = 0.15
        lines = [
            piece
            for line in block.text.splitlines()
            for piece in wrap(line, BODY_WIDTH - indent, SIZES["code"], mono=True)
        ]
        self._lines(lines, "code", mono=True, colour="0.1", indent=indent, keep=3)
        self._gap(0.12)

    # --- tables ---------------------------------------------------------------------------------

    def _table(self, table: Table) -> None:
        size = SIZES["table"]
        widths = _column_widths(table, size)
        cells = [_cell_lines(row, widths, size) for row in table.rows]  # lines per cell per row
        step = line_height(size)
        heights = [max(len(lines) for lines in row) * step + 2 * ROW_PAD for row in cells]
        header = [
            wrap(text, widths[i] - 2 * CELL_PAD, size, weight="bold")
            for i, text in enumerate(table.header)
        ]
        header_height = max(len(lines) for lines in header) * step + 2 * ROW_PAD
        right = MARGIN_LEFT + sum(widths)

        def draw_header() -> None:
            self._need(header_height + (heights[0] if heights else 0))
            top = self._cursor.y
            self._rule(top, MARGIN_LEFT, right, width=1.0)
            self._cells(header, widths, table, top, weight="bold")
            self._cursor.y += header_height
            self._rule(self._cursor.y, MARGIN_LEFT, right, width=0.6)

        draw_header()
        for i, (row, lines) in enumerate(zip(table.rows, cells, strict=True)):
            # a group heading stays with its first row
            needed = heights[i] + (heights[i + 1] if row.group and i + 1 < len(heights) else 0)
            if needed > self._room():
                self._rule(self._cursor.y, MARGIN_LEFT, right, width=1.0)
                self._new_page()
                draw_header()
            top = self._cursor.y
            if row.group and i > 0:
                self._rule(top, MARGIN_LEFT, right, width=0.4, colour="0.6")
            self._cells(
                lines,
                widths,
                table,
                top,
                weight="bold" if row.group else "normal",
                colour=row.colour,
            )
            self._cursor.y += heights[i]
        self._rule(self._cursor.y, MARGIN_LEFT, right, width=1.0)
        self._cursor.y += 0.15

    def _cells(
        self,
        lines: list[list[str]],
        widths: list[float],
        table: Table,
        top: float,
        *,
        weight: str,
        colour: str | None = None,
    ) -> None:
        """Set the lines of each cell of one row, the first cell in ``colour``."""
        step = line_height(SIZES["table"])
        left = MARGIN_LEFT
        for column, cell in enumerate(lines):
            align = table.alignment(column) if len(lines) > 1 else "left"
            x = left + widths[column] - CELL_PAD if align == "right" else left + CELL_PAD
            for k, line in enumerate(cell):
                self._text(
                    line,
                    x,
                    top + ROW_PAD + k * step,
                    "table",
                    weight=weight,
                    colour=colour if column == 0 else None,
                    ha=align,
                )
            left += widths[column]

    # --- figures --------------------------------------------------------------------------------

    def _plot(self, block: Plot) -> None:
        """Lay out a figure: title, the figure at its natural size, caption; then a new page.

        The figure joins what precedes it on a page if all of it fits there; a figure too
        tall for an empty page is shrunk to fit (its fonts keep their size).
        """
        title = wrap(block.title, BODY_WIDTH, SIZES["subsection"], weight="bold")
        title_height = len(title) * line_height(SIZES["subsection"]) + 0.1
        caption = wrap(block.caption, BODY_WIDTH, SIZES["body"])
        caption_height = len(caption) * line_height(SIZES["body"]) + 0.2

        def canvas(width: float, height: float) -> FigureBase:
            self._gap(0.2)
            self._need(title_height + height + caption_height)
            page = self._cursor.page
            self._lines(title, "subsection", weight="bold")
            self._cursor.y += 0.1
            top = self._cursor.y
            height = min(height, self._room() - caption_height)
            page.set_layout_engine("constrained")
            page.get_layout_engine().set(
                rect=(
                    MARGIN_LEFT / A4[0],
                    1 - (top + height) / A4[1],
                    width / A4[0],
                    height / A4[1],
                )
            )
            self._cursor.y += height
            return page.subfigures(1, 1)

        block.draw(canvas=canvas)
        self._cursor.y += 0.2
        self._lines(caption, "body")
        self.finish()


def _column_widths(table: Table, size: float) -> list[float]:
    """Return each column's width in inches: its widest cell, plus a share of what is left.

    A table spans the text column: the wrapping column takes what the others leave (and
    wraps if that is less than its widest cell); without one, every column gets an equal
    share of the surplus.
    """
    columns = len(table.header)
    rows = [row.cells for row in table.rows if not row.group]
    widths = [
        max(
            text_width(table.header[i], size, weight="bold"),
            *(text_width(cells[i], size) for cells in rows),
        )
        + 2 * CELL_PAD
        for i in range(columns)
    ]
    surplus = BODY_WIDTH - sum(widths)  # tables span the text column
    if table.wrap is not None:
        widths[table.wrap] = max(widths[table.wrap] + surplus, 1.0)
    elif surplus > 0:
        widths = [width + surplus / columns for width in widths]
    return widths


def _cell_lines(row: Row, widths: list[float], size: float) -> list[list[str]]:
    """Return the wrapped lines of each cell of a row (one spanning cell for a group row)."""
    if row.group:
        return [wrap(row.cells[0], sum(widths) - 2 * CELL_PAD, size, weight="bold")]
    return [wrap(text, widths[i] - 2 * CELL_PAD, size) for i, text in enumerate(row.cells)]


def write_pdf(document: Document, path: str | Path) -> int:
    """Write the document as an A4 PDF.

    Args:
        document: The document.
        path: The file to write (its folder is created if missing).

    Returns:
        The number of pages written.
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Title": document.title, "Creator": "partnersim"}
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path, metadata=metadata) as pdf:
        writer = PdfWriter(pdf, document.footer)
        for block in document.blocks:
            writer.add(block)
        writer.finish()
    return writer.pages
