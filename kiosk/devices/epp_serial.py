"""A serial encrypting PIN pad (kiosk.ports.EppPort over pyserial), and `EppDevicePeer`, which
plays such a pad on the other end of a line (a pty in tests and demos).

The command set is our own, written down in docs/payments.md ("The PIN pad's serial commands"):
no vendor manual was at hand, so it takes the shape common to serial pads (load a working key
under the master key with its check value; start PIN entry; poll the entry; read the PIN
block; MAC) without any vendor's codes. A vendor's pad gets its own class with this port.

Frame, both ways: STX (02) | LEN (2 bytes, big-endian: CMD..DATA) | CMD (1 ASCII byte) |
[STATUS (1 byte), answers only] | DATA | ETX (03) | BCC (XOR of LEN..ETX).

| CMD | asks | data in | data out |
|---|---|---|---|
| I | identify | - | model, ASCII |
| K | load a working key | slot (01 PIK, 02 MAK) + key under TMK (16) + check value (4) | - |
| P | start PIN entry | min digits, max digits (1 byte each) + PAN (ASCII digits) | - |
| S | entry state | - | digits entered (1), flags (1: bit 0 ENTER, bit 1 CANCEL) |
| B | PIN block | - | ISO 9564 format 0 block under the PIK (8) |
| C | cancel entry | - | - |
| M | MAC | data | X9.19 MAC under the MAK (8) |

Status: 00 done, 01 unknown command, 02 bad frame or data, 03 key missing, 04 check value
wrong, 05 no PIN (entry not finished, too short or cancelled)."""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable
from typing import Final

import serial

import common.pos8583 as p
from kiosk.devices.epp import EmulatedEpp, EppError, EppKeyError, PinEntryError, PinEntryState
from kiosk.devices.pty_peer import PtyPeer

STX, ETX = 0x02, 0x03
OK, UNKNOWN, BAD, NO_KEY, BAD_CHECK, NO_PIN = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05
SLOT_PIK, SLOT_MAK = 0x01, 0x02
MODEL: Final = b"SHEBAO-EPP-EMU 1.0"


