"""ID-card entry by touch (issue 20): the emulated ID-card reader of the kiosk as assembled
(config [idcard_reader] kind = "emulated"), the real back office, the real app. The member's
hand on the reader is the reader's own `place` / `remove` (what the demo panel's buttons do);
the card is named by $IDCARD_CARD (a shipped showcase card, read from the seeded profiles)."""

from __future__ import annotations

import os
import threading

from tests.helpers.kivy_ui import (
    in_thread,
    settle,
    shot,
    tap,
    wait_answer,
    wait_page,
    wait_until,
    widget,
)


def _reader(app):
    return app.controller.id_entry.reader  # the EmulatedIdCardReader ([idcard_reader])


def _camera(app):
    return app.controller.identity.verifier.camera  # the emulated camera ([camera])


def _visible(w) -> bool:
    return bool(w.opacity > 0 and not w.disabled and w.width > 0 and w.height > 0)


def _shots(app, name: str, out: dict, key: str):
    """The page in Chinese, English and large text (zh), as a member may see it."""
    for lang, large in (("zh", False), ("en", False), ("zh", True)):
        app.lang = lang
        app.large_text = large
        yield from settle(app, 0.5)
        tag = f"{lang}{'-large' if large else ''}"
        out[f"{key}_{tag}"] = shot(f"{name}-{tag}")
    app.lang = "zh"
    app.large_text = False
    yield from settle(app, 0.3)


def _to_limited_menu(app, out: dict):
    yield from wait_page(app, "attract")
    attract = app.sm.get_screen("attract")
    out["attract_idcard_or"] = attract.ids.idcard_or.text
    out["attract_ways"] = attract.ids.services.text
    yield from _shots(app, "idcard-attract", out, "shot_attract")
    out["attract_ways_en"] = app.translator("attract.ways_idcard")  # after the shots: zh again
    app.frames.reset()
    in_thread(_reader(app).place, os.environ["IDCARD_CARD"])
    yield from wait_page(app, "menu", 20)
    menu = app.sm.get_screen("menu")
    out["scope"] = app.state.id_scope
    out["pin_verified"] = app.state.pin_verified
    out["id_note"] = menu.ids.id_note.text
    out["menu_visible"] = sorted(
        wid
        for wid in ("id_pay", "id_records", "insurance", "history", "pay", "card_services")
        if _visible(menu.ids[wid])
    )
    yield from _shots(app, "idcard-menu-limited", out, "shot_menu")


def _end(app, out: dict):
    """The member takes the ID card away: goodbye, then the attract page, nothing kept."""
    in_thread(_reader(app).remove)
    yield from wait_page(app, "goodbye", 20)
    out["goodbye_title"] = widget(app, "title", "goodbye").text
    out["after_removal_data"] = app.state.has_personal_data
    yield from wait_page(app, "attract", 20)
    out["ended_by"] = "attract"


def idcard_pays_by_qr(app, out):
    """ID card on the reader -> the limited menu -> pay: the first payable scheme, its first
    month -> breakdown (no card payment offered) -> QR -> the phone pays -> paid, receipt
    printed -> the card taken away ends the session."""
    import requests

    yield from _to_limited_menu(app, out)
    tap(widget(app, "id_pay", "menu"))
    yield from wait_page(app, "pay")
    yield from wait_until(lambda: "dues" in app.state.data, 20, "dues")
    yield from settle(app, 0.3)
    pay = app.sm.get_screen("pay")
    out["dues_error"] = app.state.errors.get("dues")
    button = next(b for b in reversed(pay.ids.dues_list.children))
    out["due_button"] = button.text
    tap(button)
    yield from settle(app, 0.3)
    months = [b for b in pay.ids.months_box.children if b.label.startswith("1 ")]
    if months:
        tap(months[0])
        yield from settle(app, 0.2)
    tap(pay.ids.breakdown_button)
    yield from wait_answer(app, "pay_quote", 20, "quote")
    yield from settle(app, 0.3)
    out["quote_error"] = app.state.errors.get("pay_quote")
    q = app.state.data["pay_quote"].quote
    out["quote_total_fen"] = q.total.fen
    out["quote_lines_fen"] = [[str(x.period), x.amount.fen, x.late_fee.fen] for x in q.lines]
    out["pay_card_visible"] = _visible(pay.ids.pay_card)
    out["pay_qr_visible"] = _visible(pay.ids.pay_qr)
    out["readiness_text"] = pay.ids.readiness.text
    yield from _shots(app, "idcard-pay-quote", out, "shot_quote")
    tap(pay.ids.pay_qr)
    yield from wait_until(
        lambda: pay.ids.steps.current == "qr" and pay.ids.qr.data,
        30,
        lambda: f"QR shown (errors {app.state.errors}, loading {app.state.loading})",
    )
    yield from settle(app, 0.5)
    out["shot_qr"] = shot("idcard-pay-qr")
    # The member's phone pays on the gateway simulator's page (JSON, as its page sends it).
    in_thread(lambda: requests.post(pay.ids.qr.data, json={}, timeout=10))
    yield from wait_answer(app, "pay_qr_wait", 60, "paid")
    yield from settle(app, 0.4)
    result = app.state.data.get("pay_qr_wait")
    out["pay_error"] = app.state.errors.get("pay_qr_wait")
    out["outcome"] = result.outcome.outcome.value if result else None
    out["order_no"] = result.outcome.order_no if result else None
    out["receipt_key"] = result.receipt_key if result else None
    out["result_text"] = pay.ids.result_text.text
    out["shot_result"] = shot("idcard-pay-result")
    tap(pay.ids.done)
    yield from wait_page(app, "menu")
    yield from _end(app, out)


