"""APDU commands and responses, and the channel that sends them over a link.

The channel does what pyscard does not: `61xx` (fetch the rest with GET RESPONSE) and `6Cxx`
(send again with the Le the card asked for). It writes an APDU trace to the logger
``cardio.apdu`` at DEBUG level. The trace never holds a PIN: commands marked `sensitive`
(VERIFY, CHANGE PIN) show their data as ``**``; response data is shown as a length only,
because EF06 holds the member's ID number (set `trace_payloads` on synthetic cards only).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from cardio import errors, status

log = logging.getLogger("cardio.apdu")


class Link(Protocol):
    """A raw path to one card: bytes in, response bytes (data + SW1 SW2) out."""

    def transmit(self, apdu: bytes | bytearray) -> bytes: ...


@dataclass(frozen=True)
class Command:
    """One command APDU. `data` may be a bytearray the caller wipes (PIN commands)."""

    name: str
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes | bytearray = b""
    le: int | None = None
    sensitive: bool = False

    def encode(self) -> bytearray:
        """The APDU bytes (short form). A bytearray, so PIN commands can be wiped."""
        out = bytearray((self.cla, self.ins, self.p1, self.p2))
        if self.data:
            out.append(len(self.data))
            out += self.data
        if self.le is not None:
            out.append(self.le & 0xFF)
        return out

    def with_le(self, le: int) -> Command:
        return Command(
            self.name, self.cla, self.ins, self.p1, self.p2, self.data, le, self.sensitive
        )

    def trace(self) -> str:
        head = f"{self.cla:02X}{self.ins:02X}{self.p1:02X}{self.p2:02X}"
        body = ""
        if self.data:
            shown = "**" if self.sensitive else bytes(self.data).hex().upper()
            body = f" {len(self.data):02X} {shown}"
        le = f" {self.le:02X}" if self.le is not None else ""
        return f"{self.name}: {head}{body}{le}"


@dataclass(frozen=True)
class Response:
    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        return self.sw == status.OK

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            raise errors.CardError(
                en=f"response too short ({len(raw)} bytes)", zh=f"卡片响应过短（{len(raw)} 字节）"
            )
        return cls(bytes(raw[:-2]), (raw[-2] << 8) | raw[-1])


class ApduChannel:
    """Sends commands over a link, handling 61xx / 6Cxx and the trace."""

    def __init__(self, link: Link, *, trace_payloads: bool = False) -> None:
        self.link = link
        self.trace_payloads = trace_payloads
        #: How many APDUs went over the link (GET RESPONSE and re-sends included).
        self.count = 0

    def _exchange(self, cmd: Command) -> Response:
        raw = cmd.encode()
        try:
            answer = self.link.transmit(raw)
        finally:
            if cmd.sensitive:
                raw[:] = bytes(len(raw))  # wipe our copy of the PIN block
        self.count += 1
        resp = Response.parse(answer)
        if log.isEnabledFor(logging.DEBUG):
            shown = resp.data.hex().upper() if self.trace_payloads else f"[{len(resp.data)} bytes]"
            log.debug("> %s", cmd.trace())
            log.debug("< %s %04X", shown, resp.sw)
        return resp

    def send(self, cmd: Command, *, check: bool = True) -> Response:
        """Send `cmd`; with `check`, a status other than 9000 raises its typed error."""
        resp = self._exchange(cmd)
        if resp.sw1 == 0x6C:
            resp = self._exchange(cmd.with_le(resp.sw2))
        data = resp.data
        guard = 0
        while resp.sw1 == 0x61:
            guard += 1
            if guard > 32:
                raise errors.CardError(en="endless GET RESPONSE chain", zh="卡片响应链过长")
            get = Command("GET RESPONSE", 0x00, 0xC0, 0x00, 0x00, le=resp.sw2)
            resp = self._exchange(get)
            if resp.sw1 == 0x6C:
                resp = self._exchange(get.with_le(resp.sw2))
            data += resp.data
        resp = Response(data, resp.sw)
        if check and not resp.ok:
            raise status.error_for(resp.sw, cmd.name)
        return resp
