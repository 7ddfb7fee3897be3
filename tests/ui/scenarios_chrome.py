"""The page chrome on the member's pages (tests/ui/test_page_chrome.py): from made-up states (no
devices: the app's apply_state), in Chinese, English with large text and Chinese with large
text, every header shows back and exit with their icons, the title, the member's masked name
and the time left before the warning; the multi-step pages (pay, print, change PIN,
certification, unemployment) their steps. Screenshots tests/artifacts/chrome-*."""

from __future__ import annotations

import datetime as dt
import time

from tests.helpers.kivy_ui import screen, settle, shot, wait_until
from tests.helpers.layout_check import problems as layout_problems
from tests.helpers.made_up import warning_state

PAGES = ("menu", "history", "pay", "print", "change_pin", "certify", "face", "unemployment")


def _problems(app, page: str) -> list[str]:
    """The header's touch targets at least 60 dp, apart and inside the window; its texts inside
    their boxes; and no touch target of the page under the header (the header grew: the page
    below it must still fit)."""
    from kivy.core.window import Window
    from kivy.metrics import dp
    from kivy.uix.button import ButtonBehavior
    from kivy.uix.label import Label

    from screens.widgets import IconText

    def shown(w) -> bool:
        while w is not None and w is not w.parent:  # the Window is its own parent
            if getattr(w, "opacity", 1) == 0:
                return False
            w = w.parent
        return True

    def box(w) -> tuple[float, float, float, float]:
        x, y = w.to_window(w.x, w.y)
        return x, y, w.width, w.height

    header = screen(app, page).header
    problems: list[str] = []
    targets = []
    for w in header.walk(restrict=True):
        if not shown(w) or w.width <= 1 or w.height <= 1:
            continue
        name = str(getattr(w, "text", type(w).__name__))[:20]
        x, y, width, height = box(w)
        if isinstance(w, ButtonBehavior):
            if min(width, height) < dp(60) - 1:
                problems.append(f"under 60 dp: {name!r}")
            if x < -1 or y < -1 or x + width > Window.width + 1 or y + height > Window.height + 1:
                problems.append(f"off the window: {name!r}")
            targets.append((name, x, y, width, height))
        if (
            isinstance(w, Label)
            and w.text
            and (w.texture_size[0] > width + 2 or w.texture_size[1] > height + 2)
        ):
            problems.append(f"text outside its box: {name!r}")
        if isinstance(w, IconText) and w.text and w.minimum_height > height + 2:
            problems.append(f"icon text taller than its box: {name!r}")
    gap = dp(8) - 1
    for i, (n1, x1, y1, w1, h1) in enumerate(targets):
        for n2, x2, y2, w2, h2 in targets[i + 1 :]:
            if x1 < x2 + w2 + gap and x2 < x1 + w1 + gap and y1 < y2 + h2 and y2 < y1 + h1:
                problems.append(f"closer than 8 dp: {n1!r} and {n2!r}")
    _hx, header_y, _hw, _hh = box(header)
    for w in screen(app, page).walk(restrict=True):
        if isinstance(w, ButtonBehavior) and shown(w) and w.height > 1 and w.parent is not None:
            if _inside_header(w, header):
                continue
            x, y, width, height = box(w)
            if y + height > header_y + 1 or y < -1:
                problems.append(f"page target under the header or off: {w.text!r}"[:80])
    return problems


def _inside_header(w, header) -> bool:
    while w is not None and w is not w.parent:  # the Window is its own parent
        if w is header:
            return True
        w = w.parent
    return False


def _member():
    """A made-up member, registered as unemployed with no claim yet (the claim's step next)."""
    from kiosk.domain import CardHolder
    from kiosk.domain.money import Money
    from kiosk.domain.unemployment import Registration, UnemploymentStatus

    day = dt.date(2026, 12, 3)
    holder = CardHolder("110101198803071234", "王小五", "X00000031", "C" * 32, "110100")
    status = UnemploymentStatus(
        member_no="M1",
        as_of=day,
        separation=None,
        contribution_months=40,
        carried_months=0,
        eligible=True,
        reasons=(),
        entitlement_months=12,
        monthly_amount=Money.of("2286.00"),
        apply_by=dt.date(2027, 1, 14),
        within_window=True,
        can_apply=True,
        registration=Registration(day, "138****5678", ("仓储物流",)),
        application=None,
    )
    return holder, status


