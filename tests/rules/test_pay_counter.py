"""The pay page's data after the dues rules changed (issue 18): arrears older than the
back-payment window are named as runs of months with "please go to the counter", a member owing
only such arrears is told so (not "nothing due"), and a refused quote shows the back office's
own words (BACK_PAYMENT_TOO_OLD names the month, AVERAGE_WAGE_MISSING the year).

Through the kiosk's core without Kivy: the real session and controller on worker threads, the
member services and the pay flow, the real back office over HTTP on imported members, "today"
fixed. Only the card reader is a stand-in (it hands over the imported member's card).

The window on 2024-12-31 (default back_payment_months = 60): the current month is 2024-12;
60 months (5 years) before it is 2019-12, the oldest month payable here. 2019-11 and older are
counter-only: 2019-01..2019-11 is 11 months.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from backoffice.harness import RunningService
from cardio.ssse import CardInfo
from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder, Money, Period, Scheme
from kiosk.i18n import Translator
from kiosk.payments.client import PaymentClient
from kiosk.payments.flow import CounterOnly, MonthRun, PayFlow, counter_only, month_runs, payable
from kiosk.payments.journal import Journal
from kiosk.payments.service import PaymentService, PaymentSettings
from kiosk.ports import CardReading, PinResult
from kiosk.session.controller import Controller
from kiosk.session.intents import RequestName
from kiosk.session.machine import (
    CardInserted,
    Loaded,
    LoadFailed,
    Navigate,
    Page,
    PinSubmitted,
    Request,
    Session,
    SessionState,
)
from kiosk.session.services import MemberServices
from tests.helpers.backoffice import client_for
from tests.helpers.builders import card_for, enrolment, flexible_months, imported, member

YEAR_END = dt.date(2024, 12, 31)
MIXED = "11010000000901"  # 2019-01..2019-12 in arrears, 2024-12 unpaid
OLD_ONLY = "11010000000902"  # 2017-03..05 and 2019-01..11 in arrears, nothing else due
BASE = "3000.00"  # the base the arrears were assessed at: 20% = 600.00 a month


def p(text: str) -> Period:
    return Period.parse(text)


# --- runs of months (no back office) ----------------------------------------------------------


def test_months_collapse_into_runs_of_consecutive_months() -> None:
    months = [p("2019-03"), p("2017-05"), p("2017-03"), p("2017-04"), p("2019-01"), p("2019-02")]
    # 2017-03, 04, 05 follow one another; 2019-01, 02, 03 too; the year turns inside a run.
    assert month_runs(months) == (
        MonthRun(p("2017-03"), p("2017-05"), 3),
        MonthRun(p("2019-01"), p("2019-03"), 3),
    )
    assert month_runs([p("2018-12"), p("2019-01"), p("2019-01")]) == (
        MonthRun(p("2018-12"), p("2019-01"), 2),
    )
    assert month_runs([]) == ()


def test_the_counter_sentence_in_both_languages() -> None:
    one = CounterOnly(Scheme.PENSION, (MonthRun(p("2019-11"), p("2019-11"), 1),))
    zh, en = Translator(language="zh"), Translator(language="en")
    assert one.text(zh) == "养老保险：2019-11 共 1 个月已超过补缴期限，请到柜台办理"
    assert one.text(en) == (
        "Pension: 2019-11 is beyond the back-payment period; please go to the counter"
    )


# --- the kiosk's core on the real back office -------------------------------------------------


@dataclass
class FakeReader:
    """The card reader's port: hands over the member's card, checked with the back office as
    the card adapter does; the PIN is always right and not the initial one."""

    services: MemberServices
    member_no: str

    def _info(self) -> CardInfo:
        card = card_for(self.member_no)
        return CardInfo(
            spec_version="3.00",
            algorithm="03",
            card_identifier=card["card_identifier"],
            region="110100",
            card_type="1",
            issuer="0" * 24,
            issue_date=dt.date(2020, 1, 1),
            expiry_date=dt.date(2030, 1, 1),
            card_number=card["card_number"],
            id_number="11010119800101001X",
            name="张三",
            sex="1",
            ethnicity=1,
            birthplace="110101",
            birth_date=dt.date(1980, 1, 1),
            genuine=True,
        )

    def watch(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        pass

    def read(self) -> CardReading:
        info = self._info()
        check = self.services.check_card(info)
        assert check.problem is None, check
        holder = CardHolder(
            info.id_number, info.name, info.card_number, info.card_identifier, info.region
        )
        return CardReading(holder, admin=False, pinpad=False)

    def verify_pin(self, digits: bytearray | None) -> PinResult:
        return PinResult(ok=True)

    def change_pin(self, old: bytearray, new: bytearray) -> None:
        pass

    def forget(self) -> None:
        pass


def wait_for(pred: Callable[[], bool], timeout: float = 15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


class RecordingController(Controller):
    """The controller, with the answers kiosk_core's listener records (event key, state after)."""

    answers: list[tuple[str, SessionState]]


