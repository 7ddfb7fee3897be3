"""The session state machine, driven by events and a clock the test sets."""

from __future__ import annotations

import pytest

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.session.machine import (
    CardFailed,
    CardInserted,
    CardProblem,
    CardRead,
    CardRemoved,
    ExitPressed,
    Forget,
    Load,
    Loaded,
    LoadFailed,
    Navigate,
    Page,
    PinBlocked,
    PinChanged,
    PinOk,
    PinSubmitted,
    PinWrong,
    ReadCard,
    Session,
    Tick,
    Touched,
    VerifyPin,
)

HOLDER = CardHolder(
    id_number="110101199003071234",
    name="张三",
    card_number="X00000019",
    card_identifier="110100D15600000500112233445566FF",
    region="110100",
)
T = TimeoutConfig(page=45, pin=40, payment=300, warning=20)


@pytest.fixture
def s() -> Session:
    return Session(T)


def to_menu(s: Session, t: float = 0.0) -> None:
    assert isinstance(s.handle(CardInserted(), t)[0], ReadCard)
    s.handle(CardRead(HOLDER), t + 0.1)
    s.handle(PinOk(initial_pin=False), t + 0.2)
    assert s.state.page is Page.MENU


def test_happy_path_card_pin_menu_history(s):
    assert s.state.page is Page.ATTRACT
    effects = s.handle(CardInserted(), 0)
    assert s.state.page is Page.READING and isinstance(effects[0], ReadCard)
    s.handle(CardRead(HOLDER), 1)
    assert s.state.page is Page.PIN and s.state.holder == HOLDER
    pin = bytearray(b"135790")
    effects = s.handle(PinSubmitted(pin), 2)
    assert [type(e) for e in effects] == [VerifyPin]
    assert "135790" not in repr(effects) and "135790" not in repr(s.state)
    s.handle(PinOk(initial_pin=False), 3)
    assert s.state.page is Page.MENU and s.state.pin_verified
    effects = s.handle(Navigate(Page.HISTORY, {"year": 2024}), 4)
    assert {e.key for e in effects if isinstance(e, Load)} == {"summary", "history"}
    # and the menu's certification reminder, asked for when the menu first showed
    assert s.state.loading == {"summary", "history", "certification"}
    s.handle(Loaded("history", ["rows"]), 5)
    assert s.state.data["history"] == ["rows"] and "history" not in s.state.loading


def test_wrong_pin_counts_down_then_blocked(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0)
    s.handle(PinWrong(tries_left=2), 1)
    assert s.state.page is Page.PIN and s.state.pin_tries_left == 2
    assert s.state.pin_message == "pin.wrong"
    s.handle(PinWrong(tries_left=1), 2)
    assert s.state.pin_tries_left == 1
    effects = s.handle(PinBlocked(), 3)
    assert s.state.page is Page.CARD_PROBLEM and s.state.problem is CardProblem.BLOCKED
    assert s.state.holder is None and any(isinstance(e, Forget) for e in effects)


def test_menu_unreachable_without_pin(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0)
    assert s.handle(Navigate(Page.HISTORY), 1) == []
    assert s.state.page is Page.PIN


def test_initial_pin_must_be_changed_before_paying(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0)
    s.handle(PinOk(initial_pin=True), 1)
    assert s.state.page is Page.CHANGE_PIN
    s.handle(Navigate(Page.MENU), 2)
    s.handle(Navigate(Page.PAY), 3)
    assert s.state.page is Page.CHANGE_PIN and s.state.pin_message == "pin.change_before_pay"
    s.handle(PinChanged(), 4)
    assert s.state.page is Page.MENU and not s.state.initial_pin
    effects = s.handle(Navigate(Page.PAY), 5)
    assert s.state.page is Page.PAY and any(isinstance(e, Load) for e in effects)


