"""The menu: big buttons for every service."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.domain import mask_name
from kiosk.domain.certification import Certification, CertificationStatus
from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class MenuScreen(KioskScreen):
    certify_shown = BooleanProperty(False)  # a retiree: the certification's row

    def show(self, state: SessionState) -> None:
        self.certification: Certification | None = state.data.certification
        self.certify_shown = self.certification is not None
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
        self.ids.certify_reminder.text = self._reminder()

    def _reminder(self) -> str:
        c = getattr(self, "certification", None)
        if c is None or not c.reminder:
            return ""
        if c.status is CertificationStatus.OVERDUE:
            return self.kiosk.tr("menu.certify_overdue")
        return self.kiosk.tr("menu.certify_due", date=c.due_by.isoformat())
