"""Unemployment insurance by touch (tests/ui/test_unemployment.py).

`views`: the page's four views drawn from made-up states (no devices: the app's apply_state),
in Chinese, English and large text, with the services page; screenshots and a layout check of
every touch target and line. `claim`: the real stack: menu -> 更多服务 -> 失业保险, register
(the phone on the page's keypad, two job wishes), claim, print the acknowledgement, stop on
re-employment."""

from __future__ import annotations

import dataclasses
import datetime as dt

from tests.helpers import layout_check
from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
    journey_member,
    page,
    screen,
    settle,
    shot,
    tap,
    to_menu,
    wait_page,
    wait_until,
)

PHONE = "13812345678"
WISHES = ("logistics", "office")


def _states():
    """Made-up standings: to register, registered, receiving; a subsidy with a certificate."""
    from kiosk.domain import CardHolder
    from kiosk.domain.money import Money
    from kiosk.domain.period import Period
    from kiosk.domain.unemployment import (
        BenefitMonth,
        Claim,
        ClaimStatus,
        Condition,
        ConditionResult,
        Registration,
        Separation,
        SkillSubsidy,
        UnemploymentStatus,
        VocationalCertificate,
    )

    day = dt.date(2026, 12, 3)
    holder = CardHolder("110101198803071234", "王小五", "X00000031", "C" * 32, "110100")
    sep = Separation(
        "北京某某现代物流股份有限公司第三分公司",
        dt.date(2026, 11, 15),
        "contract_ended",
        "劳动合同期满终止",
        "The fixed-term contract ended",
        True,
    )

    def reasons(registered: bool):
        return (
            ConditionResult(
                Condition.CONTRIBUTIONS,
                True,
                "失业保险已缴费40个月，满12个月",
                "40 months of unemployment insurance paid, at least 12",
            ),
            ConditionResult(
                Condition.INVOLUNTARY,
                True,
                "劳动合同期满终止，非本人意愿中断就业",
                "The contract ended: not by your own will",
            ),
            ConditionResult(
                Condition.REGISTERED,
                registered,
                "已办理失业登记和求职登记" if registered else "尚未办理失业登记和求职登记",
                "Registered as unemployed" if registered else "Not yet registered as unemployed",
            ),
        )

    claim = Claim(
        application_id=1042,
        status=ClaimStatus.RECEIVING,
        applied_on=dt.date(2026, 9, 20),
        first_month=Period(2026, 9),
        months_granted=18,
        months_carried=6,
        months_paid=3,
        months_left=15,
        monthly_amount=Money.of("2286.00"),
        paid_total=Money.of("6858.00"),  # 3 x 2,286.00
        payments=tuple(BenefitMonth(Period(2026, m), Money.of("2286.00")) for m in (9, 10, 11)),
        medical_by_fund=True,
        stopped_on=None,
        stop_reason=None,
    )

    stopped_claim = dataclasses.replace(
        claim,
        status=ClaimStatus.STOPPED,
        months_left=0,
        stopped_on=day,
        stop_reason="reemployed",
    )

    def status(registered: bool, claimed: bool, stopped: bool = False) -> UnemploymentStatus:
        return UnemploymentStatus(
            member_no="M1",
            as_of=day,
            separation=sep,
            contribution_months=40,
            carried_months=6 if claimed else 0,
            eligible=registered,
            reasons=reasons(registered),
            entitlement_months=12,
            monthly_amount=Money.of("2286.00"),
            apply_by=dt.date(2027, 1, 14),
            within_window=True,
            can_apply=registered and not claimed,
            registration=Registration(day, "138****5678", ("仓储物流", "办公文员"))
            if registered
            else None,
            application=(stopped_claim if stopped else claim) if claimed else None,
        )

    subsidy = SkillSubsidy(
        member_no="M1",
        as_of=day,
        contribution_months=40,
        eligible=True,
        reasons=(
            ConditionResult(Condition.CONTRIBUTIONS, True, "已缴费40个月", "40 months paid"),
            ConditionResult(
                Condition.CERTIFICATE, True, "近12个月取得职业资格证书", "A certificate this year"
            ),
            ConditionResult(Condition.NOT_CLAIMED, True, "今年尚未申领", "Not claimed this year"),
        ),
        certificates=(
            VocationalCertificate(
                "ZY2026-000123",
                "电工",
                4,
                "中级工（四级）",
                "Intermediate (level 4)",
                dt.date(2026, 6, 1),
                True,
                Money.of("1500.00"),
                True,
                None,
            ),
        ),
        claimed_this_year=None,
    )
    return holder, status, subsidy


