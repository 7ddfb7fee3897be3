"""Show an answer in the frame it arrives, not at the next tick.

Kivy's default clock sleeps between frames until 1/maxfps has passed since the last one. An
answer the core publishes from its own thread (a page's data, the next page) then waits up to a
whole frame (16.7 ms, 8 on average) before the main thread even looks at it: seven times in a
member's journey. `FrameWake` replaces the clock's wait with one on an event: `call_soon` hands a
callback to the main thread and ends the wait, so the callback and the frame that draws its
result run at once.

Why not Kivy's own "interrupt" clock: any callback scheduled with a 0 timeout (a per-frame
callback, the frame monitor, a test driver) ends its wait at once, and the main loop then spins
without sleeping. Here only `call_soon` wakes the loop, and the frame cap holds otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from kivy.clock import Clock

_EARLY = 0.0005  # seconds: less than this left of the frame is not worth a sleep


class FrameWake:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.installed = False

    def install(self) -> None:
        """Wait on our event between frames (Clock.tick looks up `idle` on the instance)."""
        clock = Clock
        event = self._event

        def idle() -> float:
            fps = clock._max_fps
            if fps > 0:
                end = clock._last_tick + 1 / fps
                left = end - clock.time()
                while left > _EARLY and not event.is_set():
                    event.wait(left)
                    left = end - clock.time()
            event.clear()
            now = clock.time()
            clock._dt = now - clock._last_tick
            clock._last_tick = now
            return now

        clock.idle = idle
        self.installed = True

    def wake(self) -> None:
        """End the wait for the next frame now (any thread)."""
        self._event.set()


_wake = FrameWake()


def install() -> None:
    if not _wake.installed:
        _wake.install()


def call_soon(fn: Callable[[], object]) -> None:
    """Run `fn` on the main thread in the next frame, and start that frame now (any thread)."""
    Clock.schedule_once(lambda _dt: fn(), 0)
    _wake.wake()


@dataclass(frozen=True)
class Asked:
    """The member's last request to the core: the controller's number for it (Controller.post)
    and the page it was made on."""

    seq: int
    page: object


def answers(
    asked: Asked | None, handled: int | None, page: object, *, loading: bool, busy: bool
) -> bool:
    """Whether a state the core published (while it handled event number `handled`, on `page`)
    is the answer the member's request `asked` waits for, and so ends the frame hold.

    Not while something of the page still loads (its loading look shows at the frame the cap
    starts), nor a state from before the request: a tap posts the touch's keep-alive first,
    whose state (the page as it was) would otherwise be drawn with its button down while the
    core fetches the next page. The request's own state answers it when it changed the page
    or left the core idle; any state after it (an answer the core posted back) does. A state
    with no number (applied directly) or no request pending answers when nothing loads."""
    if loading:
        return False
    if asked is None or handled is None:
        return True
    if handled < asked.seq:
        return False
    return handled > asked.seq or page != asked.page or not busy


class FrameHold:
    """Draw nothing between the member's touch and the core's answer, up to the next frame.

    A touch that asks the core for something (a page, a tab, a PIN check) is followed by the
    answer within a few milliseconds for most steps, and the frames drawn in between (the
    button let go, the page's loading look) are gone a moment later. On two cores each of
    them (llvmpipe fills the whole window with both) takes CPU from the work the member waits
    for. Held, the first frame drawn is the answer. The hold ends at the frame the clock would
    have drawn anyway (within 16.7 ms of the touch): a slower answer shows its loading look
    then, as without the hold. `busy` says whether the core is still on it.
    """

    def __init__(self) -> None:
        self._until = 0.0  # clock time: frames before it are held while the core is busy
        self.busy: Callable[[], bool] = lambda: False
        self._waiting: Callable[[], bool] | None = None  # this hold's own wait, if not busy
        self.held = 0  # frames not drawn (tests read it)
        self._skipping = False

    def install(self, window: object, busy: Callable[[], bool]) -> None:
        self.busy = busy
        # Handlers bound to an event run before the window's own; True stops the dispatch.
        window.bind(on_draw=self._skip_draw, on_flip=self._skip_flip)  # type: ignore[attr-defined]

    def hold(self, waiting: Callable[[], bool] | None = None) -> None:
        """The member asked the core for something now (main thread); or, with `waiting`,
        the page waits for something of its own that comes within the frame (a picture
        decoded on a worker thread): held while `waiting()` says so."""
        self._waiting = waiting
        fps = Clock._max_fps
        if fps > 0:  # just before the frame the cap would start next
            self._until = Clock._last_tick + 1 / fps - 2 * _EARLY

    def release(self) -> None:
        """The answer is on the page (main thread): draw it now, whatever else the core
        still does (the session's end writes its audit record after the goodbye page)."""
        self._until = 0.0
        self._waiting = None

    def _held_now(self) -> bool:
        waiting = self._waiting or self.busy
        return Clock.time() < self._until and waiting()

    def _skip_draw(self, *_a: object) -> bool:
        self._skipping = self._held_now()
        if self._skipping:
            self.held += 1
        return self._skipping

    def _skip_flip(self, *_a: object) -> bool:
        return self._skipping  # nothing new was drawn: nothing to present


frame_hold = FrameHold()
