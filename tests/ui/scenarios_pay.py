"""The pay page for a member with arrears older than the back-payment window (the card in the
emulator, the real back office, the real app): the counter-only line on screen, both languages."""

from __future__ import annotations

from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
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


def pay_counter_only(app, out):
    """Card -> PIN -> pay: the payable schemes and, under them, the months only the counter
    can settle; the same in English; exit."""
    m = journey_member()
    h = yield from to_menu(app, m, out.setdefault("pages", []))
    tap(widget(app, "pay", "menu"))
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues")
    yield from settle(app, 0.3)
    pay = app.sm.get_screen("pay")
    out["counter_only"] = {
        d.scheme.value: [str(p) for p in d.counter_only] for d in app.state.data["dues"]
    }
    out["payable"] = [d.scheme.value for d in app.state.data["dues"] if d.lines]
    out["due_year"] = {d.scheme.value: d.year for d in app.state.data["dues"]}
    out["errors"] = dict(app.state.errors)
    for lang in ("zh", "en"):
        app.lang = lang
        yield from settle(app, 0.4)
        out[f"title_{lang}"] = pay.ids.dues_title.text
        out[f"buttons_{lang}"] = [b.text for b in reversed(pay.ids.dues_list.children)]
        out[f"counter_text_{lang}"] = pay.ids.counter_only.text
        out[f"counter_visible_{lang}"] = (
            pay.ids.counter_only.height > 0 and pay.ids.counter_only.texture_size[1] > 0
        )
        out[f"buttons_yx_{lang}"] = [
            [b.to_window(*b.pos)[1], b.to_window(b.x, b.top)[1]] for b in pay.ids.dues_list.children
        ]
        label = pay.ids.counter_only
        out[f"counter_top_{lang}"] = label.to_window(label.x, label.top)[1]
        out[f"shot_{lang}"] = shot(f"pay-counter-only-{lang}")
    app.lang = "zh"
    yield from settle(app, 0.3)
    # A page whose dues went stale (the window moved on) asks for a counter-only month: the
    # back office refuses (BACK_PAYMENT_TOO_OLD) and the page shows its own words.
    pension = next(d for d in app.state.data["dues"] if d.scheme.value == "pension")
    pay.pick_due(pension)
    pay.request_quote({"scheme": "pension", "periods": [str(pension.counter_only[-1])]})
    yield from wait_answer(app, "pay_quote", 20, "refused quote")
    yield from settle(app, 0.3)
    out["refused_month"] = str(pension.counter_only[-1])
    out["quote_error"] = app.state.errors.get("pay_quote")
    out["refusal_text"] = pay.ids.message.text
    out["refusal_total"] = pay.ids.total.text
    out["refusal_pay_disabled"] = pay.ids.pay_card.disabled and pay.ids.pay_qr.disabled
    out["shot_refused"] = shot("pay-counter-only-refused")
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
