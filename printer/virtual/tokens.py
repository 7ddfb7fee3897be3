"""Splits an ESC/POS byte stream into commands and text runs.

Used twice: by the virtual printer's connection handler, which must spot DLE EOT status queries
as they arrive without mistaking QR or raster payload bytes for them, and by the decoder. Knows
the length of every command we and python-escpos send, and of the common others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CONTROL = frozenset(range(0x20)) | {0x7F}


@dataclass(frozen=True)
class Token:
    """One command or text run. `name` is e.g. "ESC a", "GS ( k", "text", "LF"."""

    name: str
    params: bytes  # the fixed parameter bytes after the command letters
    payload: bytes  # variable data (text, QR data, raster bits)
    end: int  # index just past this token


# Parameter bytes after ESC x / GS x / FS x (fixed-length commands).
_ESC = {
    b"@": 0, b"a": 1, b"E": 1, b"-": 1, b"!": 1, b"d": 1, b"J": 1, b"t": 1, b"M": 1, b"G": 1,
    b"2": 0, b"3": 1, b"R": 1, b"V": 1, b"{": 1, b"p": 3, b"r": 1, b" ": 1, b"$": 2, b"\\": 2,
    b"e": 1, b"U": 1, b"c": 2, b"=": 1, b"%": 1, b"i": 0, b"m": 0, b"L": 0, b"S": 0, b"T": 1,
}  # fmt: skip
_GS = {
    b"!": 1, b"B": 1, b"L": 2, b"W": 2, b"h": 1, b"w": 1, b"H": 1, b"f": 1, b"a": 1, b"r": 1,
    b"I": 1, b"b": 1, b"/": 1, b"P": 2, b"\\": 2, b"$": 2, b"E": 1, b"^": 3, b":": 0,
}  # fmt: skip
_FS = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"C": 1, b"S": 2, b"W": 1, b"p": 2}


def next_token(buf: bytes, i: int) -> Token | None:
    """The token starting at buf[i], or None when buf ends before the token is complete."""
    n = len(buf)
    if i >= n:
        return None
    b = buf[i]
    if b not in CONTROL:
        j = i
        while j < n and buf[j] not in CONTROL:
            j += 1
        return Token("text", b"", buf[i:j], j)
    if b == 0x0A:
        return Token("LF", b"", b"", i + 1)
    if b in (0x1B, 0x1D, 0x1C):
        if i + 1 >= n:
            return None
        prefix = {0x1B: "ESC", 0x1D: "GS", 0x1C: "FS"}[b]
        c = buf[i + 1 : i + 2]
        if b == 0x1D:
            return _gs(buf, i, c)
        if b == 0x1B and c == b"*":
            return _fixed_then_data(
                buf, i, "ESC *", 3, lambda p: (p[1] + 256 * p[2]) * (1 if p[0] < 2 else 3)
            )
        if b == 0x1B and c == b"D":  # tab stops, NUL-terminated
            k = buf.find(b"\x00", i + 2)
            return None if k < 0 else Token("ESC D", b"", buf[i + 2 : k], k + 1)
        table = _ESC if b == 0x1B else _FS
        count = table.get(c, 0)
        if i + 2 + count > n:
            return None
        return Token(
            f"{prefix} {c.decode('latin-1')}", buf[i + 2 : i + 2 + count], b"", i + 2 + count
        )
    if b == 0x10:  # DLE EOT n, DLE ENQ n, DLE DC4 fn m t
        if i + 1 >= n:
            return None
        fn = buf[i + 1]
        count = 3 if fn == 0x14 else 1
        if i + 2 + count > n:
            return None
        name = {0x04: "DLE EOT", 0x05: "DLE ENQ", 0x14: "DLE DC4"}.get(fn, "DLE ?")
        return Token(name, buf[i + 2 : i + 2 + count], b"", i + 2 + count)
    return Token(f"CTL {b:02x}", b"", b"", i + 1)  # CR, HT, FF, NUL...: one byte


def _fixed_then_data(
    buf: bytes, i: int, name: str, fixed: int, data_len: Callable[[bytes], int]
) -> Token | None:
    start = i + 2
    if start + fixed > len(buf):
        return None
    params = buf[start : start + fixed]
    end = start + fixed + data_len(params)
    if end > len(buf):
        return None
    return Token(name, params, buf[start + fixed : end], end)


def _gs(buf: bytes, i: int, c: bytes) -> Token | None:
    n = len(buf)
    if c == b"(":  # GS ( x pL pH data: function blocks (QR is GS ( k)
        if i + 5 > n:
            return None
        fn = buf[i + 2 : i + 3]
        size = buf[i + 3] + 256 * buf[i + 4]
        end = i + 5 + size
        if end > n:
            return None
        return Token(f"GS ( {fn.decode('latin-1')}", b"", buf[i + 5 : end], end)
    if c == b"v":  # GS v 0 m xL xH yL yH data: raster image
        return _fixed_then_data(
            buf, i, "GS v 0", 6, lambda p: (p[2] + 256 * p[3]) * (p[4] + 256 * p[5])
        )
    if c == b"*":  # GS * x y data: downloaded bit image
        return _fixed_then_data(buf, i, "GS *", 2, lambda p: p[0] * p[1] * 8)
    if c == b"V":  # GS V m [n]
        if i + 3 > n:
            return None
        m = buf[i + 2]
        count = 2 if m in (65, 66, 97, 98, 103, 104) else 1
        if i + 2 + count > n:
            return None
        return Token("GS V", buf[i + 2 : i + 2 + count], b"", i + 2 + count)
    if c == b"k":  # GS k m ...: barcode
        if i + 3 > n:
            return None
        m = buf[i + 2]
        if m <= 6:
            k = buf.find(b"\x00", i + 3)
            return None if k < 0 else Token("GS k", bytes([m]), buf[i + 3 : k], k + 1)
        if i + 4 > n:
            return None
        end = i + 4 + buf[i + 3]
        return None if end > n else Token("GS k", bytes([m]), buf[i + 4 : end], end)
    count = _GS.get(c, 0)
    if i + 2 + count > n:
        return None
    return Token(f"GS {c.decode('latin-1')}", buf[i + 2 : i + 2 + count], b"", i + 2 + count)
