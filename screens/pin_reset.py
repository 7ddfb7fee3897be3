"""Reset the PIN after the face check (a blocked or forgotten 社保 PIN): the new PIN twice on
the scrambled keypad, then RELOAD PIN on the card (the controller's card thread); once done, a
clear success and "sign in with the new PIN" (the card is read again, then the PIN page)."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.session.machine import PinResetSubmitted, ResumeWithCard, SessionState
from screens.base import KioskScreen

STEPS = ("pin_reset.enter_new", "pin_reset.enter_again")
# The reset's steps in the header, the face page's and this page's: 人脸识别 → 新密码 →
# 再输一次 → 完成.
HEADER_STEPS = ("steps.face", "steps.new_pin", "steps.again", "steps.done")


class PinResetScreen(KioskScreen):
    done = BooleanProperty(False)
    portrait = BooleanProperty(False)  # a window taller than wide: the keypad grows
    stacked = BooleanProperty(False)  # the words above the keypad or the button: a column

    def on_size(self, *_a) -> None:
        portrait = self.height > self.width
        self.stacked = self.done or portrait
        self.portrait = portrait

    def on_done(self, *_a) -> None:
        self.stacked = self.done or self.portrait

    def on_kv_post(self, base_widget) -> None:
        self.ids.keypad.on_submit_digits = self._step_done
        self.ids.keypad.on_key = self.kiosk.key_tone
        self._bufs: list[bytearray] = []
        self.local_message = ""
        self.state_message: str | None = None
        # kv's ids are weak: the page holds the one of the two out of the tree
        self._pad, self._resume = self.ids.keypad.__self__, self.ids.resume.__self__
        self.step_keys = list(HEADER_STEPS)
        self._swap()
        self.watch_language(self._render)

    def _wipe(self) -> None:
        for buf in self._bufs:
            buf[:] = bytes(len(buf))
        self._bufs = []

    def on_pre_enter(self, *_a) -> None:
        self._wipe()
        self.local_message = ""
        self.ids.keypad.clear()
        self.ids.keypad.scramble()
        self._render()

    def on_leave(self, *_a) -> None:
        self._wipe()
        self.ids.keypad.clear()

    def _step_done(self, digits: bytearray) -> None:
        self._bufs.append(digits)
        self.local_message = ""
        if len(self._bufs) == 2:
            new, again = self._bufs
            self._bufs = []
            if new != again:
                for b in (new, again):
                    b[:] = bytes(len(b))
                self.local_message = "pin.mismatch"
            else:
                self.kiosk.post(PinResetSubmitted(new, again))
        self.ids.keypad.scramble()
        self._render()

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
        self.done = state.page.value == "pin_reset" and state.recovered
        self.state_message = state.pin_message
        if state.pin_message and not state.recovered:
            self.local_message = ""
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        self._swap()
        self.ids.mark.text = "✓" if self.done else ""
        self.step = 3 if self.done else 1 + min(len(self._bufs), 1)
        if self.done:
            self.ids.title.text = tr("pin_reset.done")
            self.ids.message.text = ""
            self.ids.rule.text = ""
            return
        self.ids.title.text = tr(STEPS[min(len(self._bufs), 1)])
        msg = self.local_message or self.state_message
        self.ids.message.text = tr(msg) if msg else ""
        self.ids.rule.text = tr("pin_reset.rule")
