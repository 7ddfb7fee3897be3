"""我的缴费凭证 / My receipts (issue 17): the member's own past payments, newest first (paid at
any kiosk), a few per page, each with the government's part (代缴) where there was one and a
"reprint" button: the receipt printed again on the receipt printer, marked 补打. When the
printer cannot, the receipt's public page shows as a QR code."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty

from kiosk.domain.past_payments import PastPayment
from kiosk.domain.zone import DEFAULT_ZONE_NAME, in_zone, zone_named
from kiosk.session.intents import RequestName
from kiosk.session.machine import Request, SessionState
from screens.base import KioskScreen

PER_PAGE = 4


def period_span(p: PastPayment) -> str:
    """The months paid: one, or the first and last ("2026-01 – 2026-06")."""
    ps = sorted(p.periods)
    if not ps:
        return ""
    return str(ps[0]) if len(ps) == 1 else f"{ps[0]} – {ps[-1]}"


def _hall_zone() -> ZoneInfo:
    """The hall's zone (the app's config): a payment shows the time it was paid there."""
    cfg = getattr(App.get_running_app(), "cfg", None)
    return cfg.terminal.zone if cfg is not None else zone_named(DEFAULT_ZONE_NAME)


class MyReceiptsScreen(KioskScreen):
    page = NumericProperty(0)
    pages = NumericProperty(1)
    qr_shown = BooleanProperty(False)

    def on_kv_post(self, base_widget) -> None:
        self._state: SessionState | None = None
        self._shown: tuple[object, int, str] | None = None  # the rows drawn: list, page, lang
        self.watch_language(self._render)

    def on_pre_enter(self, *_a) -> None:
        self.page = 0
        self._render()

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    def step(self, delta: int) -> None:
        self.page = max(0, min(self.pages - 1, self.page + delta))
        self._render()

    def reprint(self, order_no: str) -> None:
        s = self._state
        if s is not None and RequestName.RECEIPT_REPRINT not in s.loading:
            self.kiosk.post(Request(RequestName.RECEIPT_REPRINT, {"order_no": order_no}))

    def _render(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        s = self._state
        payments = s.data.my_receipts if s is not None else None
        ids.status.text = ids.result.text = ""
        self.qr_shown = False
        ids.qr.data = ""
        if s is None:
            self._rows(None)
            return
        if payments is None:
            ids.status.text = tr(s.errors.get("my_receipts") or "common.loading")
            self._rows(None)
            return
        if not payments:
            ids.status.text = tr("receipts.none")
        self.pages = max(1, -(-len(payments) // PER_PAGE))
        self.page = min(self.page, self.pages - 1)
        ids.page_label.text = tr("receipts.page", page=self.page + 1, pages=self.pages)
        self._rows(payments)
        self._render_result(s)

    def _render_result(self, s: SessionState) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        ids = self.ids
        key = RequestName.RECEIPT_REPRINT
        if key in s.loading:
            ids.result.text = tr("receipts.printing")
            return
        if key in s.errors:
            said = s.said.get(key)
            ids.result.text = said.in_language(lang) if said else tr(s.errors[key])
            return
        done = s.data.receipt_reprint
        if done is None:
            return
        if done.printed:
            ids.result.text = tr("receipts.printed", order=done.order_no)
        else:
            ids.result.text = tr("receipts.not_printed", order=done.order_no)
            ids.qr.data = done.receipt_url
            self.qr_shown = True

    def _rows(self, payments: list[PastPayment] | None) -> None:
        lang = self.kiosk.lang
        box = self.ids.rows
        key = (payments, self.page, lang)
        if self._shown is not None and self._shown[0] is payments and self._shown[1:] == key[1:]:
            return  # the same rows: no rebuild on every state change
        self._shown = key
        box.clear_widgets()
        if not payments:
            return
        tr = self.kiosk.tr
        zone = _hall_zone()
        for p in payments[self.page * PER_PAGE : (self.page + 1) * PER_PAGE]:
            paid = in_zone(p.paid_at, zone)
            first = tr(
                "receipts.row",
                date=paid.strftime("%Y-%m-%d %H:%M"),
                scheme=p.scheme.name_in(lang),
                periods=period_span(p),
            )
            money = tr("receipts.row_total", total=p.total.display())
            if p.paid_by_government:
                money += "　" + tr("receipts.row_government", amount=p.paid_by_government.display())
            row = Factory.ReceiptRow()
            row.ids.what.text = first
            row.ids.money.text = money
            row.ids.reprint.text = tr("receipts.reprint")
            row.ids.reprint.bind(on_release=lambda _b, no=p.order_no: self.reprint(no))
            row.order_no = p.order_no
            box.add_widget(row)
