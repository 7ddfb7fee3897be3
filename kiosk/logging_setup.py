"""Application logs: rotating files in [logging] dir, with no PIN, no ID number, no card number.

    from kiosk.logging_setup import configure_logging
    configure_logging(cfg.logging)          # once, at start-up, before the devices are built

Every record passes `RedactingFilter` on its way to a handler, whichever logger made it (ours,
Kivy's, urllib3's): 18-character citizen ID numbers and card numbers (social security card
numbers like X00000019, bank card numbers of 16 to 19 digits) are masked the way receipts mask
them; a record that looks like it carries a PIN ("pin=135790", "PIN: 135790") is replaced by a
notice that a record was dropped. Tracebacks are redacted too.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

from kiosk.config import LoggingConfig
from kiosk.domain.identity import mask_card_number, mask_id

LOG_FILE = "kiosk.log"
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"
DROPPED = "a log record that looked like it held a PIN was dropped (from %s:%d)"

# Citizen ID: 17 digits and a check character, not part of a longer number.
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Bank card (PAN): 16 to 19 digits.
_PAN = re.compile(r"(?<![0-9A-Za-z])\d{16,19}(?![0-9A-Za-z])")
# Social security card number: one capital letter and 8 digits.
_SSC = re.compile(r"(?<![0-9A-Za-z])[A-Z]\d{8}(?![0-9A-Za-z])")
# "PIN", "pin_code", "口令", "密码" followed closely by 4 to 12 digits.
_PIN = re.compile(r"(?i)((?<![a-z])pin|(?<![a-z])passw|口令|密码)[^0-9\n]{0,12}\d{4,12}")


def redact(text: str) -> str:
    """Mask ID numbers and card numbers in `text`."""
    text = _ID.sub(lambda m: mask_id(m.group()), text)
    text = _PAN.sub(lambda m: mask_card_number(m.group()), text)
    return _SSC.sub(lambda m: mask_card_number(m.group()), text)


def looks_like_pin(text: str) -> bool:
    return bool(_PIN.search(text))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) redacted; replaces PIN-like records."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, unformatted
            message = str(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        exc = record.exc_text or ""
        if looks_like_pin(message) or looks_like_pin(exc):
            record.msg, record.args = DROPPED, (record.module, record.lineno)
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            return True
        record.msg, record.args = redact(message), ()
        if exc:
            record.exc_text = redact(exc)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure_logging(cfg: LoggingConfig, *, console: bool = True) -> Path:
    """Send the root logger to a rotating file in cfg.dir (and stderr); return the file.
    Calling it again replaces the handlers it added before."""
    folder = Path(cfg.dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk_handler", False):
            root.removeHandler(h)
            h.close()
    handlers: list[logging.Handler] = [
        logging.handlers.RotatingFileHandler(
            path, maxBytes=cfg.max_bytes, backupCount=cfg.backups, encoding="utf-8"
        )
    ]
    if console:
        handlers.append(logging.StreamHandler())
    redacting = RedactingFilter()
    for h in handlers:
        h.setFormatter(logging.Formatter(FORMAT))
        # On the handler, not the logger: a filter on the root logger would not see records
        # that other loggers propagate up to it.
        h.addFilter(redacting)
        h._kiosk_handler = True  # type: ignore[attr-defined]
        root.addHandler(h)
    root.setLevel(cfg.level)
    logging.captureWarnings(True)
    return path
