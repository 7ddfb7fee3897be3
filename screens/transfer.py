"""转移接续 / Transfer between cities (issue 17): two views on one page. "Print the voucher":
the pension or medical 参保缴费凭证 chosen, page 1 previewed, printed on A4 (as the print page).
"Transfer-in request": the open request's progress step by step, or the cities to choose from
and "submit"; a refusal in the back office's own words."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.domain.transfer import City, TransferRequest, TransferStep, VoucherKind
from kiosk.session.intents import DataKey, RequestName
from kiosk.session.machine import Request, SessionState
from screens.base import KioskScreen
from screens.print import PreviewImage  # noqa: F401  (its kv rule draws the preview)

STEPS = tuple(TransferStep)


def progress_index(request: TransferRequest) -> int:
    """The StepIndicator's current step: the furthest reached; past the last once done."""
    if request.state is TransferStep.DONE:
        return len(STEPS)
    return STEPS.index(request.state)


class TransferScreen(KioskScreen):
    tab = StringProperty("voucher")  # "voucher" | "request"
    kind = StringProperty(VoucherKind.PENSION.value)
    city = StringProperty("")  # the region code chosen for a new request

    def on_kv_post(self, base_widget) -> None:
        self._state: SessionState | None = None
        # Only the shown view is in the tree: a hidden one would still take touches.
        # (the widgets themselves: ids are weak proxies, and a view out of the tree has no
        # other owner)
        self._views = {
            "voucher": self.ids.voucher_view.__self__,
            "request": self.ids.request_view.__self__,
        }
        self._city_buttons: dict[str, Any] = {}  # code -> its CityButton
        self.asked_preview = self.asked_print = self.asked_start = False
        self.watch_language(self._render)
        self._place()

    def on_pre_enter(self, *_a) -> None:
        # A new visit: an earlier preview, print or request result is not this one's.
        self.asked_preview = self.asked_print = self.asked_start = False
        self.city = ""
        self._render()

    # -- the member's choices -----------------------------------------------------------------

    def pick_tab(self, tab: str) -> None:
        self.tab = tab
        self._place()
        self._render()

    def pick_kind(self, kind: str) -> None:
        self.kind = kind
        self.asked_preview = self.asked_print = False
        self._render()

    def pick_city(self, code: str) -> None:
        self.city = code
        self.asked_start = False
        self._render()

    def preview(self) -> None:
        self.asked_preview, self.asked_print = True, False
        self.kiosk.post(Request(RequestName.VOUCHER_PREVIEW, {"kind": self.kind}))
        self._render()

    def print_voucher(self) -> None:
        self.asked_print = True
        self.kiosk.post(Request(RequestName.VOUCHER_PRINT))
        self._render()

    def start_request(self) -> None:
        if not self.city:
            return
        self.asked_start = True
        self.kiosk.post(Request(RequestName.TRANSFER_START, {"from_city": self.city}))
        self._render()

    # -- drawing ---------------------------------------------------------------------------

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    def _place(self) -> None:
        body = self.ids.body
        body.clear_widgets()
        body.add_widget(self._views[self.tab])

    def _name(self, city: City) -> str:
        return city.zh if self.kiosk.lang == "zh" else city.en

    def _error(self, key: str) -> str:
        st = self._state
        if st is None or key not in st.errors:
            return ""
        said = st.said.get(key)
        return said.in_language(self.kiosk.lang) if said else self.kiosk.tr(st.errors[key])

    def _render(self) -> None:
        if not hasattr(self, "_views"):
            return
        tr = self.kiosk.tr
        ids = self.ids
        ids.tab_voucher.label = tr("transfer.tab_voucher")
        ids.tab_request.label = tr("transfer.tab_request")
        ids.tab_voucher.state = "down" if self.tab == "voucher" else "normal"
        ids.tab_request.state = "down" if self.tab == "request" else "normal"
        self._render_voucher()
        self._render_request()

    def _render_voucher(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        st = self._state
        ids.kind_pension.label = tr("transfer.pension")
        ids.kind_medical.label = tr("transfer.medical")
        ids.kind_pension.state = "down" if self.kind == VoucherKind.PENSION else "normal"
        ids.kind_medical.state = "down" if self.kind == VoucherKind.MEDICAL else "normal"
        preview = st.data.voucher_preview if st and self.asked_preview else None
        if preview is not None and preview.kind != self.kind:
            preview = None
        loading = st.loading if st else frozenset()
        ids.image.path = preview.image if preview else ""
        ids.image.opacity = 1 if preview else 0
        ids.print_button.disabled = preview is None or RequestName.VOUCHER_PRINT in loading
        msg = ""
        if self.asked_preview:
            if RequestName.VOUCHER_PREVIEW in loading:
                msg = tr("print.preparing")
            elif error := self._error(RequestName.VOUCHER_PREVIEW):
                msg = error
            elif preview:
                msg = tr(
                    "transfer.voucher_ready",
                    title=preview.title,
                    pages=preview.pages,
                    code=preview.verification_code,
                )
        if self.asked_print:
            if RequestName.VOUCHER_PRINT in loading:
                msg = tr("print.printing")
            elif error := self._error(RequestName.VOUCHER_PRINT):
                msg = error
            elif st and st.data.voucher_print:
                msg = tr("print.done", pages=st.data.voucher_print.pages)
        ids.voucher_message.text = msg

    def _render_request(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        st = self._state
        reqs = st.data.transfer if st else None
        cities = st.data.transfer_cities if st else None
        loading = st.loading if st else frozenset()
        ids.steps.steps, ids.reached.text, ids.state_line.text, ids.last_done.text = [], "", "", ""
        open_ = reqs.open if reqs else None
        if reqs is None:
            ids.status.text = self._error(DataKey.TRANSFER) or tr("transfer.loading")
        elif open_ is not None:
            ids.status.text = tr(
                "transfer.open_title",
                city=self._name(open_.from_city),
                date=open_.submitted_on.isoformat(),
            )
            lang = self.kiosk.lang
            ids.steps.steps = [s.zh if lang == "zh" else s.en for s in open_.steps]
            ids.steps.current = progress_index(open_)
            ids.state_line.text = tr(
                "transfer.state", state=open_.state_zh if lang == "zh" else open_.state_en
            )
            ids.reached.text = "　".join(
                tr(
                    "transfer.reached",
                    step=s.zh if lang == "zh" else s.en,
                    date=s.reached_on.isoformat(),
                )
                for s in open_.steps
                if s.reached_on is not None
            )
        else:
            ids.status.text = tr("transfer.none")
            done = next((r for r in reqs.requests if not r.open), None)
            if done is not None:
                last = max((s.reached_on for s in done.steps if s.reached_on), default=None)
                ids.last_done.text = tr(
                    "transfer.last_done",
                    city=self._name(done.from_city),
                    date=(last or done.submitted_on).isoformat(),
                )
        # A new request only when none is open (the back office holds one at a time).
        choosing = reqs is not None and open_ is None and cities is not None
        self._fill_cities(cities.cities if cities and choosing else ())
        ids.choose_city.text = tr("transfer.choose_city") if choosing else ""
        ids.start_row.opacity = 1 if choosing else 0
        ids.start.disabled = not choosing or not self.city or RequestName.TRANSFER_START in loading
        msg = ""
        if self.asked_start:
            if RequestName.TRANSFER_START in loading:
                msg = tr("transfer.loading")
            elif error := self._error(RequestName.TRANSFER_START):
                msg = error
            elif st and st.data.transfer_start is not None:
                msg = tr("transfer.started")
        ids.request_message.text = msg

    def _fill_cities(self, cities: tuple[City, ...]) -> None:
        from kivy.factory import Factory

        grid = self.ids.cities
        codes = [c.code for c in cities]
        if codes != list(self._city_buttons):
            grid.clear_widgets()
            self._city_buttons = {}
            for c in cities:
                b = Factory.CityButton()
                b.bind(on_release=lambda _b, code=c.code: self.pick_city(code))
                grid.add_widget(b)
                self._city_buttons[c.code] = b
        for c in cities:
            b = self._city_buttons[c.code]
            b.label = self._name(c)
            b.state = "down" if c.code == self.city else "normal"
