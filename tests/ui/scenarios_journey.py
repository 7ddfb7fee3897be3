"""Whole journeys through the real kiosk: card in the emulator, real back office, real app."""

from __future__ import annotations

import os

from tests.helpers.kivy_ui import (
    card_cmd,
    enter_bank_pin,
    in_thread,
    journey_member,
    page,
    screen,
    settle,
    shot,
    stencil_clips,
    tap,
    to_menu,
    type_pin,
    wait_answer,
    wait_page,
    wait_until,
    widget,
)


def browse_records(app, out):
    """Card -> PIN -> menu -> insurance, history, accounts, estimate -> exit -> goodbye."""
    from kivy.uix.recycleview import views

    from screens.widgets import TableCell

    m = journey_member()
    seen = out.setdefault("pages", [])
    yield from wait_page(app, "attract")
    yield from wait_until(lambda: app.prebuilt, 20, "pages built")
    out["cells_pooled_at_start"] = len(views._cached_views[TableCell])
    h = yield from to_menu(app, m, seen, out)
    out["greeting"] = widget(app, "greeting", "menu").text
    out["menu_header_name"] = screen(app, "menu").header.member_name
    shot("journey-menu")
    for name, ready in (
        ("insurance", lambda: "summary" in app.state.data),
        ("history", lambda: "history" in app.state.data),
        ("accounts", lambda: "accounts" in app.state.data),
        ("estimate", lambda: "estimate" in app.state.data),
    ):
        tap(widget(app, name, "menu"))
        yield from wait_page(app, name)
        yield from wait_until(ready, what=f"{name} data")
        yield from settle(app, 0.3)
        seen.append(name)
        shot(f"journey-{name}")
        if name == "history":
            out["history_rows"] = len(widget(app, "table", "history").data_rows)
            out["history_year"] = widget(app, "year", "history").text
            out["chart_bars"] = len(widget(app, "chart", "history").values)
            out["cells_pooled_in_history"] = len(views._cached_views[TableCell])
            cells = [c for c in widget(app, "table", "history").ids.body_layout.children if c.text]
            out["cells_with_text"] = len(cells)
            out["stencils_on_history"] = stencil_clips()
            out["cell_textures"] = len({id(c.texture) for c in cells})
            out["cells_texture_matches_text"] = all(
                TableCell._shared.get(c._texture_key()) is c.texture for c in cells
            )
        if name == "insurance":
            out["insurance_items"] = len(widget(app, "rows", "insurance").children)
        if name == "accounts":
            out["pension_text"] = widget(app, "pension", "accounts").text
        app.navigate("menu")
        yield from wait_page(app, "menu")
    app.exit_session()
    yield from wait_page(app, "goodbye")
    seen.append("goodbye")
    out["personal_data_after_exit"] = app.state.has_personal_data
    shot("journey-goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    seen.append("attract")
    out["cell_textures_after_exit"] = len(TableCell._shared)
    out["history_rows_after_exit"] = len(widget(app, "table", "history").data_rows)
    out["greeting_after_exit"] = widget(app, "greeting", "menu").text


def print_record(app, out):
    """Card -> PIN -> menu -> print: rights record of this year -> preview -> print -> exit."""
    m = journey_member()
    seen = out.setdefault("pages", [])
    h = yield from to_menu(app, m, seen)
    tap(widget(app, "print", "menu"))
    yield from wait_page(app, "print")
    yield from wait_until(lambda: "summary" in app.state.data, what="summary")
    seen.append("print")
    # Every frame drawn until the picture shows: its words never come a frame before it.
    from kivy.core.window import Window

    image, message = widget(app, "image", "print"), widget(app, "message", "print")
    words_alone: list[str] = []
    flip = Window.flip

    def watched_flip() -> None:
        flip()
        if "个人权益记录单" in message.text and image.texture is None:
            words_alone.append(message.text)

    Window.flip = watched_flip
    try:
        tap(widget(app, "preview_button", "print"))
        yield from wait_answer(app, "print_preview", 60, "preview")
        yield from wait_until(lambda: image.texture is not None, 10, "preview picture")
    finally:
        Window.flip = flip
    out["preview_words_before_picture"] = words_alone
    yield from settle(app, 0.5)
    out["preview_error"] = app.state.errors.get("print_preview")
    preview = app.state.data.get("print_preview")
    out["preview_pages"] = preview.pages if preview else 0
    out["verification_code"] = preview.verification_code if preview else ""
    out["preview_image_exists"] = bool(preview) and os.path.exists(preview.image)
    out["preview_message"] = message.text
    out["preview_texture_size"] = list(image.texture.size)
    if preview:
        from PIL import Image as PILImage

        with PILImage.open(preview.image) as png:
            out["preview_png_size"] = list(png.size)
    out["stencils_on_print"] = stencil_clips()
    shot("journey-print-preview")
    tap(widget(app, "print_button", "print"))
    yield from wait_answer(app, "print_submit", 90, "printed")
    yield from settle(app, 0.3)
    out["print_error"] = app.state.errors.get("print_submit")
    done = app.state.data.get("print_submit")
    out["job_id"] = done.job_id if done else None
    out["done_message"] = widget(app, "message", "print").text
    shot("journey-print-done")
    app.exit_session()
    yield from wait_page(app, "goodbye")
    out["preview_gone"] = not (preview and os.path.exists(preview.image))
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    # The preview file is deleted when the session forgets the member, and its picture too.
    out["preview_gone"] = not (preview and os.path.exists(preview.image))
    out["preview_picture_after_exit"] = widget(app, "image", "print").texture is not None


def _insert(m):
    return in_thread(card_cmd, {"cmd": "insert", "profile": m["card_file"]})


def wrong_pin_until_blocked(app, out):
    m = journey_member()
    yield from wait_page(app, "attract")
    h = _insert(m)
    yield from wait_page(app, "pin", 20)
    messages = []
    for _ in range(3):
        type_pin(app, "pin", "000000")
        yield from wait_until(
            lambda: app.state.pin_tries_left is not None or page(app) == "card_problem",
            what="PIN answer",
        )
        yield from wait_until(
            lambda: (
                page(app) == "card_problem"
                # the message is blank while the card checks the PIN: wait for the answer
                or widget(app, "message", "pin").text not in ("", *messages)
            ),
            what="new message",
        )
        if page(app) == "card_problem":
            break
        messages.append(widget(app, "message", "pin").text)
        shot(f"journey-pin-wrong-{len(messages)}")
    yield from wait_page(app, "card_problem")
    out["messages"] = messages
    out["problem_title"] = widget(app, "title", "card_problem").text
    out["problem_todo"] = widget(app, "todo", "card_problem").text
    shot("journey-pin-blocked")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["back_to_attract"] = True


def pull_card(app, out):
    """The card pulled on the PIN page, then (second member visit) on the history page."""
    import time

    m = journey_member()
    for where in ("pin", "history"):
        yield from wait_page(app, "attract", 20)
        h = _insert(m)
        yield from wait_page(app, "pin", 20)
        if where == "history":
            type_pin(app, "pin", m["pin"])
            yield from wait_page(app, "menu")
            tap(widget(app, "history", "menu"))
            yield from wait_page(app, "history")
        yield from wait_until(lambda h=h: h["done"].is_set(), what="insert finished")
        t0 = time.monotonic()
        in_thread(card_cmd, {"cmd": "remove"})
        yield from wait_until(lambda: page(app) == "goodbye", 5, "goodbye")
        out[f"goodbye_after_{where}"] = time.monotonic() - t0
        out[f"data_after_{where}"] = app.state.has_personal_data
        shot(f"journey-pulled-{where}")


def page_timeout(app, out):
    """Warning before the page times out; "continue" keeps the session; no touch ends it."""
    import time

    m = journey_member()
    h = yield from to_menu(app, m, [])
    c = app.controller
    offset = [0.0]
    frozen: list[float | None] = [None]
    c.clock = lambda: frozen[0] if frozen[0] is not None else time.monotonic() + offset[0]
    deadline = c.session.state.deadline
    frozen[0] = deadline - 15.5  # 15.5 s left, held: inside the 20 s warning
    yield from wait_until(lambda: app.state.warning, 5, "warning")
    yield from settle(app, 0.6)
    # the banner's count and the header ring's, read at one moment of the session's clock
    out["counts"] = (app.banner.seconds, app.sm.get_screen("menu").header.time_left)
    offset[0], frozen[0] = deadline - time.monotonic() - 15, None
    out["banner_text"] = app.banner.ids.countdown.text
    out["banner_visible"] = app.banner.opacity == 1 and app.banner.height > 0
    shot("journey-timeout-warning")
    tap(app.banner.ids.continue_button)
    yield from wait_until(lambda: not app.state.warning, 5, "warning gone")
    yield from settle(app, 0.3)
    out["after_continue"] = page(app)
    out["banner_hidden"] = app.banner.opacity == 0
    offset[0] = c.session.state.deadline - time.monotonic() + 0.5  # past the deadline
    yield from wait_until(lambda: page(app) == "goodbye", 5, "timeout")
    out["after_timeout"] = page(app)
    out["ended_by"] = app.state.ended_by
    out["data_after_timeout"] = app.state.has_personal_data
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)


