"""screens/fonts.py: the Simplified Chinese face of Debian's Noto Sans CJK collections becomes
a font file of its own (Kivy opens a collection at its first face, the Japanese one); without
Noto the configured font is used for regular and bold."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import ImageFont

from screens import fonts

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
needs_noto = pytest.mark.skipif(
    not fonts.NOTO_REGULAR.is_file(), reason="fonts-noto-cjk not installed (scripts/setup.sh)"
)


@needs_noto
def test_sc_faces_are_extracted_regular_and_bold(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "NOTO_FOR_REGULAR", True)  # the switch on: both faces copied out
    faces = fonts.text_faces(WQY, cache_dir=tmp_path)
    assert faces.family == "Noto Sans CJK SC" and faces.has_bold
    assert ImageFont.truetype(str(faces.regular), 20).getname() == ("Noto Sans CJK SC", "Regular")
    assert ImageFont.truetype(str(faces.bold), 20).getname() == ("Noto Sans CJK SC", "Bold")
    # The collection's face 2 is SC; face 0 (what Kivy would open) is JP.
    data = fonts.NOTO_REGULAR.read_bytes()
    dirs = fonts.collection_faces(data)
    assert fonts.face_family(data, dirs[0]) == "Noto Sans CJK JP"
    assert fonts.face_family(data, dirs[2]) == "Noto Sans CJK SC"
    # A standalone font's whole-file checksum is 0xB1B0AFBA (OpenType spec, 'head').
    blob = faces.regular.read_bytes()
    blob += b"\0" * (-len(blob) % 4)
    assert sum(struct.unpack(f">{len(blob) // 4}I", blob)) & 0xFFFFFFFF == 0xB1B0AFBA


@needs_noto
def test_extraction_is_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "NOTO_FOR_REGULAR", True)
    first = fonts.text_faces(WQY, cache_dir=tmp_path)
    stamp = first.regular.stat().st_mtime_ns
    again = fonts.text_faces(WQY, cache_dir=tmp_path)
    assert again == first and again.regular.stat().st_mtime_ns == stamp
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".otf", ".otf"]  # no .part left


def test_without_noto_the_configured_font_serves_both(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "NOTO_REGULAR", tmp_path / "missing.ttc")
    faces = fonts.text_faces(WQY, cache_dir=tmp_path)
    assert faces.regular == faces.bold == WQY and not faces.has_bold


def test_a_damaged_collection_falls_back(tmp_path, monkeypatch):
    bad = tmp_path / "bad.ttc"
    bad.write_bytes(b"OTTO" + b"\0" * 60)
    monkeypatch.setattr(fonts, "NOTO_REGULAR", bad)
    monkeypatch.setattr(fonts, "NOTO_BOLD", bad)
    assert fonts.text_faces(WQY, cache_dir=tmp_path).regular == WQY
    with pytest.raises(fonts.FontFileError):
        fonts.collection_faces(bad.read_bytes())


@needs_noto
def test_noto_for_bold_only(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "NOTO_FOR_REGULAR", False)
    faces = fonts.text_faces(WQY, cache_dir=tmp_path)
    assert faces.regular == WQY and faces.has_bold
    assert ImageFont.truetype(str(faces.bold), 20).getname() == ("Noto Sans CJK SC", "Bold")


def test_checksum_of_big_endian_words_with_a_padded_tail():
    # words 0x00000001 + 0x00000002 + 0x01000000 (the tail byte 01 padded to 01 00 00 00)
    # = 0x01000003; and the sum wraps at 32 bits: 0xFFFFFFFF + 0x00000002 = 0x00000001
    assert fonts._checksum(b"\0\0\0\x01\0\0\0\x02\x01") == 0x01000003
    assert fonts._checksum(b"\xff\xff\xff\xff\0\0\0\x02") == 0x00000001


# -- the flattened bold face (screens/font_flatten.py) -----------------------------------------

SAMPLE = "社会保障卡缴费明细个人账户龘犇鑫 0123456789 ¥,.:-（）Contribution"


def _subrs(font) -> int:
    """How many subroutines the font's CFF holds (global, and local in each font dict)."""
    top = font["CFF "].cff.topDictIndex[0]
    count = len(top.GlobalSubrs)
    dicts = top.FDArray if hasattr(top, "FDArray") else [top]
    for fd in dicts:
        local = getattr(fd.Private, "Subrs", None)
        count += len(local) if local is not None else 0
    return count


