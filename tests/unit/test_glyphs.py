"""Every character the UI and the catalog show exists in every font the UI may draw with:
Noto Sans CJK SC regular and bold, and the configured font used without Noto (Kivy has no font
fallback: a missing glyph is an empty box on screen)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import ImageFont

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.i18n import LANGUAGES, Catalog
from screens.fonts import text_faces

SCREENS = Path(__file__).resolve().parents[2] / "screens"


def _fonts() -> list[Path]:
    configured = load_config(DEFAULT_CONFIG).ui.font_path
    faces = text_faces(configured)
    return sorted({configured, faces.regular, faces.bold})


@pytest.mark.parametrize("path", _fonts(), ids=lambda p: p.name)
def test_every_shown_character_is_in_the_font(path):
    font = ImageFont.truetype(str(path), 20)
    missing_mask = bytes(font.getmask("\ue000"))
    cat = Catalog.load()
    text = "".join(cat.get(k, lang) for k in cat.all_keys() for lang in LANGUAGES)
    for f in SCREENS.glob("*.kv"):
        text += "".join(re.findall(r'"([^"]*)"', f.read_text(encoding="utf-8")))
    text += "●△○✓￥"
    missing = sorted(
        {
            ch
            for ch in set(text)
            if ch.strip() and not ch.isascii() and bytes(font.getmask(ch)) == missing_mask
        }
    )
    assert missing == [], f"characters missing from the font: {missing}"
