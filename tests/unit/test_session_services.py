"""The services page (更多服务, issue 17): who reaches it. The state machine with plain events
and a clock the test sets."""

from __future__ import annotations

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.session.machine import (
    ID_FULL,
    ID_LIMITED,
    CardInserted,
    CardRead,
    IdSessionOpened,
    Navigate,
    Page,
    PinOk,
    Session,
    SessionState,
)

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
    assert s.state.page is Page.MENU
    return s


def test_card_and_pin_reach_the_services_page_with_nothing_to_load():
    s = card_session()
    effects = s.handle(Navigate(Page.SERVICES), 1)
    assert s.state.page is Page.SERVICES
    assert effects == []
    assert s.state.deadline == 1 + T.page  # a page like the others: its own timer
    s.handle(Navigate(Page.MENU), 2)
    assert s.state.page is Page.MENU


def test_the_id_cards_full_session_reaches_it_the_limited_one_does_not():
    full = id_session(ID_FULL)
    full.handle(Navigate(Page.SERVICES), 1)
    assert full.state.page is Page.SERVICES
    limited = id_session(ID_LIMITED)
    limited.handle(Navigate(Page.SERVICES), 1)
    assert limited.state.page is Page.MENU
    assert limited.state.pin_message == "idcard.needs_face"  # the menu says why
