"""ESC/POS command bytes, and a builder that writes a receipt's byte stream.

Why our own bytes rather than python-escpos's text(): python-escpos 3.1 switches to GB18030 only
when a string holds a basic CJK ideograph and otherwise picks a single-byte code page, so Chinese
punctuation ("：", "（", "￥") turns into '?'. We put every non-ASCII line in Chinese mode
(FS & ... FS .) ourselves, encoded as GB18030, which is ASCII-compatible, so mixed lines are safe.
python-escpos stays the transport (network / USB / serial) and sends these bytes with `_raw()`.

The same constants are used by the virtual printer's decoder.
"""

from __future__ import annotations

import enum

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
DLE = b"\x10"
EOT = b"\x04"
LF = b"\n"

INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
CUT_FEED = GS + b"V" + bytes([66, 3])  # feed 3 lines, then full cut

# DLE EOT n: real-time status transmission (answered even while the printer is busy/offline).
STATUS_PRINTER = 1
STATUS_OFFLINE_CAUSE = 2
STATUS_ERROR_CAUSE = 3
STATUS_PAPER_SENSOR = 4

# Receipt width of an 80 mm printer in font A (12 x 24 dots, 576 dots): half-width columns.
COLUMNS = 48


class Align(enum.IntEnum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


class QrEcc(enum.IntEnum):
    L = 48
    M = 49
    Q = 50
    H = 51


def status_query(n: int) -> bytes:
    return DLE + EOT + bytes([n])


def normalise_text(text: str) -> str:
    """The half-width yen sign is not in GB2312 printer fonts: print the full-width ￥."""
    return text.replace("¥", "￥")


def encode_text(text: str) -> bytes:
    """Bytes of one piece of text: ASCII as is, anything else inside FS & ... FS . as GB18030."""
    text = normalise_text(text)
    if text.isascii():
        return text.encode("ascii")
    return CHINESE_ON + text.encode("gb18030") + CHINESE_OFF


def qr_bytes(data: str, module_size: int = 6, ecc: QrEcc = QrEcc.M) -> bytes:
    """Native QR code (GS ( k, model 2): select model, module size, error correction, store, print."""
    payload = data.encode("utf-8")
    if not 1 <= module_size <= 16:
        raise ValueError("QR module size is 1 to 16 dots")
    store_len = len(payload) + 3
    if store_len > 7092:
        raise ValueError("QR data too long")
    return b"".join(
        (
            GS + b"(k" + bytes([4, 0, 49, 65, 50, 0]),  # fn 165: model 2
            GS + b"(k" + bytes([3, 0, 49, 67, module_size]),  # fn 167: module size
            GS + b"(k" + bytes([3, 0, 49, 69, int(ecc)]),  # fn 169: error correction
            GS + b"(k" + bytes([store_len & 0xFF, store_len >> 8, 49, 80, 48]) + payload,
            GS + b"(k" + bytes([3, 0, 49, 81, 48]),  # fn 181: print the stored symbol
        )
    )


class EscPosWriter:
    """Accumulates ESC/POS bytes: text lines, styles, QR codes, feeds and the cut."""

    def __init__(self) -> None:
        self._parts: list[bytes] = [INIT]

    def raw(self, data: bytes) -> EscPosWriter:
        self._parts.append(data)
        return self

    def align(self, align: Align) -> EscPosWriter:
        return self.raw(ESC + b"a" + bytes([int(align)]))

    def bold(self, on: bool) -> EscPosWriter:
        return self.raw(ESC + b"E" + bytes([1 if on else 0]))

    def size(self, width: int = 1, height: int = 1) -> EscPosWriter:
        """Character size 1..8 each way; FS ! too, since Chinese mode has its own size bits."""
        if not (1 <= width <= 8 and 1 <= height <= 8):
            raise ValueError("character size is 1 to 8")
        gs = ((width - 1) << 4) | (height - 1)
        fs = (0x04 if width > 1 else 0) | (0x08 if height > 1 else 0)
        return self.raw(GS + b"!" + bytes([gs]) + FS + b"!" + bytes([fs]))

    def line(self, text: str = "") -> EscPosWriter:
        return self.raw(encode_text(text) + LF)

    def qr(self, data: str, module_size: int = 6, ecc: QrEcc = QrEcc.M) -> EscPosWriter:
        return self.raw(qr_bytes(data, module_size, ecc))

    def feed(self, lines: int = 1) -> EscPosWriter:
        return self.raw(ESC + b"d" + bytes([max(0, min(lines, 255))]))

    def cut(self) -> EscPosWriter:
        return self.raw(CUT_FEED)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)
