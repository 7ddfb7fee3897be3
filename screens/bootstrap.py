"""Prepare Kivy for a kiosk before anything imports it.

Kivy reads its environment and its Config at import time, so this module must run first:
`configure(cfg)` sets the window from the kiosk's config, keeps Kivy's own command-line
parsing and config file out of the way, and makes the CJK font the default font: Noto Sans CJK
SC with its real bold face when installed (fonts-noto-cjk), else the configured `[ui] font_path`
(WenQuanYi Micro Hei, whose bold looks like its regular). It also registers the Material Icons
font as `KioskIcons` (screens/icons.py names its glyphs).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from kiosk.config import KioskConfig
from screens import allocator
from screens.fonts import ICON_FONT, ICON_FONT_NAME, TextFaces, text_faces


class FontError(RuntimeError):
    """The configured font cannot be used for drawing text."""


def prepare_environment() -> None:
    """Environment Kivy reads at import: no argv parsing, a private home, Python logging; and
    malloc's thresholds for big blocks (screens/allocator.py)."""
    allocator.return_big_blocks()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "0")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # Kivy's image loaders, without its PIL one: SDL2_image reads every PNG and JPEG the pages
    # show, and loading PIL into the app only for Kivy's list cost ~2 MB of its memory.
    os.environ.setdefault("KIVY_IMAGE", "tex,dds,sdl2")
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
    register_icon_font()
    from screens import transparent

    transparent.install()  # before any widget exists: opacity 0 means not drawn


def register_font(path: Path) -> TextFaces:
    """Make Kivy's default font Noto Sans CJK SC (regular and bold) when installed, else
    `path`: its text provider has no fallback, so this one font must hold every glyph shown
    (Chinese, rare name characters, digits, Latin). Returns the files registered."""
    if not Path(path).is_file():
        raise FontError(f"font file not found: {path} (set [ui] font_path in config.toml)")
    from kivy.core.text import DEFAULT_FONT, LabelBase

    faces = text_faces(Path(path))
    try:
        # Kivy's SDL2 text draws bold only from a bold file: it never emboldens a face itself.
        LabelBase.register(DEFAULT_FONT, str(faces.regular), None, str(faces.bold))
    except OSError as e:  # pragma: no cover - depends on the file's contents
        raise FontError(f"font file cannot be used: {faces.regular}: {e}") from None
    return faces


def register_icon_font(path: Path = ICON_FONT) -> bool:
    """Register the icon font as `KioskIcons`. Without it (fonts-material-design-icons-iconfont
    not installed) icon widgets show only their text labels; returns whether it is there."""
    from kivy.core.text import LabelBase

    from screens import icons

    if not path.is_file():
        icons.font_ready = False
        return False
    LabelBase.register(ICON_FONT_NAME, str(path))
    icons.font_ready = True
    return True
