"""Goodbye: "please take your card and receipt", until the card is out."""

from kivy.properties import BooleanProperty

from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class GoodbyeScreen(KioskScreen):
    id_card = BooleanProperty(False)  # the session began with the ID card: "your ID card"

    def show(self, state: SessionState) -> None:
        self.id_card = state.id_entry
