"""A card that cannot be used: what happened and what to do, then take the card."""

from kivy.properties import StringProperty

from kiosk.session.machine import (
    CardProblem,
    FacePurpose,
    SessionState,
    StartFace,
    StartLossCancel,
)
from screens.base import KioskScreen

# What the member can do here, with the card still in the reader (issue 20).
RECOVER = {
    CardProblem.BLOCKED: "recover.reset_pin",  # face check, then a new PIN
    CardProblem.REPORTED_LOST: "recover.cancel_loss",  # the PIN, then the back office
}


class CardProblemScreen(KioskScreen):
    recover_key = StringProperty("")  # the recovery button's text key; "": none

    def show(self, state: SessionState) -> None:
        self.problem = state.problem.value if state.problem else "unreadable"
        self.id_card = state.id_entry  # an ID card's problem: "take your ID card"
        kept = state.recovery_holder is not None and state.problem in RECOVER
        self.recover_key = RECOVER[state.problem] if kept and state.problem else ""
        self._render()

    def recover(self) -> None:
        if self.problem == CardProblem.BLOCKED.value:
            self.kiosk.post(StartFace(FacePurpose.PIN_RESET))
        elif self.problem == CardProblem.REPORTED_LOST.value:
            self.kiosk.post(StartLossCancel())

    def _render(self, *_a) -> None:
        tr = self.kiosk.tr
        p = getattr(self, "problem", "unreadable")
        self.ids.title.text = tr(f"problem.{p}.title")
        # With the recovery at hand, the todo says so (the counter comes as the other way).
        todo = f"{self.recover_key}_todo" if self.recover_key else f"problem.{p}.todo"
        self.ids.todo.text = tr(todo)
        self.ids.take.text = tr(
            "idcard.take_card" if getattr(self, "id_card", False) else "problem.take_card"
        )
        self.ids.recover.text = tr(self.recover_key) if self.recover_key else ""
        self.ids.or_counter.text = tr("recover.or_counter") if self.recover_key else ""

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)
