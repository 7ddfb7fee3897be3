"""Pension estimate (养老金测算): both parts of the national formula and every assumption, as
sentences. Below the 15-year minimum the headline says how many months are missing (never a
monthly amount), and what continuing to pay until retirement would give."""

from __future__ import annotations

from kiosk.domain.estimate import PensionEstimate
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
        e: PensionEstimate | None = getattr(self, "estimate", None)
        if e is None:
            self.ids.monthly.text = tr(getattr(self, "error", None) or "common.loading")
            self.ids.parts.text = self.ids.assumptions.text = ""
            return
        if e.eligible:
            self.ids.monthly.text = tr("estimate.monthly", amount=e.monthly_total.display())
        else:
            self.ids.monthly.text = tr("estimate.short", months=e.months_missing)
        parts = [
            tr(
                "estimate.at",
                period=str(e.retirement_period),
                age=e.retirement_age,
                months=e.contribution_months,
            ),
            tr(
                "estimate.months_detail",
                deemed=e.deemed_months,
                recorded=e.recorded_months,
                future=e.future_months,
            ),
        ]
        if e.eligible:
            parts += [
                tr("estimate.basic", amount=e.basic_pension.display()),
                tr(
                    "estimate.account",
                    amount=e.account_pension.display(),
                    balance=e.account_balance.display(),
                    divisor=e.months_divisor,
                ),
            ]
        else:
            parts += [
                tr("estimate.not_eligible"),
                tr("estimate.account_only", balance=e.account_balance.display()),
            ]
            parts += self._continued(e)
        self.ids.parts.text = "\n".join(parts)
        self.ids.assumptions.text = "\n".join(
            [tr("estimate.assumptions")] + [f"· {a.text(lang)}" for a in e.assumptions]
        )

    def _continued(self, e: PensionEstimate) -> list[str]:
        """What paying every month until retirement would give (the back office's figures)."""
        tr = self.kiosk.tr
        c = e.if_continued
        if c is None:
            return []
        if c.eligible:
            return [
                tr(
                    "estimate.if_continued",
                    future=c.future_months,
                    months=c.contribution_months,
                    amount=c.monthly_total.display(),
                )
            ]
        key = "estimate.still_short" if c.future_months else "estimate.short_at_retirement"
        return [
            tr(
                key,
                future=c.future_months,
                months=c.contribution_months,
                missing=c.months_missing,
            )
        ]
