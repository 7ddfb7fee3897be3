"""The card-in payment as the member does it, by touch, on the real stack: the social security
card and its PIN, the pay page, the card's bank application asking for the 金融密码 on the
on-screen keypad (which feeds the emulated PIN pad), and the outcome."""

from __future__ import annotations

import os

from tests.helpers.kivy_ui import (
    enter_bank_pin,
    journey_member,
    settle,
    shot,
    tap,
    to_menu,
    wait_answer,
    wait_page,
    wait_until,
    widget,
)


def pay_by_bank_card(app, out):
    """Insert card -> 社保 PIN -> pay -> pension due -> breakdown -> card -> 金融密码 -> outcome."""
    m = journey_member()
    seen = out.setdefault("pages", [])
    yield from to_menu(app, m, seen)
    tap(widget(app, "pay", "menu"))
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues")
    yield from settle(app, 0.3)
    pay = app.sm.get_screen("pay")
    button = next(b for b in pay.ids.dues_list.children if "养老" in b.text)
    tap(button)
    yield from settle(app, 0.3)
    tap(pay.ids.breakdown_button)
    yield from wait_answer(app, "pay_quote", 20, "quote")
    yield from settle(app, 0.3)
    out["quote_error"] = app.state.errors.get("pay_quote")
    q = app.state.data["pay_quote"].quote
    out["quote_total_fen"] = q.total.fen
    out["quote_months"] = [str(x.period) for x in q.lines]
    tap(pay.ids.pay_card)
    yield from enter_bank_pin(app, os.environ["JOURNEY_BANK_PIN"], out)
    yield from wait_answer(app, "pay_card", 60, "card sale outcome")
    yield from wait_until(lambda: pay.ids.steps.current == "result", 10, "result step")
    yield from settle(app, 0.4)
    result = app.state.data.get("pay_card")
    out["pay_error"] = app.state.errors.get("pay_card")
    out["outcome"] = result.outcome.outcome.value if result else None
    out["message_key"] = result.outcome.message_key if result else None
    out["order_no"] = result.outcome.order_no if result else None
    out["result_text"] = pay.ids.result_text.text
    out["qr_instead_shown"] = pay.ids.qr_instead.opacity == 1
    out["shot_result"] = shot("card-sale-result")
