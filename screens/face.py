"""The face check (人脸验证), for whichever flow asked (certification, PIN reset, ID card): the
action to do, large ("请向左转头"), a capture progress, "checking", then, if it failed, why and
what next. The check itself runs on the controller's worker thread; this page only draws the
session's FaceState and sends StartFace ("try again") and FaceBack."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.session.machine import FaceBack, FacePurpose, FaceState, SessionState, StartFace
from screens.base import KioskScreen
from screens.certify import STEPS as CERTIFY_STEPS
from screens.pin_reset import HEADER_STEPS as PIN_RESET_STEPS

# The face check is a step of the task that asked for it: the task's steps in the header (as
# on its own pages) and which of them is the face check.
ID_SESSION_STEPS = ("steps.id_card", "steps.face", "steps.records")  # 身份证 → 人脸识别 → 查询打印
TASK_STEPS = {
    FacePurpose.CERTIFICATION: (CERTIFY_STEPS, 1),
    FacePurpose.PIN_RESET: (PIN_RESET_STEPS, 0),
    FacePurpose.ID_SESSION: (ID_SESSION_STEPS, 1),
}

# The arrow points to the member's own left or right as they face the screen.
ARROWS = {"turn_left": "←", "turn_right": "→"}
# How long the capture bar takes to fill (the camera's frames while the member turns); it
# stops short of full until the back office is asked ("checking").
CAPTURE_SECONDS = 2.5


class FaceScreen(KioskScreen):
    failed = BooleanProperty(False)
    can_retry = BooleanProperty(False)
    progress = NumericProperty(0.0)  # 0..1
    arrow = StringProperty("")

    def on_kv_post(self, base_widget) -> None:
        self._face: FaceState | None = None
        self._tick = None
        self.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        before = self._face
        self._face = state.face
        face = state.face
        keys, step = TASK_STEPS.get(face.purpose, ((), 0)) if face is not None else ((), 0)
        self.step_keys = list(keys)
        self.step = step
        if face is None or face.step != "prompt":
            self._stop_bar()
        if (
            face is not None
            and face.step == "prompt"
            and (before is None or before.step != "prompt")
        ):
            self.progress = 0.0
            self._tick = Clock.schedule_interval(self._advance, 1 / 15)
        if face is not None and face.step in ("checking", "failed"):
            self.progress = 1.0 if face.step == "checking" else self.progress
        if face is None or face.step == "starting":
            self.progress = 0.0
        self._render()

    def _advance(self, dt: float) -> None:
        self.progress = min(0.95, self.progress + dt / CAPTURE_SECONDS)

    def _stop_bar(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None

    def on_leave(self, *_a) -> None:
        self._stop_bar()

    def retry(self) -> None:
        if self._face is not None:
            self.kiosk.post(StartFace(self._face.purpose))

    def back(self) -> None:
        self.kiosk.post(FaceBack())

    def _render(self) -> None:
        tr = self.kiosk.tr
        face = self._face
        ids = self.ids
        self.failed = bool(face and face.step == "failed")
        self.can_retry = bool(face and face.step == "failed" and not face.final)
        self.arrow = ""
        ids.hint.text = ""
        ids.detail.text = ""
        if face is None or face.step == "starting":
            ids.prompt.text = tr("face.look")
            ids.status.text = tr("face.starting")
        elif face.step == "prompt":
            action = face.action or ""
            ids.prompt.text = tr(f"face.action.{action}") if action in ARROWS else tr("face.look")
            self.arrow = ARROWS.get(action, "")
            ids.hint.text = tr("face.action_hint")
            ids.status.text = tr("face.capturing")
        elif face.step == "checking":
            ids.prompt.text = tr("face.checking")
            ids.status.text = ""
        else:
            # a refusal of the check itself, or another flow's "check again" (a stale proof)
            failed = face.reason is None or face.reason.startswith("face.")
            ids.prompt.text = tr("face.failed_title" if failed else "face.title")
            ids.detail.text = tr(face.reason) if face.reason else ""
            if face.attempts_left is not None and not face.final:
                ids.hint.text = tr("face.attempts_left", attempts=face.attempts_left)
            ids.status.text = ""
