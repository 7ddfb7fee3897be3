"""Pay contributions: what is due -> base or tier and months -> breakdown -> card or QR ->
outcome and receipt. Every step is a request to the kiosk core; money moves only there. The
page's steps are kiosk.payments.wizard.PayWizard's: this screen only draws them.

A card sale asks the member mid-payment (kiosk.payments.card_desk.CardDesk): which bank
application, and the 金融密码. The keypad drawn here for an emulated PIN pad sends each key
straight to the pad and keeps nothing: the dots are the pad's own count."""

from __future__ import annotations

import secrets
import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import ColorProperty

from kiosk.domain import Money
from kiosk.domain.dues import Due, DueKind
from kiosk.domain.payments import Outcome
from kiosk.payments.card_desk import CardDesk, CardPrompt
from kiosk.payments.flow import PayResult
from kiosk.payments.wizard import CardAction, PayStep, PayWizard
from kiosk.session.machine import Request, SessionState
from screens import theme, wake
from screens.base import KioskScreen

# The header's steps (选择 → 核对 → 支付 → 凭证) for each of the wizard's panels.
HEADER_STEPS = ("steps.choose", "steps.check", "steps.pay", "steps.receipt")
HEADER_STEP = {
    PayStep.DUES: 0,
    PayStep.OPTIONS: 0,
    PayStep.QUOTE: 1,
    PayStep.PAYING: 2,
    PayStep.CHOOSE_APP: 2,
    PayStep.BANK_PIN: 2,
    PayStep.QR: 2,
    PayStep.RESULT: 3,
}


# A result's mark: icon, headline key and colour (on the result's white card), per outcome.
RESULT_LOOK = {
    Outcome.PAID: ("success", "pay.result_paid", theme.OK),
    Outcome.NOT_CHARGED: ("failure", "pay.result_not_paid", theme.DANGER),
    Outcome.REVERSED: ("failure", "pay.result_not_paid", theme.DANGER),
    Outcome.IN_DOUBT: ("warning", "pay.result_in_doubt", theme.WARNING),
}


def next_step(res: PayResult, st: SessionState | None) -> str:
    """The key of what the member does next, "" for nothing more: take the receipt (and the
    social security card when one is in the reader), or retry / pay by QR when nothing was
    taken."""
    if res.paid:
        if res.receipt_key != "payments.receipt_printed":
            return ""
        by_card = st is not None and not st.id_scope
        return "pay.next_receipt_card" if by_card else "pay.next_receipt"
    if res.outcome.outcome in (Outcome.NOT_CHARGED, Outcome.REVERSED):
        return "pay.next_retry"
    return ""


def fee_parts(tr: Any, government: Money, member: Money) -> str:
    """代缴 (issue 17): the government's part beside the member's, both in words."""
    return tr("fee.parts", government=government.display(), member=member.display())


