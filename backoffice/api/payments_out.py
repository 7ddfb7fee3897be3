"""The payments API's answers (backoffice.orders: quote_json, order_view; backoffice.reconcile:
ReconReport.as_json), for the OpenAPI document. The routes build plain dicts (no validation on
the hot path); tests/backoffice/test_schemathesis.py holds every answer to these schemas."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from backoffice.api.models import Amount, Month, Rate, SchemeCode, _Out

OrderStateCode = Literal[
    "none",
    "created",
    "charging",
    "qr_pending",
    "reversing",
    "cancelling",
    "posted",
    "failed",
    "reversed",
    "cancelled",
]


class PayLineOut(_Out):
    """One month (or a residents' year) priced."""

    period: Month
    base: Amount
    amount: Amount
    late_fee: Amount
    to_account: Amount = Field(description="credited to the personal account")
    total: Amount = Field(description="amount + late_fee")
    back_payment: bool = Field(description="补缴: a month of an earlier year")
    paid_by_government: Amount | None = Field(
        default=None,
        description="代缴: the part of the contribution (base) the government pays for the"
        " member (a fee reduction); amount = base - this. Absent: none",
    )


class ChoiceOut(_Out):
    scheme: SchemeCode
    base: Amount | None
    periods: list[Month] | None
    tier: Amount | None


class QuoteOut(_Out):
    quote_id: str
    member_no: str
    scheme: SchemeCode
    kind: Literal["flexible", "resident_tier", "resident_annual"]
    choice: ChoiceOut = Field(description="the choice as priced")
    lines: list[PayLineOut]
    amount: Amount
    late_fee: Amount
    subsidy: Amount = Field(description="政府补贴 (residents' pension), not paid by the member")
    paid_by_government: Amount = Field(
        default="0.00",
        description="代缴: what the government pays of the contributions for the member (a fee"
        " reduction); not in amount or total",
    )
    total: Amount = Field(description="what the member pays: amount + late_fee")
    as_of: dt.date
    rate: Rate
    base_min: Amount | None
    base_max: Amount | None


class OrderOut(_Out):
    order_no: str
    idempotency_key: str
    member_no: str
    scheme: SchemeCode
    state: OrderStateCode
    final: bool = Field(description="the state will not change any more")
    lines: list[PayLineOut]
    total: Amount
    late_fee: Amount
    method: Literal["card", "qr"] | None
    account_masked: str | None
    qr_url: str | None = Field(description="the QR's content, for a QR payment")
    gateway_txn: str | None
    reason: str | None = Field(description="why it failed, was reversed or cancelled")
    reason_zh: str | None
    reason_en: str | None
    business_date: dt.date
    created_at: dt.datetime = Field(description="with its UTC offset")
    paid_at: dt.datetime | None = Field(description="with its UTC offset")


class NoOrderOut(_Out):
    """No order was made with this key, and none will be (it was cancelled first)."""

    order_no: None
    idempotency_key: str
    state: Literal["none"]
    final: Literal[True]


class MismatchOut(_Out):
    kind: str = Field(examples=["POSTED_NOT_CHARGED"])
    order_no: str | None
    detail: str


class CardReconOut(_Out):
    """The day's card sales (issue 16): the acquirer's, the posted orders', the settlement's."""

    sales: int = Field(description="approved, unreversed sales at the acquirer")
    sales_fen: int
    posted: int = Field(description="posted orders paid by those sales")
    posted_fen: int
    settlement_count: int = Field(description="the acquirer's settlement totals (0510 field 62)")
    settlement_fen: int
    journal_tc: int | None = Field(description="the journal's TCs; null when rows do not say")
    journal_tc_fen: int | None


class ReconciliationOut(_Out):
    terminal_id: str
    date: dt.date
    orders: int
    orders_posted_fen: int
    gateway_net_fen: int
    journal_posted_fen: int | None = Field(description="null when no journal was sent")
    ok: bool
    mismatches: list[MismatchOut]
    card: CardReconOut
