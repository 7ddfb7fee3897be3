"""Issue 17's transfer and medical journeys by touch (tests/ui/test_transfer_medical.py): the
menu's 更多服务 -> 转移接续: the pension voucher previewed and printed (A4, cups-pdf), a
transfer-in request from 上海市 and its progress; -> 医保查询: the account by month, the
settlements and the year's totals, then the empty state; the pages in English and large text;
then another member's request half-way."""

from __future__ import annotations

import os
from dataclasses import replace

from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
    journey_member,
    page,
    screen,
    settle,
    shot,
    stencil_clips,
    tap,
    to_menu,
    wait_answer,
    wait_page,
    wait_until,
    widget,
)


def _back(app, name: str):
    """The page header's "back" button of page `name` (an IconButton, id `back` in the
    shared PageHeader)."""
    return screen(app, name).header.ids.back


def _boxes_inside(app, name: str) -> list[str]:
    """Labels of page `name` whose text runs outside their own box or off the window."""
    from kivy.core.window import Window
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    bad = []
    for w in screen(app, name).walk():
        if not isinstance(w, Label) or not w.text or w.opacity == 0 or w.parent is None:
            continue
        tw, th = w.texture_size
        x, y = w.to_window(w.x, w.y)
        if isinstance(w, Button) and tw > w.width - 8:  # a button's label flush with its edge
            bad.append(w.text[:40])
            continue
        if (
            th > w.height + 1
            or y < -1
            or y + w.height > Window.height + 1
            or (w.text_size[0] is not None and tw > w.width + 1)
            or x < -1
            or x + w.width > Window.width + 1
        ):
            bad.append(w.text[:40])
    return bad


