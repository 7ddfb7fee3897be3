"""Benefits received (待遇): pension or unemployment benefit payments, newest first."""

from __future__ import annotations

from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class BenefitsScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self.payments = state.data.benefits
        self.error = state.errors.get("benefits")
        self._render()

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        self.ids.table.header = [tr(f"benefits.col_{c}") for c in ("kind", "period", "amount")]
        pays = getattr(self, "payments", None)
        if pays is None:
            self.ids.status.text = tr(getattr(self, "error", None) or "common.loading")
            self.ids.table.data_rows = []
            return
        self.ids.status.text = "" if pays else tr("common.none")
        self.ids.table.data_rows = [
            [p.kind.zh if lang == "zh" else p.kind.en, str(p.period), p.amount.display()]
            for p in sorted(pays, key=lambda p: p.period, reverse=True)
        ]
