"""Issue 17's flexible employment and my receipts by touch (tests/ui/test_flexible.py): a
flexible worker stops, sees the dues change, resumes, pays a month by QR, and has that receipt
printed again (补打) from 我的缴费凭证. Each page is also shot in English and large text."""

from __future__ import annotations

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
    wait_answer,
    wait_page,
    wait_until,
    widget,
)


def _pension_periods(app) -> list[str]:
    dues = app.state.data["dues"] or []
    return [
        str(x.period)
        for d in dues
        if d.scheme.value == "pension" and d.kind.value == "flexible"
        for x in d.lines
    ]


def _views(app, name: str, out: dict, tag: str):
    """The page in zh, en and large text: screenshots, and where its labels and buttons lie."""
    for lang, large in (("zh", False), ("en", False), ("zh", True)):
        app.lang, app.large_text = lang, large
        yield from settle(app, 0.5)
        suffix = f"{lang}{'-large' if large else ''}"
        shot(f"{tag}-{suffix}")
        out.setdefault("boxes", {})[f"{tag}-{suffix}"] = _boxes(screen(app, name))
    app.lang, app.large_text = "zh", False
    yield from settle(app, 0.4)


def _boxes(root) -> list[list]:
    """Every visible label's and button's window box and whether its text fits inside it."""
    from kivy.uix.button import ButtonBehavior
    from kivy.uix.label import Label

    found = []
    for w in root.walk():
        if getattr(w, "opacity", 1) == 0 or w.width <= 1 or w.height <= 1:
            continue
        if not isinstance(w, Label | ButtonBehavior):
            continue
        x, y = w.to_window(w.x, w.y)
        fits = True
        if isinstance(w, Label) and w.text and w.texture_size[1] > 0:
            fits = w.texture_size[1] <= w.height + 1 and w.texture_size[0] <= w.width + 1
        found.append([type(w).__name__, getattr(w, "text", "")[:40], x, y, w.width, w.height, fits])
    return found


def stop_resume_pay_reprint(app, out):
    import requests

    members = journey_member()
    m = members["flexible"]
    h = yield from to_menu(app, m, [])
    # The dues before: the flexible pension's months.
    tap(widget(app, "pay", "menu"))
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues")
    out["periods_before"] = _pension_periods(app)
    app.navigate("menu")
    yield from wait_page(app, "menu")
    tap(widget(app, "services", "menu"))
    yield from wait_page(app, "services")
    out["tiles"] = screen(app, "services").shown()
    tap(screen(app, "services").tiles["flexible"])
    yield from wait_page(app, "flexible")
    yield from wait_until(lambda: "flexible" in app.state.data, 20, "flexible standing")
    yield from settle(app, 0.4)
    fx = screen(app, "flexible")
    out["standing_before"] = fx.ids.standing.text
    out["detail_before"] = fx.ids.detail.text
    out["act_before"] = fx.ids.act.text
    yield from _views(app, "flexible", out, "flexible-active")

    tap(fx.ids.act)  # stop: asked once more
    yield from settle(app, 0.3)
    out["act_confirm"] = fx.ids.act.text
    out["note_confirm"] = fx.ids.note.text
    out["stop_sent_early"] = "flexible_stop" in app.state.loading or "flexible_stop" in (
        app.state.data
    )
    tap(fx.ids.act)
    yield from wait_answer(app, "flexible_stop", 20, "stopped")
    yield from settle(app, 0.4)
    out["standing_stopped"] = fx.ids.standing.text
    out["detail_stopped"] = fx.ids.detail.text
    out["message_stopped"] = fx.ids.message.text
    out["stop_error"] = app.state.errors.get("flexible_stop")
    out["pay_shown_stopped"] = fx.pay_shown
    out["act_stopped"] = fx.ids.act.text
    yield from _views(app, "flexible", out, "flexible-stopped")
    # The dues at once: nothing offered while stopped.
    app.navigate("pay")
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues while stopped")
    out["periods_stopped"] = _pension_periods(app)
    shot("flexible-pay-stopped")
    app.navigate("flexible")
    yield from wait_page(app, "flexible")
    yield from settle(app, 0.3)
    tap(fx.ids.act)  # resume
    yield from wait_answer(app, "flexible_resume", 20, "resumed")
    yield from settle(app, 0.4)
    out["standing_resumed"] = fx.ids.standing.text
    out["message_resumed"] = fx.ids.message.text
    out["resume_error"] = app.state.errors.get("flexible_resume")
    out["pay_shown_resumed"] = fx.pay_shown
    shot("flexible-resumed")
    tap(fx.ids.to_pay)
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues after resuming")
    yield from settle(app, 0.3)
    out["periods_resumed"] = _pension_periods(app)

    # Pay one month by QR: the receipt to reprint.
    pay = screen(app, "pay")
    button = next(b for b in pay.ids.dues_list.children if "养老" in b.text)
    tap(button)
    yield from settle(app, 0.3)
    one = next(b for b in pay.ids.months_box.children if b.label.startswith("1 "))
    tap(one)
    yield from settle(app, 0.2)
    tap(pay.ids.breakdown_button)
    yield from wait_answer(app, "pay_quote", 20, "quote")
    yield from settle(app, 0.3)
    out["quote_error"] = app.state.errors.get("pay_quote")
    q = app.state.data["pay_quote"].quote
    out["quote_total"] = str(q.total.yuan)
    out["quote_periods"] = [str(x.period) for x in q.lines]
    out["quote_lines_fen"] = [[x.amount.fen, x.late_fee.fen] for x in q.lines]
    out["quote_as_of"] = q.as_of.isoformat()
    tap(pay.ids.pay_qr)
    yield from wait_until(
        lambda: pay.ids.steps.current == "qr" and pay.ids.qr.data, 30, "the QR code"
    )
    yield from settle(app, 0.3)
    in_thread(lambda: requests.post(pay.ids.qr.data, json={}, timeout=10))
    yield from wait_answer(app, "pay_qr_wait", 60, "paid")
    yield from settle(app, 0.4)
    result = app.state.data.get("pay_qr_wait")
    out["order_no"] = result.outcome.order_no if result else None
    out["paid"] = bool(result and result.paid)
    out["pay_error"] = app.state.errors.get("pay_qr_wait")
    tap(pay.ids.done)
    yield from wait_page(app, "menu")

    tap(widget(app, "services", "menu"))
    yield from wait_page(app, "services")
    tap(screen(app, "services").tiles["my_receipts"])
    yield from wait_page(app, "my_receipts")
    yield from wait_until(lambda: "my_receipts" in app.state.data, 20, "my receipts")
    yield from settle(app, 0.4)
    rc = screen(app, "my_receipts")
    rows = list(reversed(rc.ids.rows.children))
    out["receipt_orders"] = [p.order_no for p in app.state.data["my_receipts"]]
    out["rows"] = [[r.ids.what.text, r.ids.money.text, r.ids.reprint.text] for r in rows]
    out["row_orders"] = [r.order_no for r in rows]
    yield from _views(app, "my_receipts", out, "my-receipts")
    rows = list(reversed(rc.ids.rows.children))
    tap(rows[0].ids.reprint)
    yield from wait_answer(app, "receipt_reprint", 30, "reprinted")
    yield from settle(app, 0.4)
    done = app.state.data.get("receipt_reprint")
    out["reprinted"] = [done.order_no, done.printed] if done else None
    out["reprint_error"] = app.state.errors.get("receipt_reprint")
    out["reprint_text"] = rc.ids.result.text
    shot("my-receipts-reprinted")
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["data_after_exit"] = app.state.has_personal_data
    out["page_after_exit"] = page(app)
    yield from register(app, out, members["resident"])


