"""Helpers for scenarios running inside the Kivy process (see driver.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def screen(app, name: str | None = None):
    sm = app.sm
    return sm.get_screen(name) if name else sm.current_screen


def widget(app, wid: str, screen_name: str | None = None):
    return screen(app, screen_name).ids[wid]


def tap(w) -> None:
    """A real touch down + up at the centre of widget w, through the window's input path."""
    from kivy.tests.common import UnitTestTouch

    x, y = w.to_window(*w.center)
    t = UnitTestTouch(x, y)
    t.touch_down()
    t.touch_up()


def shot(name: str) -> str:
    """Screenshot of the whole window into tests/artifacts/NAME.png; returns the path."""
    from kivy.core.window import Window

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    written = Window.screenshot(name=str(ARTIFACTS / f"{name}-tmp.png"))
    shutil.move(written, target)
    return str(target)
