"""Personal accounts (个人账户): both balances big on cards, the pension account's year-end
balance by year as a bar chart (tap a bar for its year), and the years' tables (pension:
principal, interest, balance; medical: credited, spent, balance). Nothing on record: an icon
and a sentence."""

from __future__ import annotations

from kivy.properties import BooleanProperty

from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class AccountsScreen(KioskScreen):
    has_years = BooleanProperty(False)  # a year on record: the chart and tables show

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)
        self.ids.chart.on_pick = self._pick

    def _pick(self, label: str) -> None:
        """A tapped bar: its year stands out, with its balance above it."""
        acc = getattr(self, "accounts", None)
        year = next((y for y in acc.pension_years if str(y.year) == label), None) if acc else None
        self.ids.chart.selected = label
        self.ids.chart.selected_text = year.balance.display() if year else ""

    def show(self, state: SessionState) -> None:
        self.accounts = state.data.accounts
        self.error = state.errors.get("accounts")
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        acc = getattr(self, "accounts", None)
        ids.table.header = [
            tr(f"accounts.col_{c}") for c in ("year", "principal", "interest", "balance")
        ]
        ids.medical_table.header = [
            tr(f"accounts.col_{c}") for c in ("year", "credits", "spending", "balance")
        ]
        if acc is None:
            error = getattr(self, "error", None)
            self.has_years = False
            ids.empty.icon = "error" if error else "clock"
            ids.empty.text = tr(error or "common.loading")
            ids.pension.text = ids.medical.text = "—"
            ids.table.data_rows = ids.medical_table.data_rows = []
            ids.chart.values = []
            ids.chart.selected_text = ""
            return
        ids.pension.text = acc.pension_balance.display()
        ids.medical.text = acc.medical_balance.display()
        pension_years = sorted(acc.pension_years, key=lambda y: y.year)
        self.has_years = bool(pension_years or acc.medical_years)
        ids.empty.icon = "" if self.has_years else "empty"
        ids.empty.text = "" if self.has_years else tr("accounts.empty")
        ids.chart.values = [(str(y.year), float(y.balance.yuan)) for y in pension_years]
        ids.chart.maximum = max((float(y.balance.yuan) for y in pension_years), default=1.0)
        self._pick(str(pension_years[-1].year) if pension_years else "")
        ids.table.data_rows = [
            [str(y.year), str(y.principal), str(y.interest), str(y.balance)]
            for y in reversed(pension_years)
        ]
        ids.medical_table.data_rows = [
            [str(y.year), str(y.credits), str(y.spending), str(y.balance)]
            for y in sorted(acc.medical_years, key=lambda y: y.year, reverse=True)
        ]
