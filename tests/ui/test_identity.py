"""Issue 20's journeys by touch on the real stack: pcscd + card emulator, the back office over
HTTP with its face model, the emulated camera playing the lab's photos (var/faces), the virtual
receipt printer. The seed enrols every showcase member with obama.jpg; the camera's "member"
is obama2.jpg turning as asked, "someone_else" biden.jpg, "photo" obama2.jpg held still."""

from __future__ import annotations

import json

import pytest

from kiosk.domain import mask_name
from kiosk.domain.cards import CardStatus
from kiosk.domain.certification import CertificationStatus
from tests.helpers.backoffice import client_for
from tests.helpers.journey import alive, hall, kiosk_config
from tests.helpers.paths import REPO

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]

FACES = REPO / "var" / "faces"
NEW_PIN = "975310"  # the blocked card's new PIN: six digits, not 123456


@pytest.fixture(scope="module")
def stack(tmp_path_factory, card_lab):
    if not (FACES / "obama2.jpg").exists():
        pytest.fail("var/faces missing: run `.venv/bin/python scripts/face_photos.py`")
    with hall(tmp_path_factory.mktemp("cards"), members=12, seed=7) as (svc, cups):
        yield svc, card_lab, cups


def member(svc, *, note: str = "", status: str = "valid", pin: str | None = None) -> dict:
    for m in svc.report.showcases:
        if m.card_file and note in m.note and m.card_status == status and pin in (None, m.pin):
            return {
                "card_file": str(svc.cards_dir / m.card_file),
                "pin": m.pin,
                "name": m.name,
                "member_no": m.member_no,
                "card_identifier": m.card_identifier,
                "card_number": m.card_number,
            }
    pytest.fail(f"the seed has no showcase member {note!r} with a {status} card (lives.SHOWCASES)")


def run(stack, run_scenario, tmp_path, scenario, members, *args):
    svc, cs, cups = stack
    alive(cs)
    cfg = kiosk_config(tmp_path, svc, cups)
    with open(cfg, "a", encoding="utf-8") as f:
        f.write(f'[camera]\nkind = "emulated"\nphotos = "{FACES}"\nsubject = "member"\n')
    return run_scenario(
        f"tests.ui.scenarios_identity:{scenario}",
        "--devices",
        *args,
        timeout=240,
        env={
            "KIOSK_CONFIG": cfg,
            "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
            "JOURNEY_MEMBER": json.dumps(members),
        },
    )


def test_retiree_certifies_by_face_after_a_photo_fails_liveness(stack, run_scenario, tmp_path):
    svc, _cs, cups = stack
    retiree = member(svc, note="retiree")
    with client_for(svc) as client:
        before = client.certification(retiree["member_no"])
    assert before.status is CertificationStatus.DUE  # the seed's showcase retiree
    jobs_before = len(cups.receipt.jobs)

    seen = run(stack, run_scenario, tmp_path, "certify", retiree, "--large-text")

    due = before.due_by.isoformat()
    assert (
        seen["certify_shown"] and seen["reminder"] == f"请于 {due} 前完成今年的养老金领取资格认证"
    )
    assert seen["status"] == f"请于 {due} 前完成今年的认证" and seen["start_text"] == "开始认证"
    # the action is asked large, the arrow to the member's own side
    prompt = seen["prompt"]
    assert (prompt["prompt"], prompt["arrow"]) in (("请向左转头", "←"), ("请向右转头", "→"))
    # a photo held still: refused as not live, one of the day's three attempts gone (3 - 1 = 2)
    assert seen["photo"]["reason"] == "face.not_live" and seen["photo_attempts"] == 2
    assert seen["photo"]["detail"] == "未能确认是本人在场，请按提示转头"
    assert seen["photo"]["hint"] == "今天还可以尝试 2 次"

    with client_for(svc) as client:
        after = client.certification(retiree["member_no"])
    # certified today; the next one 12 months after it (cycle_months 12 from the last one)
    assert after.status is CertificationStatus.CERTIFIED and after.last_certified == after.as_of
    assert after.due_by == after.as_of.replace(year=after.as_of.year + 1)
    assert (seen["mark"], seen["result"]) == ("✓", "认证成功")
    assert seen["next_step"] == f"下次认证请于 {after.due_by.isoformat()} 前完成"
    assert seen["slip"] == "请取走认证回执" and seen["certified_status"] == "certified"
    assert seen["reminder_after"] == ""  # certified: the menu no longer reminds
    assert seen["data_after_exit"] is False

    job = cups.receipt.wait_for_jobs(jobs_before + 1, timeout=10)[-1]
    assert job.printed
    slip = job.text()
    for expected in (
        "养老金领取资格认证回执",
        f"姓    名：{mask_name(retiree['name'])}",
        "认证方式：人脸识别（自助终端）",
        "认证结果：认证成功",
        f"下次认证：请于 {after.due_by.isoformat()} 前完成",
    ):
        assert expected in slip, expected
    assert retiree["name"] not in slip
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
    assert seen["layout_loops"] == 0


