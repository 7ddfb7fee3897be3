"""The benchmark's journey (bench/ui_flow.py): no think time, every step as soon as possible."""

from __future__ import annotations

import time
from pathlib import Path

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


def shown(app, name: str) -> bool:
    """The session is on page `name` and the window shows it."""
    return page(app) == name and app.sm.current == name


class _Presented:
    """When the window presented a state: the end of the first flip after which `pred` held
    (the answer drawn and handed to the X server). The driver itself only looks once a frame,
    after the app's callbacks may or may not have run: it would add up to a frame.

    An answer that changes nothing on screen (the menu's certification status for a member
    with no pension: the menu stays as drawn) is not followed by a flip: Kivy draws only what
    changed. It was presented at the end of the frame in which the app took it, with nothing
    left to draw. Waiting for a flip would have read the next redraw for some other reason
    (the session ring's next second: up to 1 s later)."""

    def __init__(self) -> None:
        from kivy.base import EventLoop
        from kivy.core.window import Window

        self.window = Window
        self.loop = EventLoop
        self.flip = Window.flip
        self.idle = EventLoop.idle
        self.pred = None
        self.at: float | None = None
        self.flips = 0  # frames drawn while watching, the answer's included
        Window.flip = self._flip
        EventLoop.idle = self._idle

    def _flip(self) -> None:
        self.flip()
        if self.pred is not None and self.at is None:
            self.flips += 1
            if self.pred():
                self.at = time.monotonic()

    def _idle(self):
        flips = self.flips
        out = self.idle()  # the clock's wait, the callbacks (apply_state), then any redraw
        if (
            self.pred is not None
            and self.at is None
            and self.flips == flips
            and not self.window.canvas.needs_redraw
            and self.pred()
        ):
            self.at = time.monotonic()
        return out

    def watch(self, pred) -> None:
        self.pred, self.at, self.flips = pred, None, 0

    def close(self) -> None:
        self.window.flip = self.flip
        self.loop.idle = self.idle


def _status(pid: str = "self") -> dict[str, int]:
    """Memory lines of /proc/PID/status, in kB."""
    keys = ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem")
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in keys:
            out[name] = int(value.split()[0])
    return out


def memory() -> dict:
    """The app's memory now (its peak, and how much of it is its own or mapped files) and its
    child processes' (the document worker's): the bench prints them beside the peak RSS."""
    children = []
    for task in Path("/proc/self/task").iterdir():
        children += (task / "children").read_text().split()
    kids = {}
    for pid in children:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            kids[cmd] = _status(pid)
        except OSError:  # gone meanwhile
            continue
    return {"app": _status(), "children": kids}


