"""The card-in payment as an EMV card sale (docs/payments.md, "Card sale"): the card's bank
application through the EMV kernel, the financial PIN through the PIN pad, an ISO 8583 sale at
the acquirer, the card's TC, and the order posted by the back office only for an approved, not
reversed sale.

    sale = CardSale(service.journal, service.client, acquirer, epp, CardSaleSettings(...))
    result = sale.run(pending, bank_card)          # called by PaymentService.pay_by_card

Every outside call is preceded by a journal commit (kiosk.payments.journal.CardStep):

    ODA, PIN, ARQC (nothing sent yet; a refusal cancels the order)
    AUTH_SENT (trace, date, amount, masked PAN) --0200--> APPROVED (rrn, auth code)
        --GENERATE AC 2--> TC --POST /v1/orders/{no}/card-sale--> POSTED
    no answer / bad MAC / AAC after approval / card pulled: REVERSAL_PENDING --0400...--> REVERSED
    declined: DECLINED (55: the member may enter the PIN again, a new authorization)

What the PIN pad encrypts never passes through this module as digits: the member types on the
pad (or the screen's keypad feeds the emulated pad) and only the encrypted block comes out."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

import common.pos8583 as p
from cardio.apdu import ApduChannel
from cardio.emv import (
    CardPaymentPort,
    EmvError,
    EmvKernel,
    NoPaymentApplication,
    OfflineAuthenticationFailed,
)
from cardio.emv.selection import Candidate
from cardio.errors import CardError
from common.emv_profile import CaPublicKey
from kiosk.acquirer import (
    AcquirerClient,
    AcquirerError,
    AcquirerUnreachable,
    ReversalRequest,
    SaleRequest,
)
from kiosk.backoffice.errors import BackOfficeError, ProtocolError, Rejected
from kiosk.devices.epp import EppError
from kiosk.domain.payments import IntentState, Order, OrderState
from kiosk.payments.client import PaymentClient
from kiosk.payments.journal import CardStep, CardTxn, Journal, JournalEntry
from kiosk.ports import EppPort

log = logging.getLogger("kiosk.payments.card")
S, C = IntentState, CardStep
_R = TypeVar("_R")

# The ARC the terminal gives the card when the host did not answer (EMV: "Z3", unable to go
# online): the card answers an AAC.
ARC_NO_ANSWER = b"Z3"

# Decline codes -> (journal reason, what the member is told).
DECLINES: dict[str, tuple[str, str]] = {
    p.WRONG_PIN: ("wrong_pin", "payments.card_wrong_pin"),
    p.PIN_TRIES_EXCEEDED: ("pin_tries_exceeded", "payments.card_pin_blocked"),
    p.INSUFFICIENT_FUNDS: ("insufficient_funds", "payments.card_insufficient_funds"),
    p.NO_SUCH_CARD: ("no_such_card", "payments.card_declined"),
    p.EXPIRED_CARD: ("expired_card", "payments.card_declined"),
}


class CardRunner(Protocol):
    """Runs a function with the card's APDU channel (cardio.reader.CardReader.run_card)."""

    def __call__(self, fn: Callable[[ApduChannel], _R]) -> _R: ...


@dataclass(frozen=True)
class PinPrompt:
    """What the pay page shows while the member types the financial PIN (金融密码) on the pad."""

    pan_masked: str
    attempt: int  # 1, then 2... after a wrong PIN (55)
    message_key: str  # payments.enter_bank_pin / payments.card_wrong_pin_again


# enter_pin(epp, prompt): returns True when the member pressed ENTER on the pad (the block can
# be taken), False when they cancelled. It only waits (and, for the on-screen keypad, the
# screen's key presses go to epp.press): the digits stay in the pad.
PinEntry = Callable[[EppPort, PinPrompt], bool]


def first_application(apps: Sequence[Candidate]) -> Candidate | None:
    return apps[0] if apps else None


