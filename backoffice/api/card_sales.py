"""POST /v1/orders/{order_no}/card-sale: post an order paid by an approved card sale
(backoffice/card_sales.py; docs/payments.md "Card sale")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from backoffice.api.common import problem
from backoffice.api.deps import Terminal
from backoffice.api.models import JsonInt
from backoffice.api.payments import IdemKey, OrderNo
from backoffice.api.payments_deps import Pay
from backoffice.card_sales import CardSaleClaim, ReferenceAcquirerRecords, post_card_sale
from backoffice.errors import BadRequestProblem
from kiosk.domain import Money

router = APIRouter(tags=["payments"])

# As the other payment routes' amounts: yuan with two decimals, at most 12 digits before them.
SaleAmount = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}\.[0-9]{2}$")]
# "YYYY-MM-DD" only (a bare number is not a date).
SaleDate = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]

SALE_REFUSED = problem(
    "CARD_SALE_UNKNOWN (the acquirer has no such sale), CARD_SALE_REVERSED, "
    "CARD_SALE_NOT_APPROVED, CARD_SALE_AMOUNT (amount or reference differs), CARD_SALE_TERMINAL "
    "(another terminal's sale), CARD_SALE_USED (it paid another order), ORDER_NOT_PAYABLE, "
    "ORDER_ALREADY_PAYING, IDEMPOTENCY_CONFLICT"
)


class CardSaleIn(BaseModel):
    terminal_no: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{8}$")] = Field(
        description="the acquirer's terminal number (ISO 8583 field 41)"
    )
    # A JSON number (lax, true was trace 1).
    trace: Annotated[int, JsonInt] = Field(
        ge=1, le=999999, description="the sale's trace number (field 11)"
    )
    txn_date: SaleDate = Field(description="the kiosk's local date of the sale (field 13)")
    amount: SaleAmount = Field(description='the sale\'s amount in yuan, e.g. "330.00"')
    rrn: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{0,12}$")] = Field(
        default="", description="the acquirer's reference number (field 37)"
    )
    auth_code: Annotated[str, Field(pattern=r"^[0-9A-Za-z ]{0,6}$")] = Field(
        default="", description="the authorization number (field 38)"
    )


@router.post(
    "/v1/orders/{order_no}/card-sale",
    responses={404: problem("ORDER_NOT_FOUND: no such order of this terminal"), 409: SALE_REFUSED},
)
def card_sale(order_no: OrderNo, body: CardSaleIn, key: IdemKey, p: Pay, t: Terminal) -> Any:
    """Post the order paid by a card sale the acquirer approved and did not reverse (checked in
    its records: same terminal, same amount). A repeat with the same key and body answers the
    order as it is; a reversed or unknown sale is refused (409), nothing posted."""
    try:
        day = dt.date.fromisoformat(body.txn_date)
    except ValueError:
        raise BadRequestProblem("交易日期无效", "txn_date is not a date") from None
    claim = CardSaleClaim(
        terminal_no=body.terminal_no,
        trace=body.trace,
        txn_date=day,
        amount_fen=Money.of(body.amount).fen,
        rrn=body.rrn,
        auth_code=body.auth_code.strip(),
    )
    return post_card_sale(p, ReferenceAcquirerRecords(p.ctx.db), t, order_no, key, claim)
