"""Payments as the kiosk sees them: quotes, orders, journal states and the outcome the UI shows.

Amounts are Money (Decimal yuan); the back office prices everything, the kiosk only shows it."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from kiosk.domain.money import Money, money_sum
from kiosk.domain.period import Period
from kiosk.domain.records import Scheme


class PayMethod(enum.StrEnum):
    CARD = "card"  # the social security card's financial account (card-in payment)
    QR = "qr"  # a QR code the member scans with a phone


class OrderState(enum.StrEnum):
    """The back office's order states (docs/payments.md)."""

    NONE = "none"  # no order was ever created for the key (cancelled before it was)
    CREATED = "created"
    CHARGING = "charging"
    QR_PENDING = "qr_pending"
    REVERSING = "reversing"
    CANCELLING = "cancelling"
    POSTED = "posted"
    FAILED = "failed"
    REVERSED = "reversed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in _FINAL_ORDER


_FINAL_ORDER = {
    OrderState.NONE,
    OrderState.POSTED,
    OrderState.FAILED,
    OrderState.REVERSED,
    OrderState.CANCELLED,
}


class IntentState(enum.StrEnum):
    """A journal row's state. PREPARED -> SENT -> SUCCESS / FAILED / UNKNOWN -> POSTED or
    REVERSED; FAILED, POSTED and REVERSED are final."""

    PREPARED = "PREPARED"  # written before the order is created; no payment request sent yet
    SENT = "SENT"  # written before the payment request (card debit or QR) is sent
    SUCCESS = "SUCCESS"  # the back office said charged
    FAILED = "FAILED"  # nothing was charged (declined, cancelled, never sent)
    UNKNOWN = "UNKNOWN"  # no answer: recovery asks the back office
    POSTED = "POSTED"  # charged once and posted to the member's record
    REVERSED = "REVERSED"  # an uncertain charge was reversed (冲正): nothing taken

    @property
    def final(self) -> bool:
        return self in (IntentState.FAILED, IntentState.POSTED, IntentState.REVERSED)


class ReceiptState(enum.StrEnum):
    NONE = "none"  # nothing to print (not paid)
    PENDING = "pending"  # paid, not printed yet
    PRINTING = "printing"  # sent to the printer
    PRINTED = "printed"
    DEFERRED = "deferred"  # the printer could not: printed later (reprint) or shown as QR
    UNKNOWN = "unknown"  # the kiosk stopped while printing: may or may not have printed


class Outcome(enum.StrEnum):
    """What the member is told."""

    PAID = "paid"  # charged once, posted: the history shows it
    NOT_CHARGED = "not_charged"  # nothing was taken
    REVERSED = "reversed"  # an uncertain charge was reversed: nothing is taken
    IN_DOUBT = "in_doubt"  # still being confirmed: never charged twice, finished automatically


@dataclass(frozen=True)
class QuoteLine:
    period: Period
    base: Money
    amount: Money
    late_fee: Money
    to_account: Money
    back_payment: bool

    @property
    def total(self) -> Money:
        return self.amount + self.late_fee


@dataclass(frozen=True)
class Quote:
    """The breakdown the kiosk shows and the member confirms."""

    quote_id: str
    member_no: str
    scheme: Scheme
    kind: str  # flexible / resident_tier / resident_annual
    lines: tuple[QuoteLine, ...]
    amount: Money
    late_fee: Money
    subsidy: Money  # residents' pension: what the state adds a year
    total: Money
    as_of: dt.date
    rate: str
    base: Money | None  # the chosen base (flexible)
    tier: Money | None  # the chosen tier (residents' pension)
    # 代缴: what the government pays of the contributions for the member (a fee reduction);
    # not in amount or total.
    paid_by_government: Money = field(default_factory=Money.zero)

    @property
    def periods(self) -> tuple[Period, ...]:
        return tuple(line.period for line in self.lines)

    def check(self) -> bool:
        """The lines add up to the total (a cheap guard against a garbled answer)."""
        return money_sum([line.total for line in self.lines]) == self.total


@dataclass(frozen=True)
class Order:
    order_no: str
    idempotency_key: str
    state: OrderState
    total: Money
    method: PayMethod | None
    qr_url: str | None
    gateway_txn: str | None
    reason: str | None
    reason_zh: str | None
    reason_en: str | None
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class Payer:
    """Who pays, as the receipt and the journal keep it: masked only."""

    member_no: str
    name_masked: str
    id_masked: str


@dataclass(frozen=True)
class CardAuthorization:
    """What the session knows about the card that pays: its financial account and the PIN."""

    account: str  # the card's financial account number (never logged unmasked)
    pin_verified: bool  # the card PIN was verified in this session
    initial_pin: bool  # still the issuer's initial PIN (must be changed before paying)


@dataclass(frozen=True)
class PaymentOutcome:
    intent_id: str
    outcome: Outcome
    order_no: str | None
    total: Money
    message_key: str  # i18n key in kiosk/locale/payments.toml
    receipt: ReceiptState
    card_removed: bool = False  # the card was pulled after the payment was sent

    @property
    def paid(self) -> bool:
        return self.outcome is Outcome.PAID
