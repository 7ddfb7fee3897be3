"""screens/frames.FrameMonitor: a frame's time is the main thread's work for it, the clock's
wait for the next 60 Hz tick left out (bench/ui_flow.py reads it against one refresh)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("kivy")

from kivy.clock import Clock

from screens.frames import FrameMonitor


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_the_wait_for_the_next_tick_is_not_the_frames_work():
    monitor = FrameMonitor()
    work = iter([0.0, 0.008, 0.0, 0.008, 0.0, 0.0])
    done: list[float] = []

    def frame(_dt: float) -> None:
        seconds = next(work, 0.0)
        _busy(seconds)
        done.append(seconds)

    monitor.start()
    event = Clock.schedule_interval(frame, 0)
    try:
        for _ in range(7):
            Clock.tick()
    finally:
        event.cancel()
        Clock.unschedule(monitor._frame)
        del Clock.idle  # the monitor's wrapper: Kivy's own again
    assert len(monitor.durations) == len(monitor.intervals) >= 5
    # each frame's work is part of its interval, never more
    assert all(d <= i for d, i in zip(monitor.durations, monitor.intervals, strict=True))
    # the clock held 60 fps: it waited, and that wait is in the intervals, not the work
    assert sum(monitor.intervals) - sum(monitor.durations) > 0.005
    # a frame that spent 8 ms on a callback says so: its work is at least those 8 ms
    assert sum(1 for d in monitor.durations if d >= 0.008) >= 2
