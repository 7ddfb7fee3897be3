"""screens/icons.py: every icon is the glyph the Debian icon font's own codepoint map names,
and the font draws it (ink, and not the font's 'missing glyph' box)."""

from __future__ import annotations

import re

import pytest
from PIL import ImageFont

from screens import icons
from screens.fonts import ICON_CODEPOINTS, ICON_FONT

pytestmark = pytest.mark.skipif(
    not ICON_FONT.is_file(),
    reason="fonts-material-design-icons-iconfont not installed (scripts/setup.sh)",
)

NEEDED = [
    "insurance",
    "history",
    "account",
    "benefits",
    "print",
    "pay",
    "card",
    "estimate",
    "certify",
    "face",
    "id_card",
    "pin",
    "lock",
    "exit",
    "back",
    "help",
    "speaker",
    "success",
    "error",
    "warning",
    "clock",
    "qr_code",
    "receipt",
    "unemployment",
    "work",
    "transfer",
    "medical",
]


def debian_codepoints() -> dict[str, int]:
    text = ICON_CODEPOINTS.read_text(encoding="utf-8")
    return {n: int(cp, 16) for n, cp in re.findall(r'"([a-z0-9_]+)":\s*([0-9a-f]{4,5})', text)}


def test_icons_match_the_fonts_codepoint_map():
    table = debian_codepoints()
    assert len(table) > 1000  # the map was read
    wrong = {
        name: (icon.material_name, hex(icon.codepoint), table.get(icon.material_name))
        for name, icon in icons.ICONS.items()
        if table.get(icon.material_name) != icon.codepoint
    }
    assert wrong == {}


def test_every_icon_has_ink_and_is_not_the_missing_box():
    font = ImageFont.truetype(str(ICON_FONT), 48)
    missing_box = bytes(font.getmask(chr(0x10FFFD)))
    bad = []
    for name, icon in icons.ICONS.items():
        mask = font.getmask(chr(icon.codepoint))
        if bytes(mask) == missing_box or sum(1 for p in mask if p > 128) < 50:
            bad.append(name)
    assert bad == []


def test_the_icons_the_issue_asks_for_exist():
    assert [n for n in NEEDED if n not in icons.ICONS] == []


def test_glyph_needs_the_font(monkeypatch):
    monkeypatch.setattr(icons, "font_ready", True)
    assert icons.glyph("print") == "\ue8ad"
    monkeypatch.setattr(icons, "font_ready", False)
    assert icons.glyph("print") == ""
    with pytest.raises(KeyError):
        icons.glyph("no-such-icon")
