"""Payments API: quotes, idempotent orders, card debit, QR, query, cancel, reconciliation.

Every call that changes something takes an `Idempotency-Key` header: the same key with the same
parameters gives the first answer again, other parameters with that key give 409. See
docs/payments.md for the flow and the states."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from backoffice.api.common import MEMBER_ERRORS, problem
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
from backoffice.api.payments_out import NoOrderOut, OrderOut, QuoteOut, ReconciliationOut
from backoffice.api.threads import on_database_threads
from backoffice.api.verify import not_found_page
from backoffice.errors import ApiError, NotFoundProblem, receipt_not_found
from backoffice.orders import Payments
from backoffice.quotes import Choice
from backoffice.reconcile import JournalRecord, reconcile
from kiosk.domain import Money, Scheme
from kiosk.domain.payments import IntentState

router = APIRouter(tags=["payments"])
receipts = APIRouter(tags=["payments"])  # public: mounted on its own (backoffice.api.routers)

# What the payment routes answer besides their success (the identity headers' 400 and 401 and
# the 422 are added to every route by backoffice.api.openapi).
ORDER_NOT_FOUND = problem("ORDER_NOT_FOUND: no such order of this terminal")
UNAVAILABLE = problem("SERVICE_UNAVAILABLE: not taken now; retry with the same Idempotency-Key")
NOT_PAYABLE = problem(
    "ORDER_NOT_PAYABLE (not in state created), ORDER_ALREADY_PAYING (another request pays it), "
    "IDEMPOTENCY_CONFLICT (this key with other parameters)"
)
NO_GATEWAY = problem(
    "PAYMENT_GATEWAY_MISSING: no payment gateway connected (pay at the counter); "
    "SERVICE_UNAVAILABLE: not taken now, retry with the same key"
)
ORDER_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": OrderOut, "description": "the order as it is now"},
    404: ORDER_NOT_FOUND,
}

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
_ORDER_NO = re.compile(r"[A-Z0-9]{8,32}")
OrderNo = Annotated[str, Path(pattern=f"^{_ORDER_NO.pattern}$")]


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


@router.post(
    "/v1/members/{member_no}/quotes",
    status_code=201,
    responses={
        201: {"model": QuoteOut, "description": "the quote (to be ordered as shown)"},
        400: problem("BAD_CHOICE, BAD_TIER, BASE_OUT_OF_RANGE, NO_MONTHS, PERIODS_NOT_IN_ORDER"),
        404: MEMBER_ERRORS[404],
        409: problem("NOTHING_DUE, PERIOD_NOT_DUE, BACK_PAYMENT_TOO_OLD (pay at the counter)"),
    },
)
@on_database_threads
def create_quote(member_no: MemberNo, body: QuoteIn, p: Pay, t: Terminal) -> dict[str, Any]:
    """Price a choice; the kiosk shows the lines and the total and asks to confirm."""
    # Through from_json: a month the domain refuses (years past Period's range: "3999-10" was
    # a 500, found by schemathesis) is 400 BAD_CHOICE like any other choice it cannot read.
    choice = Choice.from_json(body.model_dump(mode="json"))
    return p.quote(t, member_no, choice)


@router.post(
    "/v1/orders",
    status_code=201,
    responses={
        201: {
            "model": OrderOut,
            "description": "the order, created; the same again for a retry with the same key",
        },
        400: problem("BAD_AMOUNT"),
        404: problem("QUOTE_NOT_FOUND, MEMBER_NOT_FOUND (the first answer again on a retry)"),
        409: problem(
            "IDEMPOTENCY_CONFLICT (this key with other parameters), KEY_CANCELLED (cancelled "
            "by key), AMOUNT_MISMATCH, QUOTE_CHANGED (re-quote), ORDER_OPEN"
        ),
        503: UNAVAILABLE,
    },
)
def create_order(body: OrderIn, key: IdemKey, p: Pay, t: Terminal) -> Any:
    _fault_before(p, t)
    status, out = p.create_order(t, key, body.quote_id, body.member_no, body.amount)
    return _fault_after(p, t, JSONResponse(out, status_code=status))


@router.get(
    "/v1/orders/by-key/{key}",
    responses={
        200: {
            "model": OrderOut | NoOrderOut,
            "description": "the order made with this key, or state none (cancelled by key first)",
        },
        404: problem("ORDER_NOT_FOUND: no request with this key from this terminal"),
    },
)
def order_by_key(key: KeyPath, p: Pay, t: Terminal) -> dict[str, Any]:
    return p.order_by_key(t, key)


@router.post(
    "/v1/orders/by-key/{key}/cancel",
    responses={
        200: {
            "model": OrderOut | NoOrderOut,
            "description": "the order made with this key, cancelled where not charged; or "
            "state none: no order will ever be made with this key",
        },
        503: UNAVAILABLE,
    },
)
def cancel_by_key(key: KeyPath, p: Pay, t: Terminal) -> Any:
    _fault_before(p, t)
    return _fault_after(p, t, p.cancel_by_key(t, key))


@router.get("/v1/orders/{order_no}", responses=ORDER_ANSWERS)
def get_order(order_no: OrderNo, p: Pay, t: Terminal) -> dict[str, Any]:
    return p.order(order_no, t)


@router.post(
    "/v1/orders/{order_no}/pay",
    responses={**ORDER_ANSWERS, 409: NOT_PAYABLE, 503: NO_GATEWAY},
)
def pay_card(order_no: OrderNo, body: CardPayIn, key: IdemKey, p: Pay, t: Terminal) -> Any:
    _gateway_connected(p)
    _fault_before(p, t)
    return _fault_after(p, t, p.pay_card(t, order_no, key, body.account))


@router.post(
    "/v1/orders/{order_no}/qr",
    responses={**ORDER_ANSWERS, 409: NOT_PAYABLE, 503: NO_GATEWAY},
)
def open_qr(order_no: OrderNo, key: IdemKey, p: Pay, t: Terminal) -> Any:
    _gateway_connected(p)
    _fault_before(p, t)
    return _fault_after(p, t, p.open_qr(t, order_no, key))


@router.post(
    "/v1/orders/{order_no}/cancel",
    responses={
        **ORDER_ANSWERS,
        200: {
            "model": OrderOut,
            "description": "the order, cancelled unless it was charged (then still posted)",
        },
        503: UNAVAILABLE,
    },
)
def cancel(order_no: OrderNo, p: Pay, t: Terminal) -> Any:
    _fault_before(p, t)
    return _fault_after(p, t, p.cancel(t, order_no))


@router.post(
    "/v1/reconciliation",
    responses={200: {"model": ReconciliationOut, "description": "the day's comparison"}},
)
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


@receipts.get(
    "/receipts/{order_no}",
    response_class=HTMLResponse,
    responses={
        200: {"description": "the receipt page", "content": {"text/html": {}}},
        404: {
            "description": "RECEIPT_NOT_FOUND: no posted order with this number (an HTML page)",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
    },
)
def receipt_page(order_no: str, p: Pay) -> HTMLResponse:
    """A payment receipt as a web page: what the kiosk shows as a QR code when it cannot print.
    Public (the order number is the secret); shows no name and no ID number. A phone scanned
    it: every refusal is a page too (any text is a number to look up, so never a 422)."""
    try:
        if _ORDER_NO.fullmatch(order_no) is None:
            raise receipt_not_found()
        return HTMLResponse(p.receipt_page(order_no))
    except NotFoundProblem as e:
        return not_found_page(e.message_zh, e.message_en)
