"""The kiosk's A4 documents built in a worker process (issue 19), not in the process that draws
the UI: reportlab and the parsed document font (≈ 22 MB) live there, and a build's GIL-bound
work (≈ 20 ms a preview, ≈ 90 ms to parse the font) no longer stalls the UI's frames.

One long-lived process (ProcessPoolExecutor, one worker), started by "spawn": never fork, the
kiosk's process has SDL and GL threads. Its initializer lowers its priority (the UI's frames
come first on two cores) and parses the font. A build is (module-level builder, its data, font
path); the data and the BuiltDocument travel pickled, and so does a builder's own error (it is
raised here as its own class). A worker that dies is replaced and the build tried once more; a
build that takes too long is ended with its worker.

What the worker imports is what unpickling its initializer, the builders and their data needs:
kiosk/documents_process.py (its start), printer/documents/ and kiosk.domain, never this module
(it imports the kiosk's core through kiosk.printing) nor the printers' drivers (printer's
package imports them lazily).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from kiosk.documents_process import start_worker
from kiosk.printing import BACKGROUND_NICE, Builder, PrintFailed
from printer.documents.built import BuiltDocument

log = logging.getLogger(__name__)
_Data = TypeVar("_Data")

# A rights record of 1,800 rows builds in well under a second; a minute means a stuck worker.
BUILD_TIMEOUT = 60.0
# Starting the process (an interpreter, reportlab, the font parsed), at low priority.
START_TIMEOUT = 60.0


class DocumentWorker:
    """A DocumentBuilder (kiosk.printing) whose builds run in one worker process; safe to call
    from several threads (builds queue for the one process)."""

    def __init__(
        self, *, build_timeout: float = BUILD_TIMEOUT, start_timeout: float = START_TIMEOUT
    ) -> None:
        self.build_timeout = build_timeout
        self.start_timeout = start_timeout
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._closed = False

    @property
    def pid(self) -> int | None:
        """The worker process's id, once started."""
        return self._pid

    def warm_up(self, font_path: Path) -> None:
        """Start the worker now (its font parsed there), not at the first member's preview."""
        self._running(font_path)

    def build(self, builder: Builder[_Data], data: _Data, font_path: Path) -> BuiltDocument:
        for attempt in (1, 2):
            pool = self._running(font_path)
            try:
                future = pool.submit(builder, data, str(font_path))
                return future.result(timeout=self.build_timeout)
            except BrokenProcessPool:
                log.warning("document worker died (build attempt %d): replaced", attempt)
                self._discard(pool, kill=False)
            except FuturesTimeout:
                log.warning("document build over %.0f s: worker ended", self.build_timeout)
                self._discard(pool, kill=True)
                raise PrintFailed("print.error.preview", "document build timed out") from None
        raise PrintFailed("print.error.preview", "the document worker died twice")

    def close(self) -> None:
        """Stop the worker (the kiosk closes): a build under way finishes first."""
        with self._lock:
            self._closed = True
            pool, self._pool, self._pid = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _running(self, font_path: Path) -> ProcessPoolExecutor:
        """The pool, its process started (a new one if there is none)."""
        with self._lock:
            if self._closed:
                raise PrintFailed("print.error.preview", "the document worker is closed")
            if self._pool is not None:
                return self._pool
            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(str(font_path), BACKGROUND_NICE),
            )
            try:
                # Starts the process and waits for its initializer; its pid ends a stuck build.
                self._pid = pool.submit(os.getpid).result(timeout=self.start_timeout)
            except (BrokenProcessPool, FuturesTimeout) as e:
                pool.shutdown(wait=False, cancel_futures=True)
                raise PrintFailed("print.error.preview", f"document worker: {e!r}") from None
            self._pool = pool
            return pool

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool) -> None:
        """Forget a broken or stuck pool (the next build starts another)."""
        with self._lock:
            if self._pool is not pool:
                return  # another thread already replaced it
            pid, self._pool, self._pid = self._pid, None, None
        if kill and pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        pool.shutdown(wait=False, cancel_futures=True)
