"""Overlays above every page: the timeout warning and the busy indicator."""

from __future__ import annotations

import time

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.session.machine import Session
from screens.base import CHROME_TICK, time_left


class TimeoutBanner(BoxLayout):
    """The session's warning, with its count. The app counts `seconds` from its controller;
    a page drawn from a made-up state (no controller: UI tests, the gallery) gets the count
    here, from the state as the header's ring reads it, so both show the same figure."""

    active = BooleanProperty(False)
    seconds = NumericProperty(0)

    def __init__(self, **kw) -> None:
        self._tick = None
        self._timing: Session | None = None
        super().__init__(**kw)

    def on_active(self, _w: object, active: bool) -> None:
        if active and self._tick is None:
            self._tick = Clock.schedule_interval(self.count, CHROME_TICK)
            self.count()
        elif not active and self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def count(self, *_a: object) -> None:
        """Without a controller: the seconds the state leaves, on the monotonic clock the ring
        reads then (screens/base.py KioskScreen.update_chrome)."""
        app = App.get_running_app()
        state = getattr(app, "state", None)
        if app is None or getattr(app, "controller", None) is not None or state is None:
            return
        if self._timing is None:
            self._timing = Session(app.cfg.timeouts)
        timing = self._timing
        left = time_left(
            state, time.monotonic(), timing.page_timeout, float(timing.timeouts.warning)
        )
        if left is not None:
            self.seconds = left.seconds


class BusyOverlay(BoxLayout):
    active = BooleanProperty(False)
