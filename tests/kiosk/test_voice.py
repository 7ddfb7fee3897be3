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


def test_a_page_prompt_queues_after_the_session_prompt(espeak, tmp_path):
    # The page's own prompt (interrupt=False) lets the session's prompt finish: both are
    # whole speech, the first not cut short (espeak-ng exits 0, not by SIGTERM).
    v = EspeakVoice(out_dir=tmp_path)
    v.say("请选择您要办理的业务", "zh")
    first = v._proc
    v.say("我的参保。您可以点击：打印", "zh", interrupt=False)
    assert first is not None and first.poll() == 0
    v._proc.wait(10)
    files = sorted(tmp_path.glob("*.wav"))
    assert len(files) == 2
    for f in files:
        with wave.open(str(f)) as w:
            assert w.getnframes() / w.getframerate() > 0.5


def test_page_prompt_says_the_title_then_the_main_action_in_both_languages():
    from kiosk.i18n import Translator

    t = Translator(language="zh")
    assert voice.page_prompt(t, "缴费", "查看明细") == "缴费。您可以点击：查看明细"
    assert voice.page_prompt(t, "请输入密码", "") == "请输入密码"
    t.language = "en"
    # line breaks of a wrapped label are not read as pauses
    assert (
        voice.page_prompt(t, "Pay", "See the\nbreakdown") == "Pay. You can tap: See the breakdown"
    )
    assert voice.page_prompt(t, "", "") == ""
