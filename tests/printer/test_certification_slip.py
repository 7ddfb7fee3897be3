"""The certification slip (养老金领取资格认证回执): its bytes through python-escpos to the virtual
receipt printer, decoded there; and the kiosk's certify step that prints it (a fake back office
client: a unit test of CertificationService; the whole journey is tests/ui/test_identity.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.backoffice.errors import Rejected
from kiosk.domain import CardHolder, mask_id, mask_name
from kiosk.domain.certification import (
    Certification,
    CertificationAttempt,
    CertificationMethod,
    CertificationStatus,
)
from kiosk.domain.zone import DEFAULT_ZONE
from kiosk.session.certification import CertificationService
from printer.certification_slip import CertificationSlip, slip_bytes
from printer.errors import PaperOut
from printer.escpos_bytes import COLUMNS
from printer.textwidth import width
from printer.virtual import decode, render_text

HOLDER = CardHolder(
    id_number="110101195803071234",
    name="欧阳建国",
    card_number="X00000027",
    card_identifier="110100D15600000500112233445566AA",
    region="110100",
)


def slip(**changes) -> CertificationSlip:
    fields = {
        "hall_name": "北京市东城区社保服务大厅",
        "terminal_id": "KIOSK-0007",
        "member_name": HOLDER.name,
        "id_number": HOLDER.id_number,
        "member_no": "M0000027",
        "method": "face/kiosk",
        # 06:05:11 UTC is 14:05:11 in Beijing (UTC+8)
        "certified_at": dt.datetime(2026, 12, 3, 6, 5, 11, tzinfo=dt.UTC).astimezone(DEFAULT_ZONE),
        "next_due_by": dt.date(2027, 12, 3),
        "attempt_id": 4711,
    }
    return CertificationSlip(**{**fields, **changes})


def test_slip_reaches_the_printer_with_every_field(receipt_printer, virtual_printer):
    receipt_printer.print_bytes(slip_bytes(slip()))
    job = virtual_printer.wait_for_jobs(1)[0]
    assert job.printed
    text = job.text()
    for expected in (
        "养老金领取资格认证回执",
        "北京市东城区社保服务大厅",
        "终端编号：KIOSK-0007",
        "认证编号：4711",
        "认证时间：2026-12-03 14:05:11",
        f"姓    名：{mask_name(HOLDER.name)}",
        f"证件号码：{mask_id(HOLDER.id_number)}",
        "认证方式：人脸识别（自助终端）",
        "认证结果：认证成功",
        "下次认证：请于 2027-12-03 前完成",
        "请妥善保管本回执",
    ):
        assert expected in text, expected
    # a slip is often left behind: neither the full name nor the full ID number is on it
    assert HOLDER.name not in text and HOLDER.id_number not in text
    assert "恢复发放" not in text  # the pension was not suspended
    for line in render_text(decode(job.data)).splitlines():
        assert width(line) <= COLUMNS, line


def test_slip_says_a_suspended_pension_resumes():
    text = render_text(decode(slip_bytes(slip(resumed=True))))
    assert "暂停发放的养老金将恢复发放" in text


def test_slip_refused_when_the_paper_is_out(receipt_printer, virtual_printer):
    virtual_printer.set_paper("out")
    with pytest.raises(PaperOut):
        receipt_printer.print_bytes(slip_bytes(slip()))


# -- the kiosk's certify step -----------------------------------------------------------------


def status(**changes) -> Certification:
    fields = {
        "member_no": "M0000027",
        "as_of": dt.date(2026, 12, 3),
        "status": CertificationStatus.CERTIFIED,
        "last_certified": dt.date(2026, 12, 3),
        "due_by": dt.date(2027, 12, 3),
        "remind_from": dt.date(2027, 11, 3),
        "grace_until": dt.date(2028, 3, 3),
        "suspended": False,
        "suspended_from": None,
        "attempts_left": 3,
        "attempts_per_day": 3,
    }
    return Certification(**{**fields, **changes})


class FakeClient:
    def __init__(self, retiree: bool = True) -> None:
        self.retiree = retiree
        self.recorded: list[tuple] = []

    def certification(self, member_no):
        if not self.retiree:
            raise Rejected(409, "NOT_A_RETIREE", "非养老金领取人员", "Not a pensioner")
        return status(status=CertificationStatus.DUE, last_certified=dt.date(2025, 12, 1))

    def record_certification(self, member_no, method, **kw):
        self.recorded.append((member_no, method, kw))
        return CertificationAttempt(
            attempt_id=4711,
            method=method,
            success=True,
            at=dt.datetime(2026, 12, 3, 6, 5, 11, tzinfo=dt.UTC),
            score="0.636",
            certification=status(),
        )


class BrokenPrinter:
    def print_bytes(self, data, *, force=False):
        raise PaperOut("127.0.0.1:9100")


def service(client, printer) -> CertificationService:
    return CertificationService(
        client, printer, hall_name="大厅", terminal_id="KIOSK-0007", zone=DEFAULT_ZONE
    )


def test_certify_records_with_the_verification_then_prints(receipt_printer, virtual_printer):
    client = FakeClient()
    done = service(client, receipt_printer).certify(
        "M0000027", HOLDER, {"verification_id": "vf-1", "suspended": True}
    )
    member_no, method, kw = client.recorded[0]
    assert (member_no, method) == ("M0000027", CertificationMethod.FACE_KIOSK)
    # the kiosk names the back office's verification and asserts no score of its own
    assert kw["verification_id"] == "vf-1" and kw.get("score") is None and kw["success"]
    assert kw["idempotency_key"] == "certify-vf-1"
    assert done.slip_printed and done.slip_error is None
    text = virtual_printer.wait_for_jobs(1)[0].text()
    assert "认证编号：4711" in text and "请于 2027-12-03 前完成" in text
    assert "暂停发放的养老金将恢复发放" in text  # suspended before, certified now


def test_certified_even_when_the_slip_cannot_be_printed():
    client = FakeClient()
    done = service(client, BrokenPrinter()).certify("M0000027", HOLDER, {"verification_id": "v"})
    assert len(client.recorded) == 1
    assert not done.slip_printed and done.slip_error == "certify.no_slip"


def test_status_of_a_member_who_is_not_a_retiree_is_none():
    assert service(FakeClient(retiree=False), None).status("M1", HOLDER, {}) is None
    assert service(FakeClient(), None).status("M1", HOLDER, {}).status is CertificationStatus.DUE
