"""The acquirer's TCP side: frames in, answers out, faults applied (switches).

A thread per connection (socketserver); a connection may carry one message (the UnionPay POS
habit: connect, send, read, close) or several in turn. Each frame is 2-byte length + TPDU +
message (common.pos8583); the answer's TPDU swaps the request's addresses."""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
import time

import common.pos8583 as p
from backoffice.acquirer.host import AcquirerHost
from backoffice.acquirer.switches import AcquirerSwitches

log = logging.getLogger("backoffice.acquirer")


class _Handler(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.server.idle_timeout)
        host, switches = self.server.host, self.server.switches
        while True:
            try:
                tpdu, message = p.read_frame(sock)
            except (EOFError, OSError, p.Pos8583Error):
                return
            try:
                terminal = p.decode(message).get("41")
            except p.Pos8583Error:
                log.warning("acquirer: undecodable message dropped")
                return
            if switches.take("no_answer", terminal):
                continue  # read, never processed, never answered
            try:
                answer = host.handle(message)
            except p.Pos8583Error as e:
                log.warning("acquirer: message refused: %s", e)
                return
            except Exception:
                log.exception("acquirer: error handling a message")
                return
            if switches.take("answer_then_drop", terminal):
                return  # processed (charged), the answer lost
            raw = host.encode(answer, spoil_mac=switches.take("wrong_mac", terminal))
            delay = switches.slow_seconds(terminal)
            if delay > 0:
                time.sleep(delay)
            out = p.frame(p.answer_tpdu(tpdu), raw)
            try:
                sock.sendall(out)
                if switches.take("duplicate_answer", terminal):
                    sock.sendall(out)
            except OSError:
                return


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], host: AcquirerHost, switches: AcquirerSwitches
    ) -> None:
        self.host = host
        self.switches = switches
        self.idle_timeout = 60.0
        super().__init__(address, _Handler)


class AcquirerServer:
    """The acquirer on (host, port); `start()` serves on a daemon thread, `stop()` ends it."""

    def __init__(
        self,
        host: AcquirerHost,
        switches: AcquirerSwitches,
        address: tuple[str, int] = ("127.0.0.1", 0),
    ) -> None:
        self.host = host
        self.switches = switches
        self._server = _TcpServer(address, host, switches)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> AcquirerServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="acquirer", daemon=True
        )
        self._thread.start()
        log.info("acquirer: ISO 8583 on %s:%d", *self._server.server_address[:2])
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
