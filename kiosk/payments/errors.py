"""Errors of the payment service, raised BEFORE any money moves. Each carries an i18n key of
kiosk/locale/payments.toml (what the member is told) and, when the back office explained, its
own message in Chinese and English.

PaymentError
 +- QuoteRefused         the choice cannot be priced (base out of range, months out of order)
 +- NothingDue           nothing to pay for this scheme now
 +- QuoteChanged         the amount shown is not the back office's, or dues changed: re-quote
 +- PaymentBusy          an unfinished payment covers these months: try again shortly
 +- PinRequired          card-in payment needs the card PIN verified in this session
 +- InitialPinMustChange the initial PIN must be changed before any payment
 +- PaymentUnavailable   the back office cannot be reached; nothing was charged

What happens after the payment request is sent is never an exception: it is a PaymentOutcome
(paid / not charged / reversed / in doubt)."""

from __future__ import annotations

from kiosk.errors import KioskError


class PaymentError(KioskError):
    message_key = "payments.error"

    def __init__(self, detail: str = "", *, message_zh: str = "", message_en: str = "") -> None:
        self.detail = detail
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{self.message_key}: {detail}" if detail else self.message_key)


class QuoteRefused(PaymentError):
    message_key = "payments.choice_refused"


class NothingDue(PaymentError):
    message_key = "payments.nothing_due"


class QuoteChanged(PaymentError):
    message_key = "payments.quote_changed"


class PaymentBusy(PaymentError):
    message_key = "payments.order_open"


class PinRequired(PaymentError):
    message_key = "payments.pin_required"


class InitialPinMustChange(PaymentError):
    message_key = "payments.change_pin_first"


class PaymentUnavailable(PaymentError):
    message_key = "payments.unavailable"
