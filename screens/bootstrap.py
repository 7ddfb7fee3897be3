"""Prepare Kivy for a kiosk before anything imports it.

Kivy reads its environment and its Config at import time, so this module must run first:
`configure(cfg)` sets the window from the kiosk's config, keeps Kivy's own command-line
parsing and config file out of the way, and makes the CJK font the default font.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kiosk.config import KioskConfig


class FontError(RuntimeError):
    """The configured font cannot be used for drawing text."""


def prepare_environment() -> None:
    """Environment Kivy reads at import: no argv parsing, a private home, Python logging."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "0")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if "KIVY_HOME" not in os.environ:
        # A private home: the kiosk never reads or writes a user's ~/.kivy.
        os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kiosk-kivy-")


def configure(cfg: KioskConfig, extra_width: int = 0) -> None:
    """Apply the window settings and register the font. Call before importing kivy.app."""
    if "kivy.core.window" in sys.modules:
        raise RuntimeError("configure() must run before Kivy opens its window")
    prepare_environment()
    from kivy.config import Config

    ui = cfg.ui
    Config.set("kivy", "exit_on_escape", "0")  # a member must not close the kiosk
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("graphics", "width", str(ui.width + extra_width))
    Config.set("graphics", "height", str(ui.height))
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "show_cursor", "1" if ui.show_cursor else "0")
    Config.set("graphics", "multisamples", str(ui.multisamples))
    if ui.window_mode == "fullscreen":
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
    elif ui.window_mode == "borderless":
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "1")
    else:
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "borderless", "0")
    # Touch panels send touches; the mouse must not leave red multitouch dots behind.
    Config.set("input", "mouse", "mouse,multitouch_on_demand")
    register_font(ui.font_path)


def register_font(path: Path) -> None:
    """Make `path` Kivy's default font: its text provider has no fallback, so this one font
    must hold every glyph shown (Chinese, rare name characters, digits, Latin)."""
    if not Path(path).is_file():
        raise FontError(f"font file not found: {path} (set [ui] font_path in config.toml)")
    from kivy.core.text import DEFAULT_FONT, LabelBase

    try:
        LabelBase.register(DEFAULT_FONT, str(path))
    except OSError as e:  # pragma: no cover - depends on the file's contents
        raise FontError(f"font file cannot be used: {path}: {e}") from None
