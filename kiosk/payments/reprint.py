"""A receipt printed again from one of the member's own past payments (我的缴费凭证 -> 补打):
the same lines, late fee, total, subsidy and 代缴 as the first receipt, the time paid in the
hall's zone, marked 补打 (printer/receipt.py). The kiosk reads the payment from the back office
(BackOfficeClient.payment: only the member's own), never from its journal, so a payment made at
another kiosk prints too."""

from __future__ import annotations

import datetime as dt

from kiosk.domain.documents import PaymentReceipt, Verification
from kiosk.domain.past_payments import PastPayment

METHODS = {"card": "社保卡金融账户", "qr": "扫码支付"}


def reprint_receipt(
    p: PastPayment,
    *,
    hall_name: str,
    zone: dt.tzinfo,
    member_name: str,
    id_number: str,
) -> PaymentReceipt:
    """The receipt of `p`, marked 补打; member_name and id_number as the session holds them
    (the receipt masks both)."""
    return PaymentReceipt(
        hall_name=hall_name,
        terminal_id=p.terminal_id,
        order_no=p.order_no,
        paid_at=p.paid_at.astimezone(zone),
        member_name=member_name,
        id_number=id_number,
        scheme=p.scheme,
        lines=p.receipt_lines(),
        total=p.total,
        payment_method=METHODS.get(p.method or "", "—"),
        verification=Verification(p.gateway_txn or p.order_no, p.receipt_url),
        late_fee=p.late_fee if p.late_fee else None,
        subsidy=p.subsidy if p.subsidy else None,
        paid_by_government=p.paid_by_government if p.paid_by_government else None,
        note="补打凭证 / reprint",
        reprint=True,
    )