def register(app, out, m):
    """A resident with no employer registers as a flexible worker: pension + medical at the
    band's highest base; the dues offer the flexible months at once."""
    h = yield from to_menu(app, m, [])
    tap(widget(app, "services", "menu"))
    yield from wait_page(app, "services")
    tap(screen(app, "services").tiles["flexible"])
    yield from wait_page(app, "flexible")
    yield from wait_until(lambda: "flexible" in app.state.data, 20, "flexible standing")
    yield from settle(app, 0.4)
    fx = screen(app, "flexible")
    out["reg_standing"] = fx.ids.standing.text
    out["reg_detail"] = fx.ids.detail.text
    out["reg_choices"] = [
        fx.ids.plan_pension.text,
        fx.ids.plan_both.text,
        fx.ids.base_min.text,
        fx.ids.base_max.text,
    ]
    yield from _views(app, "flexible", out, "flexible-register")
    tap(fx.ids.plan_both)
    yield from settle(app, 0.2)
    tap(fx.ids.base_max)
    yield from settle(app, 0.2)
    out["reg_chosen"] = [fx.ids.plan_both.state, fx.ids.base_max.state, fx.ids.base_min.state]
    tap(fx.ids.act)
    yield from wait_answer(app, "flexible_register", 20, "registered")
    yield from settle(app, 0.4)
    out["reg_error"] = app.state.errors.get("flexible_register")
    said = app.state.said.get("flexible_register")
    out["reg_said"] = said.zh if said else None
    out["reg_standing_after"] = fx.ids.standing.text
    out["reg_detail_after"] = fx.ids.detail.text
    out["reg_message"] = fx.ids.message.text
    shot("flexible-registered")
    if fx.pay_shown:
        tap(fx.ids.to_pay)
        yield from wait_page(app, "pay")
        yield from wait_until(lambda: "dues" in app.state.data, 20, "dues after registering")
        yield from settle(app, 0.3)
        out["reg_dues"] = [
            [d.scheme.value, str(d.base_default), [str(x.amount) for x in d.lines[:1]]]
            for d in app.state.data["dues"]
            if d.kind.value == "flexible"
        ]
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
