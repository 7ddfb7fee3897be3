"""Benefits received (待遇): pension or unemployment benefit payments, newest first; none yet:
an icon and a sentence instead of an empty table."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class BenefitsScreen(KioskScreen):
    has_rows = BooleanProperty(False)

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self.payments = state.data.benefits
        self.error = state.errors.get("benefits")
        self._render()

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        status = self.ids.status
        self.ids.table.header = [tr(f"benefits.col_{c}") for c in ("kind", "period", "amount")]
        pays = getattr(self, "payments", None)
        if pays is None:
            error = getattr(self, "error", None)
            status.icon = "error" if error else "clock"
            status.text = tr(error or "common.loading")
            self.has_rows = False
            self.ids.table.data_rows = []
            return
        self.has_rows = bool(pays)
        status.icon = "" if pays else "empty"
        status.text = "" if pays else tr("benefits.empty")
        self.ids.table.data_rows = [
            [p.kind.zh if lang == "zh" else p.kind.en, str(p.period), p.amount.display()]
            for p in sorted(pays, key=lambda p: p.period, reverse=True)
        ]
