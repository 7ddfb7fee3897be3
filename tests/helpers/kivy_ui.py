"""Helpers for scenarios running inside the Kivy process (tests/ui/driver.py): find and tap
widgets, wait on the Kivy clock, screenshots, and the journeys' card and member (set by the
test through JOURNEY_CARD_RUN_DIR and JOURNEY_MEMBER)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from cardio.emulator.server import control
from tests.helpers import journey

# Screenshots go to tests/artifacts/, or to $KIOSK_SHOTS_DIR when set (bench --shots DIR).
ARTIFACTS = Path(
    os.environ.get("KIOSK_SHOTS_DIR") or Path(__file__).resolve().parent.parent / "artifacts"
)


def screen(app, name: str | None = None):
    """The page called `name` (built now if the app has not: a page not prebuilt), else the
    one on screen."""
    return app.page(name) if name else app.sm.current_screen


def widget(app, wid: str, screen_name: str | None = None):
    return screen(app, screen_name).ids[wid]


def tap(w) -> None:
    """A real touch down + up at the centre of widget w, through the window's input path.

    Our own touch event, not kivy.tests.common's: that module imports pytest, and the import
    (100+ ms on the main thread at the first tap) would be counted as the app's frame time."""
    from kivy.base import EventLoop
    from kivy.input.motionevent import MotionEvent

    class _Finger(MotionEvent):
        def depack(self, args: dict) -> None:
            self.sx, self.sy = args["sx"], args["sy"]
            self.profile = ["pos"]
            super().depack(args)

    win = EventLoop.window
    x, y = w.to_window(*w.center)
    touch = _Finger(
        "kiosk-test",
        1,
        {"sx": x / (win.width - 1.0), "sy": y / (win.height - 1.0)},
        is_touch=True,
        type_id="touch",
    )
    EventLoop.post_dispatch_input("begin", touch)
    EventLoop.post_dispatch_input("end", touch)


def shot(name: str) -> str:
    """Screenshot of the whole window into tests/artifacts/NAME.png; returns the path."""
    from kivy.app import App
    from kivy.core.window import Window

    if os.environ.get("KIOSK_NO_SHOTS"):
        return ""  # a measured run (bench/ui_flow.py): no screenshot costs in the figures
    app = App.get_running_app()
    if getattr(app, "frames", None) is not None:
        app.frames.skip_frame()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    written = Window.screenshot(name=str(ARTIFACTS / f"{name}-tmp.png"))
    shutil.move(written, target)
    return str(target)


class ScenarioTimeout(AssertionError):
    pass


def wait_until(pred, timeout: float = 15.0, what: str | Callable[[], str] = "condition"):
    """Use as `yield from wait_until(lambda: ..., what=...)` inside a scenario."""
    import time

    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise ScenarioTimeout(f"timed out waiting for {what() if callable(what) else what}")
        yield 0  # the next frame: a condition met is seen within one frame, not 50 ms later


def _session_idle(app) -> bool:
    """No event waits for the session thread, the page shows its latest state, nothing loads."""
    c, state = app.controller, app.state
    if c is None or state is None:
        return True
    return c._events.empty() and state is c.session.state and not state.loading


def _drawn(app) -> tuple:
    """What the window shows, as boxes and texts: unchanged over frames once laid out."""
    from kivy.core.window import Window

    return tuple(
        (
            id(w),
            w.x,
            w.y,
            w.width,
            w.height,
            w.opacity,
            getattr(w, "text", None),
            *getattr(w, "texture_size", ()),
        )
        for root in Window.children
        for w in root.walk(restrict=True)
    )


def settle(app, at_most: float):
    """Until the session is idle and the window has drawn the same boxes and texts for three
    frames (a tap's answer arrived and was laid out), but never longer than `at_most`: the fixed
    wait this replaces, so a page that keeps changing (a countdown, a QR wait) costs no more
    than it did."""
    import time

    end = time.monotonic() + at_most
    last, same = None, 0
    while time.monotonic() < end:
        yield 0
        now = _drawn(app) if _session_idle(app) else None
        same = same + 1 if now is not None and now == last else 0
        if same >= 2:
            return
        last = now


def skip_goodbye(app) -> None:
    """On the goodbye page with the card taken: its 5 seconds passed at once (journey.skip_goodbye)."""
    if app.controller is not None and app.state is not None:
        journey.skip_goodbye(app.controller, app.state)


def page(app) -> str:
    return app.state.page.value if app.state is not None else ""


def wait_page(app, name: str, timeout: float = 15.0):
    if name == "attract":
        # The kiosk idles at the attract screen before a member comes: by then every page has
        # been built (screens/app.py builds them in idle frames after start-up).
        yield from wait_until(lambda: app.prebuilt, timeout, "pages built")

    def shown() -> bool:
        if name == "attract":
            skip_goodbye(app)
        return page(app) == name and app.sm.current == name

    yield from wait_until(shown, timeout, lambda: f"page {name} (now {page(app)})")
    yield from settle(app, 0.25)  # its data shown and laid out before a screenshot


