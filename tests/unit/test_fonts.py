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
