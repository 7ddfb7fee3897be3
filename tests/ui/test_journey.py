"""Whole member journeys by touch, on the real stack: pcscd + emulator, back office over HTTP."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from backoffice.harness import running_service
from backoffice.seed.lives import INITIAL_PIN
from printer.harness import cups_server, virtual_receipt_printer
from tests.helpers.journey import alive, kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, card_lab):
    cards = tmp_path_factory.mktemp("cards")
    with (
        running_service(members=12, seed=7, cards_dir=cards) as svc,
        cups_server() as cups,
        virtual_receipt_printer() as vp,
    ):
        cups.receipt = vp  # the journeys' receipt printer travels with the A4 one
        yield svc, card_lab, cups


def pick_member(svc, *, initial_pin: bool) -> dict:
    for m in svc.report.showcases:
        if m.card_file and m.card_status == "valid" and (m.pin == INITIAL_PIN) == initial_pin:
            return {
                "card_file": str(svc.cards_dir / m.card_file),
                "pin": m.pin,
                "name": m.name,
                "member_no": m.member_no,
            }
    # The seed's SHOWCASES promise both (backoffice/seed/lives.py): a missing one is a broken
    # seed, not a reason to test less.
    wanted = (
        f"the initial PIN {INITIAL_PIN} (e.g. showcase #0, the 30-year flexible worker)"
        if initial_pin
        else "a changed PIN (e.g. showcase #1, 'flexible, PIN changed: can pay')"
    )
    pytest.fail(
        f"the seed has no showcase member with a valid card file and {wanted}; showcases: "
        + "; ".join(f"#{m.index} {m.note} card {m.card_status}" for m in svc.report.showcases)
    )


@pytest.mark.parametrize("initial_pin", [False, True])
def test_browse_records_by_touch(stack, run_scenario, tmp_path, initial_pin):
    member = pick_member(stack[0], initial_pin=initial_pin)
    seen = run_journey(stack, run_scenario, tmp_path, "browse_records", member)
    expected = ["pin", "menu", "insurance", "history", "accounts", "estimate", "goodbye", "attract"]
    if initial_pin:
        expected.insert(1, "change_pin")
    assert seen["pages"] == expected
    assert seen["pin_title"] == "请输入社保卡密码"
    assert member["name"][1:] in seen["greeting"] and member["name"] not in seen["greeting"]
    assert seen["history_rows"] > 0 and seen["chart_bars"] > 0
    # table cells were built ahead at start-up, and the history's table took them from the pool
    assert seen["cells_pooled_at_start"] >= 72
    assert seen["cells_pooled_in_history"] < seen["cells_pooled_at_start"]
    # cells with the same text share a texture, each the one rendered for its own text, and
    # none outlives the session
    assert seen["cell_textures"] < seen["cells_with_text"]
    assert seen["cells_texture_matches_text"]
    assert seen["cell_textures_after_exit"] == 0
    # pages not on screen forget the member too
    assert seen["history_rows_after_exit"] == 0
    assert member["name"][1:] not in seen["greeting_after_exit"]
    # the table's rows are clipped by a scissor, the page by nothing: no stencil pass
    assert seen["stencils_on_history"] == 0
    assert seen["insurance_items"] > 0
    assert "￥" in seen["pension_text"]
    assert seen["personal_data_after_exit"] is False
    # no main-thread callback blocked the UI during the journey
    assert seen["worst_callback"] < 0.05, f"slow callbacks (s, where): {seen['slow_callbacks']}"
    assert seen["layout_loops"] == 0, "a layout never settled (Kivy: too much iteration)"


def test_print_rights_record_lands_in_cups_pdf(stack, run_scenario, tmp_path):
    _svc, _cs, cups = stack
    member = pick_member(stack[0], initial_pin=False)
    seen = run_journey(stack, run_scenario, tmp_path, "print_record", member)
    assert seen["preview_error"] is None and seen["print_error"] is None
    assert seen["preview_pages"] >= 1 and seen["preview_image_exists"]
    # page 1's picture, decoded off the main thread, is what the screen shows
    assert seen["preview_texture_size"] == seen["preview_png_size"]
    assert "个人权益记录单" in seen["preview_message"]
    assert seen["stencils_on_print"] == 0  # the preview is fitted, not clipped
    assert seen["job_id"] and "打印完成" in seen["done_message"]
    pdf = cups.wait_for_output(seen["job_id"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    # cups-pdf's Ghostscript pass keeps Latin text extractable but not the CJK subset's
    # Unicode map (see tests/printer/test_cups.py): check the member's number and the code.
    assert member["member_no"] in text
    assert seen["verification_code"] and seen["verification_code"] in text
    assert seen["preview_gone"], "the preview (personal data) outlived the session"
    assert seen["preview_picture_after_exit"] is False
    assert seen["worst_callback"] < 0.05, f"slow callbacks (s, where): {seen['slow_callbacks']}"
    assert seen["layout_loops"] == 0, "a layout never settled (Kivy: too much iteration)"


def run_journey(
    stack, run_scenario, tmp_path, scenario, member, *args, timeout=200, env_extra=None
):
    svc, cs, cups = stack
    alive(cs)
    return run_scenario(
        f"tests.ui.scenarios_journey:{scenario}",
        "--devices",
        *args,
        timeout=timeout,
        env={
            "KIOSK_CONFIG": kiosk_config(tmp_path, svc, cups),
            "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
            "JOURNEY_MEMBER": json.dumps(member),
            **(env_extra or {}),
        },
    )


def test_wrong_pin_three_times_blocks_the_card(stack, run_scenario, tmp_path):
    member = pick_member(stack[0], initial_pin=False)
    seen = run_journey(stack, run_scenario, tmp_path, "wrong_pin_until_blocked", member)
    assert seen["messages"] == ["密码错误  还可以尝试 2 次", "密码错误  还可以尝试 1 次"]
    assert seen["problem_title"] == "密码已锁定"
    assert "人工窗口" in seen["problem_todo"]
    assert seen["back_to_attract"]


def test_card_pulled_on_the_pin_and_history_pages(stack, run_scenario, tmp_path):
    member = pick_member(stack[0], initial_pin=False)
    seen = run_journey(stack, run_scenario, tmp_path, "pull_card", member)
    for where in ("pin", "history"):
        # goodbye within about a second (bounded wait of 5 s in the scenario; figure kept)
        assert seen[f"goodbye_after_{where}"] < 5
        assert seen[f"data_after_{where}"] is False


def test_page_timeout_with_and_without_continue(stack, run_scenario, tmp_path):
    member = pick_member(stack[0], initial_pin=False)
    seen = run_journey(stack, run_scenario, tmp_path, "page_timeout", member)
    assert seen["banner_visible"] and "秒后将自动退出" in seen["banner_text"]
    assert seen["after_continue"] == "menu" and seen["banner_hidden"]
    assert seen["after_timeout"] == "goodbye" and seen["ended_by"] == "timeout"
    assert seen["data_after_timeout"] is False


@pytest.mark.parametrize(
    "args", [("--language", "en"), ("--language", "en", "--large-text"), ("--large-text",)]
)
def test_every_screen_in_english_and_elderly_mode(stack, run_scenario, tmp_path, args):
    from PIL import Image, ImageStat

    member = pick_member(stack[0], initial_pin=False)
    seen = run_journey(stack, run_scenario, tmp_path, "every_screen", member, *args)
    assert seen["errors"] == {}
    english = "en" in args
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for name, texts in seen["texts"].items():
        assert texts, name
        ui = [t for t in texts if t not in (member["name"],)]
        if english:
            # Member data (employer names, payer) may be Chinese; the UI's own words are not.
            chrome = [t for t in ui if t in ENGLISH_CHROME]
            assert chrome, f"{name}: no English UI text found: {ui[:8]}"
        else:
            assert any(cjk.search(t) for t in ui), name
    for path in seen["shots"]:
        img = Image.open(path).convert("RGB")
        assert max(ImageStat.Stat(img).stddev) > 10, f"{path} is blank"
    if "--large-text" in args:
        assert seen["menu_button_height"] >= 60  # dp: at least 12 mm on the kiosk panels
        assert seen["title_font"] >= 1.4 * 30 - 0.5  # the greeting's 30sp, scaled by >= 1.4
    assert seen["goodbye"] == (
        "Please take your card and receipt" if english else "请取走您的社保卡和凭条"
    )


ENGLISH_CHROME = {
    "Back",
    "Exit",
    "My insurance",
    "Contribution history",
    "Personal accounts",
    "Benefits received",
    "Pension estimate (for reference only)",
    "Card services",
    "Print records",
    "Previous year",
    "Next year",
    "Change PIN",
    "Report card lost",
    "Preview",
    "Print",
    "Choose the document to print",
}


# The two journeys share one back office: each pays its own scheme's months.
SCHEME_FOR = {"card": "pension", "qr": "medical"}


@pytest.mark.parametrize("method", ["card", "qr"])
def test_pay_three_months_of_flexible_pension(stack, run_scenario, tmp_path, method):
    svc, _cs, cups = stack
    vp = cups.receipt
    m = next(m for m in svc.report.showcases if m.card_status == "valid" and "can pay" in m.note)
    member = {
        "card_file": str(svc.cards_dir / m.card_file),
        "pin": m.pin,
        "name": m.name,
        "member_no": m.member_no,
    }
    jobs_before = len(vp.jobs)
    seen = run_journey(
        stack,
        run_scenario,
        tmp_path,
        "pay_three_months",
        member,
        env_extra={"JOURNEY_PAY_METHOD": method, "JOURNEY_PAY_SCHEME": SCHEME_FOR[method]},
    )
    assert seen["quote_error"] is None and seen["pay_error"] is None
    assert len(seen["quote_months"]) == 3
    assert seen["outcome"] == "paid", seen["result_text"]
    assert seen["receipt_key"] == "payments.receipt_printed"
    assert seen["paid_months_in_history"] == sorted(seen["quote_months"])
    assert seen["scheme"] == SCHEME_FOR[method]
    jobs = vp.wait_for_jobs(jobs_before + 1)
    text = jobs[-1].text()
    assert seen["order_no"] in text and "社会保险费缴费凭证" in text
    assert m.name not in text  # masked on paper
    assert seen["worst_callback"] < 0.05, f"slow callbacks (s, where): {seen['slow_callbacks']}"
    assert seen["layout_loops"] == 0, "a layout never settled (Kivy: too much iteration)"


def test_admin_card_opens_admin_mode(stack, run_scenario, tmp_path):
    admin = {"card_file": "card-admin", "pin": "909192", "name": "管理员", "member_no": ""}
    seen = run_journey(stack, run_scenario, tmp_path, "admin_mode", admin)
    assert seen["errors"] == {}
    assert {"reader", "receipt_paper", "a4_queue", "journal_unresolved"} <= set(seen["status"])
    assert "读卡器" in seen["devices_text"]
    assert "对账" in seen["result_text"] and "重打结果" in seen["result_text"]
    assert seen["shutdown_tapped"]


def test_card_pulled_during_the_payment_is_told_and_never_lost(stack, run_scenario, tmp_path):
    svc, _cs, _cups = stack
    # A fresh seeded flexible member with months due: the showcase "30+ years" one (PIN
    # 123456 must be changed first; the journey's change-PIN step does that).
    m = next(m for m in svc.report.showcases if m.card_status == "valid" and "arrears" in m.note)
    member = {
        "card_file": str(svc.cards_dir / m.card_file),
        "pin": m.pin,
        "name": m.name,
        "member_no": m.member_no,
    }
    seen = run_journey(stack, run_scenario, tmp_path, "pull_card_while_paying", member)
    assert seen["pay_error"] is None
    assert seen["page_after_outcome"] == "pay"  # the member sees the outcome
    # Whichever way the race between the finger and the payment went, the member reads the
    # true outcome: not charged, or paid (saying so, with the card's removal when it came first).
    from kiosk.i18n import Catalog

    expected = {
        ("not_charged", True): "payments.card_removed_not_charged",
        ("not_charged", False): "payments.card_removed_not_charged",
        ("paid", True): "payments.paid_card_removed",
        ("paid", False): "payments.paid",
    }[(seen["outcome"], bool(seen["card_removed"]))]
    assert seen["result_text"].splitlines()[0] == Catalog.load().get(expected, "zh")
    assert seen["ended_by"] == "timeout" and seen["data_after"] is False
