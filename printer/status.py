"""Receipt printer status by real-time DLE EOT queries, with a timeout.

python-escpos's paper_status() reports "paper adequate" when the printer does not answer; here
no answer is UNKNOWN, never READY. Each answer byte has a fixed pattern (bits 1 and 4 set, bits 0
and 7 clear): a byte that does not match is treated as no answer.
"""

from __future__ import annotations

import enum
import socket
from collections.abc import Callable

from printer.escpos_bytes import (
    STATUS_ERROR_CAUSE,
    STATUS_OFFLINE_CAUSE,
    STATUS_PAPER_SENSOR,
    STATUS_PRINTER,
)


class PrinterStatus(enum.StrEnum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"  # still prints: tell the administrator
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"  # unreachable, or offline for another reason (error, feed button)
    UNKNOWN = "unknown"  # no (valid) answer: we cannot tell
    NOT_FITTED = "not_fitted"  # kind = "none"

    @property
    def can_print(self) -> bool:
        return self in (PrinterStatus.READY, PrinterStatus.PAPER_NEAR_END)

    @property
    def zh(self) -> str:
        return _ZH[self]


_ZH = {
    PrinterStatus.READY: "正常",
    PrinterStatus.PAPER_NEAR_END: "纸将尽",
    PrinterStatus.PAPER_OUT: "缺纸",
    PrinterStatus.COVER_OPEN: "上盖打开",
    PrinterStatus.OFFLINE: "离线",
    PrinterStatus.UNKNOWN: "状态未知",
    PrinterStatus.NOT_FITTED: "未配置",
}

# A query function: send DLE EOT n, return the answer byte or None on timeout / bad answer.
Query = Callable[[int], int | None]


def valid_answer(data: bytes) -> int | None:
    if len(data) < 1:
        return None
    b = data[-1]  # a late answer to an earlier query may precede: the last byte is ours
    return b if (b & 0x93) == 0x12 else None


def interpret(query: Query) -> PrinterStatus:
    """Ask the four DLE EOT questions (as far as needed) and name the state."""
    printer = query(STATUS_PRINTER)
    if printer is None:
        return PrinterStatus.UNKNOWN
    paper = query(STATUS_PAPER_SENSOR)
    if paper is None:
        return PrinterStatus.UNKNOWN
    if paper & 0x60:
        return PrinterStatus.PAPER_OUT
    if printer & 0x08:  # offline: find out why
        cause = query(STATUS_OFFLINE_CAUSE)
        if cause is None:
            return PrinterStatus.UNKNOWN
        if cause & 0x04:
            return PrinterStatus.COVER_OPEN
        if cause & 0x20:
            return PrinterStatus.PAPER_OUT
        return PrinterStatus.OFFLINE
    error = query(STATUS_ERROR_CAUSE)
    if error is None:
        return PrinterStatus.UNKNOWN
    if error & 0x68:  # autocutter / unrecoverable / auto-recoverable error
        return PrinterStatus.OFFLINE
    if paper & 0x0C:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.READY


def socket_query(sock: socket.socket, timeout: float) -> Query:
    """A Query over a connected TCP socket (the network printer's)."""

    def query(n: int) -> int | None:
        old = sock.gettimeout()
        sock.settimeout(timeout)
        try:
            sock.sendall(bytes([0x10, 0x04, n]))
            return valid_answer(sock.recv(16))
        except (TimeoutError, OSError):
            return None
        finally:
            sock.settimeout(old)

    return query


def device_query(send: Callable[[bytes], None], read: Callable[[], bytes]) -> Query:
    """A Query over a python-escpos device's _raw/_read (USB, serial: their own timeouts)."""

    def query(n: int) -> int | None:
        try:
            send(bytes([0x10, 0x04, n]))
            return valid_answer(read())
        except Exception:  # any transport failure means "no answer"
            return None

    return query