def in_thread(fn, *args):
    """Run a blocking test action (a card insert, say) off the main thread; returns a handle
    whose `done` is set when it finished."""
    import threading

    done = threading.Event()
    box: dict = {}

    def run():
        try:
            box["result"] = fn(*args)
        except Exception as e:  # surfaced by the scenario
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    box["done"] = done
    return box


def type_pin(app, screen_name: str, pin: str) -> None:
    """Tap the keypad's keys by their (scrambled) labels, then OK."""
    pad = widget(app, "keypad", screen_name)
    keys = {w.text: w for w in pad.walk() if type(w).__name__ == "KeyButton"}
    for d in pin:
        tap(keys[d])
    tap(pad.ids.ok)


def wait_shown(app, name: str, timeout: float = 20.0):
    """The page is current and laid out (two frames), with no think time beyond that."""
    yield from wait_until(
        lambda: page(app) == name and app.sm.current == name,
        timeout,
        f"page {name} (now {page(app)})",
    )
    yield 0
    yield 0


def wait_answer(app, key: str, timeout: float = 20.0, what: str = ""):
    """Until the request `key` has its answer: its data, or the error the member is shown."""
    yield from wait_until(
        lambda: key in app.state.data or key in app.state.errors, timeout, what or key
    )


def stencil_clips() -> int:
    """Stencil clips drawn in the window now (each costs software GL two full passes)."""
    from kivy.core.window import Window
    from kivy.graphics import Canvas, InstructionGroup, StencilPush

    def count(group) -> int:
        n = 0
        parts = [group]
        if isinstance(group, Canvas):
            parts = [
                g
                for g, has in (
                    (group.before, group.has_before),
                    (group, True),
                    (group.after, group.has_after),
                )
                if has
            ]
        for part in parts:
            for ins in part.children:
                if isinstance(ins, StencilPush):
                    n += 1
                elif isinstance(ins, InstructionGroup):
                    n += count(ins)
        return n

    return count(Window.canvas)


# ---- the journeys' card and member ----
def card_cmd(cmd: dict) -> dict:
    """A control command to the card emulator of the journey (insert, remove, fault...)."""
    return control(Path(os.environ["JOURNEY_CARD_RUN_DIR"]), cmd)


def journey_member() -> dict:
    """The showcase member the test picked (card file, PIN, name, member number)."""
    return json.loads(os.environ["JOURNEY_MEMBER"])


def to_menu(app, m, seen, out=None):
    """Insert the member's card, type the PIN (and change an initial one): at the menu."""
    yield from wait_page(app, "attract")
    app.frames.reset()
    h = in_thread(card_cmd, {"cmd": "insert", "profile": m["card_file"]})
    yield from wait_page(app, "pin", 20)
    seen.append("pin")
    if out is not None:
        out["pin_title"] = widget(app, "title", "pin").text
        shot("journey-pin")
    type_pin(app, "pin", m["pin"])
    yield from wait_until(lambda: page(app) in ("menu", "change_pin"), what="PIN accepted")
    if page(app) == "change_pin":
        seen.append("change_pin")
        yield from wait_page(app, "change_pin")  # the keypad is reset when the page opens
        if out is not None:
            shot("journey-change-pin")
        for pin in (m["pin"], "135790", "135790"):
            type_pin(app, "change_pin", pin)
            yield 0.2
    yield from wait_page(app, "menu")
    seen.append("menu")
    return h


def enter_bank_pin(app, pin: str, out: dict, tag: str = ""):
    """On the pay page's PIN pad step: tap the scrambled keys of the 金融密码, then confirm.
    Records the dots after each key (the pad's own count) and a screenshot."""
    pay = app.sm.get_screen("pay")
    yield from wait_until(
        lambda: pay.ids.steps.current == "bank_pin",
        30,
        "the PIN pad step",
    )
    yield 0.3
    out[f"bank_pin_text{tag}"] = pay.ids.bank_pin_text.text
    out[f"bank_pin_title{tag}"] = pay.ids.bank_pin_title.text
    keys = {getattr(w, "pin_key", None): w for w in pay.ids.bank_keypad.children}
    dots: list[str] = []
    for d in pin:
        tap(keys[d])
        want = len(dots) + 1
        yield from wait_until(
            lambda want=want: pay.ids.bank_pin_dots.text.count("●") == want, 5, "a dot per key"
        )
        dots.append(pay.ids.bank_pin_dots.text)
    out[f"dots{tag}"] = dots
    out[f"busy_over_pin{tag}"] = app.busy.active  # nothing may cover the keypad
    out[f"shot_pin{tag}"] = shot(f"card-sale-bank-pin{tag}")
    tap(pay.ids.bank_pin_ok)
