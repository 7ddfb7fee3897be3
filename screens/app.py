"""The Kivy application: window, screen manager, language and large-text mode."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import FadeTransition, ScreenManager

from kiosk.config import KioskConfig
from kiosk.i18n import Translator
from screens import theme
from screens.attract import AttractScreen

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).parent


def seconds_since_process_start() -> float:
    """Wall time since this process was created (Linux /proc), for start-up figures."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return time.process_time()


class KioskApp(App):
    """The kiosk. `lang` and `large_text` are live: every kv rule that reads them re-renders."""

    lang = StringProperty("zh")
    large_text = BooleanProperty(False)

    def __init__(
        self,
        cfg: KioskConfig,
        *,
        screenshot: Path | None = None,
        large_text: bool = False,
        language: str = "zh",
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.title = "社保自助一体机"
        self.translator = Translator(language=language)
        self.lang = language
        self.large_text = large_text
        self.screenshot_path = screenshot
        self.exit_code = 0
        self.theme = theme

    # -- strings ----------------------------------------------------------------------------

    def tr(self, key: str, _lang: str | None = None, **params: object) -> str:
        """Translate `key`. kv passes `app.lang` as `_lang` so the rule re-runs on a switch."""
        return self.translator(key, **params)

    def on_lang(self, _app: App, value: str) -> None:
        self.translator.language = value

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    # -- large text (长辈模式) ---------------------------------------------------------------

    def on_large_text(self, _app: App, value: bool) -> None:
        # Every size in the kv files is in sp, which follows Metrics.fontscale.
        Metrics.fontscale = self.cfg.ui.large_text_scale if value else 1.0

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    # -- life cycle -------------------------------------------------------------------------

    def build(self) -> ScreenManager:
        Window.clearcolor = theme.BACKGROUND
        Builder.load_file(str(KV_DIR / "attract.kv"))
        self.on_large_text(self, self.large_text)
        sm = ScreenManager(transition=FadeTransition(duration=0.15))
        sm.add_widget(AttractScreen(name="attract"))
        return sm

    def on_start(self) -> None:
        if self.screenshot_path is not None:
            self._frames = 0
            Clock.schedule_interval(self._screenshot_when_drawn, 0)

    def _screenshot_when_drawn(self, _dt: float) -> bool:
        # Wait until the attract screen's text has been rendered and a few frames drawn,
        # so the picture is the screen a member sees, not a half-built one.
        self._frames += 1
        attract = self.root.get_screen("attract")
        if self._frames < 3 or not attract.is_drawn():
            return True
        elapsed = seconds_since_process_start()
        target = Path(self.screenshot_path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        written = Window.screenshot(name=str(target.with_suffix("")) + "-shot.png")
        if not written:
            print("kiosk: the screenshot could not be written", flush=True)
            self.exit_code = 1
        else:
            shutil.move(written, target)
            print(
                f"kiosk: attract screen drawn {elapsed:.3f} s after start; screenshot {target}",
                flush=True,
            )
        self.stop()
        return False