@dataclass(frozen=True)
class BankCard:
    """The member's card in the reader, for one card sale."""

    run: CardRunner  # CardReader.run_card, or an in-process link's runner
    enter_pin: PinEntry
    choose: Callable[[Sequence[Candidate]], Candidate | None] = first_application
    present: Callable[[], bool] = lambda: True


@dataclass(frozen=True)
class CardSaleSettings:
    terminal_no: str  # the acquirer's terminal number (field 41) of this kiosk's pad
    ca_keys: tuple[CaPublicKey, ...]
    pin_attempts: int = 3  # financial PIN entries per sale (the issuer blocks at its own count)
    reversal_attempts: int = 3  # 0400s per pass; recovery keeps going after that
    reversal_pause: float = 0.3
    # the kiosk's local time of a sale (fields 12, 13; the card's 9A): the hall's clock
    local_now: Callable[[], dt.datetime] = dt.datetime.now


@dataclass(frozen=True)
class CardSaleResult:
    entry: JournalEntry
    message_key: str | None = None  # what to tell when not paid (None: the state's default)
    card_removed: bool = False
    pan_masked: str = ""
    rrn: str = ""
    auth_code: str = ""


@dataclass
class _Attempt:
    """Where one authorization ended on the card side, before any reversal or posting."""

    txn: CardTxn | None = None
    decline: str | None = None  # response code of the last decline
    refused_key: str | None = None  # refused before anything was sent
    reason: str | None = None
    reverse_reason: str | None = None  # set: a 0400 is due
    approved: bool = False
    card_removed: bool = False
    pan_masked: str = ""


