"""医保查询 / Medical insurance (issue 17): this year's medical account balance, then one of two
tables: the account month by month (credited, spent, balance) or the outpatient and inpatient
settlements (date, type, hospital, total, fund paid, member paid), the latest first; the year's
totals under them; an empty state in words when there are none."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.domain.medical import MedicalAccount, Settlements
from kiosk.session.intents import DataKey
from kiosk.session.machine import SessionState
from screens.base import KioskScreen

ACCOUNT_COLUMNS = ("month", "credits", "spending", "balance")
SETTLEMENT_COLUMNS = ("date", "kind", "institution", "total", "fund", "member")


def account_rows(account: MedicalAccount) -> list[list[str]]:
    """The months, the latest first (as the settlements)."""
    return [
        [str(m.period), str(m.credits), str(m.spending), str(m.balance)]
        for m in reversed(account.months)
    ]


def settlement_rows(s: Settlements, lang: str) -> list[list[str]]:
    return [
        [
            x.settled_on.isoformat(),
            x.kind_zh if lang == "zh" else x.kind_en,
            x.institution,
            str(x.total),
            str(x.fund_paid),
            str(x.member_paid),
        ]
        for x in s.settlements
    ]


class MedicalScreen(KioskScreen):
    tab = StringProperty("account")  # "account" | "settlements"

    def on_kv_post(self, base_widget) -> None:
        self._state: SessionState | None = None
        self.watch_language(self._render)

    def on_pre_enter(self, *_a) -> None:
        self.tab = "account"
        self._render()

    def pick_tab(self, tab: str) -> None:
        self.tab = tab
        self._render()

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    def _error(self, key: str) -> str:
        st = self._state
        if st is None or key not in st.errors:
            return ""
        said = st.said.get(key)
        return said.in_language(self.kiosk.lang) if said else self.kiosk.tr(st.errors[key])

    def _render(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        st = self._state
        account = st.data.medical_account if st else None
        settled = st.data.medical_settlements if st else None
        ids.tab_account.label = tr("medical.tab_account")
        ids.tab_settlements.label = tr("medical.tab_settlements")
        ids.tab_account.state = "down" if self.tab == "account" else "normal"
        ids.tab_settlements.state = "down" if self.tab == "settlements" else "normal"
        if account is not None:
            ids.balance.text = tr(
                "medical.balance", year=account.year, balance=account.closing_balance.display()
            )
            ids.account_line.text = tr(
                "medical.account_line",
                opening=str(account.opening_balance),
                credits=str(account.credits),
                spending=str(account.spending),
            )
        else:
            ids.balance.text = self._error(DataKey.MEDICAL_ACCOUNT) or tr("common.loading")
            ids.account_line.text = ""
        if settled is not None:
            ids.totals.text = tr(
                "medical.totals",
                year=settled.year,
                outpatient=settled.outpatient.count,
                inpatient=settled.inpatient.count,
                total=str(settled.all.total),
                fund=str(settled.all.fund_paid),
                member=str(settled.all.member_paid),
            )
        else:
            ids.totals.text = self._error(DataKey.MEDICAL_SETTLEMENTS)
        table, empty = ids.table, ""
        if self.tab == "account":
            table.header = [tr(f"medical.col_{c}") for c in ACCOUNT_COLUMNS]
            table.data_rows = account_rows(account) if account else []
            if account is not None and not account.months:
                empty = tr("medical.no_months", year=account.year)
        else:
            table.header = [tr(f"medical.col_{c}") for c in SETTLEMENT_COLUMNS]
            table.data_rows = settlement_rows(settled, self.kiosk.lang) if settled else []
            if settled is not None and not settled.settlements:
                empty = tr("medical.empty", year=settled.year)
            elif settled is not None and settled.truncated:
                empty = tr("medical.listed", shown=len(settled.settlements), count=settled.count)
        ids.empty.text = empty
