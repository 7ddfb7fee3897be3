"""Flexible employment, my receipts and the loss report without the card in the session
(issue 17, H11): the state machine with plain events and a clock the test sets, and the
handlers with fake clients (a unit test of one class each: no back office, no printer)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.domain.flexible import FlexiblePlan
from kiosk.domain.money import Money
from kiosk.domain.payments import ReceiptState
from kiosk.session.card_loss import loss_handlers
from kiosk.session.flexible import FlexibleService
from kiosk.session.intents import DataKey, RequestName
from kiosk.session.machine import (
    ID_FULL,
    ID_LIMITED,
    CardInserted,
    CardRead,
    IdSessionOpened,
    Load,
    Loaded,
    Navigate,
    Page,
    PinOk,
    Request,
    Session,
    SessionState,
)
from kiosk.session.receipts import ReceiptsService, Reprinted

HOLDER = CardHolder(
    id_number="110101195803071234",
    name="李四",
    card_number="X00000027",
    card_identifier="110100D15600000500112233445566AA",
    region="110100",
)
T = TimeoutConfig(page=45, pin=40, payment=300, warning=20)


def card_session() -> Session:
    s = Session(T)
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0.1)
    s.handle(PinOk(initial_pin=False), 0.2)
    return s


def id_session(scope: str) -> Session:
    s = Session(T)
    s.state = SessionState(page=Page.READING, id_entry=True, id_card_present=True)
    s.handle(IdSessionOpened(HOLDER, scope), 0.1)
    return s


# -- flexible employment ---------------------------------------------------------------------


def test_the_flexible_page_loads_the_standing():
    s = card_session()
    effects = s.handle(Navigate(Page.FLEXIBLE), 1)
    assert s.state.page is Page.FLEXIBLE
    assert effects == [Load(DataKey.FLEXIBLE, {})]
    s.handle(Loaded(DataKey.FLEXIBLE, "active"), 1.5)
    assert s.state.data.flexible == "active"


def test_a_stop_shows_the_new_standing_at_once_and_the_dues_load_afresh():
    s = card_session()
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Loaded(DataKey.DUES, ["dues before the stop"]), 1.2)
    s.handle(Navigate(Page.FLEXIBLE), 2)
    s.handle(Loaded(DataKey.FLEXIBLE, "active"), 2.1)
    effects = s.handle(Request(RequestName.FLEXIBLE_STOP, {"attempt": "a1"}), 3)
    assert effects == [Load(RequestName.FLEXIBLE_STOP, {"attempt": "a1"})]
    assert RequestName.FLEXIBLE_STOP in s.state.loading
    s.handle(Loaded(RequestName.FLEXIBLE_STOP, "stopped"), 3.5)
    assert s.state.data.flexible == "stopped"  # the page shows the answer, no second load
    assert DataKey.DUES not in s.state.data  # stale: the pay page asks again
    effects = s.handle(Navigate(Page.PAY), 4)
    assert effects == [Load(DataKey.DUES, {})]
    # Resumed: the same.
    s.handle(Loaded(DataKey.DUES, ["nothing while stopped"]), 4.2)
    s.handle(Navigate(Page.FLEXIBLE), 5)
    assert s.handle(Request(RequestName.FLEXIBLE_RESUME, {}), 5.1)
    s.handle(Loaded(RequestName.FLEXIBLE_RESUME, "active again"), 5.2)
    assert s.state.data.flexible == "active again"
    assert DataKey.DUES not in s.state.data


def test_a_refused_change_keeps_the_standing_and_the_dues():
    from kiosk.session.machine import LoadFailed, Said

    s = card_session()
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Loaded(DataKey.DUES, ["dues"]), 1.2)
    s.handle(Navigate(Page.FLEXIBLE), 2)
    s.handle(Loaded(DataKey.FLEXIBLE, "active"), 2.1)
    s.handle(Request(RequestName.FLEXIBLE_RESUME, {}), 3)
    said = Said("未暂停缴费", "Not stopped")
    s.handle(LoadFailed(RequestName.FLEXIBLE_RESUME, "error.backoffice", said), 3.1)
    assert s.state.data.flexible == "active"
    assert s.state.data.dues == ["dues"]
    assert s.state.said[RequestName.FLEXIBLE_RESUME] == said


class FakeFlexible:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def flexible(self, member_no: str) -> Any:
        self.calls.append(("status", member_no))
        return "status"

    def register_flexible(self, member_no, plan, *, base=None, idempotency_key=None):
        self.calls.append(("register", member_no, plan, base, idempotency_key))
        return "registered"

    def stop_flexible(self, member_no, *, idempotency_key=None):
        self.calls.append(("stop", member_no, idempotency_key))
        return "stopped"

    def resume_flexible(self, member_no, *, idempotency_key=None):
        self.calls.append(("resume", member_no, idempotency_key))
        return "resumed"


def test_the_flexible_handlers_call_the_back_office_with_plan_base_and_one_key_per_tap():
    client = FakeFlexible()
    h = FlexibleService(client).handlers()
    assert h["flexible"]("M1", HOLDER, {}) == "status"
    params = {"plan": "pension_medical", "base": "8000.00", "attempt": "tap-1"}
    assert h["flexible_register"]("M1", HOLDER, params) == "registered"
    assert client.calls[-1] == (
        "register",
        "M1",
        FlexiblePlan.PENSION_MEDICAL,
        Money.of("8000.00"),
        "tap-1",
    )
    h["flexible_register"]("M1", HOLDER, {"plan": "pension"})  # no base: the minimum
    _, _, plan, base, key = client.calls[-1]
    assert (plan, base) == (FlexiblePlan.PENSION, None) and key
    assert h["flexible_stop"]("M1", HOLDER, {"attempt": "tap-2"}) == "stopped"
    assert client.calls[-1] == ("stop", "M1", "tap-2")
    assert h["flexible_resume"]("M1", HOLDER, {"attempt": "tap-3"}) == "resumed"
    assert client.calls[-1] == ("resume", "M1", "tap-3")


def test_the_id_cards_full_session_reaches_flexible_and_receipts_the_limited_one_does_not():
    full = id_session(ID_FULL)
    for page in (Page.FLEXIBLE, Page.MY_RECEIPTS):
        full.handle(Navigate(page), 1)
        assert full.state.page is page
    limited = id_session(ID_LIMITED)
    limited.handle(Navigate(Page.FLEXIBLE), 1)
    assert limited.state.page is Page.MENU


# -- my receipts -----------------------------------------------------------------------------


def test_my_receipts_load_and_a_payment_makes_them_stale():
    s = card_session()
    effects = s.handle(Navigate(Page.MY_RECEIPTS), 1)
    assert effects == [Load(DataKey.MY_RECEIPTS, {})]
    s.handle(Loaded(DataKey.MY_RECEIPTS, ["old"]), 1.1)
    s.handle(Request(RequestName.RECEIPT_REPRINT, {"order_no": "O1"}), 2)
    s.handle(Loaded(RequestName.RECEIPT_REPRINT, "reprinted"), 2.5)
    assert s.state.data.receipt_reprint == "reprinted"
    assert s.state.data.my_receipts == ["old"]  # a reprint pays nothing
    s.handle(Navigate(Page.PAY), 3)
    s.handle(Loaded(RequestName.PAY_QR_WAIT, SimpleNamespace(paid=True)), 4)
    assert DataKey.MY_RECEIPTS not in s.state.data  # a new payment: the list again


class FakeReceipts:
    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    def payments(self, member_no: str, *, limit: int = 20) -> list[Any]:
        self.asked.append(("list", member_no, str(limit)))
        return ["newest", "older"]

    def payment(self, member_no: str, order_no: str) -> Any:
        self.asked.append(("one", member_no, order_no))
        return SimpleNamespace(order_no=order_no, receipt_url=f"https://r/{order_no}")


class FakeReprinter:
    def __init__(self, state: ReceiptState) -> None:
        self.state = state
        self.printed: list[tuple[str, str, str]] = []

    def reprint_payment(self, payment, *, member_name: str, id_number: str) -> ReceiptState:
        self.printed.append((payment.order_no, member_name, id_number))
        return self.state


def test_a_reprint_reads_the_members_own_order_and_prints_it_with_the_session_holder():
    client, printer = FakeReceipts(), FakeReprinter(ReceiptState.PRINTED)
    h = ReceiptsService(client, printer).handlers()
    assert h["my_receipts"]("M1", HOLDER, {}) == ["newest", "older"]
    done = h["receipt_reprint"]("M1", HOLDER, {"order_no": "O7"})
    assert done == Reprinted("O7", True, "https://r/O7")
    assert client.asked[-1] == ("one", "M1", "O7")
    assert printer.printed == [("O7", "李四", HOLDER.id_number)]
    # The printer could not: the page shows the receipt's page as a QR code instead.
    h = ReceiptsService(client, FakeReprinter(ReceiptState.DEFERRED)).handlers()
    assert h["receipt_reprint"]("M1", HOLDER, {"order_no": "O7"}).printed is False


# -- the loss report without the card --------------------------------------------------------


def test_the_loss_report_without_the_card_only_in_the_id_cards_full_session():
    full = id_session(ID_FULL)
    effects = full.handle(Navigate(Page.CARD_SERVICES), 1)
    assert full.state.page is Page.CARD_SERVICES
    assert effects == []  # no card to ask about
    effects = full.handle(Request(RequestName.REPORT_LOSS_ID), 2)
    assert effects == [Load(RequestName.REPORT_LOSS_ID, {})]
    # The card's own report stays refused without the card in the reader.
    assert full.handle(Request(RequestName.REPORT_LOSS), 3) == []
    # The ID card alone: neither the page nor the request.
    limited = id_session(ID_LIMITED)
    limited.handle(Navigate(Page.CARD_SERVICES), 1)
    assert limited.state.page is Page.MENU
    assert limited.handle(Request(RequestName.REPORT_LOSS_ID), 2) == []
    # The card + PIN: the card's own report (the card is in the reader), unchanged.
    card = card_session()
    assert card.handle(Navigate(Page.CARD_SERVICES), 1) == [Load(DataKey.CARD_STATUS, {})]
    assert card.handle(Request(RequestName.REPORT_LOSS_ID), 2) == []
    assert card.handle(Request(RequestName.REPORT_LOSS), 3) == [Load(RequestName.REPORT_LOSS, {})]


def test_the_loss_handler_names_the_member_only():
    asked: list[str] = []

    class Client:
        def report_member_card_loss(self, member_no: str, *, idempotency_key=None):
            asked.append(member_no)
            return SimpleNamespace(status="lost", when=dt.date(2026, 6, 20))

    h = loss_handlers(Client())
    assert h["report_loss_id"]("M9", HOLDER, {}).status == "lost"
    assert asked == ["M9"]
