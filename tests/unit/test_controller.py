"""The controller runs the session's effects on worker threads (fake ports: a unit test)."""

from __future__ import annotations

import threading
import time

from kiosk.config import TimeoutConfig
from kiosk.session.controller import Controller
from kiosk.session.machine import (
    CardInserted,
    CardProblem,
    CardRemoved,
    Navigate,
    Page,
    PinSubmitted,
    Session,
    Touched,
)

# tests/security/test_session_audit.py still imports these from here (issue 13 edits that file
# now); it moves to tests.helpers.fakes with them, then this line goes.
from tests.helpers.fakes import (
    HOLDER,  # noqa: F401
    FakeCard,
    SlowData,
    wait_for,
)


def make(card, data=None):
    c = Controller(Session(TimeoutConfig()), card, data or SlowData(), tick_interval=0.05)
    c.start()
    return c


def test_full_path_and_pin_buffer_wiped():
    card, data = FakeCard(), SlowData()
    c = make(card, data)
    try:
        card.inserted()
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        digits = bytearray(b"135790")
        c.post(PinSubmitted(digits))
        assert wait_for(lambda: c.session.state.page is Page.MENU)
        assert digits == bytearray(6), "the PIN buffer was not wiped after VERIFY"
        c.post(Navigate(Page.ACCOUNTS))
        assert wait_for(lambda: "accounts" in c.session.state.loading)
        data.release.set()
        assert wait_for(lambda: c.session.state.data.get("accounts") == {"key": "accounts"})
    finally:
        c.stop()


def test_wrong_pin_then_blocked_goes_to_problem_page():
    card = FakeCard()
    c = make(card)
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        for _ in range(2):
            c.post(PinSubmitted(bytearray(b"000000")))
        assert wait_for(lambda: c.session.state.pin_tries_left == 1)
        c.post(PinSubmitted(bytearray(b"000000")))
        assert wait_for(lambda: c.session.state.page is Page.CARD_PROBLEM)
        assert c.session.state.problem is CardProblem.BLOCKED
    finally:
        c.stop()


def test_card_problem_from_the_reader():
    c = make(FakeCard(problem=CardProblem.NOT_GENUINE))
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.CARD_PROBLEM)
        assert c.session.state.problem is CardProblem.NOT_GENUINE
    finally:
        c.stop()


def test_answer_arriving_after_the_card_left_is_dropped():
    card, data = FakeCard(), SlowData()
    c = make(card, data)
    states = []
    c.subscribe(states.append)
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        c.post(PinSubmitted(bytearray(b"135790")))
        assert wait_for(lambda: c.session.state.page is Page.MENU)
        c.post(Navigate(Page.HISTORY))
        assert wait_for(lambda: c.session.state.loading)
        c.post(CardRemoved())
        assert wait_for(lambda: c.session.state.page is Page.GOODBYE)
        assert card.forgot.wait(2)
        data.release.set()
        time.sleep(0.3)
        assert not c.session.state.has_personal_data
        assert states and states[-1].page in (Page.GOODBYE, Page.ATTRACT)
    finally:
        c.stop()


def test_timeout_fires_from_the_ticker():
    now = [0.0]
    c = Controller(
        Session(TimeoutConfig()), FakeCard(), SlowData(), clock=lambda: now[0], tick_interval=0.02
    )
    c.start()
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        now[0] = 41.0
        assert wait_for(lambda: c.session.state.page is Page.GOODBYE)
        assert c.session.state.ended_by == "timeout"
    finally:
        c.stop()


class WarmData(SlowData):
    def __init__(self, fail=False):
        super().__init__()
        self.fail = fail
        self.warmed_on: list[str] = []

    def warm_up(self):
        self.warmed_on.append(threading.current_thread().name)
        if self.fail:
            raise OSError("font file gone")


def test_warm_up_runs_on_the_io_pool_and_a_failure_is_only_logged(caplog):
    data = WarmData()
    c = make(FakeCard(), data)
    try:
        c.warm_up()
        assert wait_for(lambda: data.warmed_on)
        assert data.warmed_on[0].startswith("backoffice"), data.warmed_on
    finally:
        c.stop()
    failing = WarmData(fail=True)
    c = make(FakeCard(), failing)
    try:
        c.warm_up()
        assert wait_for(lambda: "warm-up failed: font file gone" in caplog.text)
        c.post(CardInserted())  # the kiosk goes on serving members
        assert wait_for(lambda: c.session.state.page is Page.PIN)
    finally:
        c.stop()


def test_warm_up_without_a_warm_up_method_does_nothing():
    c = make(FakeCard(), SlowData())
    try:
        c.warm_up()  # SlowData has no warm_up: no error, nothing submitted
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.PIN)
    finally:
        c.stop()


