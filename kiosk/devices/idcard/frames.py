"""Frames of the ID-card reader's serial protocol (the SAM protocol of GA 467 readers).

Request:  AA AA AA 96 69 | LEN (2, big-endian) | CMD | PARA | DATA | CHK
Answer:   AA AA AA 96 69 | LEN (2, big-endian) | SW1 | SW2 | SW3 | DATA | CHK

LEN counts the bytes after itself, CHK included. CHK is the XOR of every byte after the
preamble except CHK itself (LEN included). SW1 SW2 pass on the card's own status words; SW3 is
the reader's status (STATUS below)."""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from kiosk.devices.idcard.errors import (
    ChecksumError,
    FrameError,
    ReaderTimeout,
    ShortFrameError,
)

PREAMBLE: Final = bytes.fromhex("AAAAAA9669")
MAX_LEN: Final = 4096  # text + photo + fingerprints is 2,321 bytes: anything longer is noise
MAX_SKIP: Final = 64  # bytes before a preamble that are tolerated (a reader's power-up noise)

# (CMD, PARA) of the commands the kiosk sends.
RESET: Final = (0x10, 0xFF)
SAM_STATUS: Final = (0x11, 0xFF)
SAM_ID: Final = (0x12, 0xFF)
FIND_CARD: Final = (0x20, 0x01)
SELECT_CARD: Final = (0x20, 0x02)
READ_BASE: Final = (0x30, 0x01)  # text (256) + photo (1024)

OK: Final = 0x90
FOUND: Final = 0x9F
NO_CARD: Final = 0x80
SELECT_FAILED: Final = 0x81
READ_FAILED: Final = 0x41

# SW3, the reader's status: the codes the protocol defines.
STATUS: Final = {
    0x90: "操作成功 done",
    0x9F: "找卡成功 card found",
    0x10: "校验和错 checksum of the request wrong",
    0x11: "长度错 length of the request wrong",
    0x21: "命令错 command or parameter wrong",
    0x23: "越权操作 not allowed",
    0x24: "无法识别的错误 unrecognised error",
    0x31: "卡认证机具失败 card refused the reader",
    0x32: "机具认证卡失败 reader refused the card",
    0x33: "信息验证错误 data verification failed",
    0x40: "无法识别的卡类型 not an ID card",
    0x41: "读卡操作失败 reading the card failed",
    0x47: "取随机数失败 no random number from the card",
    0x60: "SAM自检失败 SAM self-test failed",
    0x66: "SAM未经授权 SAM not authorised",
    0x80: "找卡不成功 no card",
    0x81: "选卡不成功 selecting the card failed",
    0x91: "无此项内容 no such content",
}


def checksum(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def _frame(body: bytes) -> bytes:
    inner = struct.pack(">H", len(body) + 1) + body
    return PREAMBLE + inner + bytes([checksum(inner)])


def request(command: tuple[int, int], data: bytes = b"") -> bytes:
    """The bytes of a request: find card is AA AA AA 96 69 00 03 20 01 22."""
    return _frame(bytes(command) + data)


def answer(status: int, data: bytes = b"", sw: bytes = b"\x00\x00") -> bytes:
    """The bytes of an answer (the emulated reader's side)."""
    return _frame(sw + bytes([status]) + data)


@dataclass(frozen=True)
class Answer:
    sw: bytes  # SW1 SW2: the card's status words, passed on
    status: int  # SW3
    data: bytes


@dataclass(frozen=True)
class Request:
    command: tuple[int, int]
    data: bytes


def read_body(read: Callable[[int], bytes]) -> bytes:
    """The bytes between LEN and CHK of the next frame; `read(n)` returns fewer than n bytes
    only when its timeout passes. ReaderTimeout if nothing came, ShortFrameError if the frame
    stopped early, ChecksumError, FrameError if no preamble came or LEN is out of range."""
    window = b""
    seen = 0
    while window != PREAMBLE:
        b = read(1)
        if not b:
            if seen == 0:
                raise ReaderTimeout("ID-card reader: no answer")
            raise ShortFrameError(f"ID-card reader: answer stopped after {seen} bytes")
        seen += 1
        window = (window + b)[-len(PREAMBLE) :]
        if seen > MAX_SKIP + len(PREAMBLE):
            raise FrameError("ID-card reader: no frame start (AA AA AA 96 69) in the answer")
    head = read(2)
    if len(head) < 2:
        raise ShortFrameError("ID-card reader: answer stopped in its length")
    (n,) = struct.unpack(">H", head)
    if not 2 <= n <= MAX_LEN:
        raise FrameError(f"ID-card reader: frame length {n} out of range")
    rest = read(n)
    if len(rest) < n:
        raise ShortFrameError(f"ID-card reader: answer stopped at {len(rest)} of {n} bytes")
    if checksum(head + rest[:-1]) != rest[-1]:
        raise ChecksumError("ID-card reader: answer checksum wrong")
    return rest[:-1]


def parse_answer(body: bytes) -> Answer:
    if len(body) < 3:
        raise FrameError("ID-card reader: an answer has SW1 SW2 SW3")
    return Answer(body[:2], body[2], body[3:])


def parse_request(body: bytes) -> Request:
    if len(body) < 2:
        raise FrameError("ID-card reader: a request has CMD and PARA")
    return Request((body[0], body[1]), body[2:])


def reader_of(frame: bytes) -> Callable[[int], bytes]:
    """`read(n)` over bytes already at hand (tests, and parsing a captured frame)."""
    pos = 0

    def read(n: int) -> bytes:
        nonlocal pos
        out = frame[pos : pos + n]
        pos += len(out)
        return out

    return read
