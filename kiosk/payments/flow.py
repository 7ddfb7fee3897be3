"""The member's payment, step by step, behind the session's data port.

Keys (requests from the pay page, run on worker threads):
    pay_quote     {scheme, base?, months?, tier?}  -> PayQuote (the back office's breakdown)
    pay_card      {}                               -> PayResult (card-in payment + receipt)
                                                      with an acquirer: an EMV card sale whose
                                                      questions (the application, the 金融密码)
                                                      the pay page answers through `card_desk`
    pay_qr_start  {}                               -> QrShown (the code to show, its timeout)
    pay_qr_wait   {}                               -> PayResult (waits for the phone, or cancels)
    pay_cancel    {}                               -> None (stops a QR wait: not charged)

The session adds `pin_verified` and `initial_pin` to every pay_* request, so the payment
service itself refuses card-in payment without a verified, changed PIN. Money moves only in
kiosk.payments.service (journal first, idempotency keys, recovery); this module keeps the member's
choice between steps and drops it when the session ends.

What the pay page lists comes from the `dues` answer: `payable(dues)` (something to pay here)
and `counter_only(dues)` (per scheme, arrears older than the back-payment window as runs of
consecutive months, with the sentence sending the member to the counter).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from kiosk.domain import CardHolder, Money, Period, Scheme, mask_id, mask_name
from kiosk.domain.dues import Due
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
from kiosk.i18n import Translator
from kiosk.payments.card_desk import CardDesk
from kiosk.payments.card_sale import BankCard, CardRunner
from kiosk.payments.errors import (
    InitialPinMustChange,
    NothingDue,
    PaymentError,
    PinRequired,
    QuoteRefused,
)
from kiosk.payments.service import PaymentService, PendingPayment, QrPayment, ReceiptReadiness

# The card sale's outcomes the member reads; the service's generic words for the others.
CARD_REVERSED = "payments.card_reversed"


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
    """The member is told the back office's own words where it explained a refusal of the
    choice (BACK_PAYMENT_TOO_OLD names the month, AVERAGE_WAGE_MISSING the year); where the
    kiosk has an instruction of its own (re-quote, try again later) it keeps that."""
    if not isinstance(e, QuoteRefused | NothingDue):
        return PayStepError(e.message_key)
    return PayStepError(e.message_key, e.message_zh, e.message_en)


# -- what the pay page lists ---------------------------------------------------------------


@dataclass(frozen=True)
class MonthRun:
    """Consecutive months, first to last (both included)."""

    first: Period
    last: Period
    months: int


def month_runs(periods: Iterable[Period]) -> tuple[MonthRun, ...]:
    """The months (any order, repeats ignored) collapsed into runs of consecutive months:
    2019-01..2019-11 and 2020-03 -> (2019-01, 2019-11, 11), (2020-03, 2020-03, 1)."""
    runs: list[list[Period]] = []
    for p in sorted(set(periods)):
        if runs and runs[-1][-1].next() == p:
            runs[-1].append(p)
        else:
            runs.append([p])
    return tuple(MonthRun(r[0], r[-1], len(r)) for r in runs)


@dataclass(frozen=True)
class CounterOnly:
    """A scheme's own arrears older than the back-payment window: only the counter settles
    them, so the pay page names them and sends the member there."""

    scheme: Scheme
    runs: tuple[MonthRun, ...]

    @property
    def months(self) -> int:
        return sum(r.months for r in self.runs)

    def text(self, tr: Translator) -> str:
        """ "养老保险：2019-01 至 2019-11 共 11 个月已超过补缴期限，请到柜台办理"."""
        spans = tr("payments.list_separator").join(
            str(r.first) if r.months == 1 else tr("payments.month_run", first=r.first, last=r.last)
            for r in self.runs
        )
        key = "payments.counter_only_one" if self.months == 1 else "payments.counter_only"
        return tr(key, scheme=self.scheme.name_in(tr.language), months=spans, count=self.months)


def payable(dues: Iterable[Due]) -> list[Due]:
    """The dues with something the member can pay here (a due may carry only counter_only)."""
    return [d for d in dues if d.lines]


def counter_only(dues: Iterable[Due]) -> list[CounterOnly]:
    """Per scheme, the months only the counter can settle, as runs."""
    return [CounterOnly(d.scheme, month_runs(d.counter_only)) for d in dues if d.counter_only]


class PayFlow:
    """`run_card` (CardReader.run_card) and the service's card_sale make card-in payment an
    EMV card sale; without them it is the old account debit (where settings allow it)."""

    def __init__(
        self,
        service: PaymentService,
        card_present: Callable[[], bool],
        run_card: CardRunner | None = None,
        desk: CardDesk | None = None,
    ) -> None:
        self.service = service
        self.card_present = card_present
        self.run_card = run_card
        pin_attempts = service.card_sale.settings.pin_attempts if service.card_sale else 3
        self.card_desk = desk or CardDesk(pin_attempts=pin_attempts, card_present=card_present)
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
            with self._lock:  # the choice changed and was refused: the older quote is gone too
                self._quote, self._pending, self._qr = None, None, None
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

    @property
    def card_sale(self) -> bool:
        """Card-in payment is an EMV card sale (the acquirer and the card's channel are wired)."""
        return self.service.card_sale is not None and self.run_card is not None

    def pay_card(self, member_no: str, holder: CardHolder, p: dict[str, Any]) -> PayResult:
        card: CardAuthorization | BankCard
        if self.card_sale:
            # The 社保 PIN opened the session; the money side asks for its own PIN on the pad.
            if p.get("initial_pin"):
                raise _wrap(InitialPinMustChange())
            if not p.get("pin_verified"):
                raise _wrap(PinRequired())
            assert self.run_card is not None
            desk = self.card_desk
            desk.begin()
            card = BankCard(
                run=self.run_card,
                enter_pin=desk.enter_pin,
                choose=desk.choose,
                present=self.card_present,
            )
        else:
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
        if isinstance(card, BankCard) and outcome.message_key == "payments.reversed":
            # A card sale is reversed only when nothing was taken: say it plainly.
            outcome = replace(outcome, message_key=CARD_REVERSED)
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
        """The session ended: a QR still shown is cancelled (its wait returns not charged), a
        card sale waiting for the member's choice or PIN ends without charging."""
        self.card_desk.close()
        with self._lock:
            self._stop.set()
            self._quote = self._pending = self._qr = None