def fast_journey(app, out):
    """The journey as fast as the kiosk answers. Two clocks per step:

    - `steps` (wall time from the card going in): the finger taps in the driver's frame after
      the one that presented the answer (it taps what it has seen), and pcscd sees the card on
      its next poll of the virtual reader (0-0.4 s);
    - `kiosk` (each step's own time): from the finger's tap (or, for the first, the moment the
      kiosk's core saw the card) to the answer presented on screen. What the member waits for
      the kiosk, without their own reaction: the figure to set against the core alone.
    """
    from kiosk.session.machine import Page

    m = journey_member()
    yield from wait_page(app, "attract")
    out["start_to_attract"] = app.started_drawn
    yield from wait_until(lambda: app.prebuilt, 20, "pages built")
    shot("bench-attract")
    seen: dict[str, float] = {}

    def on_state(state) -> None:  # the controller's thread: when the core saw the card
        if state.page is not Page.ATTRACT and "at" not in seen:
            seen["at"] = time.monotonic()

    app.controller.subscribe(on_state)
    presented = _Presented()
    app.frames.reset()
    t0 = time.monotonic()
    steps: dict[str, float] = {}
    kiosk: dict[str, float] = {}
    draws: dict[str, int] = {}
    out["steps"], out["kiosk"], out["draws"] = steps, kiosk, draws
    acted = {"at": 0.0}

    def act() -> None:  # the finger touches now
        acted["at"] = time.monotonic()

    def on_screen(name: str, pred, timeout: float = 20.0):
        """Until the frame that presented `pred`, with nothing of the page still loading, has
        been flipped; then the driver's next frame: a finger taps what it sees, no sooner."""
        presented.watch(lambda: pred() and not app.state.loading)
        yield from wait_until(lambda: presented.at is not None, timeout, name)
        assert presented.at is not None
        kiosk[name] = presented.at - acted["at"]
        draws[name] = presented.flips
        yield 0
        steps[name] = time.monotonic() - t0

    try:
        h = in_thread(card_cmd, {"cmd": "insert", "profile": m["card_file"]})
        yield from wait_until(lambda: "at" in seen, 20, "card seen")
        steps["card seen"] = seen["at"] - t0  # pcscd polls its readers: 0-0.4 s after it went in
        acted["at"] = seen["at"]
        yield from on_screen("pin", lambda: shown(app, "pin"))
        shot("bench-pin")
        act()
        type_pin(app, "pin", m["pin"])
        yield from on_screen("menu", lambda: shown(app, "menu"))
        shot("bench-menu")
        act()
        tap(widget(app, "history", "menu"))
        yield from on_screen(
            "history", lambda: shown(app, "history") and "history" in app.state.data
        )
        shot("bench-history")
        act()
        app.navigate("print")
        yield from on_screen("print", lambda: shown(app, "print") and "summary" in app.state.data)
        act()
        tap(widget(app, "preview_button", "print"))
        image = widget(app, "image", "print")
        yield from on_screen(
            "preview", lambda: "print_preview" in app.state.data and image.texture is not None, 60
        )
        shot("bench-print-preview")
        act()
        tap(widget(app, "print_button", "print"))
        yield from on_screen("printed", lambda: "print_submit" in app.state.data, 60)
        shot("bench-print-done")
        act()
        app.exit_session()
        yield from on_screen("goodbye", lambda: shown(app, "goodbye"))
    finally:
        presented.close()
    out["journey"] = time.monotonic() - t0
    out["frames"] = list(app.frames.durations)
    out["intervals"] = list(app.frames.intervals)
    out["frame_pages"] = list(app.frames.pages)
    out["memory"] = memory()
    out["code_released_kb"] = app.code_released_kb
    shot("bench-goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)


def _redraws(app, out: dict, name: str, n: int = 20):
    """Redraw the page as it stands `n` times; the median cost of one redraw: on_draw (the
    canvas walked, GL calls issued) and flip (software GL fills the pixels and hands them to
    the X server), wall and CPU time of the whole process (llvmpipe's threads included)."""
    from kivy.core.window import Window

    draws: list[float] = []
    flips: list[tuple[float, float]] = []
    flip, on_draw = Window.flip, Window.on_draw

    def timed_flip():
        t, c = time.perf_counter(), time.process_time()
        flip()
        flips.append((time.perf_counter() - t, time.process_time() - c))

    def timed_draw(*a):
        t = time.perf_counter()
        on_draw(*a)
        draws.append(time.perf_counter() - t)

    Window.flip, Window.on_draw = timed_flip, timed_draw
    try:
        for _ in range(n):
            Window.canvas.ask_update()
            yield 0
    finally:
        Window.flip, Window.on_draw = flip, on_draw

    def median(xs: list[float]) -> float:
        return sorted(xs)[len(xs) // 2] if xs else 0.0

    out.setdefault("redraw", {})[name] = {
        "draw": median(draws),
        "flip": median([w for w, _c in flips]),
        "flip_cpu": median([c for _w, c in flips]),
    }


def redraw_costs(app, out):
    """The journey's pages, each redrawn as it stands (not a measured journey): what one full
    redraw costs on this machine, the floor under any frame that changes the screen."""
    m = journey_member()
    yield from wait_page(app, "attract")
    yield from wait_until(lambda: app.prebuilt, 20, "pages built")
    yield from _redraws(app, out, "attract")
    h = in_thread(card_cmd, {"cmd": "insert", "profile": m["card_file"]})
    yield from wait_shown(app, "pin")
    yield from _redraws(app, out, "pin")
    type_pin(app, "pin", m["pin"])
    yield from wait_shown(app, "menu")
    yield from _redraws(app, out, "menu")
    tap(widget(app, "history", "menu"))
    yield from wait_until(
        lambda: page(app) == "history" and "history" in app.state.data, 20, "history"
    )
    yield from _redraws(app, out, "history")
    app.navigate("print")
    yield from wait_shown(app, "print")
    yield from wait_until(lambda: "summary" in app.state.data, 20, "print page")
    yield from _redraws(app, out, "print")
    app.exit_session()
    yield from wait_until(lambda: page(app) == "goodbye", 20, "goodbye")
    yield from _redraws(app, out, "goodbye")
    yield from wait_until(lambda: h["done"].is_set(), what="insert finished")
    in_thread(card_cmd, {"cmd": "remove"})
    yield from wait_page(app, "attract", 20)


def rare_pages(app, out, sessions: int = 5):
    """Sessions (made-up states, the controller set aside) that each open every page not built
    at start-up, then end: each page's first frame (built, laid out, its text rendered, drawn),
    and the app's memory after the first and the last session, once released pages are collected
    (bench/ui_flow.py prints them beside the journey's peak)."""
    from kiosk.session.machine import SessionState
    from screens.app import BUILT_ON_VISIT, COLLECT_AFTER
    from tests.helpers.made_up import signed_in

    yield from wait_until(lambda: app.prebuilt, 30, "pages built")
    controller, app.controller = app.controller, None
    try:
        out["start"] = _status()
        rare = BUILT_ON_VISIT
        builds: list[float] = []
        slowest: dict[str, float] = {}  # each page's slowest first frame
        for n in range(sessions):
            for p in rare:
                seen = len(app.frames.durations)
                app.apply_state(signed_in(p))
                yield 0
                yield 0
                # the frame that built, laid out, rendered and drew it (screens/frames.py)
                builds.append(max(app.frames.durations[seen:], default=0.0))
                slowest[p.value] = max(slowest.get(p.value, 0.0), builds[-1])
            app.apply_state(SessionState())
            yield COLLECT_AFTER + 0.5
            if n == 0:
                out["after_first"] = _status()
        out["after_last"] = _status()
        out["rare"] = len(rare)
        out["builds"] = builds
        out["slowest"] = sorted(slowest.items(), key=lambda kv: -kv[1])[:3]
    finally:
        app.controller = controller
