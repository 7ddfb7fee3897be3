"""Contribution history (缴费明细): a year and a scheme at a time, and a chart of all years.

Individuals' months have no employer part ("—"); residents' pension rows show the government
subsidy (政府补贴) in its own column, never added to what the member paid; a residents' row is
the whole year (12 months in the chart); back-paid months (补缴 ◆) show the day they were paid."""

from __future__ import annotations

from collections import Counter

from kivy.factory import Factory
from kivy.properties import BooleanProperty
from kivy.uix.widget import Widget

from kiosk.domain import ContributionMonth, MonthStatus, Scheme
from kiosk.domain.records import YEARLY_SCHEMES
from kiosk.session.machine import SessionState
from screens.base import KioskScreen

INDIVIDUAL = "个人"  # the payer the back office names when the member paid themselves
NONE = "—"  # no such part (an individual's month has no employer)
COLUMNS = ("period", "base", "employer", "personal", "status", "payer")
# Residents' pension: the tier (档次) paid by the member, the state's subsidy beside it.
RESIDENT_PENSION_COLUMNS = ("period", "tier", "personal", "subsidy", "status", "payer")


class HistoryScreen(KioskScreen):
    has_rows = BooleanProperty(True)  # False: the empty state instead of table and chart
    # False: the shown year has no month of the shown scheme (e.g. medical only from 2024):
    # the empty state stands where the table would, the tabs and the chart stay to move on
    has_months = BooleanProperty(True)
    year: int | None = None
    scheme: Scheme | None = None
    years: list[int] = []  # noqa: RUF012 - replaced, never mutated
    schemes: list[Scheme] = []  # noqa: RUF012 - replaced, never mutated
    rows: list[ContributionMonth] = []  # noqa: RUF012 - replaced, never mutated
    error: str | None = None  # the message key of the answer's error, if any
    _source: list[ContributionMonth] | None = None  # the answer the rows came from

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)
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
        # Built in its loading look (table header, the waiting line): the member's first frame
        # here then only changes what the answer changes.
        self._render()

    def show(self, state: SessionState) -> None:
        rows = state.data.history
        self.error = state.errors.get("history")
        if rows is None:
            if self._source is not None:
                # loading or gone with the session: no year or tab of the last answer stays
                self.years, self.schemes, self.year, self.scheme = [], [], None, None
                self._build_tabs()
            self._source = None
            self.rows = []
        elif rows is not self._source:
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
        for sc in self.schemes:
            b = self._tab_for[sc]
            b.state = "down" if sc == self.scheme else "normal"
            tabs.add_widget(b)

    def pick_year(self, year: int) -> None:
        if year in self.years:
            self.year = year
            self._render()

    def step_year(self, delta: int) -> None:
        years = self.years
        if self.year in years:
            i = max(0, min(len(years) - 1, years.index(self.year) + delta))
            self.pick_year(years[i])

    def pick_scheme(self, scheme: Scheme) -> None:
        self.scheme = scheme
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        for b in self.ids.tabs.children:
            b.label = b.scheme.name_in(self.kiosk.lang)
        columns = RESIDENT_PENSION_COLUMNS if self.scheme is Scheme.RESIDENT_PENSION else COLUMNS
        self.ids.table.header = [tr(f"history.col_{c}") for c in columns]
        empty = self.ids.empty
        if self.year is None:
            error = self.error
            loaded = self._source is not None
            self.has_rows = False
            self.has_months = True
            self.ids.year.text = ""
            empty.icon = "error" if error else ("empty" if loaded else "clock")
            empty.text = tr(error) if error else tr("history.empty" if loaded else "common.loading")
            self.ids.table.data_rows = []
            self.ids.chart.values = []
            return
        self.has_rows = True
        self.ids.year.text = tr("history.year", year=self.year)
        shown = [r for r in self.rows if r.period.year == self.year and r.scheme == self.scheme]
        shown.sort(key=lambda r: r.period)
        self.has_months = bool(shown)
        if shown:
            empty.icon = empty.text = ""
        else:  # the year has none of this scheme: a sentence, not an empty table
            scheme = self.scheme.name_in(self.kiosk.lang) if self.scheme else ""
            empty.icon = "empty"
            empty.text = tr(
                "history.no_months",
                year=self.year,
                scheme=scheme if self.kiosk.lang == "zh" else scheme.lower(),
            )
        self.ids.table.data_rows = [[self._cell(r, c) for c in columns] for r in shown]
        paid: Counter[int] = Counter()
        for r in self.rows:
            if r.scheme == self.scheme and r.status.counted:
                paid[r.period.year] += r.months  # a residents' year is 12 months
        self.ids.chart.values = [(str(y), paid.get(y, 0)) for y in self.years]
        self.ids.chart.selected = str(self.year)

    def _cell(self, r: ContributionMonth, column: str) -> str:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        individual = r.payer == INDIVIDUAL
        if column == "period":
            if r.scheme in YEARLY_SCHEMES:
                return tr("history.whole_year", year=r.period.year)
            return str(r.period)
        if column in ("base", "tier"):
            return str(r.base)
        if column == "employer":
            return NONE if individual else str(r.employer_part)
        if column == "personal":
            return str(r.personal_part)
        if column == "subsidy":
            return str(r.subsidy)
        if column == "status":
            name = r.status.zh if lang == "zh" else r.status.en
            if r.status is MonthStatus.BACK_PAID and r.paid_on is not None:
                return tr(
                    "history.status_on",
                    symbol=r.status.symbol,
                    status=name,
                    date=r.paid_on.isoformat(),
                )
            return f"{r.status.symbol} {name}"
        return tr("history.individual") if individual else r.payer
