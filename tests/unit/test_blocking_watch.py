"""tests/helpers/blocking.py, the UI tests' check that the app makes no call that waits on the
Kivy main thread: it sees the app's own call there, and neither a worker thread's nor the
test's."""

from __future__ import annotations

import socket
import threading

import pytest

from printer.ipp import IppClient, IppError
from tests.helpers.blocking import watched


@pytest.fixture
def server():
    """A TCP server on loopback answering every request with HTTP 500."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 500 No\r\nContent-Length: 0\r\n\r\n")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    t.join()
    listener.close()


def _ask(address: str) -> None:
    with pytest.raises(IppError):
        IppClient(address, timeout=5).request(0x000B, "/", [])


def test_the_apps_call_on_the_main_thread_is_seen_with_where(server):
    with watched() as seen:
        _ask(server)
    assert seen, "an IPP request made on the main thread was not seen"
    assert all(" at printer/ipp.py:" in s for s in seen), seen
    assert any(s.startswith("socket.connect") for s in seen)


def test_a_worker_threads_call_and_the_tests_own_are_not(server):
    errors: list[IppError] = []

    def worker() -> None:
        try:
            IppClient(server, timeout=5).request(0x000B, "/", [])
        except IppError as e:
            errors.append(e)

    with watched() as seen:
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        host, _, port = server.rpartition(":")
        socket.create_connection((host, int(port)), timeout=5).close()  # the test's own
    assert len(errors) == 1  # the worker did ask (and got the 500)
    assert seen == []


def test_everything_is_put_back():
    real = socket.socket.__dict__.get("connect")
    with watched():
        assert socket.socket.__dict__.get("connect") is not real
    assert socket.socket.__dict__.get("connect") is real
