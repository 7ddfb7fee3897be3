"""A card that cannot be used: what happened and what to do, then take the card."""

from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class CardProblemScreen(KioskScreen):
    def show(self, state: SessionState) -> None:
        self.problem = state.problem.value if state.problem else "unreadable"
        self._render()

    def _render(self, *_a) -> None:
        tr = self.kiosk.tr
        p = getattr(self, "problem", "unreadable")
        self.ids.title.text = tr(f"problem.{p}.title")
        self.ids.todo.text = tr(f"problem.{p}.todo")
        self.ids.take.text = tr("problem.take_card")

    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)