def _header_seen(app, page: str) -> dict:
    """What the page's header shows, and where (window coordinates for the boxes)."""
    from kivy.metrics import dp

    header = screen(app, page).header
    ids = header.ids
    ring, steps = ids.ring, ids.steps

    def box(w) -> list[float]:
        x, y = w.to_window(w.x, w.y)
        return [x, y, w.width, w.height]

    return {
        "title": ids.title.text,
        "title_fits": ids.title.texture_size[0] <= ids.title.width + 2
        and ids.title.texture_size[1] <= ids.title.height + 2,
        "member": ids.member.text if ids.member.opacity else "",
        "member_fits": ids.member.minimum_height <= ids.member.height + 2,
        "back": [ids.back.text, ids.back.icon_box[2], ids.back.text_box[2], ids.back.opacity],
        "exit": [ids.exit.text, ids.exit.icon_box[2], ids.exit.text_box[2]],
        "ring_shown": bool(header.time_shown and ids.ring_box.opacity),
        "ring_text": ring.text,
        "ring_left": ring.remaining,
        "ring_total": ring.total,
        "ring_urgent": ring.urgent,
        "ring_font_sp": ring.font_size / dp(1),
        "ring_box": box(ring),
        "bar": box(ids.bar),
        "steps": list(steps.steps) if header.step_keys else [],
        "step": steps.current,
        "step_boxes": [
            [b[1][0] + steps.x, b[1][1] + steps.y, b[1][2], b[1][3]] for b in steps.boxes
        ],
        "steps_box": box(steps),
        "steps_font_sp": steps.font_size / dp(1),
    }


def task_views() -> list[tuple[str, str, dict]]:
    """(view, page, what the state adds): the task steps lent to other pages."""
    from kiosk.session.machine import FacePurpose, FaceState, Page

    return [
        ("pay-bank_pin", "pay", {"loading": frozenset({"pay_card"})}),
        ("unemployment-register", "unemployment", {"params": {"view": "register"}}),
        ("face-pin_reset", "face", {"face": FaceState(FacePurpose.PIN_RESET, Page.CARD_PROBLEM)}),
        ("face-id_session", "face", {"face": FaceState(FacePurpose.ID_SESSION, Page.MENU)}),
        ("pin_reset", "pin_reset", {}),
    ]


def _to_bank_pin(app, state) -> None:
    """The pay page as a card sale asks for the bank PIN: the card desk's question made up
    (no devices), the sale under way (loading pay_card)."""
    from dataclasses import replace

    from kiosk.payments.card_desk import EnterBankPin
    from kiosk.session.intents import RequestName

    pay = screen(app, "pay")
    pay.wizard = replace(pay.wizard, asked=frozenset({RequestName.PAY_CARD}))
    prompt = EnterBankPin("payments.enter_bank_pin", "6222 **** **** 1234", 1, 3, 2, True)
    pay._prompt = lambda: prompt
    pay.show(app.state)


def _leave_bank_pin(app) -> None:
    pay = screen(app, "pay")
    pay.__dict__.pop("_prompt", None)


