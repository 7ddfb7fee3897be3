"""灵活就业 / Flexible employment (issue 17): the member's standing in words (not registered,
contributing, stopped), the plan, the base and what a month costs; register (pension only or
pension + medical, the base at either end of the year's band), stop (asked twice: it ends the
contributions) and resume. After a change the page shows the back office's new standing at
once and offers the pay page, which loads the dues afresh (kiosk.session.machine:
FLEXIBLE_CHANGES)."""

from __future__ import annotations

import secrets

from kivy.properties import BooleanProperty, ColorProperty, StringProperty

from kiosk.domain.flexible import FlexiblePlan, FlexibleStanding, FlexibleStatus
from kiosk.domain.money import Money
from kiosk.session.intents import RequestName
from kiosk.session.machine import FLEXIBLE_CHANGES, Navigate, Page, Request, SessionState
from screens import theme
from screens.base import KioskScreen

STRIPE = {
    FlexibleStanding.ACTIVE: theme.OK,
    FlexibleStanding.STOPPED: theme.WARNING,
    FlexibleStanding.NOT_REGISTERED: (0, 0, 0, 0),
}
MARK = {  # the standing never by colour alone
    FlexibleStanding.ACTIVE: "●",
    FlexibleStanding.STOPPED: "△",
    FlexibleStanding.NOT_REGISTERED: "○",
}


