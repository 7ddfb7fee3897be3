"""The kiosk's payment service against the real back office over HTTP: card-in and QR
payments, the history at once, receipts (and paper out), PIN rules, card pulled, declines,
gateway timeouts with reversal, 5xx with retries, and recovery that needs no member."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backoffice.gateway.harness import PaymentsLab
from kiosk.domain import MonthStatus, Scheme
from kiosk.domain.payments import (
    CardAuthorization,
    IntentState,
    Outcome,
    Payer,
    PayMethod,
    Quote,
    ReceiptState,
)
from kiosk.payments.errors import InitialPinMustChange, PinRequired
from kiosk.payments.service import PendingPayment, ReceiptReadiness
from printer.harness import virtual_receipt_printer
from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings
from printer.virtual.server import VirtualPrinter
from tests.helpers.payments import Kiosk, make_kiosk

PAYER = Payer("0", "*三丰", "110***********1234")
CARD = CardAuthorization("X00000019", pin_verified=True, initial_pin=False)


def confirm_one_month(
    kiosk: Kiosk, lab: PaymentsLab, method: PayMethod, months: int = 1
) -> tuple[str, Quote, PendingPayment]:
    member = kiosk.member(lab)
    due = next(d for d in kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
    quote = kiosk.service.quote(member, Scheme.PENSION, periods=due.periods[:months])
    return member, quote, kiosk.service.confirm(quote, quote.total, PAYER, method)


def charges(lab: PaymentsLab, kiosk: Kiosk, order_no: str) -> list[dict[str, object]]:
    return [t for t in lab.bill(kiosk.terminal) if t["order_no"] == order_no]


@pytest.fixture
def printer() -> Iterator[VirtualPrinter]:
    with virtual_receipt_printer() as vp:
        yield vp


@pytest.fixture
def kiosk_with_printer(
    lab: PaymentsLab, tmp_path: Path, printer: VirtualPrinter
) -> Iterator[Kiosk]:
    receipt_printer = EscposReceiptPrinter(ReceiptPrinterSettings(port=printer.port))
    k = make_kiosk(lab, tmp_path / "journal.sqlite3", printer=receipt_printer)
    yield k
    k.journal.close()
    k.bo.close()


def test_card_payment_posts_once_and_the_history_shows_it_at_once(
    kiosk_with_printer: Kiosk, lab: PaymentsLab, printer: VirtualPrinter
) -> None:
    kiosk = kiosk_with_printer
    member, quote, pending = confirm_one_month(kiosk, lab, PayMethod.CARD, months=2)
    assert kiosk.service.receipt_readiness() is ReceiptReadiness.READY
    outcome = kiosk.service.pay_by_card(pending, CARD)
    assert outcome.outcome is Outcome.PAID and outcome.message_key == "payments.paid"
    assert outcome.total == quote.total
    history = kiosk.bo.contributions(member, scheme=Scheme.PENSION)
    paid = {m.period: m for m in history}
    for line in quote.lines:
        assert line.period in paid
        assert paid[line.period].total == line.amount
        # A month of an earlier year is posted as 补缴 with the day it was paid.
        want = MonthStatus.BACK_PAID if line.back_payment else MonthStatus.PAID
        assert paid[line.period].status is want
        assert paid[line.period].paid_on is not None
    entry = kiosk.journal.get(outcome.intent_id)
    assert entry.state is IntentState.POSTED and entry.receipt_state is ReceiptState.PENDING
    states = [to for _from, to, _d in kiosk.journal.events(outcome.intent_id)]
    assert states == ["PREPARED", "SENT", "SUCCESS", "POSTED"]
    bill = charges(lab, kiosk, pending.order_no)
    assert len(bill) == 1 and bill[0]["charges"] == 1 and bill[0]["amount_fen"] == quote.total.fen
    assert kiosk.service.print_receipt(outcome.intent_id) is ReceiptState.PRINTED
    job = printer.wait_for_jobs(1)[-1]
    assert pending.order_no in job.text()
    # Reprint from the journal, marked as a reprint.
    assert kiosk.service.reprint_last() is ReceiptState.PRINTED
    assert "reprint" in printer.wait_for_jobs(2)[-1].text()
    assert kiosk.journal.get(outcome.intent_id).receipts == 2


def test_paper_out_is_told_before_paying_and_the_receipt_is_deferred(
    kiosk_with_printer: Kiosk, lab: PaymentsLab, printer: VirtualPrinter
) -> None:
    kiosk = kiosk_with_printer
    printer.set_paper("out")
    assert kiosk.service.receipt_readiness() is ReceiptReadiness.PAPER_OUT
    _member, _quote, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    outcome = kiosk.service.pay_by_card(pending, CARD)
    assert outcome.paid
    assert kiosk.service.print_receipt(outcome.intent_id) is ReceiptState.DEFERRED
    url = kiosk.service.receipt_url(outcome.intent_id)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and pending.order_no in page.text
    printer.set_paper("ok")
    assert kiosk.service.reprint_last() is ReceiptState.PRINTED


def test_qr_payment_with_a_duplicate_notification_posts_once(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    lab.switches(duplicate_notify=True)
    member, quote, pending = confirm_one_month(kiosk, lab, PayMethod.QR)
    qr = kiosk.service.start_qr(pending)
    assert qr.url.endswith(pending.order_no)
    ticks: list[int] = []
    threading.Timer(0.3, lab.phone_pays, (pending.order_no,)).start()
    outcome = kiosk.service.wait_qr(qr, on_tick=ticks.append)
    assert outcome.outcome is Outcome.PAID
    assert ticks and ticks == sorted(ticks, reverse=True)
    bill = charges(lab, kiosk, pending.order_no)
    assert len(bill) == 1 and bill[0]["charges"] == 1
    history = kiosk.bo.contributions(member, scheme=Scheme.PENSION)
    # a month of an earlier year than today is posted 补缴 (docs/rules.md), else paid
    line = quote.lines[0]
    want = MonthStatus.BACK_PAID if line.back_payment else MonthStatus.PAID
    assert [m.status for m in history if m.period == line.period] == [want]
    assert lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key).ok


def test_qr_with_a_lost_notification_is_found_by_polling(kiosk: Kiosk, lab: PaymentsLab) -> None:
    lab.switches(drop_notify=True)
    _member, _quote, pending = confirm_one_month(kiosk, lab, PayMethod.QR)
    qr = kiosk.service.start_qr(pending)
    assert lab.phone_pays(pending.order_no) == 200
    assert kiosk.service.wait_qr(qr).paid


def test_qr_timeout_cancels_and_the_phone_can_no_longer_pay(
    lab: PaymentsLab, tmp_path: Path
) -> None:
    kiosk = make_kiosk(lab, tmp_path / "j.sqlite3", qr_timeout=0.5)
    _member, _quote, pending = confirm_one_month(kiosk, lab, PayMethod.QR)
    qr = kiosk.service.start_qr(pending)
    outcome = kiosk.service.wait_qr(qr)
    assert outcome.outcome is Outcome.NOT_CHARGED
    assert outcome.message_key == "payments.qr_timeout"
    assert lab.phone_pays(pending.order_no) == 409
    assert lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key).ok


def test_member_cancels_the_qr_but_the_phone_paid_first(kiosk: Kiosk, lab: PaymentsLab) -> None:
    lab.switches(drop_notify=True)
    _member, _quote, pending = confirm_one_month(kiosk, lab, PayMethod.QR)
    qr = kiosk.service.start_qr(pending)
    assert lab.phone_pays(pending.order_no) == 200
    outcome = kiosk.service.cancel_qr(qr)
    assert outcome.paid  # the cancel found the money: the payment stands and is posted


def test_pin_rules_come_before_anything_is_sent(kiosk: Kiosk, lab: PaymentsLab) -> None:
    _member, _quote, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    with pytest.raises(InitialPinMustChange):
        kiosk.service.pay_by_card(
            pending, CardAuthorization("X00000019", pin_verified=True, initial_pin=True)
        )
    with pytest.raises(PinRequired):
        kiosk.service.pay_by_card(
            pending, CardAuthorization("X00000019", pin_verified=False, initial_pin=False)
        )
    assert kiosk.journal.get(pending.intent_id).state is IntentState.PREPARED
    assert kiosk.service.abandon(pending).outcome is Outcome.NOT_CHARGED
    assert charges(lab, kiosk, pending.order_no) == []


def test_card_pulled_before_paying_is_not_charged_after_sending_completes(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    _m, _q, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    outcome = kiosk.service.pay_by_card(pending, CARD, card_present=lambda: False)
    assert outcome.outcome is Outcome.NOT_CHARGED
    assert outcome.message_key == "payments.card_removed_not_charged"
    _m, _q, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    seen = iter([True, False])  # present when sending, gone when the answer comes
    outcome = kiosk.service.pay_by_card(pending, CARD, card_present=lambda: next(seen))
    assert outcome.paid and outcome.card_removed
    assert outcome.message_key == "payments.paid_card_removed"
    assert lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key).ok


@pytest.mark.parametrize(
    ("switch", "expected", "state"),
    [
        ("decline", Outcome.NOT_CHARGED, IntentState.FAILED),
        ("timeout_before", Outcome.REVERSED, IntentState.REVERSED),
        ("timeout_after", Outcome.REVERSED, IntentState.REVERSED),
    ],
)
def test_gateway_faults_end_with_nothing_taken(
    kiosk: Kiosk, lab: PaymentsLab, switch: str, expected: Outcome, state: IntentState
) -> None:
    lab.switches(None, **{switch: 1})  # every terminal; the switch named by the case
    _m, _q, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    outcome = kiosk.service.pay_by_card(pending, CARD)
    assert outcome.outcome is expected
    assert kiosk.journal.get(pending.intent_id).state is state
    bill = charges(lab, kiosk, pending.order_no)
    assert sum(1 for t in bill if t["state"] == "charged") == 0
    if switch == "timeout_after":
        assert bill[0]["state"] == "reversed" and bill[0]["charges"] == 1  # charged, then 冲正
    if switch == "decline":
        assert outcome.message_key == "payments.declined"
    assert lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key).ok


def test_a_lost_answer_5xx_is_retried_with_the_same_key_and_charges_once(
    kiosk: Kiosk, lab: PaymentsLab
) -> None:
    _m, _q, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    lab.switches(api_5xx_after=1)  # the debit is done, its answer is a 500
    outcome = kiosk.service.pay_by_card(pending, CARD)
    assert outcome.paid
    bill = charges(lab, kiosk, pending.order_no)
    assert len(bill) == 1 and bill[0]["charges"] == 1
    assert lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key).ok


def test_a_slow_gateway_leaves_the_payment_in_doubt_then_it_settles(
    lab: PaymentsLab, tmp_path: Path
) -> None:
    kiosk = make_kiosk(lab, tmp_path / "j.sqlite3", settle_wait=0.0)
    kiosk.client.attempts = 1
    kiosk.bo.timeout = (1.0, 0.5)  # the kiosk gives up reading before the gateway answers
    lab.switches(slow_seconds=1.5, in_doubt_after=30.0)
    _m, _q, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    outcome = kiosk.service.pay_by_card(pending, CARD)
    assert outcome.outcome is Outcome.IN_DOUBT and outcome.message_key == "payments.in_doubt"
    assert kiosk.journal.get(pending.intent_id).state is IntentState.UNKNOWN
    lab.switches(slow_seconds=0)
    kiosk.bo.timeout = (1.0, 5.0)
    for _ in range(50):
        report = kiosk.service.recover()
        if not report.unresolved:
            break
        threading.Event().wait(0.2)
    assert kiosk.journal.get(pending.intent_id).state is IntentState.POSTED
    assert lab.check(kiosk.journal_path, kiosk.terminal, kiosk.key).ok


def test_recovery_cancels_an_intent_nobody_finished(lab: PaymentsLab, tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    first = make_kiosk(lab, path)
    _m, _q, pending = confirm_one_month(first, lab, PayMethod.CARD)
    first.journal.close()
    # A new process on the same journal and terminal: recovery with no member, no card.
    again = make_kiosk(lab, path)
    again.terminal, again.key = first.terminal, first.key
    again.bo.session.headers.update(lab.headers(first.terminal, first.key))
    report = again.service.recover()
    assert report.resolved == [(pending.intent_id, IntentState.FAILED)]
    order = again.client.order(pending.order_no)
    assert order.state.value == "cancelled"
    assert lab.check(path, first.terminal, first.key).ok


def test_recovery_keeps_off_a_payment_the_member_is_making(kiosk: Kiosk, lab: PaymentsLab) -> None:
    _m, _q, pending = confirm_one_month(kiosk, lab, PayMethod.CARD)
    report = kiosk.service.recover()  # the member is on the pay screen: not touched
    assert report.checked == 0
    assert kiosk.journal.get(pending.intent_id).state is IntentState.PREPARED
    assert kiosk.service.pay_by_card(pending, CARD).paid


def test_the_recovery_thread_finishes_what_a_dead_process_left(
    lab: PaymentsLab, tmp_path: Path
) -> None:
    path = tmp_path / "j.sqlite3"
    first = make_kiosk(lab, path)
    _m, _q, pending = confirm_one_month(first, lab, PayMethod.CARD)
    # The debit never gets through (3 attempts, then the kiosk checks once and gives up).
    lab.switches(terminal=first.terminal, api_5xx_before=3)
    first.service.settings = dataclasses.replace(first.service.settings, settle_wait=0.0)
    outcome = first.service.pay_by_card(pending, CARD)
    assert outcome.outcome is Outcome.IN_DOUBT
    first.journal.close()
    again = make_kiosk(lab, path)
    again.bo.session.headers.update(lab.headers(first.terminal, first.key))
    again.service.start()
    try:
        for _ in range(100):
            if not again.journal.unresolved():
                break
            threading.Event().wait(0.1)
    finally:
        again.service.stop()
    assert again.journal.get(pending.intent_id).state is IntentState.FAILED
    assert charges(lab, first, pending.order_no) == []