def every_screen(app, out):
    """Visit every member page (in whatever language and text size the app started with)."""
    from screens.app import SCREENS

    m = journey_member()
    lang = app.lang
    seen = []
    yield from wait_page(app, "attract")
    shot(f"every-{lang}-attract")
    h = yield from to_menu(app, m, seen)
    shot(f"every-{lang}-menu")
    out["texts"] = {}
    for name in (
        "insurance",
        "history",
        "accounts",
        "benefits",
        "estimate",
        "card_services",
        "print",
    ):
        tap(widget(app, name, "menu"))
        yield from wait_page(app, name)
        yield from wait_until(lambda: not app.state.loading, 20, f"{name} loaded")
        yield from settle(app, 0.3)
        out["texts"][name] = [w.text for w in SCREENS_WALK(app, name)]
        out.setdefault("shots", []).append(shot(f"every-{lang}-{name}"))
        app.navigate("menu")
        yield from wait_page(app, "menu")
    out["menu_button_height"] = widget(app, "history", "menu").height
    out["title_font"] = widget(app, "greeting", "menu").font_size
    out["errors"] = dict(app.state.errors)
    app.exit_session()
    yield from wait_page(app, "goodbye")
    out.setdefault("shots", []).append(shot(f"every-{lang}-goodbye"))
    out["goodbye"] = widget(app, "title", "goodbye").text
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["screens"] = [p.value for p in SCREENS]


