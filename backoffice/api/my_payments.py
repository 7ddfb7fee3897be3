"""The member's own receipts (我的缴费凭证): GET /v1/members/{no}/payments, the member's settled
payments newest first (at most `limit`, default 20, at most 50), and GET .../payments/{order_no},
one of them for a reprint (补打). Only the member's own: another member's order number is 404
ORDER_NOT_FOUND, as is an order not (yet) posted. Any terminal's payments: the member paid
them, wherever."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field
from sqlalchemy import select

from backoffice import records
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Terminal
from backoffice.api.encode import instant
from backoffice.api.members import MemberNo
from backoffice.api.models import Amount, OrderNoText, SchemeCode, _Out
from backoffice.api.payments_out import PayLineOut
from backoffice.errors import NotFoundProblem
from backoffice.storage.payments import OrderRow
from kiosk.domain import Money
from kiosk.domain.payments import OrderState

router = APIRouter(prefix="/v1/members", tags=["payments"], responses=MEMBER_ERRORS)

MAX_PAYMENTS = 50


class PastPaymentOut(_Out):
    order_no: str
    scheme: SchemeCode
    terminal_id: str = Field(description="the kiosk it was paid at")
    paid_at: dt.datetime = Field(description="with its UTC offset")
    business_date: dt.date
    method: Literal["card", "qr"] | None
    account_masked: str | None
    gateway_txn: str | None = Field(description="the payment's reference (the receipt's code)")
    lines: list[PayLineOut]
    amount: Amount = Field(description="the lines' amounts, without the late fee")
    late_fee: Amount
    total: Amount = Field(description="what the member paid: amount + late_fee")
    subsidy: Amount = Field(description="政府补贴 (residents' pension), not paid by the member")
    paid_by_government: Amount = Field(description="代缴: paid by the government for the member")
    receipt_url: str = Field(description="the receipt's public page (its QR code)")


class PastPaymentsOut(_Out):
    member_no: str
    payments: list[PastPaymentOut] = Field(description="newest first")


def _fen(lines: list[dict[str, Any]], key: str) -> int:
    return sum(Money.of(x.get(key, "0")).fen for x in lines)


def past_payment(row: OrderRow, public_url: str) -> dict[str, Any]:
    lines = json.loads(row.lines_json)
    amount, government = _fen(lines, "amount"), _fen(lines, "paid_by_government")
    subsidy = 0
    if row.scheme == "resident_pension":
        # The state's subsidy: what reached the account beyond the tier (member + 代缴).
        subsidy = _fen(lines, "to_account") - amount - government
    assert row.paid_at is not None
    return {
        "order_no": row.order_no,
        "scheme": row.scheme,
        "terminal_id": row.terminal_id,
        "paid_at": instant(row.paid_at),
        "business_date": row.business_date.isoformat(),
        "method": row.method,
        "account_masked": row.account_masked,
        "gateway_txn": row.gateway_txn,
        "lines": lines,
        "amount": f"{Money.from_fen(amount).yuan:.2f}",
        "late_fee": f"{Money.from_fen(row.late_fee_fen).yuan:.2f}",
        "total": f"{Money.from_fen(row.total_fen).yuan:.2f}",
        "subsidy": f"{Money.from_fen(subsidy).yuan:.2f}",
        "paid_by_government": f"{Money.from_fen(government).yuan:.2f}",
        "receipt_url": f"{public_url.rstrip('/')}/receipts/{row.order_no}",
    }


@router.get("/{member_no}/payments", response_model=PastPaymentsOut)
def payments(
    member_no: MemberNo,
    ctx: Ctx,
    _t: Terminal,
    limit: Annotated[int, Query(ge=1, le=MAX_PAYMENTS, description="at most this many")] = 20,
) -> dict[str, Any]:
    with ctx.db.sessions() as db:
        member = records.find_member(db, member_no)
        rows = db.scalars(
            select(OrderRow)
            .where(OrderRow.member_id == member.id, OrderRow.state == OrderState.POSTED.value)
            # Instants are kept to the second: within one, the order made later first.
            .order_by(OrderRow.paid_at.desc(), OrderRow.created_at.desc(), OrderRow.order_no.desc())
            .limit(limit)
        ).all()
        url = ctx.settings.public_url
        return {"member_no": member_no, "payments": [past_payment(r, url) for r in rows]}


@router.get(
    "/{member_no}/payments/{order_no}",
    response_model=PastPaymentOut,
    responses={404: problem("MEMBER_NOT_FOUND; ORDER_NOT_FOUND: not this member's settled order")},
)
def payment(
    member_no: MemberNo,
    order_no: Annotated[OrderNoText, Path(description="订单编号")],
    ctx: Ctx,
    _t: Terminal,
) -> dict[str, Any]:
    with ctx.db.sessions() as db:
        member = records.find_member(db, member_no)
        row = db.get(OrderRow, order_no)
        if row is None or row.member_id != member.id or row.state != OrderState.POSTED.value:
            raise NotFoundProblem(
                "没有这笔缴费记录", "No such payment of yours", code="ORDER_NOT_FOUND"
            )
        return past_payment(row, ctx.settings.public_url)
