"""The back office's logs: one stream (stderr, the systemd journal), every logger redacted.

    kwargs = service_logging(access_log=args.access_log)
    uvicorn.run(app, ..., **kwargs)               # or uvicorn.Config(app, ..., **kwargs)

uvicorn's default logging config gives `uvicorn`, `uvicorn.error` and `uvicorn.access` handlers
of their own, which no filter of ours sees: a traceback of `uvicorn.error` ("Exception in ASGI
application", "Invalid HTTP request received." with the offending header line) went out with
ID numbers in it. With `log_config=None` uvicorn adds no handler: its loggers propagate to the
root's, like asyncio's and sqlalchemy's, and every handler there carries the RedactingFilter of
common.redaction (the same rules as the kiosk's log).
"""

from __future__ import annotations

import logging
from typing import Any

from common.redaction import redact_every_handler

# The process id: with --workers N, which worker wrote a line (and answered a request).
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"


def service_logging(*, access_log: bool = False) -> dict[str, Any]:
    """Configure logging for a serving process; returns uvicorn's logging arguments."""
    logging.basicConfig(level=logging.INFO, format=FORMAT)  # nothing if already configured
    logging.captureWarnings(True)
    # Our access log (backoffice.access: paths and the authenticated terminal) only when asked.
    logging.getLogger("backoffice.access").setLevel(logging.INFO if access_log else logging.WARNING)
    redact_every_handler()
    return {"log_config": None, "access_log": False, "log_level": "warning"}
