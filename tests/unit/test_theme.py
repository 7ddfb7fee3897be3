"""The design tokens: every text colour pair keeps a contrast of at least 7:1 (WCAG 2.2 AAA),
large-text mode draws nothing under 30 sp, touch targets are 60 dp with 8 dp between them."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from kiosk.config import UIConfig
from screens import theme

SCREENS = Path(__file__).resolve().parents[2] / "screens"
AAA = 7.0


def test_contrast_of_every_pair_is_aaa():
    low = {
        name: round(theme.contrast(fg, bg), 2)
        for name, (fg, bg) in theme.PAIRS.items()
        if theme.contrast(fg, bg) < AAA
    }
    assert low == {}, f"text colour pairs under {AAA}:1: {low}"


def test_contrast_worked_example_text_on_danger():
    # White on DANGER (0.62, 0.10, 0.10), by the WCAG 2.2 relative-luminance formula:
    #   channel to linear light: c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
    #   0.62 -> (0.675 / 1.055) ** 2.4 = 0.63981 ** 2.4 = exp(2.4 x ln 0.63981)
    #        = exp(2.4 x -0.44658) = exp(-1.07179) = 0.34240
    #   0.10 -> (0.155 / 1.055) ** 2.4 = 0.146919 ** 2.4 = exp(2.4 x -1.91786) = 0.010022
    #   L(danger) = 0.2126 x 0.34240 + 0.7152 x 0.010022 + 0.0722 x 0.010022
    #             = 0.072794 + 0.007168 + 0.000724 = 0.080686
    #   L(white) = 1
    #   ratio = (1 + 0.05) / (0.080686 + 0.05) = 1.05 / 0.130686 = 8.03  (>= 7: AAA)
    assert theme.luminance(theme.DANGER) == pytest.approx(0.080686, abs=2e-5)
    assert theme.contrast(theme.TEXT_ON_DANGER, theme.DANGER) == pytest.approx(8.03, abs=0.01)
    # The order of the pair does not matter.
    assert theme.contrast(theme.DANGER, theme.TEXT_ON_DANGER) == theme.contrast(
        theme.TEXT_ON_DANGER, theme.DANGER
    )


def test_contrast_formula_known_values():
    assert round(theme.contrast((0, 0, 0, 1), (1, 1, 1, 1)), 1) == 21.0
    assert theme.contrast((0.5, 0.5, 0.5, 1), (0.5, 0.5, 0.5, 1)) == 1.0
    # Pure red on white: L(red) = 0.2126, (1.05) / (0.2626) = 3.998
    assert theme.contrast((1, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(3.998, abs=0.001)


def test_every_text_colour_has_a_checked_pair():
    """A TEXT_* colour with no pair in PAIRS would escape the check above."""
    paired = {fg for fg, _bg in theme.PAIRS.values()}
    unpaired = [
        name
        for name, value in vars(theme).items()
        if name.startswith("TEXT_") and isinstance(value, tuple) and value not in paired
    ]
    assert unpaired == []


def test_kv_text_colours_are_checked_colours():
    """A label's `color: theme.X` in any kv file is a colour that PAIRS checks as text (a
    chart or background colour used as text would have no checked contrast)."""
    paired = {fg for fg, _bg in theme.PAIRS.values()}
    used: dict[str, set[str]] = {}
    for kv in SCREENS.glob("*.kv"):
        for line in kv.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:disabled_)?color:\s*(.*)$", line)
            if m:
                for name in re.findall(r"theme\.([A-Z_]+)", m.group(1)):
                    used.setdefault(name, set()).add(kv.name)
    assert used, "no kv text colours found: the scan is broken"
    unchecked = {
        n: sorted(f)
        for n, f in used.items()
        if not isinstance(getattr(theme, n), dict) and getattr(theme, n) not in paired
    }
    assert unchecked == {}


def test_every_button_kind_is_a_checked_pair():
    pairs = set(theme.PAIRS.values())
    assert {(fg, bg) for bg, fg in theme.BUTTON_KINDS.values()} <= pairs


def test_font_roles_are_the_type_scale():
    assert set(theme.FONT_ROLES) == {f.name for f in fields(theme.TypeScale)}
    for role, size in theme.FONT_ROLES.items():
        assert theme.font(role) == f"{size}sp"
        assert getattr(theme.TYPE_SCALES["standard"], role) == size


def test_large_text_mode_draws_nothing_under_30_sp():
    # The config cannot ask for a smaller large-text scale than the theme assumes.
    scale_min = UIConfig.__dataclass_fields__["large_text_scale"].metadata["min"]
    assert scale_min == theme.LARGE_TEXT_SCALE == 1.4
    large = theme.TYPE_SCALES["large"]
    # FONT_CAPTION 22 sp x 1.4 = 30.8 sp, the smallest size of the scale
    assert large.smallest() == pytest.approx(30.8)
    assert large.smallest() >= theme.LARGE_TEXT_MIN_SP == 30
    standard = theme.TYPE_SCALES["standard"]
    for f in fields(standard):
        assert getattr(large, f.name) == pytest.approx(1.4 * getattr(standard, f.name)), f.name


def test_type_scale_grows_from_caption_to_mark():
    sizes = [getattr(theme.TYPE_SCALES["standard"], f.name) for f in fields(theme.TypeScale)]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    assert theme.TYPE_SCALES["standard"].smallest() == theme.FONT_CAPTION


def test_the_kiosk_pages_draw_text_only_at_the_type_scale():
    """A size of its own in a kv rule is a text face of its own (~0.3 MB of WenQuanYi, ~2.5 MB
    of Noto bold per size, theme.py) and a step outside the design system; "20sp" was also under
    the caption, the smallest size (large text then drew 28 sp, under the 30 sp minimum). The
    demo's hardware panel beside the kiosk (demo_panel.kv) is not a kiosk page."""
    literal = re.compile(r"font_size:\s*[\"']?\d")
    found = [
        f"{kv.name}:{n}: {line.strip()}"
        for kv in sorted(SCREENS.glob("*.kv"))
        if kv.name != "demo_panel.kv"
        for n, line in enumerate(kv.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert found == []


def test_touch_targets_and_gaps():
    assert theme.TARGET_DP >= 60
    assert theme.TARGET_GAP_DP >= 8
    assert theme.PRIMARY_BUTTON_DP >= theme.TARGET_DP
    assert theme.TILE_DP >= theme.TARGET_DP
    # Spacing steps are multiples of the 8 dp grid, so any two targets set SPACE_S apart or
    # more keep the 8 dp gap.
    steps = [theme.SPACE_S, theme.SPACE_M, theme.SPACE_L, theme.SPACE_XL]
    assert all(s % theme.SPACE == 0 for s in steps)
    assert min(steps) >= theme.TARGET_GAP_DP