def SCREENS_WALK(app, name):
    from kivy.uix.label import Label

    return [w for w in app.sm.get_screen(name).walk() if isinstance(w, Label) and w.text]


def pay_three_months(app, out):
    """Card -> PIN -> pay: flexible-employment pension, 3 months -> breakdown -> card or QR ->
    paid, receipt -> history shows the months paid -> exit."""
    import requests

    m = journey_member()
    method = os.environ.get("JOURNEY_PAY_METHOD", "card")
    scheme = os.environ.get("JOURNEY_PAY_SCHEME", "pension")
    out["scheme"] = scheme
    seen = out.setdefault("pages", [])
    h = yield from to_menu(app, m, seen)
    tap(widget(app, "pay", "menu"))
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues")
    yield from settle(app, 0.3)
    pay = app.sm.get_screen("pay")
    flexible = [
        d for d in app.state.data["dues"] if d.kind.value == "flexible" and d.scheme.value == scheme
    ]
    assert flexible, f"no flexible {scheme} due: {app.state.data['dues']}"
    shot(f"journey-pay-dues-{method}")
    word = {"pension": "养老", "medical": "医疗"}[scheme]
    button = next(b for b in pay.ids.dues_list.children if word in b.text)
    tap(button)
    yield from settle(app, 0.3)
    three = next(b for b in pay.ids.months_box.children if b.label.startswith("3 "))
    tap(three)
    yield from settle(app, 0.2)
    shot(f"journey-pay-options-{method}")
    tap(pay.ids.breakdown_button)
    yield from wait_answer(app, "pay_quote", 20, "quote")
    yield from settle(app, 0.3)
    out["quote_error"] = app.state.errors.get("pay_quote")
    q = app.state.data["pay_quote"].quote
    out["quote_months"] = [str(x.period) for x in q.lines]
    out["quote_total"] = str(q.total.yuan)
    out["quote_total_fen"] = q.total.fen
    out["quote_as_of"] = q.as_of.isoformat()
    out["quote_lines_fen"] = [[str(x.period), x.amount.fen, x.late_fee.fen] for x in q.lines]
    out["quote_text"] = pay.ids.total.text
    shot(f"journey-pay-quote-{method}")
    if method == "card":
        # The card's bank application takes the money: its 金融密码 on the PIN pad's keypad.
        tap(pay.ids.pay_card)
        yield from enter_bank_pin(app, os.environ["JOURNEY_BANK_PIN"], out)
        yield from wait_answer(app, "pay_card", 60, "paid")
        result = app.state.data.get("pay_card")
    else:
        tap(pay.ids.pay_qr)
        yield from wait_until(
            lambda: pay.ids.steps.current == "qr" and pay.ids.qr.data,
            30,
            lambda: (
                f"QR shown (errors {app.state.errors}, loading {app.state.loading}, "
                f"step {pay.ids.steps.current}, data {sorted(app.state.data)})"
            ),
        )
        yield from settle(app, 0.5)
        out["qr_url"] = pay.ids.qr.data
        out["qr_shot"] = shot("journey-pay-qr")
        # The member's phone pays: JSON, as the simulator's page sends it (its controls refuse a
        # form or text body since issue 13: what a cross-site page could post).
        in_thread(lambda: requests.post(pay.ids.qr.data, json={}, timeout=10))
        yield from wait_answer(app, "pay_qr_wait", 60, "paid")
        result = app.state.data.get("pay_qr_wait")
    yield from settle(app, 0.4)
    out["pay_error"] = app.state.errors.get("pay_card") or app.state.errors.get("pay_qr_wait")
    out["outcome"] = result.outcome.outcome.value if result else None
    out["order_no"] = result.outcome.order_no if result else None
    out["receipt_key"] = result.receipt_key if result else None
    out["result_text"] = pay.ids.result_text.text
    shot(f"journey-pay-result-{method}")
    tap(pay.ids.done)
    yield from wait_page(app, "menu")
    tap(widget(app, "history", "menu"))
    yield from wait_until(
        lambda: page(app) == "history" and "history" in app.state.data, 20, "history reloaded"
    )
    rows = app.state.data["history"]
    out["paid_months_in_history"] = sorted(
        str(r.period)
        for r in rows
        if r.scheme.value == scheme
        and str(r.period) in out["quote_months"]
        and r.status.value == "paid"
    )
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)


