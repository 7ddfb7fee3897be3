"""Glyph names for reportlab's TrueType subsets, so Chinese text survives a PostScript trip.

reportlab writes each subset with a 'post' table of format 3 (no glyph names) and a code ->
glyph cmap; the PDF's ToUnicode map is the only link from glyphs to characters. CUPS filters
turn the PDF into PostScript (cups-pdf, and many printer drivers, need it), which drops
ToUnicode: Ghostscript then writes text that extracts as garbage. Giving every glyph its
`uniXXXX` name (a 'post' table of format 2) lets PostScript carry the characters, and
Ghostscript maps those names back to Unicode.
"""

from __future__ import annotations

import struct


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}L", padded)
    return sum(words) & 0xFFFFFFFF


def _tables(font: bytes) -> dict[bytes, bytes]:
    (num,) = struct.unpack(">H", font[4:6])
    out = {}
    for i in range(num):
        tag, _, offset, length = struct.unpack(">4sLLL", font[12 + 16 * i : 28 + 16 * i])
        out[tag] = font[offset : offset + length]
    return out


def _assemble(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    num = len(tags)
    entry_selector = max(k for k in range(16) if 2**k <= num)
    search_range = 16 * 2**entry_selector
    header = struct.pack(
        ">LHHHH", 0x00010000, num, search_range, entry_selector, num * 16 - search_range
    )
    offset = 12 + 16 * num
    directory, body = bytearray(), bytearray()
    head_at = None
    for tag in tags:
        data = tables[tag]
        if tag == b"head":
            data = data[:8] + b"\0\0\0\0" + data[12:]  # checkSumAdjustment, set below
            head_at = offset + len(body)
        directory += struct.pack(">4sLLL", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    if head_at is not None:
        adjust = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
        font[head_at + 8 : head_at + 12] = struct.pack(">L", adjust)
    return bytes(font)


def glyph_name(code_point: int) -> str:
    return f"uni{code_point:04X}" if code_point <= 0xFFFF else f"u{code_point:X}"


def name_subset_glyphs(font: bytes, subset: list[int]) -> bytes:
    """The subset font with a format-2 'post' table naming each glyph after its character.

    `subset` is reportlab's list of code points: character code i of the subset is subset[i],
    and the (1, 0) format-6 cmap reportlab writes maps code i to its glyph."""
    tables = _tables(font)
    (num_glyphs,) = struct.unpack(">H", tables[b"maxp"][4:6])
    cmap = tables[b"cmap"]
    fmt, _, _, first, count = struct.unpack(">HHHHH", cmap[12:22])
    if fmt != 6:
        return font  # not what reportlab writes: leave the font as it is
    glyph_of_code = struct.unpack(f">{count}H", cmap[22 : 22 + 2 * count])
    names: dict[int, str] = {}
    for code, glyph in enumerate(glyph_of_code, start=first):
        if glyph and code < len(subset) and glyph not in names:
            names[glyph] = glyph_name(subset[code])
    # Glyph 0 is .notdef (index 0 of the standard Macintosh names); every other glyph gets its
    # own name, numbered after the 258 standard ones in glyph order.
    strings = bytearray()
    for g in range(1, num_glyphs):
        name = names.get(g, f"glyph{g}").encode("ascii")
        strings += bytes([len(name)]) + name
    index = [0] + [258 + k for k in range(num_glyphs - 1)]
    post = tables[b"post"]
    tables[b"post"] = (
        struct.pack(">L", 0x00020000)
        + post[4:32]
        + struct.pack(f">H{num_glyphs}H", num_glyphs, *index)
        + bytes(strings)
    )
    return _assemble(tables)
