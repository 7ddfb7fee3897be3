"""Unemployment insurance at the kiosk (issue 17): the session's page and requests (the state
machine with plain events and a clock the test sets), and UnemploymentService with a fake
back office client and a fake A4 printer (a unit test of one class)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.unemployment import (
    Claim,
    ClaimStatus,
    Condition,
    ConditionResult,
    Registration,
    Separation,
    UnemploymentStatus,
)
from kiosk.printing import PrintFailed, PrintService
from kiosk.session.intents import DataKey, RequestName
from kiosk.session.machine import (
    ID_LIMITED,
    CardInserted,
    CardRead,
    ExitPressed,
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
    SessionState,
)
from kiosk.session.unemployment import (
    JOB_WISHES,
    UnemploymentRefused,
    UnemploymentService,
    phone_ok,
)
from printer import errors as pe
from printer.fonts import DEFAULT_FONT_PATH

HOLDER = CardHolder(
    id_number="110101198803071234",
    name="王五",
    card_number="X00000031",
    card_identifier="110100D15600000500112233445566BB",
    region="110100",
)
T = TimeoutConfig(page=45, pin=40, payment=300, warning=20)
DAY = dt.date(2026, 12, 3)
SEPARATION = Separation(
    "某某物流有限公司",
    dt.date(2026, 11, 15),
    "contract_ended",
    "劳动合同期满终止",
    "Contract ended",
    True,
)


def status(*, registered: bool, claimed: bool) -> UnemploymentStatus:
    reasons = (
        ConditionResult(Condition.CONTRIBUTIONS, True, "已缴满12个月", "12 months paid"),
        ConditionResult(Condition.INVOLUNTARY, True, "非本人意愿中断就业", "Not by choice"),
        ConditionResult(Condition.REGISTERED, registered, "失业登记", "Registered"),
    )
    claim = (
        Claim(
            application_id=7,
            status=ClaimStatus.RECEIVING,
            applied_on=DAY,
            first_month=Period(2026, 12),
            months_granted=12,
            months_carried=0,
            months_paid=0,
            months_left=12,
            monthly_amount=Money.of("2142.00"),
            paid_total=Money.of("0.00"),
            payments=(),
            medical_by_fund=True,
            stopped_on=None,
            stop_reason=None,
        )
        if claimed
        else None
    )
    return UnemploymentStatus(
        member_no="M1",
        as_of=DAY,
        separation=SEPARATION,
        contribution_months=40,
        carried_months=0,
        eligible=registered,
        reasons=reasons,
        entitlement_months=12,
        monthly_amount=Money.of("2142.00"),
        apply_by=dt.date(2027, 1, 14),  # the last day 2026-11-15 + 60 days
        within_window=True,
        can_apply=registered and not claimed,
        registration=Registration(DAY, "138****5678", ("仓储物流",)) if registered else None,
        application=claim,
    )


@pytest.fixture
def s() -> Session:
    s = Session(T)
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0.1)
    s.handle(PinOk(initial_pin=False), 0.2)
    return s


def loads(effects: list) -> dict[str, dict]:
    return {str(e.key): e.params for e in effects if isinstance(e, Load)}


def test_the_page_loads_the_standing_and_the_subsidy_once(s):
    effects = s.handle(Navigate(Page.UNEMPLOYMENT), 1)
    assert s.state.page is Page.UNEMPLOYMENT
    assert set(loads(effects)) == {"unemployment", "skill_subsidy"}
    s.handle(Loaded(DataKey.UNEMPLOYMENT, status(registered=False, claimed=False)), 1.5)
    s.handle(Loaded(DataKey.SKILL_SUBSIDY, SimpleNamespace(eligible=False)), 1.6)
    # The registration form is the same page with its view: nothing loaded again.
    effects = s.handle(Navigate(Page.UNEMPLOYMENT, {"view": "register"}), 2)
    assert loads(effects) == {}
    assert s.state.params == {"view": "register"}
    assert s.state.deadline == 2 + T.page


def test_each_answer_is_the_pages_standing_at_once(s):
    s.handle(Navigate(Page.UNEMPLOYMENT), 1)
    s.handle(Loaded(DataKey.UNEMPLOYMENT, status(registered=False, claimed=False)), 1.5)
    effects = s.handle(
        Request(RequestName.UNEMPLOYMENT_REGISTER, {"phone": "13812345678", "wishes": ["office"]}),
        2,
    )
    assert loads(effects) == {
        "unemployment_register": {"phone": "13812345678", "wishes": ["office"]}
    }
    registered = status(registered=True, claimed=False)
    s.handle(Loaded(RequestName.UNEMPLOYMENT_REGISTER, registered), 3)
    assert s.state.data.unemployment is registered
    s.handle(Request(RequestName.UNEMPLOYMENT_APPLY), 4)
    claimed = status(registered=True, claimed=True)
    s.handle(Loaded(RequestName.UNEMPLOYMENT_APPLY, claimed), 5)
    assert s.state.data.unemployment is claimed
    assert "unemployment_apply" not in s.state.loading


def test_a_refused_claim_keeps_the_back_offices_words_and_the_standing(s):
    s.handle(Navigate(Page.UNEMPLOYMENT), 1)
    before = status(registered=True, claimed=False)
    s.handle(Loaded(DataKey.UNEMPLOYMENT, before), 1.5)
    s.handle(Request(RequestName.UNEMPLOYMENT_APPLY), 2)
    words = Said("已超过申领期限", "The claim window has closed")
    s.handle(LoadFailed(RequestName.UNEMPLOYMENT_APPLY, "error.rejected", words), 3)
    assert s.state.errors["unemployment_apply"] == "error.rejected"
    assert s.state.said["unemployment_apply"] == words
    assert s.state.data.unemployment is before
    # Asked again, the old refusal goes while the new answer is awaited.
    s.handle(Request(RequestName.UNEMPLOYMENT_APPLY), 4)
    assert "unemployment_apply" not in s.state.errors


def test_everything_goes_with_the_session(s):
    s.handle(Navigate(Page.UNEMPLOYMENT), 1)
    s.handle(Loaded(DataKey.UNEMPLOYMENT, status(registered=True, claimed=True)), 1.5)
    s.handle(ExitPressed(), 2)
    assert s.state.data.unemployment is None
    assert not s.state.has_personal_data


def test_the_id_cards_limited_session_does_not_reach_it():
    s = Session(T)
    s.state = SessionState(page=Page.READING, id_entry=True, id_card_present=True)
    s.handle(IdSessionOpened(HOLDER, ID_LIMITED), 0.1)
    effects = s.handle(Navigate(Page.UNEMPLOYMENT), 1)
    assert s.state.page is Page.MENU
    assert loads(effects) == {}


# --- the service ------------------------------------------------------------------------


class FakeClient:
    def __init__(self, answer: UnemploymentStatus) -> None:
        self.answer = answer
        self.calls: list[tuple] = []

    def unemployment(self, member_no):
        self.calls.append(("status", member_no))
        return self.answer

    def register_unemployed(self, member_no, phone, job_wishes, *, idempotency_key=None):
        self.calls.append(("register", member_no, phone, list(job_wishes)))
        return self.answer

    def apply_unemployment(self, member_no, *, idempotency_key=None):
        self.calls.append(("apply", member_no, idempotency_key))
        return self.answer

    def stop_unemployment(self, member_no, *, on=None, idempotency_key=None):
        self.calls.append(("stop", member_no, idempotency_key))
        return self.answer

    def skill_subsidy(self, member_no):
        raise NotImplementedError

    def apply_skill_subsidy(self, member_no, certificate_no, *, idempotency_key=None):
        self.calls.append(("skill", member_no, certificate_no, idempotency_key))
        return self.answer


class FakeA4:
    def __init__(self, fail: Exception | None = None) -> None:
        self.jobs: list[tuple[bytes, str]] = []
        self.fail = fail

    def state(self):
        raise NotImplementedError

    def print_pdf(self, pdf: bytes, title: str):
        if self.fail is not None:
            raise self.fail
        self.jobs.append((pdf, title))
        return SimpleNamespace(job_id=41)


def service(client: FakeClient, a4: FakeA4 | None = None) -> UnemploymentService:
    printing = PrintService(
        client,  # type: ignore[arg-type]  # certificates are not asked for here
        a4 or FakeA4(),
        font_path=DEFAULT_FONT_PATH,
        hall_name="东城社保大厅",
        terminal_id="KIOSK-01",
    )
    return UnemploymentService(client, printing, today=lambda: DAY)


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("13812345678", True),
        ("01087654321", True),  # Beijing's 010 + 8 digits
        ("1381234567", False),  # 10 digits: a mobile has 11
        ("12812345678", False),  # no mobile begins 12
        ("", False),
    ],
)
def test_the_phone_the_keypad_may_submit(digits, ok):
    assert phone_ok(digits) is ok


def test_register_sends_the_wishes_in_chinese_and_refuses_bad_input_unsent():
    client = FakeClient(status(registered=True, claimed=False))
    svc = service(client)
    svc.register("M1", HOLDER, {"phone": "13812345678", "wishes": ["logistics", "office"]})
    assert client.calls == [("register", "M1", "13812345678", ["仓储物流", "办公文员"])]
    for params, why in (
        ({"phone": "138", "wishes": ["office"]}, "unemployment.phone_invalid"),
        ({"phone": "13812345678", "wishes": []}, "unemployment.wishes_needed"),
        ({"phone": "13812345678", "wishes": list(JOB_WISHES)[:6]}, "unemployment.wishes_needed"),
        ({"phone": "13812345678", "wishes": ["astronaut"]}, "unemployment.wishes_needed"),
    ):
        with pytest.raises(UnemploymentRefused) as e:
            svc.register("M1", HOLDER, params)
        assert e.value.message_key == why
    assert len(client.calls) == 1  # nothing more reached the back office


def test_a_second_claim_the_same_day_carries_the_same_key():
    client = FakeClient(status(registered=True, claimed=True))
    svc = service(client)
    svc.apply("M1", HOLDER, {})
    svc.apply("M1", HOLDER, {})
    assert client.calls[0] == client.calls[1] == ("apply", "M1", "unemployment-apply-M1-2026-12-03")


def test_the_acknowledgement_goes_to_the_a4_printer():
    a4 = FakeA4()
    client = FakeClient(status(registered=True, claimed=True))
    done = service(client, a4).print_ack("M1", HOLDER, {})
    assert client.calls == [("status", "M1")]  # built from the claim as it stands now
    assert (done.application_id, done.job_id) == (7, 41)
    assert done.pages == 1
    ((pdf, title),) = a4.jobs
    assert pdf.startswith(b"%PDF")
    assert title == "失业保险金申领回执 7"


def test_no_acknowledgement_without_a_claim_and_a_printer_fault_in_words():
    client = FakeClient(status(registered=True, claimed=False))
    with pytest.raises(UnemploymentRefused) as e:
        service(client).print_ack("M1", HOLDER, {})
    assert e.value.message_key == "unemployment.no_claim"
    a4 = FakeA4(fail=pe.QueueStopped("stopped"))
    client.answer = status(registered=True, claimed=True)
    with pytest.raises(PrintFailed) as f:
        service(client, a4).print_ack("M1", HOLDER, {})
    assert f.value.message_key == "print.error.stopped"
