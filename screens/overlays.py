"""Overlays above every page: the timeout warning and the busy indicator."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout


class TimeoutBanner(BoxLayout):
    active = BooleanProperty(False)
    seconds = NumericProperty(0)


class BusyOverlay(BoxLayout):
    active = BooleanProperty(False)
