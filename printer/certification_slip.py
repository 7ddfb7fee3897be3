"""The retiree's certification slip (养老金领取资格认证回执) as ESC/POS bytes for the receipt
printer: printed at the kiosk after a face certification succeeded.

What it says: that this retiree certified this year, when, how, and by when the next
certification is due; the attempt's number for the counter. The name and ID number are
masked, as on the payment receipt: a slip is often left behind.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.domain import mask_id, mask_name
from printer.escpos_bytes import COLUMNS, Align, EscPosWriter
from printer.textwidth import wrap

TITLE = "养老金领取资格认证回执"
METHODS = {
    "face/kiosk": "人脸识别（自助终端）",
    "id_card+face": "身份证＋人脸识别（自助终端）",
    "face/app": "人脸识别（手机应用）",
    "counter": "人工窗口",
}
NOTE = "认证成功，养老金按月正常发放。请妥善保管本回执。"


@dataclass(frozen=True)
class CertificationSlip:
    hall_name: str
    terminal_id: str
    member_name: str
    id_number: str
    member_no: str
    method: str  # "face/kiosk", ...: CertificationMethod's value
    certified_at: dt.datetime  # aware, in the hall's zone
    next_due_by: dt.date  # the next certification is due by this day
    attempt_id: int
    resumed: bool = False  # the pension had been suspended and resumes


def slip_bytes(slip: CertificationSlip, columns: int = COLUMNS) -> bytes:
    """The whole slip, from ESC @ to the cut."""
    w = EscPosWriter()
    w.align(Align.CENTER).bold(True).size(2, 2)
    for text in wrap(TITLE, columns // 2):  # double width: half the columns
        w.line(text)
    w.size(1, 1).bold(False)
    w.line(slip.hall_name)
    w.align(Align.LEFT).line("-" * columns)

    def field(label: str, value: str) -> None:
        for text in wrap(f"{label}：{value}", columns):
            w.line(text)

    field("终端编号", slip.terminal_id)
    field("认证编号", str(slip.attempt_id))
    field("认证时间", slip.certified_at.strftime("%Y-%m-%d %H:%M:%S"))
    field("姓    名", mask_name(slip.member_name))
    field("证件号码", mask_id(slip.id_number))
    field("认证方式", METHODS.get(slip.method, slip.method))
    w.bold(True)
    field("认证结果", "认证成功")
    w.bold(False)
    field("下次认证", f"请于 {slip.next_due_by:%Y-%m-%d} 前完成")
    if slip.resumed:
        field("待遇发放", "暂停发放的养老金将恢复发放")
    w.line("-" * columns)
    for text in wrap(NOTE, columns):
        w.line(text)
    w.cut()
    return w.getvalue()
