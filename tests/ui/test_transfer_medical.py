"""Issue 17's journeys by touch for transfers between cities and medical insurance, on the real
stack: pcscd + card emulator, the back office over HTTP, a private cupsd with cups-pdf. One app
start: the pension voucher printed, a transfer-in request started and its progress, the medical
account and settlements, both pages in English and large text, the empty state."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import pytest

from backoffice.harness import running_service
from printer.harness import cups_server, virtual_receipt_printer
from tests.helpers.backoffice import client_for
from tests.helpers.journey import alive, kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


def yuan(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_voucher_printed_transfer_started_medical_spending(card_lab, run_scenario, tmp_path):
    with (
        running_service(members=12, seed=7, cards_dir=tmp_path / "cards") as svc,
        cups_server() as cups,
        virtual_receipt_printer() as vp,
    ):
        cups.receipt = vp
        # Showcase #7: months transferred in from another city, a finished transfer-in
        # request and none open; PIN changed (docs/backoffice.md).
        m = next(s for s in svc.report.showcases if "transferred in" in s.note)
        # Showcase #2: a request open, the other city contacted; the initial PIN (changed on
        # the way in).
        m2 = next(s for s in svc.report.showcases if "job changes" in s.note)
        members = {
            key: {
                "card_file": str(svc.cards_dir / x.card_file),
                "pin": x.pin,
                "name": x.name,
                "member_no": x.member_no,
            }
            for key, x in (("first", m), ("second", m2))
        }
        with client_for(svc) as client:
            before = client.transfer_requests(m.member_no)
            second = client.transfer_requests(m2.member_no).open
            account = client.medical_account(m.member_no)
            settled = client.medical_settlements(m.member_no, limit=100)
        assert before.open is None and before.requests  # the seed's promise for #7
        alive(card_lab)
        seen = run_scenario(
            "tests.ui.scenarios_transfer_medical:transfer_and_medical",
            "--devices",
            timeout=300,
            env={
                "KIOSK_CONFIG": kiosk_config(tmp_path, svc, cups),
                "JOURNEY_CARD_RUN_DIR": str(card_lab.run_dir),
                "JOURNEY_MEMBER": json.dumps(members),
            },
        )
        with client_for(svc) as client:
            after = client.transfer_requests(m.member_no)
        pdf = cups.wait_for_output(seen["job_id"])
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True).stdout

    assert {"transfer", "medical"} <= set(seen["tiles"])
    # -- the voucher: previewed, printed, its code on the paper --
    assert seen["preview_error"] is None and seen["print_error"] is None
    assert seen["preview_pages"] >= 1 and seen["preview_image_exists"]
    assert seen["preview_message"].startswith("基本养老保险参保缴费凭证")
    assert seen["verification_code"] in seen["preview_message"]
    assert seen["stencils"] == 0 and seen["print_enabled"]
    assert seen["job_id"] and seen["done_message"].startswith("打印完成")
    # cups-pdf keeps Latin text extractable, not the CJK subset's map (tests/printer/test_cups.py)
    assert m.member_no.encode() in text and seen["verification_code"].encode() in text

    # -- the transfer-in request --
    assert seen["request_status"] == "您目前没有办理中的转入申请"
    done = before.requests[0]
    assert seen["last_done"].startswith(f"上次转入：从{done.from_city.zh}转入，")
    # the cities the back office names; 示例市 (this city) is not among them
    assert "上海市" in seen["cities"] and "示例市" not in seen["cities"]
    assert seen["start_enabled_before_choice"] is False
    assert seen["start_error"] is None
    assert after.open is not None and after.open.from_city.code == "310100"
    assert after.open.state.value == "submitted"
    assert seen["started_message"] == "已受理您的转入申请，进度可在此查看"
    assert seen["status_after"] == f"从上海市转入，{after.open.submitted_on.isoformat()} 提交"
    assert seen["steps"] == ["已受理", "已联系转出地", "转移资金已到账", "已办结"]
    assert seen["steps_current"] == 0 and seen["state_line"] == "当前进度：已受理"
    assert seen["reached"] == f"已受理 {after.open.submitted_on.isoformat()}"
    assert seen["cities_after"] == 0  # one open request at a time: no new one offered

    # -- the medical account by month --
    assert (
        seen["balance"] == f"{account.year}年 医保个人账户余额：{account.closing_balance.display()}"
    )
    assert seen["account_header"] == ["月份", "划入", "支出", "余额"]
    rows = seen["account_rows"]
    assert len(rows) == len(account.months) and rows[0][0] == str(account.months[-1].period)
    # each month's balance is the one before + credited - spent (the rows are the latest first)
    opening = account.opening_balance.yuan
    for older, newer in zip(reversed(rows[1:]), reversed(rows[:-1]), strict=True):
        assert yuan(newer[3]) == yuan(older[3]) + yuan(newer[1]) - yuan(newer[2])
    first = rows[-1]
    assert yuan(first[3]) == opening + yuan(first[1]) - yuan(first[2])
    # -- the settlements and the year's totals --
    assert seen["settlement_header"] == [
        "日期",
        "类别",
        "医疗机构",
        "总费用",
        "基金支付",
        "个人负担",
    ]
    srows = seen["settlement_rows"]
    assert len(srows) == settled.count and srows  # not truncated: every one listed
    for r in srows:
        assert yuan(r[3]) == yuan(r[4]) + yuan(r[5])  # total = fund + member
    # the year's totals: the sum of the rows (not truncated)
    total = sum(yuan(r[3]) for r in srows)
    fund = sum(yuan(r[4]) for r in srows)
    member_paid = sum(yuan(r[5]) for r in srows)
    visits = sum(r[1] == "门诊" for r in srows)
    stays = sum(r[1] == "住院" for r in srows)
    assert seen["totals"] == (
        f"{settled.year}年合计：门诊 {visits} 次，住院 {stays} 次；总费用 {total:,.2f}，"
        f"基金支付 {fund:,.2f}，个人负担 {member_paid:,.2f}"
    )
    assert seen["empty_with_rows"] == ""
    assert seen["en_totals"].startswith(f"{settled.year} in all: {visits} visit(s)")
    assert seen["en_status"] == (
        f"Transfer in from Shanghai, submitted {after.open.submitted_on.isoformat()}"
    )
    for where in (
        "layout_request",
        "layout_account",
        "layout_settlements",
        "layout_settlements_en_large",
        "layout_account_en_large",
        "layout_transfer_en_large",
        "layout_request_en_large",
    ):
        assert seen[where] == [], (where, seen[where])
    # -- the empty state, in words --
    assert seen["empty"] == f"{settled.year}年暂无门诊或住院结算记录"
    assert seen["empty_rows"] == 0
    assert seen["empty_totals"].startswith(f"{settled.year}年合计：门诊 0 次，住院 0 次")
    # -- nothing of the member outlives the session --
    assert seen["preview_gone"] and seen["rows_after_exit"] == 0
    assert seen["transfer_released"] and seen["data_after_exit"] is False
    # -- #2's request half-way: step 2 of 4 current, the dates each step was reached --
    assert second is not None and second.state.value == "contacted"
    assert seen["second_status"] == (
        f"从{second.from_city.zh}转入，{second.submitted_on.isoformat()} 提交"
    )
    assert seen["second_steps_current"] == 1  # 已受理 done, 已联系转出地 now
    assert seen["second_state_line"] == "当前进度：已联系转出地"
    reached = [s for s in second.steps if s.reached_on is not None]
    assert [s.zh for s in reached] == ["已受理", "已联系转出地"]
    assert seen["second_reached"] == "　".join(f"{s.zh} {s.reached_on}" for s in reached)
    assert seen["second_start_shown"] == 0  # no second request while one is open
    assert seen["page_at_end"] == "attract"
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0
