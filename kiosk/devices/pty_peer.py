"""A device's side of a serial line, played on a file descriptor (a pty's master) by a thread.

The emulated peers (the PIN pad's, the ID-card reader's) share this loop: read a frame, answer
it, until stopped or the line is gone. A subclass reads with `_read` and answers with `_send`
in `_serve_one`."""

from __future__ import annotations

import os
import threading
import time
from typing import Self


class PtyPeer:
    """Serves frames on `fd` on a daemon thread named `name` between `start` and `stop`."""

    poll_seconds = 0.005  # the wait between reads of a line with nothing to read

    def __init__(self, fd: int, name: str) -> None:
        self._fd = fd
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _read(self, n: int) -> bytes:
        """Up to `n` bytes: fewer only when stopped or the line is gone (which stops us)."""
        out = b""
        while len(out) < n and not self._stop.is_set():
            try:
                chunk = os.read(self._fd, n - len(out))
            except BlockingIOError:
                time.sleep(self.poll_seconds)
                continue
            except OSError:
                self._stop.set()
                break
            out += chunk
        return out

    def _send(self, data: bytes) -> None:
        """Write an answer; a line gone stops the peer."""
        try:
            os.write(self._fd, data)
        except OSError:
            self._stop.set()

    def _serve(self) -> None:
        os.set_blocking(self._fd, False)
        while not self._stop.is_set():
            self._serve_one()

    def _serve_one(self) -> None:
        """Read one request and answer it."""
        raise NotImplementedError