def _bcc(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


def encode_frame(cmd: bytes, data: bytes = b"", status: int | None = None) -> bytes:
    body = cmd + (b"" if status is None else bytes([status])) + data
    inner = struct.pack(">H", len(body)) + body + bytes([ETX])
    return bytes([STX]) + inner + bytes([_bcc(inner)])


def read_frame(read: Callable[[int], bytes]) -> bytes:
    """CMD..DATA of the next frame from `read(n)` (raises EppError on a bad or short frame)."""
    head = read(3)
    if len(head) < 3 or head[0] != STX:
        raise EppError("EPP: no frame (timed out or out of step)")
    (n,) = struct.unpack(">H", head[1:3])
    rest = read(n + 2)
    if len(rest) < n + 2 or rest[n] != ETX or _bcc(head[1:3] + rest[: n + 1]) != rest[n + 1]:
        raise EppError("EPP: bad frame")
    return rest[:n]


class SerialEpp:
    """kiosk.ports.EppPort for a pad on a serial line, speaking the command set above."""

    has_keypad = True  # the member types on the pad's own keys

    def __init__(self, device: str, *, baudrate: int = 9600, timeout: float = 2.0) -> None:
        self._line = serial.Serial(device, baudrate=baudrate, timeout=timeout)
        self._lock = threading.Lock()
        self._signed_on = False

    def __repr__(self) -> str:
        return f"SerialEpp({self._line.port!r})"

    def close(self) -> None:
        self._line.close()

    def _ask(self, cmd: bytes, data: bytes = b"") -> bytes:
        with self._lock:
            self._line.reset_input_buffer()
            self._line.write(encode_frame(cmd, data))
            self._line.flush()
            body = read_frame(self._line.read)
        if len(body) < 2 or body[:1] != cmd:
            raise EppError("EPP: answer to another command")
        status, out = body[1], body[2:]
        if status == OK:
            return out
        if status in (NO_KEY, BAD_CHECK):
            raise EppKeyError(f"EPP refused {cmd.decode()}: status {status:02X}")
        if status == NO_PIN:
            raise PinEntryError("no PIN entered")
        raise EppError(f"EPP refused {cmd.decode()}: status {status:02X}")

    def identify(self) -> str:
        return self._ask(b"I").decode("ascii", "replace")

    def load_working_keys(self, keys: p.WorkingKeys) -> None:
        self._signed_on = False
        self._ask(b"K", bytes([SLOT_PIK]) + keys.pik_under_tmk + keys.pik_check)
        self._ask(b"K", bytes([SLOT_MAK]) + keys.mak_under_tmk + keys.mak_check)
        self._signed_on = True

    @property
    def signed_on(self) -> bool:
        return self._signed_on

    def mac(self, data: bytes) -> bytes:
        out = self._ask(b"M", data)
        if len(out) != 8:
            raise EppError("EPP: a MAC is 8 bytes")
        return out

    def start_pin_entry(self, pan: str, *, min_digits: int = 4, max_digits: int = 12) -> None:
        self._ask(b"P", bytes([min_digits, max_digits]) + pan.encode("ascii"))

    def press(self, key: str) -> PinEntryState:
        raise PinEntryError("this PIN pad takes the PIN on its own keys")

    def state(self) -> PinEntryState:
        out = self._ask(b"S")
        if len(out) != 2:
            raise EppError("EPP: bad entry state")
        return PinEntryState(out[0], bool(out[1] & 1), bool(out[1] & 2))

    def pin_block(self) -> bytes:
        out = self._ask(b"B")
        if len(out) != 8:
            raise EppError("EPP: a PIN block is 8 bytes")
        return out

    def cancel(self) -> None:
        self._ask(b"C")


class EppDevicePeer(PtyPeer):
    """Plays a serial pad on a file descriptor (the master side of a pty): the keys and the
    cryptography are an EmulatedEpp's; `press` is a key of its own keypad."""

    def __init__(self, fd: int, tmk: bytes) -> None:
        super().__init__(fd, "epp-peer")
        self._pad = EmulatedEpp(tmk)

    def press(self, key: str) -> PinEntryState:
        return self._pad.press(key)

    def _serve_one(self) -> None:
        try:
            body = read_frame(self._read)
        except EppError:
            return
        cmd, data = body[:1], body[1:]
        status, out = self._do(cmd, data)
        self._send(encode_frame(cmd, out, status))

    def _do(self, cmd: bytes, data: bytes) -> tuple[int, bytes]:
        pad = self._pad
        try:
            if cmd == b"I":
                return OK, MODEL
            if cmd == b"K":
                return self._load(data)
            if cmd == b"P":
                if len(data) < 15:
                    return BAD, b""
                pad.start_pin_entry(
                    data[2:].decode("ascii"), min_digits=data[0], max_digits=data[1]
                )
                return OK, b""
            if cmd == b"S":
                st = pad.state()
                return OK, bytes([st.digits, int(st.done) | (int(st.cancelled) << 1)])
            if cmd == b"B":
                return OK, pad.pin_block()
            if cmd == b"C":
                pad.cancel()
                return OK, b""
            if cmd == b"M":
                return OK, pad.mac(data)
        except EppKeyError:
            return NO_KEY, b""
        except PinEntryError:
            return NO_PIN, b""
        except (ValueError, UnicodeDecodeError):
            return BAD, b""
        return UNKNOWN, b""

    def _load(self, data: bytes) -> tuple[int, bytes]:
        if len(data) != 21 or data[0] not in (SLOT_PIK, SLOT_MAK):
            return BAD, b""
        try:
            self._pad.load_key("pik" if data[0] == SLOT_PIK else "mak", data[1:17], data[17:21])
        except EppKeyError:
            return BAD_CHECK, b""
        return OK, b""
