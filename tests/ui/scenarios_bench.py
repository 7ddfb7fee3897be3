"""The benchmark's journey (bench/ui_flow.py): no think time, every step as soon as possible."""

from __future__ import annotations

import time

from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
    journey_member,
    page,
    shot,
    tap,
    type_pin,
    wait_page,
    wait_shown,
    wait_until,
    widget,
)


def fast_journey(app, out):
    m = journey_member()
    yield from wait_page(app, "attract")
    out["start_to_attract"] = app.started_drawn
    yield from wait_until(lambda: app.prebuilt, 20, "pages built")
    shot("bench-attract")
    app.frames.reset()
    t0 = time.monotonic()
    h = in_thread(card_cmd, {"cmd": "insert", "profile": m["card_file"]})
    # Each page is waited for until laid out (two frames): a finger cannot hit keys sooner.
    yield from wait_shown(app, "pin")
    shot("bench-pin")
    type_pin(app, "pin", m["pin"])
    yield from wait_shown(app, "menu")
    shot("bench-menu")
    tap(widget(app, "history", "menu"))
    yield from wait_until(
        lambda: page(app) == "history" and "history" in app.state.data, 20, "history"
    )
    shot("bench-history")
    app.navigate("print")
    yield from wait_shown(app, "print")
    yield from wait_until(lambda: "summary" in app.state.data, 20, "print page")
    tap(widget(app, "preview_button", "print"))
    yield from wait_until(lambda: "print_preview" in app.state.data, 60, "preview")
    shot("bench-print-preview")
    tap(widget(app, "print_button", "print"))
    yield from wait_until(lambda: "print_submit" in app.state.data, 60, "printed")
    shot("bench-print-done")
    app.exit_session()
    yield from wait_until(lambda: page(app) == "goodbye", 20, "goodbye")
    out["journey"] = time.monotonic() - t0
    out["frames"] = list(app.frames.durations)
    out["frame_pages"] = list(app.frames.pages)
    shot("bench-goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
