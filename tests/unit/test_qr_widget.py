"""screens/qr.py: the QR's matrix is computed on a worker thread; data that cannot be a QR
code (too long) leaves the widget empty and logs its length, never the data (a payment URL)."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("kivy")

from screens import qr


def test_qr_pixels_of_a_short_url():
    side, buf = qr.qr_pixels("https://pay.example/P1")
    # version 2 (25 modules) at error correction M holds these 22 bytes; + 2 x 2 quiet zone = 29
    assert side == 29
    assert len(buf) == side * side * 3  # RGB
    assert set(buf) == {0, 255}


def test_data_too_long_for_a_qr_code_shows_nothing_and_logs_no_data(monkeypatch, caplog):
    handed: list[object] = []
    monkeypatch.setattr(qr.wake, "call_soon", handed.append)
    widget = qr.QrCode()
    # over version 40-M's 2,331 bytes (letters: byte mode, not the denser numeric one)
    secret = "https://pay.example/" + "secret" * 834
    with caplog.at_level(logging.WARNING, logger="screens.qr"):
        widget._encode(secret)  # what the worker thread runs
    assert handed == []  # nothing for the main thread to show
    assert widget._texture is None
    # 20 + 6 x 834 = 5,024 characters
    assert "5024 characters" in caplog.text and "secret" not in caplog.text
