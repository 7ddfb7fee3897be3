"""The app boots under Xvfb, draws the attract screen, switches language and text size."""

from __future__ import annotations

import pytest
from PIL import Image, ImageStat

pytestmark = pytest.mark.ui


def assert_not_blank(path) -> None:
    img = Image.open(path).convert("RGB")
    assert img.size[0] >= 640 and img.size[1] >= 480
    colours = img.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50, "the screenshot is (nearly) one colour"
    assert max(ImageStat.Stat(img).stddev) > 10, "the screenshot has no contrast"


def test_screenshot_flag_writes_the_attract_screen(kiosk_cli, tmp_path):
    target = tmp_path / "shots" / "attract.png"
    proc = kiosk_cli("--screenshot", str(target))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert target.is_file()
    assert "attract screen drawn" in proc.stdout
    assert_not_blank(target)


def test_bad_config_gives_one_clear_error(kiosk_cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[ui]\nfont_path = "/nonexistent/font.ttf"\n', encoding="utf-8")
    proc = kiosk_cli("--screenshot", str(tmp_path / "x.png"), env={"KIOSK_CONFIG": str(bad)})
    assert proc.returncode == 2
    assert "[ui] font_path" in proc.stderr and "no such file" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.png").exists()


# what the attract screen's 朗读 reads in English: its three lines, as shown
EN_INVITATION = (
    "Please insert your social security card. Chip facing up, into the card reader. "
    "or lay your ID card flat on the reader"
)


def test_language_switch_and_large_text_are_live(run_scenario):
    seen = run_scenario("tests.ui.scenarios_attract:switch_language_and_size")
    zh, en, back = seen["start"], seen["after_language_tap"], seen["back_to_zh"]
    assert zh["lang"] == "zh"
    assert zh["texts"]["title"] == "请插入社会保障卡"
    assert zh["texts"]["language_button"] == "English"
    assert zh["texts"]["large_text_button"] == "长辈模式"
    assert zh["texts"]["terminal"] == "终端号 KIOSK-0001"
    assert en["lang"] == "en"
    assert en["texts"]["title"] == "Please insert your social security card"
    assert en["texts"]["language_button"] == "中文"
    assert en["texts"]["large_text_button"] == "Large text"
    # every visible string changed language, none stayed behind
    for key in zh["texts"]:
        assert zh["texts"][key] != en["texts"][key], key
    assert back["texts"] == zh["texts"] | {"large_text_button": "标准模式"}
    large = seen["after_large_tap"]
    assert large["large_text"] is True
    assert large["title_font"] >= 1.4 * zh["title_font"] - 0.01
    assert large["title_height"] > zh["title_height"]
    assert large["texts"]["large_text_button"] == "Standard text"
    for name in ("shot_zh", "shot_en", "shot_large"):
        assert_not_blank(seen[name])
    # 朗读 (same app start): reads what the screen invites the member to do, as each member
    # page reads its title and main action, in the language shown; nothing said unasked
    assert seen["start"]["texts"]["speaker"] == "朗读"
    assert seen["after_language_tap"]["texts"]["speaker"] == "Read aloud"
    # a tap cuts whatever is being said (interrupt) and reads the invitation as shown
    assert seen["heard"] == [
        # the test config has an ID-card reader: its way in is read too
        ["zh", "请插入社会保障卡。芯片朝上，插入读卡器。或将身份证平放在感应区", True],
        ["en", EN_INVITATION, True],
    ]
    for tag in ("zh", "en-large"):  # the third button fits beside the other two
        assert seen[f"layout_{tag}"] == [], seen[f"layout_{tag}"]


def test_start_up_prepares_drawing_and_cells_share_textures(run_scenario):
    seen = run_scenario("tests.ui.scenarios_attract:drawing_warm_ups")
    # every group of shader samples was drawn once before the app called itself ready
    assert seen["shader_steps_drawn"] == seen["shader_steps"] > 0
    # pages fill the window and switch at once: no stencil clip around them
    assert seen["page_manager_stencils"] == 0
    assert seen["same_text_shares"] and seen["new_text_own_texture"]
    assert seen["shared_unchanged"], "a shared cell texture was redrawn with another text"
    assert seen["shared_before_forget"] >= 2 and seen["shared_after_forget"] == 0
    # a long employer name never runs into the next row
    assert seen["long_cell"] == {"fits": True, "shortened": True}
    assert seen["long_cell_large"] == {"fits": True, "shortened": True}
