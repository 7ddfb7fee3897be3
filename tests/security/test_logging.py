"""Application logs: rotating files, ID and card numbers masked, PIN-like records dropped."""

from __future__ import annotations

import logging

import pytest

from kiosk.config import LoggingConfig
from kiosk.logging_setup import configure_logging, redact

ID = "11010519491231002X"


@pytest.fixture
def logfile(tmp_path):
    path = configure_logging(
        LoggingConfig(dir=tmp_path, level="DEBUG", max_bytes=10_000, backups=2), console=False
    )
    yield path
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk_handler", False):
            root.removeHandler(h)
            h.close()


def _flush():
    for h in logging.getLogger().handlers:
        h.flush()


def test_ids_and_card_numbers_are_masked_in_any_logger(logfile):
    logging.getLogger("urllib3.somewhere").warning("member %s card %s", ID, "X00000019")
    logging.getLogger("kiosk.x").info("bank card 6222021234567890123 paid")
    _flush()
    text = logfile.read_text()
    assert "110***********002X" in text and "X0****019" in text and "62**************123" in text
    for secret in (ID, "X00000019", "6222021234567890123"):
        assert secret not in text


def test_tracebacks_are_redacted(logfile):
    try:
        raise ValueError(f"no member with id {ID}")
    except ValueError:
        logging.getLogger("kiosk").exception("lookup failed")
    _flush()
    text = logfile.read_text()
    assert "ValueError: no member with id 110***********002X" in text
    assert ID not in text


@pytest.mark.parametrize(
    "msg", ["PIN: 135790", "verify pin=135790 failed", "new_pin 135790", "密码 135790"]
)
def test_pin_like_records_are_dropped(logfile, msg):
    logging.getLogger("kiosk").error(msg)
    _flush()
    text = logfile.read_text()
    assert "135790" not in text
    assert "looked like it held a PIN was dropped" in text


def test_ordinary_numbers_survive():
    assert redact("region 110100, 3 tries left, order 20260601-000123") == (
        "region 110100, 3 tries left, order 20260601-000123"
    )


def test_logs_rotate(logfile):
    log = logging.getLogger("kiosk.rotate")
    for i in range(400):
        log.info("line %d of a long enough message to fill the file quickly", i)
    _flush()
    names = sorted(p.name for p in logfile.parent.iterdir())
    assert names == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