def transfer_and_medical(app, out):
    m = journey_member()["first"]
    h = yield from to_menu(app, m, [])
    tap(widget(app, "services", "menu"))
    yield from wait_page(app, "services")
    services = screen(app, "services")
    out["tiles"] = services.shown()
    tap(services.tiles["transfer"])
    yield from wait_page(app, "transfer")
    yield from wait_until(
        lambda: "transfer" in app.state.data and "transfer_cities" in app.state.data,
        20,
        "transfer data",
    )
    yield from settle(app, 0.3)
    out["voucher_choose"] = widget(app, "choose", "transfer").text
    shot("transfer-voucher-choose")

    # -- the pension voucher: preview, then print --
    tap(widget(app, "kind_pension", "transfer"))
    tap(widget(app, "preview_button", "transfer"))
    yield from wait_answer(app, "voucher_preview", 60, "voucher preview")
    yield from settle(app, 0.5)
    out["preview_error"] = app.state.errors.get("voucher_preview")
    preview = app.state.data.get("voucher_preview")
    out["preview_pages"] = preview.pages if preview else 0
    out["verification_code"] = preview.verification_code if preview else ""
    out["preview_image_exists"] = bool(preview) and os.path.exists(preview.image)
    out["preview_message"] = widget(app, "voucher_message", "transfer").text
    image = widget(app, "image", "transfer")
    yield from wait_until(lambda: image.texture is not None, 10, "voucher picture")
    out["stencils"] = stencil_clips()
    out["print_enabled"] = not widget(app, "print_button", "transfer").disabled
    shot("transfer-voucher-preview")
    tap(widget(app, "print_button", "transfer"))
    yield from wait_answer(app, "voucher_print", 90, "voucher printed")
    yield from settle(app, 0.3)
    out["print_error"] = app.state.errors.get("voucher_print")
    done = app.state.data.get("voucher_print")
    out["job_id"] = done.job_id if done else None
    out["done_message"] = widget(app, "voucher_message", "transfer").text
    shot("transfer-voucher-printed")

    # -- a transfer-in request from Shanghai --
    tap(widget(app, "tab_request", "transfer"))
    yield from settle(app, 0.3)
    transfer = screen(app, "transfer")
    out["request_status"] = widget(app, "status", "transfer").text
    out["last_done"] = widget(app, "last_done", "transfer").text
    out["cities"] = [b.label for b in transfer._city_buttons.values()]
    out["start_enabled_before_choice"] = not widget(app, "start", "transfer").disabled
    out["layout_request"] = _boxes_inside(app, "transfer")
    shot("transfer-request-choose")
    tap(transfer._city_buttons["310100"])
    yield from settle(app, 0.2)
    tap(widget(app, "start", "transfer"))
    yield from wait_answer(app, "transfer_start", 30, "request started")
    yield from settle(app, 0.3)
    out["start_error"] = app.state.errors.get("transfer_start")
    out["started_message"] = widget(app, "request_message", "transfer").text
    out["status_after"] = widget(app, "status", "transfer").text
    out["steps"] = list(widget(app, "steps", "transfer").steps)
    out["steps_current"] = widget(app, "steps", "transfer").current
    out["state_line"] = widget(app, "state_line", "transfer").text
    out["reached"] = widget(app, "reached", "transfer").text
    out["cities_after"] = len(transfer._city_buttons)
    shot("transfer-request-open")

    # -- medical insurance: back to the services, then 医保查询 --
    tap(_back(app, "transfer"))
    yield from wait_page(app, "services")
    tap(services.tiles["medical"])
    yield from wait_page(app, "medical")
    yield from wait_until(
        lambda: "medical_account" in app.state.data and "medical_settlements" in app.state.data,
        20,
        "medical data",
    )
    yield from settle(app, 0.3)
    table = widget(app, "table", "medical")
    out["balance"] = widget(app, "balance", "medical").text
    out["account_line"] = widget(app, "account_line", "medical").text
    out["account_header"] = list(table.header)
    out["account_rows"] = [list(r) for r in table.data_rows]
    out["totals"] = widget(app, "totals", "medical").text
    out["layout_account"] = _boxes_inside(app, "medical")
    shot("medical-account")
    tap(widget(app, "tab_settlements", "medical"))
    yield from settle(app, 0.3)
    out["settlement_header"] = list(table.header)
    out["settlement_rows"] = [list(r) for r in table.data_rows]
    out["empty_with_rows"] = widget(app, "empty", "medical").text
    out["layout_settlements"] = _boxes_inside(app, "medical")
    shot("medical-settlements")

    # English and large text (长辈模式) on both pages: what is clipped or runs off
    app.toggle_language()
    app.toggle_large_text()
    yield from settle(app, 0.5)
    out["en_totals"] = widget(app, "totals", "medical").text
    out["layout_settlements_en_large"] = _boxes_inside(app, "medical")
    shot("medical-settlements-en-large")
    tap(widget(app, "tab_account", "medical"))
    yield from settle(app, 0.3)
    out["layout_account_en_large"] = _boxes_inside(app, "medical")
    shot("medical-account-en-large")
    tap(_back(app, "medical"))
    yield from wait_page(app, "services")
    tap(services.tiles["transfer"])
    yield from wait_page(app, "transfer")
    tap(widget(app, "tab_voucher", "transfer"))
    yield from settle(app, 0.3)
    out["layout_transfer_en_large"] = _boxes_inside(app, "transfer")
    shot("transfer-voucher-en-large")
    tap(widget(app, "tab_request", "transfer"))
    yield from settle(app, 0.3)
    out["en_status"] = widget(app, "status", "transfer").text
    out["layout_request_en_large"] = _boxes_inside(app, "transfer")
    shot("transfer-request-en-large")
    app.toggle_language()
    app.toggle_large_text()
    yield from settle(app, 0.3)

    # -- the empty state: a year without settlements (this session's answer replaced) --
    from kiosk.domain.medical import SettlementTotals
    from kiosk.domain.money import Money
    from kiosk.session.intents import DataKey
    from kiosk.session.machine import Loaded

    tap(_back(app, "transfer"))
    yield from wait_page(app, "services")
    tap(services.tiles["medical"])
    yield from wait_page(app, "medical")
    zero = Money.zero()
    none = SettlementTotals(0, zero, zero, zero, zero, zero)
    settled = app.state.data.medical_settlements
    empty = replace(settled, count=0, settlements=(), outpatient=none, inpatient=none, all=none)
    app.controller.post(Loaded(DataKey.MEDICAL_SETTLEMENTS, empty))
    yield from wait_until(
        lambda: not app.state.data.medical_settlements.settlements, 10, "the empty year"
    )
    tap(widget(app, "tab_settlements", "medical"))
    yield from settle(app, 0.3)
    out["empty"] = widget(app, "empty", "medical").text
    out["empty_rows"] = len(table.data_rows)
    out["empty_totals"] = widget(app, "totals", "medical").text
    shot("medical-empty")

    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["preview_gone"] = not (preview and os.path.exists(preview.image))
    out["rows_after_exit"] = len(table.data_rows)
    # a page built on its visit is let go: the next member's visit builds it afresh
    out["transfer_released"] = not app.sm.has_screen("transfer")
    out["data_after_exit"] = app.state.has_personal_data

    # -- another member's request half-way (the other city contacted) --
    h = yield from to_menu(app, journey_member()["second"], [])
    tap(widget(app, "services", "menu"))
    yield from wait_page(app, "services")
    tap(services.tiles["transfer"])
    yield from wait_page(app, "transfer")
    yield from wait_until(lambda: "transfer" in app.state.data, 20, "transfer data")
    tap(widget(app, "tab_request", "transfer"))
    yield from settle(app, 0.3)
    out["second_status"] = widget(app, "status", "transfer").text
    out["second_steps_current"] = widget(app, "steps", "transfer").current
    out["second_state_line"] = widget(app, "state_line", "transfer").text
    out["second_reached"] = widget(app, "reached", "transfer").text
    out["second_start_shown"] = widget(app, "start_row", "transfer").opacity
    shot("transfer-request-contacted")
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["page_at_end"] = page(app)
