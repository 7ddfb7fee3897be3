"""ID-card entry in the session machine (issue 20): the ID card opens a limited session, the
limited menu refuses records, the face widens it, taking the card away or the timer ends it
and wipes the data, card payment is not offered."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kiosk.audit import AuditLog, month_files
from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.domain.idcard import IdCard
from kiosk.session.auditor import SessionAuditor
from kiosk.session.controller import Controller
from kiosk.session.idcard_entry import ID_CARD_KEY, IdEntered
from kiosk.session.intents import RequestName
from kiosk.session.machine import (
    CardInserted,
    CardProblem,
    CheckFace,
    ExitPressed,
    FaceFailed,
    FacePassed,
    FacePurpose,
    Forget,
    IdCardFailed,
    IdCardPlaced,
    IdCardRemoved,
    IdSessionOpened,
    Load,
    Loaded,
    Navigate,
    OpenIdSession,
    Page,
    Request,
    Session,
    StartFace,
    Tick,
    UpgradeIdSession,
)
from tests.helpers.fakes import FakeCard, SlowData, wait_for

T = TimeoutConfig(page=45, pin=40, payment=300, warning=20)
# GB 11643's check character of 11010519491231002: the digits times 7 9 10 5 8 4 2 1 6 3 7 9 10
# 5 8 4 2 are 7 9 0 5 0 20 2 9 24 27 7 18 30 5 0 0 4, sum 167; 167 mod 11 = 2; "10X98765432"[2]
# is "X".
CARD = IdCard(
    name="张三",
    sex="1",
    nation="01",
    birth_date=dt.date(1949, 12, 31),
    address="北京市东城区示例胡同1号",
    id_number="11010519491231002X",
    authority="北京市公安局东城分局",
    valid_from=dt.date(2010, 1, 1),
    valid_to=None,
)
HOLDER = CardHolder(
    id_number=CARD.id_number,
    name=CARD.name,
    card_number="",
    card_identifier=ID_CARD_KEY,
    region="110105",
)


class Proof:
    """What the face verifier hands over (FaceVerified): only its verification_id matters."""

    verification_id = "v-1"


@pytest.fixture
def s() -> Session:
    return Session(T)


def to_limited_menu(s: Session, t: float = 0.0) -> None:
    effects = s.handle(IdCardPlaced(CARD), t)
    assert s.state.page is Page.READING and s.state.id_entry
    assert isinstance(effects[0], OpenIdSession)
    assert effects[0].card is CARD
    s.handle(IdSessionOpened(HOLDER, "limited"), t + 0.5)
    assert s.state.page is Page.MENU and s.state.id_scope == "limited"


def test_an_id_card_opens_a_limited_session_without_a_pin(s):
    to_limited_menu(s)
    assert not s.state.pin_verified and s.state.signed_in
    assert s.state.holder == HOLDER
    # The menu asks for the certification status (a retiree certifies with the ID card too).
    assert "certification" in s.state.loading
    # Paying (dues) and certifying are open: their loads go out.
    effects = s.handle(Navigate(Page.PAY), 1)
    assert s.state.page is Page.PAY
    assert {e.key for e in effects if isinstance(e, Load)} == {"dues"}


@pytest.mark.parametrize(
    "page", [Page.HISTORY, Page.INSURANCE, Page.ACCOUNTS, Page.PRINT, Page.ESTIMATE]
)
def test_records_are_refused_without_a_face_check(s, page):
    to_limited_menu(s)
    effects = s.handle(Navigate(page), 1)
    assert s.state.page is Page.MENU and s.state.pin_message == "idcard.needs_face"
    assert not [e for e in effects if isinstance(e, Load)]


def test_card_pages_and_card_payment_need_the_social_security_card(s):
    to_limited_menu(s)
    # Card services wait for the face (then the loss report without the card, issue 17).
    s.handle(Navigate(Page.CARD_SERVICES), 1)
    assert s.state.page is Page.MENU and s.state.pin_message == "idcard.needs_face"
    s.handle(Navigate(Page.CHANGE_PIN), 1.5)
    assert s.state.page is Page.MENU
    s.handle(Navigate(Page.PAY), 2)
    assert s.handle(Request(RequestName.PAY_CARD), 3) == []
    assert RequestName.PAY_CARD not in s.state.loading
    effects = s.handle(Request(RequestName.PAY_QR_START), 4)
    assert [e.key for e in effects if isinstance(e, Load)] == ["pay_qr_start"]
    assert effects[0].params["pin_verified"] is False


def test_the_face_widens_the_session_to_records(s):
    to_limited_menu(s)
    effects = s.handle(StartFace(FacePurpose.ID_SESSION), 1)
    assert s.state.page is Page.FACE
    check = next(e for e in effects if isinstance(e, CheckFace))
    assert check.id_number == CARD.id_number and check.purpose is FacePurpose.ID_SESSION
    effects = s.handle(FacePassed(Proof()), 5)
    assert s.state.page is Page.FACE and s.state.face.step == "checking"
    assert [e for e in effects if isinstance(e, UpgradeIdSession)] == [UpgradeIdSession("v-1")]
    s.handle(IdSessionOpened(HOLDER, "full"), 6)
    assert s.state.page is Page.MENU and s.state.id_scope == "full"
    assert s.state.pin_message == "idcard.full_now"
    effects = s.handle(Navigate(Page.HISTORY), 7)
    assert s.state.page is Page.HISTORY
    assert {e.key for e in effects if isinstance(e, Load)} >= {"history"}
    # Still no card's pages (no PIN to change); card services for the loss report without
    # the card (issue 17), asking the back office nothing about a card it cannot read.
    s.handle(Navigate(Page.MENU), 7.5)
    s.handle(Navigate(Page.CHANGE_PIN), 8)
    assert s.state.page is Page.MENU
    effects = s.handle(Navigate(Page.CARD_SERVICES), 9)
    assert s.state.page is Page.CARD_SERVICES and not effects


def test_a_refused_upgrade_leaves_the_session_limited(s):
    to_limited_menu(s)
    s.handle(StartFace(FacePurpose.ID_SESSION), 1)
    s.handle(FacePassed(Proof()), 2)
    s.handle(FaceFailed("idcard.upgrade_refused", final=True), 3)
    assert s.state.page is Page.FACE and s.state.face.reason == "idcard.upgrade_refused"
    assert s.state.id_scope == "limited"


def test_a_face_check_for_the_session_only_from_a_limited_menu(s):
    assert s.handle(StartFace(FacePurpose.ID_SESSION), 0) == []  # nobody in
    assert s.state.page is Page.ATTRACT


def test_taking_the_id_card_away_ends_the_session_and_wipes_the_data(s):
    to_limited_menu(s)
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Loaded("dues", ["a due"]), 2)
    assert s.state.has_personal_data
    effects = s.handle(IdCardRemoved(), 3)
    assert s.state.page is Page.GOODBYE and s.state.ended_by == "card_removed"
    assert not s.state.has_personal_data and s.state.id_scope is None
    assert any(isinstance(e, Forget) for e in effects)
    s.handle(Tick(), 3 + 5.1)
    assert s.state.page is Page.ATTRACT


def test_removal_while_the_qr_payment_runs_lets_it_finish(s):
    to_limited_menu(s)
    s.handle(Navigate(Page.PAY), 1)
    s.handle(Request(RequestName.PAY_QR_WAIT), 2)
    s.handle(IdCardRemoved(), 3)
    assert s.state.page is Page.PAY and not s.state.id_card_present
    assert s.state.deadline == 3 + 20  # PAID_NOTICE_SECONDS: the outcome is told, then the end


def test_timeout_ends_the_session_and_waits_for_the_id_card(s):
    to_limited_menu(s)
    s.handle(Tick(), 0.5 + 45.1)  # the menu opened at 0.5; its timeout is 45 s
    assert s.state.page is Page.GOODBYE and s.state.ended_by == "timeout"
    assert not s.state.has_personal_data
    s.handle(Tick(), 200)
    assert s.state.page is Page.GOODBYE  # "please take your ID card" until it is taken
    s.handle(IdCardRemoved(), 201)
    s.handle(Tick(), 206.1)
    assert s.state.page is Page.ATTRACT


def test_exit_waits_for_the_id_card_then_the_same_card_again_starts_afresh(s):
    to_limited_menu(s)
    s.handle(ExitPressed(), 1)
    assert s.state.page is Page.GOODBYE and s.state.goodbye_until is None
    assert s.handle(IdCardPlaced(CARD), 2) == []  # nothing new while it is said goodbye to
    s.handle(IdCardRemoved(), 3)
    s.handle(Tick(), 8.1)
    assert s.state.page is Page.ATTRACT
    to_limited_menu(s, 10)


@pytest.mark.parametrize(
    "problem", [CardProblem.ID_UNKNOWN, CardProblem.ID_NAME_MISMATCH, CardProblem.ID_EXPIRED]
)
def test_a_refused_id_card_shows_its_problem_until_taken_away(s, problem):
    s.handle(IdCardPlaced(CARD), 0)
    effects = s.handle(IdCardFailed(problem), 1)
    assert s.state.page is Page.CARD_PROBLEM and s.state.problem is problem
    assert any(isinstance(e, Forget) for e in effects) and s.state.holder is None
    s.handle(IdCardRemoved(), 2)
    assert s.state.page is Page.GOODBYE


def test_an_invalid_id_card_on_the_attract_page(s):
    s.handle(IdCardFailed(CardProblem.ID_INVALID), 0)
    assert s.state.page is Page.CARD_PROBLEM and s.state.problem is CardProblem.ID_INVALID
    s.handle(IdCardRemoved(), 1)
    assert s.state.page is Page.GOODBYE


def test_the_social_security_card_first_keeps_its_session(s):
    s.handle(CardInserted(), 0)
    assert s.handle(IdCardPlaced(CARD), 1) == []
    assert s.state.page is Page.READING and not s.state.id_entry
    s.handle(IdCardRemoved(), 2)  # not the session's card: nothing ends
    assert s.state.page is Page.READING


def test_a_late_id_session_after_the_card_went_away_is_dropped(s):
    s.handle(IdCardPlaced(CARD), 0)
    s.handle(IdCardRemoved(), 0.5)
    assert s.state.page is Page.GOODBYE
    s.handle(IdSessionOpened(HOLDER, "limited"), 1)
    assert s.state.page is Page.GOODBYE and s.state.holder is None


class FakeEntry:
    """kiosk.session.idcard_entry.IdCardEntry without reader or back office: the test is the
    member's hand (placed / removed) and the back office's answer (limited)."""

    def __init__(self) -> None:
        self.forgot = 0
        self.opened: list[IdCard] = []

    def watch(self, on_placed, on_removed, on_failed) -> None:
        self.placed, self.removed, self.failed = on_placed, on_removed, on_failed

    def open(self, card: IdCard) -> IdEntered:
        self.opened.append(card)
        return IdEntered(HOLDER, "limited")

    def forget(self) -> None:
        self.forgot += 1

    def stop(self) -> None:
        pass


def test_the_controller_runs_an_id_session_and_the_audit_log_keeps_its_trail(tmp_path):
    entry = FakeEntry()
    c = Controller(Session(T), FakeCard(), SlowData(), tick_interval=0.05, id_entry=entry)
    folder, key_file = tmp_path / "audit", tmp_path / "audit.key"
    c.listen(SessionAuditor(AuditLog(folder, terminal_id="KIOSK-0001", key_file=key_file)))
    page = lambda: c.session.state.page.value  # noqa: E731
    c.start()
    try:
        entry.placed(CARD)
        assert wait_for(lambda: page() == "menu")
        assert entry.opened == [CARD] and c.session.state.id_scope == "limited"
        entry.removed()
        assert wait_for(lambda: page() == "goodbye")
        assert wait_for(lambda: entry.forgot >= 1)  # the Forget effect: the token closed
        assert not c.session.state.has_personal_data
    finally:
        c.stop()
    (path,) = month_files(folder)
    text = path.read_text()
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in events] == ["session.start", "idcard.accepted", "session.end"]
    assert events[1]["id_number"] == "110***********002X" and events[1]["scope"] == "limited"
    assert events[2]["ended_by"] == "card_removed"
    assert CARD.id_number not in text and CARD.name not in text


def test_a_retiree_certifies_with_the_id_card(s):
    to_limited_menu(s)
    effects = s.handle(Navigate(Page.CERTIFY), 1)
    assert s.state.page is Page.CERTIFY
    assert "certification" in s.state.loading or any(isinstance(e, Load) for e in effects)
    effects = s.handle(StartFace(FacePurpose.CERTIFICATION), 2)
    assert s.state.page is Page.FACE
    check = next(e for e in effects if isinstance(e, CheckFace))
    assert check.id_number == CARD.id_number and check.purpose is FacePurpose.CERTIFICATION
    effects = s.handle(FacePassed(Proof()), 5)
    assert s.state.page is Page.CERTIFY
    certify = next(e for e in effects if isinstance(e, Load))
    assert certify.key == "certify" and certify.params["verification_id"] == "v-1"
    assert s.state.id_scope == "limited"  # certifying widens nothing
