"""What every kiosk screen shares: access to the app, and `show(state)` to redraw from state."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.session.machine import SessionState


class KioskScreen(Screen):
    """A page of the session. The app calls `show(state)` on the main thread after each change;
    screens read only the state and send intents with `app.post(...)`."""

    @property
    def kiosk(self) -> Any:
        return App.get_running_app()

    def show(self, state: SessionState) -> None:
        """Redraw from the session state (default: nothing beyond the kv bindings)."""
