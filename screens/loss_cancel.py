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
        # kv's ids are weak: the page holds the one of the two out of the tree
        self._pad, self._resume = self.ids.keypad.__self__, self.ids.resume.__self__
        self._swap()
        self.watch_language(self._render)

    def on_pre_enter(self, *_a) -> None:
        self.ids.keypad.clear()
        self.ids.keypad.scramble()

    def _swap(self) -> None:
        """The keypad while the PIN is asked, the one button once done: never both."""
        box, pad, resume = self.ids.pad_box.__self__, self._pad, self._resume
        shown, hidden = (resume, pad) if self.done else (pad, resume)
        if hidden.parent is box:
            box.remove_widget(hidden)
        if shown.parent is None:
            box.add_widget(shown)

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
        self._swap()
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
