"""Payments API: quotes, idempotent orders, card debit, QR, query, cancel, reconciliation.

Every call that changes something takes an `Idempotency-Key` header: the same key with the same
parameters gives the first answer again, other parameters with that key give 409. See
docs/payments.md for the flow and the states."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from backoffice.api.common import MEMBER_ERRORS
from backoffice.api.deps import Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import (
    MAX_JOURNAL_ROWS,
    MAX_MONTHS,
    AccountText,
    AmountIn,
    IdempotencyKeyText,
    IntentIdText,
    IsoDate,
    MemberNoText,
    MonthIn,
    OrderNoText,
    QuoteIdText,
)
from backoffice.api.payments_deps import Pay
from backoffice.errors import ApiError
from backoffice.orders import Payments
from backoffice.quotes import Choice
from backoffice.reconcile import JournalRecord, reconcile
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.payments import IntentState

router = APIRouter(tags=["payments"], responses=MEMBER_ERRORS)
receipts = APIRouter(tags=["payments"])

# A bad key, in the header or a by-key path, is 422 BAD_IDEMPOTENCY_KEY (models.invalid_request).
IdemKey = Annotated[
    IdempotencyKeyText,
    Header(
        alias="Idempotency-Key",
        description="one key per payment intent (a retry sends the same key)",
    ),
]
# The by-key paths take the same key as the header: never longer than its column (a longer one
# was a 500 on PostgreSQL, issue 15).
KeyPath = Annotated[IdempotencyKeyText, Path()]
OrderNo = Annotated[str, Path(pattern=r"^[A-Z0-9]{8,32}$")]


class ServiceUnavailable(ApiError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


class PaymentGatewayMissing(ApiError):
    status = 503
    code = "PAYMENT_GATEWAY_MISSING"


def _gateway_connected(p: Payments) -> None:
    """Refuse before the order is claimed: an order must not wait on a gateway that is not
    there (a production back office without a bank, backoffice.parts)."""
    if not p.gateway.available:
        raise PaymentGatewayMissing(
            "暂不能在本机缴费：未接入支付渠道，请到柜台办理",
            "Payments are not available here: no payment gateway is connected; "
            "please pay at the counter",
        )


def _fault_before(p: Payments, terminal: str) -> None:
    if p.switches.take("api_5xx_before", terminal):
        raise ServiceUnavailable("服务暂不可用", "Service unavailable (simulated)")


def _fault_after(p: Payments, terminal: str, body: Any) -> Any:
    if p.switches.take("api_5xx_after", terminal):
        # The work is done and committed; only the answer is lost.
        return JSONResponse(
            {
                "code": "INTERNAL_ERROR",
                "message_zh": "系统内部错误",
                "message_en": "Internal error",
            },
            status_code=500,
        )
    return body


class QuoteIn(BaseModel):
    scheme: Scheme
    base: AmountIn | None = Field(
        default=None,
        description="flexible: the monthly base, within the due's base_min..base_max "
        "(0.00 is out of range, not the default; absent: the default)",
    )
    periods: list[MonthIn] | None = Field(
        default=None, max_length=MAX_MONTHS, description="flexible: months, oldest first"
    )
    tier: AmountIn | None = Field(default=None, description="residents' pension: the tier")


class OrderIn(BaseModel):
    quote_id: QuoteIdText = Field(description="a quote made by this terminal")
    member_no: MemberNoText
    amount: AmountIn = Field(description="the total the kiosk showed; must equal the quote's")


class CardPayIn(BaseModel):
    method: Literal["card"] = "card"
    account: AccountText = Field(description="the card's financial account")


class JournalRowIn(BaseModel):
    intent_id: IntentIdText
    order_no: OrderNoText | None = None
    state: IntentState
    amount: AmountIn


class ReconcileIn(BaseModel):
    date: IsoDate
    journal: list[JournalRowIn] | None = Field(
        default=None,
        max_length=MAX_JOURNAL_ROWS,
        description="the kiosk's journal rows of the day (None: not compared)",
    )


@router.post("/v1/members/{member_no}/quotes", status_code=201)
def create_quote(member_no: MemberNo, body: QuoteIn, p: Pay, t: Terminal) -> dict[str, Any]:
    """Price a choice; the kiosk shows the lines and the total and asks to confirm."""
    choice = Choice(
        scheme=body.scheme,
        base=None if body.base is None else Money.of(body.base),
        periods=None if body.periods is None else tuple(Period.parse(x) for x in body.periods),
        tier=None if body.tier is None else Money.of(body.tier),
    )
    return p.quote(t, member_no, choice)


@router.post("/v1/orders")
def create_order(body: OrderIn, key: IdemKey, p: Pay, t: Terminal) -> Any:
    _fault_before(p, t)
    status, out = p.create_order(t, key, body.quote_id, body.member_no, body.amount)
    return _fault_after(p, t, JSONResponse(out, status_code=status))


@router.get("/v1/orders/by-key/{key}")
def order_by_key(key: KeyPath, p: Pay, t: Terminal) -> dict[str, Any]:
    return p.order_by_key(t, key)


@router.post("/v1/orders/by-key/{key}/cancel")
def cancel_by_key(key: KeyPath, p: Pay, t: Terminal) -> Any:
    _fault_before(p, t)
    return _fault_after(p, t, p.cancel_by_key(t, key))


@router.get("/v1/orders/{order_no}")
def get_order(order_no: OrderNo, p: Pay, t: Terminal) -> dict[str, Any]:
    return p.order(order_no, t)


@router.post("/v1/orders/{order_no}/pay")
def pay_card(order_no: OrderNo, body: CardPayIn, key: IdemKey, p: Pay, t: Terminal) -> Any:
    _gateway_connected(p)
    _fault_before(p, t)
    return _fault_after(p, t, p.pay_card(t, order_no, key, body.account))


@router.post("/v1/orders/{order_no}/qr")
def open_qr(order_no: OrderNo, key: IdemKey, p: Pay, t: Terminal) -> Any:
    _gateway_connected(p)
    _fault_before(p, t)
    return _fault_after(p, t, p.open_qr(t, order_no, key))


@router.post("/v1/orders/{order_no}/cancel")
def cancel(order_no: OrderNo, p: Pay, t: Terminal) -> Any:
    _fault_before(p, t)
    return _fault_after(p, t, p.cancel(t, order_no))


@router.post("/v1/reconciliation")
def reconciliation(body: ReconcileIn, p: Pay, t: Terminal) -> dict[str, Any]:
    """The day's reconciliation of this terminal: journal x orders x gateway bill."""
    journal = (
        None
        if body.journal is None
        else [
            JournalRecord(r.intent_id, r.order_no, r.state, Money.of(r.amount).fen)
            for r in body.journal
        ]
    )
    return reconcile(p.ctx.db, p.gateway, t, body.date, journal).as_json()


@receipts.get("/receipts/{order_no}", response_class=HTMLResponse)
def receipt_page(order_no: OrderNo, p: Pay) -> str:
    """A payment receipt as a web page: what the kiosk shows as a QR code when it cannot print.
    Public (the order number is the secret); shows no name and no ID number."""
    return p.receipt_page(order_no)


router.include_router(receipts)
