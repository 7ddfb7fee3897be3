"""Sound at the kiosk: key tones for the PIN keypad (one short beep for every key, never the
digit), and the page's voice (PageVoice: each page's title and main action read aloud when it
opens, again on its SpeakerButton 朗读; the words through kiosk.voice.page_prompt)."""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kivy.app import App
from kivy.metrics import dp
from kivy.uix.screenmanager import Screen

from screens import theme
from screens.ties import tie
from screens.widgets import IconButton, _render

log = logging.getLogger(__name__)


def make_tone(path: Path, freq: float = 880.0, seconds: float = 0.06, rate: int = 22050) -> Path:
    n = int(seconds * rate)
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate) * (1 - i / n)))
        for i in range(n)
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path


class KeyTone:
    """Plays the tone if the machine has sound; a kiosk without speakers stays silent."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.played = 0
        self._sound = None
        self._tried = False

    def play(self) -> None:
        self.played += 1
        if not self.enabled:
            return
        if not self._tried:
            self._tried = True
            try:
                from kivy.core.audio import SoundLoader

                path = make_tone(Path(tempfile.mkdtemp(prefix="kiosk-tone-")) / "key.wav")
                self._sound = SoundLoader.load(str(path))
            except Exception as e:  # no audio device: the keypad still works
                log.info("no key tone: %s", e)
        if self._sound is not None:
            self._sound.stop()
            self._sound.play()


def _visible(w) -> bool:
    """On screen: neither it nor a parent hidden (opacity 0), collapsed or disabled."""
    if w.disabled:
        return False
    node = w
    while node is not None and node is not node.parent:
        if node.opacity == 0 or node.height <= 1:
            return False
        if type(node).__name__ == "KioskRoot":
            break
        node = node.parent
    return True


def _in_keypad(w) -> bool:
    """A key of a PIN keypad: the keys are not the page's action (and never read aloud)."""
    node = w.parent
    while node is not None and node is not node.parent:
        if type(node).__name__ == "PinKeypad":
            return True
        node = node.parent
    return False


def page_words(screen) -> tuple[str, str]:
    """A page's title and its main action, as the member sees them: the header's title (or a
    label with id `title`), and the page's action highest on the page: a primary IconButton
    if the page has one, else its first yellow button (KioskButton; a dues line on the pay
    page). Not the header's own buttons (back, 朗读, exit), a tab or a PIN key."""
    from kivy.uix.behaviors import ToggleButtonBehavior
    from kivy.uix.button import Button

    header = next((w for w in screen.walk() if type(w).__name__ == "PageHeader"), None)
    title = getattr(header, "title", "") if header is not None else ""
    if not title and "title" in screen.ids:
        title = getattr(screen.ids["title"], "text", "")
    in_header = set(header.walk(restrict=True)) if header is not None else set()
    buttons = [
        w
        for w in screen.walk()
        if isinstance(w, IconButton | Button)
        and not isinstance(w, ToggleButtonBehavior)
        and w not in in_header
        and not _in_keypad(w)
        and w.text.strip()
        and _visible(w)
    ]
    primary = [w for w in buttons if isinstance(w, IconButton) and w.kind == "primary"]
    accent = list(theme.ACCENT)
    yellow = [w for w in buttons if isinstance(w, Button) and list(w.background_color) == accent]
    actions = primary or yellow
    actions.sort(key=lambda w: (-w.to_window(w.x, w.top)[1], w.to_window(w.x, w.y)[0]))
    return title, actions[0].text if actions else ""


class PageVoice:
    """Reads a page's title and main action aloud when the page opens, and again when the
    member taps its speaker button. The words are read from the widgets on the UI thread (a
    walk of one page); speaking happens on a thread of its own, never on the UI thread. Without
    a voice (config `[ui] voice = false`, UI tests without devices) nothing is said."""

    SILENT = frozenset({"attract", "goodbye", "reading"})  # the session speaks there itself

    def __init__(self, voice, tr) -> None:
        self.voice = voice
        self.tr = tr  # tr(key, **params) in the language shown now
        self._pool: ThreadPoolExecutor | None = None

    def _say(self, text: str, language: str, interrupt: bool) -> None:
        if self.voice is None or not text:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-voice")
        self._pool.submit(self._speak, text, language, interrupt)

    def _speak(self, text: str, language: str, interrupt: bool) -> None:
        try:
            self.voice.say(text, language, interrupt=interrupt)
        except TypeError:  # a voice without queueing (kiosk.ports.VoicePort)
            self.voice.say(text, language)
        except Exception as e:  # a voice that fails leaves the page working
            log.warning("page voice failed: %s", e)

    def prompt(self, screen) -> str:
        """The page's title and main action; a page that says something else (the attract
        screen: its invitation) has `spoken_words()`."""
        from kiosk.voice import page_prompt

        spoken = getattr(screen, "spoken_words", None)
        if callable(spoken):
            return str(spoken())
        title, action = page_words(screen)
        return page_prompt(self.tr, title, action)

    def page_opened(self, screen, language: str) -> None:
        """Queued after what the session is saying (e.g. 请选择您要办理的业务 on the menu)."""
        if screen.name not in self.SILENT:
            self._say(self.prompt(screen), language, interrupt=False)

    def repeat(self, screen, language: str) -> None:
        """The speaker button: cuts what is being said and reads the page again."""
        self._say(self.prompt(screen), language, interrupt=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class SpeakerButton(IconButton):
    """朗读 / Read aloud: reads the page's title and main action again (its icon and its
    label). As wide as its one-line label, at least a touch target."""

    def __init__(self, **kw) -> None:
        kw.setdefault("icon", "speaker")
        kw.setdefault("kind", "secondary")
        super().__init__(**kw)
        self.size_hint_x = None
        app = App.get_running_app()
        if app is not None and hasattr(app, "lang"):
            tie(self, app, "lang", self._label)
        self.fbind("font_size", self._fit)
        self.fbind("text", self._fit)
        self._label()
        self._fit()

    def _label(self, *_a: object) -> None:
        tr = getattr(App.get_running_app(), "tr", None)
        self.text = tr("voice.speaker") if tr is not None else "朗读"

    def _fit(self, *_a: object) -> None:
        text_w = _render(self.text, float(self.font_size)).width if self.text else 0
        self.width = max(
            dp(theme.TARGET_DP),
            self.icon_size() + self.spacing + text_w + 2 * self.padding_x + dp(2),
        )

    def on_release(self) -> None:
        app = App.get_running_app()
        voice = getattr(app, "page_voice", None)
        screen = self.parent
        while screen is not None and not isinstance(screen, Screen):
            screen = screen.parent
        if voice is not None and screen is not None:
            voice.repeat(screen, app.lang)


def add_speaker(screen) -> SpeakerButton | None:
    """Put a 朗读 button into the page's header, left of its exit button (a page without a
    header, e.g. attract, gets none). Called once, when the app builds the page."""
    header = next((w for w in screen.walk() if type(w).__name__ == "PageHeader"), None)
    if header is None:
        return None
    exit_button = header.ids.get("exit")
    bar = exit_button.parent if exit_button is not None else header
    button = SpeakerButton(pos_hint={"center_y": 0.5})
    index = bar.children.index(exit_button) + 1 if exit_button is not None else 0
    bar.add_widget(button, index=index)
    return button
