"""The page chrome (issue 19): every member page's header shows back and exit with their icons
and labels, the title, the member's masked name and the time left before the session's
warning (a ring that counts down by itself and turns urgent in the warning's last seconds);
the multi-step pages show where the member is. In Chinese, English with large text and
Chinese with large text, from made-up states (one app start, no devices)."""

from __future__ import annotations

import pytest

from screens import theme
from tests.helpers.scenario_run import module_scenario

PAGES = ("menu", "history", "pay", "print", "change_pin", "certify", "face", "unemployment")

pytestmark = [pytest.mark.ui]

MODES = ("zh", "en-large", "zh-large")


seen = module_scenario("tests.ui.scenarios_chrome:chrome", timeout=180)


def _inside(inner, outer, slack: float = 1) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[0] + inner[2] <= outer[0] + outer[2] + slack
        and inner[1] + inner[3] <= outer[1] + outer[3] + slack
    )


def test_every_header_lays_out_in_every_mode(seen):
    assert seen["problems"] == {}, seen["problems"]
    assert seen["layout_loops"] == 0
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]


@pytest.mark.parametrize("mode", MODES)
def test_back_exit_name_and_time_on_every_page(seen, mode):
    for page in PAGES:
        h = seen["seen"][f"{page}-{mode}"]
        back_label, exit_label = ("Back", "Exit") if mode == "en-large" else ("返回", "退出")
        # an icon beside its label, never alone
        assert h["exit"][0] == exit_label and h["exit"][1] > 0 and h["exit"][2] > 0, page
        if page not in ("menu", "face"):  # nowhere to go back to (the face check: its own way)
            assert h["back"][0] == back_label and h["back"][1] > 0 and h["back"][2] > 0, page
        assert h["title"] and h["title_fits"], page
        # 王小五 masked as a passer-by may see it
        assert h["member"] == "*小五" and h["member_fits"], page
        assert h["ring_shown"], page
        assert _inside(h["ring_box"], h["bar"]), page
        # a fresh page: its whole time before the warning, e.g. 45 s page - 20 s warning = 25 s
        page_s = {"pay": 300, "change_pin": 40}.get(page, 45)
        assert h["ring_total"] == page_s - 20, page
        assert page_s - 20 - 2 <= h["ring_left"] <= page_s - 20, page
        left = int(h["ring_left"])
        unit = " s" if mode == "en-large" else "秒"
        # 280 s (300 s payment - 20 s warning) reads 4:40; under 100 s "25秒" / "25 s"
        want = f"{left // 60}:{left % 60:02d}" if left >= 100 else f"{left}{unit}"
        assert h["ring_text"] == want, page
        assert not h["ring_urgent"], page
        if mode.endswith("-large"):  # 22 sp caption x 1.4 = 30.8 sp: at least 30 sp
            assert h["ring_font_sp"] >= theme.LARGE_TEXT_MIN_SP, page


STEPS = {
    "pay": (["选择", "核对", "支付", "凭证"], ["Choose", "Check", "Pay", "Receipt"], 0),
    "print": (["选择", "预览", "打印", "取件"], ["Choose", "Preview", "Print", "Collect"], 0),
    "change_pin": (["原密码", "新密码", "再输一次"], ["Old PIN", "New PIN", "Repeat"], 0),
    "certify": (
        ["查看状态", "人脸识别", "认证", "完成"],
        ["Status", "Face check", "Certify", "Done"],
        0,
    ),
    # the certification's face check, on the face page
    "face": (
        ["查看状态", "人脸识别", "认证", "完成"],
        ["Status", "Face check", "Certify", "Done"],
        1,
    ),
    # registered, no claim yet: the claim is next
    "unemployment": (["失业登记", "申领", "凭证"], ["Register", "Claim", "Receipt"], 1),
}


