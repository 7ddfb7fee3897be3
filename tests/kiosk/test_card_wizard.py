"""The pay page's card path, as the screen drives it (no Kivy): PayWizard's steps over PayFlow,
the card sale on a worker thread (as the session's pool runs pay_card), the CardDesk between
them. Real back office over HTTP, the reference acquirer over TCP (ISO 8583), the emulated
card's bank application in this process (kiosk.payments.card_lab) and the emulated PIN pad fed
by the screen's keypad keys."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.acquirer.accounts import add_account
from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from common import emv_profile
from kiosk.domain import CardHolder, Scheme
from kiosk.domain.payments import Outcome
from kiosk.payments.card_desk import CardDesk
from kiosk.payments.card_lab import InProcessCardRunner, emulated_bank_card
from kiosk.payments.flow import PayFlow, PayResult, PayStepError
from kiosk.payments.wizard import PayStep, PayWizard
from kiosk.session.data import MemberData
from kiosk.session.intents import RequestName
from kiosk.session.machine import SessionState
from tests.helpers.payments import TODAY, Kiosk, card_sale_kiosk

PIN = "246810"  # the card's 金融密码 (lab_finance's default)
HOLDER = CardHolder("110101199003071234", "张三", "X00000019", "1101", "110100")
PAY = RequestName.PAY_CARD


@pytest.fixture(scope="module")
def backoffice() -> Iterator[RunningService]:
    with running_service(members=160, seed=29, today=TODAY, acquirer=True) as svc:
        yield svc


@pytest.fixture(scope="module")
def lab(backoffice: RunningService) -> PaymentsLab:
    return PaymentsLab(backoffice)


def finance(**kw: object) -> emv_profile.FinanceProfile:
    from kiosk.payments.card_lab import lab_finance

    return lab_finance(**kw)  # type: ignore[arg-type]


@dataclass
class Page:
    """What the pay screen does: posts pay_card (run here on a worker thread, as the session's
    pool runs it), reads the step from the wizard with the desk's prompt, and hands the
    member's taps to the desk."""

    flow: PayFlow
    member_no: str
    wizard: PayWizard = field(default_factory=PayWizard)
    state: SessionState = field(default_factory=SessionState)
    seen: list[PayStep] = field(default_factory=list)
    dots: list[int] = field(default_factory=list)
    error: str | None = None
    _thread: threading.Thread | None = None

    def pay_card(self) -> None:
        self.wizard, requests = self.wizard.pay_card()
        assert [r.key for r in requests] == [PAY]
        self.state = replace(self.state, loading=frozenset({PAY}))
        params = {"pin_verified": True, "initial_pin": False}

        def run() -> None:
            try:
                result = self.flow.pay_card(self.member_no, HOLDER, params)
            except PayStepError as e:
                self.error = e.message_key
                self.state = replace(self.state, loading=frozenset())
                return
            self.state = replace(
                self.state, loading=frozenset(), data=MemberData().with_answer(PAY, result)
            )

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def step(self) -> PayStep:
        s = self.wizard.current(self.state, self.flow.card_desk.prompt())
        if not self.seen or self.seen[-1] is not s:
            self.seen.append(s)
        return s

    def wait_step(self, wanted: PayStep, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while self.step() is not wanted:
            assert time.monotonic() < end, f"never reached {wanted}; seen {self.seen}"
            time.sleep(0.02)

    def tap(self, actions: list) -> None:
        for a in actions:
            a.apply(self.flow.card_desk)

    def type_pin(self, pin: str) -> None:
        """The member taps the on-screen keypad: each key goes to the pad; the page sees dots."""
        self.wait_step(PayStep.BANK_PIN)
        for k in pin:
            self.tap(self.wizard.pin_key(k))
            view = self.wizard.pin_view(self.flow.card_desk.prompt())
            assert view is not None
            self.dots.append(view.dots)
        self.tap(self.wizard.pin_key("enter"))

    def result(self, timeout: float = 30.0) -> PayResult:
        assert self._thread is not None
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the sale never ended; seen {self.seen}"
        assert self.step() is PayStep.RESULT, (self.seen, self.error)
        res = self.wizard.result(self.state)
        assert res is not None
        return res


@dataclass
class Lab:
    kiosk: Kiosk
    terminal_no: str
    db: Database
    svc: RunningService
    runner: InProcessCardRunner | None = None

    def card(self, tmp: Path, fin: emv_profile.FinanceProfile, profile: str = "card-2.00") -> None:
        add_account(self.db, fin)
        card = emulated_bank_card(fin, tmp / f"card-{fin.pan[-6:]}.json", profile)
        self.runner = InProcessCardRunner(card)

    def page(self, lab: PaymentsLab, *, months: int = 1) -> Page:
        assert self.runner is not None
        desk = CardDesk(timeout=15.0, poll=0.02, card_present=self.runner.present)
        flow = PayFlow(self.kiosk.service, self.runner.present, self.runner, desk)
        member = self.kiosk.member(lab)
        due = next(d for d in self.kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
        # The member picks the due and its months; the breakdown answered as the session would.
        wizard, requests = PayWizard().pick_due(due).choose(months=months).breakdown()
        (ask,) = requests
        flow.quote(member, HOLDER, ask.params)
        return Page(flow, member, wizard)

    def balance(self, fin: emv_profile.FinanceProfile) -> int:
        with self.db.session() as s:
            return s.scalars(
                select(AcqAccountRow.balance_fen).where(AcqAccountRow.pan == fin.pan)
            ).one()

    def sales(self) -> list[AcqTxnRow]:
        with self.db.session() as s:
            q = select(AcqTxnRow).where(AcqTxnRow.terminal_no == self.terminal_no)
            return list(s.scalars(q))


_n = iter(range(1, 10**6))


@pytest.fixture
def cl(lab: PaymentsLab, backoffice: RunningService, tmp_path: Path) -> Iterator[Lab]:
    terminal_no = f"W{next(_n):07d}"
    with card_sale_kiosk(lab, backoffice, tmp_path / "journal.sqlite3", terminal_no) as (k, db):
        yield Lab(k, terminal_no, db, backoffice)


def switches(cl: Lab, **values: float) -> None:
    import requests

    r = requests.post(
        f"{cl.svc.url}/sim/acquirer/switches",
        json=values,
        params={"terminal": cl.terminal_no},
        timeout=10,
    )
    r.raise_for_status()


# -- the member's journey -------------------------------------------------------------------


def test_two_applications_then_pin_on_the_keypad_pays(
    cl: Lab, lab: PaymentsLab, tmp_path: Path
) -> None:
    fin = dataclasses.replace(finance(balance_fen=2_000_000), apps=("debit", "credit"))
    cl.card(tmp_path, fin)
    page = cl.page(lab)
    page.pay_card()
    page.wait_step(PayStep.CHOOSE_APP)
    prompt = page.flow.card_desk.prompt()
    # The card's own order (debit first), named as the member knows them.
    assert page.wizard.applications(prompt, "zh") == ["银联借记卡", "银联贷记卡"]
    assert page.wizard.applications(prompt, "en") == ["UnionPay Debit", "UnionPay Credit"]
    page.tap(page.wizard.pick_application(1))
    page.wait_step(PayStep.BANK_PIN)
    view = page.wizard.pin_view(page.flow.card_desk.prompt())
    assert view is not None and view.keypad and not view.retry
    assert view.message_key == "payments.enter_bank_pin" and view.dots == 0
    assert view.pan_masked == fin.pan[:6] + "*" * 9 + fin.pan[-4:]
    page.type_pin(PIN)
    assert page.dots == [1, 2, 3, 4, 5, 6]  # one dot per key the pad took, never a digit
    res = page.result()
    assert res.paid and res.outcome.message_key == "payments.paid"
    order = [s for s in page.seen if s is not PayStep.PAYING]
    assert order == [PayStep.CHOOSE_APP, PayStep.BANK_PIN, PayStep.RESULT]
    total = res.outcome.total.fen
    # 2,000,000 fen before; the order's total taken once (e.g. a 1,000.00-yuan month:
    # 2,000,000 - 100,000 = 1,900,000 fen).
    assert cl.balance(fin) == 2_000_000 - total
    (sale,) = cl.sales()
    assert sale.amount_fen == total and sale.response_code == "00"
    view_after = page.wizard.result_view(page.state)
    assert view_after is not None and view_after.paid and not view_after.offer_qr


def test_wrong_pin_asks_again_with_tries_left_then_pays(
    cl: Lab, lab: PaymentsLab, tmp_path: Path
) -> None:
    fin = finance(balance_fen=2_000_000)
    cl.card(tmp_path, fin)
    page = cl.page(lab)
    page.pay_card()
    page.type_pin("111111")
    # The host's 55: a new prompt (attempt 2) on the same page, two entries of three left.
    end = time.monotonic() + 15
    while True:
        view = page.wizard.pin_view(page.flow.card_desk.prompt())
        if view is not None and view.retry:
            break
        assert time.monotonic() < end, page.seen
        time.sleep(0.02)
    assert view.message_key == "payments.card_wrong_pin_again" and view.tries_left == 2
    assert view.dots == 0
    page.type_pin(PIN)
    res = page.result()
    assert res.paid
    assert sorted(s.response_code for s in cl.sales()) == ["00", "55"]
    assert cl.balance(fin) == 2_000_000 - res.outcome.total.fen  # charged once


def test_pin_tries_exceeded_75_says_blocked_and_offers_qr(
    cl: Lab, lab: PaymentsLab, tmp_path: Path
) -> None:
    fin = finance()
    cl.card(tmp_path, fin)
    from sqlalchemy import update

    with cl.db.session() as s:  # the issuer has one try left for this card
        s.execute(
            update(AcqAccountRow).where(AcqAccountRow.pan == fin.pan).values(pin_tries_left=1)
        )
        s.commit()
    page = cl.page(lab)
    page.pay_card()
    page.type_pin("111111")
    res = page.result()
    assert res.outcome.outcome is Outcome.NOT_CHARGED
    assert res.outcome.message_key == "payments.card_pin_blocked"
    view = page.wizard.result_view(page.state)
    assert view is not None and view.offer_qr and not view.paid
    # "Pay by QR instead": the breakdown is asked afresh (the cancelled order is gone).
    wizard, requests = page.wizard.pay_qr_instead()
    assert [r.key for r in requests] == [RequestName.PAY_QUOTE]
    assert wizard.current(replace(page.state, data=MemberData())) is PayStep.QUOTE


def test_insufficient_funds_51(cl: Lab, lab: PaymentsLab, tmp_path: Path) -> None:
    fin = finance(balance_fen=100)  # 1.00 yuan: less than any month's contribution
    cl.card(tmp_path, fin)
    page = cl.page(lab)
    page.pay_card()
    page.type_pin(PIN)
    res = page.result()
    assert res.outcome.outcome is Outcome.NOT_CHARGED
    assert res.outcome.message_key == "payments.card_insufficient_funds"
    assert cl.balance(fin) == 100
    assert [s.response_code for s in cl.sales()] == ["51"]


def test_card_failing_oda_never_asks_for_the_pin(cl: Lab, lab: PaymentsLab, tmp_path: Path) -> None:
    cl.card(tmp_path, finance(oda_broken=True))
    page = cl.page(lab)
    page.pay_card()
    res = page.result()
    assert res.outcome.message_key == "payments.card_refused_oda"
    assert PayStep.BANK_PIN not in page.seen and cl.sales() == []


def test_host_unreachable_before_the_pin(cl: Lab, lab: PaymentsLab, tmp_path: Path) -> None:
    cl.card(tmp_path, finance())
    acq = cl.kiosk.service.card_sale.acquirer  # type: ignore[union-attr]
    acq.address = ("127.0.0.1", _closed_port())  # nobody listens: the pad cannot sign on
    page = cl.page(lab)
    page.pay_card()
    res = page.result()
    assert res.outcome.outcome is Outcome.NOT_CHARGED
    assert res.outcome.message_key == "payments.card_host_down"
    assert PayStep.BANK_PIN not in page.seen


def test_no_answer_is_reversed_and_said_so(cl: Lab, lab: PaymentsLab, tmp_path: Path) -> None:
    fin = finance(balance_fen=2_000_000)
    cl.card(tmp_path, fin)
    cl.kiosk.service.card_sale.acquirer.sign_on()  # type: ignore[union-attr]
    switches(cl, answer_then_drop=1)  # charged, then the line drops before the 0210
    page = cl.page(lab)
    page.pay_card()
    page.type_pin(PIN)
    res = page.result()
    assert res.outcome.outcome is Outcome.REVERSED
    assert res.outcome.message_key == "payments.card_reversed"  # 交易已冲正，未扣款
    assert cl.balance(fin) == 2_000_000  # taken by the sale, given back by the 0400
    view = page.wizard.result_view(page.state)
    assert view is not None and view.offer_qr


def test_cancel_on_the_pin_page_charges_nothing(cl: Lab, lab: PaymentsLab, tmp_path: Path) -> None:
    cl.card(tmp_path, finance())
    page = cl.page(lab)
    page.pay_card()
    page.wait_step(PayStep.BANK_PIN)
    page.tap(page.wizard.pin_key("2"))
    page.tap(page.wizard.cancel_card())
    res = page.result()
    assert res.outcome.outcome is Outcome.NOT_CHARGED
    assert res.outcome.message_key == "payments.cancelled"
    assert cl.sales() == []
    assert cl.kiosk.client.order(res.outcome.order_no or "").state.value == "cancelled"


def test_session_end_during_pin_entry_charges_nothing(
    cl: Lab, lab: PaymentsLab, tmp_path: Path
) -> None:
    cl.card(tmp_path, finance())
    page = cl.page(lab)
    page.pay_card()
    page.wait_step(PayStep.BANK_PIN)
    page.flow.forget()  # the session ended (timeout, exit): the desk answers "cancelled"
    assert page._thread is not None
    page._thread.join(20)
    assert not page._thread.is_alive()
    assert cl.sales() == []


def test_card_sale_refuses_without_the_social_security_pin(
    cl: Lab, lab: PaymentsLab, tmp_path: Path
) -> None:
    cl.card(tmp_path, finance())
    page = cl.page(lab)
    with pytest.raises(PayStepError) as e:
        page.flow.pay_card(page.member_no, HOLDER, {"pin_verified": False})
    assert e.value.message_key == "payments.pin_required"
    with pytest.raises(PayStepError) as e:
        page.flow.pay_card(page.member_no, HOLDER, {"pin_verified": True, "initial_pin": True})
    assert e.value.message_key == "payments.change_pin_first"


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_card_path_message_is_in_both_languages() -> None:
    from kiosk.i18n import Translator
    from kiosk.payments.card_sale import DECLINES

    keys = {k for _r, k in DECLINES.values()} | {
        "payments.enter_bank_pin",
        "payments.card_wrong_pin_again",
        "payments.card_refused_oda",
        "payments.card_no_bank_app",
        "payments.card_host_down",
        "payments.card_removed_reversed",
        "payments.card_removed_not_charged",
        "payments.card_reversed",
        "payments.bank_pin_keypad",
        "payments.bank_pin_pad",
        "payments.bank_pin_tries_left",
        "payments.bank_card",
        "payments.epp_error",
        "pay.choose_app",
        "pay.bank_pin_title",
        "pay.qr_instead",
        "pay.cancel_card",
    }
    for lang in ("zh", "en"):
        tr = Translator(language=lang)
        for key in sorted(keys):
            text = tr(key, tries=2, pan="621234*********1234")
            assert text and text != key, (lang, key)
    zh = Translator(language="zh")
    assert zh("payments.card_reversed") == "交易已冲正，未扣款"
    assert "金融密码" in zh("payments.enter_bank_pin")
