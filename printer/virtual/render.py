"""Renders a decoded job as text (48 columns, aligned by display width) and as a PNG (576 dots,
the width of 80 mm paper at 203 dpi) with a real, scannable QR image."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from printer.escpos_bytes import COLUMNS
from printer.fonts import DEFAULT_FONT_PATH
from printer.textwidth import char_width, width
from printer.virtual.decoder import Cut, DecodedJob, Feed, QrCode, Raster, TextLine

DOTS = 576
CELL_W, CELL_H = 12, 24  # font A
LINE_GAP = 6
CUT_MARK = "✂ " + "-" * (COLUMNS - 4)


def render_text(job: DecodedJob, columns: int = COLUMNS) -> str:
    out: list[str] = []
    for e in job.elements:
        if isinstance(e, TextLine):
            # Double-width text takes twice the columns; the text keeps one character per glyph.
            cols = sum(width(t) * s.width for t, s in e.segments)
            out.append(_aligned(e.text, e.align, columns, cols))
        elif isinstance(e, QrCode):
            out.append(_aligned(f"[QR {e.ecc} {e.module_size}] {e.data}", e.align, columns))
        elif isinstance(e, Raster):
            out.append(_aligned(f"[IMAGE {e.width}x{e.height}]", e.align, columns))
        elif isinstance(e, Feed):
            out.extend([""] * e.lines)
        elif isinstance(e, Cut):
            out.append("✂ " + "-" * (columns - 3))
    return "\n".join(out) + "\n"


def _aligned(text: str, align: int, columns: int, used: int | None = None) -> str:
    gap = max(columns - (width(text) if used is None else used), 0)
    if align == 1:
        return " " * (gap // 2) + text
    if align == 2:
        return " " * gap + text
    return text


class _Fonts:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: dict[int, ImageFont.FreeTypeFont] = {}

    def get(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self._cache:
            # Face 1 of WenQuanYi Micro Hei is its Mono face: half-width ASCII, as on the
            # printer's 12 x 24 grid; a single-face font file has only face 0.
            try:
                font = ImageFont.truetype(str(self.path), size, index=1)
            except OSError:
                font = ImageFont.truetype(str(self.path), size, index=0)
            self._cache[size] = font
        return self._cache[size]


def render_png(job: DecodedJob, font_path: Path = DEFAULT_FONT_PATH) -> bytes:
    """The job as printed: black on white, 576 dots wide, PNG bytes."""
    fonts = _Fonts(font_path)
    blocks: list[Image.Image] = [Image.new("L", (DOTS, 8), 255)]
    for e in job.elements:
        if isinstance(e, TextLine):
            blocks.append(_text_block(e, fonts))
        elif isinstance(e, QrCode):
            blocks.append(_placed(_qr_image(e), e.align))
        elif isinstance(e, Raster):
            blocks.append(_placed(_raster_image(e), e.align))
        elif isinstance(e, Feed):
            if e.lines:
                blocks.append(Image.new("L", (DOTS, e.lines * (CELL_H + LINE_GAP)), 255))
        elif isinstance(e, Cut):
            img = Image.new("L", (DOTS, 20), 255)
            d = ImageDraw.Draw(img)
            for x in range(0, DOTS, 12):
                d.line([(x, 10), (x + 6, 10)], fill=128)
            blocks.append(img)
    height = sum(b.height for b in blocks) + 8
    page = Image.new("L", (DOTS, height), 255)
    y = 0
    for b in blocks:
        page.paste(b, (0, y))
        y += b.height
    buf = io.BytesIO()
    page.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _text_block(line: TextLine, fonts: _Fonts) -> Image.Image:
    h = line.height * CELL_H + LINE_GAP
    img = Image.new("L", (DOTS, h), 255)
    cols = sum(width(t) * s.width for t, s in line.segments)
    x = {1: (DOTS - cols * CELL_W) // 2, 2: DOTS - cols * CELL_W}.get(line.align, 0)
    x = max(x, 0)
    d = ImageDraw.Draw(img)
    for text, style in line.segments:
        font = fonts.get(CELL_H * style.height - 2)
        for c in text:
            cw = char_width(c) * CELL_W * style.width
            if c != " ":
                top = h - LINE_GAP - CELL_H * style.height
                d.text((x, top), c, font=font, fill=0, stroke_width=1 if style.bold else 0)
            if style.underline:
                d.line([(x, h - LINE_GAP), (x + cw, h - LINE_GAP)], fill=0, width=2)
            x += cw
    return img


def _qr_image(q: QrCode) -> Image.Image:
    ecc = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }[q.ecc]
    code = qrcode.QRCode(error_correction=ecc, box_size=max(q.module_size, 1), border=4)
    code.add_data(q.data.encode("utf-8"))
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def _raster_image(r: Raster) -> Image.Image:
    bits = b"".join(r.rows)
    img = Image.frombytes("1", (r.width, r.height), bits).convert("L")
    img = Image.eval(img, lambda v: 255 - v)  # ESC/POS: 1 = black dot; PIL "1": 1 = white
    if r.scale_x != 1 or r.scale_y != 1:
        img = img.resize((r.width * r.scale_x, r.height * r.scale_y), Image.Resampling.NEAREST)
    return img


def _placed(img: Image.Image, align: int) -> Image.Image:
    if img.width > DOTS:
        img = img.crop((0, 0, DOTS, img.height))
    block = Image.new("L", (DOTS, img.height + LINE_GAP), 255)
    x = {1: (DOTS - img.width) // 2, 2: DOTS - img.width}.get(align, 0)
    block.paste(img, (x, 0))
    return block
