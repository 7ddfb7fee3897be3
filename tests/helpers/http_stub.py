"""A scripted HTTP server on 127.0.0.1 for the kiosk transport's tests: each request gets the
next scripted answer (status, body bytes, content type) and is recorded (method, path, headers).
Past the script it answers 500."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

Answer = tuple[int, bytes, str]


class Stub(BaseHTTPRequestHandler):
    script: ClassVar[list[Answer]] = []
    seen: ClassVar[list[tuple[str, str, dict[str, str]]]] = []

    def _answer(self) -> None:
        self.seen.append((self.command, self.path, dict(self.headers)))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, body, ctype = self.script.pop(0) if self.script else (500, b"", "text/plain")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *_args: Any) -> None:
        pass


@contextmanager
def scripted_server() -> Iterator[tuple[str, type[Stub]]]:
    """(base URL, handler class): set `handler.script`, read `handler.seen`."""
    handler = type("Stub", (Stub,), {"script": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def json_answer(status: int, body: Any) -> Answer:
    return status, json.dumps(body).encode(), "application/json"