def idcard_records_need_the_face(app, out):
    """ID card -> the limited menu: records are refused (by the session and by the back
    office) until a face check; someone else's face does not open them; the member's does."""
    yield from _to_limited_menu(app, out)
    menu = app.sm.get_screen("menu")
    # No records button to tap; a records page asked for anyway is refused with a notice.
    from kiosk.session.machine import Navigate, Page

    app.post(Navigate(Page.HISTORY))
    yield from wait_until(lambda: app.state.pin_message == "idcard.needs_face", 10, "refusal")
    yield from settle(app, 0.3)
    out["refused_page"] = app.state.page.value
    out["refused_notice"] = menu.ids.notice.text
    out["shot_refused"] = shot("idcard-records-refused")
    # The back office refuses too: the limited session's token reads no records.
    box: dict = {}

    def ask_summary() -> None:
        try:
            app.controller.data.load("summary", app.state.holder, {})
            box["answer"] = "summary given"
        except Exception as e:  # the refusal is what is expected
            box["answer"] = type(e).__name__
            box["code"] = str(e)
            box["said"] = getattr(e, "message_en", "")

    t = threading.Thread(target=ask_summary)
    t.start()
    yield from wait_until(lambda: not t.is_alive(), 20, "the back office's answer")
    out["backoffice_summary"] = box
    # Someone else in front of the camera: the face check fails, records stay closed.
    _camera(app).set_subject("someone_else")
    tap(menu.ids.id_records)
    yield from wait_page(app, "face", 10)
    face = app.sm.get_screen("face")
    yield from wait_until(
        lambda: app.state.face is not None and app.state.face.step == "failed",
        60,
        lambda: f"the face check's answer (step {app.state.face and app.state.face.step})",
    )
    yield from settle(app, 0.4)
    out["face_failed_reason"] = app.state.face.reason
    out["scope_after_failure"] = app.state.id_scope
    out["shot_face_failed"] = shot("idcard-face-failed")
    # The member themself: the check passes and the session is widened.
    _camera(app).set_subject("member")
    tap(face.ids.retry)
    yield from wait_page(app, "menu", 60)
    yield from wait_until(lambda: app.state.id_scope == "full", 10, "full scope")
    yield from settle(app, 0.3)
    out["scope_after_face"] = app.state.id_scope
    out["full_notice"] = menu.ids.notice.text
    out["full_visible"] = sorted(
        wid
        for wid in ("id_pay", "id_records", "insurance", "history", "pay", "card_services")
        if _visible(menu.ids[wid])
    )
    yield from _shots(app, "idcard-menu-full", out, "shot_full")
    tap(menu.ids.history)
    yield from wait_page(app, "history", 20)
    yield from wait_until(lambda: "history" in app.state.data or "history" in app.state.errors, 20)
    out["history_error"] = app.state.errors.get("history")
    out["history_rows"] = len(app.state.data.get("history") or [])
    out["shot_history"] = shot("idcard-history")
    # Issue 17: with the face, the social security card is reported lost without it.
    app.navigate("menu")
    yield from wait_page(app, "menu")
    tap(menu.ids.card_services)
    yield from wait_page(app, "card_services")
    yield from settle(app, 0.3)
    cards = app.sm.get_screen("card_services")
    out["loss_intro"] = cards.ids.status.text
    out["loss_change_pin_shown"] = _visible(cards.ids.change_pin)
    tap(cards.ids.report_loss)  # asked once more
    yield from settle(app, 0.3)
    out["loss_confirm"] = cards.ids.report_loss.text
    out["loss_sent_early"] = "report_loss_id" in app.state.loading or (
        "report_loss_id" in app.state.data
    )
    yield from _shots(app, "idcard-loss-confirm", out, "shot_loss_confirm")
    tap(cards.ids.report_loss)
    yield from wait_answer(app, "report_loss_id", 20, "the loss report")
    yield from settle(app, 0.3)
    out["loss_error"] = app.state.errors.get("report_loss_id")
    out["loss_done"] = cards.ids.status.text
    out["shot_loss_done"] = shot("idcard-loss-reported")
    yield from _end(app, out)


def demo_panel_places_the_card(app, out):
    """The demo's hardware panel (scripts/demo.py) beside the kiosk: its ID-card buttons place
    the emulated reader's card and take it away."""
    from kivy.core.window import Window
    from kivy.lang import Builder

    from screens.app import KV_DIR
    from screens.demo_panel import DemoPanel

    class Hardware:  # the demo's other hardware is not needed here
        cards = ()

        def remove(self) -> None: ...

    yield from wait_page(app, "attract")
    Builder.load_file(str(KV_DIR / "demo_panel.kv"))
    panel = DemoPanel(Hardware(), size_hint=(None, 1), width=300, pos=(Window.width - 300, 0))
    Window.add_widget(panel)
    yield from settle(app, 0.5)
    buttons = {b.text: b for b in panel.ids.idcards.children}
    out["idcard_buttons"] = sorted(buttons)
    out["shot_panel"] = shot("idcard-demo-panel")
    tap(next(b for t, b in buttons.items() if "可缴费" in t))
    yield from wait_page(app, "menu", 20)
    out["scope"] = app.state.id_scope
    take = next(b for b in panel.walk() if getattr(b, "text", "").startswith("取走身份证"))
    yield from settle(app, 0.5)
    tap(take)
    yield from wait_until(
        lambda: "取走身份证" in panel.status, 10, lambda: f"status {panel.status}"
    )
    yield from wait_page(app, "goodbye", 20)
    yield from wait_page(app, "attract", 20)
    out["panel_status"] = panel.status
    Window.remove_widget(panel)
