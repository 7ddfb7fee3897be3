"""The session's transfer (转移接续) and medical insurance (医保) pages (issue 17): the state
machine with plain events and a clock the test sets (no back office, no printer)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.domain.idcard import IdCard
from kiosk.domain.transfer import City, StepReached, TransferRequest, TransferRequests, TransferStep
from kiosk.session.intents import DataKey, RequestName
from kiosk.session.machine import (
    CardInserted,
    CardRead,
    ExitPressed,
    FacePassed,
    FacePurpose,
    IdCardPlaced,
    IdSessionOpened,
    Load,
    Loaded,
    LoadFailed,
    Navigate,
    Page,
    PinOk,
    Request,
    Said,
    Session,
    StartFace,
)

HOLDER = CardHolder(
    id_number="110101195803071234",
    name="李四",
    card_number="X00000027",
    card_identifier="110100D15600000500112233445566AA",
    region="110100",
)
T = TimeoutConfig(page=45, pin=40, payment=300, warning=20)
DAY = dt.date(2026, 12, 3)


def requests(*reqs: TransferRequest) -> TransferRequests:
    return TransferRequests(
        member_no="M1",
        as_of=DAY,
        open=next((r for r in reqs if r.open), None),
        requests=reqs,
    )


def submitted(city: City) -> TransferRequest:
    steps = tuple(
        StepReached(step, step.value, step.value, DAY if step is TransferStep.SUBMITTED else None)
        for step in TransferStep
    )
    return TransferRequest(1, city, TransferStep.SUBMITTED, "已受理", "Submitted", DAY, steps)


SHANGHAI = City("310100", "上海市", "Shanghai")


@pytest.fixture
def s() -> Session:
    s = Session(T)
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0.1)
    s.handle(PinOk(initial_pin=False), 0.2)
    assert s.state.page is Page.MENU
    return s


def loads(effects: list) -> dict[str, dict]:
    return {e.key: e.params for e in effects if isinstance(e, Load)}


def test_the_transfer_page_loads_the_requests_and_the_cities(s):
    effects = s.handle(Navigate(Page.TRANSFER), 1)
    assert s.state.page is Page.TRANSFER
    assert set(loads(effects)) == {DataKey.TRANSFER, DataKey.TRANSFER_CITIES}
    s.handle(Loaded(DataKey.TRANSFER, requests()), 1.2)
    assert s.state.data.transfer == requests()
    # A second visit loads nothing again: the answers are the session's until it ends.
    s.handle(Navigate(Page.MENU), 2)
    s.handle(Loaded(DataKey.TRANSFER_CITIES, None), 2.1)  # late: still held (a member page)
    assert loads(s.handle(Navigate(Page.TRANSFER), 3)) == {}


def test_a_request_started_shows_as_the_open_one_at_once(s):
    s.handle(Navigate(Page.TRANSFER), 1)
    s.handle(Loaded(DataKey.TRANSFER, requests()), 1.1)
    effects = s.handle(Request(RequestName.TRANSFER_START, {"from_city": "310100"}), 5)
    assert loads(effects) == {RequestName.TRANSFER_START: {"from_city": "310100"}}
    assert RequestName.TRANSFER_START in s.state.loading
    # The page's timer starts again with the request (45 s from 5 s).
    assert s.state.deadline == 50
    answer = requests(submitted(SHANGHAI))
    s.handle(Loaded(RequestName.TRANSFER_START, answer), 6)
    assert s.state.data.transfer is answer and s.state.data.transfer.open is not None
    assert RequestName.TRANSFER_START not in s.state.loading


def test_a_refused_request_keeps_the_back_offices_words_and_the_requests(s):
    s.handle(Navigate(Page.TRANSFER), 1)
    before = requests(submitted(SHANGHAI))
    s.handle(Loaded(DataKey.TRANSFER, before), 1.1)
    s.handle(Request(RequestName.TRANSFER_START, {"from_city": "440100"}), 2)
    said = Said("您已有一个未办结的转入申请（上海市）", "You already have an open request")
    s.handle(LoadFailed(RequestName.TRANSFER_START, "error.backoffice", said), 3)
    assert s.state.errors[RequestName.TRANSFER_START] == "error.backoffice"
    assert s.state.said[RequestName.TRANSFER_START] is said
    assert s.state.data.transfer is before
    # Asked again: the old refusal is gone while the new one runs.
    s.handle(Request(RequestName.TRANSFER_START, {"from_city": "440100"}), 4)
    assert RequestName.TRANSFER_START not in s.state.errors
    assert RequestName.TRANSFER_START not in s.state.said


def test_the_voucher_previewed_then_printed(s):
    s.handle(Navigate(Page.TRANSFER), 1)
    effects = s.handle(Request(RequestName.VOUCHER_PREVIEW, {"kind": "medical_transfer"}), 2)
    assert loads(effects) == {RequestName.VOUCHER_PREVIEW: {"kind": "medical_transfer"}}
    s.handle(Loaded(RequestName.VOUCHER_PREVIEW, "preview"), 3)
    effects = s.handle(Request(RequestName.VOUCHER_PRINT), 4)
    assert loads(effects) == {RequestName.VOUCHER_PRINT: {}}
    s.handle(LoadFailed(RequestName.VOUCHER_PRINT, "print.error.stopped"), 5)
    assert s.state.errors == {RequestName.VOUCHER_PRINT: "print.error.stopped"}
    assert s.state.data.voucher_preview == "preview"


def test_the_medical_page_loads_the_account_and_the_settlements(s):
    effects = s.handle(Navigate(Page.MEDICAL), 1)
    assert s.state.page is Page.MEDICAL
    assert set(loads(effects)) == {DataKey.MEDICAL_ACCOUNT, DataKey.MEDICAL_SETTLEMENTS}
    s.handle(LoadFailed(DataKey.MEDICAL_SETTLEMENTS, "error.backoffice"), 2)
    assert s.state.errors == {DataKey.MEDICAL_SETTLEMENTS: "error.backoffice"}


def test_everything_goes_with_the_session(s):
    s.handle(Navigate(Page.MEDICAL), 1)
    s.handle(Loaded(DataKey.MEDICAL_ACCOUNT, "account"), 1.1)
    s.handle(Navigate(Page.TRANSFER), 2)
    s.handle(Loaded(DataKey.TRANSFER, requests()), 2.1)
    s.handle(ExitPressed(), 3)
    assert s.state.page is Page.GOODBYE and not s.state.has_personal_data


def test_an_id_card_alone_reaches_them_only_after_the_face_check():
    card = IdCard(
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
    holder = CardHolder(card.id_number, card.name, "", "idcard:1", "110105")
    s = Session(T)
    s.handle(IdCardPlaced(card), 0)
    s.handle(IdSessionOpened(holder, "limited"), 0.5)
    for page in (Page.TRANSFER, Page.MEDICAL):
        assert loads(s.handle(Navigate(page), 1)) == {}
        assert s.state.page is Page.MENU and s.state.pin_message == "idcard.needs_face"
    s.handle(StartFace(FacePurpose.ID_SESSION), 2)
    s.handle(FacePassed(SimpleNamespace(verification_id="v-1")), 3)
    s.handle(IdSessionOpened(holder, "full"), 4)
    assert s.state.page is Page.MENU and s.state.id_scope == "full"
    effects = s.handle(Navigate(Page.MEDICAL), 5)
    assert s.state.page is Page.MEDICAL
    assert set(loads(effects)) == {DataKey.MEDICAL_ACCOUNT, DataKey.MEDICAL_SETTLEMENTS}
