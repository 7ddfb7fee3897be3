"""Application logs: rotating files in [logging] dir, with no PIN, no ID number, no card number.

    from kiosk.logging_setup import configure_logging
    configure_logging(cfg.logging)          # once, at start-up, before the devices are built

Every record passes `RedactingFilter` (common.redaction: what is masked and what is kept) on its
way to a handler, whichever logger made it (ours, Kivy's, urllib3's): ID and card numbers are
masked the way receipts mask them, keys and tokens hidden; a record that looks like it carries a
PIN ("pin=135790", "PIN: 135790") is replaced by a notice that a record was dropped. Tracebacks
are redacted too.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
from pathlib import Path

from common.redaction import DROPPED, RedactingFilter, looks_like_pin, redact
from kiosk.config import LoggingConfig
from kiosk.private_files import FILE_MODE, narrow, private_dir

# Re-exported: the back office and the heartbeat import them from here.
__all__ = [
    "DROPPED",
    "FORMAT",
    "LOG_FILE",
    "RedactingFilter",
    "configure_logging",
    "looks_like_pin",
    "redact",
]

LOG_FILE = "kiosk.log"
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Opens its file 0600 whatever the umask; rotation renames, so old files stay 0600."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def configure_logging(cfg: LoggingConfig, *, console: bool = True) -> Path:
    """Send the root logger to a rotating file in cfg.dir (and stderr); return the file.
    Calling it again replaces the handlers it added before."""
    folder = private_dir(cfg.dir)
    path = folder / LOG_FILE
    for old in [path, *folder.glob(LOG_FILE + ".*")]:
        narrow(old)  # left wider by an older version
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk_handler", False):
            root.removeHandler(h)
            h.close()
    handlers: list[logging.Handler] = [
        PrivateRotatingFileHandler(
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
