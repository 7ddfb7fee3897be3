"""The menu: big buttons for every service."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.domain.certification import Certification, CertificationStatus
from kiosk.session.machine import ID_LIMITED, FacePurpose, SessionState, StartFace
from screens.base import KioskScreen

# What the session may tell the member on the menu (pin_message): a changed PIN, ID-card entry.
NOTICES = frozenset({"pin.changed", "idcard.needs_face", "idcard.needs_card", "idcard.full_now"})


class MenuScreen(KioskScreen):
    certify_shown = BooleanProperty(False)  # a retiree: the certification's row
    # ID-card entry: "" (card + PIN), "limited" (pay, certify, records after a face check) or
    # "full" (after the face check: everything but the card's own services).
    id_scope = StringProperty("")

    def show(self, state: SessionState) -> None:
        self.certification: Certification | None = state.data.certification
        self.certify_shown = self.certification is not None
        self.id_scope = state.id_scope or ""
        msg = state.pin_message if state.pin_message in NOTICES else None
        self.ids.notice.text = self.kiosk.tr(msg) if msg else ""
        self._render()

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)

    def _render(self) -> None:
        # The member's masked name is in the header (PageHeader): the greeting does not repeat it.
        self.ids.greeting.text = self.kiosk.tr("menu.greeting")
        self.ids.certify_reminder.text = self._reminder()
        scope = getattr(self, "id_scope", "")
        self.ids.id_note.text = self.kiosk.tr(f"idcard.menu_scope_{scope}") if scope else ""

    def check_face(self) -> None:
        """With an ID card alone, "my records" starts the face check that widens the session."""
        if self.id_scope == ID_LIMITED:
            self.kiosk.post(StartFace(FacePurpose.ID_SESSION))

    def _reminder(self) -> str:
        c = getattr(self, "certification", None)
        if c is None or not c.reminder:
            return ""
        if c.status is CertificationStatus.OVERDUE:
            return self.kiosk.tr("menu.certify_overdue")
        return self.kiosk.tr("menu.certify_due", date=c.due_by.isoformat())
