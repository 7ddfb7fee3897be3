"""Pension estimate (养老金测算): both parts of the national formula and every assumption, as
sentences. Below the 15-year minimum the headline says how many months are missing (never a
monthly amount), and what continuing to pay until retirement would give (the text is built by
kiosk.domain.estimate.describe, tested without Kivy)."""

from __future__ import annotations

from kiosk.domain.estimate import PensionEstimate, describe
from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class EstimateScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self.estimate = state.data.estimate
        self.error = state.errors.get("estimate")
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        e: PensionEstimate | None = getattr(self, "estimate", None)
        if e is None:
            self.ids.monthly.text = tr(getattr(self, "error", None) or "common.loading")
            self.ids.parts.text = self.ids.assumptions.text = ""
            return
        text = describe(e, tr, self.kiosk.lang)
        self.ids.monthly.text = text.headline
        self.ids.parts.text = "\n".join(text.parts)
        self.ids.assumptions.text = "\n".join(
            [tr("estimate.assumptions")] + [f"· {a}" for a in text.assumptions]
        )
