"""The CJK TrueType font used on paper and in the virtual printer's pictures.

WenQuanYi Micro Hei (Debian fonts-wqy-microhei) is TrueType inside a .ttc: face 0 is the
proportional face. reportlab rejects CFF (OpenType/PostScript) fonts, and the built-in
STSong-Light CID font is never used: it is not embedded and Ghostscript drops its digits.
"""

from __future__ import annotations

import threading
import zlib
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, overload

from printer.errors import FontMissing
from printer.glyphnames import name_subset_glyphs

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFontFace

DEFAULT_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "KioskCJK"
_lock = threading.Lock()
_registered: dict[str, Path] = {}


def check_font(path: Path | str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise FontMissing(f"{p} (install fonts-wqy-microhei or set [ui] font_path)")
    return p


def _named_face_class() -> type[TTFontFace]:
    """reportlab's font face, writing subsets whose glyphs are named (see glyphnames.py)."""
    from reportlab.pdfbase.ttfonts import TTFontFace  # reportlab loads lazily: startup time

    class NamedGlyphFace(TTFontFace):
        def makeSubset(self, subset: Sequence[int]) -> bytes:
            return name_subset_glyphs(super().makeSubset(subset), list(subset))

    return NamedGlyphFace


class GlyphMetrics(Sequence[tuple[float, int]]):
    """The font's (advance width, left side bearing) per glyph, as reportlab's subsetter reads
    them (`hmetrics[glyph]`), in two arrays instead of a list of tuples."""

    def __init__(self, pairs: Sequence[tuple[float, int]]) -> None:
        # as reportlab read them: the bearing as an unsigned short; the advance a raw uFWord,
        # or (past the table's numberOfHMetrics) the last one already scaled to 1/1000 em, a
        # float: the subsetter writes int() of either, so both are kept as they were
        self._advance = array("d", (aw for aw, _lsb in pairs))
        self._bearing = array("H", (lsb for _aw, lsb in pairs))

    def __len__(self) -> int:
        return len(self._advance)

    @overload
    def __getitem__(self, i: int) -> tuple[float, int]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[float, int]]: ...
    def __getitem__(self, i: int | slice) -> tuple[float, int] | list[tuple[float, int]]:
        if isinstance(i, slice):
            return list(zip(self._advance[i], self._bearing[i], strict=True))
        return self._advance[i], self._bearing[i]


def compact_face(face: TTFontFace) -> None:
    """Hold a parsed font in less memory (the kiosk builds A4 documents in its own process):
    reportlab keeps, per glyph of WenQuanYi's 49,531, a glyph -> characters map it reads only
    while parsing, a list of offsets and a list of (width, bearing) tuples; dropped, an array
    and GlyphMetrics: the font holds 11.8 MB instead of 21.9 (tracemalloc; parsing still peaks
    at 21.9, and what it frees serves what the kiosk allocates next). What the subsetter
    writes is unchanged (tested byte for byte against a face left as reportlab made it)."""
    vars(face).pop("glyphToChar", None)
    face.glyphPos = array("L", face.glyphPos)
    face.hmetrics = GlyphMetrics(face.hmetrics)


def warm_pdf_font(path: Path | str = DEFAULT_FONT_PATH) -> str:
    """Register the font and fill reportlab's width caches, as the first document would."""
    from reportlab.pdfbase import pdfmetrics

    name = register_pdf_font(path)
    pdfmetrics.stringWidth("社会保险权益记录 0123456789 ABC abc ￥", name, 10)
    return name


def register_pdf_font(path: Path | str = DEFAULT_FONT_PATH, face: int = 0) -> str:
    """Register the TrueType CJK font with reportlab (embedded, subset); return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    p = check_font(path)
    name = f"{FONT_NAME}-{zlib.crc32(f'{p}#{face}'.encode()):08x}"
    with _lock:
        if name in _registered:
            return name
        try:
            font = TTFont(name, str(p), subfontIndex=face)
        except TTFError as e:
            raise FontMissing(f"{p}: not a usable TrueType font ({e})") from e
        font.face.__class__ = _named_face_class()  # TTFont's face is a TTFontFace
        compact_face(font.face)
        pdfmetrics.registerFont(font)
        _registered[name] = p
    return name
