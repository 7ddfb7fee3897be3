"""Key tones for the PIN keypad: one short beep for every key, never the digit."""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from pathlib import Path

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
