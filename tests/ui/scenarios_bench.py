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


def shown(app, name: str) -> bool:
    """The session is on page `name` and the window shows it."""
    return page(app) == name and app.sm.current == name


def fast_journey(app, out):
    m = journey_member()
    yield from wait_page(app, "attract")
    out["start_to_attract"] = app.started_drawn
    yield from wait_until(lambda: app.prebuilt, 20, "pages built")
    shot("bench-attract")
    app.frames.reset()
    t0 = time.monotonic()
    steps: dict[str, float] = {}
    out["steps"] = steps

    def step(name: str) -> None:  # when the step's answer was on screen (bench: by step)
        steps[name] = time.monotonic() - t0

    def on_screen(name: str, pred, timeout: float = 20.0):
        """Until `pred` holds, then one frame: the driver's next step runs after the frame
        that drew the answer was presented (Kivy applies a state in a clock event and draws
        after all of them in the same tick). A finger taps what it sees, no sooner."""
        yield from wait_until(pred, timeout, name)
        yield 0
        step(name)

    h = in_thread(card_cmd, {"cmd": "insert", "profile": m["card_file"]})
    yield from wait_until(lambda: page(app) not in ("attract", ""), 20, "card seen")
    step("card seen")  # pcscd polls its readers: the card is seen 0-0.4 s after it went in
    yield from on_screen("pin", lambda: shown(app, "pin"))
    shot("bench-pin")
    type_pin(app, "pin", m["pin"])
    yield from on_screen("menu", lambda: shown(app, "menu"))
    shot("bench-menu")
    tap(widget(app, "history", "menu"))
    yield from on_screen("history", lambda: shown(app, "history") and "history" in app.state.data)
    shot("bench-history")
    app.navigate("print")
    yield from on_screen("print", lambda: shown(app, "print") and "summary" in app.state.data)
    tap(widget(app, "preview_button", "print"))
    yield from on_screen("preview", lambda: "print_preview" in app.state.data, 60)
    shot("bench-print-preview")
    tap(widget(app, "print_button", "print"))
    yield from on_screen("printed", lambda: "print_submit" in app.state.data, 60)
    shot("bench-print-done")
    app.exit_session()
    yield from on_screen("goodbye", lambda: shown(app, "goodbye"))
    out["journey"] = time.monotonic() - t0
    out["frames"] = list(app.frames.durations)
    out["intervals"] = list(app.frames.intervals)
    out["frame_pages"] = list(app.frames.pages)
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