@pytest.mark.parametrize("mode", MODES)
def test_multi_step_pages_show_their_steps(seen, mode):
    for page in PAGES:
        h = seen["seen"][f"{page}-{mode}"]
        if page not in STEPS:
            assert h["steps"] == [], page
            continue
        zh, en, current = STEPS[page]
        assert h["steps"] == (en if mode == "en-large" else zh), page
        assert h["step"] == current, page
        boxes = h["step_boxes"]
        assert len(boxes) == len(zh)
        for i, b in enumerate(boxes):  # each name inside the indicator, left of the next
            assert _inside(b, h["steps_box"]), (page, i, b, h["steps_box"])
            if i:
                assert boxes[i - 1][0] + boxes[i - 1][2] <= b[0], (page, i)
        if mode.endswith("-large"):
            assert h["steps_font_sp"] >= theme.LARGE_TEXT_MIN_SP, page


# Steps a task lends to the pages it passes through (scenarios_chrome.task_views)
TASK_STEPS = {
    # the bank PIN is a step of paying: the steps stay, at 支付
    "pay-bank_pin": (["选择", "核对", "支付", "凭证"], ["Choose", "Check", "Pay", "Receipt"], 2),
    # the registration form is the claim's first step
    "unemployment-register": (["失业登记", "申领", "凭证"], ["Register", "Claim", "Receipt"], 0),
    # a PIN reset: the face check first, then the new PIN twice (the reset's page)
    "face-pin_reset": (
        ["人脸识别", "新密码", "再输一次", "完成"],
        ["Face check", "New PIN", "Repeat", "Done"],
        0,
    ),
    "pin_reset": (
        ["人脸识别", "新密码", "再输一次", "完成"],
        ["Face check", "New PIN", "Repeat", "Done"],
        1,
    ),
    # an ID card's full session: the ID card read, the face check, then records and printing
    "face-id_session": (
        ["身份证", "人脸识别", "查询打印"],
        ["ID card", "Face check", "Records"],
        1,
    ),
}


@pytest.mark.parametrize("mode", MODES)
def test_tasks_steps_stay_on_the_pages_they_pass_through(seen, mode):
    for view, (zh, en, current) in TASK_STEPS.items():
        h = seen["seen"][f"{view}-{mode}"]
        assert h["steps"] == (en if mode == "en-large" else zh), view
        assert h["step"] == current, view
        boxes = h["step_boxes"]
        assert len(boxes) == len(zh), view
        for i, b in enumerate(boxes):
            assert _inside(b, h["steps_box"]), (view, i, b, h["steps_box"])
        # the page below the steps still fits whole (keypads included): no problem listed
        assert f"{view}-{mode}" not in seen["problems"], seen["problems"][f"{view}-{mode}"]


def test_the_ring_counts_down_and_turns_urgent_in_the_warning(seen):
    # 2.2 s later the ring shows at least 2 seconds fewer (whole seconds, rounded up)
    assert seen["tick_later"] <= seen["tick_first"] - 2
    w = seen["warning"]
    assert w["ring_shown"] and w["ring_urgent"]
    # the warning: 12 s left of the 20 s warning, counted to the session's end
    assert 10 <= w["ring_left"] <= 12
    assert w["ring_total"] == 20
    assert w["ring_text"] == f"{int(w['ring_left'])}秒"


def test_no_header_keeps_the_name_after_the_session(seen):
    assert seen["names_after_end"] == [""] * seen["kept_after_end"]
    assert seen["kept_after_end"] == 4  # menu, history, pay, print: built at start, they stay


shared = module_scenario("tests.ui.scenarios_chrome:shared_words", timeout=120)


def test_a_step_indicators_words_are_rendered_once(shared):
    """Each multi-step page re-rendered its four names and three numbers at every change of
    step (the print page: three changes, ~3 ms each, in the frames that show them)."""
    assert "error" not in shared, shared.get("error")
    first, second = shared["step_walks"]
    assert {"选择", "预览", "打印", "取件"} <= set(first)  # the first walk renders them
    assert second == []  # the second finds them all


def test_the_time_left_is_rendered_once_for_every_pages_ring(shared):
    first, second = shared["ring_renders"]
    assert "25秒" in first
    assert second == []
    assert shared["rings_share"]


def test_the_keypads_digits_are_rendered_once_whatever_their_order(shared):
    """The PIN page's keys change digits at every new order: each key re-rendered its new digit
    in the frame that showed the PIN page to the member."""
    assert sorted(shared["keypad_order"]) == list("0123456789")  # every digit on a key
    assert shared["keypad_scrambles"] == [[], [], []]
