"""Every page in every mode and window (tests/ui/test_every_page_layout.py).

`every_page`: one app start on the real stack. The attract page, the PIN page (met on the way
in: tests.helpers.kivy_ui.to_menu, watched step by step), the menu, every page whose tile the
menu shows, every service of 更多服务, and goodbye; each one in Chinese, English and large
text (长辈模式) in both languages, each at 1280x800, 1920x1080 and portrait 1080x1920, checked from the widget
tree (tests/helpers/layout_check.py) and photographed at 1280x800 (and portrait in Chinese) for the
gallery (scripts/gallery.py -> docs/screens.md). It also records what the kiosk said aloud on
each page and what the speaker button said again."""

from __future__ import annotations

from tests.helpers import layout_check
from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
    journey_member,
    page,
    shot,
    tap,
    to_menu,
    wait_page,
    wait_until,
)

MODES = (("zh", False), ("en", False), ("zh", True), ("en", True))  # (language, large text)
SIZES = ((1280, 800), (1920, 1080), (1080, 1920))
SHOT_SIZES = {(1280, 800), (1080, 1920)}


def mode_name(lang: str, large: bool) -> str:
    return f"{lang}-large" if large else lang


def check_page(app, out, name: str):
    """The shown page in every mode and window size: problems and screenshots."""
    from kivy.core.window import Window

    found = out.setdefault("problems", {})
    shots = out.setdefault("shots", [])
    screen = app.sm.get_screen(name)
    for lang, large in MODES:
        app.lang = lang
        app.large_text = large
        for w, h in SIZES:
            Window.size = (w, h)
            yield 0.35
            where = f"{name}|{mode_name(lang, large)}|{w}x{h}"
            found[where] = layout_check.problems(screen, large)
            if found[where]:  # a page still settling after the switch: look once more
                yield 0.6
                found[where] = layout_check.problems(screen, large)
            if (w, h) == (1280, 800) or ((w, h) in SHOT_SIZES and lang == "zh" and not large):
                shots.append(shot(f"page-{name}-{mode_name(lang, large)}-{w}x{h}"))
        app.keep_going()  # a touch's worth: the walk is slow, the member is not gone
    app.lang, app.large_text = "zh", False
    Window.size = SIZES[0]
    yield 0.3
    out.setdefault("pages", []).append(name)


def _menu_pages(app) -> list[str]:
    """The pages of the menu's visible, enabled tiles, in the menu's order."""
    from kiosk.session.machine import Page

    menu = app.sm.get_screen("menu")
    values = {p.value for p in Page}
    return [
        wid
        for wid, w in menu.ids.items()
        if wid in values and w.opacity > 0 and not w.disabled and w.height > 1
    ]


def _said(app) -> list:
    voice = getattr(app.controller, "voice", None)
    return voice.said if voice is not None else []


def _open(app, out, name: str):
    """Open a page as its tile does; record what the kiosk said as it opened (its title and
    main action, after the session's own prompt if any)."""
    from screens.sound import page_words

    before = len(_said(app))
    app.navigate(name)
    yield from wait_page(app, name)
    yield from wait_until(lambda: not app.state.loading, 30, f"{name} loaded")
    yield 0.3
    title, action = page_words(app.sm.get_screen(name))
    if getattr(app.controller, "voice", None) is not None and title:
        yield from wait_until(
            lambda: any(title in text for _lang, text in _said(app)[before:]),
            10,
            f"{name}: its title {title!r} said",
        )
    out.setdefault("opened", {})[name] = {
        "title": title,
        "action": action,
        "said": [list(x) for x in _said(app)[before:]],
    }


def every_page(app, out):
    m = journey_member()
    yield from wait_page(app, "attract")
    yield from check_page(app, out, "attract")
    # Into the session by the journey helper, checking the PIN page as it stands there.
    walk = to_menu(app, m, [])
    wait = next(walk)
    try:
        while True:
            if page(app) == "pin" and "pin" not in out.get("pages", []):
                yield 0.3
                yield from check_page(app, out, "pin")
            yield wait
            wait = walk.send(None)
    except StopIteration as stop:
        h = stop.value
    yield from check_page(app, out, "menu")
    out["menu_pages"] = menu_pages = _menu_pages(app)
    for name in menu_pages:
        if name == "services":
            continue
        yield from _open(app, out, name)
        yield from check_page(app, out, name)
        yield from speaker(app, out, name)
        app.navigate("menu")
        yield from wait_page(app, "menu")
    if "services" in menu_pages:
        yield from _open(app, out, "services")
        yield from check_page(app, out, "services")
        out["service_pages"] = services = app.sm.get_screen("services").shown()
        for name in services:
            yield from _open(app, out, name)
            yield from check_page(app, out, name)
            app.navigate("services")
            yield from wait_page(app, "services")
    app.exit_session()
    yield from wait_page(app, "goodbye")
    yield from check_page(app, out, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)
    out["said"] = [list(x) for x in _said(app)]


def speaker(app, out, name: str):
    """Tap the page's speaker button: what the kiosk says again."""
    voice = getattr(app.controller, "voice", None)
    button = next(
        (w for w in app.sm.get_screen(name).walk() if type(w).__name__ == "SpeakerButton"),
        None,
    )
    if voice is None or button is None:
        out.setdefault("no_speaker", []).append(name)
        return
    before = len(voice.said)
    tap(button)
    yield from wait_until(lambda: len(voice.said) > before, 5, f"{name}: spoken again")
    out.setdefault("speaker", {})[name] = list(voice.said[-1])
    x, y = button.to_window(button.x, button.y)
    out.setdefault("speaker_box", {})[name] = [x, y, button.width, button.height]
