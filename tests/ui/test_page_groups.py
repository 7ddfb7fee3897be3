"""What must read as one group does, in every mode and window (issue 19's last review): card
services' help card (icon and words together, centred), the PIN reset's words and keypad in
portrait (one group in the middle, the keypad grown), history's sentence for a year without
the scheme in English too, and the timeout banner's count from a made-up state (no
controller) the same as the header's ring. One app start, no devices
(tests/ui/scenarios_groups.py); screenshots tests/artifacts/groups-*."""

from __future__ import annotations

import pytest

from tests.helpers.scenario_run import module_scenario

pytestmark = [pytest.mark.ui]

MODES = ("zh", "en", "zh-large", "en-large")
SIZES = ("1280x800", "1920x1080", "1080x1920")

seen = module_scenario("tests.ui.scenarios_groups:groups", timeout=300)


def _views(seen, name: str):
    for mode in MODES:
        for size in SIZES:
            yield f"{mode}|{size}", seen[f"{name}|{mode}|{size}"]


def test_the_pages_lay_out_in_every_mode_and_window(seen):
    assert "error" not in seen, seen.get("error")
    assert seen.get("problems", {}) == {}, seen.get("problems")


def test_the_help_cards_icon_and_words_are_one_group_in_the_middle(seen):
    dp = seen["dp"]
    for where, h in _views(seen, "card_services"):
        icon_x, _iy, icon_w, _ih = h["icon"]
        ink_left, ink_right = h["ink"]
        # the words start right after the icon: the label's spacing, a glyph's bearing at most
        gap = ink_left - (icon_x + icon_w)
        assert 0 <= gap <= h["spacing"] + 8 * dp, (where, gap, h)
        # the pair (icon, words as drawn) centred in the card
        card_x, _cy, card_w, _ch = h["card"]
        group_mid = (icon_x + ink_right) / 2
        assert abs(group_mid - (card_x + card_w / 2)) <= 12 * dp, (where, group_mid, h)
        # and level: the words' block centred on the icon
        text_mid = h["text_box"][1] + h["text_box"][3] / 2
        assert abs(text_mid - (h["icon"][1] + h["icon"][3] / 2)) <= 2, (where, h)


def test_the_pin_resets_words_and_keypad_are_one_group_in_portrait(seen):
    dp = seen["dp"]
    for mode in MODES:
        v = seen[f"pin_reset|{mode}|1080x1920"]
        body_x, body_y, body_w, body_h = v["body"]
        pad_x, pad_y, pad_w, pad_h = v["keypad"]
        words_bottom = min(y for _x, y, _w, _h in v["words"])
        words_top = max(y + h for _x, y, _w, h in v["words"])
        # the words above the keypad, close to it
        assert words_bottom >= pad_y + pad_h, (mode, v)
        assert words_bottom - (pad_y + pad_h) <= 64 * dp, (mode, v)
        # the group in the middle of the room below the header
        above, below = body_y + body_h - words_top, pad_y - body_y
        assert abs(above - below) <= 24 * dp, (mode, above, below)
        # the keypad grown into the room: the group fills at least 40 % of the page's height
        # (side by side it filled 27 %), the keypad larger than in landscape (440 x 470 dp)
        assert words_top - pad_y >= 0.4 * body_h, (mode, words_top - pad_y, body_h)
        assert pad_w > 440 * dp and pad_h > 470 * dp, (mode, v["keypad"])
        assert pad_x >= body_x and pad_x + pad_w <= body_x + body_w, (mode, v)


def test_the_keypad_stays_beside_the_words_in_landscape(seen):
    for mode in MODES:
        for size in ("1280x800", "1920x1080"):
            v = seen[f"pin_reset|{mode}|{size}"]
            pad_x = v["keypad"][0]
            assert all(x + w <= pad_x for x, _y, w, _h in v["words"]), (mode, size, v)


def test_history_says_the_year_has_none_of_the_scheme_in_english_too(seen):
    want = {"zh": "2025 年没有养老保险的缴费记录", "en": "No pension contributions in 2025"}
    for where, v in _views(seen, "history_gap"):
        assert v["text"] == want[where[:2]], (where, v["text"])
        assert v["icon"] == "empty" and v["shown"], where
        # drawn whole inside its widget: not clipped
        tx, ty, tw, th = v["text_box"]
        width, height = v["size"]
        assert tw > 0 and th > 0, where
        assert tx >= -1 and ty >= -1 and tx + tw <= width + 1 and ty + th <= height + 1, (
            where,
            v,
        )


def test_the_banner_counts_what_the_ring_shows_without_a_controller(seen):
    # 12 s of the 20 s warning left, read three times 0.7 s apart
    lefts = []
    for left, ring_text, banner_text in seen["warning"]:
        assert ring_text == f"{int(left)}秒"
        assert banner_text == f"{int(left)} 秒后将自动退出", (left, banner_text)
        lefts.append(left)
    assert 9 <= lefts[-1] < lefts[0] <= 12, lefts
