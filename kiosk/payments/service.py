"""The payment service the pay screens call: quote, confirm, pay by card or QR, receipt,
recovery. Exactly once: every outside call is preceded by a durable journal row
(kiosk/payments/journal.py), every request that moves money carries the intent's idempotency key, and a
recovery that needs neither the member nor the card finishes whatever a crash left open.

    svc = PaymentService(client, journal, settings, printer=printer)
    svc.start()                                   # recovery now and every minute
    quote = svc.quote(member_no, Scheme.PENSION, base=Money.of("7000"), periods=[...])
    readiness = svc.receipt_readiness()           # paper out? say so before paying
    pending = svc.confirm(quote, quote.total, payer, PayMethod.CARD)
    outcome = svc.pay_by_card(pending, card, card_present=reader_has_card)
    # or: qr = svc.start_qr(pending); outcome = svc.wait_qr(qr, on_tick=show_seconds_left)
    if outcome.paid: svc.print_receipt(outcome.intent_id)

Every method blocks (HTTP, SQLite, printer): call it from a worker thread, never the UI thread.
See docs/payments.md for the states the UI shows."""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import math
import threading
import time
import uuid
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import BackOfficeError, BackOfficeUnavailable, ProtocolError, Rejected
from kiosk.config import KioskConfig
from kiosk.domain import Money, Period, Scheme, mask_card_number, mask_id, mask_name
from kiosk.domain.documents import PaymentReceipt, Verification
from kiosk.domain.past_payments import PastPayment
from kiosk.domain.payments import (
    CardAuthorization,
    IntentState,
    Order,
    OrderState,
    Outcome,
    Payer,
    PaymentOutcome,
    PayMethod,
    Quote,
    ReceiptState,
)
from kiosk.domain.receipts import PaidPeriod, receipt_lines
from kiosk.domain.records import YEARLY_SCHEMES
from kiosk.domain.zone import DEFAULT_ZONE, in_zone
from kiosk.payments.card_sale import BankCard, CardSale
from kiosk.payments.client import PaymentClient
from kiosk.payments.errors import (
    InitialPinMustChange,
    NothingDue,
    PaymentBusy,
    PaymentError,
    PaymentUnavailable,
    PinRequired,
    QuoteChanged,
    QuoteRefused,
)
from kiosk.payments.journal import Journal, JournalEntry
from kiosk.payments.reprint import reprint_receipt
from kiosk.ports import ReceiptPrinterPort

log = logging.getLogger("kiosk.payments")
S = IntentState

# Where the fault-injection tests may stop the process (checkpoint names, in flow order).
KILL_POINTS = (
    "after_prepared",  # PREPARED committed, the order not yet created
    "after_order",  # the order exists, no payment request yet
    "after_sent",  # SENT committed, the payment request about to go
    "after_answer",  # the back office answered (charged), the journal does not know yet
    "during_posting",  # SUCCESS committed, POSTED not yet
    "qr_shown",  # the QR code is shown, the member has not paid yet
    "during_receipt",  # the receipt was sent to the printer, PRINTED not yet committed
    # the card sale (kiosk/payments/card_sale.py)
    "after_auth_sent",  # AUTH_SENT committed, the 0200 about to go
    "after_approved",  # the host approved, the card's TC not yet asked
    "after_tc",  # the card gave its TC, the order not yet posted
    "during_card_posting",  # about to ask the back office to post the card sale
    "during_reversal",  # REVERSAL_PENDING committed, the 0400 about to go
)

ACTIVE_TTL = 600.0  # seconds: longer than any payment page stays open
_REQUOTE = {"AMOUNT_MISMATCH", "QUOTE_CHANGED", "PERIOD_NOT_DUE", "QUOTE_NOT_FOUND"}