def test_someone_else_fails_three_times_then_the_counter(card_lab, run_scenario, tmp_path):
    # A back office of its own: the day's three failed checks of the showcase retiree end
    # their certification at the kiosk for today (the other test certifies them).
    with hall(tmp_path / "cards", members=12, seed=7) as (svc, cups):
        retiree = member(svc, note="retiree")
        seen = run(
            (svc, card_lab, cups),
            run_scenario,
            tmp_path,
            "someone_else",
            retiree,
            "--language",
            "en",
        )
        with client_for(svc) as client:
            after = client.certification(retiree["member_no"])
    refusals = seen["refusals"]
    # 3 attempts a day: 3 - 1 = 2 left, 3 - 2 = 1 left, 3 - 3 = 0: the counter
    assert [(r["reason"], r["attempts_left"], r["final"]) for r in refusals] == [
        ("face.no_match", 2, False),
        ("face.no_match", 1, False),
        ("face.counter_required", 0, True),
    ]
    assert refusals[0]["detail"] == "The face does not match the photo on record"
    assert refusals[1]["hint"] == "1 more attempt(s) today"
    assert refusals[2]["detail"].startswith("Too many failed checks today")
    assert [r["retry_shown"] for r in refusals] == [True, True, False]
    assert seen["how"] == "No face checks left today: please go to a service counter"
    assert seen["can_start"] is False
    # a relative cannot certify for the retiree: nothing was recorded as a success
    assert after.status is CertificationStatus.DUE and after.attempts_left == 0


def test_pin_reset_of_a_blocked_card_then_loss_cancelled(stack, run_scenario, tmp_path):
    svc, _cs, _cups = stack
    blocked = member(svc, pin="246810") | {"new_pin": NEW_PIN}
    lost = member(svc, status="lost")
    seen = run(
        stack,
        run_scenario,
        tmp_path,
        "reset_pin_then_cancel_loss",
        {"blocked": blocked, "lost": lost},
        "--large-text",
    )
    assert seen["blocked_title"] == "密码已锁定" and seen["blocked_button"] == "刷脸重置密码"
    assert seen["reset_face_prompt"]["prompt"] in ("请向左转头", "请向右转头")
    assert seen["reset_title"] == "请输入新密码（6位数字）"
    assert seen["reset_title_again"] == "请再次输入新密码"
    assert (seen["reset_mark"], seen["reset_done"]) == ("✓", "密码已重置，请牢记新密码")
    assert seen["after_new_pin"] == "menu"  # the new PIN opened the card (not the initial one)

    assert seen["lost_title"] == "此卡已挂失" and seen["lost_button"] == "解除挂失"
    assert seen["loss_wrong"] == "密码错误  还可以尝试 2 次"  # the card's 3 tries, 1 used
    assert seen["loss_done"] == "已解除临时挂失，卡片恢复正常"
    assert seen["lost_card_reads_valid"]  # read again: the back office says valid, PIN page
    with client_for(svc) as client:
        card = client.card_status(lost["card_identifier"], lost["card_number"])
    assert card.status is CardStatus.VALID
    assert seen["blocking_on_main"] == [], seen["blocking_on_main"]
