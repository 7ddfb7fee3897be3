"""The document worker process's own start (kiosk/documents_worker.py runs it there): what a
spawned worker imports to start is this module, so it imports nothing of the kiosk's core and
the document font's module only when called. The worker's memory is what a build needs."""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import threading

log = logging.getLogger(__name__)


def start_worker(font_path: str, nice: int) -> None:
    """In the worker process, once: `nice` below the UI in priority, ended with the kiosk's
    process, the document font parsed and the builders' modules imported (a member's first
    preview waits for neither)."""
    os.nice(nice)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()
    try:
        from printer.documents.builders import import_drawing
        from printer.fonts import warm_pdf_font

        import_drawing()
        warm_pdf_font(font_path)
    except Exception as e:
        # An initializer that raises breaks the pool for every build: log and go on.
        log.warning("document worker not warmed: %s", e)


def _end_with(parent_sentinel: int) -> None:
    """Exit when the kiosk's process is gone (killed, crashed): the worker holds both ends of
    its task pipe, so it would otherwise wait for a task for ever."""
    multiprocessing.connection.wait([parent_sentinel])
    os._exit(0)
