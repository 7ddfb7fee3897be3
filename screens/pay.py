"""Pay contributions: what is due -> base or tier and months -> breakdown -> card or QR ->
outcome and receipt. Every step is a request to the kiosk core; money moves only there."""

from __future__ import annotations

import time
from decimal import Decimal

from kivy.clock import Clock
from kivy.factory import Factory

from kiosk.domain import Money
from kiosk.domain.dues import Due, DueKind
from kiosk.payments.flow import counter_only, payable
from kiosk.session.intents import RequestName
from kiosk.session.machine import Request, SessionState
from screens.base import KioskScreen

BASE_SHARES = (Decimal("0.6"), Decimal("1"), Decimal("1.5"), Decimal("2"), Decimal("3"))
MONTH_CHOICES = (1, 3, 6, 12)


class PayScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)
        self._state: SessionState | None = None
        self._reset()
        Clock.schedule_interval(self._tick, 1)

    def _reset(self) -> None:
        self.step = "dues"
        self.due: Due | None = None
        self.base: Money | None = None
        self.months = 0
        self.tier: Money | None = None
        self.asked: set[str] = set()

    def on_pre_enter(self, *_a) -> None:
        self._reset()
        self._render()

    # -- intents --------------------------------------------------------------------------

    def pick_due(self, due: Due) -> None:
        self.due = due
        self.base = due.base_default
        self.months = min(3, len(due.periods)) or 1
        self.tier = due.tiers[0].amount if due.tiers else None
        self.step = "options"
        self._render()

    def ask(self, key: RequestName, params: dict | None = None) -> None:
        self.asked.add(key)
        self.kiosk.post(Request(key, params or {}))
        self._render()

    def show_breakdown(self) -> None:
        d = self.due
        if d is None:
            return
        params: dict = {"scheme": d.scheme.value}
        if d.kind is DueKind.FLEXIBLE:
            params["base"] = str(self.base.yuan) if self.base else None
            params["periods"] = [str(p) for p in sorted(d.periods)[: self.months]]
        elif d.kind is DueKind.RESIDENT_TIER and self.tier is not None:
            params["tier"] = str(self.tier.yuan)
        self.asked -= {"pay_card", "pay_qr_start", "pay_qr_wait"}
        self.step = "quote"
        self.ask(RequestName.PAY_QUOTE, params)

    def pay_card(self) -> None:
        self.ask(RequestName.PAY_CARD)

    def pay_qr(self) -> None:
        self.ask(RequestName.PAY_QR_START)

    def cancel_qr(self) -> None:
        self.ask(RequestName.PAY_CANCEL)

    def back_to_options(self) -> None:
        self.step = "options"
        self._render()

    # -- state ----------------------------------------------------------------------------

    def show(self, state: SessionState) -> None:
        self._state = state
        # The QR is on screen: wait for the phone (once).
        if (
            "pay_qr_start" in self.asked
            and "pay_qr_start" in state.data
            and "pay_qr_wait" not in self.asked
        ):
            self.ask(RequestName.PAY_QR_WAIT)
            return
        self._render()

    def _tick(self, _dt: float) -> None:
        if self.manager is not None and self.manager.current == self.name and self.step == "qr":
            self._render()

    def _current_step(self) -> str:
        st = self._state
        if st is None:
            return self.step
        mine = {k: v for k, v in st.data.items() if k in self.asked}
        busy = self.asked & set(st.loading)
        if "pay_card" in busy:
            return "paying"
        if "pay_qr_wait" in busy or ("pay_qr_start" in mine and "pay_qr_wait" not in mine):
            return "qr" if "pay_qr_start" in mine else "paying"
        if "pay_qr_start" in busy:
            return "paying"
        if "pay_card" in mine or "pay_qr_wait" in mine:
            return "result"
        return self.step

    def _render(self) -> None:
        tr = self.kiosk.tr
        st = self._state
        step = self._current_step()
        ids = self.ids
        ids.steps.current = step
        errors = {
            k: v for k, v in (st.errors if st else {}).items() if k in self.asked or k == "dues"
        }
        ids.message.text = self._error_text(st, errors) if errors else ""
        if step == "dues":
            self._render_dues(st)
        elif step == "options":
            self._render_options()
        elif step == "quote":
            self._render_quote(st)
        elif step == "paying":
            ids.paying_text.text = tr("payments.paying") + "\n" + tr("pay.keep_card")
        elif step == "qr":
            shown = st.data.pay_qr_start if st else None
            if shown is not None:
                ids.qr.data = shown.url
                left = max(0, int(shown.timeout - (time.monotonic() - shown.shown_at)))
                ids.qr_text.text = tr("payments.qr_scan", seconds=left)
        elif step == "result":
            self._render_result(st)

    def _error_text(self, st: SessionState | None, errors: dict[str, str]) -> str:
        """The back office's own words where it refused with some (they name the month too
        old to pay here, or the year with no average wage), else the kiosk's message."""
        key, message_key = next(iter(errors.items()))
        said = st.said.get(key) if st else None
        return said.in_language(self.kiosk.lang) if said else self.kiosk.tr(message_key)

    def _render_dues(self, st: SessionState | None) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        box = self.ids.dues_list
        box.clear_widgets()
        dues = st.data.dues if st else None
        if dues is None:
            # Refused (the message above says why, e.g. no average wage), or still loading.
            refused = st is not None and "dues" in st.errors and "dues" not in st.loading
            self.ids.dues_title.text = "" if refused else tr("common.loading")
            self.ids.counter_only.text = ""
            return
        here, old = payable(dues), counter_only(dues)
        if here:
            self.ids.dues_title.text = tr("pay.choose")
        else:  # nothing to pay here: say why when the counter has something to settle
            self.ids.dues_title.text = tr("payments.counter_only_title" if old else "pay.nothing")
        self.ids.counter_only.text = "\n".join(n.text(self.kiosk.translator) for n in old)
        for d in here:
            ps = sorted(d.periods)
            if d.kind is DueKind.FLEXIBLE and ps:
                text = tr(
                    "pay.due_line",
                    scheme=d.scheme.name_in(lang),
                    first=str(ps[0]),
                    last=str(ps[-1]),
                    count=len(ps),
                )
            else:
                text = tr("pay.due_line_year", scheme=d.scheme.name_in(lang), year=d.year)
            # Its size from its kv rule: a size_hint_y given here would lose to BigButton's
            # `size_hint: 1, 1`, and the buttons would overlap in a zero-height list.
            b = Factory.DueButton(text=text)
            b.bind(on_release=lambda _b, due=d: self.pick_due(due))
            box.add_widget(b)

    def _render_options(self) -> None:
        tr = self.kiosk.tr
        d = self.due
        ids = self.ids
        ids.base_box.clear_widgets()
        ids.months_box.clear_widgets()
        if d is None:
            return
        if d.kind is DueKind.FLEXIBLE and d.base_min is not None and d.base_max is not None:
            ids.base_title.text = tr("pay.base")
            ids.months_title.text = tr("pay.months")
            for share in BASE_SHARES:
                # The back office's average wage and limits: share x average / 12, rounded once.
                amount = d.base_at(share)
                if amount is None:
                    continue
                b = Factory.TabButton(
                    group="pay_base",
                    label=f"{int(share * 100)}%  {amount.display()}",
                    state="down" if amount == self.base else "normal",
                )
                b.bind(on_release=lambda _b, a=amount: self._set("base", a))
                ids.base_box.add_widget(b)
            for n in sorted({m for m in MONTH_CHOICES if m <= len(d.periods)} | {len(d.periods)}):
                b = Factory.TabButton(
                    group="pay_months",
                    label=tr("pay.months_n", n=n),
                    state="down" if n == self.months else "normal",
                )
                b.bind(on_release=lambda _b, n=n: self._set("months", n))
                ids.months_box.add_widget(b)
        elif d.kind is DueKind.RESIDENT_TIER:
            ids.base_title.text = tr("pay.tier")
            ids.months_title.text = ""
            for t in d.tiers:
                b = Factory.TabButton(
                    group="pay_tier",
                    label=tr("pay.tier_n", amount=t.amount.display(), subsidy=t.subsidy.display()),
                    state="down" if t.amount == self.tier else "normal",
                )
                b.bind(on_release=lambda _b, a=t.amount: self._set("tier", a))
                ids.base_box.add_widget(b)
        else:
            fee = d.annual_fee or d.amount
            ids.base_title.text = tr("pay.annual_fee", amount=fee.display())
            ids.months_title.text = ""

    def _set(self, what: str, value: object) -> None:
        setattr(self, what, value)
        self._render()

    def _render_quote(self, st: SessionState | None) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        ids.lines.header = [tr(f"pay.col_{c}") for c in ("period", "base", "amount", "late_fee")]
        pq = st.data.pay_quote if st and "pay_quote" in self.asked else None
        refused = st is not None and "pay_quote" in st.errors
        if pq is None or refused or (st and "pay_quote" in st.loading):
            # A refused quote (the message above says why) never leaves an older one payable.
            busy = st is not None and "pay_quote" in st.loading
            ids.total.text = tr("common.loading") if busy or not refused else ""
            ids.lines.data_rows = []
            ids.readiness.text = ""
            ids.pay_card.disabled = ids.pay_qr.disabled = True
            return
        q = pq.quote
        ids.lines.data_rows = [
            [str(x.period), str(x.base), str(x.amount), str(x.late_fee)] for x in q.lines
        ]
        total = tr("payments.confirm", total=q.total.display())
        if q.subsidy:
            total += "　" + tr("pay.subsidy", amount=q.subsidy.display())
        ids.total.text = total
        ready = pq.readiness.value == "ready"
        ids.readiness.text = "" if ready else tr(pq.readiness.message_key)
        ids.pay_card.disabled = ids.pay_qr.disabled = False

    def _render_result(self, st: SessionState | None) -> None:
        tr = self.kiosk.tr
        res = None
        if st and "pay_qr_wait" in self.asked and "pay_qr_wait" in st.data:
            res = st.data.pay_qr_wait
        elif st and "pay_card" in self.asked and "pay_card" in st.data:
            res = st.data.pay_card
        ids = self.ids
        if res is None:
            return
        o = res.outcome
        lines = [tr(o.message_key)]
        if o.order_no:
            lines.append(tr("pay.order_no", order=o.order_no, total=o.total.display()))
        if res.receipt_key:
            lines.append(tr(res.receipt_key))
        ids.result_text.text = "\n".join(lines)
        ids.receipt_qr.data = res.receipt_url
        ids.receipt_qr_label.text = tr("pay.receipt_qr") if res.receipt_url else ""
