"""A virtual card in a vpcd slot: the TCP client side of the vsmartcard vpcd protocol.

vpcd (the pcscd reader driver) listens on 127.0.0.1:35963 (slot 0) and 35964 (slot 1).
Messages are framed by a 2-byte big-endian length. A 1-byte message is a control:
0 power off, 1 power on, 2 reset, 4 get ATR (answered with the ATR); anything longer is an
APDU, answered with the response. Connected = card inserted; disconnected = card removed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from typing import Protocol

log = logging.getLogger("cardio.emulator.vpcd")

VPCD_HOST = "127.0.0.1"
VPCD_PORTS = (35963, 35964)

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


class Device(Protocol):
    atr: bytes

    def power_on(self) -> None: ...

    def process(self, apdu: bytes) -> bytes: ...


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        # Without QUICKACK the kernel delays our ACK and every APDU costs ~40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


class VpcdSlot:
    """One vpcd slot: insert a device (connect), remove it (disconnect), pull after N APDUs."""

    def __init__(self, port: int, host: str = VPCD_HOST, connect_timeout: float = 10.0) -> None:
        self.host, self.port = host, port
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.device: Device | None = None
        self.label = ""
        self._pull_after: int | None = None
        self.apdus = 0

    @property
    def inserted(self) -> bool:
        with self._lock:
            return self._sock is not None

    def insert(self, device: Device, label: str = "", pull_after: int | None = None) -> None:
        """Connect to vpcd with `device` in the slot (removing whatever was there)."""
        self.remove()
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=2.0)
                break
            except OSError:
                # vpcd listens only once pcscd has loaded the driver: wait for it.
                if time.monotonic() > deadline:
                    raise ConnectionError(
                        f"vpcd does not listen on {self.host}:{self.port}"
                    ) from None
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        device.power_on()
        with self._lock:
            self._sock, self.device, self.label = sock, device, label
            self._pull_after, self.apdus = pull_after, 0
        self._thread = threading.Thread(
            target=self._serve, args=(sock, device), name=f"vpcd-{self.port}", daemon=True
        )
        self._thread.start()
        log.info("inserted %s in port %d", label or "card", self.port)

    def pull_after(self, n: int | None) -> None:
        """The card is pulled when the (n+1)-th APDU from now arrives (it gets no answer)."""
        with self._lock:
            self._pull_after, self.apdus = n, 0

    def remove(self) -> None:
        with self._lock:
            sock, self._sock, self.device, self.label = self._sock, None, None, ""
            self._pull_after = None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def _serve(self, sock: socket.socket, device: Device) -> None:
        try:
            while True:
                head = _recv_exact(sock, 2)
                if head is None:
                    break
                msg = _recv_exact(sock, int.from_bytes(head, "big"))
                if msg is None:
                    break
                if len(msg) == 1:
                    if msg[0] in (POWER_ON, RESET):
                        device.power_on()
                    elif msg[0] == GET_ATR:
                        self._send(sock, device.atr)
                    continue
                with self._lock:
                    pull = self._pull_after is not None and self.apdus >= self._pull_after
                    self.apdus += 1
                if pull:
                    log.info("fault: card pulled after %d APDUs", self.apdus - 1)
                    return  # `finally` disconnects: that is the pull
                self._send(sock, device.process(msg))
        except OSError:
            pass
        finally:
            with self._lock:
                if self._sock is sock:  # vpcd closed on us: the card is out
                    self._sock, self.device, self.label = None, None, ""
            with contextlib.suppress(OSError):
                sock.close()

    @staticmethod
    def _send(sock: socket.socket, payload: bytes) -> None:
        sock.sendall(len(payload).to_bytes(2, "big") + payload)
