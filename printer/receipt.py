"""The payment receipt (社会保险费缴费凭证) as ESC/POS bytes for an 80 mm thermal printer.

Names and ID numbers are masked here (mask_name, mask_id): a receipt is often left behind.
Columns are aligned by display width (48 half-width columns in font A). The layout is in
docs/printing.md ("The payment receipt"): one amount line per run of consecutive months at
one base, each with its base; the late fee on its own line; the lines add up to 合计金额; the
residents' pension subsidy (政府补贴) after the total, not in it, and so the part the government
paid for the member (政府代缴, a fee reduction). A receipt printed again is marked 补打 under the
title, in bold, so it is never taken for a second payment.
"""

from __future__ import annotations

from kiosk.domain import mask_id, mask_name
from kiosk.domain.documents import PaymentReceipt
from printer.escpos_bytes import COLUMNS, Align, EscPosWriter
from printer.textwidth import two_columns, wrap

TITLE = "社会保险费缴费凭证"
RULE = "-" * COLUMNS
BASE_INDENT = "    "
SUBSIDY_LABEL = "政府补贴（不计入合计）"
GOVERNMENT_LABEL = "政府代缴（不计入合计）"
REPRINT_MARK = "【补打】"


def receipt_bytes(r: PaymentReceipt, columns: int = COLUMNS) -> bytes:
    """The whole receipt, from ESC @ to the cut."""
    w = EscPosWriter()
    w.align(Align.CENTER).bold(True).size(2, 2).line(TITLE).size(1, 1).bold(False)
    if r.reprint:
        w.bold(True).line(f"{REPRINT_MARK} REPRINT").bold(False)
    w.line(r.hall_name)
    w.align(Align.LEFT).line("-" * columns)

    def field(label: str, value: str) -> None:
        for text in wrap(f"{label}：{value}", columns):
            w.line(text)

    field("终端编号", r.terminal_id)
    field("订单编号", r.order_no)
    # The hall's wall time (paid_at is aware, in the configured zone: docs/rules.md, Time).
    field("缴费时间", r.paid_at.strftime("%Y-%m-%d %H:%M:%S"))
    field("姓    名", mask_name(r.member_name))
    field("证件号码", mask_id(r.id_number))
    field("险    种", r.scheme.zh)
    field("缴费月数", f"{r.months}个月")
    w.line("-" * columns)
    # One line per run of consecutive months at one base, its base underneath: months at
    # different bases or far apart are never folded into one "first 至 last" span.
    for item in r.lines:
        label = f"{item.span}（{item.months}个月）" + (" 补缴" if item.back_payment else "")
        w.line(two_columns(label, item.amount.display(), columns))
        if item.base is not None:
            w.line(f"{BASE_INDENT}缴费基数：{item.base.display()}")
    if r.late_fee is not None and r.late_fee:
        w.line(two_columns("滞纳金", r.late_fee.display(), columns))
    w.line("-" * columns)
    w.bold(True).line(two_columns("合计金额", r.total.display(), columns)).bold(False)
    if r.subsidy is not None and r.subsidy:
        # Paid by the state into the member's account: shown, never part of the total.
        w.line(two_columns(SUBSIDY_LABEL, r.subsidy.display(), columns))
    if r.paid_by_government is not None and r.paid_by_government:
        # 代缴: the government paid this much of the contribution for the member.
        w.line(two_columns(GOVERNMENT_LABEL, r.paid_by_government.display(), columns))
    field("支付方式", r.payment_method)
    w.feed(1)
    w.align(Align.CENTER).qr(r.verification.url, module_size=6)
    w.line(f"验证码：{r.verification.code}")
    w.line("扫描二维码核验本凭证")
    w.feed(1)
    w.bold(True).line(r.note).bold(False)
    w.cut()
    return w.getvalue()