@contextmanager
def kiosk_core(svc: RunningService, member_no: str, journal: Path) -> Iterator[RecordingController]:
    """The kiosk's core for one member, at the pay page with its dues loaded (or refused)."""
    with client_for(svc) as bo:
        service = PaymentService(
            PaymentClient(bo, backoff=0.0),
            Journal(journal),
            PaymentSettings(terminal_id=svc.terminal_id, hall_name="测试大厅", account_debit=True),
        )
        services = MemberServices(bo, paying=PayFlow(service, card_present=lambda: True))
        c = RecordingController(
            Session(TimeoutConfig()), FakeReader(services, member_no), services, tick_interval=0.1
        )
        answers: list[tuple[str, SessionState]] = []
        c.answers = answers
        c.listen(
            lambda event, _before, after: (
                answers.append((event.key, after))
                if isinstance(event, Loaded | LoadFailed)
                else None
            )
        )
        c.start()
        try:
            c.post(CardInserted())
            assert wait_for(lambda: c.session.state.page is Page.PIN)
            c.post(PinSubmitted(bytearray(b"135790")))
            assert wait_for(lambda: c.session.state.page is Page.MENU)
            c.post(Navigate(Page.PAY))
            assert wait_for(lambda: answered(c.session.state, "dues"))
            yield c
        finally:
            c.stop()
            service.journal.close()


def answered(s: SessionState, key: str) -> bool:
    return key not in s.loading and (key in s.data or key in s.errors)


def ask(c: RecordingController, key: RequestName, params: dict[str, object]) -> SessionState:
    """A request from the pay page, run on the controller's worker threads; the state once
    its answer (Loaded or LoadFailed) has been applied (kiosk_core's listener records them)."""
    answers = c.answers
    seen = len(answers)
    c.post(Request(key, params))
    assert wait_for(lambda: any(k == key for k, _ in answers[seen:]))
    return next(s for k, s in answers[seen:] if k == key)


@pytest.fixture(scope="module")
def year_end() -> Iterator[RunningService]:
    members = [
        member(
            MIXED,
            enrolments=[enrolment("pension", "2019-01")],
            contributions=flexible_months("2019-01", "2019-12", BASE, status="arrears")
            + flexible_months("2020-01", "2024-11", BASE),
            card=True,
        ),
        member(
            OLD_ONLY,
            enrolments=[enrolment("pension", "2017-01")],
            contributions=flexible_months("2017-01", "2017-02", BASE)
            + flexible_months("2017-03", "2017-05", BASE, status="arrears")
            + flexible_months("2017-06", "2018-12", BASE)
            + flexible_months("2019-01", "2019-11", BASE, status="arrears")
            + flexible_months("2019-12", "2024-12", BASE),
            card=True,
        ),
    ]
    with imported(members, today=YEAR_END) as svc:
        yield svc


def test_payable_months_and_the_counter_line_under_them(
    year_end: RunningService, tmp_path: Path
) -> None:
    with kiosk_core(year_end, MIXED, tmp_path / "journal.sqlite3") as c:
        dues = c.session.state.data.dues
        assert dues is not None
    [due] = payable(dues)
    # Payable here: 2019-12 (the window's oldest month, 补缴) and 2024-12 (this year's).
    assert due.scheme is Scheme.PENSION and due.periods == (p("2019-12"), p("2024-12"))
    # 2019-01..2019-11: one run of 11 months, older than the window.
    [old] = counter_only(dues)
    assert old.runs == (MonthRun(p("2019-01"), p("2019-11"), 11),) and old.months == 11
    assert old.text(Translator(language="zh")) == (
        "养老保险：2019-01 至 2019-11 共 11 个月已超过补缴期限，请到柜台办理"
    )
    assert old.text(Translator(language="en")) == (
        "Pension: 2019-01 to 2019-11, 11 months in all, are beyond the back-payment period;"
        " please go to the counter"
    )


