"""Voice prompts through the real espeak-ng, written to WAV files (no speakers here)."""

from __future__ import annotations

import time
import wave

from kiosk.voice import EspeakVoice


def test_mandarin_and_english_prompts_become_speech(tmp_path):
    v = EspeakVoice(out_dir=tmp_path)
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


def test_a_new_prompt_stops_the_old_one(tmp_path):
    v = EspeakVoice(out_dir=None)
    v.say("这是一个很长很长的提示" * 20, "zh")
    first = v._proc
    v.say("退出", "zh")
    deadline = time.monotonic() + 5
    while first is not None and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first is None or first.poll() is not None
