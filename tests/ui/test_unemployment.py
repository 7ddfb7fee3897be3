"""Unemployment insurance at the kiosk by touch (issue 17): the page's views in both languages
and large text (no devices), and the journey on the real stack (pcscd + card emulator, the
back office over HTTP, a private cupsd with cups-pdf): an eligible member still to register
registers (phone on the page's keypad, two job wishes), claims, prints the acknowledgement and
stops on re-employment."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tomllib

import pytest

from kiosk.domain import Money
from kiosk.domain.unemployment import ClaimStatus
from tests.helpers.backoffice import client_for
from tests.helpers.journey import alive, hall_stack, kiosk_config

pytestmark = [pytest.mark.ui]


def test_every_view_fits_in_both_languages_and_large_text(run_scenario):
    seen = run_scenario("tests.ui.scenarios_unemployment:views", timeout=120)
    assert seen["problems"] == {}, seen["problems"]
    for mode in ("zh", "en-large", "zh-large"):
        assert (
            seen[f"tiles_{mode}"]
            == [
                "unemployment",
                "transfer",
                "medical",
                "flexible",
                "my_receipts",
            ][: len(seen[f"tiles_{mode}"])]
        )
        assert seen[f"tiles_{mode}"][0] == "unemployment"
        assert seen[f"phone_{mode}"] == "13812345678"  # typed on the page's keypad
        assert seen[f"picked_{mode}"] == ["logistics", "office"]
    lines = seen["receiving_zh"]
    # the made-up claim: 18 months granted, 3 paid -> 15 left; 3 x 2,286.00 = 6,858.00 paid
    assert "核定 18 个月，已领 3 个月，剩余 15 个月（其中上次失业未领的 6 个月）" in lines
    assert "每月 2,286.00 元，自 2026-09 起；已发放 6,858.00 元" in lines
    assert "领取期间，您的基本医疗保险费由失业保险基金缴纳" in lines
    assert (
        "18 months granted, 3 paid, 15 left (of them 6 left over from an earlier claim)"
        in (seen["receiving_en-large"])
    )
    # stopped on re-employment after 3 of 18: 18 - 3 = 15 not drawn, carried to a later claim
    assert "○ 已停领（2026-12-03 重新就业）" in seen["stopped_zh"]
    assert (
        "核定 18 个月，已领 3 个月；未领的 15 个月可在再次失业时合并计算"
        "（其中上次失业未领的 6 个月）" in seen["stopped_zh"]
    )
    assert "已重新就业，停领" not in seen["stopped_zh"]  # no stop button on a stopped claim
    assert seen["phone_after_end"] == ""  # the typed phone went with the session
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0


stack = hall_stack(members=40, seed=1)


def to_register(svc) -> dict:
    """A seeded member whose job ended last month, eligible once registered (seed's note)."""
    index = json.loads((svc.cards_dir / "members.json").read_text(encoding="utf-8"))
    today = dt.date.today().strftime("%Y%m%d")
    for m in index["members"]:
        if "eligible, to register" not in m["note"] or m["card_status"] != "valid":
            continue
        profile = tomllib.loads((svc.cards_dir / m["card_file"]).read_text(encoding="utf-8"))
        if str(profile["ef05"]["expiry_date"]) > today:  # the card itself still valid
            return {
                "card_file": str(svc.cards_dir / m["card_file"]),
                "pin": m["pin"],
                "name": m["name"],
                "member_no": m["member_no"],
            }
    pytest.fail(
        "the seed (40 members, seed 1) has no unemployed member still to register with a card in date"
    )


@pytest.mark.pcsc
def test_an_eligible_member_registers_claims_and_prints(stack, run_scenario, tmp_path):
    svc, cs, cups = stack
    m = to_register(svc)
    with client_for(svc) as client:
        before = client.unemployment(m["member_no"])
    assert before.registration is None and before.application is None and not before.can_apply
    alive(cs)
    seen = run_scenario(
        "tests.ui.scenarios_unemployment:claim",
        "--devices",
        timeout=240,
        env={
            "KIOSK_CONFIG": kiosk_config(tmp_path, svc, cups),
            "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
            "JOURNEY_MEMBER": json.dumps(m),
        },
    )
    assert seen.get("error") is None, seen.get("error")
    assert seen["tiles"][0] == "unemployment"
    # the standing in words: the unmet condition says so, the registration is offered
    assert any(line.startswith("不符合：") for line in seen["status_lines"])
    assert "失业登记／求职登记" in seen["actions"] and "申领失业保险金" not in seen["actions"]
    sep = before.separation
    assert sep is not None
    assert seen["from_record"] == (
        f"原单位：{sep.employer or '—'}　劳动关系终止：{sep.last_day.isoformat()}（来自单位记录）"
    )
    assert seen["phone_shown"] == "13812345678"
    assert seen["register_error"] is None and seen["after_register_message"] == "登记成功"
    assert seen["actions_registered"][0] == "申领失业保险金"
    assert seen["apply_error"] is None
    assert seen["after_apply_message"] == "申领成功，可打印申领回执"

    with client_for(svc) as client:
        after = client.unemployment(m["member_no"])
    reg, claim = after.registration, after.application
    assert reg is not None and reg.phone_masked == "138****5678"
    assert reg.job_wishes == ("仓储物流", "办公文员")  # recorded in Chinese whatever the UI's
    assert claim is not None and claim.months_paid == 0
    assert claim.months_granted == before.entitlement_months
    # the default policy: the minimum wage 2,540.00 x 0.9 = 2,286.00 a month
    assert claim.monthly_amount == Money.of("2286.00")
    assert (
        f"核定 {claim.months_granted} 个月，已领 0 个月，剩余 {claim.months_granted} 个月"
        in seen["claim_lines"]
    )
    assert "领取期间，您的基本医疗保险费由失业保险基金缴纳" in seen["claim_lines"]

    assert seen["ack_error"] is None and seen["ack"]["id"] == claim.application_id
    assert seen["after_print_message"].startswith("申领回执已打印")
    pdf = cups.wait_for_output(seen["ack"]["job_id"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    # cups-pdf keeps Latin text extractable, not the CJK subset's: the numbers and dates
    assert str(claim.application_id) in text
    assert sep.last_day.isoformat() in text and "138****5678" in text
    assert "2,286.00" in text

    # re-employed: stopped today, the months not drawn told (nothing paid yet: all of them)
    assert (
        seen["stop_explain"].startswith("停领后")
        and f"未领取的 {claim.months_granted} 个月" in (seen["stop_explain"])
    )
    assert seen["stop_error"] is None and seen["after_stop_message"] == "已停领。祝您工作顺利！"
    with client_for(svc) as client:
        stopped = client.unemployment(m["member_no"]).application
    assert stopped is not None and stopped.status is ClaimStatus.STOPPED
    assert stopped.stopped_on is not None
    assert f"○ 已停领（{stopped.stopped_on.isoformat()} 重新就业）" in seen["stopped_lines"]
    assert "已重新就业，停领" not in seen["actions_stopped"]
    # nothing paid yet: granted - paid = all of them carry to a later claim
    n = claim.months_granted
    assert (
        f"核定 {n} 个月，已领 0 个月；未领的 {n} 个月可在再次失业时合并计算"
        in (seen["stopped_lines"])
    )

    assert seen["personal_data_after_exit"] is False and seen["phone_after_exit"] == ""
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0