class FlexibleScreen(KioskScreen):
    registering = BooleanProperty(False)  # the plan and base choices show
    act_shown = BooleanProperty(False)
    act_text = StringProperty("")
    act_icon = StringProperty("work")
    act_kind = StringProperty("primary")
    pay_shown = BooleanProperty(False)  # after a change: the dues, at once
    stripe = ColorProperty((0, 0, 0, 0))

    def on_kv_post(self, base_widget) -> None:
        self._state: SessionState | None = None
        self.plan = FlexiblePlan.PENSION
        self.base: Money | None = None  # None: the band's minimum
        self.confirming = False  # "stop" tapped once: the second tap stops
        self.watch_language(self._render)

    def on_pre_enter(self, *_a) -> None:
        self.plan, self.base, self.confirming = FlexiblePlan.PENSION, None, False
        self._render()

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    # -- intents --------------------------------------------------------------------------

    def pick_plan(self, plan: str) -> None:
        self.plan = FlexiblePlan(plan)
        self._render()

    def pick_base(self, which: str) -> None:
        status = self._status()
        if status is not None:
            self.base = status.base_max if which == "max" else status.base_min
        self._render()

    def act(self) -> None:
        status = self._status()
        if status is None or self._busy():
            return
        attempt = secrets.token_hex(8)  # one key per tap: a retried request is one change
        if status.standing is FlexibleStanding.NOT_REGISTERED and status.can_register:
            params: dict[str, object] = {"plan": self.plan.value, "attempt": attempt}
            if self.base is not None:
                params["base"] = f"{self.base.yuan:.2f}"
            self.kiosk.post(Request(RequestName.FLEXIBLE_REGISTER, params))
        elif status.standing is FlexibleStanding.ACTIVE:
            if not self.confirming:
                self.confirming = True
                self._render()
                return
            self.confirming = False
            self.kiosk.post(Request(RequestName.FLEXIBLE_STOP, {"attempt": attempt}))
        elif status.standing is FlexibleStanding.STOPPED:
            self.kiosk.post(Request(RequestName.FLEXIBLE_RESUME, {"attempt": attempt}))

    def go_pay(self) -> None:
        self.kiosk.post(Navigate(Page.PAY))

    # -- drawing --------------------------------------------------------------------------

    def _status(self) -> FlexibleStatus | None:
        return self._state.data.flexible if self._state is not None else None

    def _busy(self) -> bool:
        s = self._state
        return s is not None and any(k in s.loading for k in FLEXIBLE_CHANGES)

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        ids = self.ids
        s, status = self._state, self._status()
        ids.standing.text = ids.detail.text = ids.message.text = ids.note.text = ""
        self.registering = self.act_shown = self.pay_shown = False
        self.stripe = (0, 0, 0, 0)
        if s is None:
            return
        error = next((k for k in FLEXIBLE_CHANGES if k in s.errors), None)
        if error is not None:  # a refused change: the back office's own words
            said = s.said.get(error)
            ids.message.text = said.in_language(lang) if said else tr(s.errors[error])
        if status is None:
            ids.standing.text = tr(s.errors.get("flexible") or "common.loading")
            return
        standing = status.standing
        self.stripe = STRIPE[standing]
        ids.standing.text = f"{MARK[standing]} " + tr(f"flexible.standing_{standing.value}")
        ids.detail.text = "\n".join(self._details(status))
        changed = [k for k in FLEXIBLE_CHANGES if s.data.get(k) is not None]
        if changed and error is None:
            last = max(changed, key=lambda k: s.data.arrived.index(k))
            ids.message.text = tr(f"flexible.done_{last.removeprefix('flexible_')}")
            self.pay_shown = standing is FlexibleStanding.ACTIVE
        self._render_action(status)

    def _details(self, st: FlexibleStatus) -> list[str]:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        lines: list[str] = []
        if st.standing is FlexibleStanding.NOT_REGISTERED:
            if st.employer:
                lines.append(tr("flexible.employed", employer=st.employer))
            elif not st.can_register:
                lines.append(tr("flexible.cannot_register"))
            else:
                lines.append(tr("flexible.can_register"))
                if st.base_min is not None and st.base_max is not None:
                    lines.append(
                        tr(
                            "flexible.band",
                            low=st.base_min.display(),
                            high=st.base_max.display(),
                        )
                    )
            return lines
        if st.plan is not None:
            lines.append(tr("flexible.plan_line", plan=tr(f"flexible.plan_{st.plan.value}")))
        if st.since is not None:
            lines.append(tr("flexible.since", month=str(st.since)))
        base = st.effective_base
        if base is not None:
            lines.append(tr("flexible.base", base=base.display()))
        if st.monthly and st.monthly_total is not None:
            parts = "＋".join(f"{m.scheme.name_in(lang)} {m.amount.display()}" for m in st.monthly)
            lines.append(tr("flexible.monthly", parts=parts, total=st.monthly_total.display()))
        pause = st.pauses[-1] if st.pauses else None
        if st.stopped and pause is not None:
            lines.append(
                tr(
                    "flexible.stopped_since",
                    month=str(pause.first),
                    date=pause.stopped_on.isoformat(),
                )
            )
        return lines

    def _render_action(self, st: FlexibleStatus) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        busy = self._busy()
        if st.standing is FlexibleStanding.NOT_REGISTERED:
            if not st.can_register:
                return
            self.registering = True
            ids.plan_pension.state = "down" if self.plan is FlexiblePlan.PENSION else "normal"
            ids.plan_both.state = "down" if self.plan is FlexiblePlan.PENSION_MEDICAL else "normal"
            low, high = st.base_min, st.base_max
            chosen = self.base or low
            ids.base_min.label = tr("flexible.base_min", base=low.display() if low else "—")
            ids.base_max.label = tr("flexible.base_max", base=high.display() if high else "—")
            ids.base_min.state = "down" if chosen == low else "normal"
            ids.base_max.state = "down" if chosen == high and high != low else "normal"
            ids.base_max.disabled = high is None
            self.act_text, self.act_icon, self.act_kind = (
                tr("flexible.register"),
                "confirm",
                "primary",
            )
        elif st.standing is FlexibleStanding.ACTIVE:
            if self.confirming:
                self.act_text, self.act_icon, self.act_kind = (
                    tr("flexible.stop_confirm"),
                    "warning",
                    "danger",
                )
                ids.note.text = tr("flexible.stop_note")
            else:
                self.act_text, self.act_icon, self.act_kind = (
                    tr("flexible.stop"),
                    "cancel",
                    "secondary",
                )
        else:
            self.act_text, self.act_icon, self.act_kind = (
                tr("flexible.resume"),
                "retry",
                "primary",
            )
            ids.note.text = tr("flexible.resume_note")
        self.act_shown = not busy
