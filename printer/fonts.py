"""The CJK TrueType font used on paper and in the virtual printer's pictures.

WenQuanYi Micro Hei (Debian fonts-wqy-microhei) is TrueType inside a .ttc: face 0 is the
proportional face. reportlab rejects CFF (OpenType/PostScript) fonts, and the built-in
STSong-Light CID font is never used: it is not embedded and Ghostscript drops its digits.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

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
        pdfmetrics.registerFont(font)
        _registered[name] = p
    return name