def test_card_removed_ends_at_once_and_drops_personal_data(s):
    to_menu(s)
    s.handle(Loaded("summary", {"x": 1}), 1)
    effects = s.handle(CardRemoved(), 2)
    assert s.state.page is Page.GOODBYE and s.state.ended_by == "card_removed"
    assert not s.state.has_personal_data
    assert any(isinstance(e, Forget) for e in effects)
    s.handle(Tick(), 2 + 4.9)
    assert s.state.page is Page.GOODBYE
    s.handle(Tick(), 2 + 5.1)
    assert s.state.page is Page.ATTRACT


def test_exit_waits_for_the_card_to_be_taken(s):
    to_menu(s)
    s.handle(ExitPressed(), 1)
    assert s.state.page is Page.GOODBYE and s.state.card_present
    s.handle(Tick(), 100)
    assert s.state.page is Page.GOODBYE  # the card is still in the reader
    s.handle(CardRemoved(), 101)
    s.handle(Tick(), 107)
    assert s.state.page is Page.ATTRACT


def test_page_timeout_warns_then_ends(s):
    to_menu(s, 0)
    deadline = s.state.deadline
    assert deadline == pytest.approx(0.2 + 45)
    s.handle(Tick(), deadline - 21)
    assert not s.state.warning
    s.handle(Tick(), deadline - 19.9)
    assert s.state.warning and s.seconds_left(deadline - 19.9) == pytest.approx(19.9)
    s.handle(Tick(), deadline + 0.01)
    assert s.state.page is Page.GOODBYE and s.state.ended_by == "timeout"
    assert s.state.holder is None


def test_continue_tap_keeps_the_session(s):
    to_menu(s, 0)
    first = s.state.deadline
    s.handle(Tick(), first - 10)
    assert s.state.warning
    s.handle(Touched(), first - 10)
    assert not s.state.warning and s.state.deadline == pytest.approx(first - 10 + 45)
    s.handle(Tick(), first + 1)
    assert s.state.page is Page.MENU


def test_pages_have_their_own_timeouts(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0)
    assert s.state.deadline == 40  # PIN page
    s.handle(PinOk(initial_pin=False), 0)
    s.handle(Navigate(Page.PAY), 0)
    assert s.state.deadline == 300


def test_card_problem_then_removed_returns_to_attract(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.NOT_GENUINE), 1)
    assert s.state.page is Page.CARD_PROBLEM and s.state.problem is CardProblem.NOT_GENUINE
    s.handle(CardRemoved(), 2)
    s.handle(Tick(), 8)
    assert s.state.page is Page.ATTRACT


def test_late_answers_after_the_end_are_ignored(s):
    to_menu(s)
    s.handle(Navigate(Page.HISTORY), 1)
    s.handle(CardRemoved(), 2)
    s.handle(Loaded("history", ["late"]), 3)
    s.handle(LoadFailed("summary", "error.backoffice"), 3)
    assert not s.state.has_personal_data and s.state.errors == {}


def test_admin_card_goes_to_admin_after_pin(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER, admin=True), 0)
    s.handle(PinOk(initial_pin=False), 1)
    assert s.state.page is Page.ADMIN


def test_change_pin_flow(s):
    from kiosk.session.machine import ChangePin, PinChangeRefused, PinChangeSubmitted

    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0)
    s.handle(PinOk(initial_pin=True), 1)
    effects = s.handle(PinChangeSubmitted(bytearray(b"123456"), bytearray(b"135790")), 2)
    assert [type(e) for e in effects] == [ChangePin]
    assert "135790" not in repr(effects)
    s.handle(PinChangeRefused("pin.same_as_old"), 3)
    assert s.state.page is Page.CHANGE_PIN and s.state.pin_message == "pin.same_as_old"
    s.handle(PinChanged(), 4)
    assert s.state.page is Page.MENU and s.state.pin_message == "pin.changed"


