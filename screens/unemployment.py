"""失业保险 / Unemployment insurance (issue 17): the member's standing with each condition in
words, the registration as unemployed and job seeker (the phone on an on-screen keypad, job
wishes from a short list), the claim, its acknowledgement on A4, the stop on re-employment and
the skill-upgrading subsidy. One page; the session's params["view"] says which part shows
("status", "register", "skill", "stop"), so a session's end or a timeout resets it.

The phone typed here is the member's: it is shown while typed (they confirm it), sent with the
registration request, and cleared whenever the page is left or the session ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.uix.widget import Widget

from kiosk.domain.unemployment import (
    ClaimStatus,
    SkillSubsidy,
    UnemploymentStatus,
)
from kiosk.session.intents import RequestName
from kiosk.session.machine import Navigate, Page, Request, SessionState
from kiosk.session.unemployment import JOB_WISHES, MAX_WISHES, phone_ok
from screens import theme
from screens.base import KioskScreen
from screens.widgets import IconButton, IconLabel

VIEWS = ("status", "register", "skill", "stop")
PHONE_MAX = 12  # a landline with a 4-digit area code
# Which request's outcome the message line reports, newest first.
OUTCOMES = (
    RequestName.UNEMPLOYMENT_ACK,
    RequestName.UNEMPLOYMENT_STOP,
    RequestName.UNEMPLOYMENT_APPLY,
    RequestName.UNEMPLOYMENT_REGISTER,
    RequestName.SKILL_SUBSIDY_APPLY,
)
DONE = {
    RequestName.UNEMPLOYMENT_REGISTER: "unemployment.registered_now",
    RequestName.UNEMPLOYMENT_APPLY: "unemployment.applied_now",
    RequestName.UNEMPLOYMENT_STOP: "unemployment.stopped_now",
    RequestName.SKILL_SUBSIDY_APPLY: "unemployment.skill_done",
}


def _card(title: str, icon: str) -> Widget:
    card = Factory.Card(title=title, icon=icon)
    return card


def _line(text: str, *, muted: bool = False, font: str = "body") -> Widget:
    return Factory.SurfaceLabel(
        text=text,
        font_size=theme.font(font),
        color=theme.TEXT_MUTED_ON_SURFACE if muted else theme.TEXT_ON_SURFACE,
    )


class UnemploymentScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self._state: SessionState | None = None
        self.view = ""
        self.phone = ""
        self.picked: list[str] = []
        self.views: dict[str, Widget] = {
            "status": Factory.UnemploymentStatusView(),
            "register": Factory.UnemploymentRegisterView(),
            "skill": Factory.UnemploymentSkillView(),
            "stop": Factory.UnemploymentStopView(),
        }
        for view in self.views.values():
            view.screen = self  # the kv rules' callbacks reach the page through it
        self.buttons: dict[str, IconButton] = {
            "register": self._button("unemployment", lambda: self.to_view("register")),
            "apply": self._button("confirm", self.apply),
            "print": self._button("print", self.print_ack),
            "skill": self._button("work", lambda: self.to_view("skill"), kind="secondary"),
            "stop": self._button("work", lambda: self.to_view("stop"), kind="secondary"),
        }
        self._build_keypad()
        self.wish_buttons: dict[str, Widget] = {}
        for code in JOB_WISHES:
            b = Factory.TabButton()
            b.bind(on_release=lambda btn, c=code: self._toggle_wish(c, btn))
            self.wish_buttons[code] = b
            self.views["register"].ids.wishes.add_widget(b)
        self.watch_language(self._render)

    def _button(self, icon: str, action: Callable[[], None], kind: str = "primary") -> IconButton:
        b = IconButton(icon=icon, kind=kind)
        b.bind(on_release=lambda _b: action())
        return b

    def _build_keypad(self) -> None:
        pad = self.views["register"].ids.keypad
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"):
            digit = key.isdigit()  # the two word keys smaller: "Delete" in large text fits
            b = Factory.KeyButton(font_size=theme.font("title" if digit else "body"))
            b.key = key
            b.bind(on_release=lambda btn: self._key(btn.key))
            pad.add_widget(b)
        self.keys = list(reversed(pad.children))

    # -- intents ------------------------------------------------------------------------------

    def to_view(self, view: str) -> None:
        self.kiosk.post(Navigate(Page.UNEMPLOYMENT, {"view": view}))

    def apply(self) -> None:
        self.kiosk.post(Request(RequestName.UNEMPLOYMENT_APPLY))

    def print_ack(self) -> None:
        self.kiosk.post(Request(RequestName.UNEMPLOYMENT_ACK))

    def confirm_stop(self) -> None:
        self.kiosk.post(Request(RequestName.UNEMPLOYMENT_STOP))
        self.to_view("status")

    def apply_skill(self, certificate_no: str) -> None:
        self.kiosk.post(
            Request(RequestName.SKILL_SUBSIDY_APPLY, {"certificate_no": certificate_no})
        )

    def submit_registration(self) -> None:
        tr = self.kiosk.tr
        if not phone_ok(self.phone):
            self.ids.message.text = tr("unemployment.phone_invalid")
            return
        if not 1 <= len(self.picked) <= MAX_WISHES:
            self.ids.message.text = tr("unemployment.wishes_needed")
            return
        params: dict[str, Any] = {"phone": self.phone, "wishes": list(self.picked)}
        self.kiosk.post(Request(RequestName.UNEMPLOYMENT_REGISTER, params))
        self._clear_form()
        self.to_view("status")

    def _key(self, key: str) -> None:
        self.kiosk.key_tone()
        if key == "back":
            self.phone = self.phone[:-1]
        elif key == "clear":
            self.phone = ""
        elif len(self.phone) < PHONE_MAX:
            self.phone += key
        self._render_phone()

    def _toggle_wish(self, code: str, button: Widget) -> None:
        if code in self.picked:
            self.picked.remove(code)
        elif len(self.picked) < MAX_WISHES:
            self.picked.append(code)
        self._render_wishes()

    def _clear_form(self) -> None:
        self.phone = ""
        self.picked = []

    # -- drawing ------------------------------------------------------------------------------

    def show(self, state: SessionState) -> None:
        if state.page is not Page.UNEMPLOYMENT:
            self._clear_form()  # the member left the page (or the session ended)
        self._state = state
        self._render()

    def _render(self) -> None:
        s = self._state
        view = "status"
        if s is not None and s.page is Page.UNEMPLOYMENT:
            view = str(s.params.get("view", "status"))
        if view not in VIEWS:
            view = "status"
        if view != "register":
            self._clear_form()  # the typed phone lives only while the form shows
        if view != self.view:
            self.ids.holder.clear_widgets([w for w in self.views.values() if w.parent])
            self.ids.holder.add_widget(self.views[view])
            self.view = view
        self.ids.message.text = self._message(s)
        status = s.data.unemployment if s is not None else None
        self._header_steps(view, status)
        if view == "register":
            self._render_register(status)
        elif view == "skill":
            self._render_skill(s.data.skill_subsidy if s is not None else None)
        elif view == "stop":
            self._render_stop(status)
        else:
            self._render_status(status)

    def _header_steps(self, view: str, st: UnemploymentStatus | None) -> None:
        """The claim's steps in the header (失业登记 → 申领 → 凭证) on the standing and on the
        registration form (its first step); the subsidy and the stop are tasks of one step."""
        if view not in ("status", "register") or st is None:
            self.step_keys = []
            return
        self.step_keys = ["steps.register", "steps.claim", "steps.receipt"]
        if view == "register" or st.registration is None:
            self.step = 0
        else:
            self.step = 1 if st.application is None else 2

    def _message(self, s: SessionState | None) -> str:
        tr = self.kiosk.tr
        if s is None:
            return ""
        for key in OUTCOMES:
            if key in s.loading:
                return ""
            if key in s.errors:
                said = s.said.get(key)
                return said.in_language(self.kiosk.lang) if said else tr(s.errors[key])
        arrived = [k for k in reversed(s.data.arrived) if k in OUTCOMES]
        if not arrived:
            return ""
        last = RequestName(arrived[0])
        if last is RequestName.UNEMPLOYMENT_ACK and s.data.unemployment_ack is not None:
            return tr("unemployment.ack_printed", pages=s.data.unemployment_ack.pages)
        return tr(DONE[last]) if last in DONE else ""

    def _render_status(self, st: UnemploymentStatus | None) -> None:
        tr = self.kiosk.tr
        s = self._state
        view = self.views["status"]
        details, actions = view.ids.details, view.ids.actions
        details.clear_widgets()
        actions.clear_widgets()
        if st is None:
            if s is not None and "unemployment" in s.errors:
                said = s.said.get("unemployment")
                text = said.in_language(self.kiosk.lang) if said else tr(s.errors["unemployment"])
            else:
                text = tr("unemployment.loading") if s is not None else ""
            details.add_widget(IconLabel(icon="warning" if s and s.errors else "clock", text=text))
            return
        lang = self.kiosk.lang
        card = _card(tr("unemployment.standing"), "unemployment")
        if st.separation is None:
            card.add_widget(_line(tr("unemployment.no_separation")))
        else:
            sep = st.separation
            card.add_widget(
                _line(
                    tr(
                        "unemployment.separation",
                        employer=sep.employer or "—",
                        last_day=sep.last_day.isoformat(),
                        reason=sep.reason_zh if lang == "zh" else sep.reason_en,
                    )
                )
            )
        for r in st.reasons:
            mark = "success" if r.met else "error"
            word = tr("unemployment.met" if r.met else "unemployment.unmet")
            text = f"{word}：{r.message_zh}" if lang == "zh" else f"{word}: {r.message_en}"
            card.add_widget(
                IconLabel(
                    icon=mark,
                    text=text,
                    halign="left",
                    color=theme.OK if r.met else theme.DANGER,
                    padding_x=0,
                )
            )
        if st.registration is not None:
            reg = st.registration
            card.add_widget(
                _line(
                    tr(
                        "unemployment.registered",
                        date=reg.registered_on.isoformat(),
                        phone=reg.phone_masked,
                        wishes="、".join(reg.job_wishes),
                    ),
                    muted=True,
                )
            )
        if st.application is None and st.separation is not None:
            card.add_widget(
                _line(
                    tr(
                        "unemployment.entitlement",
                        months=st.entitlement_months,
                        amount=str(st.monthly_amount),
                    )
                )
            )
            if st.apply_by is not None:
                key = "unemployment.apply_by" if st.within_window else "unemployment.window_closed"
                card.add_widget(_line(tr(key, date=st.apply_by.isoformat())))
        claim = st.application
        if claim is not None:
            c = _card(tr("unemployment.claim_title"), "benefits")
            c.status_color = theme.OK if claim.status is ClaimStatus.RECEIVING else theme.WARNING
            stopped = claim.stopped_on.isoformat() if claim.stopped_on else ""
            c.add_widget(_line(tr(f"unemployment.claim.{claim.status.value}", date=stopped)))
            if claim.status is ClaimStatus.STOPPED:
                # Nothing left on this claim: what was not drawn carries to the next one.
                months = tr(
                    "unemployment.claim_months_stopped",
                    granted=claim.months_granted,
                    paid=claim.months_paid,
                    unused=claim.months_granted - claim.months_paid,
                )
            else:
                months = tr(
                    "unemployment.claim_months",
                    granted=claim.months_granted,
                    paid=claim.months_paid,
                    left=claim.months_left,
                )
            if claim.months_carried:
                months += tr("unemployment.claim_carried", months=claim.months_carried)
            c.add_widget(_line(months))
            c.add_widget(
                _line(
                    tr(
                        "unemployment.claim_amount",
                        amount=str(claim.monthly_amount),
                        first=str(claim.first_month),
                        total=str(claim.paid_total),
                    )
                )
            )
            if claim.medical_by_fund and claim.status is ClaimStatus.RECEIVING:
                c.add_widget(_line(tr("unemployment.medical_by_fund"), muted=True))
            details.add_widget(c)  # the claim first: what a member receiving comes for
        details.add_widget(card)
        # The actions this standing allows, each with its words.
        b = self.buttons
        can_register = st.separation is not None and (
            claim is None or claim.status is ClaimStatus.RECEIVING
        )
        shown: list[tuple[str, str]] = []
        if st.can_apply:
            shown.append(("apply", "unemployment.apply"))
        if can_register and claim is None:
            key = "unemployment.register_again" if st.registration else "unemployment.register"
            shown.append(("register", key))
            # One main action at a time: registering until done, then the claim.
            b["register"].kind = "secondary" if st.registration else "primary"
        if claim is not None:
            shown.append(("print", "unemployment.print_ack"))
        if claim is not None and claim.status is ClaimStatus.RECEIVING:
            shown.append(("stop", "unemployment.stop"))
        shown.append(("skill", "unemployment.skill"))
        for name, key in shown:
            b[name].text = tr(key)
            actions.add_widget(b[name])
        actions.add_widget(Widget())

    def _render_register(self, st: UnemploymentStatus | None) -> None:
        tr = self.kiosk.tr
        ids = self.views["register"].ids
        sep = st.separation if st is not None else None
        ids.from_record.text = (
            tr(
                "unemployment.register_from_record",
                employer=sep.employer or "—",
                last_day=sep.last_day.isoformat(),
            )
            if sep is not None
            else tr("unemployment.no_separation")
        )
        reg = st.registration if st is not None else None
        hint = tr("unemployment.phone_rule")
        if reg is not None:
            hint += " · " + tr("unemployment.phone_hint", phone=reg.phone_masked)
        ids.phone_hint.text = hint
        for b in self.keys:
            if b.key == "back":
                b.text = tr("unemployment.key_back")
            elif b.key == "clear":
                b.text = tr("unemployment.key_clear")
            else:
                b.text = b.key
        self._render_phone()
        self._render_wishes()

    def _render_phone(self) -> None:
        ids = self.views["register"].ids
        ids.phone_shown.text = self.phone or self.kiosk.tr("unemployment.phone_empty")

    def _render_wishes(self) -> None:
        for code, b in self.wish_buttons.items():
            b.label = self.kiosk.tr(f"unemployment.wish.{code}")
            b.state = "down" if code in self.picked else "normal"

    def _render_skill(self, sub: SkillSubsidy | None) -> None:
        tr = self.kiosk.tr
        lang = self.kiosk.lang
        box = self.views["skill"].ids.skill_details
        box.clear_widgets()
        if sub is None:
            s = self._state
            text = (
                tr(s.errors["skill_subsidy"])
                if s is not None and "skill_subsidy" in s.errors
                else tr("unemployment.loading")
            )
            box.add_widget(IconLabel(icon="clock", text=text))
            return
        card = _card(tr("unemployment.skill_title"), "work")
        card.status_color = theme.OK if sub.eligible else theme.WARNING
        card.add_widget(
            _line(
                tr(
                    "unemployment.skill_eligible"
                    if sub.eligible
                    else "unemployment.skill_not_eligible"
                )
            )
        )
        for r in sub.reasons:
            word = tr("unemployment.met" if r.met else "unemployment.unmet")
            text = f"{word}：{r.message_zh}" if lang == "zh" else f"{word}: {r.message_en}"
            card.add_widget(
                IconLabel(
                    icon="success" if r.met else "error",
                    text=text,
                    halign="left",
                    color=theme.OK if r.met else theme.DANGER,
                    padding_x=0,
                )
            )
        c = sub.claimed_this_year
        if c is not None:
            card.add_widget(
                _line(
                    tr(
                        "unemployment.skill_claimed",
                        year=c.year,
                        certificate=c.certificate_no,
                        amount=str(c.amount),
                        date=c.applied_on.isoformat(),
                    )
                )
            )
        box.add_widget(card)
        if not sub.certificates:
            box.add_widget(IconLabel(icon="report", text=tr("unemployment.skill_none")))
        for cert in sub.certificates:
            row = _card("", "")
            row.add_widget(
                _line(
                    tr(
                        "unemployment.skill_certificate",
                        occupation=cert.occupation,
                        level=cert.level_zh if lang == "zh" else cert.level_en,
                        number=cert.certificate_no,
                        date=cert.issued_on.isoformat(),
                    )
                )
            )
            if cert.claimable and cert.amount is not None and sub.eligible:
                b = IconButton(
                    icon="confirm", text=tr("unemployment.skill_amount", amount=str(cert.amount))
                )
                b.bind(on_release=lambda _b, no=cert.certificate_no: self.apply_skill(no))
                row.add_widget(b)
            box.add_widget(row)

    def _render_stop(self, st: UnemploymentStatus | None) -> None:
        claim = st.application if st is not None else None
        left = claim.months_left if claim is not None else 0
        self.views["stop"].ids.stop_explain.text = self.kiosk.tr(
            "unemployment.stop_explain", left=left
        )
