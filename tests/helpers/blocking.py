"""Calls that wait on something outside the process, made on Kivy's main thread by the app.

The rule: no HTTP, APDU, printing or PDF building on the main thread (the window would freeze
while the back office, the card or the printer takes its time). A UI test once checked it by
the main thread's callbacks staying under 50 ms, a wall-clock figure that a page built on its
first visit (40-70 ms on a busy machine) crossed now and then. This watches the calls
themselves instead: each socket operation (HTTP to the back office, IPP to CUPS, the receipt
printer's TCP), each APDU and control code through pcscd, each message to or from the document
worker and each program started, when made on the main thread from the app's code (the
innermost of the project's frames is under screens/, kiosk/, printer/ or cardio/; a
scenario's own calls, under tests/, are the test's business).
"""

from __future__ import annotations

import multiprocessing.connection
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("screens", "kiosk", "printer", "cardio", "common")


def _app_caller() -> str | None:
    """file:line of the innermost project frame on this stack, if it is the app's."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        try:
            rel = path.resolve().relative_to(REPO)
        except ValueError:
            frame = frame.f_back
            continue
        if rel.parts[0] == ".venv":
            frame = frame.f_back
            continue
        if rel.parts[0] in APP_PACKAGES:
            return f"{rel}:{frame.f_lineno}"
        return None  # a test's own call
    return None


def _targets() -> list[tuple[Any, str]]:
    from cardio.transport import PcscLink

    conn = multiprocessing.connection.Connection
    return [
        (socket.socket, "connect"),
        (socket.socket, "sendall"),
        (socket.socket, "send"),
        (socket.socket, "recv"),
        (socket.socket, "recv_into"),
        (PcscLink, "transmit"),
        (PcscLink, "control"),
        (conn, "send"),
        (conn, "recv"),
        (conn, "send_bytes"),
        (conn, "recv_bytes"),
        (subprocess.Popen, "__init__"),
    ]


@contextmanager
def watched() -> Iterator[list[str]]:
    """While inside: the list of "what at file:line" for each such call on the main thread."""
    seen: list[str] = []
    main = threading.main_thread()
    saved = []

    def wrap(owner: Any, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        what = f"{owner.__name__}.{name}"

        def call(*args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is main:
                where = _app_caller()
                if where is not None:
                    seen.append(f"{what} at {where}")
            return real(*args, **kwargs)

        return call

    for owner, name in _targets():
        real = owner.__dict__.get(name)
        saved.append((owner, name, real))
        setattr(owner, name, wrap(owner, name, getattr(owner, name)))
    try:
        yield seen
    finally:
        for owner, name, real in reversed(saved):
            if real is None:
                delattr(owner, name)
            else:
                setattr(owner, name, real)