class PriorityProbe:
    """Data whose load notes the CPU priority it ran at, and that of a program it starts."""

    def __init__(self):
        self.seen: dict[str, int] = {}

    def load(self, key, holder, params):
        import os
        import subprocess

        self.seen["thread"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        self.seen["child"] = int(subprocess.run(["nice"], capture_output=True, text=True).stdout)
        return {"key": key}


def test_io_work_and_its_programs_yield_the_cpu_to_the_screen():
    import os

    from kiosk.session.controller import BACKGROUND_NICE

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    card, data = FakeCard(), PriorityProbe()
    c = make(card, data)
    try:
        card.inserted()
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        c.post(PinSubmitted(bytearray(b"135790")))
        assert wait_for(lambda: c.session.state.page is Page.MENU)
        c.post(Navigate(Page.ACCOUNTS))
        assert wait_for(lambda: "accounts" in c.session.state.data)
        mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert data.seen["thread"] == max(mine, BACKGROUND_NICE)
        assert data.seen["child"] == data.seen["thread"]  # pdftoppm & co. inherit it
        assert mine == before  # the calling (UI) thread keeps its priority
    finally:
        c.stop()


class _AccountsWait(SlowData):  # what the menu loads comes at once; the accounts wait
    def load(self, key, holder, params):
        return super().load(key, holder, params) if key == "accounts" else {"key": key}


def _on_the_menu_with_slow_accounts():
    """A started controller with the member signed in on the menu, nothing in flight, no ticks;
    the accounts (its data) wait for `data.release`."""
    card, data = FakeCard(), _AccountsWait()
    c = Controller(Session(TimeoutConfig()), card, data, tick_interval=60)  # no ticks meanwhile
    c.start()
    card.inserted()
    assert wait_for(lambda: c.session.state.page is Page.PIN and not c.busy)
    c.post(PinSubmitted(bytearray(b"135790")))
    assert wait_for(lambda: c.session.state.page is Page.MENU and not c.busy)
    return c, data


def test_busy_from_the_members_request_until_its_answer_goes_out():
    """The UI holds its frames while the core is busy with a member's request (screens/wake.py):
    busy from the post, through the back office call, with no gap between the call and its
    answer, and no longer busy when the answer's state is published."""

    c, data = _on_the_menu_with_slow_accounts()
    seen: list[tuple[bool, bool]] = []  # (the state has the answer, busy) as each state went out
    c.subscribe(lambda s: seen.append(("accounts" in s.data, c.busy)))
    try:
        c.post(Navigate(Page.ACCOUNTS))
        assert c.busy  # from the post on
        assert wait_for(lambda: "accounts" in c.session.state.loading)
        time.sleep(0.05)
        assert c.busy  # the back office call is still running
        data.release.set()
        assert wait_for(lambda: "accounts" in c.session.state.data)
        assert wait_for(lambda: not c.busy)
        assert seen[-1] == (True, False)  # the answer went out with nothing left in flight
        assert all(busy for has_answer, busy in seen if not has_answer)  # loading: busy
    finally:
        c.stop()


def test_each_posted_event_is_numbered_and_a_state_says_which_it_reflects():
    """The UI holds its frames from a member's request until the state that answers it
    (screens/wake.py answers): a touch's keep-alive, posted just before the request, is
    published first and must not pass for the answer. Each post_numbered returns the event's number;
    `handled` is the number of the last posted event taken, read as each state goes out."""

    c, data = _on_the_menu_with_slow_accounts()
    seen: list[tuple[int, Page, bool]] = []  # (handled, page, the answer in it) per state out
    c.subscribe(lambda s: seen.append((c.handled, s.page, "accounts" in s.data)))
    try:
        touched = c.post_numbered(Touched())
        asked = c.post_numbered(Navigate(Page.ACCOUNTS))
        assert asked == touched + 1  # numbered in the order posted
        assert wait_for(lambda: "accounts" in c.session.state.loading)
        data.release.set()
        assert wait_for(lambda: "accounts" in c.session.state.data and not c.busy)
        # the touch's state (if it changed anything) came out under its own number, the
        # accounts page's loading look under the request's, its data after it
        assert all(n <= touched for n, page, _ in seen if page is Page.MENU)
        assert [(page, has) for n, page, has in seen if n == asked] == [(Page.ACCOUNTS, False)]
        assert [page for n, page, has in seen if has] == [Page.ACCOUNTS]
        assert all(n > asked for n, page, has in seen if has)  # the answer: a later event
    finally:
        c.stop()
