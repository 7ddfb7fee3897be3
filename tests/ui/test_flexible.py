"""Issue 17 by touch on the real stack (pcscd + card emulator, the back office over HTTP, the
virtual receipt printer): a flexible worker stops contributing and the dues change at once,
resumes and the months come back, pays one by QR, and prints that receipt again from
我的缴费凭证 (补打). One app start covers both journeys."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.helpers.backoffice import client_for
from tests.helpers.journey import alive, hall_stack, kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


stack = hall_stack(members=12, seed=7)


def test_a_flexible_worker_stops_resumes_pays_and_reprints(stack, run_scenario, tmp_path):
    svc, cs, cups = stack
    m = next(m for m in svc.report.showcases if m.card_status == "valid" and "can pay" in m.note)
    r = next(r for r in svc.report.showcases if "residents' pension" in r.note)
    members = {
        "flexible": {"card_file": str(svc.cards_dir / m.card_file), "pin": m.pin},
        "resident": {"card_file": str(svc.cards_dir / r.card_file), "pin": r.pin},
    }
    alive(cs)
    jobs_before = len(cups.receipt.jobs)
    seen = run_scenario(
        "tests.ui.scenarios_flexible:stop_resume_pay_reprint",
        "--devices",
        timeout=240,
        env={
            "KIOSK_CONFIG": kiosk_config(tmp_path, svc, cups),
            "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
            "JOURNEY_MEMBER": json.dumps(members),
        },
    )
    assert {"flexible", "my_receipts"} <= set(seen["tiles"])
    # Contributing: the standing in words (never colour alone), the pension month at the lowest
    # base: 60 % of 2025's average wage 124,110 / 12 = 6,205.50; x 20 % = 1,241.10.
    assert seen["standing_before"] == "● 正常缴费"
    assert "缴费基数：￥6,205.50" in seen["detail_before"]
    assert "养老保险 ￥1,241.10" in seen["detail_before"]
    assert seen["act_before"] == "暂停缴费"
    # Stop is asked twice: the first tap only asks.
    assert seen["act_confirm"] == "确认暂停缴费" and not seen["stop_sent_early"]
    assert "恢复" in seen["note_confirm"]
    assert seen["stop_error"] is None
    assert seen["standing_stopped"] == "△ 暂停缴费"
    assert seen["message_stopped"] == "已暂停缴费" and not seen["pay_shown_stopped"]
    assert "起暂停缴费" in seen["detail_stopped"] and seen["act_stopped"] == "恢复缴费"
    # The dues at once: months before the stop offered, none while stopped, the same again
    # after resuming in the same month (no month left out: docs/rules.md).
    assert seen["periods_before"], "the showcase flexible worker owes some months"
    assert seen["periods_stopped"] == []
    assert seen["resume_error"] is None
    assert seen["standing_resumed"] == "● 正常缴费" and seen["pay_shown_resumed"]
    assert seen["message_resumed"] == "已恢复缴费，现在即可缴费"
    assert seen["periods_resumed"] == seen["periods_before"]
    with client_for(svc) as client:
        status = client.flexible(m.member_no)
    assert status.standing.value == "active"  # the back office's word, not only the page's

    # Paid one month by QR; it is the newest of my receipts, reprinted marked 补打.
    assert seen["quote_error"] is None and seen["pay_error"] is None and seen["paid"]
    assert len(seen["quote_periods"]) == 1
    # The month at the lowest base plus its late fee (docs/rules.md: amount x 0.05 % x days
    # after the 15th, half up): e.g. 2026-10 quoted on 2026-12-03, 16 + 30 + 3 = 49 days late:
    # 124,110 x 0.0005 x 49 = 3,040.695 -> 3,041 fen; 124,110 + 3,041 = 127,151 fen (1,271.51).
    (amount_fen, fee_fen), period = seen["quote_lines_fen"][0], seen["quote_periods"][0]
    assert amount_fen == 124_110
    year, month = map(int, period.split("-"))
    days = max(0, (dt.date.fromisoformat(seen["quote_as_of"]) - dt.date(year, month, 15)).days)
    late = (Decimal(amount_fen) * Decimal("0.0005") * days).quantize(0, ROUND_HALF_UP)
    assert fee_fen == int(late)
    assert Decimal(seen["quote_total"]) * 100 == amount_fen + fee_fen
    assert seen["receipt_orders"][0] == seen["order_no"]
    assert seen["row_orders"][0] == seen["order_no"]
    what, money, button = seen["rows"][0]
    assert f"养老保险　{seen['quote_periods'][0]}" in what
    total = f"￥{float(seen['quote_total']):,.2f}"
    assert money == f"实缴 {total}" and button == "补打凭证"
    assert seen["reprint_error"] is None and seen["reprinted"] == [seen["order_no"], True]
    assert seen["reprint_text"] == f"已补打凭证（订单 {seen['order_no']}），请取走凭条"
    jobs = cups.receipt.wait_for_jobs(jobs_before + 2, timeout=15)
    paid_text, reprint_text = jobs[-2].text(), jobs[-1].text()
    assert "补打" not in paid_text and seen["order_no"] in paid_text
    for expected in ("【补打】", seen["order_no"], total):
        assert expected in reprint_text, expected
    assert m.name not in reprint_text  # masked on paper
    assert seen["data_after_exit"] is False and seen["page_after_exit"] == "attract"

    # A resident with no employer registers: pension + medical at the highest base,
    # 124,110 x 300 % / 12 = 31,027.50; pension x 20 % = 6,205.50, medical x 9.5 % = 2,947.6125
    # -> 2,947.61.
    assert seen["reg_standing"] == "○ 未登记灵活就业", seen["reg_detail"]
    assert "今年缴费基数 ￥6,205.50 至 ￥31,027.50" in seen["reg_detail"]
    assert seen["reg_chosen"] == ["down", "down", "normal"]
    assert seen["reg_error"] is None, seen["reg_said"]
    assert seen["reg_standing_after"] == "● 正常缴费"
    assert "缴费基数：￥31,027.50" in seen["reg_detail_after"]
    assert "养老保险 ￥6,205.50" in seen["reg_detail_after"]
    assert "医疗保险 ￥2,947.61" in seen["reg_detail_after"]
    assert seen["reg_message"] == "已登记灵活就业，现在即可缴费"
    dues = {scheme: (base, first) for scheme, base, first in seen["reg_dues"]}
    assert dues["pension"] == ("31,027.50", ["6,205.50"])
    with client_for(svc) as client:
        assert client.flexible(r.member_no).standing.value == "active"
    # Nothing clipped in zh, en or large text: every label's text inside its box.
    for view, boxes in seen["boxes"].items():
        clipped = [b for b in boxes if not b[-1]]
        assert not clipped, f"{view}: {clipped}"
    assert seen["layout_loops"] == 0
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
