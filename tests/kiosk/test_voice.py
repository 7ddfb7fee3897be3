"""Voice prompts through the real espeak-ng, written to WAV files (no speakers here).

scripts/setup.sh installs espeak-ng, so a machine without it fails these tests rather than
passing them silently; the kiosk's behaviour without it (prompts recorded, none spoken) is tested
on its own below.
"""

from __future__ import annotations

import logging
import shutil
import time
import wave

import pytest

from kiosk import voice
from kiosk.voice import EspeakVoice


@pytest.fixture
def espeak() -> str:
    exe = shutil.which("espeak-ng")
    assert exe, "espeak-ng is not on PATH: scripts/setup.sh installs it (apt package espeak-ng)"
    return exe


def test_mandarin_and_english_prompts_become_speech(espeak, tmp_path):
    v = EspeakVoice(out_dir=tmp_path)
    assert v.exe == espeak
    v.say("请插入社会保障卡", "zh")
    v._proc.wait(10)
    v.say("Please insert your card", "en")
    v._proc.wait(10)
    files = sorted(tmp_path.glob("*.wav"))
    assert len(files) == 2
    for f in files:
        with wave.open(str(f)) as w:
            assert w.getnframes() / w.getframerate() > 0.5  # real speech, not an empty file
    assert v.said == [("zh", "请插入社会保障卡"), ("en", "Please insert your card")]


def test_a_new_prompt_stops_the_old_one(espeak):
    v = EspeakVoice(out_dir=None)
    v.say("这是一个很长很长的提示" * 20, "zh")
    first = v._proc
    assert first is not None
    v.say("退出", "zh")
    assert v._proc is not first
    deadline = time.monotonic() + 5
    while first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.poll() is not None
    v._proc.wait(10)


def test_without_espeak_prompts_are_recorded_not_spoken(monkeypatch, tmp_path, caplog):
    # The fallback on its own: a kiosk missing espeak-ng keeps working, silently, and says so.
    monkeypatch.setattr(voice.shutil, "which", lambda name: None)
    with caplog.at_level(logging.WARNING, logger="kiosk.voice"):
        v = EspeakVoice(out_dir=tmp_path)
    assert v.exe is None
    assert "espeak-ng not found" in caplog.text
    v.say("请插入社会保障卡", "zh")
    assert v._proc is None
    assert v.said == [("zh", "请插入社会保障卡")]
    assert list(tmp_path.iterdir()) == []
