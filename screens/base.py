"""What every kiosk screen shares: access to the app, and `show(state)` to redraw from state."""

from __future__ import annotations

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.facade import KioskFacade
from kiosk.session.machine import SessionState


class KioskScreen(Screen):
    """A page of the session. The app calls `show(state)` on the main thread after each change;
    screens read only the state and send intents with `self.kiosk.post(...)`, through the
    typed facade (kiosk.facade.KioskFacade)."""

    @property
    def kiosk(self) -> KioskFacade:
        app: KioskFacade = App.get_running_app()  # screens.app.KioskApp
        return app

    def show(self, state: SessionState) -> None:
        """Redraw from the session state (default: nothing beyond the kv bindings)."""
