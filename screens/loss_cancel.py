"""解除临时挂失 at the kiosk: the card's PIN (the card checks it), then the back office makes the
card valid again; once done, "continue with this card" reads it afresh."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.session.machine import LossCancelSubmitted, ResumeWithCard, SessionState
from screens.base import KioskScreen


class LossCancelScreen(KioskScreen):
    done = BooleanProperty(False)

    def on_kv_post(self, base_widget) -> None:
        pad = self.ids.keypad
        pad.on_submit_digits = lambda digits: self.kiosk.post(LossCancelSubmitted(digits))
        pad.on_key = self.kiosk.key_tone
        self._state: SessionState | None = None
        self.kiosk.watch_language(self._render)

    def on_pre_enter(self, *_a) -> None:
        self.ids.keypad.clear()
        self.ids.keypad.scramble()

    def resume(self) -> None:
        self.kiosk.post(ResumeWithCard())

    def show(self, state: SessionState) -> None:
        was = self._state
        self._state = state
        self.done = state.page.value == "loss_cancel" and state.recovered
        if state.pin_message == "pin.wrong" and (
            was is None or was.pin_tries_left != state.pin_tries_left
        ):
            self.ids.keypad.clear()
            self.ids.keypad.scramble()
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        s = self._state
        self.ids.mark.text = "✓" if self.done else ""
        if self.done:
            self.ids.title.text = tr("loss.cancelled")
            self.ids.message.text = ""
            return
        self.ids.title.text = tr("loss.enter_pin")
        msg = ""
        if s is not None and s.pin_message:
            msg = tr(s.pin_message)
            if s.pin_tries_left is not None:
                msg += "  " + tr("pin.tries_left", tries=s.pin_tries_left)
        self.ids.message.text = msg