class PayScreen(KioskScreen):
    result_color = ColorProperty(theme.OK)  # the result's mark and stripe (with its words)

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)
        self._state: SessionState | None = None
        self.wizard = PayWizard()
        Clock.schedule_interval(self._tick, 1)

    def on_pre_enter(self, *_a) -> None:
        self.wizard = PayWizard()
        desk = self._desk()
        if desk is not None and not getattr(self, "_desk_watched", False):
            # The desk tells from the sale's worker thread: redraw on the UI thread.
            desk.subscribe(lambda _p: wake.call_soon(self._render))
            self._desk_watched = True
        self._render()

    @staticmethod
    def _desk() -> CardDesk | None:
        """The assembled kiosk's card desk (none without devices: no card sale to answer)."""
        controller = getattr(App.get_running_app(), "controller", None)
        paying = getattr(getattr(controller, "data", None), "paying", None)
        desk = getattr(paying, "card_desk", None)
        return desk if isinstance(desk, CardDesk) else None

    def _prompt(self) -> CardPrompt | None:
        desk = self._desk()
        return desk.prompt() if desk is not None else None

    def _answer(self, actions: list[CardAction]) -> None:
        desk = self._desk()
        if desk is not None:
            for a in actions:
                a.apply(desk)  # never blocks: a key to the emulated pad, or a flag

    # -- intents --------------------------------------------------------------------------

    def _post(self, step: tuple[PayWizard, list[Request]]) -> None:
        self.wizard, requests = step
        for r in requests:
            self.kiosk.post(r)
        self._render()

    def pick_due(self, due: Due) -> None:
        self.wizard = self.wizard.pick_due(due)
        self._render()

    def show_breakdown(self) -> None:
        self._post(self.wizard.breakdown())

    def request_quote(self, params: dict[str, Any]) -> None:
        """A breakdown with these parameters (the UI tests ask for a month the dues no longer
        offer)."""
        self._post(self.wizard.request_quote(params))

    def pay_card(self) -> None:
        self._post(self.wizard.pay_card())

    def pay_qr(self) -> None:
        self._post(self.wizard.pay_qr())

    def cancel_qr(self) -> None:
        self._post(self.wizard.cancel_qr())

    def back_to_options(self) -> None:
        self.wizard = self.wizard.back_to_options()
        self._render()

    def pay_qr_instead(self) -> None:
        self._post(self.wizard.pay_qr_instead())

    def pick_application(self, index: int) -> None:
        self._answer(self.wizard.pick_application(index))

    def pin_key(self, key: str) -> None:
        self.kiosk.key_tone()
        self._answer(self.wizard.pin_key(key))

    def cancel_card(self) -> None:
        self._answer(self.wizard.cancel_card())

    # -- state ----------------------------------------------------------------------------

    def show(self, state: SessionState) -> None:
        self._state = state
        self._post(self.wizard.on_state(state))

    def _tick(self, _dt: float) -> None:
        on_page = self.manager is not None and self.manager.current == self.name
        if on_page and self.wizard.current(self._state, self._prompt()) is PayStep.QR:
            self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        st = self._state
        prompt = self._prompt()
        step = self.wizard.current(st, prompt)
        ids = self.ids
        if step is PayStep.BANK_PIN and ids.steps.current != step.value:
            self._build_keypad()  # a new digit order for every entry
        ids.steps.current = step.value
        self.step = HEADER_STEP[step]
        # The bank PIN is a step of paying: the steps stay, at 支付 (the pad beside its words).
        self.step_keys = list(HEADER_STEPS)
        message = self.wizard.message(st)
        if message is None:
            ids.message.text = ""
        else:  # the back office's own words where it gave some, else the kiosk's message
            message_key, said = message
            ids.message.text = said.in_language(self.kiosk.lang) if said else tr(message_key)
        if step is PayStep.DUES:
            self._render_dues(st)
        elif step is PayStep.OPTIONS:
            self._render_options()
        elif step is PayStep.QUOTE:
            self._render_quote(st)
        elif step is PayStep.PAYING:
            ids.paying_text.text = tr("payments.paying") + "\n" + tr("pay.keep_card")
        elif step is PayStep.CHOOSE_APP:
            self._render_applications(prompt)
        elif step is PayStep.BANK_PIN:
            self._render_bank_pin(prompt)
        elif step is PayStep.QR:
            shown = self.wizard.qr(st)
            if shown is not None:
                ids.qr.data = shown.url
                left = max(0, int(shown.timeout - (time.monotonic() - shown.shown_at)))
                ids.qr_text.text = tr("payments.qr_scan", seconds=left)
        elif step is PayStep.RESULT:
            self._render_result(st)

    def _render_dues(self, st: SessionState | None) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        box = self.ids.dues_list
        box.clear_widgets()
        view = self.wizard.dues_view(st)
        self.ids.dues_title.text = tr(view.title_key) if view.title_key else ""
        self.ids.counter_only.text = "\n".join(
            n.text(self.kiosk.translator) for n in view.counter_only
        )
        for d in view.payable:
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
        w = self.wizard
        d = w.due
        ids = self.ids
        ids.base_box.clear_widgets()
        ids.months_box.clear_widgets()
        if d is None:
            return
        if d.kind is DueKind.FLEXIBLE and d.base_min is not None and d.base_max is not None:
            ids.base_title.text = tr("pay.base")
            ids.months_title.text = tr("pay.months")
            for share, amount in w.base_choices():
                # The back office's average wage and limits: share x average / 12, rounded once.
                b = Factory.TabButton(
                    group="pay_base",
                    label=f"{int(share * 100)}%  {amount.display()}",
                    state="down" if amount == w.base else "normal",
                )
                b.bind(on_release=lambda _b, a=amount: self._choose(base=a))
                ids.base_box.add_widget(b)
            for n in w.month_choices():
                b = Factory.TabButton(
                    group="pay_months",
                    label=tr("pay.months_n", n=n),
                    state="down" if n == w.months else "normal",
                )
                b.bind(on_release=lambda _b, n=n: self._choose(months=n))
                ids.months_box.add_widget(b)
        elif d.kind is DueKind.RESIDENT_TIER:
            ids.base_title.text = tr("pay.tier")
            ids.months_title.text = ""
            for t in d.tiers:
                label = tr("pay.tier_n", amount=t.amount.display(), subsidy=t.subsidy.display())
                if t.paid_by_government:  # 代缴: the government's part beside the member's
                    label += "\n" + fee_parts(tr, t.paid_by_government, t.member_part)
                b = Factory.TierButton(
                    group="pay_tier",
                    label=label,
                    state="down" if t.amount == w.tier else "normal",
                )
                b.bind(on_release=lambda _b, a=t.amount: self._choose(tier=a))
                ids.base_box.add_widget(b)
        else:
            fee = d.annual_fee or d.amount
            ids.base_title.text = tr("pay.annual_fee", amount=fee.display())
            ids.months_title.text = ""
            if d.paid_by_government:  # 代缴: the lines' amounts are the member's part
                ids.months_title.text = fee_parts(tr, d.paid_by_government, d.amount)
        if d.fee_category is not None and d.paid_by_government:
            name = d.fee_category.zh if self.kiosk.lang == "zh" else d.fee_category.en
            ids.base_title.text += "\n" + tr("fee.category", category=name)

    def _choose(
        self, *, base: Money | None = None, months: int | None = None, tier: Money | None = None
    ) -> None:
        self.wizard = self.wizard.choose(base=base, months=months, tier=tier)
        self._render()

    def _render_quote(self, st: SessionState | None) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        ids.lines.header = [tr(f"pay.col_{c}") for c in ("period", "base", "amount", "late_fee")]
        view = self.wizard.quote_view(st)
        pq = view.quote
        if pq is None:
            # A refused quote (the message above says why) never leaves an older one payable.
            ids.total.text = tr("common.loading") if view.loading else ""
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
        if q.paid_by_government:
            total += "\n" + fee_parts(tr, q.paid_by_government, q.total)
        ids.total.text = total
        ready = pq.readiness.value == "ready"
        ids.readiness.text = "" if ready else tr(pq.readiness.message_key)
        ids.pay_card.disabled = ids.pay_qr.disabled = False
        self._card_payment_offered(st is None or st.id_scope is None)

    def _card_payment_offered(self, offered: bool) -> None:
        """With an ID card there is no card in the reader to pay with: QR only, and why."""
        card = self.ids.pay_card
        card.disabled = card.disabled or not offered
        card.opacity = 1 if offered else 0
        card.size_hint_x = 1 if offered else None
        if not offered:
            card.width = 0
            note = self.kiosk.tr("idcard.no_card_payment")
            text = self.ids.readiness.text
            self.ids.readiness.text = f"{text}\n{note}" if text else note

    def _render_applications(self, prompt: CardPrompt | None) -> None:
        ids = self.ids
        ids.choose_app_title.text = self.kiosk.tr("pay.choose_app")
        labels = self.wizard.applications(prompt, self.kiosk.lang)
        box = ids.app_list
        if [getattr(b, "app_label", None) for b in reversed(box.children)] == labels:
            return
        box.clear_widgets()
        for i, label in enumerate(labels):
            b = Factory.DueButton(text=label)
            b.app_label = label
            b.bind(on_release=lambda _b, i=i: self.pick_application(i))
            box.add_widget(b)

    def _build_keypad(self) -> None:
        """Digits in a new random order per entry (a watcher learns nothing from where a
        finger lands); each key goes to the pad at once, nothing is kept here."""
        grid = self.ids.bank_keypad
        grid.clear_widgets()
        digits = list("0123456789")
        secrets.SystemRandom().shuffle(digits)
        keys = [*digits[:9], "clear", digits[9], "back"]
        for k in keys:
            if k in ("clear", "back"):
                text = self.kiosk.tr("common.clear" if k == "clear" else "common.delete")
                b = Factory.FillButton(text=text)
            else:
                b = Factory.KeyButton(text=k)
            b.pin_key = k
            b.bind(on_release=lambda _b, k=k: self.pin_key(k))
            grid.add_widget(b)

    def _render_bank_pin(self, prompt: CardPrompt | None) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        view = self.wizard.pin_view(prompt)
        if view is None:
            return
        lines = [tr(view.message_key), tr(view.where_key)]
        card = tr("payments.bank_card", pan=view.pan_masked)
        if view.retry:
            card += "　" + tr("payments.bank_pin_tries_left", tries=view.tries_left)
        lines.append(card)
        ids.bank_pin_text.text = "\n".join(lines)
        ids.bank_pin_dots.text = view.dots_text
        # A pad with keys of its own: no keypad here, the member types on the pad.
        ids.bank_keypad.opacity = 1 if view.keypad else 0
        ids.bank_keypad.disabled = not view.keypad
        ids.bank_pin_ok.opacity = 1 if view.keypad else 0
        ids.bank_pin_ok.disabled = not view.keypad

    def _render_result(self, st: SessionState | None) -> None:
        tr = self.kiosk.tr
        res = self.wizard.result(st)
        ids = self.ids
        view = self.wizard.result_view(st)
        ids.qr_instead.opacity = 1 if view is not None and view.offer_qr else 0
        ids.qr_instead.disabled = view is None or not view.offer_qr
        if res is None:
            return
        o = res.outcome
        icon, head, colour = RESULT_LOOK.get(o.outcome, RESULT_LOOK[Outcome.IN_DOUBT])
        self.result_color = colour
        ids.result_mark.icon = icon
        ids.result_mark.text = tr(head)
        ids.result_next.text = tr(next_step(res, st)) if next_step(res, st) else ""
        lines = [tr(o.message_key)]
        if o.order_no:
            lines.append(tr("pay.order_no", order=o.order_no, total=o.total.display()))
        pq = st.data.pay_quote if st is not None else None
        if res.paid and pq is not None and pq.quote.paid_by_government:
            lines.append(fee_parts(tr, pq.quote.paid_by_government, o.total))
        if res.receipt_key:
            lines.append(tr(res.receipt_key))
        ids.result_text.text = "\n".join(lines)
        ids.receipt_qr.data = res.receipt_url
        ids.receipt_qr_label.text = tr("pay.receipt_qr") if res.receipt_url else ""
