"""Every page in every mode and window (tests/ui/test_every_page_layout.py).

`every_page`: one app start on the real stack. The attract page, the PIN page (met on the way
in: tests.helpers.kivy_ui.to_menu, watched step by step), the menu, every page whose tile the
menu shows (history with each of its scheme tabs, print with its preview and its result),
every service of 更多服务, and goodbye. Then, with the session over, the pages and inner views
a member meets only on some roads, drawn from made-up states (the app's apply_state, the
controller set aside): reading the card, a card problem, change PIN, certification (its status
and its result), the face check, PIN reset, loss cancel, admin, and the pay page's steps
(choose, options, confirm, the bank-card PIN pad, QR, result).

Each view in Chinese, English and large text (长辈模式) in both languages, each at 1280x800,
1920x1080 and portrait 1080x1920, checked from the widget tree (tests/helpers/layout_check.py)
a few frames after the switch (looked at again after a pause only when something is found);
photographed where the gallery needs it (scripts/gallery.py -> docs/screens.md): a page in
all four modes at 1280x800 and in Chinese in portrait, an inner view in Chinese and in English
with large text at 1280x800. It also records what the kiosk said aloud on each page and what
the speaker button said again."""

from __future__ import annotations

import time

from tests.helpers import layout_check
from tests.helpers.kivy_ui import (
    card_cmd,
    in_thread,
    journey_member,
    page,
    shot,
    tap,
    to_menu,
    wait_answer,
    wait_page,
    wait_until,
)

MODES = (("zh", False), ("en", False), ("zh", True), ("en", True))  # (language, large text)
SIZES = ((1280, 800), (1920, 1080), (1080, 1920))
# Screenshots: (mode, size) for a page, and for an inner view (a page's other state)
PAGE_SHOTS = {
    ("zh", (1280, 800)),
    ("en", (1280, 800)),
    ("zh-large", (1280, 800)),
    ("en-large", (1280, 800)),
    ("zh", (1080, 1920)),
}
VIEW_SHOTS = {("zh", (1280, 800)), ("en-large", (1280, 800))}
# After a window or mode switch the layouts and label textures it sets off run mostly before
# the next frame (Kivy's -1 callbacks); some follow a frame later (a table refilled, a size
# scheduled). A view is read once its boxes and texts stay the same over a round and over a
# frame, not after a fixed pause (a 1920x1080 frame costs 50-200 ms on llvmpipe).
ROUNDS = 8  # -1 rounds within one frame (Kivy's Clock.max_iteration is 10)
SETTLE_AT_MOST = 1.5  # seconds


def mode_name(lang: str, large: bool) -> str:
    return f"{lang}-large" if large else lang


def _signature(screen) -> tuple:
    """The boxes and texts of the page's widgets: unchanged once it is laid out."""
    return tuple(
        (w.x, w.y, w.width, w.height, w.opacity, getattr(w, "text", None), *_texture(w))
        for w in screen.walk(restrict=True)
    )


def _texture(w) -> tuple:
    return tuple(getattr(w, "texture_size", ()))


def _settle(screen, out=None):
    """Until the page's widget tree is the same after a round and after a frame."""
    end = time.monotonic() + SETTLE_AT_MOST
    last = _signature(screen)
    frames = 0
    while time.monotonic() < end:
        for _ in range(ROUNDS):
            yield -1
            now = _signature(screen)
            if now == last:
                break
            last = now
        yield 0
        frames += 1
        now = _signature(screen)
        if now == last:
            break
        last = now
    if out is not None:
        out["settle_frames"] = out.get("settle_frames", 0) + frames


def _check_sizes(app, out, view: str, screen_name: str, mode: str, shots: set):
    """The shown view in the current mode at each window size: problems and screenshots."""
    from kivy.core.window import Window

    found = out.setdefault("problems", {})
    screen = app.sm.get_screen(screen_name)
    large = mode.endswith("-large")
    for w, h in SIZES:
        if Window.size != (w, h):
            Window.size = (w, h)
        yield from _settle(screen, out)
        where = f"{view}|{mode}|{w}x{h}"
        found[where] = layout_check.problems(screen, large)
        # A page still settling (a table refills on the next frame, a chain of layouts runs
        # past the rounds): look again after a frame, then after a pause.
        for pause, tries in ((0, "after_frame"), (0.6, "after_pause")):
            if not found[where]:
                break
            out.setdefault(tries, []).append(f"{where}: {found[where][0]}")
            yield pause
            yield from _settle(screen)
            found[where] = layout_check.problems(screen, large)
        if (mode, (w, h)) in shots:
            yield 0  # a frame drawn with the final layout
            yield 0
            out.setdefault("shots", []).append(shot(f"page-{view}-{mode}-{w}x{h}"))
    out.setdefault("views_checked", 0)
    out["views_checked"] += len(SIZES)