def test_request_runs_like_a_load_and_refreshes_the_timer(s):
    from kiosk.session.machine import Request

    to_menu(s, 0)
    s.handle(Navigate(Page.CARD_SERVICES), 1)
    effects = s.handle(Request("report_loss", {"confirm": True}), 30)
    assert effects == [Load("report_loss", {"confirm": True})]
    assert "report_loss" in s.state.loading and s.state.deadline == 30 + 45


def test_card_pulled_while_paying_keeps_the_page_until_the_outcome_is_shown(s):
    from kiosk.session.machine import PAID_NOTICE_SECONDS, Request

    to_menu(s, 0)
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Loaded("dues", []), 1)
    s.handle(Request("pay_card", {}), 2)
    effects = s.handle(CardRemoved(), 3)
    assert s.state.page is Page.PAY and not s.state.card_present
    assert not any(isinstance(e, Forget) for e in effects)
    s.handle(Loaded("pay_card", "paid"), 4)
    assert s.state.data["pay_card"] == "paid"
    assert s.state.deadline == 4 + PAID_NOTICE_SECONDS
    s.handle(Tick(), 4 + PAID_NOTICE_SECONDS + 0.1)
    assert s.state.page is Page.GOODBYE and not s.state.has_personal_data


def test_pay_requests_carry_the_pin_state(s):
    from kiosk.session.machine import Request

    to_menu(s, 0)
    s.handle(Navigate(Page.PAY), 1)
    effects = s.handle(Request("pay_card", {}), 2)
    assert effects == [Load("pay_card", {"pin_verified": True, "initial_pin": False})]


def test_a_payment_result_makes_the_record_reload(s):
    from kiosk.session.machine import Request

    to_menu(s, 0)
    s.handle(Navigate(Page.HISTORY), 1)
    s.handle(Loaded("history", ["old"]), 1)
    s.handle(Loaded("summary", {"x": 1}), 1)
    s.handle(Navigate(Page.PAY), 2)
    s.handle(Request("pay_card", {}), 3)
    s.handle(Loaded("pay_card", "paid"), 4)
    assert "history" not in s.state.data and "summary" not in s.state.data
    effects = s.handle(Navigate(Page.HISTORY), 5)
    assert {e.key for e in effects if isinstance(e, Load)} == {"summary", "history"}


def test_admin_tools_refused_to_a_member_session(s):
    from kiosk.session.machine import Request

    to_menu(s, 0)
    assert s.handle(Request("admin_reprint", {}), 1) == []
    assert "admin_reprint" not in s.state.loading


def test_a_repeated_removal_does_not_cut_the_payment_outcome_short(s):
    from kiosk.session.machine import PAID_NOTICE_SECONDS, Request

    to_menu(s, 0)
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Request("pay_card", {}), 2)
    s.handle(CardRemoved(), 3)
    s.handle(Loaded("pay_card", "paid"), 4)
    s.handle(CardRemoved(), 4.5)
    assert s.state.page is Page.PAY and s.state.data["pay_card"] == "paid"
    s.handle(Tick(), 4 + PAID_NOTICE_SECONDS + 0.1)
    assert s.state.page is Page.GOODBYE


def test_removal_just_after_the_outcome_still_shows_it(s):
    from kiosk.session.machine import Request

    to_menu(s, 0)
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Request("pay_card", {}), 2)
    s.handle(Loaded("pay_card", "not charged: card removed"), 3)
    s.handle(CardRemoved(), 3.2)  # the reader's event arrives after the service noticed
    assert s.state.page is Page.PAY
    # ...but long after an outcome, a removal ends the session at once, as anywhere.
    s2 = Session(T)
    to_menu(s2, 0)
    s2.handle(Navigate(Page.PAY), 1)
    s2.handle(Request("pay_card", {}), 2)
    s2.handle(Loaded("pay_card", "paid"), 3)
    s2.handle(CardRemoved(), 30)
    assert s2.state.page is Page.GOODBYE
