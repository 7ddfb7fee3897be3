"""printer/fonts.compact_face: the parsed CJK font held in less memory, the subsets it writes
into documents unchanged."""

from __future__ import annotations

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from printer.fonts import DEFAULT_FONT_PATH, GlyphMetrics, compact_face, register_pdf_font

# what a rights record puts on paper: CJK, a rare name character, digits, ASCII, the yuan sign
TEXT = "社会保险个人权益记录 王小㛃 2026年12月3日 ABC abc 0123456789 ￥3,600.00"


def test_the_compacted_font_writes_the_same_subset_byte_for_byte():
    name = register_pdf_font(DEFAULT_FONT_PATH)
    compact = pdfmetrics.getFont(name).face
    assert isinstance(compact.hmetrics, GlyphMetrics)  # the font documents use is the compact one
    plain = TTFont("PlainForCompare", str(DEFAULT_FONT_PATH), subfontIndex=0).face
    codes = sorted({ord(c) for c in TEXT})
    # the base class's subsetter on both (ours names the glyphs afterwards, the same way)
    assert TTFontFace.makeSubset(compact, codes) == TTFontFace.makeSubset(plain, codes)
    # and the widths the layout measures with
    assert pdfmetrics.stringWidth(TEXT, name, 10) == pytest.approx(
        sum(plain.charWidths.get(c, plain.defaultWidth) for c in map(ord, TEXT)) * 10 / 1000
    )


def test_what_is_kept_is_compact_and_what_is_never_read_is_gone():
    face = TTFont("CompactMe", str(DEFAULT_FONT_PATH), subfontIndex=0).face
    pairs = list(face.hmetrics)
    offsets = list(face.glyphPos)
    compact_face(face)
    assert not hasattr(face, "glyphToChar")
    assert isinstance(face.hmetrics, GlyphMetrics)
    # every glyph's (advance, bearing) and offset as reportlab read them: past the table's
    # numberOfHMetrics the advance is already scaled (a float), the bearing an unsigned short
    assert len(face.hmetrics) == len(pairs) and list(face.hmetrics) == pairs
    assert any(isinstance(aw, float) for aw, _lsb in pairs)
    assert face.hmetrics[5:8] == pairs[5:8]
    assert list(face.glyphPos) == offsets
