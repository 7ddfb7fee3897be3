"""Card services: card status, change PIN, report the card lost (临时挂失)."""

from __future__ import annotations

from kiosk.session.intents import RequestName
from kiosk.session.machine import Navigate, Page, Request, SessionState
from screens.base import KioskScreen


class CardServicesScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self.record = state.data.report_loss or state.data.card_status
        self.error = state.errors.get("report_loss") or state.errors.get("card_status")
        self._render()

    def change_pin(self) -> None:
        self.kiosk.post(Navigate(Page.CHANGE_PIN))

    def report_loss(self) -> None:
        self.kiosk.post(Request(RequestName.REPORT_LOSS))

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        rec = getattr(self, "record", None)
        if rec is None:
            self.ids.status.text = tr(getattr(self, "error", None) or "common.loading")
            return
        status = rec.status.zh if lang == "zh" else rec.status.en
        self.ids.status.text = tr("card_services.status", status=status)
