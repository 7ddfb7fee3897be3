"""The member's payment, step by step, behind the session's data port.

Keys (requests from the pay page, run on worker threads):
    pay_quote     {scheme, base?, months?, tier?}  -> PayQuote (the back office's breakdown)
    pay_card      {}                               -> PayResult (card-in payment + receipt)
    pay_qr_start  {}                               -> QrShown (the code to show, its timeout)
    pay_qr_wait   {}                               -> PayResult (waits for the phone, or cancels)
    pay_cancel    {}                               -> None (stops a QR wait: not charged)

The session adds `pin_verified` and `initial_pin` to every pay_* request, so the payment
service itself refuses card-in payment without a verified, changed PIN. Money moves only in
kiosk.payments (journal first, idempotency keys, recovery); this module keeps the member's
choice between steps and drops it when the session ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.domain import CardHolder, Money, Period, Scheme, mask_id, mask_name
from kiosk.domain.payments import (
    CardAuthorization,
    Outcome,
    Payer,
    PaymentOutcome,
    PayMethod,
    Quote,
    ReceiptState,
)
from kiosk.errors import KioskError
from kiosk.payment_errors import PaymentError
from kiosk.payments import PaymentService, PendingPayment, QrPayment, ReceiptReadiness


class PayStepError(KioskError):
    """A step that cannot be taken; `message_key` (and the back office's own words, when it
    gave any) tell the member why."""

    def __init__(self, message_key: str, message_zh: str = "", message_en: str = "") -> None:
        self.message_key = message_key
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(message_key)


@dataclass(frozen=True)
class PayQuote:
    quote: Quote
    readiness: ReceiptReadiness


@dataclass(frozen=True)
class QrShown:
    url: str
    timeout: float
    shown_at: float  # time.monotonic() when the order was created


@dataclass(frozen=True)
class PayResult:
    outcome: PaymentOutcome
    receipt_key: str  # payments.receipt_printed / payments.receipt_deferred / ""
    receipt_url: str  # the receipt as a QR code when it could not be printed

    @property
    def paid(self) -> bool:
        return self.outcome.outcome is Outcome.PAID


def _wrap(e: PaymentError) -> PayStepError:
    return PayStepError(
        getattr(e, "key", "payments.unavailable"),
        getattr(e, "message_zh", "") or "",
        getattr(e, "message_en", "") or "",
    )


class PayFlow:
    def __init__(self, service: PaymentService, card_present: Callable[[], bool]) -> None:
        self.service = service
        self.card_present = card_present
        self._lock = threading.Lock()
        self._quote: Quote | None = None
        self._pending: PendingPayment | None = None
        self._qr: QrPayment | None = None
        self._stop = threading.Event()

    def handlers(self) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
        return {
            "pay_quote": self.quote,
            "pay_card": self.pay_card,
            "pay_qr_start": self.qr_start,
            "pay_qr_wait": self.qr_wait,
            "pay_cancel": self.cancel,
        }

    # -- steps ----------------------------------------------------------------------------

    def quote(self, member_no: str, holder: CardHolder, p: dict[str, Any]) -> PayQuote:
        scheme = Scheme(p["scheme"])
        periods = [Period.parse(x) for x in p.get("periods", ())] or None
        base = Money.of(p["base"]) if p.get("base") else None
        tier = Money.of(p["tier"]) if p.get("tier") else None
        try:
            q = self.service.quote(member_no, scheme, base=base, periods=periods, tier=tier)
        except PaymentError as e:
            raise _wrap(e) from None
        with self._lock:
            self._quote, self._pending, self._qr = q, None, None
        return PayQuote(q, self.service.receipt_readiness())

    def _confirm(self, member_no: str, holder: CardHolder, method: PayMethod) -> PendingPayment:
        with self._lock:
            q = self._quote
        if q is None:
            raise PayStepError("payments.nothing_due")
        payer = Payer(member_no, mask_name(holder.name), mask_id(holder.id_number))
        try:
            pending = self.service.confirm(q, q.total, payer, method)
        except PaymentError as e:
            raise _wrap(e) from None
        with self._lock:
            self._pending = pending
        return pending

    def pay_card(self, member_no: str, holder: CardHolder, p: dict[str, Any]) -> PayResult:
        card = CardAuthorization(
            holder.card_number,
            pin_verified=bool(p.get("pin_verified")),
            initial_pin=bool(p.get("initial_pin")),
        )
        pending = self._confirm(member_no, holder, PayMethod.CARD)
        try:
            outcome = self.service.pay_by_card(pending, card, card_present=self.card_present)
        except PaymentError as e:
            self.service.abandon(pending)
            raise _wrap(e) from None
        return self._finish(outcome)

    def qr_start(self, member_no: str, holder: CardHolder, p: dict[str, Any]) -> QrShown:
        pending = self._confirm(member_no, holder, PayMethod.QR)
        try:
            qr = self.service.start_qr(pending)
        except PaymentError as e:
            raise _wrap(e) from None
        with self._lock:
            self._qr = qr
            self._stop = threading.Event()
        return QrShown(qr.url, qr.timeout, time.monotonic())

    def qr_wait(self, member_no: str, holder: CardHolder, p: dict[str, Any]) -> PayResult:
        with self._lock:
            qr, stop = self._qr, self._stop
        if qr is None:
            raise PayStepError("payments.nothing_due")
        return self._finish(self.service.wait_qr(qr, stop=stop))

    def cancel(self, member_no: str, holder: CardHolder, p: dict[str, Any]) -> None:
        with self._lock:
            self._stop.set()

    def _finish(self, outcome: PaymentOutcome) -> PayResult:
        receipt_key, url = "", ""
        if outcome.outcome is Outcome.PAID:
            state = self.service.print_receipt(outcome.intent_id)
            if state is ReceiptState.PRINTED:
                receipt_key = "payments.receipt_printed"
            else:  # the printer could not: the receipt as a QR code now, a reprint later
                receipt_key = "payments.receipt_deferred"
                url = self.service.receipt_url(outcome.intent_id)
        with self._lock:
            self._quote = self._pending = self._qr = None
        return PayResult(outcome, receipt_key, url)

    def forget(self) -> None:
        """The session ended: a QR still shown is cancelled (its wait returns not charged)."""
        with self._lock:
            self._stop.set()
            self._quote = self._pending = self._qr = None