def check_page(app, out, name: str, screen_name: str | None = None, shots=PAGE_SHOTS):
    """The shown page (or one of its views) in every mode and window size."""
    for lang, large in MODES:
        app.lang = lang
        app.large_text = large
        yield from _check_sizes(app, out, name, screen_name or name, mode_name(lang, large), shots)
        app.keep_going()  # a touch's worth: the walk is slow, the member is not gone
    app.lang, app.large_text = "zh", False
    yield 0
    out.setdefault("pages" if shots is PAGE_SHOTS else "views", []).append(name)


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
    yield 0.2
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


def _inner_views(app, out, name: str):
    """A menu page's other views, by touch on the real stack: history's other scheme tabs,
    print's preview and its printed result."""
    screen = app.sm.get_screen(name)
    if name == "history":
        tabs = list(reversed(screen.ids.tabs.children))
        out["history_tabs"] = [t.scheme.value for t in tabs]
        for tab in tabs[1:]:
            tap(tab)
            yield 0
            yield from check_page(app, out, f"history_{tab.scheme.value}", name, VIEW_SHOTS)
        if tabs:
            tap(tabs[0])
    elif name == "print":
        tap(screen.ids.preview_button)
        yield from wait_answer(app, "print_preview", 30, "print preview")
        yield from wait_until(lambda: screen.ids.image.texture is not None, 10, "preview image")
        yield from check_page(app, out, "print_preview", name, VIEW_SHOTS)
        tap(screen.ids.print_button)
        yield from wait_answer(app, "print_submit", 60, "printed")
        yield from wait_until(lambda: screen.result != "", 10, "print result")
        out["print_result"] = screen.result
        yield from check_page(app, out, "print_result", name, VIEW_SHOTS)


def every_page(app, out):
    started = time.monotonic()
    m = journey_member()
    yield from wait_page(app, "attract")
    out["t_app_ready"] = time.monotonic() - started
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
        yield from _inner_views(app, out, name)
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
    out["t_real_walk"] = time.monotonic() - started
    yield from made_up_views(app, out)
    out["t_total"] = time.monotonic() - started


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


# ---- the pages and views met only on some roads: made-up states ----


