"""Pension estimate (养老金测算): both parts of the national formula stacked in one bar with
their amounts beside it, and every assumption as a sentence. Below the 15-year minimum the
headline says how many months are missing (never a monthly amount, and no bar), and what
continuing to pay until retirement would give (the text is built by
kiosk.domain.estimate.describe, tested without Kivy)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty

from kiosk.domain.estimate import PensionEstimate, describe
from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class EstimateScreen(KioskScreen):
    eligible = BooleanProperty(False)  # the stacked bar shows (a monthly amount exists)
    account_share = NumericProperty(0.0)  # the account part's share of the monthly total

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self.estimate = state.data.estimate
        self.error = state.errors.get("estimate")
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        e: PensionEstimate | None = getattr(self, "estimate", None)
        if e is None:
            self.eligible = False
            ids.monthly.text = tr(getattr(self, "error", None) or "common.loading")
            ids.parts.text = ids.assumptions.text = ""
            ids.basic_legend.text = ids.account_legend.text = ids.total_legend.text = ""
            return
        text = describe(e, tr, self.kiosk.lang)
        ids.monthly.text = text.headline
        total = e.monthly_total
        self.eligible = e.eligible and total.yuan > 0
        if self.eligible:
            self.account_share = float(e.account_pension.yuan / total.yuan)
            ids.basic_legend.text = tr("estimate.basic_short", amount=e.basic_pension.display())
            ids.account_legend.text = tr(
                "estimate.account_short", amount=e.account_pension.display()
            )
            ids.total_legend.text = tr("estimate.total", amount=total.display())
        else:
            ids.basic_legend.text = ids.account_legend.text = ids.total_legend.text = ""
        # the basic pension's line is the bar's legend already (eligible: parts[2])
        parts = [p for i, p in enumerate(text.parts) if not (self.eligible and i == 2)]
        ids.parts.text = "\n".join(parts)
        ids.assumptions.text = "\n".join(f"· {a}" for a in text.assumptions)