@dataclass(frozen=True)
class PaymentSettings:
    terminal_id: str
    hall_name: str
    qr_poll_interval: float = 2.0  # seconds between polls of a shown QR code
    qr_timeout: float = 120.0  # seconds a QR code is shown before the order is cancelled
    recovery_interval: float = 60.0  # seconds between recovery passes
    settle_wait: float = 20.0  # how long a payment in doubt is re-checked before IN_DOUBT
    recheck_interval: float = 1.0  # seconds between checks of an order in doubt
    startup_window: float = 60.0  # after start, re-check in-doubt rows every recheck_interval
    receipt_base_url: str = ""  # where a receipt can be seen (shown as QR when paper is out)
    zone: zoneinfo.ZoneInfo = DEFAULT_ZONE  # the hall's zone: the receipt's time of payment
    # The old card-in path: the back office debits the card's account number through a gateway
    # that does so. No bank takes such a debit from a kiosk (issue 16): only a lab's or an
    # acceptance gateway that offers it may turn it on; the card sale (BankCard) is the path.
    account_debit: bool = False

    @classmethod
    def from_config(cls, cfg: KioskConfig) -> PaymentSettings:
        return cls(
            terminal_id=cfg.terminal.id,
            hall_name=cfg.terminal.hall_name,
            qr_poll_interval=cfg.payments.qr_poll_interval,
            qr_timeout=float(cfg.payments.qr_timeout),
            recovery_interval=float(cfg.payments.recovery_interval),
            zone=cfg.terminal.zone,
            # account_debit stays off: the assembled kiosk pays by card through its CardSale
            # (kiosk/assembly.py); only the payment worker's lab path turns it on.
        )


@dataclass(frozen=True)
class PendingPayment:
    """A confirmed order, not paid yet."""

    intent_id: str
    order_no: str
    quote: Quote
    method: PayMethod


@dataclass(frozen=True)
class QrPayment:
    intent_id: str
    order_no: str
    url: str  # what the QR code encodes
    timeout: float  # seconds before the kiosk cancels it


class ReceiptReadiness(enum.StrEnum):
    READY = "ready"
    PAPER_OUT = "paper_out"  # say so before paying: printed later, or shown as a QR code
    UNAVAILABLE = "unavailable"  # offline, cover open, no answer: same choice as paper out
    NOT_FITTED = "not_fitted"  # this kiosk has no receipt printer: QR only

    @property
    def message_key(self) -> str:
        return f"payments.receipt_{self.value}"