def views(app, out):
    """Every view in zh, in en with large text, in zh with large text: screenshots and the
    layout checked."""
    from kiosk.session.data import MemberData
    from kiosk.session.machine import Page, SessionState

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    holder, status, subsidy = _states()
    unemp = screen(app, "unemployment")
    problems: dict[str, list[str]] = {}

    def state(st, params=None, page=Page.UNEMPLOYMENT) -> SessionState:
        data = MemberData().with_answer("skill_subsidy", subsidy)
        if st is not None:
            data = data.with_answer("unemployment", st)
        return SessionState(
            page=page, holder=holder, pin_verified=True, data=data, params=params or {}
        )

    cases = [
        ("services", state(None, page=Page.SERVICES)),
        ("to-register", state(status(False, False))),
        ("register", state(status(False, False), {"view": "register"})),
        ("can-apply", state(status(True, False))),
        ("receiving", state(status(True, True))),
        ("skill", state(status(True, True), {"view": "skill"})),
        ("stop", state(status(True, True), {"view": "stop"})),
        ("stopped", state(status(True, True, stopped=True))),
    ]
    for mode in ("zh", "en-large", "zh-large"):
        app.lang = "en" if mode == "en-large" else "zh"
        app.large_text = mode.endswith("-large")
        for name, st in cases:
            app.apply_state(st)
            yield from settle(app, 0.4)
            if name == "register":
                for key in PHONE:
                    tap(next(b for b in unemp.keys if b.key == key))
                for code in WISHES:
                    tap(unemp.wish_buttons[code])
                yield from settle(app, 0.3)
                out[f"phone_{mode}"] = unemp.views["register"].ids.phone_shown.text
                out[f"picked_{mode}"] = list(unemp.picked)
            shot(f"unemployment-{name}-{mode}")
            problems[f"{name}-{mode}"] = layout_check.problems(
                app.sm.current_screen, app.large_text
            )
            if name == "services":
                out[f"tiles_{mode}"] = screen(app, "services").shown()
            if name in ("receiving", "stopped"):
                claim_lines = [
                    w.text
                    for w in unemp.views["status"].ids.details.walk(restrict=True)
                    if getattr(w, "text", "")
                ]
                out[f"{name}_{mode}"] = claim_lines
    out["problems"] = {k: v for k, v in problems.items() if v}
    app.apply_state(SessionState())
    yield from settle(app, 0.3)
    out["phone_after_end"] = unemp.phone


def claim(app, out):
    """An eligible member still to register: registers, claims, prints the acknowledgement."""
    m = journey_member()
    seen: list[str] = []
    h = yield from to_menu(app, m, seen)
    yield from settle(app, 0.3)
    shot("unemployment-journey-menu")
    tap(screen(app, "menu").ids.services)
    yield from wait_page(app, "services")
    services = screen(app, "services")
    out["tiles"] = services.shown()
    shot("unemployment-journey-services")
    tap(services.tiles["unemployment"])
    yield from wait_page(app, "unemployment")
    yield from wait_until(lambda: app.state.data.unemployment is not None, 20, "the standing")
    yield from settle(app, 0.4)
    unemp = screen(app, "unemployment")
    details = unemp.views["status"].ids.details
    out["status_lines"] = [w.text for w in details.walk(restrict=True) if getattr(w, "text", "")]
    out["actions"] = [
        b.text for b in unemp.views["status"].ids.actions.children[::-1] if getattr(b, "text", "")
    ]
    shot("unemployment-journey-status")

    tap(unemp.buttons["register"])
    yield from wait_until(lambda: unemp.view == "register", 10, "the registration form")
    yield from settle(app, 0.3)
    out["from_record"] = unemp.views["register"].ids.from_record.text
    for key in PHONE:
        tap(next(b for b in unemp.keys if b.key == key))
        yield 0
    for code in WISHES:
        tap(unemp.wish_buttons[code])
        yield 0
    yield from settle(app, 0.2)
    out["phone_shown"] = unemp.views["register"].ids.phone_shown.text
    shot("unemployment-journey-register")
    tap(unemp.views["register"].ids.submit)
    yield from wait_until(
        lambda: (
            "unemployment_register" in app.state.data or "unemployment_register" in app.state.errors
        ),
        20,
        "registered",
    )
    yield from settle(app, 0.4)
    out["register_error"] = app.state.errors.get("unemployment_register")
    out["after_register_message"] = unemp.ids.message.text
    out["actions_registered"] = [
        b.text for b in unemp.views["status"].ids.actions.children[::-1] if getattr(b, "text", "")
    ]
    shot("unemployment-journey-registered")

    tap(unemp.buttons["apply"])
    yield from wait_until(
        lambda: "unemployment_apply" in app.state.data or "unemployment_apply" in app.state.errors,
        20,
        "claimed",
    )
    yield from settle(app, 0.4)
    out["apply_error"] = app.state.errors.get("unemployment_apply")
    out["after_apply_message"] = unemp.ids.message.text
    out["claim_lines"] = [w.text for w in details.walk(restrict=True) if getattr(w, "text", "")]
    shot("unemployment-journey-claimed")

    tap(unemp.buttons["print"])
    yield from wait_until(
        lambda: "unemployment_ack" in app.state.data or "unemployment_ack" in app.state.errors,
        60,
        "the acknowledgement printed",
    )
    yield from settle(app, 0.4)
    ack = app.state.data.unemployment_ack
    out["ack_error"] = app.state.errors.get("unemployment_ack")
    out["ack"] = None if ack is None else {"id": ack.application_id, "job_id": ack.job_id}
    out["after_print_message"] = unemp.ids.message.text
    shot("unemployment-journey-printed")

    # A new job: stop, after reading what it means
    tap(unemp.buttons["stop"])
    yield from wait_until(lambda: unemp.view == "stop", 10, "the stop's page")
    yield from settle(app, 0.3)
    out["stop_explain"] = unemp.views["stop"].ids.stop_explain.text
    shot("unemployment-journey-stop")
    tap(unemp.views["stop"].ids.stop_yes)
    yield from wait_until(
        lambda: "unemployment_stop" in app.state.data or "unemployment_stop" in app.state.errors,
        20,
        "stopped",
    )
    yield from settle(app, 0.4)
    out["stop_error"] = app.state.errors.get("unemployment_stop")
    out["after_stop_message"] = unemp.ids.message.text
    out["stopped_lines"] = [w.text for w in details.walk(restrict=True) if getattr(w, "text", "")]
    out["actions_stopped"] = [
        b.text for b in unemp.views["status"].ids.actions.children[::-1] if getattr(b, "text", "")
    ]
    shot("unemployment-journey-stopped")

    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["seen"] = [*seen, page(app)]
    out["personal_data_after_exit"] = app.state.has_personal_data
    out["phone_after_exit"] = unemp.phone
