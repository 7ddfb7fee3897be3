"""The attract screen while devices go and come back (run inside the app by tests/ui/driver.py
with --devices; tests/ui/test_out_of_service.py stops and starts the real back office and pcscd
when the scenario asks, through files in $OOS_CONTROL)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.helpers.kivy_ui import shot, tap, wait_until, widget

WAIT = 60.0  # two failed checks at 1 s, each up to the back office's 1 s connect timeout


def _ask(n: int, action: str):
    """Ask the test for `action`; yields until it answered; the answer ("done", "skipped")."""
    control = Path(os.environ["OOS_CONTROL"])
    (control / f"ask-{n}").write_text(action, encoding="utf-8")
    answer = control / f"answer-{n}"
    yield from wait_until(answer.exists, 90, f"the test to {action}")
    return answer.read_text(encoding="utf-8")


def _texts(app) -> dict[str, str]:
    ids = ("title", "hint", "counter", "back_by_itself", "print_notice", "services")
    return {i: widget(app, i, "attract").text for i in ids}


def _overflows(app) -> list[str]:
    """Visible text on the attract page larger than its box or outside the window."""
    from kivy.core.window import Window
    from kivy.uix.label import Label

    from screens.widgets import IconText

    bad = []
    for w in app.sm.get_screen("attract").walk(restrict=True):
        if not isinstance(w, Label | IconText) or not w.text or w.opacity == 0:
            continue
        if isinstance(w, IconText):
            tw, th = w.text_box[2], w.text_box[3]
        else:
            w.texture_update()
            tw, th = w.texture_size
        _x, y = w.to_window(w.x, w.y)
        if tw > w.width + 1 or th > w.height + 1 or y < -1 or y + w.height > Window.height + 1:
            bad.append(f"{w.text[:24]!r} {tw:.0f}x{th:.0f} in {w.width:.0f}x{w.height:.0f}")
    return bad


def _looks(app, into: dict, name: str) -> None:
    """The page's texts, its overflows and a screenshot tests/artifacts/attract-NAME.png."""
    into.update(zh=_texts(app), overflows=_overflows(app), shot=shot(f"attract-{name}"))


def outage(app, out):
    health = lambda: app.health  # noqa: E731 - read afresh at each check
    yield from wait_until(lambda: app.prebuilt, 30, "pages built")
    # The A4 queue does not exist: printing alone is off, the kiosk serves.
    yield from wait_until(lambda: not health().a4, WAIT, "the A4 printer missed")
    yield 0.3
    out["print_only"] = {
        "in_service": health().in_service,
        "texts": _texts(app),
        "shot": shot("attract-print-unavailable"),
    }
    menu = app.sm.get_screen("menu")
    out["menu_print"] = {"disabled": menu.ids.print.disabled, "text": menu.ids.print.text}

    answer = yield from _ask(1, "stop_backoffice")
    out["stop_backoffice"] = answer
    yield from wait_until(lambda: not health().in_service, WAIT, "out of service")
    yield 0.3
    out["no_backoffice"] = {"missing": list(health().missing)}
    _looks(app, out["no_backoffice"], "out-of-service-zh")
    tap(widget(app, "language_button", "attract"))
    yield 0.3
    out["no_backoffice"]["en"] = _texts(app)
    tap(widget(app, "large_text_button", "attract"))
    yield 0.5
    out["no_backoffice"]["en_large"] = {
        "texts": _texts(app),
        "overflows": _overflows(app),
        "shot": shot("attract-out-of-service-en-large"),
    }
    tap(widget(app, "large_text_button", "attract"))
    tap(widget(app, "language_button", "attract"))
    yield 0.3

    out["start_backoffice"] = yield from _ask(2, "start_backoffice")
    yield from wait_until(lambda: health().in_service, WAIT, "back in service")
    yield 0.3
    out["back"] = {"texts": _texts(app), "missing": list(health().missing)}

    out["stop_pcscd"] = answer = yield from _ask(3, "stop_pcscd")
    if answer == "done":
        yield from wait_until(lambda: not health().reader, WAIT, "the reader missed")
        yield 0.3
        out["no_reader"] = {"texts": _texts(app), "missing": list(health().missing)}
        shot("attract-out-of-service-reader")
        out["heartbeat_seen"] = yield from _ask(4, "heartbeat_out_of_service")
        out["start_pcscd"] = yield from _ask(5, "start_pcscd")
        yield from wait_until(lambda: health().reader, WAIT, "the reader back")
        yield 0.3
        out["reader_back"] = {"texts": _texts(app), "missing": list(health().missing)}
