"""ID-card entry journeys by touch (issue 20) on the real stack: the kiosk as assembled with
its emulated ID-card reader (a pty, the kiosk's serial code) and emulated camera, pcscd + the
card emulator (the kiosk's social security card reader, unused here), the back office over
HTTP with card sessions required (so its refusals are real), the virtual receipt printer."""

from __future__ import annotations

import json

import pytest
from PIL import Image, ImageStat

from kiosk.devices.idcard.emulated import SHIPPED_CARDS, load_card
from tests.helpers.backoffice import client_for, members_index
from tests.helpers.journey import alive, hall_stack, kiosk_config
from tests.helpers.paths import REPO

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


stack = hall_stack(members=8, seed=7, card_sessions=True)


def run(stack, run_scenario, tmp_path, scenario: str, card: str) -> dict:
    svc, cs, cups = stack
    alive(cs)
    cfg = kiosk_config(tmp_path, svc, cups)
    with open(cfg, "a", encoding="utf-8") as f:
        f.write(
            f'[idcard_reader]\nkind = "emulated"\nprofiles_dir = "{svc.cards_dir}"\n'
            'timeout = 1.0\n[camera]\nkind = "emulated"\nsubject = "member"\n'
            f'photos = "{REPO / "var" / "faces"}"\n'
        )
    return run_scenario(
        f"tests.ui.scenarios_idcard:{scenario}",
        "--devices",
        timeout=240,
        env={"KIOSK_CONFIG": cfg, "JOURNEY_CARD_RUN_DIR": str(cs.run_dir), "IDCARD_CARD": card},
    )


def not_blank(*paths: str) -> None:
    for p in paths:
        img = Image.open(p).convert("RGB")
        assert max(ImageStat.Stat(img).stddev) > 10, f"{p} is blank"


def check_limited_entry(seen: dict) -> None:
    """What every ID-card journey shows first: both ways in on the attract page, then the
    limited menu without a PIN."""
    assert seen["attract_idcard_or"] == "或将身份证平放在感应区"
    assert "社保卡＋密码：全部服务" in seen["attract_ways"]
    assert "身份证：扫码缴费、养老金资格认证；人脸识别后可查询记录、打印" in seen["attract_ways"]
    assert seen["scope"] == "limited" and seen["pin_verified"] is False
    assert "人脸识别" in seen["id_note"]
    # Pay and "my records (face check)"; no records, no card services.
    assert seen["menu_visible"] == ["id_pay", "id_records"]
    not_blank(*(seen[k] for k in seen if k.startswith(("shot_attract", "shot_menu"))))


def test_an_id_card_pays_dues_by_qr_and_the_receipt_is_printed(stack, run_scenario, tmp_path):
    svc, _cs, cups = stack
    vp = cups.receipt
    member = members_index(svc)[1]  # showcase #1: "flexible, PIN changed: can pay"
    jobs_before = len(vp.jobs)
    seen = run(stack, run_scenario, tmp_path, "idcard_pays_by_qr", "showcase-1")
    check_limited_entry(seen)
    assert seen["dues_error"] is None and seen["quote_error"] is None
    # QR only: no card in the reader to pay with, and the page says so.
    assert seen["pay_card_visible"] is False and seen["pay_qr_visible"] is True
    assert "请扫码支付" in seen["readiness_text"]
    # The total is the quote's lines added up: each month's amount and its late fee.
    assert seen["quote_total_fen"] == sum(a + f for _p, a, f in seen["quote_lines_fen"])
    assert seen["pay_error"] is None and seen["outcome"] == "paid", seen["result_text"]
    assert seen["receipt_key"] == "payments.receipt_printed"
    jobs = vp.wait_for_jobs(jobs_before + 1)
    text = jobs[-1].text()
    assert seen["order_no"] in text and "社会保险费缴费凭证" in text
    assert member["name"] not in text  # masked on paper
    # Taking the ID card away ended the session and wiped the member's data.
    assert seen["goodbye_title"] == "请取走您的身份证和凭条"
    assert seen["after_removal_data"] is False and seen["ended_by"] == "attract"
    not_blank(seen["shot_quote_zh"], seen["shot_quote_en"], seen["shot_qr"], seen["shot_result"])
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0


def test_records_are_refused_without_the_members_face(stack, run_scenario, tmp_path):
    seen = run(stack, run_scenario, tmp_path, "idcard_records_need_the_face", "showcase-0")
    check_limited_entry(seen)
    # The session refuses a records page ...
    assert seen["refused_page"] == "menu"
    assert seen["refused_notice"] == "凭身份证查询记录或打印，请先进行人脸识别"
    # ... and so does the back office, whatever the kiosk asked.
    refusal = seen["backoffice_summary"]
    assert refusal["answer"] == "ServiceError" and "FULL_SESSION_REQUIRED" in refusal["code"]
    assert "face check" in refusal["said"]
    # Someone else's face: refused, still limited.
    assert seen["face_failed_reason"] == "face.no_match"
    assert seen["scope_after_failure"] == "limited"
    # The member's own face: the session is widened, records open, and card services for the
    # loss report without the card (issue 17).
    assert seen["scope_after_face"] == "full"
    assert seen["full_notice"] == "人脸识别通过，现在可以查询记录和打印"
    assert "history" in seen["full_visible"] and "insurance" in seen["full_visible"]
    assert "card_services" in seen["full_visible"] and "id_records" not in seen["full_visible"]
    assert seen["history_error"] is None and seen["history_rows"] > 0
    # Report loss without the card (issue 17): no PIN to change, asked twice, then the member's
    # card is lost at the back office.
    assert seen["loss_intro"].startswith("您未插入社会保障卡")
    assert seen["loss_change_pin_shown"] is False
    assert seen["loss_confirm"] == "确认挂失" and seen["loss_sent_early"] is False
    assert seen["loss_error"] is None
    owner = members_index(stack[0])[0]
    masked = owner["card_number"][:2] + "****" + owner["card_number"][-3:]
    assert seen["loss_done"] == f"已挂失社会保障卡（卡号 {masked}）"
    with client_for(stack[0]) as client:
        rec = client.card_status(owner["card_identifier"], owner["card_number"])
    assert rec.status.value == "lost"
    assert seen["after_removal_data"] is False
    not_blank(seen["shot_refused"], seen["shot_face_failed"], seen["shot_history"])
    # Nothing the scenario saw carries the full ID number (the screens show it masked).
    card = load_card(SHIPPED_CARDS / "showcase-0.toml", stack[0].cards_dir)
    assert card.fields["id_number"] not in json.dumps(seen, ensure_ascii=False)


def test_the_demo_panel_places_and_takes_away_the_id_card(stack, run_scenario, tmp_path):
    svc = stack[0]
    seen = run(stack, run_scenario, tmp_path, "demo_panel_places_the_card", "showcase-1")
    # Each shipped card on a button, labelled with the name the reader serves (the seeded
    # showcase's for a showcase card).
    name = load_card(SHIPPED_CARDS / "showcase-1.toml", svc.cards_dir).fields["name"]
    assert f"身份证 {name} · 可缴费 / can pay" in seen["idcard_buttons"]
    assert len(seen["idcard_buttons"]) == 7
    assert seen["scope"] == "limited"
    assert seen["panel_status"] == "取走身份证: 是"
    not_blank(seen["shot_panel"])
