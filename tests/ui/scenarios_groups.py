"""Groups that must read as one, in every mode and window (tests/ui/test_page_groups.py).

One app start, no devices, made-up states (the app's apply_state): card services' help card
(its icon and its words), the PIN reset's keypad view (words, dots and keypad), history's
year with none of the chosen scheme's months (the empty state's sentence), each in Chinese,
English and large text in both languages at 1280x800, 1920x1080 and portrait 1080x1920; then
the timeout warning from a made-up state, the banner's count beside the header's ring.
Records geometry from the widget tree and the drawn textures; screenshots tests/artifacts/
groups-*."""

from __future__ import annotations

import time

from tests.helpers import layout_check
from tests.helpers.kivy_ui import screen, settle, shot, wait_until

MODES = (("zh", False), ("en", False), ("zh", True), ("en", True))
SIZES = ((1280, 800), (1920, 1080), (1080, 1920))


def ink_columns(texture) -> tuple[int, int] | None:
    """The first and last column of a text texture with any ink (alpha), or None."""
    w, h = texture.size
    alpha = texture.pixels[3::4]
    cols = [x for x in range(w) if any(alpha[y * w + x] for y in range(h))]
    return (cols[0], cols[-1] + 1) if cols else None


def _window_box(w) -> list[float]:
    x, y = w.to_window(w.x, w.y)
    return [x, y, w.width, w.height]


def _help_card(app) -> dict:
    """Card services' help card: where its icon and the ink of its words are drawn."""
    ids = screen(app, "card_services").ids
    label = ids.help_text
    x, y = label.to_window(label.x, label.y)
    ix, iy, iw, ih = label.icon_box
    tx, ty, tw, th = label.text_box
    ink = ink_columns(label._text_tex) if label._text_tex is not None else None
    return {
        "text": label.text,
        "card": _window_box(ids.help),
        "label": [x, y, label.width, label.height],
        "icon": [x + ix, y + iy, iw, ih],
        "text_box": [x + tx, y + ty, tw, th],
        "ink": [x + tx + ink[0], x + tx + ink[1]] if ink else None,
        "spacing": label.spacing,
    }


def _drawn_text(label) -> list[float]:
    """A Label's text as drawn (its texture centred in its box), in window coordinates."""
    x, y = label.to_window(label.x, label.y)
    tw, th = label.texture_size
    return [x + (label.width - tw) / 2, y + (label.height - th) / 2, tw, th]


def _pin_reset(app) -> dict:
    """The PIN reset's keypad view: its words, the keypad, and the room they stand in."""
    page = screen(app, "pin_reset")
    ids = page.ids
    words = [_drawn_text(ids[k]) for k in ("title", "message", "rule") if ids[k].text]
    pad = ids.keypad
    keys = [_window_box(k) for k in pad.walk(restrict=True) if type(k).__name__ == "KeyButton"]
    return {
        "body": _window_box(ids.words.parent),
        "words": words,
        "keypad": _window_box(pad),
        "keys": keys,
    }


def _history_gap(app) -> dict:
    ids = screen(app, "history").ids
    empty = ids.empty
    return {
        "text": empty.text,
        "icon": empty.icon,
        "icon_box": list(empty.icon_box),
        "text_box": list(empty.text_box),
        "size": [empty.width, empty.height],
        "shown": empty.opacity > 0 and empty.height > 1,
        "year": ids.year.text,
    }


def groups(app, out):
    from kivy.core.window import Window
    from kivy.metrics import dp

    from kiosk.domain.cards import CardRecord, CardStatus
    from kiosk.session.data import MemberData
    from kiosk.session.machine import Page, SessionState
    from tests.helpers.made_up import picture_records, warning_state

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    out["dp"] = dp(1)
    holder, *_rest = picture_records()
    gap = _rest[5]
    card = CardRecord("C" * 32, "X00000031", CardStatus.VALID, "M1")
    timeouts = app.cfg.timeouts

    def state(page: Page, data: MemberData | None = None, **kw) -> SessionState:
        now = time.monotonic()
        return SessionState(
            page=page,
            holder=holder,
            card_present=True,
            pin_verified=page is not Page.PIN_RESET,
            data=data or MemberData(),
            deadline=now + timeouts.page,
            warn_at=now + timeouts.page - timeouts.warning,
            **kw,
        )

    views = (
        ("card_services", state(Page.CARD_SERVICES, MemberData().with_answer("card_status", card))),
        ("pin_reset", state(Page.PIN_RESET, pin_message="pin.mismatch")),
        ("history_gap", state(Page.HISTORY, MemberData().with_answer("history", gap))),
        # the done view shares the column with the portrait keypad view: laid out whole too
        ("pin_reset_done", state(Page.PIN_RESET, recovered=True)),
    )
    record = {
        "card_services": _help_card,
        "pin_reset": _pin_reset,
        "history_gap": _history_gap,
        "pin_reset_done": lambda app: {"mark": screen(app, "pin_reset").ids.mark.text},
    }
    for lang, large in MODES:
        app.lang, app.large_text = lang, large
        mode = f"{lang}-large" if large else lang
        for w, h in SIZES:
            Window.size = (w, h)
            for name, st in views:
                app.apply_state(st)
                yield from settle(app, 1.0)
                out[f"{name}|{mode}|{w}x{h}"] = record[name](app)
                found = layout_check.problems(app.sm.current_screen, large)
                if found:
                    out.setdefault("problems", {})[f"{name}|{mode}|{w}x{h}"] = found
                shot(f"groups-{name}-{mode}-{w}x{h}")
    Window.size = (1280, 800)
    app.lang, app.large_text = "zh", False

    # The warning from a made-up state (no controller): 12 s of the 20 s warning left.
    app.apply_state(warning_state(holder))
    yield 0.6
    menu = screen(app, "menu")
    for i in range(3):
        # both read now, one after the other: the ring's figure and the banner's
        menu.update_chrome()
        banner_tick = getattr(app.banner, "count", None)
        if banner_tick is not None:
            banner_tick()
        out.setdefault("warning", []).append(
            [menu.header.time_left, menu.header.time_text, app.banner.ids.countdown.text]
        )
        shot(f"groups-warning-{i}")
        yield 0.7
    app.apply_state(SessionState())
    yield from settle(app, 0.3)