def _features(font) -> set[str]:
    return {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}


def _outlines(font, names) -> dict:
    from fontTools.pens.recordingPen import RecordingPen

    glyphs = font.getGlyphSet()
    out = {}
    for name in names:
        pen = RecordingPen()
        glyphs[name].draw(pen)
        out[name] = (pen.value, glyphs[name].width)
    return out


@needs_noto
def test_flattening_inlines_every_subroutine_and_keeps_every_outline(tmp_path):
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from screens import font_flatten

    # A small subroutinized CFF font cut from the SC bold face (the subsetter keeps the
    # subroutines the sample's glyphs call), then flattened as setup flattens the whole face.
    face = fonts.extract_face(fonts.NOTO_BOLD, fonts.NOTO_SC_FAMILY, tmp_path)
    small = tmp_path / "small.otf"
    options = subset.Options()
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=SAMPLE)
    source = TTFont(face)
    subsetter.subset(source)
    source.save(small)

    flat = font_flatten.flatten(small)
    assert flat == fonts.flat_path(small) and flat.is_file()
    assert not list(tmp_path.glob("*.part"))
    before, after = TTFont(small), TTFont(flat)
    assert _subrs(before) > 0  # else the test would not test the inlining
    assert _subrs(after) == 0
    assert after.getGlyphOrder() == before.getGlyphOrder()
    assert after.getBestCmap() == before.getBestCmap()
    assert _features(after) == _features(before) != set()
    names = before.getGlyphOrder()
    # Each glyph draws the same contours (points, curves, advance) from its inlined charstring.
    assert _outlines(after, names) == _outlines(before, names)
    assert ImageFont.truetype(str(flat), 20).getname() == ("Noto Sans CJK SC", "Bold")


def test_text_faces_takes_the_flattened_bold_face_once_setup_made_it(tmp_path, monkeypatch):
    if not fonts.NOTO_BOLD.is_file():
        pytest.skip("fonts-noto-cjk not installed (scripts/setup.sh)")
    monkeypatch.setattr(fonts, "NOTO_FOR_REGULAR", False)
    extracted = fonts.text_faces(WQY, cache_dir=tmp_path).bold
    assert extracted.name.endswith(".otf") and not extracted.name.endswith("-flat.otf")
    fonts.flat_path(extracted).write_bytes(extracted.read_bytes())  # as setup leaves it
    assert fonts.text_faces(WQY, cache_dir=tmp_path).bold == fonts.flat_path(extracted)


@needs_noto
def test_setup_flattened_this_machines_bold_face():
    """`make test` runs setup first: the kiosk here draws bold text from the flattened face."""
    bold = fonts.text_faces(WQY).bold
    assert bold.name.endswith("-flat.otf"), bold


def test_flattening_refuses_what_is_not_a_cff_font(tmp_path):
    from screens import font_flatten

    garbage = tmp_path / "garbage.otf"
    garbage.write_bytes(b"\x7fGARBAGE" + bytes(range(256)) * 4)  # no sfnt version
    with pytest.raises(fonts.FontFileError, match="not a font"):
        font_flatten.flatten(garbage)
    if fonts.ICON_FONT.is_file():  # TrueType outlines: nothing to inline
        with pytest.raises(fonts.FontFileError, match="no CFF"):
            font_flatten.flatten(fonts.ICON_FONT, tmp_path / "icons-flat.otf")
    assert not list(tmp_path.glob("*flat*")) and not list(tmp_path.glob("*.part"))
