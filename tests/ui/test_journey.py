"""Whole member journeys by touch, on the real stack: pcscd + emulator, back office over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
import zxingcpp
from sqlalchemy import select

from backoffice.seed.lives import INITIAL_PIN
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from cardio.emulator import load_profile
from kiosk.i18n import Catalog
from tests.helpers.backoffice import client_for, members_index
from tests.helpers.journey import alive, hall, kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, card_lab):
    cards = tmp_path_factory.mktemp("cards")
    # The journeys that pay by card share one journal, as one kiosk does: its trace counter
    # numbers the acquirer's sales (tests/helpers/journey.kiosk_config).
    journal = tmp_path_factory.mktemp("journal") / "journal.sqlite3"
    with hall(cards, members=12, seed=7, acquirer=True) as (svc, cups):
        yield svc, card_lab, cups, journal


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
    # the name once, masked, in the header; the greeting does not say it again
    name = seen["menu_header_name"]
    assert member["name"][1:] in name and member["name"] not in name
    assert member["name"][1:] not in seen["greeting"] and seen["greeting"]
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
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0, "a layout never settled (Kivy: too much iteration)"


def test_print_rights_record_lands_in_cups_pdf(stack, run_scenario, tmp_path):
    _svc, _cs, cups, _journal = stack
    member = pick_member(stack[0], initial_pin=False)
    seen = run_journey(stack, run_scenario, tmp_path, "print_record", member)
    assert seen["preview_error"] is None and seen["print_error"] is None
    assert seen["preview_pages"] >= 1 and seen["preview_image_exists"]
    # page 1's picture, decoded off the main thread, is what the screen shows
    assert seen["preview_texture_size"] == seen["preview_png_size"]
    assert "个人权益记录单" in seen["preview_message"]
    # the words "个人权益记录单, N pages" and the picture come in the same frame
    assert seen["preview_words_before_picture"] == []
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
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0, "a layout never settled (Kivy: too much iteration)"


def run_journey(
    stack,
    run_scenario,
    tmp_path,
    scenario,
    member,
    *args,
    timeout=200,
    env_extra=None,
    shared_journal=False,
):
    """`shared_journal`: the stack's journal (a journey that pays by card), else a fresh one."""
    svc, cs, cups, journal = stack
    alive(cs)
    cfg = kiosk_config(
        tmp_path,
        svc,
        cups,
        acquirer_port=svc.acquirer_port,
        journal=journal if shared_journal else None,
    )
    return run_scenario(
        f"tests.ui.scenarios_journey:{scenario}",
        "--devices",
        *args,
        timeout=timeout,
        env={
            "KIOSK_CONFIG": cfg,
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
    # the kiosk offers the PIN reset after a face check (issue 20), where it was the counter
    assert "刷脸验证后重置密码" in seen["problem_todo"]
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
    # 15.5 s left on the session's clock: both count the seconds started, ceil(15.5) = 16
    assert seen["counts"] == [16, 16]
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
        # the greeting is heading size, 28 sp, scaled by at least 1.4: 28 x 1.4 = 39.2 px
        assert seen["title_font"] >= 39.2 - 0.5
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

# A flexible worker's month at the default (lowest) base: 60 % of the previous year's average
# wage (policy: 2025 = 124,110 yuan a year) times the scheme's rate:
#   124,110 / 12 = 10,342.50 a month; x 0.60 = 6,205.50 (the base);
#   pension 6,205.50 x 0.20 = 1,241.10 yuan = 124,110 fen;
#   medical 6,205.50 x 0.095 = 589.5225 -> 589.52 yuan = 58,952 fen.
MONTH_FEN = {"pension": 124_110, "medical": 58_952}


def late_fee_fen(amount_fen: int, period: str, as_of: dt.date) -> int:
    """docs/rules.md: amount x 0.05 % x days after the 15th of the month, half up to the fen.
    E.g. on 2026-12-03, October's 1,241.10 is 16 + 30 + 3 = 49 days late: 124,110 x 0.0005 x 49
    = 3,040.695 -> 3,041 fen (30.41 yuan); November's 18 days: 1,116.99 -> 1,117 fen;
    December's is not due before the 15th: 0."""
    year, month = map(int, period.split("-"))
    days = max(0, (as_of - dt.date(year, month, 15)).days)
    fee = Decimal(amount_fen) * Decimal("0.0005") * days
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _bank_account(db: Database, pan: str) -> tuple[int, int]:
    """The acquirer's account of a card: (its id, its balance in fen)."""
    with db.session() as s:
        row = s.scalars(select(AcqAccountRow).where(AcqAccountRow.pan == pan)).one()
        return row.id, row.balance_fen


def _sales(db: Database, account_id: int) -> list[AcqTxnRow]:
    with db.session() as s:
        return list(s.scalars(select(AcqTxnRow).where(AcqTxnRow.account_id == account_id)))


@pytest.mark.parametrize("method", ["card", "qr"])
def test_pay_three_months_of_flexible_pension(stack, run_scenario, tmp_path, method):
    svc, _cs, cups, _journal = stack
    vp = cups.receipt
    m = next(m for m in svc.report.showcases if m.card_status == "valid" and "can pay" in m.note)
    member = {
        "card_file": str(svc.cards_dir / m.card_file),
        "pin": m.pin,
        "name": m.name,
        "member_no": m.member_no,
    }
    # A card payment is the card's bank sale: its 金融密码 (the profile's [finance] pin, not the
    # 社保 PIN) typed on the PIN pad's keypad, the money taken from its account at the acquirer.
    finance = load_profile(svc.cards_dir / m.card_file).finance
    assert finance is not None and finance.pin != m.pin
    db = Database(svc.database)
    try:
        account_id, before = _bank_account(db, finance.pan)
        jobs_before = len(vp.jobs)
        seen = run_journey(
            stack,
            run_scenario,
            tmp_path,
            "pay_three_months",
            member,
            env_extra={
                "JOURNEY_PAY_METHOD": method,
                "JOURNEY_PAY_SCHEME": SCHEME_FOR[method],
                "JOURNEY_BANK_PIN": finance.pin,
            },
            shared_journal=True,
        )
        assert seen["quote_error"] is None and seen["pay_error"] is None
        assert len(seen["quote_months"]) == 3
        assert seen["outcome"] == "paid", seen["result_text"]
        assert seen["receipt_key"] == "payments.receipt_printed"
        assert seen["paid_months_in_history"] == sorted(seen["quote_months"])
        assert seen["scheme"] == SCHEME_FOR[method]
        # The quote: each month at the lowest base (MONTH_FEN) plus its late fee on the quote's
        # day; e.g. the pension's 2026-10..12 quoted on 2026-12-03: 3 x 124,110 + 3,041 + 1,117
        # + 0 = 376,488 fen (3,764.88 yuan).
        as_of = dt.date.fromisoformat(seen["quote_as_of"])
        for period, amount_fen, fee_fen in seen["quote_lines_fen"]:
            assert amount_fen == MONTH_FEN[SCHEME_FOR[method]], period
            assert fee_fen == late_fee_fen(amount_fen, period, as_of), period
        total = sum(a + f for _p, a, f in seen["quote_lines_fen"])
        assert seen["quote_total_fen"] == total
        sales = _sales(db, account_id)
        if method == "card":
            # Taken once from the card's account: showcase #1 opens with 30,000.00 yuan =
            # 3,000,000 fen; less the quote (e.g. 376,488) = 2,623,512 fen.
            assert before == finance.balance_fen == 3_000_000
            assert _bank_account(db, finance.pan)[1] == before - total
            assert [(x.state, x.response_code, x.amount_fen) for x in sales] == [
                ("approved", "00", total)
            ]
        else:  # the phone paid: the card's account untouched
            assert _bank_account(db, finance.pan)[1] == before
            # and the code on screen is what a phone reads: the payment's URL (screens/qr.py
            # encodes it on a worker thread; the window's pixels are decoded here)
            from PIL import Image

            found = [r.text for r in zxingcpp.read_barcodes(Image.open(seen["qr_shot"]))]
            assert found == [seen["qr_url"]]
        jobs = vp.wait_for_jobs(jobs_before + 1)
        text = jobs[-1].text()
        assert seen["order_no"] in text and "社会保险费缴费凭证" in text
        assert m.name not in text  # masked on paper
        assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
        assert seen["layout_loops"] == 0, "a layout never settled (Kivy: too much iteration)"
    finally:
        db.dispose()


def test_admin_card_opens_admin_mode(stack, run_scenario, tmp_path):
    admin = {"card_file": "card-admin", "pin": "909192", "name": "管理员", "member_no": ""}
    seen = run_journey(stack, run_scenario, tmp_path, "admin_mode", admin)
    assert seen["errors"] == {}
    assert {"reader", "receipt_paper", "a4_queue", "journal_unresolved"} <= set(seen["status"])
    assert "读卡器" in seen["devices_text"]
    assert "对账" in seen["result_text"] and "重打结果" in seen["result_text"]
    assert seen["shutdown_tapped"]


def pick_card_payer(svc) -> tuple[dict, object]:
    """A member whose bank card can pay a month of flexible pension: a valid card, pension
    months due, a balance of at least two months' amount (a month plus its late fee, which stays
    under the amount for 2,000 days at 0.05 % a day). Not the "can pay" showcase: the pay
    journeys above spend its months. (Showcase #0 owes arrears but holds 50.00 yuan: declined.)"""
    with client_for(svc) as client:
        for m in members_index(svc):
            if m["card_status"] != "valid" or not m.get("card_file") or "can pay" in m["note"]:
                continue
            finance = load_profile(svc.cards_dir / m["card_file"]).finance
            due = [
                d
                for d in client.dues(m["member_no"])
                if d.scheme.value == "pension" and d.kind.value == "flexible" and d.lines
            ]
            if finance and due and finance.balance_fen >= 2 * due[0].lines[0].amount.fen:
                member = {k: m[k] for k in ("pin", "name", "member_no")}
                return {**member, "card_file": str(svc.cards_dir / m["card_file"])}, finance
    pytest.fail("the seed has no member whose bank card can pay a month of flexible pension")


@pytest.mark.parametrize("when", ["before_pin", "after_approval"])
def test_card_pulled_during_the_payment_is_told_and_nothing_is_taken(
    stack, run_scenario, tmp_path, when
):
    svc = stack[0]
    member, finance = pick_card_payer(svc)
    db = Database(svc.database)
    try:
        account_id, before = _bank_account(db, finance.pan)
        sales_before = len(_sales(db, account_id))
        seen = run_journey(
            stack,
            run_scenario,
            tmp_path,
            "pull_card_while_paying",
            member,
            env_extra={"JOURNEY_PULL": when, "JOURNEY_BANK_PIN": finance.pin},
            shared_journal=True,
        )
        assert seen["pay_error"] is None
        assert seen["page_after_outcome"] == "pay"  # the member sees the outcome
        sales = _sales(db, account_id)[sales_before:]
        zh = Catalog.load().get
        if when == "before_pin":
            # The PIN pad was waiting: nothing went to the acquirer; the order is cancelled.
            assert seen["outcome"] == "not_charged" and seen["message_key"] == "payments.cancelled"
            assert sales == []
        else:
            # The host approved, the card left before its TC: the sale is reversed (0400,
            # reason 06), nothing taken, and the member reads so.
            assert seen["outcome"] == "reversed" and seen["card_removed"]
            assert seen["message_key"] == "payments.card_removed_reversed"
            assert "交易已冲正，未扣款" in seen["result_text"]
            assert [(x.state, x.response_code, x.reversal_reason, x.amount_fen) for x in sales] == [
                ("reversed", "00", "06", seen["quote_total_fen"])
            ]
        assert seen["result_text"].splitlines()[0] == zh(seen["message_key"], "zh")
        # Nothing taken: the balance before, less nothing (before_pin), or less the month's
        # total then given back (after_approval, e.g. 1,241.10 yuan: B - 124,110 + 124,110 = B).
        assert _bank_account(db, finance.pan)[1] == before
        # and the month is still due
        with client_for(svc) as client:
            due = {
                str(x)
                for d in client.dues(member["member_no"])
                if d.scheme.value == "pension"
                for x in d.periods
            }
        assert set(seen["quote_months"]) <= due
        assert seen["ended_by"] == "timeout" and seen["data_after"] is False
    finally:
        db.dispose()