class CardSale:
    def __init__(
        self,
        journal: Journal,
        client: PaymentClient,
        acquirer: AcquirerClient,
        epp: EppPort,
        settings: CardSaleSettings,
        *,
        checkpoint: Callable[[str], None] = lambda _name: None,
        kernel_factory: Callable[[ApduChannel], CardPaymentPort] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.journal = journal
        self.client = client
        self.acquirer = acquirer
        self.epp = epp
        self.settings = settings
        self._checkpoint = checkpoint
        self._kernel = kernel_factory or (lambda ch: EmvKernel(ch, settings.ca_keys))
        self._sleep = sleep

    # --- the member's sale ----------------------------------------------------------------

    def run(self, intent_id: str, order_no: str, amount_fen: int, card: BankCard) -> CardSaleResult:
        """One sale of `amount_fen` for the order; always answers (never raises once sent)."""
        try:
            att = card.run(lambda ch: self._on_card(intent_id, amount_fen, self._kernel(ch), card))
        except CardError as e:
            # Raised outside an authorization (no card at the start, or pulled while the
            # transaction ended): _on_card journals what it sent before any such error.
            log.info("card sale %s: card error before sending: %s", intent_id, type(e).__name__)
            att = _Attempt(refused_key="payments.card_removed_not_charged", reason="card_removed")
            att.card_removed = True
            open_txn = [t for t in self.journal.card_txns(intent_id) if not t.step.final]
            if open_txn:
                att.txn, att.reverse_reason = open_txn[-1], p.REASON_NO_ANSWER
        return self._after_card(intent_id, order_no, att)

    def _on_card(
        self, intent_id: str, amount_fen: int, kernel: CardPaymentPort, card: BankCard
    ) -> _Attempt:
        try:
            apps = kernel.applications()
            chosen = card.choose(apps)
            if chosen is None:
                return _Attempt(refused_key="payments.cancelled", reason="cancelled")
            account = kernel.open(chosen.aid)
        except OfflineAuthenticationFailed:
            return _Attempt(refused_key="payments.card_refused_oda", reason="card_refused_oda")
        except NoPaymentApplication:
            return _Attempt(refused_key="payments.card_no_bank_app", reason="no_bank_app")
        except EmvError as e:
            log.warning("card sale %s: card refused: %s", intent_id, type(e).__name__)
            return _Attempt(refused_key="payments.card_declined", reason="card_error")
        masked = account.pan_masked
        last = _Attempt(pan_masked=masked)
        for attempt in range(1, self.settings.pin_attempts + 1):
            if attempt > 1:
                try:
                    account = kernel.open(chosen.aid)  # a new transaction after the AAC
                except EmvError:
                    return last
            prompt = PinPrompt(
                masked,
                attempt,
                "payments.enter_bank_pin" if attempt == 1 else "payments.card_wrong_pin_again",
            )
            if not self.epp.signed_on:  # the pad needs the PIK before it can make a block
                try:
                    self.acquirer.sign_on()
                except AcquirerError:
                    return _Attempt(
                        refused_key="payments.card_host_down", reason="host_down", pan_masked=masked
                    )
            try:
                self.epp.start_pin_entry(account.pan)
                entered = card.enter_pin(self.epp, prompt)
                pin_block = self.epp.pin_block() if entered else None
            except EppError as e:
                log.warning("card sale %s: PIN pad: %s", intent_id, type(e).__name__)
                entered, pin_block = False, None
            if pin_block is None:
                self.epp.cancel()
                if last.decline is None:
                    last.refused_key = "payments.cancelled" if not entered else "payments.epp_error"
                    last.reason = "cancelled"
                return last
            when = self.settings.local_now()
            auth = kernel.request_arqc(amount_fen, when)
            trace = self.journal.next_trace(self.settings.terminal_no)
            txn = self.journal.auth_sent(
                intent_id,
                trace=trace,
                terminal_no=self.settings.terminal_no,
                txn_date=when.date(),
                amount_fen=amount_fen,
                pan_masked=masked,
            )
            self._checkpoint("after_auth_sent")
            sale = SaleRequest(
                trace=trace,
                at=when,
                amount_fen=amount_fen,
                pan=auth.pan,
                psn=auth.psn,
                expiry=account.expiry[:4],
                track2=auth.track2.hex().upper().rstrip("F"),
                icc_data=auth.icc_data,
                pin_block=pin_block,
            )
            del pin_block
            try:
                answer = self.acquirer.purchase(sale)
            except AcquirerUnreachable:
                self.journal.card_step(intent_id, trace, C.NOT_SENT, "no connection")
                _complete_quietly(kernel, ARC_NO_ANSWER, None)
                return _Attempt(
                    txn=txn, refused_key="payments.card_host_down", reason="host_down",
                    pan_masked=masked,
                )  # fmt: skip
            except AcquirerError as e:
                # No answer, or one we cannot trust: it may have charged. Reverse.
                self.journal.card_step(
                    intent_id, trace, C.REVERSAL_PENDING, f"in doubt: {type(e).__name__}",
                    intent_to=S.UNKNOWN, reversal_reason=p.REASON_NO_ANSWER,
                )  # fmt: skip
                _complete_quietly(kernel, ARC_NO_ANSWER, None)
                return _Attempt(txn=txn, reverse_reason=p.REASON_NO_ANSWER, pan_masked=masked)
            if not answer.approved:
                reason, _key = DECLINES.get(answer.code, (f"declined_{answer.code}", ""))
                self.journal.card_step(
                    intent_id, trace, C.DECLINED, reason, response_code=answer.code
                )
                _complete_quietly(kernel, answer.code.encode("ascii")[:2], answer.issuer_auth)
                last = _Attempt(txn=txn, decline=answer.code, reason=reason, pan_masked=masked)
                if answer.code == p.WRONG_PIN and attempt < self.settings.pin_attempts:
                    continue
                return last
            txn = self.journal.card_step(
                intent_id, trace, C.APPROVED, "approved",
                response_code=answer.code, rrn=answer.rrn, auth_code=answer.auth_code,
            )  # fmt: skip
            self._checkpoint("after_approved")
            done_ok, removed = False, False
            if not card.present():
                removed = True
            else:
                try:
                    done = kernel.complete(b"00", answer.issuer_auth)
                    done_ok = done.approved
                except CardError:  # pulled during the second GENERATE AC
                    removed = True
            if not done_ok:
                why = "card pulled after approval" if removed else "card declined (AAC)"
                self.journal.card_step(
                    intent_id, trace, C.REVERSAL_PENDING, why,
                    intent_to=S.UNKNOWN, reversal_reason=p.REASON_CARD_DECLINED,
                )  # fmt: skip
                return _Attempt(
                    txn=txn, reverse_reason=p.REASON_CARD_DECLINED, card_removed=removed,
                    pan_masked=masked,
                )  # fmt: skip
            txn = self.journal.card_step(intent_id, trace, C.TC, "TC", intent_to=S.SUCCESS)
            self.journal.update(intent_id, gateway_txn=answer.rrn)
            self._checkpoint("after_tc")
            return _Attempt(txn=txn, approved=True, pan_masked=masked)
        return last

    def _after_card(self, intent_id: str, order_no: str, att: _Attempt) -> CardSaleResult:
        """Post, reverse or cancel, as the card side ended."""
        if att.approved and att.txn is not None:
            entry = self.post(self.journal.get(intent_id), att.txn)
            return CardSaleResult(
                entry, pan_masked=att.pan_masked, rrn=att.txn.rrn or "",
                auth_code=att.txn.auth_code or "", card_removed=att.card_removed,
            )  # fmt: skip
        if att.reverse_reason is not None and att.txn is not None:
            entry = self.reverse(self.journal.get(intent_id), att.txn, att.reverse_reason)
            key = "payments.card_removed_reversed" if att.card_removed else None
            return CardSaleResult(entry, key, att.card_removed, att.pan_masked)
        reason = att.reason or "not_charged"
        key = att.refused_key or DECLINES.get(att.decline or "", ("", "payments.card_declined"))[1]
        entry = self.cancel(self.journal.get(intent_id), reason, S.FAILED)
        return CardSaleResult(entry, key, att.card_removed, att.pan_masked)

    # --- the steps recovery shares --------------------------------------------------------

    def post(self, entry: JournalEntry, txn: CardTxn) -> JournalEntry:
        """TC -> the back office checks the sale with the acquirer and posts the order."""
        assert entry.order_no is not None
        self._checkpoint("during_card_posting")
        try:
            order = self.client.card_sale(
                entry.order_no,
                f"{entry.intent_id}-sale",
                terminal_no=txn.terminal_no,
                trace=txn.trace,
                txn_date=txn.txn_date,
                amount_fen=txn.amount_fen,
                rrn=txn.rrn or "",
                auth_code=txn.auth_code or "",
            )
        except Rejected as e:
            # The back office does not find an approved, unreversed sale: never posted on a
            # guess. Reconciliation lists it; recovery asks again.
            log.error("card sale %s not posted: %s", entry.intent_id, e.code)
            return self.journal.get(entry.intent_id)
        except (BackOfficeError, ProtocolError) as e:
            log.warning("card sale %s: posting left for recovery: %s", entry.intent_id, e)
            return self.journal.get(entry.intent_id)
        return self._posted(entry, order)

    def _posted(self, entry: JournalEntry, order: Order) -> JournalEntry:
        entry = self.journal.get(entry.intent_id)
        if order.state is OrderState.POSTED and not entry.final:
            if entry.state is not S.SUCCESS:
                entry = self.journal.move(entry.intent_id, S.SUCCESS, "charged")
            return self.journal.move(entry.intent_id, S.POSTED, "posted", paid_at=order.paid_at)
        return entry

    def reverse(self, entry: JournalEntry, txn: CardTxn, reason: str) -> JournalEntry:
        """REVERSAL_PENDING -> 0400 (repeated) -> REVERSED, then the order is cancelled."""
        iid = entry.intent_id
        txn = self.journal.card_txn(iid, txn.trace)  # as it is now
        if txn.step in (C.AUTH_SENT, C.APPROVED):
            txn = self.journal.card_step(
                iid, txn.trace, C.REVERSAL_PENDING, "recovery", intent_to=S.UNKNOWN,
                reversal_reason=reason,
            )  # fmt: skip
        if txn.step is C.REVERSAL_PENDING:
            self._checkpoint("during_reversal")
            req = ReversalRequest(
                txn.trace, txn.txn_date, txn.amount_fen, txn.reversal_reason or reason
            )
            try:
                answer = self.acquirer.reverse(
                    req,
                    attempts=self.settings.reversal_attempts,
                    pause=self.settings.reversal_pause,
                )
            except AcquirerError as e:
                log.warning("card sale %s: reversal %06d pending: %s", iid, txn.trace, e)
                return self.journal.get(iid)
            self.journal.card_step(
                iid, txn.trace, C.REVERSED, f"0410 {answer.code}", response_code=answer.code
            )
        return self.cancel(self.journal.get(iid), "reversed", S.REVERSED)

    def cancel(self, entry: JournalEntry, reason: str, final: IntentState) -> JournalEntry:
        """Nothing is taken (declined, refused, reversed): cancel the order, then the intent
        is final. If the back office cannot be reached, recovery cancels it later."""
        iid = entry.intent_id
        try:
            if entry.order_no is None:
                order = self.client.cancel_by_key(iid)
            else:
                order = self.client.cancel(entry.order_no)
        except (BackOfficeError, ProtocolError) as e:
            log.warning("card sale %s: cancel left for recovery: %s", iid, e)
            if reason and entry.state is not S.PREPARED:
                return self.journal.update(iid, reason=reason)
            return self.journal.get(iid)
        entry = self.journal.get(iid)
        if entry.final:
            return entry
        if order.state is OrderState.POSTED:  # cannot happen: no TC was given; keep the truth
            log.error("card sale %s: order %s is posted without a TC", iid, order.order_no)
            return entry
        to = final if final in _allowed(entry.state) else S.FAILED
        if entry.state is S.PREPARED and to is not S.FAILED:
            to = S.FAILED
        return self.journal.move(iid, to, f"order {order.state.value}", reason=reason)

    # --- recovery -------------------------------------------------------------------------

    def resolve(self, entry: JournalEntry) -> JournalEntry:
        """One recovery step for a card sale's intent (no member, no card): reverse what was
        never completed, post a TC, cancel what took nothing."""
        txns = self.journal.card_txns(entry.intent_id)
        tc = next((t for t in txns if t.step is C.TC), None)
        if tc is not None:
            return self.post(entry, tc)
        for t in txns:
            if t.step.must_reverse:
                entry = self.reverse(entry, t, t.reversal_reason or p.REASON_NO_ANSWER)
                if not entry.final:
                    return entry
        if entry.final:
            return entry
        reversed_any = any(t.step is C.REVERSED for t in txns)
        final = S.REVERSED if reversed_any else S.FAILED
        reason = "reversed" if reversed_any else (entry.reason or "not_charged")
        return self.cancel(entry, reason, final)


def _allowed(state: IntentState) -> frozenset[IntentState]:
    from kiosk.payments.journal import TRANSITIONS

    return TRANSITIONS[state]


def _complete_quietly(kernel: CardPaymentPort, arc: bytes, issuer_auth: bytes | None) -> None:
    """The second GENERATE AC after a decline or no answer: the card answers an AAC. A card
    pulled meanwhile changes nothing (nothing was approved)."""
    try:
        kernel.complete(arc, issuer_auth)
    except (CardError, ValueError) as e:
        log.info("card's AAC not taken: %s", type(e).__name__)
