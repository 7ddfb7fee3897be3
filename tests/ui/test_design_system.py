"""The design system as Kivy draws it (a fresh process under the test display): Noto Sans CJK
SC is the default font and its bold draws bolder than its regular; every icon of
screens/icons.py is a real glyph of the icon font; IconButton keeps its icon beside its label,
at least 60 dp high, wrapping a long label, following large-text mode live."""

from __future__ import annotations

import itertools

import pytest

from screens import icons, theme
from tests.helpers.scenario_run import module_scenario

# what Kivy draws with the kiosk's fonts: tests/ui/design_probe.py, its own process
probe = module_scenario(None, module="tests.ui.design_probe")


def test_noto_sans_cjk_sc_is_registered_with_a_real_bold(probe):
    faces = probe["faces"]
    assert faces["family"] == "Noto Sans CJK SC"
    assert faces["regular"] != faces["bold"]
    # Kivy resolves plain text to the regular file and bold text to the bold file ...
    assert probe["regular"]["file"] == faces["regular"]
    assert probe["bold"]["file"] == faces["bold"]
    # ... and the bold strokes cover clearly more pixels than the regular ones (with
    # WenQuanYi, which has no bold, both counts were the same).
    assert probe["bold"]["ink"] > 1.25 * probe["regular"]["ink"] > 0


def test_every_icon_draws_its_own_glyph(probe):
    assert probe["icon_font"] is True
    assert set(probe["icons"]) == set(icons.ICONS)
    missing = [n for n, r in probe["icons"].items() if r["is_notdef"] or r["ink"] < 50]
    assert missing == []


def test_icon_button_shows_icon_beside_label(probe):
    b = probe["button"]
    ix, _iy, iw, ih = b["icon_box"]
    tx, _ty, tw, _th = b["text_box"]
    assert iw > 0 and tw > 0
    assert ix + iw <= tx, "the icon is left of its label"
    # the pair is centred in the button: equal room on both sides (to a pixel)
    assert abs(ix - (b["width"] - (tx + tw))) <= 1
    assert b["height"] >= b["min_target"]
    assert b["height"] >= theme.PRIMARY_BUTTON_DP  # dp == px at this density
    # the icon is drawn larger than the text's size
    assert ih >= theme.ICON_SCALE * b["font_size"] * 0.9


def test_long_label_wraps_inside_the_button(probe):
    n = probe["narrow"]
    tx, _ty, tw, th = n["text_box"]
    assert tx + tw <= n["width"], "the label stays inside the button"
    assert th >= 2 * n["one_line_text_h"] - 2, "the long label took two lines or more"
    assert n["height"] > n["one_line_height"], "and the button grew to hold them"


def test_tile_puts_icon_above_label(probe):
    ix, iy, iw, _ih = probe["tile"]["icon_box"]
    tx, ty, tw, th = probe["tile"]["text_box"]
    assert iy >= ty + th, "icon above the label"
    assert abs((ix + iw / 2) - (tx + tw / 2)) <= 1, "both centred on one axis"


def test_icon_label_and_large_text(probe):
    assert probe["label"]["icon_box"][2] > 0
    b = probe["button"]
    # FONT_BUTTON 26 sp x 1.4 = 36.4 sp, live when large-text mode switches on
    assert b["font_size"] == pytest.approx(theme.FONT_BUTTON)
    assert b["font_size_large"] == pytest.approx(36.4, abs=0.01)


def test_without_the_icon_font_the_label_stands_alone(probe):
    assert probe["bare"]["icon_box"][2] == 0
    assert probe["bare"]["text_box"][2] > 0


gallery = module_scenario("tests.ui.scenarios_design:gallery")


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_gallery_in_the_app_taps_and_lays_out_without_loops(gallery):
    assert gallery["pressed"] == ["primary", "secondary", "danger"]
    assert gallery["layout_loops"] == 0
    boxes = gallery["standard"]["boxes"]
    buttons = [boxes[w]["pos"] + boxes[w]["size"] for w in ("primary", "secondary", "danger")]
    targets = buttons + gallery["standard"]["tiles"]
    for t in targets:
        assert min(t[2], t[3]) >= theme.TARGET_DP, t
    # no two touch targets overlap, and neighbours keep the 8 dp gap
    for i, a in enumerate(targets):
        for b in targets[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    (x1, _y1, w1, _h1), (x2, _y2, _w2, _h2) = buttons[0], buttons[1]
    assert x2 - (x1 + w1) >= theme.TARGET_GAP_DP - 0.5
    for name, box in boxes.items():
        tx, _ty, tw, _th = box["text_box"]
        assert tx >= 0 and tx + tw <= box["size"][0] + 0.5, f"{name}: label outside its box"


def test_solid_shapes_sample_one_texel(gallery):
    # a shape without a picture is filled from Kivy's default white texture: nearest, not
    # bilinear, filtering (one texel a pixel on software GL instead of four)
    assert gallery["solid_fill"] == {"same_texture": True, "filters": ["nearest", "nearest"]}


def test_gallery_in_large_text(gallery):
    large = gallery["large"]
    assert large["font_size"] == pytest.approx(theme.FONT_BUTTON * 1.4, abs=0.01)
    tx, _ty, tw, _th = large["text_box"]
    assert tx + tw <= large["width"] + 0.5
    for tx, ty, tw, th, w, h in large["tile_text"]:
        assert tx >= 0 and tx + tw <= w + 0.5 and ty >= 0 and ty + th <= h + 0.5


def test_cards_title_status_and_empty(gallery):
    pension, empty = gallery["cards"]["pension"], gallery["cards"]["empty"]
    # a titled card: its title drawn inside the card, above its body, the stripe's room on the
    # left (padding SPACE_M 16 + stripe SPACE 8 = 24 dp)
    tx, _ty, tw, _th = pension["title_text_box"]
    assert tw > 0 and pension["title_pos"][0] == pytest.approx(24)
    assert pension["title_pos"][1] > pension["body_pos"][1]
    assert pension["title_pos"][0] + tx + tw <= pension["size"][0]
    # an untitled card takes no room for a title: body at the 16 dp padding
    assert empty["title_height"] == 0
    assert empty["body_pos"][0] == pytest.approx(theme.SPACE_M)


@pytest.mark.parametrize("mode", ["standard", "large"])
def test_step_indicator_names_fit_side_by_side(gallery, mode):
    steps = gallery["steps"] if mode == "standard" else gallery["large"]["steps"]
    width, height = steps["size"]
    names = [name for _circle, name in steps["boxes"]]
    assert len(names) == 4
    for x, y, w, h in names:
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height
    for (x1, _y1, w1, _h1), (x2, _y2, _w2, _h2) in itertools.pairwise(names):
        assert x1 + w1 <= x2, "step names overlap"
    circles = [c for c, _name in steps["boxes"]]
    assert all(c[1] > n[1] + n[3] for c, n in zip(circles, names, strict=True))


def test_time_ring(gallery):
    # 25 of 45 seconds left: the ring shows 25 / 45 = 0.5556 of its circle
    assert gallery["ring"]["fraction"] == pytest.approx(25 / 45)
    assert min(gallery["ring"]["size"]) >= theme.TARGET_DP
    large = gallery["large"]["ring"]
    # in large text the ring grows with its text: 22 sp x 1.4 = 30.8 sp, x 3.4 = 104.7 px
    assert large["font_size"] == pytest.approx(30.8, abs=0.01)
    assert min(large["size"]) == pytest.approx(30.8 * 3.4, abs=0.1)
