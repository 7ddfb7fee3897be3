"""The payment receipt (社会保险费缴费凭证) as ESC/POS bytes for an 80 mm thermal printer.

Names and ID numbers are masked here (mask_name, mask_id): a receipt is often left behind.
Columns are aligned by display width (48 half-width columns in font A).
"""

from __future__ import annotations

from kiosk.domain import mask_id, mask_name
from kiosk.domain.documents import PaymentReceipt
from printer.escpos_bytes import COLUMNS, Align, EscPosWriter
from printer.textwidth import two_columns, wrap

TITLE = "社会保险费缴费凭证"
RULE = "-" * COLUMNS


def receipt_bytes(r: PaymentReceipt, columns: int = COLUMNS) -> bytes:
    """The whole receipt, from ESC @ to the cut."""
    w = EscPosWriter()
    w.align(Align.CENTER).bold(True).size(2, 2).line(TITLE).size(1, 1).bold(False)
    w.line(r.hall_name)
    w.align(Align.LEFT).line("-" * columns)

    def field(label: str, value: str) -> None:
        for text in wrap(f"{label}：{value}", columns):
            w.line(text)

    field("终端编号", r.terminal_id)
    field("订单编号", r.order_no)
    field("缴费时间", r.paid_at.strftime("%Y-%m-%d %H:%M:%S"))
    field("姓    名", mask_name(r.member_name))
    field("证件号码", mask_id(r.id_number))
    field("险    种", r.scheme.zh)
    months = f"（{r.months}个月）"
    if r.first_period == r.last_period:
        field("费款所属期", f"{r.first_period}{months}")
    else:
        field("费款所属期", f"{r.first_period} 至 {r.last_period}{months}")
    if r.base is not None:
        field("缴费基数", r.base.display())
    w.line("-" * columns)
    for item in r.lines:
        w.line(two_columns(item.label, item.amount.display(), columns))
    if r.late_fee is not None and r.late_fee:
        w.line(two_columns("滞纳金", r.late_fee.display(), columns))
    w.line("-" * columns)
    w.bold(True).line(two_columns("合计金额", r.total.display(), columns)).bold(False)
    field("支付方式", r.payment_method)
    w.feed(1)
    w.align(Align.CENTER).qr(r.verification.url, module_size=6)
    w.line(f"验证码：{r.verification.code}")
    w.line("扫描二维码核验本凭证")
    w.feed(1)
    w.bold(True).line(r.note).bold(False)
    w.cut()
    return w.getvalue()
