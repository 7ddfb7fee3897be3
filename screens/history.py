"""Contribution history (缴费明细): a year and a scheme at a time, and a chart of all years."""

from __future__ import annotations

from collections import Counter

from kivy.factory import Factory
from kivy.uix.widget import Widget

from kiosk.domain import ContributionMonth, MonthStatus, Scheme
from kiosk.session import SessionState
from screens.base import KioskScreen


class HistoryScreen(KioskScreen):
    year: int | None = None
    scheme: Scheme | None = None
    rows: list[ContributionMonth] = []  # noqa: RUF012 - replaced, never mutated

    def on_kv_post(self, base_widget) -> None:
        self.kiosk.bind(lang=lambda *_: self._render())
        self.ids.chart.on_pick = lambda label: self.pick_year(int(label))
        # One tab per scheme, built with the page (~4 ms each): a member's schemes are then
        # shown by adding the ready tabs, not by building them in the frame with their data.
        self._tab_for: dict[Scheme, Widget] = {}
        for sc in Scheme:
            b = Factory.TabButton(group="scheme")
            b.scheme = sc
            b.label = sc.name_in(self.kiosk.lang)  # its text drawn now, not with the data
            b.bind(on_release=lambda w: self.pick_scheme(w.scheme))
            self._tab_for[sc] = b

    def show(self, state: SessionState) -> None:
        rows = state.data.get("history")
        self.error = state.errors.get("history")
        if rows is None:
            self._source = None
            self.rows = []
        elif rows is not getattr(self, "_source", None):
            # New data (not just another state change): rebuild years, schemes and tabs.
            self._source = rows
            self.rows = list(rows)
            years = sorted({r.period.year for r in self.rows})
            schemes = sorted({r.scheme for r in self.rows}, key=list(Scheme).index)
            self.years = years
            self.schemes = schemes
            self.year = years[-1] if years else None
            self.scheme = schemes[0] if schemes else None
            self._build_tabs()
        self._render()

    def _build_tabs(self) -> None:
        tabs = self.ids.tabs
        tabs.clear_widgets()
        for sc in getattr(self, "schemes", []):
            b = self._tab_for[sc]
            b.state = "down" if sc == self.scheme else "normal"
            tabs.add_widget(b)

    def pick_year(self, year: int) -> None:
        if year in getattr(self, "years", []):
            self.year = year
            self._render()

    def step_year(self, delta: int) -> None:
        years = getattr(self, "years", [])
        if self.year in years:
            i = max(0, min(len(years) - 1, years.index(self.year) + delta))
            self.pick_year(years[i])

    def pick_scheme(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self._render()

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        for b in self.ids.tabs.children:
            b.label = b.scheme.name_in(lang)
        self.ids.table.header = [
            tr(f"history.col_{c}")
            for c in ("period", "base", "employer", "personal", "status", "payer")
        ]
        if self.year is None:
            self.ids.year.text = (
                tr(getattr(self, "error", None) or "common.loading")
                if not self.rows
                else tr("common.none")
            )
            self.ids.table.data_rows = []
            self.ids.chart.values = []
            return
        self.ids.year.text = tr("history.year", year=self.year)
        shown = [r for r in self.rows if r.period.year == self.year and r.scheme == self.scheme]
        shown.sort(key=lambda r: r.period)
        self.ids.table.data_rows = [
            [
                str(r.period),
                str(r.base),
                str(r.employer_part),
                str(r.personal_part),
                f"{r.status.symbol} {r.status.zh if lang == 'zh' else r.status.en}",
                r.payer,
            ]
            for r in shown
        ]
        paid = Counter(
            r.period.year
            for r in self.rows
            if r.scheme == self.scheme and r.status is not MonthStatus.ARREARS
        )
        self.ids.chart.values = [(str(y), paid.get(y, 0)) for y in self.years]
        self.ids.chart.selected = str(self.year)
