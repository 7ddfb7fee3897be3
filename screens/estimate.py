"""Pension estimate (养老金测算): both parts of the national formula and every assumption."""

from __future__ import annotations

from kiosk.session import SessionState
from screens.base import KioskScreen


class EstimateScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.kiosk.bind(lang=lambda *_: self._render())

    def show(self, state: SessionState) -> None:
        self.estimate = state.data.get("estimate")
        self.error = state.errors.get("estimate")
        self._render()

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        e = getattr(self, "estimate", None)
        if e is None:
            self.ids.monthly.text = tr(getattr(self, "error", None) or "common.loading")
            self.ids.parts.text = self.ids.assumptions.text = ""
            return
        total = e.basic_pension + e.account_pension
        self.ids.monthly.text = tr("estimate.monthly", amount=total.display())
        parts = [
            tr(
                "estimate.at",
                period=str(e.retirement_period),
                age=e.retirement_age,
                months=e.contribution_months,
            ),
            tr("estimate.basic", amount=e.basic_pension.display()),
            tr(
                "estimate.account",
                amount=e.account_pension.display(),
                balance=e.account_balance.display(),
                divisor=e.months_divisor,
            ),
        ]
        if not e.eligible:
            parts.append(tr("estimate.not_eligible"))
        self.ids.parts.text = "\n".join(parts)
        self.ids.assumptions.text = (
            tr("estimate.assumptions")
            + "\n"
            + "\n".join(f"· {a.zh if lang == 'zh' else a.en}: {a.value}" for a in e.assumptions)
        )
