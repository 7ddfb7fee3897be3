"""Decodes an ESC/POS job into what would come out of the printer: styled lines, QR codes,
raster images and cuts. Text inside FS & ... FS . is GB18030; outside it, code page PC437.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from printer.virtual.tokens import next_token


@dataclass(frozen=True)
class Style:
    bold: bool = False
    underline: bool = False
    width: int = 1  # character size multipliers
    height: int = 1


@dataclass
class TextLine:
    segments: list[tuple[str, Style]]
    align: int  # 0 left, 1 centre, 2 right

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.segments)

    @property
    def height(self) -> int:
        return max((s.height for _, s in self.segments), default=1)


@dataclass
class QrCode:
    data: str
    module_size: int
    ecc: str  # L M Q H
    align: int


@dataclass
class Raster:
    width: int  # dots
    height: int
    rows: list[bytes]  # each row: width/8 bytes, MSB first, 1 = black
    scale_x: int
    scale_y: int
    align: int


@dataclass
class Cut:
    partial: bool


@dataclass
class Feed:
    lines: int


Element = TextLine | QrCode | Raster | Cut | Feed


@dataclass
class DecodedJob:
    elements: list[Element] = field(default_factory=list)
    status_queries: int = 0
    unknown: list[str] = field(default_factory=list)  # commands we skipped

    @property
    def cuts(self) -> int:
        return sum(isinstance(e, Cut) for e in self.elements)

    @property
    def qr_codes(self) -> list[QrCode]:
        return [e for e in self.elements if isinstance(e, QrCode)]

    @property
    def printable(self) -> bool:
        return any(not isinstance(e, Feed) for e in self.elements)

    def text_lines(self) -> list[str]:
        return [e.text for e in self.elements if isinstance(e, TextLine)]


_ECC = {48: "L", 49: "M", 50: "Q", 51: "H"}


def decode(data: bytes) -> DecodedJob:
    job = DecodedJob()
    style = Style()
    align = 0
    chinese = False
    segments: list[tuple[str, Style]] = []
    pending = bytearray()  # text bytes not yet decoded, in the current style and mode
    qr: dict[str, Any] = {"size": 3, "ecc": "L", "data": b""}

    def flush_text() -> None:
        if pending:
            codec = "gb18030" if chinese else "cp437"
            segments.append((bytes(pending).decode(codec, errors="replace"), style))
            pending.clear()

    def end_line(force: bool) -> None:
        flush_text()
        if segments or force:
            job.elements.append(TextLine(list(segments), align))
        segments.clear()

    i = 0
    while True:
        t = next_token(data, i)
        if t is None:
            break
        i = t.end
        name, p = t.name, t.params
        if name == "text":
            pending.extend(t.payload)
        elif name == "LF":
            end_line(force=True)
        elif name == "ESC @":
            end_line(force=False)
            style, align, chinese = Style(), 0, False
        elif name == "ESC a":
            end_line(force=False)  # alignment applies to the line it starts
            align = p[0] % 48 if p[0] >= 48 else p[0]
        elif name == "ESC E":
            flush_text()
            style = replace(style, bold=bool(p[0] & 1))
        elif name == "ESC -":
            flush_text()
            n = p[0] - 48 if p[0] >= 48 else p[0]  # "0"/"1"/"2" or 0/1/2
            style = replace(style, underline=n in (1, 2))
        elif name == "ESC !":
            flush_text()
            m = p[0]
            style = Style(
                bold=bool(m & 0x08),
                underline=bool(m & 0x80),
                width=2 if m & 0x20 else 1,
                height=2 if m & 0x10 else 1,
            )
        elif name == "GS !":
            flush_text()
            style = replace(style, width=(p[0] >> 4) + 1, height=(p[0] & 0x0F) + 1)
        elif name == "FS &":
            flush_text()
            chinese = True
        elif name == "FS .":
            flush_text()
            chinese = False
        elif name == "ESC d":
            end_line(force=False)
            job.elements.append(Feed(p[0]))
        elif name == "GS V":
            end_line(force=False)
            job.elements.append(Cut(partial=p[0] in (1, 49, 66, 98, 104)))
        elif name == "GS ( k":
            end_line(force=False)
            _qr_function(t.payload, qr, job, align)
        elif name == "GS v 0":
            end_line(force=False)
            m = p[1]  # p[0] is the "0" of GS v 0
            wbytes = p[2] + 256 * p[3]
            height = p[4] + 256 * p[5]
            rows = [t.payload[r * wbytes : (r + 1) * wbytes] for r in range(height)]
            m = m % 48 if m >= 48 else m
            job.elements.append(
                Raster(wbytes * 8, height, rows, 2 if m & 1 else 1, 2 if m & 2 else 1, align)
            )
        elif name == "DLE EOT":
            job.status_queries += 1
        elif name in ("FS !", "FS -", "ESC t", "ESC M", "ESC 2", "ESC 3", "ESC G", "CTL 0d"):
            pass  # size in Chinese mode follows GS !; code page, font, spacing: not rendered
        else:
            job.unknown.append(name)
    end_line(force=False)
    return job


def _qr_function(payload: bytes, qr: dict[str, Any], job: DecodedJob, align: int) -> None:
    if len(payload) < 2 or payload[0] != 49:  # cn 49: QR code
        job.unknown.append("GS ( k (not QR)")
        return
    fn = payload[1]
    if fn == 67:
        qr["size"] = payload[2]
    elif fn == 69:
        qr["ecc"] = _ECC.get(payload[2], "L")
    elif fn == 80:
        qr["data"] = payload[3:]
    elif fn == 81:
        job.elements.append(
            QrCode(qr["data"].decode("utf-8", errors="replace"), qr["size"], qr["ecc"], align)
        )
