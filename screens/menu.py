"""The menu: big buttons for every service."""

from __future__ import annotations

from kiosk.domain import mask_name
from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class MenuScreen(KioskScreen):
    def show(self, state: SessionState) -> None:
        # A passer-by can see the screen: the greeting shows the name masked.
        self.member_name = mask_name(state.holder.name) if state.holder else ""
        msg = state.pin_message if state.pin_message == "pin.changed" else None
        self.ids.notice.text = self.kiosk.tr(msg) if msg else ""
        self._render()

    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)

    def _render(self) -> None:
        self.ids.greeting.text = self.kiosk.tr(
            "menu.greeting", name=getattr(self, "member_name", "")
        )