@dataclass
class RecoveryReport:
    checked: int = 0
    resolved: list[tuple[str, IntentState]] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class PaymentService:
    def __init__(
        self,
        client: PaymentClient,
        journal: Journal,
        settings: PaymentSettings,
        *,
        printer: ReceiptPrinterPort | None = None,
        checkpoint: Callable[[str], None] = lambda _name: None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        card_sale: CardSale | None = None,
    ) -> None:
        self.client = client
        self.card_sale = card_sale  # the EMV card sale (acquirer + PIN pad); None: QR only
        self.journal = journal
        self.settings = settings
        self.printer = printer  # None when none is fitted
        self._checkpoint = checkpoint
        self._clock = clock
        self._sleep = sleep
        # Intents a member is paying now (intent -> since): recovery keeps off them. A mark
        # older than ACTIVE_TTL is stale (the screen went away without abandon()).
        self._active: dict[str, float] = {}
        self._active_lock = threading.Lock()
        self._intent_locks: dict[str, threading.Lock] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- quote and confirm ---------------------------------------------------------------

    def quote(
        self,
        member_no: str,
        scheme: Scheme,
        *,
        base: Money | None = None,
        periods: Sequence[Period] | None = None,
        tier: Money | None = None,
    ) -> Quote:
        """The back office's breakdown of the member's choice. Raises QuoteRefused,
        NothingDue, PaymentUnavailable."""
        try:
            return self.client.quote(member_no, scheme, base=base, periods=periods, tier=tier)
        except Rejected as e:
            cls = NothingDue if e.code == "NOTHING_DUE" else QuoteRefused
            raise cls(e.code, message_zh=e.message_zh, message_en=e.message_en) from None
        except (BackOfficeUnavailable, ProtocolError) as e:
            raise PaymentUnavailable(str(e)) from None

    def confirm(
        self, quote: Quote, shown_total: Money, payer: Payer, method: PayMethod
    ) -> PendingPayment:
        """The member confirmed `shown_total`: journal the intent, then create the order.
        Raises QuoteChanged (re-quote and show the new figures), PaymentBusy,
        PaymentUnavailable; nothing is charged in any of these cases."""
        if shown_total != quote.total:
            raise QuoteChanged(f"shown {shown_total} != quoted {quote.total}")
        intent_id = uuid.uuid4().hex
        self._enter(intent_id)  # until paid or abandoned: recovery must not cancel it
        self.journal.prepare(
            intent_id=intent_id,
            terminal_id=self.settings.terminal_id,
            member_no=quote.member_no,
            payer={
                # Masked again here: masking is idempotent, and the journal must never hold
                # a full name or ID number even if a caller passed one.
                "member_no": payer.member_no,
                "name_masked": mask_name(payer.name_masked),
                "id_masked": mask_id(payer.id_masked),
            },
            scheme=quote.scheme.value,
            method=method,
            quote=_quote_json(quote),
            amount_fen=quote.total.fen,
        )
        self._checkpoint("after_prepared")
        try:
            order = self.client.create_order(
                intent_id, quote.quote_id, quote.member_no, shown_total
            )
        except Rejected as e:
            # The back office keeps this answer for the key: no order can ever exist for it.
            self.journal.move(intent_id, S.FAILED, f"order refused: {e.code}", reason=e.code)
            self._leave(intent_id)
            cls: type[PaymentError] = QuoteRefused
            if e.code in _REQUOTE:
                cls = QuoteChanged
            elif e.code == "ORDER_OPEN":
                cls = PaymentBusy
            elif e.code == "NOTHING_DUE":
                cls = NothingDue
            raise cls(e.code, message_zh=e.message_zh, message_en=e.message_en) from None
        except (BackOfficeUnavailable, ProtocolError) as e:
            # The order may exist or not: cancel by key now, or recovery will.
            self._try_resolve(intent_id)
            self._leave(intent_id)
            raise PaymentUnavailable(str(e)) from None
        self.journal.update(intent_id, order_no=order.order_no)
        self._checkpoint("after_order")
        return PendingPayment(intent_id, order.order_no, quote, method)

    def abandon(self, pending: PendingPayment) -> PaymentOutcome:
        """The member backed out before paying (or the session ended): cancel the order."""
        with self._working(pending.intent_id):
            entry = self._try_resolve(pending.intent_id)
        return self._outcome(entry, "payments.cancelled")

    # --- card-in payment -----------------------------------------------------------------

    def pay_by_card(
        self,
        pending: PendingPayment,
        card: CardAuthorization | BankCard,
        card_present: Callable[[], bool] = lambda: True,
    ) -> PaymentOutcome:
        """Card-in payment. With a BankCard: an EMV card sale of the card's bank application
        (kiosk/payments/card_sale.py; the financial PIN on the PIN pad). With a
        CardAuthorization: the old account debit, only where settings.account_debit allows it
        (PaymentUnavailable otherwise). Raises before anything is sent; afterwards always
        answers with an outcome."""
        if isinstance(card, BankCard):
            return self._card_sale(pending, card)
        if not self.settings.account_debit:
            self.abandon(pending)
            raise PaymentUnavailable("card-in payment needs the card's bank application")
        if card.initial_pin:
            raise InitialPinMustChange()
        if not card.pin_verified:
            raise PinRequired()
        iid = pending.intent_id
        with self._working(iid):
            if not card_present():
                entry = self._try_resolve(iid)
                return self._outcome(entry, "payments.card_removed_not_charged")
            pay_key = f"{iid}-pay"
            entry = self.journal.move(
                iid, S.SENT, f"card debit {mask_card_number(card.account)}", pay_key=pay_key
            )
            self._checkpoint("after_sent")
            try:
                order = self.client.pay_card(pending.order_no, pay_key, card.account)
            except (BackOfficeUnavailable, ProtocolError) as e:
                entry = self.journal.move(iid, S.UNKNOWN, f"no answer: {e}"[:200])
            except Rejected as e:
                entry = self.journal.move(iid, S.UNKNOWN, f"refused: {e.code}")
            else:
                self._checkpoint("after_answer")
                entry = self._finish(entry, order)
            if not entry.final:
                entry = self._settle(entry)
            removed = not card_present()
        return self._outcome(entry, card_removed=removed)

    def _card_sale(self, pending: PendingPayment, card: BankCard) -> PaymentOutcome:
        if self.card_sale is None:
            self.abandon(pending)
            raise PaymentUnavailable("no acquirer configured: card sales are off")
        iid = pending.intent_id
        with self._working(iid):
            result = self.card_sale.run(iid, pending.order_no, pending.quote.total.fen, card)
            entry = result.entry
            deadline = self._clock() + self.settings.settle_wait
            while not entry.final and self._clock() < deadline:
                self._sleep(self.settings.recheck_interval)
                try:
                    entry = self.card_sale.resolve(self.journal.get(iid))
                except (BackOfficeError, ProtocolError):
                    entry = self.journal.get(iid)
        return self._outcome(entry, result.message_key, card_removed=result.card_removed)

    # --- QR payment ----------------------------------------------------------------------

    def start_qr(self, pending: PendingPayment) -> QrPayment:
        """Open the QR payment; show `url` as a QR code with a countdown of `timeout` s, then
        call wait_qr. Raises PaymentUnavailable (nothing charged) when it cannot be opened."""
        iid = pending.intent_id
        self._enter(iid)
        pay_key = f"{iid}-qr"
        entry = self.journal.move(iid, S.SENT, "qr opened", pay_key=pay_key)
        self._checkpoint("after_sent")
        try:
            order = self.client.open_qr(pending.order_no, pay_key)
        except (BackOfficeError, ProtocolError) as e:
            self.journal.move(iid, S.UNKNOWN, f"qr not opened: {e}"[:200])
            entry = self._try_resolve(iid)
            self._leave(iid)
            if entry.state is S.POSTED:  # cannot happen before a QR is shown; kept for safety
                raise PaymentUnavailable("already paid") from None
            raise PaymentUnavailable(str(e)) from None
        if order.state.final:
            entry = self._finish(entry, order)
            self._leave(iid)
            raise PaymentUnavailable(f"order is {order.state}")
        self.journal.update(iid, qr_url=order.qr_url)
        self._checkpoint("qr_shown")
        return QrPayment(iid, pending.order_no, order.qr_url or "", self.settings.qr_timeout)

    def poll_qr(self, qr: QrPayment) -> PaymentOutcome | None:
        """One poll: the outcome once the order is final, else None."""
        with self._lock_of(qr.intent_id):
            try:
                order = self.client.order(qr.order_no)
            except (BackOfficeError, ProtocolError):
                return None
            if not order.state.final:
                return None
            entry = self._finish(self.journal.get(qr.intent_id), order)
        self._leave(qr.intent_id)
        return self._outcome(entry)

    def wait_qr(
        self,
        qr: QrPayment,
        *,
        on_tick: Callable[[int], None] | None = None,
        stop: threading.Event | None = None,
    ) -> PaymentOutcome:
        """Poll until paid; on timeout (or `stop`, e.g. the member pressed cancel) cancel the
        order. on_tick(seconds_left) is called before each poll, for the countdown."""
        deadline = self._clock() + qr.timeout
        while True:
            left = deadline - self._clock()
            if on_tick is not None:
                on_tick(max(0, math.ceil(left)))
            done = self.poll_qr(qr)
            if done is not None:
                return done
            if left <= 0 or (stop is not None and stop.is_set()):
                return self.cancel_qr(qr, timed_out=left <= 0)
            pause = min(self.settings.qr_poll_interval, max(left, 0.0))
            if stop is not None:
                stop.wait(pause)
            else:
                self._sleep(pause)

    def cancel_qr(self, qr: QrPayment, *, timed_out: bool = False) -> PaymentOutcome:
        """Cancel the QR order. If the phone paid first, the answer is PAID. (While wait_qr
        runs, set its `stop` event instead: it cancels.)"""
        iid = qr.intent_id
        try:
            with self._lock_of(iid):
                entry = self.journal.get(iid)
                try:
                    order = self.client.cancel(qr.order_no)
                    entry = self._finish(entry, order)
                except (BackOfficeError, ProtocolError) as e:
                    if entry.state is S.SENT:
                        entry = self.journal.move(iid, S.UNKNOWN, f"cancel: {e}"[:200])
                if not entry.final:
                    entry = self._settle(entry)
        finally:
            self._leave(iid)
        key = "payments.qr_timeout" if timed_out else "payments.cancelled"
        return self._outcome(entry, None if entry.state is S.POSTED else key)

    def outcome_of(self, intent_id: str) -> PaymentOutcome:
        """What to tell about an intent now, from the journal (e.g. after recovery)."""
        return self._outcome(self.journal.get(intent_id))

    # --- receipts ------------------------------------------------------------------------

    def receipt_readiness(self) -> ReceiptReadiness:
        """Ask before paying: a member told "no paper" may pay with the receipt later / as QR."""
        if self.printer is None:
            return ReceiptReadiness.NOT_FITTED
        from printer.status import PrinterStatus

        try:
            status = self.printer.status()
        except Exception:  # a printer that cannot even answer is unavailable, not a crash
            return ReceiptReadiness.UNAVAILABLE
        if status is PrinterStatus.NOT_FITTED:
            return ReceiptReadiness.NOT_FITTED
        if status.can_print:
            return ReceiptReadiness.READY
        if status is PrinterStatus.PAPER_OUT:
            return ReceiptReadiness.PAPER_OUT
        return ReceiptReadiness.UNAVAILABLE

    def print_receipt(self, intent_id: str, *, reprint: bool = False) -> ReceiptState:
        """Print the receipt of a POSTED intent; DEFERRED when the printer cannot (the member
        is shown receipt_url instead, and an administrator can reprint later)."""
        entry = self.journal.get(intent_id)
        if entry.state is not S.POSTED:
            raise PaymentError(f"intent {intent_id} is {entry.state}: no receipt")
        if self.printer is None:
            self.journal.set_receipt(intent_id, ReceiptState.DEFERRED)
            return ReceiptState.DEFERRED
        from printer.errors import PrinterError

        self.journal.set_receipt(intent_id, ReceiptState.PRINTING)
        try:
            self.printer.print_receipt(self.receipt_for(entry, reprint=reprint))
        except (PrinterError, OSError) as e:
            log.warning("receipt of %s not printed: %s", entry.order_no, e)
            self.journal.set_receipt(intent_id, ReceiptState.DEFERRED)
            return ReceiptState.DEFERRED
        self._checkpoint("during_receipt")
        self.journal.set_receipt(intent_id, ReceiptState.PRINTED, printed=True)
        return ReceiptState.PRINTED

    def reprint_last(self) -> ReceiptState | None:
        """The administrator's "reprint the last receipt"."""
        entry = self.journal.last_paid()
        return None if entry is None else self.print_receipt(entry.intent_id, reprint=True)

    def reprint_payment(
        self, payment: PastPayment, *, member_name: str, id_number: str
    ) -> ReceiptState:
        """我的缴费凭证 -> 补打: print one of the member's own past payments again (read from the
        back office: BackOfficeClient.payment), marked 补打; DEFERRED when the printer cannot
        (the member is shown payment.receipt_url instead). No journal entry: nothing is paid."""
        if self.printer is None:
            return ReceiptState.DEFERRED
        from printer.errors import PrinterError

        receipt = reprint_receipt(
            payment,
            hall_name=self.settings.hall_name,
            zone=self.settings.zone,
            member_name=member_name,
            id_number=id_number,
        )
        try:
            self.printer.print_receipt(receipt)
        except (PrinterError, OSError) as e:
            log.warning("reprint of %s not printed: %s", payment.order_no, e)
            return ReceiptState.DEFERRED
        return ReceiptState.PRINTED

    def receipt_url(self, intent_id: str) -> str:
        """A link to the receipt (show it as a QR code when the paper is out)."""
        entry = self.journal.get(intent_id)
        base = self.settings.receipt_base_url or self.client.bo.base_url
        return f"{base.rstrip('/')}/receipts/{entry.order_no}"

    def receipt_for(self, entry: JournalEntry, *, reprint: bool = False) -> PaymentReceipt:
        """The receipt of a paid intent, from the quote the member confirmed (the journal's
        copy): one line per run of consecutive months at one base, the late fee apart, the
        time of payment in the hall's zone."""
        scheme = Scheme(entry.scheme)
        quote = entry.quote
        flat = scheme in YEARLY_SCHEMES  # residents' schemes: a flat fee, no 缴费基数
        paid = [
            PaidPeriod(
                period=Period.parse(x["period"]),
                base=None if flat else Money.of(x["base"]),
                amount=Money.of(x["amount"]),
                back_payment=bool(x.get("back_payment", False)),
            )
            for x in quote["lines"]
        ]
        late = Money.zero()
        for x in quote["lines"]:
            late = late + Money.of(x["late_fee"])
        subsidy = Money.of(quote.get("subsidy") or "0")
        government = Money.of(quote.get("paid_by_government") or "0")  # 代缴
        assert entry.order_no is not None and entry.paid_at is not None
        return PaymentReceipt(
            hall_name=self.settings.hall_name,
            terminal_id=entry.terminal_id,
            order_no=entry.order_no,
            paid_at=in_zone(entry.paid_at, self.settings.zone),
            member_name=entry.payer.get("name_masked", ""),
            id_number=entry.payer.get("id_masked", ""),
            scheme=scheme,
            lines=receipt_lines(scheme, paid),
            total=Money.from_fen(entry.amount_fen),
            payment_method="社保卡金融账户" if entry.method is PayMethod.CARD else "扫码支付",
            verification=Verification(
                entry.gateway_txn or entry.order_no, self.receipt_url(entry.intent_id)
            ),
            late_fee=late if late else None,
            subsidy=subsidy if subsidy else None,
            note="补打凭证 / reprint" if reprint else "请妥善保管",
            paid_by_government=government if government else None,
            reprint=reprint,
        )

    # --- recovery ------------------------------------------------------------------------

    def recover(self) -> RecoveryReport:
        """One pass over every unfinished intent that no member is paying now: ask the back
        office (query first), then finish, cancel or wait. Needs no member and no card."""
        report = RecoveryReport()
        for entry in self.journal.unresolved():
            if self._is_active(entry.intent_id):
                continue
            report.checked += 1
            try:
                with self._lock_of(entry.intent_id):
                    done = self._resolve(self.journal.get(entry.intent_id))
            except (BackOfficeError, ProtocolError) as e:
                report.errors.append(f"{entry.intent_id}: {e}")
                report.unresolved.append(entry.intent_id)
                continue
            if done.final:
                report.resolved.append((done.intent_id, done.state))
                log.info("recovered %s (%s): %s", done.intent_id, done.order_no, done.state)
            else:
                report.unresolved.append(done.intent_id)
        for entry in self.journal.entries_with_receipt(ReceiptState.PRINTING):
            if not self._is_active(entry.intent_id):
                # Stopped while printing: it may have come out. Offer a reprint, not a guess.
                self.journal.set_receipt(entry.intent_id, ReceiptState.UNKNOWN)
        return report

    def start(self) -> None:
        """Recovery in a background thread: at once, then every recheck_interval while rows
        are in doubt during startup_window, then every recovery_interval."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="payment-recovery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _loop(self) -> None:
        started = self._clock()
        while not self._stop.is_set():
            try:
                report = self.recover()
            except Exception:  # never let the recovery thread die: it is the safety net
                log.exception("payment recovery pass failed")
                report = RecoveryReport(unresolved=["?"])
            early = self._clock() - started < self.settings.startup_window
            pause = (
                self.settings.recheck_interval
                if early and report.unresolved
                else self.settings.recovery_interval
            )
            self._stop.wait(pause)

    # --- the state machine ---------------------------------------------------------------

    def _resolve(self, entry: JournalEntry) -> JournalEntry:
        """One step towards final, from what the back office says about the order."""
        if entry.final:
            return entry
        self.journal.count_check(entry.intent_id)
        if entry.pay_key == f"{entry.intent_id}-sale":  # a card sale: the acquirer first
            if self.card_sale is None:
                raise ProtocolError("a card sale to finish, but no acquirer is configured")
            return self.card_sale.resolve(entry)
        if entry.state is S.PREPARED or entry.order_no is None:
            # No payment request was sent: make sure no order is (or ever will be) payable.
            return self._finish(entry, self.client.cancel_by_key(entry.intent_id))
        order = self.client.order(entry.order_no)
        if entry.state in (S.SENT, S.UNKNOWN) and order.state in (
            OrderState.CREATED,
            OrderState.QR_PENDING,
        ):
            # The debit never reached the back office, or a QR nobody watches any more:
            # cancel. A request still on its way is then refused; a QR paid meanwhile posts.
            order = self.client.cancel(entry.order_no)
        return self._finish(entry, order)

    def _try_resolve(self, intent_id: str) -> JournalEntry:
        try:
            return self._resolve(self.journal.get(intent_id))
        except (BackOfficeError, ProtocolError) as e:
            log.warning("intent %s left for recovery: %s", intent_id, e)
            return self.journal.get(intent_id)

    def _finish(self, entry: JournalEntry, order: Order) -> JournalEntry:
        """Move the journal to match a back office answer."""
        iid, st = entry.intent_id, order.state
        entry = self.journal.get(iid)  # the row as it is now: another thread may have moved it
        if entry.final:
            return entry
        if st is OrderState.POSTED:
            if entry.state is not S.SUCCESS:
                entry = self.journal.move(
                    iid, S.SUCCESS, "charged", gateway_txn=order.gateway_txn, paid_at=order.paid_at
                )
            self._checkpoint("during_posting")
            return self.journal.move(iid, S.POSTED, "posted")
        if st in (OrderState.FAILED, OrderState.CANCELLED, OrderState.NONE):
            return self.journal.move(iid, S.FAILED, st.value, reason=order.reason or st.value)
        if st is OrderState.REVERSED:
            return self.journal.move(iid, S.REVERSED, "reversed", reason=order.reason)
        if entry.state is S.SENT:
            return self.journal.move(iid, S.UNKNOWN, f"order {st.value}")
        return entry

    def _settle(self, entry: JournalEntry) -> JournalEntry:
        """Re-check an order in doubt for up to settle_wait seconds."""
        deadline = self._clock() + self.settings.settle_wait
        while not entry.final and self._clock() < deadline:
            self._sleep(self.settings.recheck_interval)
            entry = self._try_resolve(entry.intent_id)
        return entry

    def _outcome(
        self, entry: JournalEntry, key: str | None = None, *, card_removed: bool = False
    ) -> PaymentOutcome:
        if entry.state is S.POSTED:
            outcome, default = Outcome.PAID, "payments.paid"
        elif entry.state is S.FAILED:
            outcome = Outcome.NOT_CHARGED
            default = (
                "payments.declined"
                if entry.reason == "insufficient_funds"
                else "payments.not_charged"
            )
        elif entry.state is S.REVERSED:
            outcome, default = Outcome.REVERSED, "payments.reversed"
        else:
            outcome, default = Outcome.IN_DOUBT, "payments.in_doubt"
        if outcome is Outcome.PAID and card_removed:
            default = "payments.paid_card_removed"
        return PaymentOutcome(
            intent_id=entry.intent_id,
            outcome=outcome,
            order_no=entry.order_no,
            total=Money.from_fen(entry.amount_fen),
            message_key=key if key and outcome is not Outcome.PAID else default,
            receipt=entry.receipt_state,
            card_removed=card_removed,
        )

    # --- who is working on an intent ------------------------------------------------------

    def _lock_of(self, intent_id: str) -> threading.Lock:
        with self._active_lock:
            return self._intent_locks.setdefault(intent_id, threading.Lock())

    def _enter(self, intent_id: str) -> None:
        with self._active_lock:
            self._active[intent_id] = self._clock()

    def _leave(self, intent_id: str) -> None:
        with self._active_lock:
            self._active.pop(intent_id, None)

    def _is_active(self, intent_id: str) -> bool:
        with self._active_lock:
            since = self._active.get(intent_id)
            return since is not None and self._clock() - since < ACTIVE_TTL

    @contextlib.contextmanager
    def _working(self, intent_id: str) -> Iterator[None]:
        self._enter(intent_id)
        try:
            with self._lock_of(intent_id):
                yield
        finally:
            self._leave(intent_id)


def open_payment_service(
    cfg: KioskConfig, printer: ReceiptPrinterPort | None = None
) -> PaymentService:
    """The kiosk's payment service from its configuration (call start() to run recovery)."""
    client = PaymentClient(BackOfficeClient.from_config(cfg))
    return PaymentService(
        client, Journal(cfg.journal.path), PaymentSettings.from_config(cfg), printer=printer
    )


def _quote_json(q: Quote) -> dict[str, object]:
    return {
        "quote_id": q.quote_id,
        "scheme": q.scheme.value,
        "total": f"{q.total.yuan:.2f}",
        "subsidy": f"{q.subsidy.yuan:.2f}",
        "lines": [
            {
                "period": str(x.period),
                "base": f"{x.base.yuan:.2f}",
                "amount": f"{x.amount.yuan:.2f}",
                "late_fee": f"{x.late_fee.yuan:.2f}",
                "back_payment": x.back_payment,
            }
            for x in q.lines
        ],
    }


def dumps_outcome(o: PaymentOutcome) -> str:
    """One JSON line (the worker's output)."""
    return json.dumps(
        {
            "intent_id": o.intent_id,
            "outcome": o.outcome.value,
            "order_no": o.order_no,
            "total": f"{o.total.yuan:.2f}",
            "message_key": o.message_key,
            "receipt": o.receipt.value,
            "card_removed": o.card_removed,
        }
    )
