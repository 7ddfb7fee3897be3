"""Personal accounts (个人账户): the pension account per year (principal, interest, balance)
and the medical account per year (credited, spent, balance)."""

from __future__ import annotations

from kiosk.session.machine import SessionState
from screens.base import KioskScreen


class AccountsScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self.accounts = state.data.accounts
        self.error = state.errors.get("accounts")
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        acc = getattr(self, "accounts", None)
        self.ids.table.header = [
            tr(f"accounts.col_{c}") for c in ("year", "principal", "interest", "balance")
        ]
        self.ids.medical_table.header = [
            tr(f"accounts.col_{c}") for c in ("year", "credits", "spending", "balance")
        ]
        if acc is None:
            self.ids.pension.text = tr(getattr(self, "error", None) or "common.loading")
            self.ids.medical.text = ""
            self.ids.table.data_rows = []
            self.ids.medical_table.data_rows = []
            return
        self.ids.pension.text = f"{tr('accounts.pension_balance')}：{acc.pension_balance.display()}"
        self.ids.medical.text = f"{tr('accounts.medical_balance')}：{acc.medical_balance.display()}"
        self.ids.table.data_rows = [
            [str(y.year), str(y.principal), str(y.interest), str(y.balance)]
            for y in sorted(acc.pension_years, key=lambda y: y.year, reverse=True)
        ]
        self.ids.medical_table.data_rows = [
            [str(y.year), str(y.credits), str(y.spending), str(y.balance)]
            for y in sorted(acc.medical_years, key=lambda y: y.year, reverse=True)
        ]
