"""A TCP proxy between the kiosk and the back office that can cut the network.

with CuttingProxy(("127.0.0.1", backoffice_port)) as proxy:
    proxy.url                        # point the kiosk here
    proxy.cut_responses(b"/pay", 1)  # the next answer to a request containing b"/pay" is
                                     # dropped after the back office sent it: the work is
                                     # done, the kiosk sees the connection die
    proxy.set_down(True)             # refuse every connection (network down)
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any


class CuttingProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._lock = threading.Lock()
        self._cut_marker = b""
        self._cuts = 0
        self._down = False
        self.cut_done = 0
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_responses(self, marker: bytes, count: int) -> None:
        with self._lock:
            self._cut_marker, self._cuts = marker, count

    def set_down(self, down: bool) -> None:
        with self._lock:
            self._down = down

    def __enter__(self) -> CuttingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._server.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                down = self._down
            if down:
                client.close()
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            up = socket.create_connection(self.upstream, timeout=30)
        except OSError:
            client.close()
            return
        state = {"cut_next": False}

        def forward_requests() -> None:
            try:
                while data := client.recv(65536):
                    with self._lock:
                        if self._cuts > 0 and self._cut_marker and self._cut_marker in data:
                            self._cuts -= 1
                            state["cut_next"] = True
                    up.sendall(data)
            except OSError:
                pass
            finally:
                _close(up)

        t = threading.Thread(target=forward_requests, daemon=True)
        t.start()
        try:
            while data := up.recv(65536):
                if state["cut_next"]:
                    # The back office answered: the work is done. The kiosk never hears it.
                    with self._lock:
                        self.cut_done += 1
                    break
                client.sendall(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(up)


def _close(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()