def admin_mode(app, out):
    """The administrator's card + PIN -> admin page: devices, reprint, reconciliation, shut down."""
    m = journey_member()
    yield from wait_page(app, "attract")
    h = _insert(m)
    yield from wait_page(app, "pin", 20)
    type_pin(app, "pin", m["pin"])
    yield from wait_page(app, "admin", 20)
    yield from wait_until(lambda: "admin_status" in app.state.data, 20, "device status")
    yield from settle(app, 0.3)
    out["status"] = dict(app.state.data["admin_status"])
    out["devices_text"] = widget(app, "devices", "admin").text
    shot("journey-admin")
    tap(widget(app, "reconcile", "admin"))
    yield from wait_answer(app, "admin_reconcile", 30, "reconciliation")
    tap(widget(app, "reprint", "admin"))
    yield from wait_answer(app, "admin_reprint", 30, "reprint")
    yield from settle(app, 0.3)
    out["result_text"] = widget(app, "result", "admin").text
    out["errors"] = dict(app.state.errors)
    shot("journey-admin-done")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    tap(widget(app, "shutdown", "admin"))  # the administrator takes the card afterwards
    out["shutdown_tapped"] = True
    yield 1.0


def pull_card_while_paying(app, out):
    """Confirm a card payment and pull the card (JOURNEY_PULL): "before_pin" while the PIN pad
    waits for the 金融密码 (nothing was sent: cancelled); "after_approval" when the card is asked
    for its TC after the acquirer approved (the sale is reversed: nothing taken). The member is
    told which, then the session ends."""
    import time

    when = os.environ["JOURNEY_PULL"]
    m = journey_member()
    h = yield from to_menu(app, m, [])
    tap(widget(app, "pay", "menu"))
    yield from wait_until(lambda: page(app) == "pay" and "dues" in app.state.data, 20, "dues")
    yield from settle(app, 0.3)
    pay = app.sm.get_screen("pay")
    tap(next(b for b in pay.ids.dues_list.children if "养老" in b.text))
    yield from settle(app, 0.3)
    tap(next(b for b in pay.ids.months_box.children if b.label.startswith("1 ")))
    tap(pay.ids.breakdown_button)
    yield from wait_until(lambda: "pay_quote" in app.state.data, 20, "quote")
    yield from settle(app, 0.3)
    q = app.state.data["pay_quote"].quote
    out["quote_months"] = [str(x.period) for x in q.lines]
    out["quote_total_fen"] = q.total.fen
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    tap(pay.ids.pay_card)
    yield from wait_until(lambda: pay.ids.steps.current == "bank_pin", 30, "the PIN pad step")
    if when == "before_pin":
        in_thread(card_cmd, {"cmd": "remove"})
    else:
        # From the PIN on, the card sees GENERATE AC (ARQC) and its GET RESPONSE, then, after
        # the host's 00, GENERATE AC for the TC: the card leaves the reader at that third APDU.
        card_cmd({"cmd": "fault", "pull_after": 2})
        yield from enter_bank_pin(app, os.environ["JOURNEY_BANK_PIN"], out)
    yield from wait_answer(app, "pay_card", 60, "payment outcome")
    yield from wait_until(lambda: pay.ids.steps.current == "result", 10, "result step")
    yield from settle(app, 0.4)
    result = app.state.data.get("pay_card")
    out["page_after_outcome"] = page(app)
    out["outcome"] = result.outcome.outcome.value if result else None
    out["message_key"] = result.outcome.message_key if result else None
    out["order_no"] = result.outcome.order_no if result else None
    out["card_removed"] = result.outcome.card_removed if result else None
    out["result_text"] = pay.ids.result_text.text
    out["pay_error"] = app.state.errors.get("pay_card")
    shot(f"journey-pay-card-pulled-{when}")
    c = app.controller
    c.clock = lambda: time.monotonic() + 25  # the outcome's 20 s on screen pass
    yield from wait_until(lambda: page(app) in ("goodbye", "attract"), 10, "session end")
    out["ended_by"] = app.state.ended_by
    out["data_after"] = app.state.has_personal_data
