"""The header's time ring and name (screens/base.py): what it shows for a session state at a
given moment, worked out from config's timeouts (page 45 s, PIN 40 s, payment 300 s, warning
20 s) by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("kivy")

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.session.machine import Page, Session, SessionState
from screens.base import ring_text, shown_name, time_left

TIMEOUTS = TimeoutConfig(page=45, pin=40, payment=300, warning=20)
SESSION = Session(TIMEOUTS)
HOLDER = CardHolder("110101198803071234", "王小五", "X00000031", "C" * 32, "110100")


def _left(state: SessionState, now: float):
    return time_left(state, now, SESSION.page_timeout, float(TIMEOUTS.warning))


def test_a_fresh_page_has_its_whole_time_before_the_warning():
    # opened at t=100: deadline 100 + 45 = 145, warning at 145 - 20 = 125; the ring stands
    # for 45 - 20 = 25 s, all of them left
    s = SessionState(page=Page.HISTORY, deadline=145.0, warn_at=125.0)
    left = _left(s, 100.0)
    assert (left.seconds, left.total, left.urgent) == (25, 25.0, False)
    # 14.2 s later: 125 - 114.2 = 10.8 s, shown as 11 (whole seconds, rounded up)
    assert _left(s, 114.2).seconds == 11
    # at 115.5: 9.5 -> 10 s, the last ten: urgent
    assert _left(s, 115.5).urgent


def test_the_payment_page_counts_its_own_longer_time():
    # 300 s page - 20 s warning = 280 s before the warning, read as 4:40
    s = SessionState(page=Page.PAY, deadline=400.0, warn_at=380.0)
    left = _left(s, 100.0)
    assert (left.seconds, left.total) == (280, 280.0)
    assert ring_text(lambda key, **p: f"{key}:{sorted(p.items())}", 280) == (
        "chrome.minutes:[('m', 4), ('s', '40')]"  # 280 = 4 x 60 + 40
    )
    assert ring_text(lambda key, **p: f"{key}:{p}", 99) == "chrome.seconds:{'n': 99}"


def test_in_the_warning_the_ring_counts_to_the_end_urgently():
    # warning since 125, deadline 145: at 133, 145 - 133 = 12 s of the 20 s warning
    s = SessionState(page=Page.MENU, deadline=145.0, warn_at=125.0, warning=True)
    left = _left(s, 133.0)
    assert (left.seconds, left.total, left.urgent) == (12, 20.0, True)


def test_no_timeout_no_ring():
    assert _left(SessionState(page=Page.ATTRACT), 5.0) is None


def test_the_name_masked_and_only_once_signed_in():
    assert shown_name(SessionState(page=Page.PIN, holder=HOLDER)) == ""  # PIN not yet verified
    assert shown_name(SessionState(page=Page.MENU, holder=HOLDER, pin_verified=True)) == "*小五"