def test_only_arrears_beyond_the_window_the_page_says_so_not_nothing_due(
    year_end: RunningService, tmp_path: Path
) -> None:
    # The back office answers the due with no lines and its counter_only months.
    with client_for(year_end) as bo:
        [raw] = bo.dues(OLD_ONLY)
    assert raw.lines == () and raw.periods == () and raw.total == Money.zero()
    assert raw.counter_only[0] == p("2017-03") and len(raw.counter_only) == 3 + 11
    with kiosk_core(year_end, OLD_ONLY, tmp_path / "journal.sqlite3") as c:
        dues = c.session.state.data.dues
        assert dues is not None
        assert payable(dues) == []  # no button: nothing can be paid here
        [old] = counter_only(dues)
        # 2017-03..05 (3 months) and 2019-01..11 (11): 14 months in two runs
        assert old.text(Translator(language="zh")) == (
            "养老保险：2017-03 至 2017-05、2019-01 至 2019-11 共 14 个月已超过补缴期限，请到柜台办理"
        )
        assert old.text(Translator(language="en")) == (
            "Pension: 2017-03 to 2017-05, 2019-01 to 2019-11, 14 months in all, are beyond the"
            " back-payment period; please go to the counter"
        )
        # Asking to pay anyway (every month due): the back office sends them to the counter,
        # naming the oldest month, and the member reads those words.
        s = ask(c, RequestName.PAY_QUOTE, {"scheme": "pension"})
    assert "pay_quote" not in s.data
    assert s.errors["pay_quote"] == "payments.choice_refused"
    said = s.said["pay_quote"]
    assert said.in_language("zh") == "2017-03 超过补缴期限，请到柜台办理"
    assert said.in_language("en") == (
        "2017-03 is beyond the back-payment period; please go to the counter"
    )


def test_a_month_that_left_the_window_is_refused_with_the_back_offices_words(
    year_end: RunningService, tmp_path: Path
) -> None:
    with kiosk_core(year_end, MIXED, tmp_path / "journal.sqlite3") as c:
        # A page that still offers 2019-11 (its dues were loaded before the window moved on).
        s = ask(c, RequestName.PAY_QUOTE, {"scheme": "pension", "periods": ["2019-11", "2019-12"]})
        assert s.errors["pay_quote"] == "payments.choice_refused"
        assert s.said["pay_quote"].in_language("zh") == "2019-11 超过补缴期限，请到柜台办理"
        # The oldest payable month alone: 3,000.00 x 20% = 600.00; due 2019-12-15, to
        # 2024-12-15 5 x 365 + 2 leap days (2020-02-29, 2024-02-29) = 1,827 days, + 16 (Dec
        # 16-31) = 1,843; 600.00 x 0.0005 x 1,843 = 552.90; total 1,152.90.
        s = ask(c, RequestName.PAY_QUOTE, {"scheme": "pension", "periods": ["2019-12"]})
        assert "pay_quote" not in s.errors and "pay_quote" not in s.said  # the refusal is gone
        shown = s.data.pay_quote
        assert shown is not None
        q = shown.quote
        # The member changes the choice back to the refused months: the refusal again, and the
        # earlier quote can no longer be paid (nothing is charged).
        s = ask(c, RequestName.PAY_QUOTE, {"scheme": "pension", "periods": ["2019-11", "2019-12"]})
        assert s.said["pay_quote"].in_language("en") == (
            "2019-11 is beyond the back-payment period; please go to the counter"
        )
        s = ask(c, RequestName.PAY_CARD, {})
        assert s.errors["pay_card"] == "payments.nothing_due" and "pay_card" not in s.data
    assert [str(x.period) for x in q.lines] == ["2019-12"]
    assert q.lines[0].amount == Money.of("600.00") and q.lines[0].late_fee == Money.of("552.90")
    assert q.total == Money.of("1152.90")


# --- 2027-03-01: no average wage for 2026 in the policy ---------------------------------------

NO_WAGE = "11010000000903"


def test_no_average_wage_the_page_shows_the_back_offices_words(tmp_path: Path) -> None:
    members = [
        member(
            NO_WAGE,
            enrolments=[enrolment("pension", "2026-01")],
            contributions=flexible_months("2026-01", "2027-02", "6205.50"),
            card=True,
        )
    ]
    # 2027's base limits need 2026's average wage: default.toml names none (neither in
    # [average_wage] nor in [average_wage_fallback]), so dues and quotes are refused.
    with (
        imported(members, today=dt.date(2027, 3, 1)) as svc,
        kiosk_core(svc, NO_WAGE, tmp_path / "journal.sqlite3") as c,
    ):
        s = c.session.state
        assert "dues" not in s.data and s.errors["dues"] == "error.backoffice"
        dues_words = s.said["dues"]
        s = ask(c, RequestName.PAY_QUOTE, {"scheme": "pension", "periods": ["2027-03"]})
    quote_words = s.said["pay_quote"]
    for said in (dues_words, quote_words):
        assert said.in_language("zh") == (
            "缺少2026年社会平均工资，暂无法核定缴费基数，请到柜台办理"
        )
        assert said.in_language("en") == (
            "The average wage of 2026 is not configured, so the contribution base cannot be"
            " set; please go to the counter"
        )
    assert s.errors["pay_quote"] == "payments.choice_refused"
