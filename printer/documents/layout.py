"""A small page-layout engine for the A4 documents, drawn straight onto a reportlab canvas.

Why not platypus: the rights record has 1,800 rows and must build in well under a second, and we
need the page count before drawing ("第 x 页 共 y 页") and the position of chosen cells (tests
check that amounts and codes are visibly inked there). So: lay out first (pure arithmetic on
string widths), then draw. Tables repeat their header row (and title, marked 续) on each page.

Units: points, origin bottom-left (reportlab's).
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qrcode
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from printer.documents.built import BuiltDocument, Mark

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
GREY = 0.88


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # points
    align: str = "left"  # left | right | center
    shorten: bool = False  # a name too long for the cell ends in "…" (never a figure)


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list[tuple[str, ...]]
    font_size: float = 7.5
    row_height: float = 4.2 * mm
    header: bool = True
    mark_columns: tuple[int, ...] = ()  # record the first row's cells of these on each page
    mark_label: str = ""


@dataclass
class Paragraph:
    text: str
    font_size: float = 9.0
    leading: float = 1.5  # line height = font size x leading
    indent: float = 0.0


@dataclass
class Heading:
    text: str
    font_size: float = 11.0


@dataclass
class Spacer:
    height: float


Block = Table | Paragraph | Heading | Spacer


@dataclass
class PageFrame:
    """What every page shows around the body: drawn by a callback that knows page x of y."""

    draw: Callable[[Canvas, int, int, list[Mark]], None]
    top: float  # body starts below this y
    bottom: float  # and ends above this y


# One drawing operation on a page: (kind, args).
_Op = tuple[str, tuple[Any, ...]]


class _Layout:
    def __init__(self, font: str, frame: PageFrame) -> None:
        self.font = font
        self.frame = frame
        self.pages: list[list[_Op]] = [[]]
        self.y = frame.top

    @property
    def ops(self) -> list[_Op]:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append([])
        self.y = self.frame.top

    def room(self) -> float:
        return self.y - self.frame.bottom

    def add(self, block: Block) -> None:
        if isinstance(block, Spacer):
            self.y -= block.height
        elif isinstance(block, Heading):
            h = block.font_size * 1.8
            if self.room() < h + 12 * mm:  # keep a heading with what follows
                self.new_page()
            self.ops.append(
                ("text", (MARGIN, self.y - block.font_size, block.text, block.font_size))
            )
            self.y -= h
        elif isinstance(block, Paragraph):
            width = PAGE_W - 2 * MARGIN - block.indent
            line_h = block.font_size * block.leading
            for line in wrap_text(block.text, self.font, block.font_size, width):
                if self.room() < line_h:
                    self.new_page()
                x = MARGIN + block.indent
                self.ops.append(("text", (x, self.y - block.font_size, line, block.font_size)))
                self.y -= line_h
        else:
            self._table(block)

    def _table(self, t: Table) -> None:
        title_h = 6 * mm if t.title else 0
        head_h = t.row_height if t.header else 0
        first_on_page = True
        i = 0
        continued = False
        while i < len(t.rows) or (not t.rows and first_on_page):
            if self.room() < title_h + head_h + t.row_height:
                self.new_page()
            if t.title:
                title = t.title + ("（续）" if continued else "")
                self.ops.append(("text", (MARGIN, self.y - 10, title, 10)))
                self.y -= title_h
            fit = int((self.room() - head_h) // t.row_height)
            chunk = t.rows[i : i + fit]
            self.ops.append(("table", (t, self.y, chunk)))
            self.y -= head_h + len(chunk) * t.row_height + 3 * mm
            i += len(chunk)
            continued = True
            first_on_page = False
            if not t.rows:
                break


# What a line may break between (docs/printing.md "Line breaks"): spaces, and between
# Chinese characters; never inside a number, a date (2024-12, 2024年12月), an amount
# (￥1,206.98), an ID or a code, which are one atom each. Opening brackets stay with what
# follows them, closing punctuation with what precedes it (no line starts with "，" or "）").
_ATOM = re.compile(
    r"\s+"
    r"|[（(「『“‘《【]*"
    r"(?:\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d{1,2}月\d{1,2}日"
    r"|[￥¥$]?[0-9A-Za-z][0-9A-Za-z.,:;/\\\-_+*#%@=?&~]*"
    r"|.)"
    r"[)）」』”’》】，。、；：！？,.;:!?%]*",
    re.S,
)


def atoms(text: str) -> list[str]:
    """The unbreakable pieces of a line of text, in order ("".join(atoms(t)) == t)."""
    return _ATOM.findall(text)


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width`, only between atoms (see _ATOM); spaces
    at a break are dropped. An atom wider than a whole line (a long URL) is the one thing
    broken inside, character by character."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur = ""
        for atom in atoms(para):
            if stringWidth(cur + atom, font, size) <= width:
                cur += atom
                continue
            if cur.strip():
                lines.append(cur.rstrip())
            cur = "" if atom.isspace() else atom
            while stringWidth(cur, font, size) > width and len(cur) > 1:
                cut = len(cur) - 1
                while cut > 1 and stringWidth(cur[:cut], font, size) > width:
                    cut -= 1
                lines.append(cur[:cut])
                cur = cur[cut:]
        lines.append(cur.rstrip())
    return lines


def build(
    blocks: list[Block], font: str, frame: PageFrame, title: str, subject: str = ""
) -> BuiltDocument:
    layout = _Layout(font, frame)
    for b in blocks:
        layout.add(b)
    total = len(layout.pages)
    buf = io.BytesIO()
    # invariant=1: fixed creation date and document ID, so equal input gives equal bytes.
    c = Canvas(
        buf,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        initialFontName=font,  # type: ignore[arg-type]  # a font name; types-reportlab says float
    )
    c.setTitle(title)
    c.setSubject(subject)
    c.setCreator("shebao-kiosk")
    c.setAuthor("")
    marks: list[Mark] = []
    for n, ops in enumerate(layout.pages, start=1):
        frame.draw(c, n, total, marks)
        c.setFillGray(0)
        for kind, args in ops:
            if kind == "text":
                x, y, text, size = args
                c.setFont(font, size)
                c.drawString(x, y, text)
            else:
                _draw_table(c, font, n, marks, *args)
        c.showPage()
    c.save()
    return BuiltDocument(buf.getvalue(), total, marks)


def _draw_table(
    c: Canvas,
    font: str,
    page: int,
    marks: list[Mark],
    t: Table,
    top: float,
    rows: list[tuple[str, ...]],
) -> None:
    x0 = MARGIN
    widths = [col.width for col in t.columns]
    x1 = x0 + sum(widths)
    rh = t.row_height
    n_rows = len(rows) + (1 if t.header else 0)
    bottom = top - n_rows * rh
    pad = 1.2 * mm
    base = (rh - t.font_size) / 2 + 0.6  # baseline offset inside a row
    if t.header:
        c.setFillGray(GREY)
        c.rect(x0, top - rh, x1 - x0, rh, stroke=0, fill=1)
        c.setFillGray(0)
    c.setLineWidth(0.4)
    c.setStrokeGray(0.35)
    c.rect(x0, bottom, x1 - x0, top - bottom, stroke=1, fill=0)
    c.setLineWidth(0.2)
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    path = c.beginPath()
    for x in xs[1:-1]:
        path.moveTo(x, top)
        path.lineTo(x, bottom)
    for r in range(1, n_rows):
        y = top - r * rh
        path.moveTo(x0, y)
        path.lineTo(x1, y)
    c.drawPath(path, stroke=1, fill=0)
    text = c.beginText()
    text.setFont(font, t.font_size)
    lines = ([tuple(col.title for col in t.columns)] if t.header else []) + list(rows)
    for r, row in enumerate(lines):
        y = top - (r + 1) * rh + base
        is_head = t.header and r == 0
        first_data = r == (1 if t.header else 0)
        for k, (col, s) in enumerate(zip(t.columns, row, strict=False)):
            if not s:
                continue
            if col.shorten and not is_head:
                s = _shortened(s, font, t.font_size, col.width - 2 * pad)
            align = "center" if is_head else col.align
            if align == "left":
                tx0 = xs[k] + pad
            else:
                tw = _width(s, font, t.font_size)
                if align == "right":
                    tx0 = xs[k] + col.width - pad - tw
                else:
                    tx0 = xs[k] + (col.width - tw) / 2
            text.setTextOrigin(tx0, y)
            text.textOut(s)
            if (first_data and k in t.mark_columns) or (is_head and k == 0):
                label = "table-header" if is_head else t.mark_label
                tw = _width(s, font, t.font_size)
                marks.append(Mark(page, label, s, tx0, y - 1.5, tx0 + tw, y + t.font_size))
    c.drawText(text)


_widths: dict[tuple[str, str, float], float] = {}


def _shortened(s: str, font: str, size: float, width: float) -> str:
    if _width(s, font, size) <= width:
        return s
    while len(s) > 1 and _width(s + "…", font, size) > width:
        s = s[:-1]
    return s + "…"


def _width(s: str, font: str, size: float) -> float:
    key = (s, font, size)
    w = _widths.get(key)
    if w is None:
        if len(_widths) > 50_000:
            _widths.clear()
        w = _widths[key] = stringWidth(s, font, size)
    return w


@functools.lru_cache(maxsize=32)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def draw_qr(c: Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code as filled rectangles (one per run of dark modules), quiet zone included."""
    matrix = qr_matrix(data)
    n = len(matrix)
    m = size / n
    c.setFillGray(0)
    for r, row in enumerate(matrix):
        k = 0
        while k < n:
            if row[k]:
                start = k
                while k < n and row[k]:
                    k += 1
                c.rect(x + start * m, y + size - (r + 1) * m, (k - start) * m, m, stroke=0, fill=1)
            else:
                k += 1


def mark_text(
    c: Canvas, marks: list[Mark], page: int, label: str, font: str, size: float,
    x: float, y: float, text: str,
) -> None:  # fmt: skip
    """drawString that also records where the text went."""
    c.setFont(font, size)
    c.drawString(x, y, text)
    marks.append(Mark(page, label, text, x, y - 1.5, x + stringWidth(text, font, size), y + size))
