"""Frame times of the main thread: a long frame means a callback blocked the UI.

A frame's time here is the main thread's work for it: the time between two frames less the
time Kivy's clock waited to hold the frame rate (maxfps 60). The interval alone would read
16.7 ms for every idle frame and hide nothing; the work says whether the frame fitted in one
60 Hz refresh (<= 16.7 ms) whatever the cap.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from kivy.clock import Clock


class _LayoutLoops(logging.Handler):
    """Counts Kivy's "too much iteration done before the next frame": properties that keep
    setting each other (a size from a texture from a size...), redone every frame, for ever."""

    def __init__(self) -> None:
        super().__init__(logging.CRITICAL)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "too much iteration" in record.getMessage():
            self.count += 1


class FrameMonitor:
    def __init__(self) -> None:
        self.durations: list[float] = []
        self.pages: list[str] = []  # the page shown during each of `durations`
        self.long: list[tuple[float, str]] = []  # (seconds, page) of frames over 50 ms
        self.where = ""  # set by the app: the page shown, to say where a long frame was
        self._last: float | None = None
        self._skip = False
        self.callbacks: list[float] = []
        self.slow_callbacks: list[tuple[float, str]] = []
        self._loops = _LayoutLoops()
        self.intervals: list[float] = []  # the same frames' wall time, sleep included
        self._slept = 0.0  # seconds the clock slept since the last frame

    @property
    def layout_loops(self) -> int:
        """Frames in which Kivy gave up settling the layout (0 in a healthy app)."""
        return self._loops.count

    def start(self) -> None:
        # Kivy logs through Python logging here (KIVY_LOG_MODE=PYTHON, see bootstrap).
        logging.getLogger("kivy").addHandler(self._loops)
        self._count_sleep()
        self._last = time.perf_counter()
        Clock.schedule_interval(self._frame, 0)

    def _count_sleep(self) -> None:
        # Clock.tick() looks up self.idle() on each frame: an instance attribute wins. idle() is
        # the wait for the next frame (a sleep, or the interrupt clock's event wait).
        idle = Clock.idle

        def timed_idle() -> float:
            t0 = time.perf_counter()
            try:
                return idle()
            finally:
                self._slept += time.perf_counter() - t0

        Clock.idle = timed_idle

    def _frame(self, _dt: float) -> None:
        now = time.perf_counter()
        if self._last is not None and not self._skip:
            interval = now - self._last
            d = max(0.0, interval - self._slept)
            self.intervals.append(interval)
            self.durations.append(d)
            self.pages.append(self.where)
            if d > 0.05:
                self.long.append((d, self.where))
        self._skip = False
        self._slept = 0.0
        self._last = now

    def skip_frame(self) -> None:
        """Leave out the current frame (a test's screenshot, not the app's work)."""
        self._skip = True

    @contextmanager
    def callback(self, name: str) -> Iterator[None]:
        """Time one of the app's main-thread callbacks (state shown, touch handled)."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            d = time.perf_counter() - t0
            self.callbacks.append(d)
            if d > 0.05:
                self.slow_callbacks.append((d, f"{name}@{self.where}"))

    def reset(self) -> None:
        self.callbacks.clear()
        self.slow_callbacks.clear()
        self.durations.clear()
        self.intervals.clear()
        self.pages.clear()
        self.long.clear()
        self._loops.count = 0
        self._slept = 0.0
        self._last = time.perf_counter()

    def worst(self) -> float:
        return max(self.durations, default=0.0)

    def percentile(self, p: float) -> float:
        if not self.durations:
            return 0.0
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
