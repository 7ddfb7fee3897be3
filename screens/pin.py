"""PIN entry: the reader's own PIN pad when it has one, else a scrambled on-screen keypad."""

from __future__ import annotations

from kiosk.session.machine import FacePurpose, PinSubmitted, SessionState, StartFace
from screens.base import KioskScreen


class PinScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        pad = self.ids.keypad
        pad.on_submit_digits = lambda digits: self.kiosk.post(PinSubmitted(digits))
        pad.on_key = self.kiosk.key_tone

    def forgot(self) -> None:
        """忘记密码: the face check, then a new PIN (issue 20)."""
        self.kiosk.post(StartFace(FacePurpose.PIN_RESET))

    def on_pre_enter(self, *_a) -> None:
        self.ids.keypad.clear()
        self.ids.keypad.scramble()

    def show(self, state: SessionState) -> None:
        tr = self.kiosk.tr
        self.pinpad = state.pinpad
        self.ids.title.text = tr("pin.pinpad_title" if state.pinpad else "pin.title")
        self.ids.keypad.opacity = 0 if state.pinpad else 1
        self.ids.keypad.disabled = state.pinpad
        msg = ""
        if state.pin_message:
            msg = tr(state.pin_message)
            if state.pin_tries_left is not None:
                msg += "  " + tr("pin.tries_left", tries=state.pin_tries_left)
        self.ids.message.text = msg
        if state.pin_message == "pin.wrong":
            self.ids.keypad.clear()
            self.ids.keypad.scramble()