def _made_up(timeouts):
    """(view, page, state, prepare) for each view drawn from a made-up state; prepare(screen)
    sets what the page keeps for itself (the pay wizard's step, the card sale's question).
    Each page's time left is its own timeout, as the session would give it just now."""
    from dataclasses import replace

    from kiosk.payments.card_desk import EnterBankPin
    from kiosk.payments.flow import QrShown
    from kiosk.payments.wizard import PayWizard
    from kiosk.session.data import MemberData
    from kiosk.session.intents import RequestName
    from kiosk.session.machine import (
        CardProblem,
        FacePurpose,
        FaceState,
        Page,
        Session,
        SessionState,
    )
    from tests.helpers.made_up import (
        CERTIFICATION_DUE,
        CERTIFIED,
        HOLDER,
        MEDICAL_FEE,
        PAID,
        PENSION_TIERS,
        QUOTE,
    )

    holder, certified, due = HOLDER, CERTIFIED, CERTIFICATION_DUE
    now = time.monotonic()

    def state(p: Page, data: MemberData | None = None, **kw) -> SessionState:
        # a member's page: the header's ring and masked name as in a session
        member = {"holder": holder, "card_present": True, "pin_verified": True}
        if p in (Page.READING, Page.CARD_PROBLEM, Page.PIN_RESET, Page.LOSS_CANCEL):
            member = {"card_present": True}
        limit = Session(timeouts).page_timeout(p)
        deadline = now + limit if limit is not None else None
        return SessionState(
            page=p,
            data=data or MemberData(),
            deadline=deadline,
            warn_at=deadline - timeouts.warning if deadline is not None else None,
            **{**member, **kw},
        )

    dues = MemberData().with_answer("dues", [PENSION_TIERS, MEDICAL_FEE])
    quoted = dues.with_answer("pay_quote", QUOTE)
    qr = quoted.with_answer("pay_qr_start", QrShown("http://127.0.0.1:1/qr/ORDER1", 120, now))
    paid = quoted.with_answer("pay_qr_wait", PAID)
    pin_prompt = EnterBankPin("payments.enter_bank_pin", "6222****1234", 1, 3, 4, True)

    def wizard(step=None, asked=()):
        def prepare(screen):
            w = PayWizard().pick_due(PENSION_TIERS)
            if step == "quote":
                w, _requests = w.request_quote(w.quote_params())
            screen.wizard = replace(w, asked=w.asked | frozenset(asked))
            # the card sale's question, as the CardDesk would ask it
            prompt = pin_prompt if RequestName.PAY_CARD in asked else None
            screen._prompt = lambda: prompt

        return prepare

    def fresh(screen):
        screen.wizard = PayWizard()
        screen._prompt = lambda: None

    face = FaceState(FacePurpose.CERTIFICATION, Page.CERTIFY, "prompt", action="turn_left")
    failed = FaceState(
        FacePurpose.PIN_RESET, Page.CARD_PROBLEM, "failed", reason="face.no_match", attempts_left=2
    )
    blocked = {"problem": CardProblem.BLOCKED, "recovery_holder": holder}
    return [
        ("reading", "reading", state(Page.READING), None),
        ("card_problem", "card_problem", state(Page.CARD_PROBLEM, **blocked), None),
        (
            "change_pin",
            "change_pin",
            state(Page.CHANGE_PIN, initial_pin=True, pin_message="pin.mismatch"),
            None,
        ),
        (
            "certify",
            "certify",
            state(Page.CERTIFY, MemberData().with_answer("certification", due)),
            None,
        ),
        ("face", "face", state(Page.FACE, face=face), None),
        ("face_failed", "face", state(Page.FACE, face=failed, **blocked), None),
        (
            "certify_result",
            "certify",
            state(
                Page.CERTIFY,
                MemberData()
                .with_answer("certification", certified.attempt.certification)
                .with_answer("certify", certified),
            ),
            None,
        ),
        ("pin_reset", "pin_reset", state(Page.PIN_RESET, pin_message="pin.mismatch"), None),
        ("pin_reset_done", "pin_reset", state(Page.PIN_RESET, recovered=True), None),
        (
            "loss_cancel",
            "loss_cancel",
            state(Page.LOSS_CANCEL, pin_message="pin.wrong", pin_tries_left=2),
            None,
        ),
        ("loss_cancel_done", "loss_cancel", state(Page.LOSS_CANCEL, recovered=True), None),
        (
            "admin",
            "admin",
            state(
                Page.ADMIN,
                MemberData().with_answer(
                    "admin_status",
                    {
                        "reader": "ok",
                        "psam": "ok",
                        "receipt_paper": "ok",
                        "a4_queue": "ok",
                        "journal_unresolved": "0",
                        "audit_head": "9f2c4e1a7b3d5f60",
                    },
                ),
                admin=True,
            ),
            None,
        ),
        ("pay_choose", "pay", state(Page.PAY, dues), fresh),
        ("pay_options", "pay", state(Page.PAY, dues), wizard()),
        ("pay_confirm", "pay", state(Page.PAY, quoted), wizard("quote")),
        (
            "pay_bank_pin",
            "pay",
            state(Page.PAY, quoted, loading=frozenset({RequestName.PAY_CARD})),
            wizard("quote", {RequestName.PAY_CARD}),
        ),
        (
            "pay_qr",
            "pay",
            state(Page.PAY, qr, loading=frozenset({RequestName.PAY_QR_WAIT})),
            wizard("quote", {RequestName.PAY_QR_START, RequestName.PAY_QR_WAIT}),
        ),
        (
            "pay_result",
            "pay",
            state(Page.PAY, paid),
            wizard("quote", {RequestName.PAY_QR_START, RequestName.PAY_QR_WAIT}),
        ),
    ]


def made_up_views(app, out):
    """The views of _made_up in every mode: one mode at a time over all of them (a language or
    text-size switch redraws every page's words), each at the three window sizes. The kiosk's
    controller is set aside meanwhile (the pages' requests go nowhere), then given back."""
    from kiosk.session.machine import SessionState

    controller, app.controller = app.controller, None
    steps: dict[str, str] = {}
    try:
        for lang, large in MODES:
            app.lang, app.large_text = lang, large
            mode = mode_name(lang, large)
            views = _made_up(app.cfg.timeouts)  # the time left starts afresh in each mode
            for view, screen_name, st, prepare in views:
                app.apply_state(st)  # builds the page if it was not yet
                screen = app.sm.get_screen(screen_name)
                if prepare is not None:
                    prepare(screen)
                    screen.show(st)
                yield 0
                if screen_name == "pay":
                    steps[view] = screen.ids.steps.current
                shots = VIEW_SHOTS if screen_name != view else PAGE_SHOTS
                yield from _check_sizes(app, out, view, screen_name, mode, shots)
        for view, screen_name, _st, _p in views:
            kind = "pages" if view == screen_name else "views"
            out.setdefault(kind, []).append(view)
        out["pay_steps"] = steps
    finally:
        app.apply_state(SessionState())
        app.controller = controller
        vars(app.sm.get_screen("pay")).pop("_prompt", None)  # the card desk's again
    yield 0
