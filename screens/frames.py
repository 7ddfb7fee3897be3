"""Frame times of the main thread: a long frame means a callback blocked the UI."""

from __future__ import annotations

import time

from kivy.clock import Clock


class FrameMonitor:
    def __init__(self) -> None:
        self.durations: list[float] = []
        self._last: float | None = None

    def start(self) -> None:
        self._last = time.perf_counter()
        Clock.schedule_interval(self._frame, 0)

    def _frame(self, _dt: float) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.durations.append(now - self._last)
        self._last = now

    def reset(self) -> None:
        self.durations.clear()
        self._last = time.perf_counter()

    def worst(self) -> float:
        return max(self.durations, default=0.0)

    def percentile(self, p: float) -> float:
        if not self.durations:
            return 0.0
        ordered = sorted(self.durations)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