def chrome(app, out):
    """Each page in each mode: the header seen, the layout checked, a screenshot; then the
    countdown ticking, the warning's last seconds, and the name gone with the session."""
    from kiosk.session.data import MemberData
    from kiosk.session.machine import FacePurpose, FaceState, Page, SessionState

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    holder, status = _member()
    timeouts = app.cfg.timeouts

    def state(page: str, **kw) -> SessionState:
        data = MemberData().with_answer("unemployment", status)
        now = time.monotonic()
        limit = timeouts.payment if page == "pay" else timeouts.page
        if page == "change_pin":
            limit = timeouts.pin
        return SessionState(
            page=Page(page),
            holder=holder,
            card_present=True,
            pin_verified=True,
            data=data,
            deadline=now + limit,
            warn_at=now + limit - timeouts.warning,
            **kw,
        )

    seen: dict[str, dict] = {}
    problems: dict[str, list[str]] = {}
    for mode in ("zh", "en-large", "zh-large"):
        app.lang = "en" if mode == "en-large" else "zh"
        app.large_text = mode.endswith("-large")
        for page in PAGES:
            # the face page as the certification's second step
            face = FaceState(FacePurpose.CERTIFICATION, Page.CERTIFY, "checking")
            extra: dict = {"face": face} if page == "face" else {}
            if page == "change_pin":  # the fullest change-PIN page: the initial PIN's notice
                extra = {"initial_pin": True, "pin_message": "pin.mismatch"}  # and a message
            app.apply_state(state(page, **extra))
            yield from settle(app, 0.3)  # laid out in a frame or two
            seen[f"{page}-{mode}"] = _header_seen(app, page)
            problems[f"{page}-{mode}"] = _problems(app, page)
            shot(f"chrome-{page}-{mode}")
        # The steps of the tasks whose pages lend them: the bank PIN pad (paying), the
        # unemployment form (registering), the face check of a PIN reset or an ID card's
        # full session, and the PIN reset's own page; each laid out whole, body too.
        for view, page, extra in task_views():
            app.apply_state(state(page, **extra))
            yield 0
            if page == "pay":
                _to_bank_pin(app, state)
            yield from settle(app, 0.3)
            key = f"{view}-{mode}"
            seen[key] = _header_seen(app, page)
            problems[key] = _problems(app, page) + layout_problems(
                screen(app, page), app.large_text
            )
            shot(f"chrome-{view}-{mode}")
        _leave_bank_pin(app)
    out["seen"] = seen
    out["problems"] = {k: v for k, v in problems.items() if v}

    # The ring counts down by itself (the session's clock, read on the main thread).
    app.lang, app.large_text = "zh", False
    app.apply_state(state("menu"))
    yield 0.5
    out["tick_first"] = _header_seen(app, "menu")["ring_left"]
    yield 2.2
    out["tick_later"] = _header_seen(app, "menu")["ring_left"]

    # The warning shows: the ring says the seconds until the session ends, urgent.
    app.apply_state(warning_state(holder))
    yield 0.5
    out["warning"] = _header_seen(app, "menu")
    shot("chrome-menu-warning")

    # The session ends: no page keeps the member's name in its header.
    app.apply_state(SessionState())
    yield 0.5
    # (a page built on its visit is released: it holds no name as it is gone)
    kept = [screen(app, p) for p in PAGES if app.sm.has_screen(p)]
    out["names_after_end"] = [s.header.member_name for s in kept if s.header is not None]
    out["kept_after_end"] = len(kept)


def shared_words(app, out):
    """Words that are no one's, drawn by every page's own step indicator and ring: rendered
    once, not again at each change of step or second, nor by the next page's ring, nor the
    PIN keypad's digits at each new order. Counted as the text renderer's calls while a step
    indicator walks its steps a second time, while a second ring shows the same time as the
    first, and while the keypad takes new orders."""
    from kivy.core.text import Label as CoreLabel

    from screens.widgets import StepIndicator, TimeRing

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    rendered: list[str] = []
    render = CoreLabel.render

    def counting(label, *a, **kw):
        rendered.append(str(label.text))
        return render(label, *a, **kw)

    CoreLabel.render = counting
    try:
        steps = StepIndicator(steps=["选择", "预览", "打印", "取件"], size=(1200, 80))
        walks = []
        for _walk in range(2):
            rendered.clear()
            for step in range(4):
                steps.current = step
                steps.redraw()
            walks.append(list(rendered))
        out["step_walks"] = walks
        rings = []
        for _ring in range(2):
            rendered.clear()
            ring = TimeRing(text="25秒", remaining=25, total=30)
            rings.append((list(rendered), ring))
        out["ring_renders"] = [r for r, _ in rings]
        out["rings_share"] = rings[0][1]._text_tex is rings[1][1]._text_tex
        keypad = app.sm.get_screen("pin").ids.keypad
        scrambles = []
        for _scramble in range(3):
            rendered.clear()
            keypad.scramble()  # a new order, as each PIN page shows
            yield 0  # the keys' texts are updated before the next frame
            scrambles.append(sorted(set(rendered)))
        out["keypad_scrambles"] = scrambles
        out["keypad_order"] = [
            k.text for k in keypad.walk(restrict=True) if type(k).__name__ == "KeyButton"
        ]
    finally:
        CoreLabel.render = render
    yield 0
