"""screens/wake.py: a callback handed over with call_soon starts its frame at once; without
one, the clock still waits for the frame cap. Kivy's clock alone (no window, no SDL)."""

from __future__ import annotations

import threading
import time

import pytest

from screens import wake


@pytest.fixture
def slow_clock():
    """Kivy's clock at 2 frames a second, with the wake installed."""
    from kivy.clock import Clock

    fps, idle = Clock._max_fps, Clock.__dict__.get("idle")
    wake.install()
    Clock._max_fps = 2.0  # a frame every 0.5 s: a wake is unmistakable
    Clock.tick()
    yield Clock
    Clock._max_fps = fps
    if idle is None:
        Clock.__dict__.pop("idle", None)
    else:
        Clock.idle = idle
    wake._wake.installed = False


def test_call_soon_from_another_thread_runs_before_the_frame_cap(slow_clock):
    ran: list[str] = []
    threading.Timer(
        0.05, lambda: wake.call_soon(lambda: ran.append(threading.current_thread().name))
    ).start()
    t0 = time.monotonic()
    slow_clock.tick()  # waits for the next frame, which the call ends early
    waited = time.monotonic() - t0
    assert ran == [threading.main_thread().name]  # run in that tick, on the ticking thread
    assert waited < 0.4  # not the 0.5 s of a frame at 2 fps


def test_without_a_call_the_clock_still_waits_for_the_frame(slow_clock):
    t0 = time.monotonic()
    slow_clock.tick()
    assert time.monotonic() - t0 > 0.4  # the cap holds: no spinning between frames


class _Window:
    def bind(self, **handlers):
        self.handlers = handlers

    def draws(self) -> bool:
        """Whether the window would draw and present this frame (no handler stopped it)."""
        return not self.handlers["on_draw"]() and not self.handlers["on_flip"]()


def test_frames_are_held_from_a_touch_until_the_answer_or_the_next_regular_frame(slow_clock):
    window, busy = _Window(), [True]
    hold = wake.FrameHold()
    hold.install(window, busy=lambda: busy[0])
    assert window.draws()  # nothing asked: drawn
    hold.hold()  # the member's touch asked the core
    assert not window.draws()  # the core is on it: the button let go is not drawn
    busy[0] = False
    assert window.draws()  # the answer is there: drawn at once
    busy[0] = True
    hold.hold()
    slow_clock.tick()  # the frame the cap starts anyway (0.5 s later here)
    assert window.draws()  # a slow answer: its loading look shows, as without the hold
    assert hold.held == 1


def test_the_answer_ends_the_hold_though_the_core_is_still_busy(slow_clock):
    """The core may still be at work after it published the answer (the session's end:
    the audit record, the card's release). The answer on the page ends the hold: held on
    busy alone, the goodbye page waited for the frame the cap starts (22 ms in the bench
    instead of 6)."""
    window = _Window()
    hold = wake.FrameHold()
    hold.install(window, busy=lambda: True)
    hold.hold()
    assert not window.draws()
    hold.release()  # the app applied a state with nothing of the page loading
    assert window.draws()
    assert hold.held == 1


def test_a_page_may_hold_the_frame_for_its_own_wait(slow_clock):
    """The print page waits for its preview's picture (decoded on a worker thread, a few
    ms): held on its own predicate, the core being idle, until the picture is there."""
    window, decoded = _Window(), [False]
    hold = wake.FrameHold()
    hold.install(window, busy=lambda: False)
    hold.hold(waiting=lambda: not decoded[0])
    assert not window.draws()  # the words without their picture are not drawn
    decoded[0] = True
    assert window.draws()
    hold.release()
    hold.hold()  # a later touch holds on the core's busy again, not on the picture
    decoded[0] = False
    assert window.draws()  # the core is idle


def test_only_the_state_that_answers_the_members_request_ends_the_hold():
    """Seen in the bench's timeline: a tap posts the touch's keep-alive, then the request; the
    keep-alive's state (the menu, nothing loading) came out first and ended the hold, and the
    menu with its button down was drawn (21 ms of llvmpipe on a loaded machine) before the
    history page. Likewise the PIN page was drawn again while the card checked the PIN."""
    menu, history, pin, goodbye, print_ = "menu", "history", "pin", "goodbye", "print"
    asked = wake.Asked(seq=12, page=menu)  # Navigate(history), posted on the menu
    # the keep-alive (11) posted with the tap: not the answer
    assert not wake.answers(asked, 11, menu, loading=False, busy=True)
    # the request's own state: the history page loading its data: not yet
    assert not wake.answers(asked, 12, history, loading=True, busy=True)
    # the data came back (a later event): the answer, though the core still counts it busy
    assert wake.answers(asked, 13, history, loading=False, busy=True)

    pin_asked = wake.Asked(seq=20, page=pin)  # PinSubmitted
    # the PIN submitted, the card checks it: the same page, the core at work: not the answer
    assert not wake.answers(pin_asked, 20, pin, loading=False, busy=True)
    assert wake.answers(pin_asked, 21, menu, loading=False, busy=True)  # checked: the menu

    exit_asked = wake.Asked(seq=30, page=print_)  # ExitPressed
    # goodbye is the answer, though the core goes on writing the session's end
    assert wake.answers(exit_asked, 30, goodbye, loading=False, busy=True)
    tab_asked = wake.Asked(seq=40, page=history)  # a scheme's tab, its data already there
    assert wake.answers(tab_asked, 40, history, loading=False, busy=False)

    # a state not from the controller's queue (a test's, the session's end), or no request
    assert wake.answers(None, 5, menu, loading=False, busy=True)
    assert wake.answers(asked, None, menu, loading=False, busy=True)
    assert not wake.answers(None, None, history, loading=True, busy=False)
