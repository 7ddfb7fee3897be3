"""Voice prompts with espeak-ng (Mandarin `cmn`, English `en`).

One prompt at a time: a new prompt stops the one still speaking, as a member who already
moved on does not want to hear the last page. Without speakers (tests, headless demo), prompts
can go to WAV files instead, so what was said can be checked. Never given digits of a PIN:
the session only ever asks for fixed prompts.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

VOICES = {"zh": "cmn", "en": "en"}


class EspeakVoice:
    def __init__(self, out_dir: Path | None = None, speed: int = 150) -> None:
        self.exe = shutil.which("espeak-ng")
        self.out_dir = out_dir
        self.speed = speed
        self.said: list[tuple[str, str]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        if self.exe is None:
            log.warning("espeak-ng not found: voice prompts are off")

    def say(self, text: str, language: str) -> None:
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
