"""Change the PIN: current PIN, new PIN, new PIN again (the initial PIN must be changed)."""

from __future__ import annotations

from kiosk.session.machine import PinChangeSubmitted, SessionState
from screens.base import KioskScreen

STEPS = ("change_pin.title_old", "change_pin.title_new", "change_pin.title_again")


class ChangePinScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.ids.keypad.on_submit_digits = self._step_done
        self.ids.keypad.on_key = self.kiosk.key_tone
        self._reset()

    def _reset(self) -> None:
        for buf in getattr(self, "_bufs", []):
            buf[:] = b"\x00" * len(buf)
        self._bufs: list[bytearray] = []
        self.local_message = ""

    def on_pre_enter(self, *_a) -> None:
        self._reset()
        self.ids.keypad.clear()
        self.ids.keypad.scramble()
        self._render()

    def _step_done(self, digits: bytearray) -> None:
        self._bufs.append(digits)
        self.local_message = ""
        if len(self._bufs) == 3:
            old, new, again = self._bufs
            self._bufs = []
            if new != again:
                for b in (old, new, again):
                    b[:] = b"\x00" * len(b)
                self.local_message = "pin.mismatch"
            else:
                again[:] = b"\x00" * len(again)
                self.kiosk.post(PinChangeSubmitted(old, new))
        self.ids.keypad.scramble()
        self._render()

    def show(self, state: SessionState) -> None:
        self.state_message = state.pin_message
        self.initial = state.initial_pin
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        self.ids.title.text = tr(STEPS[min(len(self._bufs), 2)])
        # The header's step: the entry being typed (the card's answer leads on to the menu).
        self.step = min(len(self._bufs), 2)
        msg = self.local_message or getattr(self, "state_message", None)
        self.ids.message.text = tr(msg) if msg else ""
        self.ids.notice.text = (
            tr("change_pin.initial_notice") if getattr(self, "initial", False) else ""
        )
