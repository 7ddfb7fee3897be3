"""Voice prompts with espeak-ng (Mandarin `cmn`, English `en`).

One prompt at a time: a new prompt stops the one still speaking, as a member who already
moved on does not want to hear the last page. Without speakers (tests, headless demo), prompts
can go to WAV files instead, so what was said can be checked. Never given digits of a PIN:
the session only ever asks for fixed prompts.

A page's own prompt (its title and its main action, screens/sound.PageVoice) queues after the
session's prompt instead of cutting it (`interrupt=False`); the speaker button's repeat cuts
whatever is speaking. $KIOSK_VOICE_WAV_DIR sends every prompt to WAV files there (tests).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn", "en": "en"}
QUEUE_WAIT = 15.0  # seconds a queued prompt waits at most for the one speaking


def page_prompt(tr: Callable[..., str], title: str, action: str) -> str:
    """What a page says when it opens: its title, then its main action (i18n, both languages).
    `tr(key, **params)` is the translator in the member's language."""
    title, action = " ".join(title.split()), " ".join(action.split())
    if not title and not action:
        return ""
    if not action:
        return tr("voice.page_title", title=title)
    return tr("voice.page", title=title or action, action=action)


class EspeakVoice:
    def __init__(self, out_dir: Path | None = None, speed: int = 150) -> None:
        self.exe = shutil.which("espeak-ng")
        wav_dir = os.environ.get("KIOSK_VOICE_WAV_DIR")
        self.out_dir = out_dir if out_dir is not None or not wav_dir else Path(wav_dir)
        self.speed = speed
        self.said: list[tuple[str, str]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        if self.exe is None:
            log.warning("espeak-ng not found: voice prompts are off")

    def say(self, text: str, language: str, interrupt: bool = True) -> None:
        """Speak `text`. Blocks only while a queued prompt (`interrupt=False`) waits for the one
        speaking to end: call it off the UI thread."""
        if not interrupt:
            self._wait_quiet()
        with self._lock:
            self.said.append((language, text))
            if self.exe is None:
                return
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
            cmd = [self.exe, "-v", VOICES.get(language, "en"), "-s", str(self.speed)]
            if self.out_dir is not None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                cmd += ["-w", str(self.out_dir / f"prompt-{len(self.said):04d}.wav")]
            try:
                self._proc = subprocess.Popen(
                    [*cmd, text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            except OSError as e:
                log.warning("voice prompt failed: %s", e)

    def _wait_quiet(self) -> None:
        with self._lock:
            proc = self._proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):  # the new prompt cuts it
                proc.wait(timeout=QUEUE_WAIT)
